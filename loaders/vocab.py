"""The SKOS vocabularies and word lists under ontology/vocab, read once into lookup tables."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from ontology import VOCAB_DIR

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser from PyPI (a dependency there)
    import tomli as tomllib

SKOS = "http://www.w3.org/2004/02/skos/core#"
PK = "https://w3id.org/policykg/ontology#"


@dataclass(frozen=True)
class Department:
    """A department concept: canonical name, aliases, functional stems, type and class."""

    iri: str
    pref: str
    english: str
    aliases: tuple[str, ...]
    stems: tuple[str, ...]
    functional_type: str | None
    org_class: str | None
    functional_iri: str | None = None


@dataclass(frozen=True)
class Concept:
    """A SKOS concept with its Chinese labels (doc types, topics)."""

    iri: str
    pref: str
    english: str
    labels: tuple[str, ...]


@dataclass
class Vocabulary:
    """Everything the extractor reads from ontology/vocab."""

    departments: list[Department]
    by_label: dict[str, Department] = field(default_factory=dict)
    by_stem: dict[str, Department] = field(default_factory=dict)
    doc_types: list[Concept] = field(default_factory=list)
    topics: list[Concept] = field(default_factory=list)
    rules: dict = field(default_factory=dict)
    functional_types: dict[str, str] = field(default_factory=dict)  # label → IRI
    national_bodies: dict[str, str] = field(default_factory=dict)  # functional type label → central body name

    def department(self, core: str) -> Department | None:
        """The department a place-free name denotes (prefLabel or alias), if known."""
        return self.by_label.get(core)

    @cached_property
    def blanket_assignments(self) -> list[re.Pattern[str]]:
        """The blanket clauses of extraction_rules.toml [conventions], compiled once (group "who": the bodies)."""
        return [re.compile(p) for p in self.rule("conventions", "blanket_assignments")]

    @cached_property
    def topic_labels(self) -> list[tuple[Concept, list[str]]]:
        """Each topic with its distinct labels of two characters or more (counted in texts)."""
        return [(c, sorted({x for x in c.labels if len(x) >= 2})) for c in self.topics]

    @cached_property
    def topic_automaton(self):
        """Every topic label in one Aho–Corasick automaton (label → the positions in `topics` of the topics it
        labels): a text is scanned once, and a match counts for its topics without looking them up."""
        import ahocorasick

        owners: dict[str, list[int]] = {}
        for k, (_, labels) in enumerate(self.topic_labels):
            for label in labels:
                owners.setdefault(label, []).append(k)
        automaton = ahocorasick.Automaton()
        for label, topics in owners.items():
            automaton.add_word(label, tuple(topics))
        automaton.make_automaton()
        return automaton

    @cached_property
    def doc_type_end(self) -> re.Pattern[str]:
        """A line or title that ends with a 文种 of the vocabulary (…的通知, …实施方案)."""
        return re.compile(self._doc_type_alternation() + r"\s*$")

    @cached_property
    def doc_type_end_with_year(self) -> re.Pattern[str]:
        """The same, allowing a trailing year (质量年度报告（2020）)."""
        return re.compile(self._doc_type_alternation() + r"\s*[（(]?[\d\-—～~ 年]*[)）]?$")

    def _doc_type_alternation(self) -> str:
        labels = sorted({label for c in self.doc_types for label in c.labels}, key=len, reverse=True)
        return "(" + "|".join(map(re.escape, labels)) + ")"

    def rule(self, section: str, key: str) -> list[str]:
        """A word list from extraction_rules.toml."""
        return list(self.rules.get(section, {}).get(key, []))


def _literals(graph, subject, predicate, lang: str | None) -> list[str]:
    from rdflib import Literal

    vals = [o for o in graph.objects(subject, predicate) if isinstance(o, Literal)]
    return sorted(str(o) for o in vals if (o.language == lang if lang else True))


def _local(iri) -> str | None:
    return str(iri).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1] if iri is not None else None


def _concepts(path: Path) -> list[Concept]:
    from rdflib import Graph, URIRef

    g = Graph().parse(path, format="turtle")
    out = []
    for s in sorted(set(g.subjects(URIRef(SKOS + "inScheme"), None))):
        zh = _literals(g, s, URIRef(SKOS + "prefLabel"), "zh")
        en = _literals(g, s, URIRef(SKOS + "prefLabel"), "en")
        alts = _literals(g, s, URIRef(SKOS + "altLabel"), "zh")
        out.append(Concept(str(s), zh[0], en[0] if en else "", tuple(zh + alts)))
    return out


@lru_cache(maxsize=1)
def vocabulary(vocab_dir: Path = VOCAB_DIR) -> Vocabulary:
    """Read the vocabularies once per process."""
    from rdflib import Graph, URIRef

    g = Graph().parse(vocab_dir / "departments.ttl", format="turtle")
    ft_labels = {str(s): _literals(g, s, URIRef(SKOS + "prefLabel"), "zh")[0]
                 for s in g.subjects(URIRef(SKOS + "inScheme"), URIRef(PK + "FunctionalTypeScheme"))}
    depts = []
    for s in sorted(set(g.subjects(URIRef(SKOS + "inScheme"), URIRef(PK + "DepartmentScheme")))):
        ft = g.value(s, URIRef(PK + "functionalType"))
        depts.append(Department(
            iri=str(s),
            pref=_literals(g, s, URIRef(SKOS + "prefLabel"), "zh")[0],
            english=(_literals(g, s, URIRef(SKOS + "prefLabel"), "en") or [""])[0],
            aliases=tuple(_literals(g, s, URIRef(SKOS + "altLabel"), "zh")),
            stems=tuple(_literals(g, s, URIRef(SKOS + "hiddenLabel"), "zh")),
            functional_type=ft_labels.get(str(ft)) if ft is not None else None,
            org_class=_local(g.value(s, URIRef(PK + "orgClass"))),
            functional_iri=str(ft) if ft is not None else None,
        ))
    vocab = Vocabulary(departments=depts, functional_types={label: iri for iri, label in ft_labels.items()})
    for iri, label in ft_labels.items():
        central = _literals(g, URIRef(iri), URIRef(PK + "nationalBody"), "zh")
        if central:
            vocab.national_bodies[label] = central[0]
    for d in depts:
        for label in (d.pref, *d.aliases):
            vocab.by_label.setdefault(label, d)
        for stem in d.stems:
            vocab.by_stem.setdefault(stem, d)
    vocab.doc_types = sorted(_concepts(vocab_dir / "doctypes.ttl"), key=lambda c: len(c.pref), reverse=True)
    vocab.topics = _concepts(vocab_dir / "topics.ttl")
    vocab.rules = read_toml(vocab_dir / "extraction_rules.toml")
    return vocab


def read_toml(path: Path) -> dict:
    """A TOML data file of the vocabularies (tomllib; tomli on Python 3.10)."""
    with path.open("rb") as fh:
        return tomllib.load(fh)
