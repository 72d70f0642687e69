"""Reading: formats, encodings detected (not assumed), and bad files refused with a clear reason."""
from __future__ import annotations

from pathlib import Path

import pytest

from loaders.read import LoaderError, decode_bytes, html_text, iter_paths, read_source

TEXT = "中卫市人民政府关于深化产教融合的实施意见\n各县（区）人民政府：\n责任单位：市教育局\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_encodings_are_detected(tmp_path, encoding):
    path = tmp_path / "doc.txt"
    path.write_bytes(TEXT.encode(encoding))
    assert read_source(path).text == TEXT


def test_big5_traditional_file_is_decoded(tmp_path):
    traditional = "臺中市政府關於推動產教融合之實施計畫\n由市教育局牽頭，市勞工局配合。\n"
    path = tmp_path / "big5.txt"
    path.write_bytes(traditional.encode("big5"))
    source = read_source(path)
    assert source.encoding == "big5"
    assert source.text == traditional


def test_utf8_cut_mid_character_at_end_still_reads(tmp_path):
    data = TEXT.encode("utf-8")
    path = tmp_path / "cut.txt"
    path.write_bytes(data[:-2])  # the last character's bytes cut off
    assert read_source(path).text.startswith("中卫市人民政府")


@pytest.mark.parametrize("content, reason", [
    (b"", "empty file"),
    (bytes(range(256)) * 20, "binary content"),
])
def test_bad_files_are_refused_with_reason(tmp_path, content, reason):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(LoaderError) as err:
        read_source(path)
    assert reason in str(err.value)
    assert str(path) in str(err.value)


def test_too_large_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes("产教融合。\n".encode() * 200_000)  # ~3 MB
    with pytest.raises(LoaderError, match="too large"):
        read_source(path, max_mb=1)


def test_unsupported_suffix_and_missing_file(tmp_path):
    (tmp_path / "a.xls").write_bytes(b"x")
    with pytest.raises(LoaderError, match="unsupported file type"):
        read_source(tmp_path / "a.xls")
    with pytest.raises(LoaderError, match="no such file"):
        read_source(tmp_path / "missing.txt")


def test_docx_paragraphs_and_tables(tmp_path):
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph("楚雄州推进产教融合重点任务分工方案")
    table = d.add_table(rows=3, cols=3)
    for i, row in enumerate([["序号", "重点任务", "牵头单位"], ["1", "建设实训基地。", "州发展改革委"],
                             ["2", "推行学徒制。", ""]]):
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    table.cell(1, 2).merge(table.cell(2, 2))  # a vertically merged cell
    path = tmp_path / "plan.docx"
    d.save(path)
    text = read_source(path).text
    assert text.splitlines()[0] == "楚雄州推进产教融合重点任务分工方案"
    assert "1\t建设实训基地。\t州发展改革委" in text
    assert "2\t推行学徒制。\t州发展改革委" in text  # the merged cell repeats


def test_corrupt_docx_is_refused(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(LoaderError, match="not a readable .docx"):
        read_source(path)


def test_pdf_text_layer(tmp_path):
    from pathlib import Path

    fixture = Path(__file__).parent / "fixtures" / "sample.pdf"
    text = read_source(fixture).text
    assert "产教融合" in text and "市教育局牵头" in text


def test_pdf_without_text_layer_is_refused(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]"
                     b"/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
                     b"trailer<</Root 1 0 R>>\n%%EOF")
    with pytest.raises(LoaderError, match="no text layer|not a readable PDF"):
        read_source(path)


