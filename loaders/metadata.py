"""Document metadata (GUIDE §2): 文号, doc type, dates, issuers, recipients, jurisdiction."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .citations import parse_doc_number
from .divisions import Division, DivisionTable, division_table
from .patterns import (ARABIC_DATE, CN_DATE, DOC_NUMBER, GLYPHLESS_DATE, HEADER_FIELD, ORG_END, PUBLICITY_NOTE,
                       glyphless_readings, header_label, parse_date)
from .records import DocNumber, Jurisdiction
from .structure import Line, split_lines
from .vocab import Vocabulary, vocabulary

# a 来源 that names a reposting site, a newspaper or a document database, not an issuing body (GUIDE §7)
_NOT_ISSUER = re.compile(r"(网|网站|日报|晚报|报社|新闻|电视台|融媒|客户端|公众号|平台|门户|数据库|法规库|资料库|数据中心)$")
_ORG_ANY = re.compile(ORG_END.pattern.rstrip("$"))
_DATE_LINE = re.compile(r"^((?:19|20)\d{2}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|"
                        r"[〇零一二三四五六七八九○0]{4}\s*年\s*[一二三四五六七八九十]{1,2}\s*月(?:\s*[一二三四五六七八九十]{1,3}\s*日)?)"
                        r"\s*(印发|发布|印)?$")


@dataclass
class Metadata:
    """What the head and signature of a document say about it."""

    doc_number: DocNumber | None = None
    doc_type: str | None = None
    date: str | None = None
    published: str | None = None
    issuer_names: list[tuple[str, int, int]] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    header: dict[str, str] = field(default_factory=dict)
    date_note: str | None = None  # date_repaired | date_from_publication (see loaders/diagnostics.py)


def header_fields(line: str) -> dict[str, str]:
    """发布时间:… 索引号:… 文号:… 来源:… on one line → {label: value}."""
    marks = list(HEADER_FIELD.finditer(line))
    out: dict[str, str] = {}
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(line)
        value = re.split(r"\s{2,}", line[m.end():end].strip())[0].strip() if line[m.end():end].strip() else ""
        out.setdefault(header_label(m.group(1)), value)
    return out


def doc_type_of(title: str | None, body: str, vocab: Vocabulary | None = None) -> str | None:
    """文种 from the end of the title (报告（2020） → 报告), else from 制定本方案 / 特制定本实施意见."""
    vocab = vocab or vocabulary()
    labels = [c.pref for c in vocab.doc_types]
    if title:
        t = re.sub(r"[\s《》〈〉]", "", title)
        t = re.sub(r"[（(]?[\d\-—～~年]*[)）]?$", "", t)
        t = re.sub(r"[（(](试行|暂行|征求意见稿|修订|草案|送审稿)[)）]$", "", t)
        for label in labels:
            if t.endswith(label):
                return label
    m = re.search(r"(?:制定|制订|特制定|现制定)本([\u4e00-\u9fff]{1,4}?)(?=[:：，,。；\n]|$)", body[:3000])
    if m:
        for label in labels:
            if m.group(1).endswith(label):
                return label
    return None


def _signature_block(lines: list[Line]) -> tuple[list[Line], Line | None, list[Line]]:
    """(signature lines above the date, the date line, 印发 lines) of a document's own text."""
    date_idx = None
    for i, ln in enumerate(lines):
        if _DATE_LINE.match(ln.text.strip()) and not ln.text.strip().endswith(("印发", "印")):
            date_idx = i
            break
        if i and GLYPHLESS_DATE.match(ln.text.replace(" ", "")) and (
                ORG_END.search(lines[i - 1].text.strip())
                or i + 1 < len(lines) and PUBLICITY_NOTE.match(lines[i + 1].text.replace(" ", ""))):
            date_idx = i  # a 成文日期 that lost its 年月日, under a signature (GUIDE §7)
            break
    sig: list[Line] = []
    if date_idx is not None:
        for ln in reversed(lines[max(0, date_idx - 3): date_idx]):
            t = ln.text.strip()
            names = [p for p in re.split(r"\s+|、", t) if p]  # joint signatures: 甲委员会 乙局 on one line
            if len(t) > 60 or re.search(r"[。；，,：:]", t) or not names or \
                    not all(ORG_END.search(p) for p in names):
                break
            sig.insert(0, ln)
    printed = [ln for ln in lines if ln.text.endswith(("印发", "印")) and re.search(r"\S\s{2,}\S", ln.text)
               and ARABIC_DATE.search(ln.text) or CN_DATE.search(ln.text) and ln.text.strip().endswith("印发")]
    return sig, (lines[date_idx] if date_idx is not None else None), printed


