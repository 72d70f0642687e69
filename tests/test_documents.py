"""Documents and metadata (GUIDE §1–2) on the sample corpus and on snippets of other layouts."""
from __future__ import annotations

from conftest import names, only

from loaders import extract_string


def test_seed_000_yields_report_attachments_and_the_promulgated_plan(seed_docs):
    docs = seed_docs["000_95c1921bd3a85654.txt"]
    assert len(docs) == 4
    report, att1, notice, plan = docs
    assert report.title == "曲靖麒麟职教集团质量年度报告2020"  # a cover page's lines joined
    assert (report.date, report.doc_type, report.jurisdiction.county) == ("2021-01", "报告", "麒麟区")
    assert att1.part_of == report.doc_id and notice.part_of == report.doc_id
    assert plan.part_of == notice.doc_id
    assert att1.doc_number.text == "曲政发〔2019〕24号"  # 曲政发[2019]24 / 号 broken over two lines
    assert att1.date == "2020-06-02"  # no signature: the stated publication date
    assert names(att1.issuers) == ["曲靖市人民政府"]  # 来源 is a website, not an issuer
    assert att1.recipients == ["各县（市、区）人民政府", "曲靖经济技术开发区管委会", "市直各委、办、局"]
    assert (notice.date, plan.date) == ("2020-02-14", "2020-02-14")
    assert names(plan.issuers) == ["曲靖市人民政府办公室"]  # the plan takes its notice's issuer


def test_seed_001_notice_and_plan(seed_docs):
    notice, plan = seed_docs["001_7e316252f085b915.txt"]
    assert notice.title == "关于印发《五华区关于深化产教融合的实施方案》的通知"
    assert plan.title == "五华区关于深化产教融合的实施方案" and plan.part_of == notice.doc_id
    assert [a.canonical for a in notice.issuers] == ["五华区发展和改革局", "五华区教育体育局"]
    assert notice.recipients == ["五华科技产业园管委会", "区级各相关单位", "各街道办事处"]
    j = plan.jurisdiction
    assert (j.province, j.city, j.county, j.code) == ("云南省", "昆明市", "五华区", "530102")
    assert [(c.title, c.doc_number.text) for c in plan.citations] == [
        ("昆明市发展和改革委员会关于印发昆明市深化产教融合的实施意见的通知", "昆发改社会〔2019〕611号")]
    assert notice.tasks == []  # the tasks belong to the plan
    assert len(plan.tasks) == 21


def test_seed_003_title_citation_and_no_issuer(seed_docs):
    (plan,) = seed_docs["003_9fe223a00010feb8.txt"]
    assert plan.issuers == [] and plan.doc_type == "方案"
    assert plan.citations[0].title == "自治区深化产教融合 推进职业教育改革发展实施方案"
    assert plan.citations[0].relation == "applies"
    assert plan.jurisdiction.province == "宁夏回族自治区"
    assert len(plan.tasks) == 25


def test_seed_004_fragment_without_title(seed_docs):
    (plan,) = seed_docs["004_29b82b44901a2ddd.txt"]
    assert plan.title is None and plan.doc_type == "实施方案"
    assert (plan.jurisdiction.city, plan.jurisdiction.county) == ("昌吉回族自治州", "呼图壁县")


def test_header_block_of_a_government_site(seed_docs):
    (letter,) = seed_docs["002_ef8d9751ef9cfd10.txt"]
    assert (letter.doc_number.text, letter.date, letter.doc_type) == ("曲政函〔2022〕512号", "2022-10-31", "函")
    assert letter.published == "2022-10-31" and letter.recipients == ["市侨联"]


NOTICE = """中共宁夏回族自治区委员会办公室 宁夏回族自治区人民政府办公厅
关于深化职业教育改革的实施意见

宁党办〔2021〕12号

各市、县（区）党委和人民政府，自治区各部门：
为贯彻落实《国家职业教育改革实施方案》，现提出如下意见。
一、主要任务
1.完善职业教育体系。自治区教育厅牵头，自治区发展改革委、财政厅按职责分工负责。
二〇二一年六月八日
"""


