"""The spaCy frame: a blank `zh` pipeline whose rule components mark citations, role clauses, deadlines and
targets (and, on request, agency mentions) as span groups (no model downloads: rules and vocabularies only)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from .citations import find_citations
from .patterns import LABEL
from .responsibility import (RoleClause, RoleList, RolePatterns, covered, find_inline, find_parentheticals, find_subjects, find_targets,
                             find_trailing_sentences, parse_deadline, parse_labels)
from .vocab import vocabulary

for _name in ("citation", "role_clause", "deadline", "target"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)


# White space that is not simply a character token of its own: a run of two or more characters (one token), or a
# single space (the trailing space of the token before it). Any other single white-space character (a line break)
# is a token like any character.
_SPECIAL_SPACE = re.compile(r"\s{2,}| ")


class _CharOrths(dict):
    """Character → its id in the string store, added on first sight. A Doc built from ids skips hashing
    each character's string again: about 3× faster for one token per character."""

    def __init__(self, strings):
        super().__init__()
        self.strings = strings

    def __missing__(self, char: str) -> int:
        orth = self[char] = self.strings.add(char)
        return orth


class CharTokenizer:
    """One token per character (spaCy's zh 'char' segmentation), built directly: doc.text is the input.

    A run of white space is one token, and a single space after a token is that token's trailing space."""

    def __init__(self, vocab):
        self.vocab = vocab
        self.orths = _CharOrths(vocab.strings)

    def __call__(self, text: str) -> Doc:
        char_id = self.orths.__getitem__
        words: list[int] = []  # ids of the tokens' strings (Doc accepts them for words)
        spaced: list[int] = []  # tokens followed by a single space
        pos = 0
        for m in _SPECIAL_SPACE.finditer(text):  # most texts have few: the characters between go in one step
            start, end = m.span()
            words.extend(map(char_id, text[pos:start]))
            if end - start == 1 and words:  # a single space: the last token's (runs are whole, so it is no space)
                spaced.append(len(words) - 1)
            else:  # a run of white space is one token (not remembered: runs can be long and many)
                words.append(char_id(m.group()) if end - start == 1 else self.vocab.strings.add(m.group()))
            pos = end
        words.extend(map(char_id, text[pos:]))
        spaces = [False] * len(words)
        for k in spaced:
            spaces[k] = True
        doc = Doc(self.vocab, words=words, spaces=spaces)
        doc.user_data["text"] = text
        return doc


def _text(doc: Doc) -> str:
    """The document's text without rebuilding it from its tokens (slow for one token per character)."""
    text = doc.user_data.get("text")
    if text is None:
        text = doc.user_data["text"] = doc.text
    return text


def _span(doc: Doc, start: int, end: int, label: str) -> Span | None:
    return doc.char_span(start, end, label=label, alignment_mode="expand")


class CitationFinder:
    """Marks 《》 citations (with their 文号) as doc.spans['citation']."""

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for c in find_citations(_text(doc)):
            sp = _span(doc, c.start, c.end, "CITATION")
            if sp is not None:
                sp._.citation = c
                spans.append(sp)
        doc.spans["citation"] = spans
        return doc


class RoleClauseFinder:
    """Marks responsibility clauses (parentheticals, label lines, inline 由…牵头, subject clauses)."""

    def __init__(self):
        self.patterns = RolePatterns()

    def __call__(self, doc: Doc) -> Doc:
        text = _text(doc)
        clauses = find_parentheticals(text, self.patterns)
        pos = 0
        for line in text.split("\n"):
            if LABEL.match(line):
                clause = parse_labels(line, pos, self.patterns)
                if clause is not None:
                    clauses.append(clause)
            pos += len(line) + 1
        inside = covered([(c.start, c.end) for c in clauses])
        clauses += [c for c in find_trailing_sentences(text, self.patterns) if not inside(c.start)]
        inside = covered([(c.start, c.end) for c in clauses])
        # an inline clause that runs into a parenthetical or label (完善条件（市教育局牵头…) is part of it, not a clause
        clauses += [c for c in find_inline(text, self.patterns) if not inside(c.start) and not inside(c.end - 1)]
        clauses += [c for c in find_subjects(text, self.patterns) if not inside(c.start)]
        spans = []
        for c in sorted(clauses, key=lambda c: (c.start, c.end)):
            sp = _span(doc, c.start, max(c.end, c.start + 1), c.kind.upper())
            if sp is not None:
                sp._.role_clause = c
                spans.append(sp)
        doc.spans["role_clause"] = spans
        return doc


class DeadlineFinder:
    """Marks the deadlines that role clauses carry (完成时限：…) as doc.spans['deadline']."""

    def __init__(self):
        self.patterns = RolePatterns()

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for sp in doc.spans.get("role_clause", []):
            d = sp._.role_clause.deadline
            if d:
                dsp = _span(doc, d[1], d[2], "DEADLINE")
                if dsp is not None:
                    dsp._.deadline = parse_deadline(d[0], self.patterns)
                    spans.append(dsp)
        doc.spans["deadline"] = spans
        return doc