_PUBLICATION_LINE = re.compile(r"^((?:19|20)\d{2}[-./年]\d{1,2}[-./月]\d{1,2}日?)(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
                               r"\s+(\S{2,30})$")


def _publication_line(head: list[Line]) -> tuple[str, str | None, int] | None:
    """An unlabeled publication line of a site under the title — "2017-08-03 12:24   乌鲁木齐市教育局": its date,
    and the body it names when that is an organisation (GUIDE §7)."""
    for ln in head:
        m = _PUBLICATION_LINE.match(ln.text.strip())
        if m:
            when = parse_date(m.group(1))
            who = m.group(2) if ORG_END.search(m.group(2)) else None
            return (when, who, ln.start + ln.text.index(m.group(2))) if when else None
    return None


def _glyphless_date(text: str, published: str | None) -> str | None:
    """The reading of a date without 年月日: the only valid one; when several are, those not after the stated
    publication date, earliest first (a document is signed before it is published)."""
    readings = glyphless_readings(text.replace(" ", ""))
    if published:
        readings = [r for r in readings if r <= published] or readings
    return readings[0] if readings else None


def read_metadata(text: str, start: int, body_start: int, end: int, title: str | None,
                  vocab: Vocabulary | None = None) -> Metadata:
    """Metadata of the document at text[start:end] whose body begins at body_start."""
    vocab = vocab or vocabulary()
    meta = Metadata()
    lines = split_lines(text, start, end)
    head = [ln for ln in lines if ln.start < body_start][-12:] + \
        [ln for ln in lines if ln.start >= body_start][:8]
    for ln in head:
        for k, v in header_fields(ln.text).items():
            meta.header.setdefault(k, v)
    # 发文字号: a header field, or a line of its own near the title
    number = parse_doc_number(meta.header.get("文号") or meta.header.get("发文字号"))
    if number is None:
        for ln in head[:14]:
            t = re.sub(r"\s+", "", ln.text)
            if len(t) <= 30 and DOC_NUMBER.fullmatch(t):
                number = parse_doc_number(t)
                break
    meta.doc_number = number
    meta.doc_type = doc_type_of(title, text[body_start:end], vocab)
    # dates: the signature date, else a 印发 line, else a stated publication date
    sig, date_line, printed = _signature_block(lines)
    published = meta.header.get("成文日期") or meta.header.get("发布时间") or meta.header.get("发布日期")
    meta.published = parse_date(published) if published else None
    publication = _publication_line(head)
    if publication is not None:
        when, who, who_start = publication
        meta.published = meta.published or when
        if who and not _NOT_ISSUER.search(who):
            meta.issuer_names.append((who, who_start, who_start + len(who)))
    if date_line is not None:
        meta.date = parse_date(date_line.text)
        if meta.date is None:
            meta.date = _glyphless_date(date_line.text, meta.published)
            meta.date_note = "date_repaired" if meta.date else None
    elif printed:
        meta.date = parse_date(printed[0].text)
    elif meta.published:
        meta.date, meta.date_note = meta.published, "date_from_publication"
    # issuers: signature, 印发 lines, header 来源 / 发布机构, the title's own "X关于…"
    for ln in sig:
        for part in re.split(r"\s+|、", ln.text.strip()):
            if part:
                off = ln.start + ln.text.index(part)
                meta.issuer_names.append((part, off, off + len(part)))
    for ln in printed:
        m = re.match(r"^(.+?)\s{2,}", ln.text)
        if m and ORG_END.search(m.group(1).strip()):
            meta.issuer_names.append((m.group(1).strip(), ln.start, ln.start + len(m.group(1).strip())))
    for key in ("发文机关", "发布机构", "来源"):
        v = meta.header.get(key)
        if v and ORG_END.search(v) and not _NOT_ISSUER.search(v):
            where = text.find(v, start, end)
            meta.issuer_names.append((v, where, where + len(v)))
    if title:
        m = re.match(r"^(.{2,60}?)关于", title)
        if m:
            for part in re.split(r"[、\s]+", m.group(1)):
                if part and ORG_END.search(part):
                    where = text.find(part, start, end)
                    meta.issuer_names.append((part, where, where + len(part)))
    # 主送机关: the first line ending with a colon before the body text
    for ln in [x for x in lines if x.start >= body_start][:4]:
        t = ln.text.strip()
        if re.search(r"[:：]$", t) and len(t) <= 200 and not HEADER_FIELD.match(t) and \
                not re.match(r"^(为|根据|按照|经|现|依据|关于)", t) and \
                (_ORG_ANY.search(t) or "各" in t or re.search(r"(联|会)[:：]$", t)):
            meta.recipients = split_recipients(t.rstrip("：:"))
            break
    return meta


