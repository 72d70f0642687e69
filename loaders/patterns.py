"""Shared regular expressions of 公文 layout: numbering markers, labels, dates, 文号."""
from __future__ import annotations

import re

CN_DIGITS = "〇零一二三四五六七八九十百两"
CN_NUM = f"[{CN_DIGITS}]+"

# Numbering markers of GB/T 9704 layout, outermost first: 一、 （一） 1. （1） 一是
MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("cn", re.compile(rf"^\s*({CN_NUM})\s*、")),
    ("pcn", re.compile(rf"^\s*([（(]\s*{CN_NUM}\s*[)）])\s*")),
    ("num", re.compile(r"^\s*(\d{1,3})\s*(?:[.．、](?!\d)|\s(?=[\u4e00-\u9fff]))\s*")),
    ("pnum", re.compile(r"^\s*([（(]\s*\d{1,3}\s*[)）])\s*")),
    ("shi", re.compile(rf"^\s*(({CN_NUM})是)(?=[\u4e00-\u9fff“\"])")),
]
MARKER_RANK = {kind: i for i, (kind, _) in enumerate(MARKERS)}

LABEL = re.compile(
    r"^\s*(?:[\[【（(]\s*)?(牵头单位|责任单位|主责单位|负责单位|配合单位|协办单位|参与单位|协助单位|"
    r"完成时限|完成时间|时间节点|时限要求|进度安排)\s*[:：]")

TERMINAL = "。！？；：…”’」』）)】"

# Labels of a web page's or a document's header block (发布时间:… 文号:… 来源:…), in one place.
HEADER_LABELS = ("发布时间", "发布日期", "成文日期", "印发日期", "索引号", "文号", "发文字号", "来源", "信息来源",
                 "发布机构", "发文机关", "主题分类", "主题词", "签发人", "字号", "浏览次数", "点击数", "标题")
# a header table may letter-space its labels (标　　题：, 索 引 号：, 文      号：): at most eight spaces between characters
_SPACED_LABELS = "|".join(r"[ \t]{0,8}".join(label) for label in HEADER_LABELS)
HEADER_FIELD = re.compile(r"(" + _SPACED_LABELS + r")[ \t]*[:：]")
HEADER_LINE = re.compile(r"^\s*(" + _SPACED_LABELS + r")[ \t]*[:：]")


def header_label(found: str) -> str:
    """A header label as matched (标  题) → as listed (标题)."""
    return re.sub(r"[ \t]", "", found)

DOC_NUMBER = re.compile(
    r"([\u4e00-\u9fff]{1,14}?)\s*[〔\[［（(【﹝{]\s*((?:19|20)\d{2})\s*[〕\]］）)】﹞}]\s*(?:第\s*)?(\d{1,5})\s*号")

ARABIC_DATE = re.compile(r"((?:19|20)\d{2})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(?:(\d{1,2})\s*日?)?")
CN_DATE = re.compile(rf"([〇零一二三四五六七八九○Ｏ0]{{4}})\s*年\s*({CN_NUM})\s*月(?:\s*({CN_NUM})\s*日)?")

CJK = re.compile(r"[\u4e00-\u9fff]")


_MARKER_FIRST = frozenset(CN_DIGITS + "（(")  # what a marker's first character after white space can be, besides a digit


def marker_of(line: str) -> tuple[str, str, int] | None:
    """The numbering marker that opens a line: (kind, marker as written, end offset), or None."""
    head = line.lstrip()[:1]  # str.isspace is re's \s, str.isdecimal its \d: most lines are settled here
    if not head or not (head in _MARKER_FIRST or head.isdecimal()):
        return None
    for kind, rx in MARKERS:
        m = rx.match(line)
        if m:
            rest = line[m.end():]
            if kind == "num" and re.match(r"^\d|^[年月日%％万亿个]", rest):
                return None  # 2021年…, 3个… are not numbering
            if kind == "cn" and len(m.group(1)) > 3:
                return None
            return kind, line[m.start(1): m.end()].strip(), m.end()
    return None


def cn_to_int(s: str) -> int | None:
    """Chinese numeral (一 … 九十九, 二〇二〇 digit strings) → int."""
    digits = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "0": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    s = s.strip()
    if not s:
        return None
    if all(c in digits for c in s) and len(s) > 1:
        return int("".join(str(digits[c]) for c in s))
    total, current = 0, 0
    for c in s:
        if c in digits:
            current = digits[c]
        elif c == "十":
            total += (current or 1) * 10
            current = 0
        elif c == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


# A name that ends like an organisation (a signature, an issuer, a 来源).
ORG_END = re.compile(r"(人民政府|政府|国务院|人民法院|人民检察院|办公室|办公厅|委员会|管委会|局|委|厅|办|部|集团|学校|学院|大学|中心|联合会|"
                      r"总工会|协会|公司|研究院|党委|小组|工委|政协|人大常委会)$")


_DATE_ALONE = re.compile(r"((19|20)\d{2}年\d{1,2}月(\d{1,2}日)?|(19|20)\d{2}[-./]\d{1,2}([-./]\d{1,2})?)")
# 附注 under the 成文日期 (GB/T 9704 §7.3.7): （此件公开发布）
PUBLICITY_NOTE = re.compile(r"^[（(]此件.{0,12}[)）]$")


def is_date_line(s: str) -> bool:
    """A line that is only a date (2021年3月1日, 2021-03-01, 二〇二一年三月一日): a 成文日期 or a date bar."""
    s = s.replace(" ", "")
    return bool(_DATE_ALONE.fullmatch(s) or CN_DATE.fullmatch(s))


GLYPHLESS_DATE = re.compile(r"^((?:19|20)\d{2})(\d{2,4})$")


def glyphless_readings(digits: str) -> list[str]:
    """The valid dates a date that lost its 年月日 can be (202237 → 2022-03-07; 2019116 → 2019-01-16 and
    2019-11-06), earliest first (GUIDE §7)."""
    import calendar

    m = GLYPHLESS_DATE.match(digits)
    if not m:
        return []
    year, rest = int(m.group(1)), m.group(2)
    out = set()
    for k in (1, 2):
        month, day = rest[:k], rest[k:]
        if not day or len(day) > 2 or month.startswith("0") and k == 1 or day.startswith("0") and len(day) == 1:
            continue
        mo, d = int(month), int(day)
        if 1 <= mo <= 12 and 1 <= d <= calendar.monthrange(year, mo)[1]:
            out.add(f"{year}-{mo:02d}-{d:02d}")
    return sorted(out)


def parse_date(text: str) -> str | None:
    """First date in text as YYYY-MM-DD, or YYYY-MM when the day is not given."""
    best: tuple[int, str] | None = None
    m = ARABIC_DATE.search(text)
    if m and 1 <= int(m.group(2)) <= 12:
        day = int(m.group(3)) if m.group(3) else None
        if day is not None and not 1 <= day <= 31:
            day = None
        val = f"{m.group(1)}-{int(m.group(2)):02d}" + (f"-{day:02d}" if day else "")
        best = (m.start(), val)
    m = CN_DATE.search(text)
    if m:
        y, mo = cn_to_int(m.group(1)), cn_to_int(m.group(2))
        d = cn_to_int(m.group(3)) if m.group(3) else None
        if y and mo and 1 <= mo <= 12 and (best is None or m.start() < best[0]):
            best = (m.start(), f"{y}-{mo:02d}" + (f"-{d:02d}" if d and 1 <= d <= 31 else ""))
    return best[1] if best else None
