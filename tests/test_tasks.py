"""Tasks and roles (GUIDE §4, §6) in every layout: each test is a real-style snippet."""
from __future__ import annotations

from conftest import names

from loaders import extract_string

HEAD = "中卫市深化产教融合重点任务分工方案\n\n"


def tasks_of(body: str, head: str = HEAD):
    docs = extract_string(head + body)
    return docs[-1].tasks


def test_label_lines_after_each_item_wrapped_over_lines():
    tasks = tasks_of(
        "三、重点任务及分工\n（一）构建职业教育改革发展新格局。\n"
        "1.优化专业布局。按照发展规划动态调整优化专业。\n"
        "责任单位：市发展改革委、市教育局，中宁、海原县人民政府\n"
        "配合单位：市云计算和大数据局、工业和信息化局、旅游和\n\n文体广电局、中卫工业园区管委会\n"
        "完成时限：2021年7月前完成并长期坚持\n"
        "2.打造优势特色专业。重点建设专业群。\n责任单位：市教育局\n完成时限：2023年6月前完成\n")
    assert [t.number for t in tasks] == ["1.", "2."]
    t = tasks[0]
    assert t.heading == "优化专业布局"
    assert t.text.startswith("优化专业布局。按照")
    assert "责任单位" not in t.text
    assert names(t.responsible) == ["中卫市发展改革委", "中卫市教育局", "中宁县人民政府", "海原县人民政府"]
    assert names(t.cooperating) == ["中卫市云计算和大数据局", "中卫市工业和信息化局", "中卫市旅游和文体广电局",
                                    "中卫工业园区管委会"]
    assert (t.deadline.text, t.deadline.date, t.deadline.ongoing) == ("2021年7月前完成并长期坚持", "2021-07", True)
    assert t.section_path == ["三、重点任务及分工", "（一）构建职业教育改革发展新格局", "1.优化专业布局"]
    assert (tasks[1].deadline.date, tasks[1].deadline.ongoing) == ("2023-06", False)


def test_parenthetical_at_the_end_of_an_item():
    head = "曲靖市人民政府关于推行终身职业技能培训制度的实施意见\n\n"
    tasks = tasks_of("二、主要任务\n（三）围绕就业准备，完善就业前职业技能培训\n"
                     "1.开展农村劳动者就业技能培训。每年完成培训3万人次。（市人力资源社会保障局、市扶贫办牵头，"
                     "市财政局、市农业局、共青团曲靖市委、市妇联等配合）\n"
                     "2.实施“雨露计划”。确保落实扶持政策。（市扶贫办、市教育局牵头，市人力资源社会保障局配合）\n", head)
    t = tasks[0]
    assert t.number == "1." and t.heading == "开展农村劳动者就业技能培训"
    assert names(t.lead) == ["曲靖市人力资源社会保障局", "曲靖市扶贫办"]
    assert names(t.cooperating) == ["曲靖市财政局", "曲靖市农业局", "共青团曲靖市委", "曲靖市妇联"]
    assert tasks[1].heading == "实施“雨露计划”"


def test_huitong_and_division_of_labour():
    head = "五华区关于深化产教融合的实施方案\n\n"
    tasks = tasks_of("（三）统筹规划布局。将产教融合纳入规划。（区教育体育局、区发展和改革局、西翥街道办事处按照职责分工负责）\n"
                     "（四）构建职业教育体系。推动学科交叉。（区教育体育局会同有关部门负责）\n"
                     "（五）建立产教融合机制。研究制定标准。（区教育体育局、区人力资源社会保障局会同区财政局及相关行业主管部门负责）\n",
                     head)
    assert names(tasks[0].responsible) == ["五华区教育体育局", "五华区发展和改革局", "五华区西翥街道办事处"]
    assert names(tasks[1].responsible) == ["五华区教育体育局"]
    assert names(tasks[2].responsible) == ["五华区教育体育局", "五华区人力资源社会保障局", "五华区财政局"]


