"""Policy instruments of a task (ontology/vocab/instruments.ttl): a transparent word lexicon, not a model.

Per typology (Rothwell–Zegveld; McDonnell–Elmore) a task is coded with the concept whose words
(instrument_lexicon.toml) occur most often in its text, a heading's words counting three times; ties go to the concept listed first in the
lexicon's `order`. The code keeps the words that fired and how often, so a researcher can read why."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ontology import VOCAB_DIR

from .records import InstrumentCode

TYPOLOGIES = ("rothwell-zegveld", "mcdonnell-elmore")


@dataclass(frozen=True)
class Lexicon:
    """Per typology: concepts in tie-break order, each with its words."""

    typologies: dict[str, list[tuple[str, tuple[str, ...]]]]


@lru_cache(maxsize=1)
def lexicon(path: Path = VOCAB_DIR / "instrument_lexicon.toml") -> Lexicon:
    """Read the lexicon once per process."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    out = {}
    for typology in TYPOLOGIES:
        section = data[typology]
        out[typology] = [(code, tuple(section[code]["words"])) for code in section["order"]]
    return Lexicon(out)


# who carries the task is not how it is carried: role brackets and label lines are left out of the coded text
_ROLES = re.compile(r"[（(][^（）()]*(?:单位|牵头|负责|配合)[^（）()]*[）)]|"
                    r"(?:牵头|责任|配合|协办|主办|参与)单位\s*[:：][^\n]*")


HEADING_WEIGHT = 3  # a heading (强化师资队伍建设) names the task's main action: its words count three times


def code_text(text: str, heading: str | None = None, lex: Lexicon | None = None) -> list[InstrumentCode]:
    """The instrument codes of a task's text (and heading), one per typology whose words occur in it (none when
    no word does)."""
    lex = lex or lexicon()
    text = _ROLES.sub("", text)
    heading = heading or ""
    out = []
    for typology, concepts in lex.typologies.items():
        best = None
        for rank, (code, words) in enumerate(concepts):
            fired = tuple((w, n) for w in words if (n := text.count(w) + HEADING_WEIGHT * heading.count(w)))
            total = sum(n for _, n in fired)
            if total and (best is None or total > best[0]):
                best = (total, code, fired)
        if best is not None:
            out.append(InstrumentCode(typology, best[1], best[2]))
    return out
