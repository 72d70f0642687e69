"""Agency lists → agencies resolved to their jurisdiction (GUIDE §5): prefixes, coordination, aliases."""
from __future__ import annotations

from typing import Optional

import re
from dataclasses import dataclass

from .divisions import Division, DivisionTable, division_table
from .records import Agency, Jurisdiction
from .vocab import Vocabulary, vocabulary

_OPEN, _CLOSE = "（(<〈【[〔", "）)>〉】]〕"
_LEVEL_PREFIX = re.compile(r"^(自治区|省|市|州|盟|县|区|旗)(?=[\u4e00-\u9fff])")
_PARTY = re.compile(r"^(?:中共)?(自治区|省|市|州|县|区|旗)委(?!员会)(.*)$")
_PARTY_PLACE = re.compile(r"^中共(.+?(?:自治区|省|市|州|盟|县|区|旗))委(.*)$")
_LEAGUE = re.compile(r"^团(自治区|省|市|州|县|区|旗)委$")
_LEADING_VERBS = re.compile(r"^(?:建立|建立由|成立|形成|明确|由|经|请|并由|要由|实行|实施|推动)")


@dataclass(frozen=True)
class AgencyContext:
    """What resolution needs to know about the document: its jurisdiction and division code."""

    jurisdiction: Jurisdiction
    code: str | None = None
    national: bool = False  # issued by central bodies: functional names (教育行政部门) are the ministries


# 以及; and 等和 / 等及 / 等与 closing an open list before the next party (A、B等和各省级人民政府: the 等 is dropped)
_TWO_CHAR_JOINS = ("以及", "等和", "等及", "等与")


_LEVELS = ("县级市", "乡镇", "街道", "区", "市", "县", "旗", "镇", "乡")


def _inside_collective(before: str, after: str) -> bool:
    """Whether a 、 sits inside a collective of levels: 各区、市政府 (before "各区", after "市政府…")."""
    if "各" not in before:
        return False
    b = re.split(r"[和及与]", before.strip())[-1]  # 省财政厅和各市、县（区）人民政府: the collective follows 和
    if not (b.startswith("各") and len(b) <= 6 and b.endswith(_LEVELS)):
        return False
    level = next((lv for lv in _LEVELS if after.startswith(lv)), None)  # longest first: 县级市 before 县
    if level is None:
        return False
    rest = _BRACKETED_LEVEL.sub("", after[len(level):], count=1)  # 各市、县（区）人民政府, 县〔市、区〕
    return rest.startswith(("政府", "人民政府", "、", "，", ",")) or not rest


_BRACKETED_LEVEL = re.compile(r"^[（(〔][^）)〕]{1,8}[）)〕]")


_SPLITTERS = frozenset("、，,；;/及和与")  # every character a list is split at, alone or in 以及, 等和, 和各, …


def split_items(text: str) -> list[tuple[str, int]]:
    """Split a list of names at 、，,；; 及, 以及 and 等和 outside brackets: [(item, offset in text)]."""
    if _SPLITTERS.isdisjoint(text):  # nothing to split at (most lists name one body): the scan below finds one item
        stripped = text.strip()
        return [(stripped, text.index(stripped))] if stripped else []
    items: list[tuple[str, int]] = []
    depth, start = 0, 0
    i = 0
    while i < len(text):
        c = text[i]
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth = max(0, depth - 1)
        elif c == "、" and depth == 0 and _inside_collective(text[start:i], text[i + 1:]):
            pass  # 各区、市政府 / 各区、县级市: one collective, not two items (GUIDE §7)
        elif depth == 0 and (c in "、，,；;/" or (c == "及" and not text[i:i + 2] == "及其")
                             or text[i:i + 2] in _TWO_CHAR_JOINS
                             or text[i:i + 2] in ("和各", "与各")):  # 省财政厅和各市、县（区）人民政府
            items.append((text[start:i], start))
            step = 2 if text[i:i + 2] in _TWO_CHAR_JOINS else 1  # 和各: only 和 goes, 各 opens the next
            start = i + step
            i += step
            continue
        i += 1
    items.append((text[start:], start))
    out = []
    for item, off in items:
        stripped = item.strip()
        if stripped:
            out.append((stripped, off + item.index(stripped)))
    return out


def _copy(agency: Agency) -> Agency:
    """A shallow copy of an Agency (copy.copy goes through __reduce_ex__, several times slower)."""
    twin = object.__new__(Agency)
    twin.__dict__.update(agency.__dict__)
    return twin


