"""Agency resolution (GUIDE §5): prefixes, coordination, collectives, aliases, party organs."""
from __future__ import annotations

import pytest

from loaders.agencies import AgencyContext, AgencyResolver, split_items
from loaders.divisions import division_table


def resolver(place: str) -> AgencyResolver:
    table = division_table()
    div = table.resolve(place)
    return AgencyResolver(AgencyContext(table.jurisdiction(div.code), div.code))


def resolve(place: str, text: str) -> list[tuple[str, str, bool]]:
    return [(a.name, a.jurisdiction, a.collective) for a, _, _ in resolver(place).resolve_list(text)]


def test_relative_prefixes_resolve_to_the_documents_jurisdiction():
    assert resolve("中卫市", "市教育局") == [("中卫市教育局", "中卫市", False)]
    assert resolve("五华区", "区教育体育局、区总工会") == [("五华区教育体育局", "五华区", False),
                                                   ("五华区总工会", "五华区", False)]
    assert resolve("呼图壁县", "县教育局") == [("呼图壁县教育局", "呼图壁县", False)]
    assert resolve("宁夏回族自治区", "自治区教育厅") == [("宁夏回族自治区教育厅", "宁夏回族自治区", False)]
    assert resolve("楚雄彝族自治州", "州发展改革委")[0][0] == "楚雄彝族自治州发展改革委"


def test_market_regulation_is_not_a_city_prefix():
    assert resolve("呼图壁县", "市场监督管理局") == [("呼图壁县市场监督管理局", "呼图壁县", False)]


def test_bare_names_follow_a_prefixed_one():
    got = resolve("中卫市", "市发展改革委、教育局、云计算和大数据局")
    assert [g[0] for g in got] == ["中卫市发展改革委", "中卫市教育局", "中卫市云计算和大数据局"]


def test_coordinated_names_are_split():
    got = resolve("中卫市", "中宁、海原县人民政府")
    assert got == [("中宁县人民政府", "中宁县", False), ("海原县人民政府", "海原县", False)]
    got = resolve("中卫市", "市、县人民政府教育督导室")
    assert got == [("中卫市人民政府教育督导室", "中卫市", False), ("各县（区）人民政府教育督导室", "中卫市", True)]


def test_collective_actors_keep_their_ge():
    got = resolve("曲靖市", "各县<市、区>人民政府、曲靖经济技术开发区管委会")
    assert got[0] == ("各县（市、区）人民政府", "曲靖市", True)
    assert got[1][0] == "曲靖经济技术开发区管委会" and not got[1][2]
    assert resolve("中卫市", "市职业教育工作联席会议成员单位")[0][2] is True


def test_unspecified_parties_are_dropped():
    assert resolve("曲靖市", "有关部门、相关单位、各有关单位、市级相关行业主管部门、行业协会") == []
    assert [g[0] for g in resolve("曲靖市", "驻曲高校、相关行业协会")] == ["驻曲高校"]


def test_abbreviations_keep_surface_and_canonical():
    r = resolver("呼图壁县")
    (hr, _, _), (dev, _, _) = r.resolve_list("人社局、发改委")
    assert (hr.name, hr.canonical, hr.functional_type) == ("呼图壁县人社局", "呼图壁县人力资源和社会保障局", "人社")
    assert (dev.name, dev.canonical) == ("呼图壁县发改委", "呼图壁县发展和改革委员会")


def test_function_only_forms_expand_to_the_bureau():
    assert resolve("曲靖市", "人社部门") == [("曲靖市人力资源和社会保障局", "曲靖市", False)]
    assert [g[0] for g in resolve("曲靖市", "教育体育、工业信息等部门")] == ["曲靖市教育体育局", "曲靖市工业和信息化局"]
    assert resolve("呼图壁县", "园区")[0][0] == "呼图壁县园区管理委员会"
    assert resolve("呼图壁县", "政府办")[0][0] == "呼图壁县人民政府办公室"


def test_party_organs_and_the_youth_league():
    assert resolve("中卫市", "市委组织部")[0][0] == "中共中卫市委组织部"
    assert resolve("呼图壁县", "县委改革办")[0][0] == "中共呼图壁县委改革办"
    assert resolve("呼图壁县", "宣传部、网信办")[0][0] == "中共呼图壁县委宣传部"
    assert resolve("曲靖市", "共青团曲靖市委、团市委")[0][:2] == ("共青团曲靖市委", "曲靖市")
    assert resolve("曲靖市", "团市委")[0][0] == "共青团曲靖市委"


def test_schools_unions_and_named_places():
    got = resolve("五华区", "昆明市第一职业中等专业学校、区总工会")
    assert got == [("昆明市第一职业中等专业学校", "昆明市", False), ("五华区总工会", "五华区", False)]
    assert resolve("呼图壁县", "中职校")[0][0] == "呼图壁县中职校"
    assert resolve("中卫市", "中卫工业园区管委会") == [("中卫工业园区管委会", "中卫市", False)]


def test_short_place_name_in_a_signature():
    a = resolver("五华区").resolve_one("五华发展和改革局")[0]
    assert (a.jurisdiction, a.canonical) == ("五华区", "五华区发展和改革局")


def test_split_items_respects_brackets():
    assert [i for i, _ in split_items("各县（市、区）人民政府，市财政局及相关部门")] == [
        "各县（市、区）人民政府", "市财政局", "相关部门"]


