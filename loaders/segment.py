"""A file's text → its documents (GUIDE §1): main text, full attachments, a notice and its plan."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .citations import find_citations
from .divisions import division_table
from .patterns import DOC_NUMBER, HEADER_LINE, LABEL, ORG_END, PUBLICITY_NOTE, is_date_line, marker_of
from .structure import Line, split_lines
from .vocab import vocabulary

_ATTACHMENT = re.compile(r"^附\s*件\s*([一二三四五六七八九十\d]{1,3})?\s*[:：]?\s*(.*)$")
_YEAR_LINE = re.compile(r"^[（(]?\s*(19|20)\d{2}(?:\s*年)?\s*[)）]?$")
_PROMULGATE = re.compile(r"(印发|转发|颁发|发布|下发|印送)")


@dataclass
class Segment:
    """One document's stretch of the normalised text and how it relates to the others."""

    start: int
    end: int
    kind: str  # main | attachment | promulgated
    parent: int | None
    title: str | None = None
    title_start: int | None = None
    title_end: int | None = None
    body_start: int = 0  # first offset after the title / attachment line


def is_place_banner(line: str) -> bool:
    """云南·曲靖 — a cover-page banner of place names, not part of the title."""
    parts = [p for p in re.split(r"[·•・\s]+", line) if p]
    table = division_table()
    return len(parts) >= 2 and all(table.candidates(p) for p in parts)


_ISSUER_MARK = re.compile(r"^[\u4e00-\u9fff（）()、\s]{2,40}文\s*件$")
_SIGNER = re.compile(r"签\s*发\s*人\s*[:：]")


def _is_head_line(s: str) -> bool:
    """A line of a 公文's 版头 above its title (GB/T 9704 §7.2): the 发文机关标志 (…文件) or the 发文字号,
    possibly with the 签发人."""
    compact = s.replace(" ", "")
    if _ISSUER_MARK.match(compact):
        return True
    m = DOC_NUMBER.search(compact)
    return bool(m) and (m.start() == 0 and m.end() == len(compact) or bool(_SIGNER.search(compact)))


def _title_like(s: str, first: bool) -> bool:
    if not s or len(re.findall(r"[\u4e00-\u9fff]", s)) < 2 or HEADER_LINE.match(s) or LABEL.match(s) or marker_of(s) or is_date_line(s):
        return False
    if re.search(r"[。；;！？]", s) or s.endswith(("：", ":", "，", ",")) or "\t" in s or s.count("|") >= 2:
        return False  # a sentence, a recipients line, a table row (tab or pipe separated)
    if DOC_NUMBER.fullmatch(s.replace(" ", "")):
        return False
    return len(s) <= (100 if first else 45)


_WEEKDAY = re.compile(r"星期[一二三四五六日天]")
_PARTS = re.compile(r"[\s|｜>＞»:：]+")
_POSITION = ("当前位置", "您的位置", "您现在的位置")


def is_page_chrome(line: str) -> bool:
    """A line of the site's page around a document, not of the document: a menu bar, a breadcrumb, reading
    tools (字体 / 简体 / 无障碍), share buttons, the site's date bar (… 2019年12月3日星期二)."""
    s = line.strip()
    if not s or len(s) > 80 or re.search(r"[。；，]", s):
        return False
    rules = vocabulary().rule
    words = set(rules("page", "chrome_words"))
    if s.startswith(_POSITION) or ("首页" in s and any(sep in s for sep in rules("page", "chrome_separators"))):
        return True  # a breadcrumb
    if _WEEKDAY.search(s) and re.search(r"(19|20)\d{2}\s*年", s):
        return True
    parts = [x for x in _PARTS.split(s) if x]
    if not parts:
        return False
    if 2 * sum(1 for x in parts if x in words) >= len(parts):
        return True
    # a menu bar (首页  区情概况  政务要闻  信息公开); a tab-separated row is a table's, not a menu
    return "\t" not in s and len(parts) >= 4 and all(len(x) <= 6 for x in parts)


