"""Administrative divisions (province ⊃ city ⊃ county) from cpca's data plus a table of later changes."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from ontology import VOCAB_DIR

from .records import Jurisdiction

_LEVEL_SUFFIX = re.compile(r"(特别行政区|自治区|自治州|自治县|自治旗|林区|特区|地区|新区|矿区|省|市|州|盟|县|区|旗)$")
_SKIP_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "郊区", "城区", "矿区"}


@dataclass(frozen=True)
class Division:
    """One administrative unit with its 6-digit code and level (1 province, 2 city, 3 county)."""

    code: str
    name: str
    level: int
    parent: str | None


def cpca_resource(name: str) -> Path:
    """A data file of the installed cpca package, found without importing it: cpca's __init__ builds its own
    matcher (~0.17 s in every process that reads divisions) through pkg_resources, which Python 3.12+ virtual
    environments do not have."""
    spec = find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the cpca package (administrative divisions' data) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / name


@lru_cache(maxsize=1)
def _ethnic_suffix() -> re.Pattern[str]:
    with cpca_resource("56_nations.csv").open(encoding="utf-8") as fh:
        names = {ln.strip() for ln in fh if ln.strip()}
    forms = sorted(names | {n[:-1] for n in names if n.endswith("族") and len(n) > 2}, key=len, reverse=True)
    return re.compile("(?:" + "|".join(map(re.escape, forms)) + ")+(?=自治[区州县旗])")


def short_name(name: str) -> str:
    """The customary short form: 昌吉回族自治州 → 昌吉, 宁夏回族自治区 → 宁夏, 五华区 → 五华."""
    s = _ethnic_suffix().sub("", name)
    s2 = _LEVEL_SUFFIX.sub("", s)
    return s2 if len(s2) >= 2 else name


def customary_names(name: str) -> set[str]:
    """Names a division goes by besides its full name: 昌吉, 昌吉州 for 昌吉回族自治州."""
    sn = short_name(name)
    out = {sn} if sn != name else set()
    if name.endswith("自治州") and sn != name:
        out.add(sn + "州")
    return out


class DivisionTable:
    """Lookup of divisions by full or short name, with parent chains; built once per process."""

    def __init__(self, rows: list[Division], former: dict[str, str]):
        self.by_code: dict[str, Division] = {d.code: d for d in rows}
        self.by_name: dict[str, list[Division]] = {}
        self.by_short: dict[str, list[Division]] = {}
        for d in rows:
            self.by_name.setdefault(d.name, []).append(d)
            for sn in customary_names(d.name):
                self.by_short.setdefault(sn, []).append(d)
        for old_name, code in former.items():  # 马龙县 → 马龙区 after 2018
            d = self.by_code[code]
            if d not in self.by_name.setdefault(old_name, []):
                self.by_name[old_name].append(d)
            for sn in customary_names(old_name):
                if d not in self.by_short.setdefault(sn, []):
                    self.by_short[sn].append(d)
        import ahocorasick

        self._automaton = ahocorasick.Automaton()
        for key in set(self.by_name) | set(self.by_short):
            self._automaton.add_word(key, key)
        self._automaton.make_automaton()

    def chain(self, code: str) -> list[Division]:
        """The division and its ancestors, lowest first."""
        out = []
        d = self.by_code.get(code)
        while d is not None:
            out.append(d)
            d = self.by_code.get(d.parent) if d.parent else None
        return out

    def jurisdiction(self, code: str | None) -> Jurisdiction:
        """The province / city / county names of a division code."""
        if not code:
            return Jurisdiction()
        names = {d.level: d.name for d in self.chain(code)}
        return Jurisdiction(province=names.get(1), city=names.get(2), county=names.get(3), code=code)

    def is_within(self, code: str, ancestor: str) -> bool:
        """Whether division `code` lies within (or is) `ancestor`."""
        return any(d.code == ancestor for d in self.chain(code))

    def candidates(self, name: str) -> list[Division]:
        """Divisions a full or short name may denote."""
        return list(self.by_name.get(name, [])) + [d for d in self.by_short.get(name, [])
                                                    if d not in self.by_name.get(name, [])]

    def resolve(self, name: str, context: str | None = None) -> Division | None:
        """The division a name denotes, preferring one within (or above) the context division."""
        cands = self.candidates(name)
        if not cands:
            return None
        if context:
            ctx_chain = {d.code for d in self.chain(context)}
            inside = [d for d in cands if self.is_within(d.code, context) or d.code in ctx_chain]
            if inside:
                return sorted(inside, key=lambda d: d.level)[0] if len(inside) > 1 else inside[0]
            # a sibling under the same city or province
            for anc in self.chain(context)[1:]:
                near = [d for d in cands if self.is_within(d.code, anc.code)]
                if len(near) == 1:
                    return near[0]
        full = self.by_name.get(name, [])
        if len(full) == 1:
            return full[0]
        if len(cands) == 1:
            return cands[0]
        return None

    def mentions(self, text: str) -> list[tuple[int, int, str, bool]]:
        """Place-name mentions in text, longest first at each position: (start, end, name, is_full)."""
        found: dict[int, tuple[int, int, str, bool]] = {}
        for end, key in self._automaton.iter(text):
            start = end - len(key) + 1
            prev = found.get(start)
            if prev is None or (end + 1 - start) > (prev[1] - prev[0]):
                found[start] = (start, end + 1, key, key in self.by_name)
        out, last_end = [], -1
        for start in sorted(found):
            m = found[start]
            if start >= last_end:
                out.append(m)
                last_end = m[1]
        return out


def _load_rows() -> tuple[list[Division], dict[str, str]]:
    rows: dict[str, Division] = {}
    with cpca_resource("adcodes.csv").open(encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            code, name = rec["adcode"][:6], rec["name"].strip()
            if rec["adcode"][6:].strip("0") or name in _SKIP_NAMES:
                continue
            level = 1 if code.endswith("0000") else 2 if code.endswith("00") else 3
            rows[code] = Division(code, name, level, None)
    linked: dict[str, Division] = {}
    for code, d in rows.items():
        parent = None
        if d.level == 3:
            parent = code[:4] + "00" if code[:4] + "00" in rows else code[:2] + "0000"
        elif d.level == 2:
            parent = code[:2] + "0000"
        linked[code] = Division(code, d.name, d.level, parent)
    former: dict[str, str] = {}
    with (VOCAB_DIR / "division_changes.csv").open(encoding="utf-8") as fh:
        lines = [ln for ln in fh if not ln.startswith("#")]
    for rec in csv.DictReader(lines):
        code, parent = rec["code"].strip(), rec["parent_code"].strip() or None
        level = 1 if code.endswith("0000") else 2 if code.endswith("00") else 3
        if rec["action"] == "rename":
            old = linked.pop(rec["old_code"].strip(), None)
            linked[code] = Division(code, rec["name"].strip(), level, parent)
            if old is not None:  # the former name keeps resolving, to its successor
                former[old.name] = code
        elif rec["action"] in ("add", "move"):
            linked[code] = Division(code, rec["name"].strip(), level, parent)
    return list(linked.values()), former


@lru_cache(maxsize=1)
def division_table() -> DivisionTable:
    """The process-wide division table (read-only once built)."""
    return DivisionTable(*_load_rows())
