"""Who issued a document, read from the issuer code of its 文号 (ontology/vocab/issuer_codes.ttl).

A cited document that is not in the corpus is known only by its title and 文号; the code at the front of the
文号 names its issuer: 国办发 the General Office of the State Council, 赣府厅发 the General Office of the
People's Government of 江西省, 曲政办发 the General Office of 曲靖市's government. National codes are matched
whole from a documented list; a local code is a place abbreviation (a province's 简称, or a city's or county's
first character, read near the citing document) followed by an organ code."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ontology import VOCAB_DIR

from .divisions import Division, DivisionTable, division_table

LEVELS = {1: "province", 2: "city", 3: "county"}
_PK = "https://w3id.org/policykg/ontology#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"


@dataclass(frozen=True)
class Issuer:
    """The body an issuer code names, its level (national, province, city, county) and division code."""

    code: str
    body: str
    level: str
    division_code: str | None = None


@dataclass(frozen=True)
class IssuerCodes:
    """The three tables of issuer_codes.ttl."""

    national: dict[str, str]  # whole code → body
    national_prefixes: dict[str, str]  # a code that opens with it → body (国卫基层发 → 国家卫生健康委)
    provinces: dict[str, str]  # abbreviation → division code (provinces, and places that override theirs)
    organs: dict[str, tuple[str, str]]  # organ notation → (provincial body template, local body template)

    @property
    def longest_organ(self) -> int:
        return max(map(len, self.organs), default=0)


@lru_cache(maxsize=1)
def issuer_codes(path: Path = VOCAB_DIR / "issuer_codes.ttl") -> IssuerCodes:
    """Read the issuer code tables once per process."""
    from rdflib import Graph, URIRef

    g = Graph().parse(path, format="turtle")
    in_scheme, notation = URIRef(_SKOS + "inScheme"), URIRef(_SKOS + "notation")
    national, prefixes, provinces, organs = {}, {}, {}, {}
    for s in g.subjects(in_scheme, URIRef(_PK + "IssuerCodeScheme")):
        body = str(g.value(s, URIRef(_SKOS + "prefLabel")))
        as_prefix = g.value(s, URIRef(_PK + "matchesPrefix"))
        for n in g.objects(s, notation):
            (prefixes if as_prefix is not None and as_prefix.toPython() is True else national)[str(n)] = body
    for s in g.subjects(in_scheme, URIRef(_PK + "PlaceAbbreviationScheme")):
        code = str(g.value(s, URIRef(_PK + "divisionCode")))
        for n in g.objects(s, notation):
            provinces[str(n)] = code
    for s in g.subjects(in_scheme, URIRef(_PK + "OrganCodeScheme")):
        pair = (str(g.value(s, URIRef(_PK + "provincialBody"))), str(g.value(s, URIRef(_PK + "localBody"))))
        for n in g.objects(s, notation):
            organs[str(n)] = pair
    return IssuerCodes(national, prefixes, provinces, organs)


def _organ(rest: str, codes: IssuerCodes) -> tuple[str, str] | None:
    """The organ whose longest notation opens `rest` (府厅发 before 府厅)."""
    for k in range(min(len(rest), codes.longest_organ), 0, -1):
        pair = codes.organs.get(rest[:k])
        if pair is not None:
            return pair
    return None


def _body(template: str, division: Division) -> str:
    return template.replace("{place}", division.name)


def issuer_of(code: str, near: str | None = None, table: DivisionTable | None = None,
              codes: IssuerCodes | None = None) -> Issuer | None:
    """The issuer an issuer code names, or None when the tables do not say. `near` is the division code of
    the citing document: a city or county abbreviation is read as a place of its province (its own city and
    counties first)."""
    codes = codes or issuer_codes()
    table = table or division_table()
    code = code.strip()
    if not code:
        return None
    if code in codes.national:
        return Issuer(code, codes.national[code], "national")
    for k in range(len(code), 1, -1):  # the longest national prefix (国卫办 before 国卫)
        body = codes.national_prefixes.get(code[:k])
        if body is not None:
            return Issuer(code, body, "national")
    for k in (2, 1):  # 内蒙 before 内
        prefix = code[:k]
        div_code = codes.provinces.get(prefix)
        if div_code is None:
            continue
        division = table.by_code.get(div_code)
        organ = _organ(code[k:], codes)
        if division is None or organ is None:
            continue
        template = organ[0] if division.level == 1 else organ[1]
        return Issuer(code, _body(template, division), LEVELS[division.level], division.code)
    organ = _organ(code[1:], codes)
    if organ is None or not near or near not in table.by_code:
        return None
    place = _local_place(code[0], near, table)
    if place is None:
        return None
    return Issuer(code, _body(organ[1], place), LEVELS[place.level], place.code)


def _local_place(abbreviation: str, near: str, table: DivisionTable) -> Division | None:
    """The one city or county of the citing document's province whose name opens with `abbreviation`:
    the citing document's own city or county first, else a single match in its city, else in its province."""
    chain = table.chain(near)  # lowest first, province last
    for d in chain:
        if d.level > 1 and d.name.startswith(abbreviation):
            return d
    for scope in chain[1:] if len(chain) > 1 else chain:
        found = [d for d in table.by_code.values()
                 if d.level > 1 and d.name.startswith(abbreviation) and table.is_within(d.code, scope.code)
                 and d.code != scope.code]
        cities = [d for d in found if d.level == 2]
        if len(cities) == 1:
            return cities[0]
        if len(found) == 1:
            return found[0]
    return None
