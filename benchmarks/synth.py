"""A synthetic corpus of local 产教融合 documents, reproducible from a seed, for benchmarks.

It recombines the structures of the sample corpus — notices that promulgate plans, plans alone,
replies with inline 由…牵头 tasks, reports with full attachments — with real jurisdictions from the
division table, departments from the vocabulary, every numbering style and responsibility layout
(label lines, end-of-item parentheticals, group blocks, inline clauses, bracketed labels, task
tables), citations up the administrative chain (a county plan cites its city's plan, which cites
its province's and the State Council's), and the encodings and forms real files come in (UTF-8,
GBK, traditional characters, web pages).

    python benchmarks/synth.py --docs 1000 --seed 7 --out /tmp/corpus-1k
"""
from __future__ import annotations

import argparse
import html
import random
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loaders.divisions import division_table  # noqa: E402

NATIONAL = [
    ("国务院办公厅关于深化产教融合的若干意见", "国办发〔2017〕95号"),
    ("国务院关于印发国家职业教育改革实施方案的通知", "国发〔2019〕4号"),
    ("国务院办公厅关于印发职业技能提升行动方案（2019—2021年）的通知", "国办发〔2019〕24号"),
    ("中共中央办公厅 国务院办公厅关于推动现代职业教育高质量发展的意见", "中办发〔2021〕43号"),
    ("国务院关于推行终身职业技能培训制度的意见", "国发〔2018〕11号"),
]
DEPARTMENTS = ["教育局", "人力资源和社会保障局", "发展和改革委员会", "财政局", "工业和信息化局", "科学技术局",
               "民政局", "自然资源局", "住房和城乡建设局", "农业农村局", "商务局", "文化和旅游局", "卫生健康委员会",
               "退役军人事务局", "审计局", "税务局", "市场监督管理局", "国有资产监督管理委员会", "总工会"]
ABBREVIATIONS = {"人力资源和社会保障局": "人社局", "发展和改革委员会": "发改委", "工业和信息化局": "工信局",
                 "科学技术局": "科技局", "国有资产监督管理委员会": "国资委", "卫生健康委员会": "卫健委",
                 "市场监督管理局": "市场监管局", "住房和城乡建设局": "住建局"}
HEADINGS = ["优化职业教育专业布局", "打造优势特色专业群", "推进校企深度合作", "建设产教融合实训基地",
            "推行现代学徒制和企业新型学徒制", "开展“1+X”证书制度试点", "建好“双师型”教师队伍",
            "健全经费投入机制", "落实产教融合型企业激励政策", "加强职业技能培训", "完善质量评价和督导评估制度",
            "组建职业教育产教联盟", "推动职业教育与普通教育融合发展", "加强“互联网+职业教育”建设",
            "营造职业教育改革发展良好环境", "提高技术技能人才待遇水平"]
SENTENCES = [
    "按照“十四五”发展规划，依据经济发展新形态、新业态，动态调整优化专业设置，构建与产业链相衔接的专业体系。",
    "鼓励有条件的企业特别是国有企业以独资、合资、合作等方式深度参与职业教育，支持企业参与公办职业学校办学。",
    "到{year}年，建成{n}个高水平专业化产教融合实训基地，培育{m}家产教融合型企业。",
    "“双师型”教师占专业教师比例达到{p}%以上，每年培养具有合格职业技能的学生{k}人以上。",
    "全面推行“校企联合招生、共同育人”的现代学徒制，扩大企业“订单式”培养规模，及时将新技术、新工艺纳入教学内容。",
    "建立与办学规模、培养成本、办学质量等相适应的财政投入制度，新增教育经费向职业教育倾斜。",
    "完善学生顶岗实习、工学交替和订单培养制度，鼓励企业安排实习岗位、接收学生实习实训。",
    "支持职业学校为社会培训机构提供课程、师资、场所等优质资源，年培训达到{k}人次以上。",
    "落实督导报告、约谈、限期整改、奖惩、教育质量年度报告等制度，推进职业教育标准落实落地。",
    "定期开展“职业教育活动周”等活动，宣传展示大国工匠、劳动模范、能工巧匠等高素质劳动者的事迹和形象。",
]
CN = "一二三四五六七八九十"


def cn(n: int) -> str:
    """1 → 一, 12 → 十二, 21 → 二十一."""
    if n <= 10:
        return CN[n - 1]
    tens, ones = divmod(n, 10)
    return (CN[tens - 1] if tens > 1 else "") + "十" + (CN[ones - 1] if ones else "")


@dataclass
class Plan:
    """A generated document that later documents may cite."""

    title: str
    number: str | None
    code: str