# A small resolver's answer: (agency or None, the list state), or None when the name is not one it knows.
Step = Optional[tuple[Optional[Agency], Optional[Division]]]


class AgencyResolver:
    """Turns list items into Agency records for one document's jurisdiction."""

    def __init__(self, ctx: AgencyContext, vocab: Vocabulary | None = None,
                 table: DivisionTable | None = None):
        self.ctx = ctx
        self.vocab = vocab or vocabulary()
        self.table = table or division_table()
        rules = self.vocab.rules["agencies"]
        self._memo: dict[tuple[str, str | None], tuple[Agency | None, Division | None]] = {}
        self._lists: dict[str, list[tuple[Agency, int, int]]] = {}
        self.org_suffixes = sorted(rules["org_suffixes"], key=len, reverse=True)
        self._org_endings = tuple(self.org_suffixes)  # str.endswith takes a tuple: one call, not one per suffix
        self._org_endings_but_bumen = tuple(x for x in self.org_suffixes if x != "部门")
        self.unspecified_words = rules["unspecified_words"]
        self.unspecified_names = set(rules["unspecified_names"])
        self.collective_prefixes = rules["collective_prefixes"]
        self.collective_suffixes = rules["collective_suffixes"]
        self.trailing = sorted(rules["trailing_words"], key=len, reverse=True)
        self._trailing_endings = tuple(self.trailing)
        chain = self.table.chain(ctx.code) if ctx.code else []
        self.by_level = {d.level: d for d in chain}

    # ------------------------------------------------------------------ helpers
    def is_org(self, core: str) -> bool:
        """Whether a place-free name reads as an organisation."""
        return bool(core) and (core in self.vocab.by_label or core in self.vocab.by_stem and len(core) >= 2 and
                               self._stem_only(core) or core.endswith(self._org_endings))

    def _stem_only(self, core: str) -> bool:
        """A function-only short form that stands alone as a name (园区, 政府办), not a bare stem (教育)."""
        dept = self.vocab.by_stem[core]
        return any(core.endswith(s) for s in ("办", "区", "委")) or dept.pref.startswith(core)

    def is_unspecified(self, item: str) -> bool:
        """有关部门, 相关单位 and the like name no particular body (GUIDE §5); a collective of governments of a
        stated level stays, 有关 or not (各有关省级人民政府, GUIDE §7), but 各级人民政府 names no level."""
        if item in self.unspecified_names:
            return True
        if item.startswith("各") and not item.startswith("各级") and item.endswith("政府") and len(item) > 4:
            return False
        return any(w in item for w in self.unspecified_words)

    def clean(self, item: str) -> str:
        """Strip list words (等, 等部门) and normalise brackets <> → （）."""
        item = item.strip(" \t：:。.")
        item = item.replace("<", "（").replace(">", "）").replace("〈", "（").replace("〉", "）")
        item = item.replace("(", "（").replace(")", "）").replace("〔", "（").replace("〕", "）")  # 县〔区〕: a bracket
        if item.endswith(self._trailing_endings):  # one test first: most items end with none of them
            for w in self.trailing:
                if item.endswith(w) and len(item) > len(w) + 1:
                    item = item[: -len(w)]
                    break
        if "由" in item[1:]:  # 技工院校内由人力资源社会保障行政部门: the body is what follows 由
            tail = item.rsplit("由", 1)[1]
            if len(tail) >= 2 and self.is_org(tail):
                item = tail
        return _LEADING_VERBS.sub("", item) if len(item) > 4 else item

    def level_division(self, level_word: str) -> Division | None:
        """The document's own division that a relative prefix (市, 区, 县, 自治区) points to."""
        lowest = self.table.by_code.get(self.ctx.code) if self.ctx.code else None
        if level_word in ("自治区", "省"):
            return self.by_level.get(1)
        if level_word in ("县", "区", "旗"):
            county = self.by_level.get(3)
            return county if county and county.name.endswith(level_word) else None
        if level_word == "市":
            if lowest and lowest.level == 3 and lowest.name.endswith("市"):
                return lowest  # a county-level city calls itself 市
            return self.by_level.get(2) or (self.by_level.get(1) if self.by_level.get(1) and
                                            self.by_level[1].name.endswith("市") else None)
        if level_word in ("州", "盟"):
            city = self.by_level.get(2)
            return city if city and city.name.endswith(level_word) else None
        return None

    def leading_place(self, item: str) -> tuple[Division, int] | None:
        """A place name that opens the item (中宁县人民政府, 中卫工业园区…): (division, length)."""
        for start, end, key, is_full in self.table.mentions(item[:12]):
            if start != 0:
                break
            rest = item[end:]
            if not is_full and (rest in self.vocab.by_label or not rest or len(rest) < 2):
                if item in self.vocab.by_label or self.is_org(item) and not rest:
                    return None
            if item in self.vocab.by_label:
                return None
            div = self.table.resolve(key, self.ctx.code)
            if div is None:
                return None
            if not is_full and self.ctx.code and not self._related(div):
                return None
            # a second place inside the first: 曲靖麒麟职教集团 → 麒麟区 of 曲靖市
            for s2, e2, key2, _ in self.table.mentions(item[end:end + 8]):
                if s2 != 0:
                    break
                inner = self.table.resolve(key2, div.code)
                if inner is not None and self.table.is_within(inner.code, div.code) and inner.code != div.code \
                        and len(item) - end - e2 >= 2:
                    return inner, end + e2
            return div, end
        return None

    def _related(self, div: Division) -> bool:
        ctx = self.ctx.code
        if not ctx:
            return True
        top = self.table.chain(ctx)[-1].code
        return self.table.is_within(div.code, top)

    # ------------------------------------------------------------------ resolution
    def resolve_list(self, text: str, base: int = 0) -> list[tuple[Agency, int, int]]:
        """Resolve a written list (市发展改革委、市教育局，中宁、海原县人民政府): [(agency, start, end)].

        Remembered for this document, as resolve_one is (a plan repeats its lists); callers get their own
        copies."""
        known = self._lists.get(text)
        if known is None:
            known = self._lists[text] = self._resolve_list(text)
        return [(_copy(agency), start + base, end + base) for agency, start, end in known]

    def _resolve_list(self, text: str) -> list[tuple[Agency, int, int]]:
        raw = split_items(text)
        items = [(self.clean(it), off, off + len(it)) for it, off in raw]
        items = [x for x in items if x[0]]
        if raw and raw[-1][0].rstrip("。. ").endswith("部门"):  # 教育体育、工业信息等部门: a shared 部门
            items = [(it if self.is_org(it) else it + "部门", a, b) for it, a, b in items]
        out: list[tuple[Agency, int, int]] = []
        state: Division | None = None
        for idx, (item, start, end) in enumerate(items):
            nxt = items[idx + 1][0] if idx + 1 < len(items) else None
            item = self._distribute(item, nxt)
            agency, state = self._remembered(item, state)
            if agency is not None:
                out.append((agency, start, end))
        return out

    def _distribute(self, item: str, nxt: str | None) -> str:
        """中宁 + 海原县人民政府 → 中宁县人民政府; 市 + 县人民政府教育督导室 → 市人民政府教育督导室."""
        if not nxt:
            return item
        if item in ("市", "县", "区", "省", "州", "自治区", "市级", "县级", "区级"):
            m = _LEVEL_PREFIX.match(nxt)
            if m:
                return item.rstrip("级") + nxt[m.end():]
            lp = self.leading_place(nxt)
            if lp:
                return item.rstrip("级") + nxt[lp[1]:]
            return item
        div = self.table.resolve(item, self.ctx.code) if len(item) <= 8 else None
        if div is not None and not self.is_org(item):
            lp = self.leading_place(nxt)
            if lp:
                return div.name + nxt[lp[1]:]
        return item

    def resolve_one(self, item: str, state: Division | None = None) -> tuple[Agency | None, Division | None]:
        """One list item → an Agency (or None …), and the list state; remembered for this document, since a
        plan names the same bodies in item after item (callers get their own copy: they set its span)."""
        agency, after = self._remembered(item, state)
        return (_copy(agency) if agency is not None else None), after

    def _remembered(self, item: str, state: Division | None) -> tuple[Agency | None, Division | None]:
        """_resolve_one's answer, computed once per document (shared: callers copy it before changing it)."""
        key = (item, state.code if state is not None else None)
        known = self._memo.get(key)
        if known is None:
            known = self._memo[key] = self._resolve_one(item, state)
        return known

    def _resolve_one(self, item: str, state: Division | None = None) -> tuple[Agency | None, Division | None]:
        """One list item → an Agency (or None when it names no particular body), and the list state.

        The small resolvers below are tried in order; each answers for the names it knows and passes (None)
        on the others: collectives, national functional names, league and party organs, names with a place
        inside or in front, relative prefixes, and bare names last."""
        if not item or self.is_unspecified(item):
            return None, state
        for step in (self.resolve_collective, self.resolve_national, self.resolve_league, self.resolve_party,
                     self.resolve_party_place, self.resolve_inner_place, self.resolve_leading_place,
                     self.resolve_relative):
            got = step(item, state)
            if got is not None:
                return got
        return self.resolve_bare(item, state)

    def resolve_collective(self, item: str, state: Division | None) -> Step:
        """各县（区）人民政府, 市直各部门, …职业院校: collectives keep their 各 (GUIDE §5)."""
        if not (item.startswith(tuple(self.collective_prefixes)) or item.endswith(tuple(self.collective_suffixes))):
            return None
        name = item
        m = _LEVEL_PREFIX.match(item)
        if m and not item.startswith("各"):
            div = self.level_division(m.group(1))
            if div is not None:
                name = div.name + item[m.end():]
        return Agency(name=name, surface=item, jurisdiction=self.ctx.jurisdiction.lowest, canonical=name,
                      collective=True, division_code=self.ctx.code, org_class="Collective"), state

    def resolve_national(self, item: str, state: Division | None) -> Step:
        """国务院教育行政部门 (and 教育行政部门 in a national document) → 教育部."""
        central = self._national_functional(item)
        return (central, state) if central is not None else None

    def resolve_league(self, item: str, state: Division | None) -> Step:
        """团市委 → 共青团中卫市委."""
        m = _LEAGUE.match(item)
        div = self.level_division(m.group(1)) if m else None
        if div is None:
            return None
        name = f"共青团{div.name}委"
        return Agency(name=name, surface=item, jurisdiction=div.name, canonical=name, functional_type="群团",
                      org_class="MassOrganization", division_code=div.code), state

    def resolve_party(self, item: str, state: Division | None) -> Step:
        """市委组织部 → 中共中卫市委组织部; 县委 → 中共…县委."""
        m = _PARTY.match(item)
        if not (m and (m.group(2) == "" or self.is_org(m.group(2)) or m.group(2) in self.vocab.by_label)):
            return None
        div = self.level_division(m.group(1))
        if div is None:
            return None
        rest = m.group(2)
        dept = self.vocab.department(rest) or self.vocab.department("委" + rest)
        name = f"中共{div.name}委{rest}"
        return Agency(name=name, surface=item, jurisdiction=div.name, canonical=name,
                      functional_type=dept.functional_type if dept else "党委", org_class="PartyOrgan",
                      division_code=div.code), state

    def resolve_party_place(self, item: str, state: Division | None) -> Step:
        """中共中卫市委宣传部: a party organ that names its place."""
        m = _PARTY_PLACE.match(item)
        div = self.table.resolve(m.group(1), self.ctx.code) if m else None
        if div is None:
            return None
        dept = self.vocab.department(m.group(2)) if m.group(2) else None
        return Agency(name=item, surface=item, jurisdiction=div.name, canonical=item,
                      functional_type=dept.functional_type if dept else "党委", org_class="PartyOrgan",
                      division_code=div.code), state

    def resolve_inner_place(self, item: str, state: Division | None) -> Step:
        """共青团曲靖市委, 云南省曲靖市第一中学: a full place name inside the name."""
        inner = [m for m in self.table.mentions(item) if m[3] and m[0] > 0]
        if not (inner and self.is_org(item) and not _LEVEL_PREFIX.match(item)):
            return None
        div = self.table.resolve(inner[0][2], self.ctx.code)
        if div is None:
            return None
        dept, _ = self._dept(item[inner[0][1]:])
        return Agency(name=item, surface=item, jurisdiction=div.name, canonical=item,
                      functional_type=dept.functional_type if dept else None,
                      org_class=dept.org_class if dept else _guess_class(item), division_code=div.code), state

    def resolve_leading_place(self, item: str, state: Division | None) -> Step:
        """中宁县人民政府, 昆明市第一职业中等专业学校, 五华发展和改革局: a place in front."""
        lp = self.leading_place(item)
        if lp is None:
            return None
        div, n = lp
        core = item[n:]
        if core.startswith("委") and self.vocab.department(core[1:]) and \
                self.vocab.department(core[1:]).org_class == "PartyOrgan":
            return self._build(f"中共{div.name}委{core[1:]}", item, core[1:], div), state
        dept, _ = self._dept(core)
        if not self.is_org(core) and dept is None:
            return None, state
        return self._build(item, item, core, div, explicit=True), state

    def resolve_relative(self, item: str, state: Division | None) -> Step:
        """市教育局, 区总工会 (not 市场监督管理局): a level prefix read against the document's places."""
        m = _LEVEL_PREFIX.match(item)
        if not (m and item not in self.vocab.by_label and not self._is_word_start(item)):
            return None
        div = self.level_division(m.group(1))
        core = item[m.end():]
        if div is None and m.group(1) in ("县", "区") and self.by_level.get(2) is not None:
            # 县人民政府 in a city document: every county of the city
            name = "各县（区）" + core
            return Agency(name=name, surface=item, jurisdiction=self.ctx.jurisdiction.lowest, canonical=name,
                          collective=True, division_code=self.ctx.code, org_class="Collective"), state
        if div is None:
            return None
        return self._build(None, item, core, div), div

    def resolve_bare(self, item: str, state: Division | None) -> tuple[Agency | None, Division | None]:
        """A bare name inherits the list's prefix, else the document's own level."""
        div = state or (self.table.by_code.get(self.ctx.code) if self.ctx.code else None)
        return self._build(None, item, item, div), state

    def _national_functional(self, item: str) -> Agency | None:
        """国务院教育行政部门 anywhere, and 教育行政部门 / 人力资源社会保障部门 in a national document → the
        central body of that function (教育部, 人力资源社会保障部; GUIDE §7)."""
        core = item[3:] if item.startswith("国务院") else item if self.ctx.national else None
        if not core or not core.endswith("部门"):
            return None
        dept, _ = self._dept(core.replace("行政部门", "部门").replace("主管部门", "部门"))
        name = self.vocab.national_bodies.get(dept.functional_type) if dept is not None else None
        if name is None:
            return None
        return Agency(name=name, surface=item, jurisdiction=None, canonical=name,
                      functional_type=dept.functional_type, org_class="Bureau")  # a working department, central level

    def _is_word_start(self, item: str) -> bool:
        """市场…, 区域…, 县域…: the first character is part of a word, not a prefix — unless the rest names a
        department (市民政局 is 市 + 民政局, never 市民 + 政局; GUIDE §7)."""
        if self.vocab.department(item[1:]) is not None:
            return False
        return bool(re.match(r"^(市场|市民|市政(?!府)|区域|县域|省级|市级|县级|区级|州级)", item)) and \
            not item.startswith(("市级", "县级", "区级"))

    def _dept(self, core: str):
        """(department, expand?) — a function-only form (人社部门, 园区, 政府办) expands to the canonical name."""
        dept = self.vocab.department(core)
        if dept is not None:
            return dept, not core.endswith(self._org_endings_but_bumen)
        if core.endswith("部门"):
            stem = core[:-2]
            dept = self.vocab.by_stem.get(stem) or self.vocab.department(stem + "局")
            return dept, dept is not None
        if core in self.vocab.by_stem and self._stem_only(core):
            return self.vocab.by_stem[core], True
        return None, False

    def _build(self, name: str | None, surface: str, core: str, div: Division | None,
               explicit: bool = False) -> Agency | None:
        dept, expand = self._dept(core)
        if dept is None and not self.is_org(core):
            return None
        place = div.name if div else ""
        if name is None:
            name = place + (dept.pref if dept is not None and expand else core)
        if dept is not None and dept.org_class == "PartyOrgan" and not name.startswith("中共"):
            name = f"中共{place}委{core[1:] if core.startswith('委') else core}"
        canonical = place + dept.pref if dept is not None and dept.org_class != "PartyOrgan" else name
        return Agency(name=name, surface=surface, jurisdiction=place or self.ctx.jurisdiction.lowest,
                      canonical=canonical, functional_type=dept.functional_type if dept else None,
                      org_class=dept.org_class if dept else _guess_class(core),
                      division_code=div.code if div else None)


def _guess_class(core: str) -> str:
    for suffix, cls in (("学校", "School"), ("学院", "School"), ("大学", "School"), ("中学", "School"),
                        ("校", "School"), ("公司", "Enterprise"), ("集团", "Enterprise"), ("协会", "Association"),
                        ("联合会", "Association"), ("工会", "MassOrganization"), ("政府", "PeoplesGovernment"),
                        ("委员会", "Committee"), ("管委会", "Committee"), ("局", "Bureau"), ("厅", "Department"),
                        ("委", "Commission"), ("办", "Office"), ("办公室", "Office"), ("中心", "PublicInstitution")):
        if core.endswith(suffix):
            return cls
    return "Organization"