def test_joint_issuers_two_line_title_chinese_numeral_date_and_own_number():
    (doc,) = extract_string(NOTICE)
    assert doc.title == "中共宁夏回族自治区委员会办公室 宁夏回族自治区人民政府办公厅关于深化职业教育改革的实施意见"
    assert names(doc.issuers) == ["中共宁夏回族自治区委员会办公室", "宁夏回族自治区人民政府办公厅"]
    assert (doc.doc_number.text, doc.date, doc.doc_type) == ("宁党办〔2021〕12号", "2021-06-08", "实施意见")
    assert doc.jurisdiction.province == "宁夏回族自治区" and doc.jurisdiction.city is None
    assert doc.recipients == ["各市、县（区）党委和人民政府", "自治区各部门"]
    t = doc.tasks[0]
    assert names(t.lead) == ["宁夏回族自治区教育厅"]
    assert names(t.responsible) == ["宁夏回族自治区发展改革委", "宁夏回族自治区财政厅"]


def test_traditional_characters_are_read_as_simplified():
    (doc,) = extract_string("盤錦市人民政府辦公室關於深化產教融合的實施意見\n\n一、重點任務\n"
                            "（一）建設實訓基地。（市教育局牽頭，市財政局配合）\n")
    assert doc.title == "盘锦市人民政府办公室关于深化产教融合的实施意见"
    assert doc.jurisdiction.city == "盘锦市"
    assert names(doc.tasks[0].lead) == ["盘锦市教育局"]


def test_attachment_list_is_not_an_attachment():
    text = ("曲靖市教育体育局关于开展实训基地评估的通知\n\n各县（市、区）教育体育局：\n现将有关事项通知如下。\n"
            "附件：1.评估指标\n      2.申报表\n\n曲靖市教育体育局\n2021年4月2日\n")
    docs = extract_string(text)
    assert len(docs) == 1 and docs[0].date == "2021-04-02"


def test_document_extent_and_title_span_point_at_the_original(seed_docs, examples_dir):
    original = (examples_dir / "001_7e316252f085b915.txt").read_text(encoding="utf-8")
    notice, plan = seed_docs["001_7e316252f085b915.txt"]
    assert original[plan.title_span.start:plan.title_span.end] == plan.title
    assert notice.extent[1] <= plan.extent[0]


def test_every_fact_quotes_the_source_at_its_offsets(seed_docs, examples_dir):
    for name, docs in seed_docs.items():
        original = (examples_dir / name).read_text(encoding="utf-8")
        for doc in docs:
            for c in doc.citations:
                assert original[c.span.start:c.span.end] == c.span.quote
            for t in doc.tasks:
                assert original[t.span.start:t.span.end] == t.span.quote
                for a in t.lead + t.responsible + t.cooperating:
                    assert original[a.span.start:a.span.end] == a.span.quote
                    assert a.span.quote.replace("\n", "").replace(" ", "")


def test_one_document_per_notice_in_the_seed_corpus(seed_docs):
    assert only(seed_docs["003_9fe223a00010feb8.txt"], part_of=None).title.startswith("中卫市")


def _title(text: str) -> str | None:
    from loaders.extract import extract_string

    return extract_string(text)[0].title


def test_page_chrome_above_a_title_is_never_part_of_it():
    from loaders.segment import is_page_chrome

    for line in ("导航", "字体:", "简体| 繁体 无障碍 长者模式", "设为首页  |  加入收藏", "某某政务网 2021年5月6日星期四",
                 "首页  概况  要闻  信息公开  政务服务  互动", "当前位置: 首页>>教育>>正文", "首页 > 政策 > 正文"):
        assert is_page_chrome(line), line
    for line in ("某某市教育局关于开展实训基地建设的通知", "教育领域", "某某市人民政府办公室", "一、总体要求"):
        assert not is_page_chrome(line), line
    body = "各县（区）教育局：\n为推进产教融合，现就有关事项通知如下。\n"
    assert _title("导航\n某某市教育局关于开展实训基地建设的通知\n字体:\n" + body) == "某某市教育局关于开展实训基地建设的通知"
    assert _title("网站 2021年5月6日星期四\n简体| 繁体\n当前位置: 首页>>政策>>正文\n某某市职业教育发展规划\n"
                  "2021-05-06 10:00   某某市教育局\n为推进产教融合，制定本规划。\n") == "某某市职业教育发展规划"