def _before_title(s: str) -> bool:
    """Lines that may stand above a title without being it: page chrome, header-table rows, the 版头, a place
    banner, a date."""
    return (is_page_chrome(s) or bool(HEADER_LINE.match(s)) or _is_head_line(s) or is_place_banner(s)
            or is_date_line(s))


def _starts_body(s: str) -> bool:
    return bool(marker_of(s) or LABEL.match(s)) or (len(s) > 60 and bool(re.search(r"[。；]", s)))


def find_title(lines: list[Line], max_lines: int = 40, header_title: tuple[str, int, int, int] | None = None
               ) -> tuple[str, int, int, int] | None:
    """The title at the head of lines: (title, start, end, index of the first line after it).

    Candidates are the title-like lines (joined with their continuation lines) above the body, below any
    page chrome, header rows and 版头. The one a header table names (标题：) wins; else the first that ends
    in a 文种 or reads 关于 — and when a page prints the title twice, the document's own (later) lines; a
    text with nothing above its first line takes that line, as before. When the header names a title that
    no line of the text repeats, the header's value is the title (header_title is found that way)."""
    candidates: list[tuple[int, tuple[str, int, int, int]]] = []
    skipped = False
    i = 0
    while i < min(len(lines), max_lines):
        s = lines[i].text
        if _starts_body(s):
            break
        if _before_title(s):
            skipped = skipped or (not candidates and not is_place_banner(s))  # only what stands above the first
            i += 1
            continue
        found = _title_at(lines, i) if _title_like(s, first=True) else None
        if found:
            candidates.append((i, found))
            i = max(found[3], i + 1)
        else:
            i += 1
    if header_title:
        key = _norm(header_title[0])
        same = [c for _, c in candidates if _norm(c[0]) == key]
        if same:
            return same[-1]
        if not any(_titled(c[0]) for _, c in candidates):
            return header_title  # the header table is the only place the title is written
    if not candidates:
        return None
    first_at, first = candidates[0]
    plain_head = not skipped and all(is_place_banner(x.text) for x in lines[:first_at])
    scored = [c for _, c in candidates if _titled(c[0])]
    if plain_head and (not scored or scored[0] is first):
        chosen = first
    elif scored:
        chosen = scored[0]
    else:
        return None
    later = [c for _, c in candidates if c[1] > chosen[1] and _norm(c[0]) == _norm(chosen[0])]
    return later[0] if later else chosen


def _header_title(lines: list[Line]) -> tuple[str, int, int, int] | None:
    """The 标题 of a header table at the head of a page (标　　题：…), as find_title answers: (title, start,
    end, index of the line after it), if it has one."""
    from .metadata import header_fields

    for k, ln in enumerate(lines[:15]):
        value = header_fields(ln.text).get("标题")
        if value:
            at = ln.start + ln.text.find(value)
            return _close_layout_gaps(value), at, at + len(value), k + 1
    return None


def _titled(title: str) -> bool:
    """A title by its words: it ends in a 文种 (a trailing year allowed) or reads 关于."""
    return bool(vocabulary().doc_type_end_with_year.search(title)) or "关于" in title


_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


def _close_layout_gaps(title: str) -> str:
    """A space between two Chinese characters of a title is layout (a wrapped or letter-spaced line) and goes,
    unless it sets two joint issuers apart (…委员会办公室 宁夏回族自治区人民政府办公厅关于…)."""
    return _CJK_GAP.sub(lambda m: m.group(0) if ORG_END.search(title[:m.start()]) else "", title)


def _title_at(lines: list[Line], i: int) -> tuple[str, int, int, int] | None:
    """The title starting at lines[i], joined with the lines that continue it."""
    parts = [lines[i]]
    j = i + 1
    while j < len(lines) and j < i + 6:
        s = lines[j].text
        seen = {p.text for p in parts}
        done = bool(vocabulary().doc_type_end_with_year.search("".join(p.text for p in parts)))
        if s in seen:
            break
        if _YEAR_LINE.match(s) and not any(_YEAR_LINE.match(p.text) for p in parts):
            parts.append(lines[j])
            j += 1
            continue
        if done or not _title_like(s, first=False) or is_place_banner(s) or is_page_chrome(s):
            break
        # a title continues on the next line only if that line is not the start of a body paragraph
        parts.append(lines[j])
        j += 1
    title = "".join(p.text for p in parts)
    title = _close_layout_gaps(re.sub(r"\s+", " ", title).strip())
    if len(title) < 4:
        return None
    return title, parts[0].start, parts[-1].end, j


