"""Text reuse (政策再生产): which clauses of a document copy or adapt clauses of a document it implements.

A clause (loaders.clauses) of the local document is matched with the clause of the parent that it copies the
most from. Copying is measured on the clauses' Chinese characters, letters and digits, with 《titles》 and
文号 left out (citing the same document is not reuse), as runs of at least four characters that both clauses
share in order (difflib's matching blocks): a pair is reuse when

- the two read alike as wholes (SequenceMatcher ratio ≥ 0.9), or
- at least 15 characters are copied and they make up most of the shorter clause (≥ 55 %, with a ratio of
  at least 0.4 so a shared subject phrase alone does not count), or nearly all of it (≥ 85 %).

The kind is *verbatim* when the local clause is copied whole (≥ 95 % of it, or the pair reads alike at
≥ 0.95), else *adapted*. A document's reuse share is the part of its clause text that is reused.

Candidates come from an index of character bigrams, so a pair of documents costs a few comparisons per
clause, not one per pair of clauses; corpus-wide, MinHash/LSH (datasketch) finds the pairs of documents
worth aligning (near_duplicate_pairs).
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

MIN_BLOCK = 4  # characters: a shorter common run is a shared word, not copying
MIN_COPIED = 15
SHORT_COVER, SHORT_RATIO = 0.55, 0.40
FULL_COVER = 0.85
ALIKE = 0.90
VERBATIM_COVER, VERBATIM_RATIO = 0.95, 0.95
CANDIDATES = 8  # parent clauses compared in full per local clause (the best by shared bigrams)

_CITED = re.compile(r"《[^《》]{1,120}》|[（(][^（）()]{0,30}〔(?:19|20)\d{2}〕\d+号[^（）()]{0,10}[)）]")
_KEEP = re.compile(r"[^\u4e00-\u9fff0-9A-Za-z%]")


@dataclass(frozen=True)
class ReusePair:
    """A local clause that reuses a parent clause: indices into each document's clauses, similarity, kind."""

    local: int
    parent: int
    similarity: float  # SequenceMatcher ratio of the compared texts
    copied: float  # share of the local clause copied in runs of MIN_BLOCK characters or more
    kind: str  # verbatim | adapted


def compared_text(clause: str) -> str:
    """What reuse compares: the clause without cited titles and 文号, punctuation or spaces."""
    return _KEEP.sub("", _CITED.sub("", clause))


def _bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)}


def compare(local: str, parent: str) -> tuple[float, float, int, float]:
    """(ratio, copied share of local, copied characters, copied share of the shorter) of two compared texts."""
    if not local or not parent:
        return 0.0, 0.0, 0, 0.0
    sm = SequenceMatcher(None, local, parent, autojunk=False)
    copied = sum(b.size for b in sm.get_matching_blocks() if b.size >= MIN_BLOCK)
    return sm.ratio(), copied / len(local), copied, copied / min(len(local), len(parent))


def classify(ratio: float, local_share: float, copied: int, shorter_share: float) -> str | None:
    """The kind of reuse these measures make (verbatim, adapted), or None when they make none."""
    reused = ratio >= ALIKE or copied >= MIN_COPIED and (
        shorter_share >= SHORT_COVER and ratio >= SHORT_RATIO or shorter_share >= FULL_COVER)
    if not reused:
        return None
    return "verbatim" if local_share >= VERBATIM_COVER or ratio >= VERBATIM_RATIO else "adapted"


@dataclass(frozen=True)
class Prepared:
    """A document's clauses ready for alignment: compared texts, their bigrams, and a bigram → clauses index
    (made once per document, however many documents it is aligned with)."""

    keys: tuple[str, ...]
    grams: tuple[frozenset[str], ...]
    index: dict[str, tuple[int, ...]]
    exact: dict[str, int]  # compared text → its first clause: a clause copied whole needs no comparison


def prepare(clauses: Sequence[str]) -> Prepared:
    """Prepare clause texts for align()."""
    keys = tuple(compared_text(c) for c in clauses)
    grams = tuple(frozenset(_bigrams(k)) for k in keys)
    index: dict[str, list[int]] = {}
    for j, g in enumerate(grams):
        for b in g:
            index.setdefault(b, []).append(j)
    exact: dict[str, int] = {}
    for j, k in enumerate(keys):
        exact.setdefault(k, j)
    return Prepared(keys, grams, {b: tuple(js) for b, js in index.items()}, exact)


def candidates(local: Prepared, i: int, parent: Prepared, among=None, limit: int = CANDIDATES) -> list[int]:
    """The parent clauses worth comparing in full with local clause i: those sharing the most character
    bigrams with it (three at least), at most `limit`; `among` (a set of indices) narrows the parent's clauses."""
    shared = Counter(j for g in local.grams[i] for j in parent.index.get(g, ()) if among is None or j in among)
    # ties in order of the parent's clauses: a set of bigrams iterates in an order that differs from process to
    # process (salted string hashing), so most_common's order among equals would pick other clauses in each build
    ranked = sorted(shared.items(), key=lambda x: (-x[1], x[0]))
    return [j for j, n in ranked[:limit] if n >= 3]


def align(local: Sequence[str] | Prepared, parent: Sequence[str] | Prepared) -> list[ReusePair]:
    """For each local clause, the parent clause it reuses most, if any (clause texts or prepared documents in,
    ReusePairs out)."""
    local = local if isinstance(local, Prepared) else prepare(local)
    parent = parent if isinstance(parent, Prepared) else prepare(parent)
    keys = parent.keys
    out = []
    for i, a in enumerate(local.keys):
        if len(a) < 4:
            continue
        same = parent.exact.get(a)
        if same is not None:  # copied whole: the best any clause can do (all copied, ratio 1)
            out.append(ReusePair(i, same, 1.0, 1.0, "verbatim"))
            continue
        best = None
        for j in candidates(local, i, parent):
            ratio, local_share, copied, shorter = compare(a, keys[j])
            kind = classify(ratio, local_share, copied, shorter)
            if kind is None:
                continue
            score = (copied, ratio)
            if best is None or score > best[0]:
                best = (score, ReusePair(i, j, round(ratio, 3), round(local_share, 3), kind))
        if best is not None:
            out.append(best[1])
    return out


def reuse_share(local: Sequence[str] | Prepared, pairs: Iterable[ReusePair]) -> float:
    """The part of a document's clause text (compared characters) that reuses a parent's."""
    sizes = [len(k) for k in local.keys] if isinstance(local, Prepared) else [len(compared_text(c)) for c in local]
    total = sum(sizes)
    reused = sum(sizes[i] for i in {p.local for p in pairs})
    return round(reused / total, 3) if total else 0.0


def near_duplicate_pairs(documents: dict[str, Sequence[str]], threshold: float = 0.3,
                         num_perm: int = 64) -> list[tuple[str, str]]:
    """Pairs of documents (by key) whose clause text is similar enough to be worth aligning, found with MinHash
    LSH over character 4-gram shingles: for corpus-wide reuse without comparing every pair of documents."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    hashes = {}
    for key, clauses in documents.items():
        text = "".join(compared_text(c) for c in clauses)
        shingles = {text[i:i + 4] for i in range(len(text) - 3)}
        if not shingles:
            continue
        m = MinHash(num_perm=num_perm)
        m.update_batch([s.encode("utf-8") for s in shingles])
        hashes[key] = m
        lsh.insert(key, m)
    pairs = set()
    for key, m in hashes.items():
        for other in lsh.query(m):
            if other != key:
                pairs.add(tuple(sorted((key, other))))
    return sorted(pairs)
