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
