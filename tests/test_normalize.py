"""Clean-up keeps a map back to the original: every normalised character points at its source."""
from __future__ import annotations

from loaders.normalize import normalize


def _check_offsets(norm):
    for i, c in enumerate(norm.text):
        if c == "\n":
            continue
        o = norm.original[norm.offsets[i]]
        assert o == c or not c.isascii() or ord(o) > 0xFF00 or o in "\u3000\xa0", (i, c, o)


def test_lines_broken_mid_sentence_are_rejoined():
    # seed 003: 双向 / 互通机制 and a wrapped 配合单位 line
    text = ("深化职业教育改革发展，以促进就业和适应产业发展需求为导向，探索实行现代学徒制，建立完善职业教育与普通教育双向\n\n"
            "互通机制，强化职普融通、产教融合、校企合作。\n"
            "配合单位：市云计算和大数据局、工业和信息化局、旅游和\n\n文体广电局、农业农村局\n")
    norm = normalize(text)
    assert "双向互通机制" in norm.text
    assert "旅游和文体广电局" in norm.text
    _check_offsets(norm)


def test_headings_titles_and_labels_are_not_joined():
    text = ("（一）构建教育和产业统筹融合发展新格局\n一是统筹产教融合发展布局。\n"
            "责任单位：市教育局，中宁、海原县人民政府\n配合单位：市财政局\n"
            "曲靖市人民政府关于推行终身职业技能培训制度的实施意见\n发布时间:2020-06-02\n")
    lines = normalize(text).text.split("\n")
    assert "（一）构建教育和产业统筹融合发展新格局" in lines
    assert "配合单位：市财政局" in lines
    assert "发布时间:2020-06-02" in lines


def test_a_label_line_is_joined_only_with_the_rest_of_its_list():
    """A role label line is a field: a sentence or a note after it is text of its own (it used to become part of
    the list and lose its last body, 县自然资源局本段…), while a list wrapped onto the next line still joins."""
    label = "责任单位：县民政局、市场监督管理局、县自然资源局"
    for after in ("本段为补充说明。", "（本段为补充说明。）", "（注：以上为示例）", "推进职业教育高质量发展，加快建设。"):
        assert normalize(f"{label}\n{after}\n").text.split("\n")[:2] == [label, after], after
    assert normalize(f"{label}、\n县教育局\n").text.startswith(f"{label}、县教育局")  # wrapped after 、
    assert normalize(f"{label}、县教\n育局\n").text.startswith(f"{label}、县教育局")  # a name cut in two
    assert normalize(f"{label}、县财政局和\n县发展和改革局\n").text.startswith(f"{label}、县财政局和县发展和改革局")


def test_page_numbers_and_running_headers_are_dropped():
    body = "第{}段：推进校企深度合作，建设实训基地，开展职业技能培训，提升人才培养质量。\n"
    text = ""
    for page in range(1, 5):
        text += "曲靖市人民政府文件\n" + body.format(page) + f"— {page} —\n"
    norm = normalize(text)
    assert "曲靖市人民政府文件" not in norm.text
    assert "—" not in norm.text
    assert norm.text.count("推进校企深度合作") == 4


def test_letter_spaced_names_are_closed_up():
    norm = normalize("浙 江 省 教 育 厅\n关于做好职业教育工作的通知\n")
    assert norm.text.startswith("浙江省教育厅\n")
    span = norm.span(0, 6)
    assert span.quote == "浙 江 省 教 育 厅"


def test_fullwidth_digits_become_ascii_and_chinese_punctuation_stays():
    norm = normalize("到２０２３年，建成１０个市级骨干专业（群），比例达到５０％。\n")
    assert "到2023年，建成10个市级骨干专业（群），比例达到50%。" == norm.text
    assert norm.span(1, 5).quote == "２０２３"


def test_traditional_characters_become_simplified_with_offsets_kept():
    text = "臺中市政府關於推動產教融合之實施計畫\n每學期組織中小學生開展一次職業體驗日活動。\n"
    norm = normalize(text)
    assert norm.text.startswith("台中市政府关于推动产教融合之实施计划")
    assert "中小学生" in norm.text
    i = norm.text.index("中小学生")
    assert norm.span(i, i + 4).quote == "中小學生"


def test_spans_quote_the_original_across_joined_lines():
    text = "深化职业教育改革发展，以促进就业为导向，建立完善职业教育与普通教育双向\n\n互通机制，强化职普融通。\n"
    norm = normalize(text)
    i = norm.text.index("双向互通")
    span = norm.span(i, i + 4)
    assert span.quote == "双向\n\n互通"
    assert text[span.start:span.end] == span.quote


def test_pinyin_glosses_are_removed_but_bracketed_latin_words_stay():
    n = normalize("關于印發産教融合試點城(chéng)市名單的通知(zhī)\n見附件(a)與(AI)和(hé)部門（xià）")
    assert n.text == "关于印发产教融合试点城市名单的通知\n见附件(a)与(AI)和部门"
    start = n.text.index("城市")
    assert n.span(start, start + 2).quote == "城(chéng)市"  # the span still quotes the original


def test_the_back_matter_of_a_document_stays_on_its_own_lines():
    text = ("市卫生健康委联系人：张三，联系电话：81085234\n甲市卫生健康委员会 甲市财政局\n甲市人力资源和社会保障局 甲市医疗保障局\n"
            "2023年10月19日\n配合单位：市云计算和大数据局、工业和信息化局、旅游和\n\n文体广电局、农业农村局\n")
    assert normalize(text).text.split("\n") == [
        "市卫生健康委联系人：张三，联系电话：81085234", "甲市卫生健康委员会 甲市财政局", "甲市人力资源和社会保障局 甲市医疗保障局",
        "2023年10月19日", "配合单位：市云计算和大数据局、工业和信息化局、旅游和文体广电局、农业农村局"]


def test_pipe_table_rows_are_never_joined_into_one_line():
    text = "序号 | 工作任务 | 责任部门 |\n一)落实根本任务 | ||\n1 | 加强职业教育研究 | 教育部 |\n2 | 核定专职教师岗位 | 教育部 |\n"
    assert normalize(text).text.split("\n") == [line for line in text.split("\n") if line]
