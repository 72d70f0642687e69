"""Task cascade (kg.cascade): the items of a national document that a provincial plan's tasks carry down."""
from pathlib import Path

import pytest

from kg.build import build
from kg.cascade import cascade
from kg.queries import CASCADE, DROPPED, paging
from kg.stores.ladybug import LadybugReader
from loaders import extract_file

CHAIN = Path(__file__).resolve().parent.parent / "examples" / "lineage"


@pytest.fixture(scope="module")
def chain():
    local = extract_file(CHAIN / "L02_jiangxi_rongzidanbao.txt")[1]
    parent = extract_file(CHAIN / "L01_national_rongzidanbao.txt")[0]
    return local, parent


def test_tasks_are_matched_with_the_items_they_carry_down(chain):
    local, parent = chain
    links = {(local.tasks[x.task].number, parent.provisions[x.provision].number) for x in cascade(local, parent)}
    # read against both texts: same heading and copied sentences; a task that merges two items has both
    for pair in [("9.", "（十一）"), ("12.", "（二十三）"), ("19.", "（十五）"), ("25.", "（二十四）"),
                 ("3.", "（二十）"), ("13.", "（八）"), ("13.", "（九）"), ("22.", "（二十六）")]:
        assert pair in links, pair
    assert len(links) >= 20
    assert not any(task == "9." and item != "（十一）" for task, item in links)


def test_an_item_no_task_carries_is_reported(chain):
    local, parent = chain
    carried = {x.provision for x in cascade(local, parent)}
    dropped = {parent.provisions[k].number for k in range(len(parent.provisions)) if k not in carried}
    assert "（一）" in dropped  # 指导思想: guiding ideology, no task of its own
    assert len(dropped) <= 5


def test_a_document_without_tasks_cascades_nothing(chain):
    local, parent = chain
    assert cascade(parent, local) == []  # the national opinion assigns no bodies


def test_cascade_in_the_graph_with_bodies_and_dropped_items(tmp_path):
    report = build(sorted(CHAIN.glob("*.txt")), tmp_path, jobs=1)
    assert report.conforms
    with LadybugReader(tmp_path) as db:
        uri = db.run("MATCH (d:Document) WHERE d.reuse_share IS NOT NULL RETURN d.uri")[1][0][0]
        cols, rows = db.run(CASCADE.cypher, {"uri": uri, **paging(0)})
        assert {"task", "agency", "role", "parent_item", "score"} <= set(cols)
        row = next(dict(zip(cols, r)) for r in rows if r[cols.index("task")] == "9.")
        assert row["parent_item"] == "（十一）" and row["agency"] and row["role"] in ("牵头", "责任", "配合")
        cols, rows = db.run(DROPPED.cypher, {"uri": uri, **paging(0)})
        assert "（一）" in [r[cols.index("parent_item")] for r in rows]


NATIONAL = """国务院办公厅关于深化职业教育校企合作的意见
国办发〔2030〕1号
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
为推进职业教育校企合作，现提出如下意见。
一、重点任务
（一）建设产教融合实训基地。支持职业院校与行业龙头企业共建共享一批高水平产教融合实训基地，推动实训基地面向社会开放共享。（教育部牵头，国家发展改革委、财政部负责）
（二）完善校企合作激励政策。对深度参与校企合作的企业按规定落实税收优惠和金融支持政策，将校企合作成效纳入考核评价。（财政部、税务总局负责）
（三）加强双师型教师队伍建设。建立职业院校教师到企业实践制度，每五年累计不少于6个月，推动企业技术人员到职业院校兼职任教。（教育部、人力资源社会保障部负责）
国务院办公厅
2030年1月10日
"""
PROVINCIAL = """云南省人民政府办公厅关于深化职业教育校企合作的实施意见
云政办发〔2030〕5号
各州、市人民政府，省直各委、办、厅、局：
为贯彻落实《国务院办公厅关于深化职业教育校企合作的意见》（国办发〔2030〕1号）精神，结合我省实际，提出如下实施意见。
一、重点任务
（一）建设一批产教融合实训基地。支持职业院校与行业龙头企业共建共享一批高水平产教融合实训基地，推动实训基地面向社会开放共享，到2032年建成20个省级实训基地。（省教育厅牵头，省发展改革委、省财政厅负责）
（二）加强双师型教师队伍建设。建立职业院校教师到企业实践制度，推动企业技术人员到职业院校兼职任教。（省教育厅、省人力资源社会保障厅负责）
（三）开展职业院校招生宣传。每年组织职业教育活动周，宣传技术技能人才成长成才典型。（省教育厅负责）
云南省人民政府办公厅
2030年2月1日
"""


def test_a_ministry_task_is_carried_by_the_provincial_bureaus_of_its_function(tmp_path):
    """The issue's case: （教育部牵头…） above, （省教育厅牵头…） below — matched, the bodies paired by function."""
    from kg.queries import CASCADE_BODIES
    from loaders import extract_string

    national, provincial = extract_string(NATIONAL, "n.txt")[0], extract_string(PROVINCIAL, "p.txt")[0]
    links = {(provincial.tasks[x.task].number, national.provisions[x.provision].number): x
             for x in cascade(provincial, national)}
    assert set(links) == {("（一）", "（一）"), ("（二）", "（三）")}  # （三）招生宣传 carries nothing from above
    assert all(x.agencies_alike and x.heading_alike for x in links.values())
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "n.txt").write_text(NATIONAL, encoding="utf-8")
    (tmp_path / "in" / "p.txt").write_text(PROVINCIAL, encoding="utf-8")
    report = build(sorted((tmp_path / "in").glob("*.txt")), tmp_path / "out", jobs=1)
    assert report.conforms
    with LadybugReader(tmp_path / "out") as db:
        uri = db.run("MATCH (d:Document {doc_number: '云政办发〔2030〕5号'}) RETURN d.uri")[1][0][0]
        cols, rows = db.run(CASCADE_BODIES.cypher, {"uri": uri, **paging(0)})
        assert rows[0] == ["教育部", "教育", "云南省教育厅", "教育", 2] and len(rows) > 2
        # a path of two hops of either type is the one through the provision, which the query named before
        two_hops = "-[:CASCADES_FROM|STATES_TASK*2..2]->"
        assert two_hops in CASCADE_BODIES.cypher
        through = CASCADE_BODIES.cypher.replace(two_hops, "-[:CASCADES_FROM]->(:Provision)-[:STATES_TASK]->")
        for page in (paging(0), paging(2, 2)):
            assert db.run(CASCADE_BODIES.cypher, {"uri": uri, **page}) == db.run(through, {"uri": uri, **page})
        cols, rows = db.run(DROPPED.cypher, {"uri": uri, **paging(0)})
        assert [r[cols.index("parent_item")] for r in rows] == ["（二）"]