def test_a_header_table_title_picks_the_title_lines_and_numbers_and_tables_are_not_titles():
    head = ("索 引 号：\t0001/2021-1\t主题分类：\t教育\n发文机关：\t某某省人民政府\t成文日期：\t2021年5月6日\n"
            "标　　题：\t某某省人民政府关于推进产教融合的实施意见\n发文字号：\t某政发〔2021〕3号\t发布日期：\t2021年5月8日\n")
    body = "某某省人民政府关于推进\n产教融合的实施意见\n某政发〔2021〕3号\n各市人民政府：\n为推进产教融合，提出以下意见。\n"
    from loaders.extract import extract_string

    (doc,) = extract_string(head + body)
    assert doc.title == "某某省人民政府关于推进产教融合的实施意见"
    assert doc.title_span.quote == "某某省人民政府关于推进\n产教融合的实施意见"  # the document's own lines
    assert doc.doc_number.text == "某政发〔2021〕3号" and doc.date == "2021-05-06"


def test_a_page_that_prints_the_title_twice_takes_the_documents_own_lines():
    text = ("某某市教育局关于印发某某市“十四五”职业教育规划的通知\n某教发〔2022〕4号\n来源:某某市教育局 发布时间:2022-03-11\n"
            "某某市教育局关于印发某某市\n“十四五”职业教育规划的通知\n各有关单位:\n现将规划印发给你们，请认真贯彻落实。\n")
    from loaders.extract import extract_string

    doc = extract_string(text)[0]
    assert doc.title == "某某市教育局关于印发某某市“十四五”职业教育规划的通知"
    assert doc.title_span.quote.startswith("某某市教育局关于印发某某市\n")


def test_a_plan_title_broken_over_two_lines_still_starts_the_promulgated_plan():
    from loaders.extract import extract_string

    text = ("某某市人民政府办公厅关于印发某某市聚焦企业关切进一步落实优化营商环境政策若干措施的通知\n某政办〔2019〕10号\n"
            "各区人民政府：\n《某某市聚焦企业关切进一步落实优化营商环境政策的若干措施》已经市政府同意，现印发给你们，请认真贯彻执行。\n"
            "某某市人民政府办公厅\n2019年1月16日\n某某市聚焦企业关切进一步落实\n\n优化营商环境政策的若干措施\n"
            "为落实《关于聚焦企业关切的通知》，制定以下措施。\n一、破除不合理门槛。（市发改委牵头）\n")
    notice, plan = extract_string(text)
    assert plan.part_of == notice.doc_id and plan.title == "某某市聚焦企业关切进一步落实优化营商环境政策的若干措施"


def test_citations_of_the_plans_own_text_do_not_move_where_the_plan_starts():
    from loaders.extract import extract_string

    text = ("某某县人民政府办公室关于印发《某某县提升“助老三件事”服务能力的实施办法》的通知\n"
            "各乡（镇）人民政府：某某县提升助老三件事服务能力的实施办法已经县政府同意，现印发给你们，请认真组织实施。\n"
            "某某县人民政府办公室\n2023年6月26日\n某某县提升助老三件事服务能力的实施办法\n"
            "根据《某某市人民政府办公室关于提升助老三件事服务能力的实施意见》，制定本办法。\n一、总体要求\n")
    notice, plan = extract_string(text)
    assert plan.title == "某某县提升助老三件事服务能力的实施办法" and plan.part_of == notice.doc_id