class Generator:
    """Makes documents one by one; the same seed gives the same corpus."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        table = division_table()
        self.table = table
        self.cities = sorted((d for d in table.by_code.values() if d.level == 2), key=lambda d: d.code)
        self.counties = sorted((d for d in table.by_code.values() if d.level == 3 and d.parent in table.by_code
                                and table.by_code[d.parent].level == 2), key=lambda d: d.code)
        self.plans: dict[str, Plan] = {}  # division code → its plan, for citations down the chain

    # ---------------------------------------------------------------- pieces
    def place(self):
        return self.rng.choice(self.counties if self.rng.random() < 0.6 else self.cities)

    def number(self, div, kind: str) -> str:
        short = div.name[:1] if div.level == 1 else div.name[:2]
        year = self.rng.randint(2018, 2023)
        return f"{short}{kind}〔{year}〕{self.rng.randint(1, 180)}号"

    def agency(self, div, prefix: str) -> str:
        dept = self.rng.choice(DEPARTMENTS)
        if self.rng.random() < 0.3:
            dept = ABBREVIATIONS.get(dept, dept)
        return prefix + dept

    def agencies(self, div, k: int) -> list[str]:
        prefix = "县" if div.name.endswith("县") else "区" if div.name.endswith("区") else "市"
        names: list[str] = []
        while len(names) < k:
            name = self.agency(div, prefix if not names or self.rng.random() < 0.5 else "")
            if name not in names:
                names.append(name)
        if self.rng.random() < 0.15:
            names.append("各乡镇人民政府" if div.level == 3 else "各县（市、区）人民政府")
        if self.rng.random() < 0.1:
            names.append("有关部门")
        return names

    def sentence(self) -> str:
        return self.rng.choice(SENTENCES).format(year=self.rng.randint(2022, 2026), n=self.rng.randint(1, 9),
                                                 m=self.rng.randint(2, 20), p=self.rng.randint(30, 70),
                                                 k=self.rng.randint(100, 5000))

    def body(self, n: int) -> str:
        return "".join(self.sentence() for _ in range(n))

    def citations(self, div) -> str:
        cited = []
        parent = self.table.by_code.get(div.parent) if div.parent else None
        for anc in (parent, self.table.by_code.get(div.code[:2] + "0000")):
            if anc is not None and anc.code in self.plans:
                p = self.plans[anc.code]
                cited.append(f"《{p.title}》" + (f"（{p.number}）" if p.number else ""))
        title, number = self.rng.choice(NATIONAL)
        cited.append(f"《{title}》（{number}）")
        self.rng.shuffle(cited)
        return "为贯彻落实" + "、".join(cited) + "精神，结合本地实际，制定本方案。"

    # ---------------------------------------------------------------- task layouts
    def tasks(self, div, count: int) -> str:
        layout = self.rng.choice(["labels", "paren", "group", "inline", "bracket", "table", "huitong"])
        out, headings = [], self.rng.sample(HEADINGS, min(count, len(HEADINGS)))
        if layout == "table":
            out.append("序号\t重点任务\t牵头单位\t配合单位\t完成时限")
            for i, h in enumerate(headings, 1):
                a = self.agencies(div, 3)
                out.append(f"{i}\t{h}。{self.sentence()}\t{a[0]}\t{'、'.join(a[1:])}\t{self.deadline()}")
            return "\n".join(out)
        sections = max(1, len(headings) // 4)
        per = max(1, len(headings) // sections)
        k = 0
        for s in range(sections):
            out.append(f"{cn(s + 2)}、{self.rng.choice(['重点任务', '主要措施', '工作任务', '保障措施'])}")
            group = headings[s * per:(s + 1) * per] if s < sections - 1 else headings[s * per:]
            if layout == "group":
                out.append(f"（{cn(s + 1)}）{group[0]}")
                for j, h in enumerate(group):
                    out.append(f"{cn(j + 1)}是{h}。{self.body(2)}")
                a = self.agencies(div, 4)
                out.append(f"牵头单位：{a[0]}")
                out.append(f"责任单位：{'、'.join(a[1:])}")
                continue
            for h in group:
                k += 1
                marker = self.rng.choice([f"{k}.", f"（{cn(k)}）", f"{k}、"])
                a = self.agencies(div, self.rng.randint(2, 6))
                text = f"{marker}{h}。{self.body(self.rng.randint(2, 5))}"
                if layout == "labels":
                    out.append(text)
                    out.append(f"责任单位：{'、'.join(a[:2])}")
                    if len(a) > 2:
                        out.append(f"配合单位：{'、'.join(a[2:])}")
                    out.append(f"完成时限：{self.deadline()}")
                elif layout == "paren":
                    out.append(text + f"（{'、'.join(a[:2])}牵头，{'、'.join(a[2:]) or a[0]}配合）")
                elif layout == "huitong":
                    out.append(text + f"（{a[0]}会同有关部门负责）")
                elif layout == "bracket":
                    out.append(text + f"[责任单位:{'、'.join(a)};完成时限:{self.deadline()}]")
                else:  # inline
                    out.append(f"{marker}{h}。由{a[0]}牵头，{'、'.join(a[1:]) or a[0]}配合，{self.body(2)}")
        return "\n".join(out)

    def deadline(self) -> str:
        return self.rng.choice(["长期坚持", f"{self.rng.randint(2021, 2025)}年{self.rng.randint(1, 12)}月前完成",
                                f"{self.rng.randint(2021, 2025)}年底前", "2023年6月前完成并长期坚持"])

    # ---------------------------------------------------------------- documents
    def document(self, i: int) -> tuple[str, str]:
        """(file name, text) of the i-th document."""
        div = self.place()
        city = self.table.by_code.get(div.parent) if div.level == 3 else None
        plan_title = f"{div.name}{self.rng.choice(['深化产教融合', '推进职业教育改革', '深化产教融合推进校企合作'])}" \
                     f"{self.rng.choice(['实施方案', '重点任务分工方案', '实施意见'])}"
        issuer = f"{div.name}人民政府办公室"
        number = self.number(div, "政办发")
        kind = self.rng.random()
        plan = "\n".join([plan_title, "", self.citations(div), "一、总体要求", self.body(3),
                          self.tasks(div, self.rng.randint(4, 16))])
        if kind < 0.45:  # a notice promulgating the plan
            date = f"{self.rng.randint(2019, 2024)}年{self.rng.randint(1, 12)}月{self.rng.randint(1, 28)}日"
            text = "\n".join([f"{issuer}关于印发{plan_title}的通知", "", number, "",
                              "各乡镇人民政府，县直各部门：" if div.level == 3 else "各县（市、区）人民政府，市直各部门：",
                              f"《{plan_title}》已经{div.name}人民政府同意，现印发给你们，请认真贯彻执行。", "",
                              f"{issuer}", date, "", plan])
            self.plans[div.code] = Plan(plan_title, number, div.code)
        elif kind < 0.6:  # a reply letter with inline tasks
            a = self.agencies(div, 3)
            text = "\n".join([f"{div.name}人民政府关于政协提案办理意见的函", "",
                              f"发布时间:{self.rng.randint(2019, 2024)}-0{self.rng.randint(1, 9)}-1{self.rng.randint(0, 9)}"
                              f"   文号:{self.number(div, '政函')}   来源:{div.name}人民政府", "",
                              "一、基本情况", self.body(3), "二、主要措施", "（一）搭建交流平台",
                              f"由{a[0]}牵头每半年至少召开1次联席会议；由{a[1]}牵头，{a[2]}配合，每季度召开1次推进会议。",
                              "", f"{div.name}人民政府", "2022年10月31日"])
        elif kind < 0.7 and city is not None:  # a report with a full attachment
            att = f"{city.name}人民政府关于推行终身职业技能培训制度的实施意见"
            text = "\n".join([f"{div.name}职业教育集团", "质量年度报告", "2021", "", "2022年1月", "",
                              "1、基本情况", self.body(6), f"推行《{att}》（附件一）。", "", "附件一：", att, "",
                              self.citations(city), self.tasks(city, 5)])
        else:  # a plan on its own (sometimes without a title line: a fragment)
            text = plan if self.rng.random() > 0.1 else plan.split("\n", 2)[2]
            self.plans.setdefault(div.code, Plan(plan_title, None, div.code))
        return self.dress(i, text)

    def dress(self, i: int, text: str) -> tuple[str, str]:
        """The form the file comes in: plain UTF-8, GBK, traditional characters or a web page."""
        r = self.rng.random()
        if r < 0.05:
            lines = text.split("\n")
            body = "".join(f"<p>{html.escape(ln)}</p>" for ln in lines[1:])
            page = (f"<html><head><meta charset='utf-8'><title>{html.escape(lines[0])}_政府网</title></head><body>"
                    f"<div class='nav'>首页 | 政务公开</div><div class='breadcrumb'>首页 &gt; 政策文件</div>"
                    f"<h1>{html.escape(lines[0])}</h1>{body}<div class='footer'>版权所有</div></body></html>")
            return f"doc{i:05d}.html", page
        if r < 0.08:
            from opencc import OpenCC

            return f"doc{i:05d}_t.txt", OpenCC("s2t").convert(text)
        return (f"doc{i:05d}_gbk.txt" if r < 0.15 else f"doc{i:05d}.txt"), text


def generate(out: Path, docs: int, seed: int) -> tuple[int, int]:
    """Write `docs` documents into `out`: (files, bytes)."""
    out.mkdir(parents=True, exist_ok=True)
    gen = Generator(seed)
    total = 0
    for i in range(docs):
        name, text = gen.document(i)
        data = text.encode("gbk", errors="replace") if name.endswith("_gbk.txt") else text.encode("utf-8")
        (out / name).write_bytes(data)
        total += len(data)
    return docs, total


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    files, size = generate(args.out, args.docs, args.seed)
    print(f"wrote {files} files, {size / 1e6:.1f} MB, into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
