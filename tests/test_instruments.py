"""Policy-instrument coding (loaders.instruments): a word lexicon, each decision with the words that fired."""
import pytest

from loaders.instruments import code_text, lexicon


def _codes(text, heading=None):
    return {c.typology: c.code for c in code_text(text, heading)}


@pytest.mark.parametrize("heading, text, rz, me", [
    ("加强实训基地建设", "建设一批共享型实训基地，开展教师培训和专业建设。", "supply", "capacity-building"),
    ("加大奖补支持力度", "对工作成效明显的机构给予奖补，落实税收优惠政策。", "environment", "inducement"),
    ("规范收费管理", "严禁收取保证金，不得违规收费，严格执行收费标准。", "environment", "mandate"),
    ("推进办学体制改革", "推动职业院校混合所有制改革，整合重组教育资源。", "environment", "system-changing"),
    ("营造良好氛围", "鼓励企业积极参与，宣传推广典型经验。", "environment", "exhortation"),
    ("扩大政府购买服务", "通过政府采购和购买服务方式，引入企业提供培训。", "demand", None),
])
def test_tasks_are_coded_by_their_words(heading, text, rz, me):
    codes = _codes(text, heading)
    assert codes.get("rothwell-zegveld") == rz
    if me:
        assert codes["mcdonnell-elmore"] == me


def test_the_words_that_fired_come_with_the_code():
    code = next(c for c in code_text("对企业给予奖补和贴息，落实奖补资金。") if c.typology == "mcdonnell-elmore")
    assert code.code == "inducement" and ("奖补", 2) in code.words


def test_who_carries_a_task_does_not_code_it():
    # 财政 and 人社 in the bodies' names are not instruments; only the task's own words count
    assert code_text("（责任单位：市财政局、市人力资源和社会保障局）") == []
    assert code_text("责任单位：市金融监管局") == []


def test_a_heading_weighs_more_than_a_passing_word():
    codes = _codes("完善考核办法和评价标准，加强师资培训。", "强化师资队伍建设")
    assert codes["rothwell-zegveld"] == "supply"


def test_every_concept_of_the_scheme_has_words():
    lex = lexicon()
    assert {t: [c for c, _ in cs] for t, cs in lex.typologies.items()} == {
        "rothwell-zegveld": ["environment", "supply", "demand"],
        "mcdonnell-elmore": ["mandate", "inducement", "capacity-building", "system-changing", "exhortation"]}
    assert all(words for cs in lex.typologies.values() for _, words in cs)


def _code_by_scanning(text, heading=None):
    """code_text as first written: every concept's words scanned in turn (the oracle of the inverted index)."""
    from loaders.instruments import HEADING_WEIGHT, _ROLES
    from loaders.records import InstrumentCode

    lex = lexicon()
    counts = lex.counts(_ROLES.sub("", text))
    for word, n in lex.counts(heading or "").items():
        counts[word] = counts.get(word, 0) + HEADING_WEIGHT * n
    out = []
    for typology, concepts in lex.typologies.items():
        best = None
        for code, words in concepts:
            fired = tuple((w, counts[w]) for w in words if w in counts)
            total = sum(n for _, n in fired)
            if total and (best is None or total > best[0]):
                best = (total, code, fired)
        if best is not None:
            out.append(InstrumentCode(typology, best[1], best[2]))
    return out


def test_the_index_of_words_codes_as_scanning_every_concept_does(examples_dir):
    """Ties, headings and words of several concepts: the sample documents' tasks and texts made of the lexicon's
    own words (every word once, then the words of two concepts of one typology in equal numbers)."""
    from loaders import extract_file

    tasks = [(t.text, t.heading) for f in sorted(examples_dir.glob("0*.txt")) for d in extract_file(f) for t in d.tasks]
    assert len(tasks) > 20
    lex = lexicon()
    made = []
    for typology, concepts in lex.typologies.items():
        made.append(("，".join(w for _, words in concepts for w in words), None))
        for (_, a), (_, b) in zip(concepts, concepts[1:]):
            made.append((f"{a[0]}，{b[0]}", None))  # one word each: the first listed wins the tie
            made.append((f"{b[0]}，{b[0]}", a[0]))  # the heading's word weighs three
    for text, heading in tasks + made:
        assert code_text(text, heading) == _code_by_scanning(text, heading), (text, heading)