HTML = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>昆明市教育体育局关于做好职业教育工作的通知_昆明市人民政府</title></head><body>
<div class="top-nav"><a>首页</a><a>政务公开</a></div>
<div class="breadcrumb">首页 &gt; 政务公开 &gt; 通知公告</div>
<p>【热点】办证找我们 联系QQ 123456</p>
<div class="article"><h1>昆明市教育体育局关于做好职业教育工作的通知</h1>
<div class="info">发布时间：2023-03-01 来源：昆明市教育体育局 <span class="share">分享到：微信 微博</span></div>
<p>各县（市、区）教育体育局：</p><p>一、加强实训基地建设。（市教育体育局牵头）</p>
<table><tr><td>序号</td><td>重点任务</td><td>牵头单位</td></tr>
<tr><td>1</td><td><p>建设</p><p>实训基地。</p></td><td>市教育体育局</td></tr></table>
<script>alert(1)</script></div><div class="footer">版权所有：昆明市人民政府 滇ICP备12345号</div></body></html>"""


def test_html_drops_page_chrome_and_spam_before_title():
    text = html_text(HTML)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert lines[0] == "昆明市教育体育局关于做好职业教育工作的通知"
    for chrome in ("首页", "办证", "分享到", "版权所有", "alert"):
        assert chrome not in text
    assert "1\t建设 实训基地。\t市教育体育局" in text  # a table row is one tab-separated line


def test_html_file_in_gb2312(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(HTML.replace("utf-8", "gb2312").encode("gb2312"))
    assert "各县（市、区）教育体育局：" in read_source(path).text


def test_decode_prefers_plausible_chinese():
    text = "市人力资源和社会保障局牵头，市财政局配合，建立职业技能培训制度。"
    assert decode_bytes(text.encode("gbk"))[0] == text


def test_iter_paths_expands_folders(tmp_path):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.html").write_text("x", encoding="utf-8")
    (tmp_path / "c.png").write_bytes(b"x")
    assert [p.name for p in iter_paths([tmp_path])] == ["a.txt", "b.html"]


def test_file_names_are_iter_paths_as_strings_in_the_same_order(tmp_path):
    """The build keeps its inputs as strings (a Path costs ~1 KB a file): the same files, in Path's order — part by
    part, so a/b comes before a-c although "-" sorts before "/" in a string."""
    from loaders.read import file_names

    for name in ("a/b.txt", "a-c.txt", "a/z/y.txt", "a.b/c.txt", "B.txt", "b.txt", "数据/甲.txt", "数据-乙.txt",
                 "a/.hidden.txt", "a/x.docx", "a/x.png"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    names = file_names([tmp_path, tmp_path / "b.txt"])
    as_paths = sorted(q for q in tmp_path.rglob("*") if q.is_file() and q.suffix in (".txt", ".docx")
                      and not q.name.startswith("."))  # what iter_paths gave before it was made from file_names
    assert names == [str(q) for q in as_paths] + [str(tmp_path / "b.txt")]
    assert names.index(str(tmp_path / "a" / "b.txt")) < names.index(str(tmp_path / "a-c.txt"))
    assert all(isinstance(n, str) for n in names) and len(names) == 10


def test_a_folder_is_listed_as_rglob_lists_it_without_holding_a_path_per_file(tmp_path, monkeypatch):
    """file_names walks folders with os.scandir (rglob kept a set of every Path it gave: ~50 MB at 100k files) and
    gives the same strings in the same order: links to folders not followed, links to files kept, `.` as rglob
    names its files, case and separators ordered part by part."""
    from loaders.read import SUFFIXES, file_names

    for name in ("a/b.txt", "a b/c.HTM", "a-b/d.pdf", "A/e.text", "x.txt.d/f.html", "sub/deep/g.docx", ".h/i.txt",
                 "sub/.j.txt", "k.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "linked").symlink_to(tmp_path / "sub", target_is_directory=True)
    (tmp_path / "link.txt").symlink_to(tmp_path / "a" / "b.txt")

    def by_rglob(folder: Path) -> list[str]:
        return [str(q) for q in sorted(q for q in folder.rglob("*") if q.is_file() and q.suffix.lower() in SUFFIXES
                                       and not q.name.startswith("."))]

    assert file_names([tmp_path]) == by_rglob(tmp_path) and len(by_rglob(tmp_path)) == 8
    assert "linked" not in " ".join(file_names([tmp_path]))
    monkeypatch.chdir(tmp_path)
    assert file_names(["."]) == by_rglob(Path(".")) and "A/e.text" in file_names(["."])  # not ./A/e.text
    assert file_names([Path("sub")]) == by_rglob(Path("sub")) == ["sub/deep/g.docx"]
