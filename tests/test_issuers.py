"""Issuer codes of 文号 (GUIDE's 发文字号; ontology/vocab/issuer_codes.ttl): issuer, level and place of a cited
document that is not in the corpus."""
import pytest

from loaders import extract_string
from loaders.issuers import issuer_of


@pytest.mark.parametrize("code, near, body, level", [
    ("国办发", None, "国务院办公厅", "national"),
    ("国发", "530300", "国务院", "national"),  # national codes read the same anywhere
    ("教职成", None, "教育部", "national"),
    ("国卫基层发", None, "国家卫生健康委", "national"),  # a ministry's code followed by a bureau's
    ("国卫办", None, "国家卫生健康委办公厅", "national"),  # the longest national prefix wins
    ("赣府厅发", None, "江西省人民政府办公厅", "province"),  # a province's 简称 needs no context
    ("云政办发", "530302", "云南省人民政府办公厅", "province"),
    ("内蒙政发", None, "内蒙古自治区人民政府", "province"),  # a two-character 简称
    ("赣教职成", None, "江西省教育厅", "province"),  # not 教育部: a place opens it
    ("曲政办发", "530302", "曲靖市人民政府办公室", "city"),  # a city read near the citing document
    ("昆发改社会", "530102", "昆明市发展和改革委员会", "city"),  # organ code + the office's own suffix
    ("卫党办发", "640521", "中共中卫市委办公室", "city"),  # a city that uses its second character
    ("穗府办函", None, "广州市人民政府办公室", "city"),  # a capital's traditional short name
    ("粤卫办医函", None, "广东省卫生健康委员会", "province"),
])
def test_issuer_codes_name_body_and_level(code, near, body, level):
    issuer = issuer_of(code, near)
    assert issuer is not None and (issuer.body, issuer.level) == (body, level)


@pytest.mark.parametrize("code, near", [
    ("曲政办发", None),  # a city abbreviation without a citing place is not guessed
    ("曲政办发", "360000"),  # nor outside the citing document's province
    ("某某发", "530300"),  # an organ the tables do not know
    ("", None),
])
def test_unknown_or_ambiguous_codes_say_nothing(code, near):
    assert issuer_of(code, near) is None


def test_a_cited_stub_carries_issuer_level_and_year():
    text = ("曲靖市人民政府办公室关于印发曲靖市推进产教融合实施方案的通知\n曲政办发〔2020〕12号\n各县（市、区）人民政府：\n"
            "为贯彻落实《国务院办公厅关于深化产教融合的若干意见》（国办发〔2017〕95号）和《云南省人民政府办公厅关于深化产教"
            "融合的实施意见》（云政办发〔2018〕60号）精神，现将方案印发给你们。\n曲靖市人民政府办公室\n2020年3月1日\n")
    doc = extract_string(text)[0]
    assert doc.level == "city"
    got = {c.doc_number.text: (c.issuer.name if c.issuer else None, c.level, c.doc_number.year) for c in doc.citations}
    assert got == {"国办发〔2017〕95号": ("国务院办公厅", "national", 2017),
                   "云政办发〔2018〕60号": ("云南省人民政府办公厅", "province", 2018)}


def test_a_stub_without_number_takes_its_level_from_the_issuer_in_its_title():
    text = ("天津市职业教育事业发展十四五规划\n为贯彻落实《国务院关于加快发展现代职业教育的决定》和《天津市人民政府关于加快发展"
            "现代职业教育的意见》，制定本规划。\n")
    doc = extract_string(text)[0]
    got = {c.title: (c.level, c.issuer.name if c.issuer else None) for c in doc.citations}
    assert got["国务院关于加快发展现代职业教育的决定"] == ("national", "国务院")
    assert got["天津市人民政府关于加快发展现代职业教育的意见"] == ("province", "天津市人民政府")