def test_lead_then_responsible_and_lead_beats_other_roles():
    head = "曲靖市推进产教融合的实施方案\n\n"
    tasks = tasks_of("1.加强联盟建设。依托联盟成立委员会。（市教育体育局牵头负责，驻曲高校、市级相关行业主管部门分工负责）\n"
                     "（一）加强组织领导。建立市政府办公室牵头，市发展改革委、市教育体育局等部门密切配合的工作机制。"
                     "（市政府办公室牵头负责）\n", head)
    assert names(tasks[0].lead) == ["曲靖市教育体育局"]
    assert [(a.name, a.collective) for a in tasks[0].responsible] == [("驻曲高校", True)]
    assert names(tasks[1].lead) == ["曲靖市政府办公室"]  # once, although named twice
    assert names(tasks[1].cooperating) == ["曲靖市发展改革委", "曲靖市教育体育局"]


def test_block_after_a_group_of_yishi_items_is_one_task():
    head = "呼图壁县深化职业教育产教融合校企合作实施方案\n\n"
    tasks = tasks_of("三、重点任务\n(一)构建教育和产业统筹融合发展新格局\n一是统筹产教融合发展布局。将产教融合纳入规划。\n"
                     "二是推动产教融合专业建设。引导中职校科学合理设置专业。\n牵头单位:发改委、教育局\n"
                     "责任单位:政府办、教育局、人社局、财政局、中职校\n", head)
    assert len(tasks) == 1
    t = tasks[0]
    assert (t.number, t.heading) == ("(一)", "构建教育和产业统筹融合发展新格局")
    assert names(t.lead) == ["呼图壁县发改委", "呼图壁县教育局"]
    assert names(t.responsible) == ["呼图壁县人民政府办公室", "呼图壁县人社局", "呼图壁县财政局", "呼图壁县中职校"]
    assert "二是推动" in t.text


def test_inline_you_x_qiantou_is_a_task_of_its_own():
    head = "曲靖市人民政府关于市政协六届一次会议第327号提案办理意见的函\n\n"
    tasks = tasks_of("(二)搭建交流平台,促进信息共享\n推动校企供需有效对接。由市教育体育局牵头每半年至少召开1次领导小组联席会议,"
                     "研究解决困难问题;由人社部门牵头,教育体育、工业信息等部门配合,每季度至少召开1次政校企交流会议,"
                     "研究解决主要问题;每半年至少召开1次推进会议。市教育体育局牵头起草了《实施意见》。\n", head)
    assert [t.number for t in tasks] == ["(二)", "(二)"]
    assert tasks[0].heading == "搭建交流平台,促进信息共享"
    assert tasks[0].text.startswith("由市教育体育局牵头每半年") and tasks[0].text.endswith("研究解决困难问题")
    assert names(tasks[0].lead) == ["曲靖市教育体育局"]
    assert names(tasks[1].lead) == ["曲靖市人力资源和社会保障局"]
    assert names(tasks[1].cooperating) == ["曲靖市教育体育局", "曲靖市工业和信息化局"]


def test_bracketed_and_one_line_label_layouts():
    head = "盘锦市深化产教融合实施方案\n\n"
    tasks = tasks_of("（一）优化职业教育布局。到2022年，建成3个市级产教融合实训基地，“双师型”教师占比超过50%。"
                     "[责任单位:市教育局、市发展改革委;完成时限:2022年底前]\n"
                     "（二）推进校企合作。支持企业参与办学。（牵头单位：市人力资源社会保障局，配合单位：市财政局、市教育局）\n"
                     "（三）加强经费保障。由市财政局负责落实生均拨款制度；由市税务局牵头，市财政局配合，落实税收优惠政策。\n", head)
    t1, t2 = tasks[0], tasks[1]
    assert names(t1.responsible) == ["盘锦市教育局", "盘锦市发展改革委"]
    assert (t1.deadline.text, t1.deadline.date) == ("2022年底前", "2022-12")
    assert [(x.value, x.unit, x.year, x.comparator) for x in t1.targets] == [(3.0, "个", 2022, None),
                                                                           (50.0, "%", 2022, ">=")]
    assert names(t2.lead) == ["盘锦市人力资源社会保障局"]
    assert names(t2.cooperating) == ["盘锦市财政局", "盘锦市教育局"]
    assert [(names(t.lead), names(t.responsible)) for t in tasks[2:]] == [
        ([], ["盘锦市财政局"]), (["盘锦市税务局"], [])]


