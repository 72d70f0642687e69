"""Role clauses (GUIDE §4, §6): who leads, is responsible for, cooperates on a task; deadlines; targets."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from .patterns import parse_date
from .records import Deadline, Target
from .vocab import Vocabulary, vocabulary

ROLES = ("lead", "responsible", "cooperating")


@dataclass(frozen=True)
class RoleList:
    """A written list of agencies with the role it is given; offsets into the analysed text."""

    role: str
    text: str
    start: int
    end: int


@dataclass
class RoleClause:
    """One assignment as written: a parenthetical, label lines, an inline 由…牵头 or a subject clause."""

    kind: str  # parenthetical | label | inline | subject
    start: int
    end: int
    lists: list[RoleList] = field(default_factory=list)
    deadline: tuple[str, int, int] | None = None


_ADVERBS = r"(?:密切|积极|共同|协同|全力|主动|具体|分别)?"


def _alternation(words: list[str]) -> str:
    return "|".join(map(re.escape, sorted(set(words), key=len, reverse=True)))


class RolePatterns:
    """Regular expressions built from the role words of extraction_rules.toml."""

    def __init__(self, vocab: Vocabulary | None = None):
        vocab = vocab or vocabulary()
        r = vocab.rules["roles"]
        self.verb_role: dict[str, str] = {}
        for role, key in (("cooperating", "cooperating"), ("responsible", "responsible"), ("lead", "lead")):
            for w in r[key]:
                self.verb_role[w] = role
        verbs = _alternation(list(self.verb_role))
        self.verb_endings = tuple(self.verb_role)  # segment_verb matches only what ends so: one test first
        self.segment_verb = re.compile(rf"^(?P<items>.*?)(?:会同(?P<with>.*?))?{_ADVERBS}(?P<verb>{verbs})$")
        self.label_role: dict[str, str] = {}
        for role, key in (("lead", "lead_labels"), ("responsible", "responsible_labels"),
                          ("cooperating", "cooperating_labels")):
            for w in r[key]:
                self.label_role[w] = role
        for w in r["deadline_labels"]:
            self.label_role[w] = "deadline"
        self.label = re.compile(rf"({_alternation(list(self.label_role))})\s*[:：]")
        self.ongoing = r["ongoing_words"]
        # a subject may list bodies (国务院教育行政部门、人力资源社会保障行政部门) and end in 部门
        self.subject = re.compile(r"(?:^|(?<=[。；;，,\n]))(?P<subject>[^，。；：\s“”,;:]{1,40}?[局委办府会室部心校联门])"
                                  rf"(?P<verb>{_alternation(r['subject_verbs'])})")
        self.subject_lead = set(r.get("subject_lead_verbs", []))
        self.deadline_like = re.compile(r"(\d{4}\s*年|年底|年内|月底|前完成|长期坚持|持续推进|长期|每年|逐年)")


def _split_top(text: str, seps: str = "，,；;") -> list[tuple[str, int]]:
    out, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c in "（(<〈【[":
            depth += 1
        elif c in "）)>〉】]":
            depth = max(0, depth - 1)
        elif depth == 0 and c in seps:
            out.append((text[start:i], start))
            start = i + 1
    out.append((text[start:], start))
    return [(s, o) for s, o in out if s.strip()]


def parse_role_text(content: str, base: int, pats: RolePatterns, only_roles: bool = False) -> RoleClause | None:
    """Parse 'X、Y牵头，Z配合' / 'X会同有关部门负责' / 'X按照职责分工负责' into role lists.

    With only_roles, every segment must be a role clause (no trailing prose) or nothing is returned.
    """
    clause = RoleClause("parenthetical", base, base + len(content))
    pending: list[tuple[str, int]] = []
    found_verb = False
    for seg, off in _split_top(content):
        s = seg.rstrip("。. ")
        lead_ws = len(s) - len(s.lstrip())
        s = s.strip()
        off += lead_ws
        m = pats.segment_verb.match(s) if s.endswith(pats.verb_endings) else None
        if m and m.group("items").strip():
            role = pats.verb_role[m.group("verb")]
            if m.group("verb") == "负责" and m.group("items").endswith("牵头"):
                role = "lead"
            items = m.group("items")
            if items.endswith("牵头"):
                items = items[:-2]
                role = "lead"
            for p_text, p_off in pending:
                clause.lists.append(RoleList(role, p_text, base + p_off, base + p_off + len(p_text)))
            pending = []
            clause.lists.append(RoleList(role, items, base + off, base + off + len(items)))
            if m.group("with"):
                w_off = off + m.start("with")
                clause.lists.append(RoleList("responsible" if role != "cooperating" else role, m.group("with"),
                                             base + w_off, base + w_off + len(m.group("with"))))
            found_verb = True
        elif pats.deadline_like.search(s) and found_verb:
            clause.deadline = (s, base + off, base + off + len(s))
        else:
            pending.append((s, off))
    if only_roles and pending:
        return None
    return clause if found_verb else None


_PAREN = re.compile(r"[（(\[【［]([^（()）\[\]【】［］]{2,400}?(?:[（(][^（()）]{0,20}[)）][^（()）\[\]【】]{0,300}?)*)"
                    r"[)）\]】］]")


def _without_convention_note(content: str, notes: list[str]) -> str:
    """（A、B负责。列第一位者为牵头单位，下同） → A、B负责; （A牵头，B负责落实。以下各项工作均需B负责落实，不再一一
    列出。） → A牵头，B负责落实: a note that states a convention or a blanket assignment is no party of the item."""
    cut = min((i for note in notes if (i := content.find(note)) > 0), default=-1)
    for pattern in vocabulary().blanket_assignments:
        m = pattern.search(content)
        if m and m.start() > 0 and (cut < 0 or m.start() < cut):
            cut = m.start()
    return content[:cut].rstrip("。，,；; ") if cut > 0 else content


def _without_bracketed_note(value: str, notes: list[str]) -> str:
    """责任单位：A、B（第一责任单位为牵头单位，下同） → A、B: a bracket stating a convention is no party."""
    for m in re.finditer(r"[（(]([^（()）]*)[)）]", value):
        if any(note in m.group(1) for note in notes):
            return value[:m.start()]
    return value


def find_parentheticals(text: str, pats: RolePatterns) -> list[RoleClause]:
    """Role parentheticals: （市教育局牵头，市财政局配合）, (区教育体育局会同有关部门负责)."""
    out = []
    notes = vocabulary().rule("conventions", "first_listed_leads")
    for m in _PAREN.finditer(text):
        content = _without_convention_note(m.group(1), notes)
        if pats.label.search(content):
            clause = parse_labels(content, m.start(1), pats)
        else:
            clause = parse_role_text(content, m.start(1), pats)
        if clause is not None and clause.lists:
            clause.kind = "parenthetical"
            clause.start, clause.end = m.start(), m.end()
            out.append(clause)
    return out


_LAST_SENTENCE = re.compile(r"(?:^|(?<=[。；;]))(?P<s>[^。；;\n]{2,120})。?[ \t]*(?=\n|$)")


def find_trailing_sentences(text: str, pats: RolePatterns) -> list[RoleClause]:
    """A paragraph that ends with a bare assignment: …。市教育局牵头，市财政局配合。 (checked strictly later)."""
    out = []
    for m in _LAST_SENTENCE.finditer(text):
        sentence = m.group("s")
        if "（" in sentence or "(" in sentence[:1] or sentence.lstrip().startswith("由"):
            continue
        clause = parse_role_text(sentence, m.start("s"), pats, only_roles=True)
        if clause is not None and clause.lists:
            clause.kind = "sentence"
            clause.start, clause.end = m.start("s"), m.end("s")
            out.append(clause)
    return out


def parse_labels(text: str, base: int, pats: RolePatterns) -> RoleClause | None:
    """Label lines: 责任单位：…  配合单位：…  完成时限：… (also bracketed and on one line)."""
    marks = list(pats.label.finditer(text))
    if not marks:
        return None
    clause = RoleClause("label", base + marks[0].start(), base + len(text))
    notes = vocabulary().rule("conventions", "first_listed_leads")
    for k, m in enumerate(marks):
        v_start = m.end()
        v_end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        value = _without_bracketed_note(text[v_start:v_end], notes)
        stripped = value.rstrip(" \n\t，,；;。]】）)").lstrip(" \t")
        s_off = v_start + (len(value) - len(value.lstrip(" \t")))
        role = pats.label_role[m.group(1)]
        if not stripped:
            continue
        if role == "deadline":
            clause.deadline = (stripped, base + s_off, base + s_off + len(stripped))
        else:
            clause.lists.append(RoleList(role, stripped, base + s_off, base + s_off + len(stripped)))
    return clause


_INLINE_BY = re.compile(r"由(?P<x>[^。；;！？由，,\n]{2,80}?)(?P<verb>牵头负责|牵头|负责)")
_INLINE_LEAD = re.compile(r"(?:^|(?<=[，,。；;：:\n]))(?P<pre>建立|形成|建立由|实行)?(?P<x>[^，,。；;：:\n由]{2,40}?)牵头"
                          r"[，,、](?P<y>[^。；;，,\n]{2,240}?)" + _ADVERBS +
                          r"(?P<verb>配合|参与|协助|按照职责分工负责|按职责分工负责|分工负责|负责)")


_SENTENCE_STOP = re.compile(r"[。；;]")


def covered(intervals: list[tuple[int, int]]):
    """A test `pos → is a <= pos < b for some (a, b)`, in log time (sorted starts, running maximum of ends)."""
    spans = sorted(intervals)
    starts = [a for a, _ in spans]
    reach, best = [], -1
    for _, b in spans:
        best = max(best, b)
        reach.append(best)

    def test(pos: int) -> bool:
        i = bisect.bisect_right(starts, pos) - 1
        return i >= 0 and reach[i] > pos
    return test


def find_inline(text: str, pats: RolePatterns) -> list[RoleClause]:
    """Inline assignments in running text: 由X牵头，Y配合…; 建立X牵头、Y参与的…机制."""
    out: list[RoleClause] = []
    for m in _INLINE_BY.finditer(text):
        clause = RoleClause("inline", m.start(), m.end())
        role = "responsible" if m.group("verb") == "负责" else "lead"
        clause.lists.append(RoleList(role, m.group("x"), m.start("x"), m.end("x")))
        rest = text[m.end():m.end() + 300]  # a bounded look ahead: the next clause is at most ~130 characters
        nxt = re.match(rf"^[，,](?P<y>[^，,。；;\n]{{2,120}}?){_ADVERBS}(?P<verb>配合|参与|协助|分工负责|负责)(?=[，,。；;]|$)",
                       rest)
        if nxt:
            role = "cooperating" if nxt.group("verb") in ("配合", "参与", "协助") else "responsible"
            y0 = m.end() + nxt.start("y")
            clause.lists.append(RoleList(role, nxt.group("y"), y0, y0 + len(nxt.group("y"))))
            clause.end = m.end() + nxt.end()
        out.append(clause)
    taken = covered([(c.start, c.end) for c in out])
    for m in _INLINE_LEAD.finditer(text):
        if taken(m.start("x")):
            continue
        clause = RoleClause("inline", m.start("x"), m.end())
        clause.lists.append(RoleList("lead", m.group("x"), m.start("x"), m.end("x")))
        y_role = "cooperating" if m.group("verb") in ("配合", "参与", "协助") else "responsible"
        clause.lists.append(RoleList(y_role, m.group("y"), m.start("y"), m.end("y")))
        out.append(clause)
    return sorted(out, key=lambda c: c.start)


def find_subjects(text: str, pats: RolePatterns) -> list[RoleClause]:
    """Subject clauses: 县教育局要把…; 县人民政府加强组织领导 — candidates, validated by the caller."""
    out = []
    stops = [m.end() for m in _SENTENCE_STOP.finditer(text)]  # one pass; each clause bisects into it
    for m in pats.subject.finditer(text):
        s = m.start("subject")
        i = bisect.bisect_right(stops, s)
        end = stops[i] if i < len(stops) else len(text)
        clause = RoleClause("subject", s, end)
        role = "lead" if m.group("verb") in pats.subject_lead else "responsible"
        clause.lists.append(RoleList(role, m.group("subject"), s, m.end("subject")))
        out.append(clause)
    return out


def parse_deadline(text: str, pats: RolePatterns | None = None) -> Deadline:
    """A 完成时限 as written → Deadline(text, YYYY-MM[-DD] date, ongoing flag)."""
    ongoing = pats.ongoing if pats is not None else vocabulary().rules["roles"]["ongoing_words"]
    date = parse_date(text)
    if date is None:
        m = re.search(r"((?:19|20)\d{2})\s*年\s*(底|末|内)", text)
        if m:
            date = f"{m.group(1)}-12"
    return Deadline(text=text, date=date, ongoing=any(w in text for w in ongoing))


_TARGET = re.compile(
    r"(?=[不达超至力建培打新完\d])"  # a quick first-character test: the scan no longer tries every comparator at every character
    r"(?:(?P<cmp>不低于|不少于|不超过|达到|超过|至少|力争|建成|培育|建设|打造|新增|完成)\s{0,3})?"
    r"(?P<value>\d+(?:\.\d+)?)\s{0,3}(?:[-—–~～]\s{0,3}\d+(?:\.\d+)?)?\s{0,3}"
    r"(?P<unit>万人次|万人|人次|个|家|名|人|门|所|项|支|批|期|亩|万元|亿元|元|%|％|天|学时|课时|小时|次)"
    r"(?P<after>以上|以下|左右)?")
_YEAR = re.compile(r"((?:19|20)\d{2})\s{0,3}年")
_YEAR_AFTER = re.compile(r"\s{0,3}年")
SENTENCE_WINDOW = 400  # characters: a target's sentence is looked for this far either side


def find_targets(text: str) -> list[tuple[Target, int, int]]:
    """Quantitative targets in a task: 建成3个…实训基地 → 3 个; 占比超过50%; with the year stated."""
    out = []
    for m in _TARGET.finditer(text):
        value = float(m.group("value"))
        unit = m.group("unit").replace("％", "%")
        if unit in ("次", "天") and not m.group("cmp"):
            continue
        if (1990 <= value <= 2100 and unit != "%") or _YEAR_AFTER.match(text, m.end()):
            continue  # a year (2025个 is no count), or 3年 read as a figure
        # the sentence around the figure, looked for within a bounded window (linear in the text)
        lo = max(0, m.start() - SENTENCE_WINDOW)
        s_lo = max(text.rfind("。", lo, m.start()), text.rfind("；", lo, m.start()), text.rfind("\n", lo, m.start()))
        sentence_start = s_lo + 1 if s_lo >= 0 else lo
        hi = min(len(text), m.end() + SENTENCE_WINDOW)
        s_hi = min([i for i in (text.find("。", m.end(), hi), text.find("；", m.end(), hi)) if i >= 0] or [hi])
        years = [int(y.group(1)) for y in _YEAR.finditer(text, sentence_start, m.start())]
        cmp_word = m.group("cmp") or ""
        after = m.group("after") or ""
        before = text[max(sentence_start, m.start() - 6): m.start()]
        comparator = None
        if after == "以上" or cmp_word in ("不低于", "不少于", "超过", "至少") or re.search(r"(不低于|不少于|超过|至少|以上)$",
                                                                                 before):
            comparator = ">="
        elif after == "以下" or cmp_word == "不超过" or before.endswith("不超过"):
            comparator = "<="
        quote_start = max(sentence_start, m.start() - 12)
        quote_end = min(s_hi, m.end() + 20)
        out.append((Target(value=value, unit=unit, text=text[quote_start:quote_end].strip(),
                           year=years[-1] if years else None, comparator=comparator), m.start("value"),
                    m.end()))
    return out
