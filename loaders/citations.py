"""Citations (GUIDE §3): documents named in 《》 with the 文号 that follows, and 文号 parsing."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .patterns import DOC_NUMBER
from .records import DocNumber
from .vocab import Vocabulary, vocabulary

_NUMBER_AFTER = re.compile(r"^\s*[（(]\s*((?:[^（()）]|[（(\[〔]\s*\d{4}\s*[)）\]〕]){4,40}?)\s*[)）]")
_SENTENCE_START = re.compile(r"[。；;！？\n]")


def parse_doc_number(text: str | None) -> DocNumber | None:
    """Parse and normalise a 发文字号: 曲政发[2019]24号 → 曲政发〔2019〕24号 (code, year, serial)."""
    if not text:
        return None
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"\s+", "", s)
    m = DOC_NUMBER.search(s)
    if not m:
        return None
    code, year, serial = m.group(1), int(m.group(2)), int(m.group(3))
    code = re.sub(r"^(文号|发文字号|字号)[:：]?", "", code)
    if not code:
        return None
    return DocNumber(text=f"{code}〔{year}〕{serial}号", issuer_code=code, year=year, serial=serial)


@dataclass(frozen=True)
class CitationMatch:
    """A 《》 citation found in text: offsets cover the title and its 文号 bracket."""

    title: str
    doc_number: DocNumber | None
    relation: str
    start: int
    end: int


def _close_index(text: str, open_at: int) -> int | None:
    depth = 0
    for i in range(open_at, min(len(text), open_at + 300)):
        c = text[i]
        if c == "《":
            depth += 1
        elif c == "》":
            depth -= 1
            if depth == 0:
                return i
        elif c == "\n" and text[i + 1: i + 2] == "\n":
            return None
    return None


def _relation(text: str, start: int, vocab: Vocabulary) -> str:
    lo = 0
    for m in _SENTENCE_START.finditer(text, max(0, start - 120), start):
        lo = m.end()
    before = text[lo:start]
    best, where = "cites", -1
    for cue in vocab.rule("citations", "applies_cues"):
        i = before.rfind(cue)
        if i > where:
            best, where = "applies", i
    for cue in vocab.rule("citations", "based_on_cues"):
        i = before.rfind(cue)
        if i > where:
            best, where = "based_on", i
    return best


def is_policy_title(title: str, vocab: Vocabulary) -> bool:
    """False for 《》 that name forms, registers, books or newspapers rather than documents."""
    t = re.sub(r"[（(][^（）()]*[)）]$", "", title).strip()
    if len(t) < 2 or t in vocab.rule("citations", "non_document_titles"):
        return False
    if t.endswith("表") and not t.endswith(tuple(vocab.rule("citations", "document_table_endings"))):
        return False  # a form to fill in, not a document
    return not any(t.endswith(e) for e in vocab.rule("citations", "non_document_endings"))


def find_citations(text: str, vocab: Vocabulary | None = None) -> list[CitationMatch]:
    """Every policy document named in 《》 in text, with its 文号; duplicates kept (callers dedupe)."""
    vocab = vocab or vocabulary()
    out: list[CitationMatch] = []
    i = 0
    while True:
        i = text.find("《", i)
        if i < 0:
            break
        j = _close_index(text, i)
        if j is None:
            i += 1
            continue
        inner = text[i + 1: j]
        title = re.sub(r"\s+", " ", inner.replace("《", "〈").replace("》", "〉")).strip()
        end = j + 1
        number = None
        m = _NUMBER_AFTER.match(text[end: end + 48])
        if m:
            number = parse_doc_number(m.group(1))
            if number is not None:
                end += m.end()
        after = text[end: end + 12]
        keep = is_policy_title(title, vocab) and not any(after.startswith(w) for w in
                                                         vocab.rule("citations", "non_document_following"))
        out.append((CitationMatch(title, number, _relation(text, i, vocab), i, end), keep))
        i = j + 1
    return [c for c, keep in _drop_form_runs(text, out, vocab) if keep]


def _drop_form_runs(text: str, found: list[tuple[CitationMatch, bool]],
                    vocab: Vocabulary) -> list[tuple[CitationMatch, bool]]:
    """《A》、《B》等过程管理材料: a run of 《》 that the text calls forms or materials is no citation."""
    cue = re.compile(r"^等[^。，；,;]{0,10}(" + "|".join(map(re.escape, vocab.rule("citations", "form_run_nouns")))
                     + ")")
    out: list[tuple[CitationMatch, bool]] = []
    run: list[tuple[CitationMatch, bool]] = []
    for k, (c, keep) in enumerate(found):
        run.append((c, keep))
        nxt = found[k + 1][0] if k + 1 < len(found) else None
        if nxt is not None and re.fullmatch(r"[、，,和及与\s]*", text[c.end:nxt.start]):
            continue
        if not cue.match(text[c.end: c.end + 20]):
            out.extend(run)
        run = []
    return out


def citation_key(title: str, number: DocNumber | None) -> str:
    """Identity of a cited document within one citing document: its 文号, else its bare title."""
    if number is not None:
        return number.text
    return re.sub(r"[\s《》〈〉<>（）()\[\]“”\"、，,：:。.·-]", "", unicodedata.normalize("NFKC", title))


def dedupe(matches: list[CitationMatch]) -> list[CitationMatch]:
    """One entry per distinct cited document, keeping the first mention (and a 文号 seen later)."""
    seen: dict[str, int] = {}
    by_title: dict[str, int] = {}
    out: list[CitationMatch] = []
    for c in matches:
        tkey = citation_key(c.title, None)
        key = citation_key(c.title, c.doc_number)
        if key in seen:
            continue
        if tkey in by_title:
            k = by_title[tkey]
            if out[k].doc_number is None and c.doc_number is not None:
                out[k] = CitationMatch(out[k].title, c.doc_number, out[k].relation, out[k].start, out[k].end)
                seen[key] = k
            continue
        seen[key] = len(out)
        by_title[tkey] = len(out)
        out.append(c)
    return out
