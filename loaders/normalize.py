"""Clean-up that keeps a map back to the original: t2s, widths, letter spacing, page furniture, rejoined lines."""
from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

from .patterns import HEADER_FIELD, HEADER_LABELS, LABEL, ORG_END, TERMINAL, is_date_line, marker_of
from .records import Span
from .vocab import vocabulary

_FULLWIDTH = {c: chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)}  # ０-９
_FULLWIDTH.update({c: chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FULLWIDTH.update({c: chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FULLWIDTH.update({0x3000: " ", 0xA0: " ", 0xFF0E: ".", 0xFF0F: "/", 0xFF05: "%", 0xFF0B: "+",
                   0x2002: " ", 0x2003: " ", 0x200B: "", 0xFEFF: ""})
_WIDTH_TABLE = {k: v for k, v in _FULLWIDTH.items() if v}
_TRANSLATE = str.maketrans(_WIDTH_TABLE)
_DROP = {k for k, v in _FULLWIDTH.items() if not v}
_DROP_CHARS = frozenset(chr(k) for k in _DROP)
_WIDE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_WIDTH_TABLE)) + "]")  # finds what to translate (str.translate
# with a dict costs ~80 ns a character, and most lines have nothing to change)

_PAGE_NUMBER = re.compile(r"^\s*([-—－–]\s*\d{1,4}\s*[-—－–]|第\s*\d{1,4}\s*页(\s*(?:[,，/]\s*)?共\s*\d+\s*页)?|"
                          r"\d{1,4}\s*/\s*\d{1,4}|(?:[-—－–]\s*)?\d{1,3}(?:\s*[-—－–])?)\s*$")
_LETTER_SPACED = re.compile(r"^\s*(?:[\u4e00-\u9fff][ \u3000]){2,}[\u4e00-\u9fff]\s*$")
# Lines that never continue a sentence: header fields and the labels of a document's back matter.
_META_START = re.compile(r"^\s*(" + "|".join(HEADER_LABELS + ("附件", "抄送", "主送", "联系人", "联系电话"))
                         + r")\s*[:：]?")


@dataclass(frozen=True)
class NormText:
    """Normalised text plus, for each of its characters, the offset of the original character."""

    text: str
    offsets: Sequence[int]  # len(text) + 1 entries, the last the end of the original; an array: 8 bytes each
    original: str

    def span(self, start: int, end: int) -> Span:
        """The original-file span (offsets and verbatim quote) of normalised text[start:end]."""
        n = len(self.text)
        start = 0 if start < 0 else n if start > n else start  # clamped into the text, then end into [start, n]
        end = start if end < start else n if end > n else end
        o_start = self.offsets[start]
        o_end = self.offsets[end - 1] + 1 if end > start else o_start
        return Span(o_start, o_end, self.original[o_start:o_end])


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=65536)
def _is_traditional(char: str) -> bool:
    """Whether OpenCC's t2s changes this character (memoised: the answer never changes)."""
    return "\u3400" <= char <= "\u9fff" and _t2s().convert(char) != char


def traditional_in(chars: set[str]) -> frozenset[str]:
    """Of a text's distinct characters, those that OpenCC's t2s changes."""
    return frozenset(c for c in chars if _is_traditional(c))


def _to_simplified(line: str, traditional: frozenset[str]) -> str:
    if not traditional or traditional.isdisjoint(line):
        return line
    out = _t2s().convert(line)
    return out if len(out) == len(line) else line  # keep the 1:1 offset map


def _ends_terminal(line: str) -> bool:
    return bool(line) and line[-1] in TERMINAL


def _is_heading_only(line: str) -> bool:
    """A numbered heading line (（一）总体要求) that is complete without punctuation."""
    m = marker_of(line)
    return bool(m) and "。" not in line and len(line) - m[2] <= 40


def _is_signature_or_date(line: str) -> bool:
    """A 发文机关署名 line (one or more bodies, space-separated) or a 成文日期 line."""
    s = line.strip()
    if len(s) > 60 or re.search(r"[，。；：:,、]", s):  # joint signatures are set apart by spaces, not 、
        return False
    if is_date_line(s):
        return True
    parts = [x for x in re.split(r"[\s、]+", s) if x]
    return bool(parts) and all(ORG_END.search(x) for x in parts)


_LIST_WORD_END = re.compile(r"(单位|部门|机构|企业|院校|组织|机关)$")  # collectives a list of bodies may end with


def _continues_field(nxt: str) -> bool:
    """Whether nxt is the rest of a label line's field (责任单位：…, 完成时限：…) wrapped onto the next line: a
    word cut in two, or more names of the list. A label line is a field of its own; a sentence or a note after it
    (本段…。, （注：…）) starts text of its own and must not become part of the list."""
    body = nxt.rstrip("。；;")
    if len(body) <= 6 and not re.search(r"[，。；：:,（(]", body):
        return True
    parts = [x for x in re.split(r"[、，,；;]", body) if x]
    return bool(parts) and all(ORG_END.search(x) or _LIST_WORD_END.search(x) for x in parts)