def test_subject_clauses_count_only_where_nothing_is_written():
    head = "呼图壁县深化职业教育产教融合校企合作实施方案\n\n"
    tasks = tasks_of("三、重点任务\n(一)推动专业建设\n一是优化专业。\n牵头单位:教育局\n"
                     "四、组织管理\n(一)加强党的全面领导。县人民政府加强组织领导,做好统筹协调。各级有关部门协同做好此项工作。\n"
                     "(二)加强督导评估。县教育局要把产教融合纳入重要指标,商务和工业信息化局要把企业参与情况作为重要指标。"
                     "有关主管部门应当责令限期退还。\n", head)
    got = [(t.number, names(t.responsible)) for t in tasks]
    assert got == [("(一)", []), ("(一)", ["呼图壁县人民政府"]), ("(二)", ["呼图壁县教育局"]),
                   ("(二)", ["呼图壁县商务和工业信息化局"])]


def test_subject_clauses_are_ignored_in_documents_without_assignments():
    docs = extract_string("曲靖市教育体育局工作总结\n\n一、主要工作\n市教育局要加强统筹，市财政局负责资金保障。\n")
    assert docs[0].tasks == []


def test_task_table_rows():
    text = ("楚雄州推进产教融合重点任务分工方案\n\n一、任务分工\n序号\t重点任务\t牵头单位\t配合单位\t完成时限\n"
            "1\t建设产教融合实训基地。建成2个州级公共实训基地。\t州发展改革委\t州教育体育局、州财政局\t2022年12月底前\n"
            "2\t推行现代学徒制。\t州人力资源社会保障局\t州教育体育局\t长期坚持\n")
    tasks = extract_string(text)[0].tasks
    assert [(t.number, t.heading) for t in tasks] == [("1", "建设产教融合实训基地"), ("2", "推行现代学徒制")]
    assert names(tasks[0].lead) == ["楚雄彝族自治州发展改革委"]
    assert names(tasks[0].cooperating) == ["楚雄彝族自治州教育体育局", "楚雄彝族自治州财政局"]
    assert tasks[1].deadline.ongoing and tasks[1].section_path == ["一、任务分工"]


def test_every_role_quote_is_verbatim_in_the_source():
    text = HEAD + "1.优化专业布局。按照规划调整。\n责任单位：市发展改革委、\n\n市教育局\n完成时限：2021年7月前\n"
    task = extract_string(text)[0].tasks[0]
    for a in task.responsible:
        assert text[a.span.start:a.span.end] == a.span.quote
    assert [a.span.quote for a in task.responsible] == ["市发展改革委", "市教育局"]
    assert text[task.deadline.span.start:task.deadline.span.end] == "2021年7月前"


def test_a_bare_assignment_sentence_ends_an_item():
    head = "盘锦市深化产教融合实施方案\n\n"
    tasks = tasks_of("一、重点任务\n（一）优化专业布局。动态调整专业。市教育局负责。\n"
                     "（二）推进校企合作。支持企业参与办学。市人力资源社会保障局牵头，市财政局、市教育局配合。\n"
                     "（三）加强保障。加强统筹，推进工作落实。\n", head)
    assert [(t.number, names(t.lead), names(t.responsible), names(t.cooperating)) for t in tasks] == [
        ("（一）", [], ["盘锦市教育局"], []),
        ("（二）", ["盘锦市人力资源社会保障局"], [], ["盘锦市财政局", "盘锦市教育局"])]


def _roles(text: str) -> list[tuple[str | None, list[str], list[str], list[str]]]:
    from loaders.extract import extract_string

    return [(t.number, [a.name for a in t.lead], [a.name for a in t.responsible], [a.name for a in t.cooperating])
            for d in extract_string(text) for t in d.tasks]