@pytest.mark.parametrize("word", ["学生", "校企", "全社会"])
def test_non_organisations_are_not_agencies(word):
    assert resolve("曲靖市", word) == []


def test_a_list_closed_by_deng_he_splits_before_the_next_party():
    from loaders.agencies import split_items

    assert [x for x, _ in split_items("扶贫办、教育部、全国总工会等和各省级人民政府")] == \
        ["扶贫办", "教育部", "全国总工会", "各省级人民政府"]
    assert [x for x, _ in split_items("工业和信息化部、文化和旅游部")] == ["工业和信息化部", "文化和旅游部"]


def test_collectives_of_governments_of_a_level_stay_even_with_youguan():
    from loaders.agencies import AgencyContext, AgencyResolver
    from loaders.records import Jurisdiction

    r = AgencyResolver(AgencyContext(Jurisdiction(None, None, None), None))
    assert not r.is_unspecified("各有关省级人民政府") and not r.is_unspecified("各省级人民政府")
    assert r.is_unspecified("有关部门") and r.is_unspecified("各级人民政府") and r.is_unspecified("各有关单位")


def test_a_place_prefix_before_a_department_is_a_place_not_a_word():
    from loaders.extract import extract_string

    (doc,) = extract_string("昆明市人民政府关于养老的意见\n一、体系\n1.健全制度。发布清单。（市民政局牵头，市场监管局配合）\n")
    (task,) = doc.tasks
    assert [a.name for a in task.lead] == ["昆明市民政局"]  # 市 + 民政局, never 市民 + 政局
    assert [a.name for a in task.cooperating] == ["昆明市市场监管局"]  # 市场 is a word: the city's bureau


def test_collectives_of_levels_are_one_item():
    assert [x for x, _ in split_items("市民政局、各区、市政府")] == ["市民政局", "各区、市政府"]
    assert [x for x, _ in split_items("各区、县级市政府、市财政局")] == ["各区、县级市政府", "市财政局"]
    assert [x for x, _ in split_items("各区、市民政局")] == ["各区", "市民政局"]


def _name(step, item: str) -> str | None:
    got = step(item, None)
    return None if got is None or got[0] is None else got[0].name


@pytest.mark.parametrize("step, item, name", [
    ("resolve_collective", "各县（区）人民政府", "各县（区）人民政府"),
    ("resolve_collective", "市教育局", None),
    ("resolve_league", "团市委", "共青团中卫市委"),
    ("resolve_league", "市教育局", None),
    ("resolve_party", "市委组织部", "中共中卫市委组织部"),
    ("resolve_party", "市教育局", None),
    ("resolve_party_place", "中共中卫市委宣传部", "中共中卫市委宣传部"),
    ("resolve_inner_place", "共青团中卫市委", "共青团中卫市委"),
    ("resolve_leading_place", "中宁县人民政府", "中宁县人民政府"),
    ("resolve_leading_place", "市教育局", None),
    ("resolve_relative", "市教育局", "中卫市教育局"),
    ("resolve_relative", "市场监督管理局", None),
    ("resolve_national", "国务院教育行政部门", "教育部"),
    ("resolve_national", "教育行政部门", None),  # a local document: not the ministry
])
def test_each_small_resolver_answers_for_its_own_names_and_passes_on_the_rest(step, item, name):
    assert _name(getattr(resolver("中卫市"), step), item) == name


def test_the_bare_resolver_is_the_last_and_takes_the_documents_level():
    agency, _ = resolver("中卫市").resolve_bare("教育局", None)
    assert agency.name == "中卫市教育局"


def test_a_collective_with_its_levels_in_square_brackets_stays_one_body():
    """江西 site copies write 各市、县〔区〕人民政府: 〔〕 is a bracket there, as （） is (GUIDE §5, §7)."""
    from loaders.agencies import AgencyContext, AgencyResolver
    from loaders.divisions import division_table
    from loaders.metadata import jurisdiction_of

    juris = jurisdiction_of(division_table().by_code["360000"])
    resolver = AgencyResolver(AgencyContext(juris, juris.code))
    got = [a.name for a, _, _ in resolver.resolve_list("各市、县〔区〕人民政府，省金融办")]
    assert got == ["各市、县（区）人民政府", "江西省金融办"]


def test_a_collective_after_he_is_its_own_item():
    """省财政厅和各市、县〔区〕人民政府: 和 before a 各… collective joins two parties; 和 inside a name
    (人力资源和社会保障局) does not."""
    from loaders.agencies import split_items

    assert [x for x, _ in split_items("省金融监管局、省财政厅和各市、县〔区〕人民政府")] == [
        "省金融监管局", "省财政厅", "各市、县〔区〕人民政府"]
    assert [x for x, _ in split_items("市人力资源和社会保障局")] == ["市人力资源和社会保障局"]


def test_a_list_with_nothing_to_split_at_is_one_item_as_the_scan_finds():
    """split_items's shortcut for a list with none of its separators gives what the scan gives: one stripped item
    at its offset, nothing for a blank."""
    from loaders import agencies

    for text in ["市教育局", "  区农业农村局 ", "中宁（海原）县人民政府", "\u3000", "", "市发展改革委\t"]:
        assert agencies._SPLITTERS.isdisjoint(text)
        scanned = agencies.split_items(text + "、") if text.strip() else []  # the scan's path, then its last item
        assert agencies.split_items(text) == scanned[:1]