def test_table_rows_are_never_titles_and_do_not_hide_the_title_above_them():
    from loaders.extract import extract_string

    assert extract_string("序号 | 工作任务 | 责任部门 |\n1 | 加强职业教育研究 | 教育部 |\n")[0].title is None
    text = ("某某通知\n正文。\n某某办公厅\n2018年12月23日\n附件\n第二批支持创新相关改革举措推广清单\n"
            "序号\t改革举措\t主 要 内 容\t指导部门\t推广范围\n" + "1\t举措\t内容\t科技部\t全国\n" * 30)
    attachment = extract_string(text)[-1]
    assert attachment.part_of and attachment.title == "第二批支持创新相关改革举措推广清单"


def test_dates_that_lost_their_glyphs_are_read_when_one_reading_is_valid_or_the_earliest_fits():
    from loaders.extract import extract_string
    from loaders.patterns import glyphless_readings

    assert glyphless_readings("202237") == ["2022-03-07"]
    assert glyphless_readings("2019116") == ["2019-01-16", "2019-11-06"]
    assert glyphless_readings("2019131") == ["2019-01-31"] and glyphless_readings("2022") == []
    body = "某某市教育局关于开展实训基地建设的通知\n各区教育局：\n现将有关事项通知如下。\n"
    assert extract_string(body + "某某市教育局\n2019116\n")[0].date == "2019-01-16"
    assert extract_string(body + "202237\n（此件主动公开）\n")[0].date == "2022-03-07"
    assert extract_string(body + "统计数据\n2019116\n")[0].date is None  # no signature, no 附注: not a date


def test_an_unlabeled_publication_line_gives_the_date_and_the_issuer():
    from loaders.extract import extract_string

    doc = extract_string("某某市职业教育发展规划\n2017-08-03 12:24   某某市教育局\n为推进职业教育，制定本规划。\n")[0]
    assert doc.date == "2017-08-03" and doc.published == "2017-08-03"
    site = extract_string("某某市职业教育发展规划\n2017-08-03 12:24   某某新闻网\n为推进职业教育，制定本规划。\n")[0]
    assert site.issuers == []  # a reposting site is not an issuer


def test_attachments_take_the_issuers_and_date_of_the_document_that_carries_them():
    from loaders.extract import extract_string

    text = ("某某市教育局关于印发工作方案的通知\n各区教育局：\n现印发给你们。\n某某市教育局\n2023年10月19日\n附件1\n"
            "质量监测指标体系\n" + "一级指标\t二级指标\t评价标准\n" + "签约数量\t覆盖率\t较上一年增加。\n" * 20)
    notice, attachment = extract_string(text)
    assert attachment.part_of == notice.doc_id and attachment.date == "2023-10-19"
    assert [a.name for a in attachment.issuers] == [a.name for a in notice.issuers] != []


def test_joint_signatures_on_one_line_are_each_an_issuer_and_the_state_council_issues():
    from loaders.extract import extract_string

    doc = extract_string("关于推进家庭医生签约服务的通知\n各区卫生健康局：\n现印发给你们，请贯彻执行。\n"
                         "广州市卫生健康委员会 广州市财政局\n广州市人力资源和社会保障局 广州市医疗保障局\n2023年10月19日\n")[0]
    assert [a.name for a in doc.issuers] == ["广州市卫生健康委员会", "广州市财政局", "广州市人力资源和社会保障局",
                                              "广州市医疗保障局"]
    national = extract_string("发文机关：\t国务院\n国务院关于做好促进就业工作的若干意见\n各省、自治区、直辖市人民政府：\n为此，提出以下意见。\n")[0]
    assert [a.name for a in national.issuers] == ["国务院"] and national.jurisdiction.province is None


def test_a_line_without_chinese_is_never_part_of_a_title():
    from loaders.extract import extract_string

    doc = extract_string("• 统一编号:\nHCSD01-2023-0006\n某某县人民政府办公室关于印发实施办法的通知\n各乡（镇）人民政府：\n现印发给你们。\n")[0]
    assert doc.title == "某某县人民政府办公室关于印发实施办法的通知"