class TargetFinder:
    """Marks quantitative targets (建成3个…基地, 占比超过50%) as doc.spans['target']."""

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for target, start, end in find_targets(_text(doc)):
            sp = _span(doc, start, end, "TARGET")
            if sp is not None:
                sp._.target = target
                spans.append(sp)
        doc.spans["target"] = spans
        return doc


@Language.factory("policy_citations")
def _make_citations(nlp: Language, name: str) -> CitationFinder:
    return CitationFinder()


@Language.factory("policy_role_clauses")
def _make_roles(nlp: Language, name: str) -> RoleClauseFinder:
    return RoleClauseFinder()


@Language.factory("policy_deadlines")
def _make_deadlines(nlp: Language, name: str) -> DeadlineFinder:
    return DeadlineFinder()


@Language.factory("policy_targets")
def _make_targets(nlp: Language, name: str) -> TargetFinder:
    return TargetFinder()


def build_pipeline(agency_mentions: bool = False) -> Language:
    """A blank zh pipeline of rule components: citations, role clauses, deadlines, targets.

    With `agency_mentions`, a span ruler fed from the department vocabulary first marks every agency name in
    the text (doc.spans['agency'], each with its department IRI as id) for exploring where bodies are named.
    Extraction leaves it out: the bodies of a task are resolved from its role clauses' lists, and marking
    every mention of the whole text cost ~5 % of extraction for spans nothing read."""
    nlp = spacy.blank("zh")
    nlp.tokenizer = CharTokenizer(nlp.vocab)
    nlp.max_length = 50_000_000
    if agency_mentions:
        ruler = nlp.add_pipe("span_ruler", name="agency_ruler", config={"spans_key": "agency"})
        patterns = []
        for dept in vocabulary().departments:
            for label in (dept.pref, *dept.aliases):
                if len(label) >= 2:
                    patterns.append({"label": "AGENCY", "pattern": label, "id": dept.iri})
        ruler.add_patterns(patterns)
    nlp.add_pipe("policy_citations")
    nlp.add_pipe("policy_role_clauses")
    nlp.add_pipe("policy_deadlines")
    nlp.add_pipe("policy_targets")
    return nlp


@lru_cache(maxsize=1)
def default_pipeline() -> Language:
    """The pipeline shared by extraction in this process (built once; spaCy pipelines are reusable)."""
    return build_pipeline()


CHUNK_CHARS = 100_000  # one spaCy Doc per chunk: a Doc costs ~100 bytes per character-token


@dataclass
class Marks:
    """What the pipeline marked in a text, with offsets into that text (gathered from its chunks)."""

    citations: list = field(default_factory=list)  # CitationMatch
    role_clauses: list[RoleClause] = field(default_factory=list)
    targets: list = field(default_factory=list)  # (Target, start, end)


def chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[tuple[int, int]]:
    """(start, end) pieces of at most `size` characters, cut after a line break, else after 。；, else hard."""
    start, n = 0, len(text)
    while start < n:
        end = min(n, start + size)
        if end < n:
            cut = text.rfind("\n", start + size // 2, end)
            if cut < 0:
                cut = max(text.rfind(p, start + size // 2, end) for p in "。；;")
            if cut >= 0:
                end = cut + 1
        yield start, end
        start = end


def shift_clause(c: RoleClause, base: int) -> RoleClause:
    """The same role clause with every offset moved by `base` (a chunk's or a segment's start)."""
    if not base:
        return c
    return RoleClause(c.kind, c.start + base, c.end + base,
                      [RoleList(x.role, x.text, x.start + base, x.end + base) for x in c.lists],
                      (c.deadline[0], c.deadline[1] + base, c.deadline[2] + base) if c.deadline else None)


def annotate(nlp: Language, text: str, size: int = CHUNK_CHARS) -> Marks:
    """Run the pipeline over bounded chunks of `text` so memory stays flat however long the text is.

    A text up to `size` characters is one chunk (every rule sees all of it); a longer one is cut at line
    breaks, so only a clause that straddles a cut in a single line longer than `size/2` can be missed."""
    marks = Marks()
    pieces = list(chunks(text, size))
    for (base, _), doc in zip(pieces, nlp.pipe((text[s:e] for s, e in pieces), batch_size=1)):
        marks.citations.extend(replace(sp._.citation, start=sp._.citation.start + base,
                                       end=sp._.citation.end + base) for sp in doc.spans["citation"])
        marks.role_clauses.extend(shift_clause(sp._.role_clause, base) for sp in doc.spans["role_clause"])
        marks.targets.extend((sp._.target, sp.start_char + base, sp.end_char + base) for sp in doc.spans["target"])
    return marks
