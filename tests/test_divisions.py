"""Administrative divisions come from cpca's data plus the documented change table."""
from __future__ import annotations

import pytest
from conftest import fresh_python

from loaders.divisions import division_table, short_name


def test_chains_with_codes():
    t = division_table()
    assert t.jurisdiction(t.resolve("五华区").code).city == "昆明市"
    j = t.jurisdiction(t.resolve("中宁县").code)
    assert (j.province, j.city, j.county, j.code) == ("宁夏回族自治区", "中卫市", "中宁县", "640521")
    j = t.jurisdiction(t.resolve("呼图壁县").code)
    assert (j.province, j.city) == ("新疆维吾尔自治区", "昌吉回族自治州")


def test_short_names():
    assert short_name("昌吉回族自治州") == "昌吉"
    assert short_name("宁夏回族自治区") == "宁夏"
    assert short_name("巴音郭楞蒙古自治州") == "巴音郭楞"
    t = division_table()
    assert t.resolve("昌吉州").name == "昌吉回族自治州"


def test_ambiguous_short_name_needs_context():
    t = division_table()
    assert t.resolve("五华") is None  # 五华区 (昆明) or 五华县 (梅州)
    assert t.resolve("五华", t.resolve("昆明市").code).name == "五华区"


def test_later_boundary_changes_apply():
    t = division_table()
    assert t.resolve("马龙县").name == "马龙区"  # 2018
    j = t.jurisdiction(t.resolve("莱城区").code)
    assert (j.city, j.county) == ("济南市", "莱芜区")  # 2019
    assert t.resolve("会理县").name == "会理市"


def test_data_read_without_importing_cpca():
    """cpca's __init__ needs pkg_resources (absent from Python 3.12+ virtual environments) and builds a matcher
    nothing here uses: its data files are read from the installed package's folder instead."""
    code = ("import sys\n"
            "from loaders.divisions import division_table, short_name\n"
            "t = division_table()\n"
            "assert t.by_code['530302'].name == '麒麟区', t.by_code['530302']\n"
            "assert short_name('宁夏回族自治区') == '宁夏'\n"
            "print(sorted(m for m in ('cpca', 'pkg_resources') if m in sys.modules))\n")
    assert fresh_python(code).strip() == "[]"


def test_missing_cpca_is_named(monkeypatch):
    import loaders.divisions as divisions

    monkeypatch.setattr(divisions, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match="cpca"):
        divisions.cpca_resource("adcodes.csv")