def split_recipients(text: str) -> list[str]:
    """主送机关 split at ，and 、 — but 市直各委、办、局 stays whole (a split leaves one-character pieces)."""
    out: list[str] = []
    depth = 0
    buf = ""
    for c in text:
        if c in "（(":
            depth += 1
        elif c in "）)":
            depth = max(0, depth - 1)
        if depth == 0 and c in "，,；;":
            out.append(buf)
            buf = ""
        else:
            buf += c
    out.append(buf)
    result: list[str] = []
    for part in (p.strip() for p in out):
        if not part:
            continue
        pieces = [p for p in _split_top_dun(part) if p]
        if all(len(p) >= 3 for p in pieces):
            result.extend(pieces)
        else:
            result.append(part)
    return result


def _split_top_dun(text: str) -> list[str]:
    out, depth, buf = [], 0, ""
    for c in text:
        if c in "（(":
            depth += 1
        elif c in "）)":
            depth = max(0, depth - 1)
        if depth == 0 and c == "、":
            out.append(buf.strip())
            buf = ""
        else:
            buf += c
    out.append(buf.strip())
    return out


def _strip_citations(s: str) -> str:
    return re.sub(r"《[^《》]*(?:《[^《》]*》[^《》]*)*》", "", s)


_RELATIVE_LEVELS = ("省", "自治区", "市", "州", "盟", "县", "区", "旗", "乡", "镇", "街道")


def is_national(name: str, table: DivisionTable | None = None, vocab: Vocabulary | None = None) -> bool:
    """A body of the central government or party (国务院办公厅, 教育部, 国家发展改革委): no place in its name,
    and a national opening or ending (extraction_rules.toml)."""
    table, vocab = table or division_table(), vocab or vocabulary()
    if not name or table.mentions(name) or name.startswith(_RELATIVE_LEVELS):
        return False  # a place, or a relative one (市委组织部, 县教育局), makes it local
    return name.startswith(tuple(vocab.rule("agencies", "national_prefixes"))) or \
        name.endswith(tuple(vocab.rule("agencies", "national_endings")))


def infer_division(priority_texts: list[str], body: str, table: DivisionTable | None = None) -> Division | None:
    """The issuing area: from issuer names, then the title (citations removed), then the body's places."""
    table = table or division_table()
    for raw in priority_texts:
        s = _strip_citations(raw or "")
        found = _chain_from(table.mentions(s), table)
        if found is not None:
            return found
    counts: Counter[str] = Counter()
    text = _strip_citations(body)
    for start, end, key, is_full in table.mentions(text):
        if is_full and len(key) >= 3:
            div = table.resolve(key)
            if div is not None:
                counts[div.code] += 1
    if not counts:  # no full name: explicit short names of provinces and cities (天津 with 本市, 青岛特色)
        for start, end, key, is_full in table.mentions(text):
            div = None if is_full else table.resolve(key)
            if div is not None and div.level <= 2 and len(key) >= 2:
                counts[div.code] += 1
    if not counts:
        return None
    top = counts.most_common(1)[0][1]
    best = [c for c, n in counts.items() if n >= max(2, top * 0.5)] or [counts.most_common(1)[0][0]]
    # the lowest unit that is among the most mentioned
    return max((table.by_code[c] for c in best), key=lambda d: (d.level, counts[d.code]))


def _chain_from(mentions: list[tuple[int, int, str, bool]], table: DivisionTable) -> Division | None:
    full = [table.resolve(k) for _, _, k, is_full in mentions if is_full]
    full = [d for d in full if d is not None]
    context = max(full, key=lambda d: d.level) if full else None
    resolved = list(full)
    for _, _, k, is_full in mentions:
        if is_full:
            continue
        d = table.resolve(k, context.code if context else None)
        if d is None and resolved:
            d = table.resolve(k, resolved[-1].code)
        if d is not None:
            if context is None or table.is_within(d.code, context.code) or \
                    table.is_within(context.code, d.code):
                resolved.append(d)
                if context is None or d.level > context.level:
                    context = d
    if not resolved:
        return None
    return max(resolved, key=lambda d: d.level)


def jurisdiction_of(div: Division | None, table: DivisionTable | None = None) -> Jurisdiction:
    """Division → Jurisdiction (province / city / county names and the code)."""
    table = table or division_table()
    return table.jurisdiction(div.code) if div else Jurisdiction()
