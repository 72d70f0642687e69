"""Citations (GUIDE §3) and 文号 parsing."""
from __future__ import annotations

import pytest

from loaders.citations import dedupe, find_citations, parse_doc_number


@pytest.mark.parametrize("written, expected", [
    ("曲政发[2019]24号", ("曲政发", 2019, 24)),
    ("曲政发〔2019〕24号", ("曲政发", 2019, 24)),
    ("教职成（2016）3号", ("教职成", 2016, 3)),
    ("云政办发﹝2018﹞60号", ("云政办发", 2018, 60)),
    ("国发〔2014〕19 号", ("国发", 2014, 19)),
    ("昆发改社会〔2019〕611号", ("昆发改社会", 2019, 611)),
    ("宁政规发 〔2020〕 3号", ("宁政规发", 2020, 3)),
    ("国办发［２０１７］９５号", ("国办发", 2017, 95)),
])
def test_doc_numbers_are_normalised_and_parsed(written, expected):
    n = parse_doc_number(written)
    assert (n.issuer_code, n.year, n.serial) == expected
    assert n.text == f"{expected[0]}〔{expected[1]}〕{expected[2]}号"


def test_not_a_doc_number():
    assert parse_doc_number("第327号") is None
    assert parse_doc_number("附件一") is None


def test_nested_title_and_number_after_it():
    text = ("根据《自治区人民政府关于印发〈深化产教融合推进职业教育改革发展实施方案〉的通知》（宁政规发〔2020〕3号）"
            "和《市委办公室 市人民政府办公室印发〈关于健全完善乡村治理体系提高治理能力的实施意见〉等5个实施意见的通知》"
            "（卫党办发〔2020〕41号）精神")
    found = find_citations(text)
    assert [(c.title, c.doc_number.text) for c in found] == [
        ("自治区人民政府关于印发〈深化产教融合推进职业教育改革发展实施方案〉的通知", "宁政规发〔2020〕3号"),
        ("市委办公室 市人民政府办公室印发〈关于健全完善乡村治理体系提高治理能力的实施意见〉等5个实施意见的通知",
         "卫党办发〔2020〕41号"),
    ]
    assert {c.relation for c in found} == {"based_on"}
    assert text[found[0].start:found[0].end].endswith("3号）")


def test_several_in_a_row_and_in_a_title():
    text = ("为贯彻落实《关于深化职业教育改革实施方案》(新政办发〔2020〕42号)、《昌吉州深化职业教育产教融合校企合作实施意见》"
            "(昌州政办〔2020〕78号)、《呼图壁县十四五发展规划纲要》等文件精神")
    found = find_citations(text)
    assert [c.title for c in found] == ["关于深化职业教育改革实施方案", "昌吉州深化职业教育产教融合校企合作实施意见",
                                        "呼图壁县十四五发展规划纲要"]
    assert found[2].doc_number is None
    assert found[0].relation == "applies"


def test_nested_guillemets_become_angle_brackets():
    found = find_citations("关于印发《教育部关于印发《职业学校校企合作促进办法》的通知》的通知")
    assert found[0].title == "教育部关于印发〈职业学校校企合作促进办法〉的通知"


def test_forms_books_and_material_lists_are_not_citations():
    text = ("同时配套制定了《学生实习安全协议书》、《学生实习管理日志》、《学生实习报告》、《教师巡查记录》等过程管理材料。"
            "被团中央收入《中等职业学校优秀社团 100 例》一书出版。执行《职业学校学生实习管理规定》（教职成（2016）3号）。")
    found = find_citations(text)
    assert [(c.title, c.doc_number.text if c.doc_number else None) for c in found] == [
        ("职业学校学生实习管理规定", "教职成〔2016〕3号")]


def test_citations_are_deduplicated_keeping_a_later_number():
    text = "落实《曲靖市推进产教融合实施方案》要求。按照《曲靖市推进产教融合实施方案》（曲政办发〔2020〕8号）"
    found = dedupe(find_citations(text))
    assert len(found) == 1
    assert found[0].doc_number.text == "曲政办发〔2020〕8号"


def test_forms_ending_in_biao_are_no_documents_but_task_tables_are():
    from loaders.citations import is_policy_title
    from loaders.vocab import vocabulary

    v = vocabulary()
    assert not is_policy_title("诉讼要素表", v) and not is_policy_title("有效抗辩释明表", v)
    assert is_policy_title("关于推进家庭医生签约服务高质量发展工作的任务分工表", v)
    assert is_policy_title("国家职业教育改革实施方案", v)


def test_the_corpus_index_holds_an_iri_per_title_and_the_same_file_step_reads_the_citing_file():
    """The resolver is the part of a build's memory that grows with the corpus (issue 11): per document only its
    文号 and normalised title, mapped to the IRI itself (a sorted tuple where several documents share a title); the
    same-file step reads the citing file's own titles, so a file of the same name in another folder is not it."""
    from kg.identity import DocumentKey, Resolver
    from kg.rdf import plan_stream

    def key(n: int, source: str, title: str, number=None, cites=()) -> DocumentKey:
        return DocumentKey(f"d{n}", source, f"https://e.org/doc/{n}", number, title, tuple(cites))

    attachment = "曲靖市人民政府关于推行终身职业技能培训制度的实施意见"
    cite = (None, "终身职业技能培训制度的实施意见")  # 《…实施意见》（附件一）: a title within the same file's
    a = [key(1, "x.txt", "曲靖市人民政府关于印发某方案的通知", cites=[cite]), key(2, "x.txt", attachment)]
    b = [key(3, "x.txt", "另一方案", cites=[cite]), key(4, "x.txt", attachment + "（征求意见稿）")]
    c = [key(5, "c.txt", "同名方案", "曲政发〔2020〕3号"), key(6, "c.txt", "同名方案")]
    resolver = Resolver.of((k, k.iri) for k in a + b + c)
    assert resolver.by_title["曲靖市人民政府关于推行终身职业技能培训制度实施意见"] == "https://e.org/doc/2"
    assert resolver.by_title["同名方案"] == ("https://e.org/doc/5", "https://e.org/doc/6")
    assert resolver.by_number == {"曲政发〔2020〕3号": "https://e.org/doc/5"}
    assert set(vars(resolver)) == {"by_number", "by_title"}
    files = [a, b, c]
    plans = list(plan_stream(["x.txt", "x.txt~2", "c.txt"], files.__getitem__))
    assert plans[0].citations[0] == ("https://e.org/doc/2",)  # its own file's attachment
    assert plans[1].citations[0] == ("https://e.org/doc/4",)  # not the other x.txt's
    assert plans[0].parents[0] == () and plans[1].parents[0] == ()