def test_layout_gaps_in_a_title_close_but_the_gap_between_joint_issuers_stays():
    from loaders.segment import _close_layout_gaps

    assert _close_layout_gaps("曲靖市人民政府关于推行终身职业技能培 训制度的实施意见") == "曲靖市人民政府关于推行终身职业技能培训制度的实施意见"
    assert _close_layout_gaps("某某办公室关于印发 某某实施方案的通知") == "某某办公室关于印发某某实施方案的通知"
    assert _close_layout_gaps("甲委员会办公室 乙人民政府办公厅关于深化改革的实施意见") == "甲委员会办公室 乙人民政府办公厅关于深化改革的实施意见"


def test_national_issuers_have_no_jurisdiction_and_untitled_texts_take_explicit_short_place_names():
    from loaders.extract import extract_string
    from loaders.metadata import is_national

    assert all(is_national(n) for n in ("国务院办公厅", "教育部办公厅", "国家发展改革委", "中国银保监会", "财政部"))
    assert not any(is_national(n) for n in ("曲靖市教育体育局", "市委组织部", "五华区人民政府"))
    national = extract_string("教育部办公厅关于开展产教联合体建设的通知\n各省、自治区教育厅：\n新疆、上海等地已先行试点。"
                              "新疆、上海要总结经验。\n教育部办公厅\n2023年4月18日\n")[0]
    assert national.jurisdiction.province is None
    untitled = extract_string("一、总体要求\n坚持以天津工作提出的要求为纲，推进在天津的实施。\n")[0]
    assert untitled.title is None and untitled.jurisdiction.province == "天津市"


def test_a_document_database_named_as_source_is_not_an_issuer():
    from loaders.extract import extract_string

    doc = extract_string("来源:国资数据中心\n教育部办公厅关于开展产教联合体建设的通知\n各省教育厅：\n现通知如下。\n")[0]
    assert [a.name for a in doc.issuers] == ["教育部办公厅"]


def test_a_title_written_only_in_the_header_table_is_the_title():
    from loaders.extract import extract_string

    doc = extract_string("索 引 号：\t0001/2021-1\t主题分类：\t教育\n标　　题：\t某某省人民政府关于推进产教融合的实施意见\n"
                         "发文字号：\t某政发〔2021〕3号\n各市人民政府：\n为推进产教融合，提出以下意见。\n一、建设实训基地。（省教育厅牵头）\n")[0]
    assert doc.title == "某某省人民政府关于推进产教融合的实施意见"
    assert doc.title_span.quote == "某某省人民政府关于推进产教融合的实施意见" and len(doc.tasks) == 1


def test_topics_are_counted_per_topic_as_summing_each_topic_s_labels_does(examples_dir):
    """topics_in counts a match for the topics its label belongs to; the same as summing, topic by topic, the
    matches of its labels — on the samples' texts, at thresholds 1 and 3, and on every label written out."""
    from loaders.read import read_source
    from loaders.topics import topics_in
    from loaders.vocab import vocabulary

    vocab = vocabulary()

    def by_labels(text, min_count):
        counts = {}
        for label in {x for _, labels in vocab.topic_labels for x in labels}:
            start = text.find(label)
            while start >= 0:  # overlapping matches, as the automaton finds them
                counts[label] = counts.get(label, 0) + 1
                start = text.find(label, start + 1)
        return [c.pref for c, labels in vocab.topic_labels if sum(counts.get(x, 0) for x in labels) >= min_count]

    texts = [read_source(f).text for f in sorted(examples_dir.glob("0*.txt"))]
    texts.append("，".join(x for _, labels in vocab.topic_labels for x in labels))
    for text in texts:
        for n in (1, 3):
            assert topics_in(text, min_count=n) == by_labels(text, n)
    assert topics_in(texts[-1])  # the oracle has something to agree on