def _attachment_starts(lines: list[Line], end: int) -> list[tuple[int, Line, str]]:
    out = []
    for k, ln in enumerate(lines):
        m = _ATTACHMENT.match(ln.text)
        if not m or "\t" in ln.text:
            continue
        nxt = lines[k + 1].text if k + 1 < len(lines) else ""
        if re.fullmatch(r"[-—.·…\s]*\d+", nxt) or "\t" in nxt:
            continue  # a table-of-contents entry
        rest = m.group(2).strip()
        if rest and (len(rest) > 80 or re.search(r"[。；]", rest)):
            continue
        if not rest and (not nxt or not _title_like(nxt, first=True)):
            continue
        out.append((k, ln, rest))
    # an attachment written in full runs on for a while; a list of attachment names does not
    full = []
    for idx, (k, ln, rest) in enumerate(out):
        nxt_start = out[idx + 1][1].start if idx + 1 < len(out) else end
        if nxt_start - ln.end >= 300:
            full.append((k, ln, rest))
    return full


def _norm(s: str) -> str:
    return re.sub(r"[\s《》〈〉“”\"()（）的、，,·]", "", s)


def _promulgated_start(text: str, seg: Segment, lines: list[Line]) -> int | None:
    """Where the plan that a 印发 notice promulgates begins (its title line), if it follows in full."""
    title = seg.title or ""
    head = text[seg.body_start: min(seg.end, seg.body_start + 1500)]
    if not (_PROMULGATE.search(title) or re.search(r"现[将把]?.{0,60}(印发|转发)给你们|印发给你们", head)):
        return None
    # the documents named where the notice promulgates: its title and the sentence with the verb, not the
    # citations of the plan's own text that follows
    verb = _PROMULGATE.search(head)
    said = ""
    if verb:
        stop = head.find("。", verb.end())
        said = head[:stop + 1] if stop >= 0 else head[:verb.end()]
    names = [c.title for c in find_citations(title + "\n" + said)]
    m = re.search(r"(?:印发|转发|颁发)(.+?)的通知", title)
    if m:
        names.append(m.group(1))
    keys = {_norm(n) for n in names if len(_norm(n)) >= 4}
    if not keys:
        return None
    first_mention = None
    for key_src in names:
        idx = text.find(key_src, seg.body_start, seg.end)
        if idx >= 0 and (first_mention is None or idx < first_mention):
            first_mention = idx
    after = first_mention if first_mention is not None else seg.body_start
    for k, ln in enumerate(lines):
        if ln.start <= after or ln.start < seg.body_start:
            continue
        joined = ""
        for part in lines[k:k + 3]:  # the plan's title may be broken over two or three lines
            if len(part.text) > 80:
                break
            joined += _norm(part.text)
            if joined in keys:
                return ln.start
            if not any(key.startswith(joined) for key in keys):
                break
    return None


_CLOSING_NOTE = re.compile(r"^抄送[:：]|\d{1,2}\s*日\s*印发$")
_RECIPIENTS_LINE = re.compile(r"^[^。；;]{2,80}[:：]$")


def _closes_document(line: str) -> bool:
    """A 成文日期 line or a line of the 版记 (此件公开发布, 抄送：, …日印发) that ends a 公文 (GB/T 9704 §7.3–7.4)."""
    compact = line.replace(" ", "")
    return is_date_line(line) or bool(PUBLICITY_NOTE.match(compact) or _CLOSING_NOTE.search(compact))


