"""Findings a researcher can triage (issue 10 §6): each with its code and span; summed by kg extract --report
and in build-info.json."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from loaders import extract_string
from loaders.diagnostics import CODES, summarise

ROOT = Path(__file__).resolve().parent.parent


def codes(text: str) -> list[str]:
    return [d.code for doc in extract_string(text) for d in doc.diagnostics]


def test_every_finding_has_a_documented_code_and_clean_documents_have_none():
    clean = ("曲靖市人民政府办公室关于推进产教融合的实施方案\n各县（市、区）人民政府：\n为推进产教融合，制定本方案。\n"
             "一、建设实训基地。（市教育体育局牵头，市财政局配合）\n曲靖市人民政府办公室\n2021年3月1日\n")
    assert codes(clean) == []
    untitled = "一、任务\n（一）建设实训基地。（市教育体育局牵头）\n"
    assert codes(untitled)[:4] == ["no_title", "no_date", "no_issuer", "jurisdiction_unresolved"]
    assert set(codes(untitled)) <= set(CODES)


def test_repaired_and_borrowed_dates_and_unknown_agencies_are_reported_with_their_spans():
    repaired = extract_string("曲靖市教育体育局关于实训基地建设的通知\n各县（市、区）教育体育局：\n现通知如下。\n"
                              "曲靖市教育体育局\n2021116\n")[0]
    assert [d.code for d in repaired.diagnostics] == ["date_repaired"] and "2021-01-16" in repaired.diagnostics[0].message
    published = extract_string("曲靖市职业教育发展规划\n2017-08-03 12:24   曲靖市教育体育局\n为推进职业教育，制定本规划。\n")[0]
    assert "date_from_publication" in [d.code for d in published.diagnostics]
    unknown = extract_string("曲靖市推进产教融合的实施方案\n一、任务\n（一）建设基地。（市星火研究院牵头）\n")[0]
    (finding,) = [d for d in unknown.diagnostics if d.code == "agency_not_in_vocabulary"]
    assert finding.span is not None and finding.span.quote == "市星火研究院"


def test_findings_survive_the_cache_round_trip_and_are_summed():
    from loaders.serialize import documents_from_data, documents_to_data

    docs = extract_string("一、任务\n（一）建设实训基地。（市教育体育局牵头）\n")
    again = documents_from_data(json.loads(json.dumps(documents_to_data(docs))))
    assert [d.diagnostics for d in again] == [d.diagnostics for d in docs]
    # with no place known, 市教育体育局 cannot be resolved to a department either
    assert summarise(again) == {"agency_not_in_vocabulary": 1, "jurisdiction_unresolved": 1, "no_date": 1,
                                "no_issuer": 1, "no_title": 1}


def test_kg_extract_report_and_build_info_sum_the_findings_per_file(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "untitled.txt").write_text("一、任务\n（一）建设实训基地。（市教育体育局牵头）\n", encoding="utf-8")
    (tmp_path / "in" / "clean.txt").write_text(
        "曲靖市人民政府办公室关于推进产教融合的实施方案\n各县（市、区）人民政府：\n为推进产教融合，制定本方案。\n"
        "一、建设实训基地。（市教育体育局牵头，市财政局配合）\n曲靖市人民政府办公室\n2021年3月1日\n", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "kg", "extract", "--report", str(tmp_path / "in")],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert all("warnings" in json.loads(line) for line in res.stdout.splitlines())
    lines = res.stderr.splitlines()
    first = next(i for i, ln in enumerate(lines) if "untitled.txt" in ln)
    assert first < next(i for i, ln in enumerate(lines) if "clean.txt" in ln)  # the file to check comes first
    assert "no_title 1" in lines[first] and lines[-1].startswith("  total:")
    res = subprocess.run([sys.executable, "-m", "kg", "build", str(tmp_path / "in"), "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    info = json.loads((tmp_path / "out" / "build-info.json").read_text(encoding="utf-8"))
    assert info["warnings"]["total"]["no_title"] == 1 and list(info["warnings"]["files"]) == ["untitled.txt"]