def test_first_listed_is_lead_from_the_item_that_says_so_on():
    text = ("国务院关于促进就业的若干意见\n一、支持企业\n（一）稳岗。返还保险费。（财政部、人力资源社会保障部负责）\n"
            "（二）加大稳岗支持力度。返还失业保险费。（人力资源社会保障部、财政部负责。列第一位者为牵头单位，下同）\n"
            "（三）扩大见习。扩大范围。（人力资源社会保障部等有关部门和单位负责）\n"
            "（四）落实主体责任。做好工作。（各省级人民政府负责）\n（五）抓好服务。宣传政策。（有关部门、教育部负责）\n"
            "（六）建立机制。建立由政府负责人牵头的机制。（财政部牵头，民政部、教育部负责）\n")
    assert _roles(text) == [
        ("（一）", [], ["财政部", "人力资源社会保障部"], []),  # before the convention: as written
        ("（二）", ["人力资源社会保障部"], ["财政部"], []),
        ("（三）", ["人力资源社会保障部"], [], []),  # listed alone; 等有关部门和单位 dropped
        ("（四）", ["各省级人民政府"], [], []),
        ("（五）", [], ["教育部"], []),  # the first listed party is dropped as unspecified: nobody leads
        ("（六）", ["财政部"], ["民政部", "教育部"], []),
    ]


def test_task_tables_of_every_saved_form():
    """Tab and pipe rows; a cell broken over lines; a row span; division columns and "/" are no agencies."""
    from loaders.tables import find_task_rows

    tab = ("序号\t工作事项\t主要内容\t牵头单位\t配合单位\t市卫健委内牵头处室\n"
           "1\t扩大家庭医生来源。\t推动人才向基层倾斜，\n加大招聘力度。\t市卫生健康委\t市人力资源社会保障局\t基层处\n"
           "\t\t开展培训。\t市教育局\t/\t医政处\n"
           "一、服务能力方面（共2项）\n"
           "2\t优化服务。\t完善签约服务包。\t各区政府\t/\t基层处\n")
    rows = find_task_rows(tab, 0, len(tab))
    assert [(r.number, r.heading, r.text) for r in rows] == [
        ("1", "扩大家庭医生来源", "推动人才向基层倾斜，\n加大招聘力度。"),
        ("1", "扩大家庭医生来源", "开展培训。"),  # the row span's sub-row
        ("2", "优化服务", "完善签约服务包。"),
    ]
    assert [[(x.role, x.text) for x in r.clause.lists] for r in rows] == [
        [("lead", "市卫生健康委"), ("cooperating", "市人力资源社会保障局")], [("lead", "市教育局")], [("lead", "各区政府")]]
    pipe = "序号 | 改革举措 | 指导部门 | 推广范围 |\n一)知识产权方面 | ||\n1 | 专利保险机制 | 国家知识产权局、银保监会 | 全国 |\n"
    (row,) = find_task_rows(pipe, 0, len(pipe))
    assert (row.number, row.text, [(x.role, x.text) for x in row.clause.lists]) == \
        ("1", "专利保险机制", [("responsible", "国家知识产权局、银保监会")])


def test_sub_rows_saved_without_their_leading_cells_align_under_the_spanning_row():
    from loaders.tables import find_task_rows

    text = ("序号\t工作事项\t主要内容\t牵头单位\t配合单位\t委内牵头处室\t委内配合处室\n"
            "1\t扩大来源。\t推动倾斜。\t各区政府\t市卫生健康委\t基层处\t医政处\n"
            "加大招聘。\t市人力资源社会保障局\t/\t人事处\t基层处\n"
            "引导医师下沉。\t各区政府\t市卫生健康委\t基层处\t医政处\n")
    rows = find_task_rows(text, 0, len(text))
    assert [(r.number, r.heading, r.text, [(x.role, x.text) for x in r.clause.lists]) for r in rows] == [
        ("1", "扩大来源", "推动倾斜。", [("lead", "各区政府"), ("cooperating", "市卫生健康委")]),
        ("1", "扩大来源", "加大招聘。", [("lead", "市人力资源社会保障局")]),
        ("1", "扩大来源", "引导医师下沉。", [("lead", "各区政府"), ("cooperating", "市卫生健康委")]),
    ]


def test_a_blanket_clause_gives_its_bodies_to_every_later_item():
    text = ("昆明市人民政府办公厅关于推进基本养老服务体系建设的实施意见\n一、建立制度体系\n"
            "1.健全清单制度。发布清单。（市民政局牵头，各区、市政府负责落实。以下各项工作均需各区、市政府负责落实，不再一一列出。）\n"
            "2.健全兜底保障制度。健全救助供养制度。\n3.建立评估制度。统一评估标准。（市民政局、市卫生健康委负责）\n")
    assert _roles(text) == [("1.", ["昆明市民政局"], ["各区、市政府"], []), ("2.", [], ["各区、市政府"], []),
                            ("3.", [], ["昆明市民政局", "昆明市卫生健康委", "各区、市政府"], [])]


