"""Policy instruments of a task (ontology/vocab/instruments.ttl): a transparent word lexicon, not a model.

Per typology (Rothwell–Zegveld; McDonnell–Elmore) a task is coded with the concept whose words
(instrument_lexicon.toml) occur most often in its text, a heading's words counting three times; ties go to the concept listed first in the
lexicon's `order`. The code keeps the words that fired and how often, so a researcher can read why."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ontology import VOCAB_DIR

from .records import InstrumentCode
from .vocab import read_toml

TYPOLOGIES = ("rothwell-zegveld", "mcdonnell-elmore")


@dataclass(frozen=True)
class Lexicon:
    """Per typology: concepts in tie-break order, each with its words; an automaton finds them all in one pass."""

    typologies: dict[str, list[tuple[str, tuple[str, ...]]]]
    automaton: object = None  # ahocorasick.Automaton over every word
    # word → where it is listed: (typology, position of its concept in the typology, position among the words)
    places: dict[str, tuple[tuple[str, int, int], ...]] = field(default_factory=dict)

    def counts(self, text: str) -> dict[str, int]:
        """How often each lexicon word occurs in text (one pass, whatever the number of words)."""
        out: dict[str, int] = {}
        if text:
            for _, word in self.automaton.iter(text):
                out[word] = out.get(word, 0) + 1
        return out


@lru_cache(maxsize=1)
def lexicon(path: Path = VOCAB_DIR / "instrument_lexicon.toml") -> Lexicon:
    """Read the lexicon once per process."""
    data = read_toml(path)
    out = {}
    for typology in TYPOLOGIES:
        section = data[typology]
        out[typology] = [(code, tuple(section[code]["words"])) for code in section["order"]]
        short = [w for _, words in out[typology] for w in words if len(w) < 2]
        if short:  # one character says too little to code a task with
            raise ValueError(f"{path}: [{typology}] words need two characters or more: {short}")
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for concepts in out.values():
        for _, words in concepts:
            for w in words:
                automaton.add_word(w, w)
    automaton.make_automaton()
    places: dict[str, list[tuple[str, int, int]]] = {}
    for typology, concepts in out.items():
        for k, (_, words) in enumerate(concepts):
            for i, w in enumerate(words):
                places.setdefault(w, []).append((typology, k, i))
    return Lexicon(out, automaton, {w: tuple(p) for w, p in places.items()})


# who carries the task is not how it is carried: role brackets and label lines are left out of the coded text
_ROLES = re.compile(r"[（(][^（）()]*(?:单位|牵头|负责|配合)[^（）()]*[）)]|"
                    r"(?:牵头|责任|配合|协办|主办|参与)单位\s*[:：][^\n]*")


HEADING_WEIGHT = 3  # a heading (强化师资队伍建设) names the task's main action: its words count three times


def code_text(text: str, heading: str | None = None, lex: Lexicon | None = None) -> list[InstrumentCode]:
    """The instrument codes of a task's text (and heading), one per typology whose words occur in it (none when
    no word does)."""
    lex = lex or lexicon()
    counts = lex.counts(_ROLES.sub("", text))
    for word, n in lex.counts(heading or "").items():
        counts[word] = counts.get(word, 0) + HEADING_WEIGHT * n
    fired: dict[str, dict[int, list[tuple[int, str, int]]]] = {}  # typology → concept → (position, word, count)
    for word, n in counts.items():
        for typology, k, i in lex.places[word]:
            fired.setdefault(typology, {}).setdefault(k, []).append((i, word, n))
    out = []
    for typology, concepts in lex.typologies.items():
        by_concept = fired.get(typology)
        if not by_concept:
            continue
        # the most words' occurrences; on a tie the concept listed first
        k = min(by_concept, key=lambda k: (-sum(n for _, _, n in by_concept[k]), k))
        out.append(InstrumentCode(typology, concepts[k][0], tuple((w, n) for _, w, n in sorted(by_concept[k]))))
    return out
