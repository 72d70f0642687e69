"""The clauses of a document's body: the sentences a later document can copy (GUIDE's body, cut at 。；！？ and
line ends), for text-reuse alignment between a document and the documents it implements."""
from __future__ import annotations

import re

from .patterns import LABEL, marker_of

MIN_CHARS = 8  # Chinese characters: a shorter piece (a heading such as 加强组织领导) says too little to compare
_CUT = re.compile(r"[。；;！？!?\n]")
_ENOUGH_CJK = re.compile(r"(?:[^\u4e00-\u9fff]*[\u4e00-\u9fff]){%d}" % MIN_CHARS)  # stops at the MIN_CHARS-th


def split_clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) offsets of the clauses of text[start:end]: pieces between sentence ends and line breaks,
    without a numbering marker in front (一、（三）2.) or a role label line (责任单位：…), that hold at least
    MIN_CHARS Chinese characters. Offsets are into `text`; the terminator is left out."""
    out: list[tuple[int, int]] = []
    pos = start
    for m in _CUT.finditer(text, start, end):
        _add(text, pos, m.start(), out)
        pos = m.end()
    _add(text, pos, end, out)
    return out


def _add(text: str, s: int, e: int, out: list[tuple[int, int]]) -> None:
    if e - s < MIN_CHARS:
        return  # too short to hold MIN_CHARS Chinese characters
    piece = text[s:e]
    lead = len(piece) - len(piece.lstrip())
    s += lead
    piece = piece.strip()
    if not piece or LABEL.match(piece):
        return
    m = marker_of(piece)
    if m is not None:
        s += m[2]
        piece = piece[m[2]:]
        lead = len(piece) - len(piece.lstrip())
        s += lead
        piece = piece.strip()
    piece = piece.rstrip("，,、：: ")
    if _ENOUGH_CJK.match(piece):
        out.append((s, s + len(piece)))