def test_a_convention_note_in_a_label_line_is_no_party():
    text = ("昆明市推进营商环境的若干措施\n一、破除门槛\n（一）推进PPP建设。\n责任单位：市发改委、市财政局（第一责任单位为牵头单位，下同）\n"
            "（二）落实招投标政策。\n责任单位：市建设局\n")
    assert _roles(text) == [("（一）", ["昆明市发改委"], ["昆明市财政局"], []), ("（二）", ["昆明市建设局"], [], [])]


def test_a_kind_of_body_as_a_sentence_subject_is_no_agency():
    text = ("曲靖市推进职业教育的实施方案\n一、任务\n（一）发展高职。高等职业学校要培养高素质技术技能人才。（市教育体育局牵头）\n"
            "（二）落实经费。地方政府要制定生均经费标准。\n（三）扩大招生。市教育体育局负责扩大招生规模。\n"
            "（四）加强培训。由行业协会牵头开展培训。\n")
    assert [(n, lead, resp) for n, lead, resp, _ in _roles(text)] == [
        ("（一）", ["曲靖市教育体育局"], []), ("（三）", [], ["曲靖市教育体育局"])]


def test_national_functional_names_are_the_ministries_and_subject_clauses_carry_their_role():
    text = ("国务院办公厅关于推进职业教育改革的意见\n各省、自治区、直辖市人民政府：\n现提出以下意见。\n一、任务\n"
            "（一）扩大试点。启动试点工作。（教育部牵头）\n"
            "（二）提高待遇。国务院人力资源社会保障行政部门会同有关部门，适时组织清理歧视政策。\n"
            "（三）完善制度。国务院教育行政部门、人力资源社会保障行政部门和其他有关部门在职责范围内，分别负责有关工作。\n"
            "（四）开发标准。财政部牵头研究经费保障办法。\n")
    assert [(n, lead, resp) for n, lead, resp, _ in _roles(text)] == [
        ("（一）", ["教育部"], []), ("（二）", [], ["人力资源社会保障部"]),
        ("（三）", [], ["教育部", "人力资源社会保障部"]), ("（四）", ["财政部"], [])]


def test_functional_names_stay_local_in_a_local_document():
    text = "曲靖市推进职业教育的实施方案\n一、任务\n（一）扩大试点。教育行政部门负责扩大试点。（市教育体育局牵头）\n"
    assert _roles(text)[0][1] == ["曲靖市教育体育局"]


def test_several_parentheticals_in_one_item_are_a_task_each():
    text = ("曲靖市推进产教融合的实施方案\n一、任务\n"
            "（一）建设实训基地，完善实训条件（市教育体育局牵头，市财政局配合）；开展职工培训，提升技能水平（市人力资源社会保障局负责）。\n"
            "（二）深化校企合作。（市工业和信息化局牵头）（市财政局配合）\n")
    assert _roles(text) == [
        ("（一）", ["曲靖市教育体育局"], [], ["曲靖市财政局"]),
        ("（一）", [], ["曲靖市人力资源社会保障局"], []),
        ("（二）", ["曲靖市工业和信息化局"], [], ["曲靖市财政局"]),  # brackets side by side: one assignment
    ]


def test_bodies_given_by_a_blanket_clause_quote_the_clause():
    from loaders.extract import extract_string

    text = ("昆明市人民政府办公厅关于推进基本养老服务体系建设的实施意见\n一、建立制度体系\n"
            "1.健全清单制度。发布清单。（市民政局牵头，各区、市政府负责落实。以下各项工作均需各区、市政府负责落实，不再一一列出。）\n"
            "2.健全兜底保障制度。健全救助供养制度。\n")
    (doc,) = extract_string(text)
    (given,) = doc.tasks[1].responsible
    assert given.span is not None and given.span.quote == "各区、市政府"
    assert text[given.span.start - 4:given.span.start] == "工作均需"  # the blanket clause, not the first item