def _should_join(prev: str, nxt: str) -> bool:
    """Whether nxt continues prev, a line broken mid-sentence."""
    p, n = prev.strip(), nxt.strip()
    if not p or not n or "\t" in p or "\t" in n or p.count("|") >= 2 or n.count("|") >= 2:
        return False  # table rows (tab or pipe separated) are never sentences broken over lines
    if _ends_terminal(p) or marker_of(n) or LABEL.match(n) or _META_START.match(n):
        return False
    doc_type_end = vocabulary().doc_type_end
    if _is_heading_only(p) or doc_type_end.search(p) or (doc_type_end.search(n) and len(n) <= 60):
        return False
    if re.search(r"\S\s{3,}\S", p) or re.search(r"(印发|日)$", p):  # signature and 印发 lines
        return False
    if _META_START.match(p):  # a header block line continues only with more header fields
        return bool(HEADER_FIELD.search(n)) or len(n) <= 6
    if p[-1] in "，、,":
        return True
    if LABEL.match(p):  # a long field may wrap (below); what follows it is joined only when it reads as its rest
        return len(p) >= 20 and _continues_field(n)
    if p[-1] not in "和及与" and (_is_signature_or_date(n) or re.search(r"联系(人|电话)", p)):
        return False  # the back matter of a 公文 (署名, 成文日期) stays on its own lines
    return len(p) >= 20


_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# A pinyin gloss after a character, as some sites print rare readings: 城(chéng), 通知(zhī). It must carry
# a tone mark, so a bracketed Latin word (a) or (AI) is never taken for one.
_PINYIN_GLOSS = re.compile(rf"(?<=[\u4e00-\u9fff])[(（](?=[a-zü{_TONED}]*[{_TONED}])[a-zü{_TONED}]{{1,6}}[)）]")


def _gloss_positions(line: str) -> set[int]:
    """Positions of the pinyin glosses of a line (GUIDE §7: removed from every text)."""
    return {i for m in _PINYIN_GLOSS.finditer(line) for i in range(m.start(), m.end())}


def _widths(s: str) -> str:
    """Full-width digits, letters and spaces as ASCII, one character for one."""
    return s.translate(_TRANSLATE) if _WIDE.search(s) else s


def _clean_line(raw: str, line_start: int, traditional: frozenset[str], drops: bool = True) -> tuple[str, Sequence[int]]:
    """One line simplified, width-normalised, pinyin glosses removed, closed up if letter-spaced and stripped,
    with its offsets (`traditional`: the text's characters that t2s changes; `drops`: whether the text has
    characters to drop)."""
    conv = _to_simplified(raw.rstrip("\r"), traditional)
    glosses = _gloss_positions(conv) if "(" in conv or "（" in conv else set()
    if glosses:
        keep = [i for i, c in enumerate(conv) if ord(c) not in _DROP and i not in glosses]
        s = _widths("".join(conv[i] for i in keep))
        idx: Sequence[int] = [line_start + i for i in keep]
    elif not drops or _DROP_CHARS.isdisjoint(conv):
        s = _widths(conv)  # one character for one: offsets stay a range
        idx = range(line_start, line_start + len(s))
    else:
        keep = [i for i, c in enumerate(conv) if ord(c) not in _DROP]
        s = _widths("".join(conv[i] for i in keep))
        idx = [line_start + i for i in keep]
    if _LETTER_SPACED.match(s):
        keep = [k for k, c in enumerate(s) if c not in " \u3000"]
        s = "".join(s[k] for k in keep)
        idx = [idx[k] for k in keep]
    lead = len(s) - len(s.lstrip())
    s2 = s.strip()
    return s2, idx[lead: lead + len(s2)]


def normalize(original: str) -> NormText:
    """Normalise a document's text; every output character maps to an original offset."""
    lines: list[tuple[str, Sequence[int]]] = []
    pos = 0
    chars = set(original)  # the text's distinct characters, asked twice
    traditional = traditional_in(chars)
    drops = not _DROP_CHARS.isdisjoint(chars)
    for raw in original.split("\n"):
        lines.append(_clean_line(raw, pos, traditional, drops))
        pos += len(raw) + 1
    # page numbers and running headers (short lines repeated three times or more)
    counts = Counter(s for s, _ in lines if s and len(s) <= 30 and not marker_of(s) and "\t" not in s)
    kept = [(s, idx) for s, idx in lines
            if not (s and (_PAGE_NUMBER.match(s) or (counts[s] >= 3 and not LABEL.match(s)
                                                     and not _META_START.match(s)
                                                     and not re.search(r"[：:，。]", s))))]
    # rejoin lines broken mid-sentence (blank lines between the halves included)
    merged: list[tuple[str, list[Sequence[int]]]] = []
    pending_blank = False
    for s, idx in kept:
        if not s:
            pending_blank = True
            continue
        if merged and _should_join(merged[-1][0], s):
            merged[-1] = (merged[-1][0] + s, merged[-1][1] + [idx])
        else:
            if merged and pending_blank:
                merged.append(("", []))
            merged.append((s, [idx]))
        pending_blank = False
    end = len(original)
    parts: list[Sequence[int]] = []
    texts: list[str] = []
    last = -1
    for k, (s, idxs) in enumerate(merged):
        if k:
            texts.append("\n")
            parts.append((min(last + 1, end - 1) if end else 0,))  # a newline points just past the line
        texts.append(s)
        parts.extend(idxs)
        for idx in reversed(idxs):
            if len(idx):
                last = idx[-1]
                break
    offsets = array("q", chain.from_iterable(parts))  # not a tuple of ints: ~36 bytes a character less
    offsets.append(end)
    return NormText("".join(texts), offsets, original)