def _opens_document(lines: list[Line], k: int) -> bool:
    """Whether lines[k:] begin a 公文 of their own: within its first lines a title ending in a 文种, with a
    文号 line before it or a recipients line (主送机关 ending in ：) after it."""
    head = lines[k:k + 6]
    for t, ln in enumerate(head[:4]):
        if not (_title_like(ln.text, first=True) and vocabulary().doc_type_end.search(ln.text)):
            continue
        numbered = any(DOC_NUMBER.fullmatch(x.text.replace(" ", "")) for x in head[:t])
        addressed = any(_RECIPIENTS_LINE.match(x.text) and not HEADER_LINE.match(x.text) and not LABEL.match(x.text)
                        for x in head[t + 1:t + 3])
        return numbered or addressed
    return False


def _document_blocks(lines: list[Line], end: int) -> list[tuple[int, int]]:
    """(start, end) of each 公文 written one after another in one text (a compilation, a page of notices):
    a new one starts only right after a line that closes the one before and where a 公文's head opens."""
    starts = [0]
    closes = [_closes_document(ln.text) for ln in lines]
    for k in range(1, len(lines)):
        if closes[k - 1] and not closes[k] and _opens_document(lines, k):
            starts.append(lines[k].start)
    return [(s, e) for s, e in zip(starts, starts[1:] + [end])]


def segment_documents(text: str) -> list[Segment]:
    """Split normalised text into documents: each 公文 of the text (main), its full attachments (part_of
    it) and the plans its notices promulgate."""
    lines = split_lines(text, 0, len(text))
    if not lines:
        return [Segment(0, len(text), "main", None, body_start=0)]
    out: list[Segment] = []
    for start, end in _document_blocks(lines, len(text)):
        first = len(out)
        for seg in _segment_block(text, start, end):
            if seg.parent is not None:
                seg.parent += first
            out.append(seg)
    return out


def _segment_block(text: str, block_start: int, block_end: int) -> list[Segment]:
    """One 公文's stretch → its main document, attachments and promulgated plans (parents local to the block)."""
    lines = split_lines(text, block_start, block_end)
    starts = _attachment_starts(lines, block_end)
    bounds = [(block_start, starts[0][1].start if starts else block_end, "main", None, None)]
    for idx, (k, ln, rest) in enumerate(starts):
        end = starts[idx + 1][1].start if idx + 1 < len(starts) else block_end
        bounds.append((ln.start, end, "attachment", 0, (ln, rest)))
    segments: list[Segment] = []
    for start, end, kind, parent, att in bounds:
        seg = Segment(start, end, kind, parent)
        seg_lines = split_lines(text, start, end)
        if att is not None:
            ln, rest = att
            seg_lines = [x for x in seg_lines if x.start > ln.start]
            if rest:
                r0 = ln.start + ln.text.index(rest)
                seg_lines.insert(0, Line(rest, r0, r0 + len(rest)))
        found = find_title(seg_lines, header_title=_header_title(seg_lines) if kind == "main" else None)
        if found:
            seg.title, seg.title_start, seg.title_end, after = found
            seg.body_start = seg_lines[after].start if after < len(seg_lines) else end
        else:
            seg.body_start = seg_lines[0].start if seg_lines else start
        segments.append(seg)
    out: list[Segment] = []
    for seg in segments:
        idx = len(out)
        out.append(seg)
        seg_lines = split_lines(text, seg.start, seg.end)
        plan_at = _promulgated_start(text, seg, seg_lines)
        if plan_at is not None:
            plan = Segment(plan_at, seg.end, "promulgated", idx)
            seg.end = plan_at
            plan_lines = [x for x in seg_lines if x.start >= plan_at]
            found = find_title(plan_lines)
            if found:
                plan.title, plan.title_start, plan.title_end, _ = found
                rest_lines = [x for x in plan_lines if x.start > plan.title_end]
                plan.body_start = rest_lines[0].start if rest_lines else plan.end
            out.append(plan)
    # re-point attachment parents at the main document's index in the final list
    for seg in out:
        if seg.kind == "attachment":
            seg.parent = 0
    return out
