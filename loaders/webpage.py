"""A government web page → its readable text, in one pass over the parser's events (linear in the page).

No tree is built: tree builders cap nesting (libxml2 drops text below depth 256) and mutating a tree per block
costs time that grows with the page. Chrome (menus, breadcrumbs, share bars, scripts) is skipped as a subtree;
a table row becomes one line of tab-separated cells; block elements and <br> end lines.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

CHROME_TAGS = frozenset({"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe",
                         "button", "select", "template", "svg"})
CHROME_ATTR = re.compile(r"(^|[\s_-])(nav|menu|breadcrumb|crumb|share|footer|header|sidebar|topbar|"
                         r"toolbar|ad|ads|advert|banner|login|search|position|location|weizhi)([\s_-]|$)", re.I)
BLOCK_TAGS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "table", "section", "article",
                        "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "center", "tbody", "thead", "tfoot",
                        "caption", "hr", "main", "figure", "figcaption"})
VOID_TAGS = frozenset({"br", "img", "meta", "link", "hr", "input", "area", "base", "col", "embed", "param",
                       "source", "track", "wbr"})
# A start tag that implicitly ends an open element of these names (HTML's optional end tags).
IMPLIED_END = {"td": ("td", "th"), "th": ("td", "th"), "tr": ("td", "th", "tr"), "li": ("li",), "p": ("p",),
               "dt": ("dt", "dd"), "dd": ("dt", "dd"), "option": ("option",)}
CHROME_LINE = re.compile(
    r"^(首页\s*[>＞›»].*|当前位置.*|您现在的位置.*|您的位置.*|.*分享到.*|.*【\s*(打印|关闭|字体|收藏)\s*.*】.*|"
    r"字体[:：]?\s*[大中小\s]+|(打印|关闭|返回顶部|关闭窗口|打印本页|收藏本页)(\s+(打印|关闭|返回顶部|关闭窗口))*|"
    r"扫一扫.*|.*微信扫.*|.*版权所有.*|.*ICP备.*|.*网站标识码.*|.*主办单位[:：].*承办.*)$")


class _PageText(HTMLParser):
    """Collects the page's text, its <title> and its first h1/h2, skipping chrome subtrees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []  # open elements
        self.open_count: dict[str, int] = {}
        self.skip_below: int | None = None  # stack depth of the chrome element being skipped
        self.sinks: list[list[str]] = [[]]  # text goes to the innermost sink (the page, a table cell)
        self.rows: list[list[str]] = []  # cells of the open table rows
        self.title: list[str] = []
        self.heading: list[str] | None = None
        self.heading_depth: int | None = None
        self.in_title = False

    # -- the stack of open elements
    def _push(self, tag: str) -> None:
        self.stack.append(tag)
        self.open_count[tag] = self.open_count.get(tag, 0) + 1

    def _pop(self) -> None:
        tag = self.stack.pop()
        self.open_count[tag] -= 1
        depth = len(self.stack)
        if self.skip_below is not None and depth <= self.skip_below:
            self.skip_below = None
            return
        if self.skip_below is not None:
            return
        if tag in ("td", "th") and self.rows:
            cell = re.sub(r"\s+", " ", "".join(self.sinks.pop())).strip()
            self.rows[-1].append(cell)
        elif tag == "tr" and self.rows:
            self.sinks.pop()
            cells = self.rows.pop()
            self.sinks[-1].append("\n" + "\t".join(cells) + "\n")
        elif tag == "title":
            self.in_title = False
        elif tag in BLOCK_TAGS:
            self.sinks[-1].append("\n")
        if self.heading_depth is not None and depth <= self.heading_depth:
            self.heading_depth = None

    def _close(self, tag: str) -> None:
        """Close the innermost open `tag` and everything opened inside it."""
        if not self.open_count.get(tag):
            return
        while self.stack:
            top = self.stack[-1]
            self._pop()
            if top == tag:
                break

    # -- parser events
    def handle_starttag(self, tag: str, attrs) -> None:
        for implied in IMPLIED_END.get(tag, ()):
            if self.stack and self.stack[-1] == implied:
                self._close(implied)
        if tag == "tr" and self.open_count.get("tr"):
            self._close("tr")
        if tag == "br":
            if self.skip_below is None:
                self.sinks[-1].append("\n")
            return
        if tag in VOID_TAGS:
            if tag == "hr" and self.skip_below is None:
                self.sinks[-1].append("\n")
            return
        depth = len(self.stack)
        self._push(tag)
        if self.skip_below is not None:
            return
        values = dict(attrs)
        names = " ".join(filter(None, [values.get("id") or "", values.get("class") or ""]))
        if tag in CHROME_TAGS or (names and CHROME_ATTR.search(names)):
            self.skip_below = depth
            return
        if tag == "title":
            self.in_title = True
        elif tag == "tr":
            self.rows.append([])
            self.sinks.append([])  # text between cells is dropped
        elif tag in ("td", "th") and self.rows:
            self.sinks.append([])
        elif tag in BLOCK_TAGS:
            self.sinks[-1].append("\n")
        if tag in ("h1", "h2") and self.heading is None:
            self.heading, self.heading_depth = [], depth

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS and self.stack and self.stack[-1] == tag:
            self._close(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "br":
            if self.skip_below is None:
                self.sinks[-1].append("\n")
            return
        self._close(tag)

    def handle_data(self, data: str) -> None:
        if self.skip_below is not None:
            return
        if self.in_title:
            self.title.append(data)
            return
        self.sinks[-1].append(data)
        if self.heading_depth is not None and self.heading is not None:
            self.heading.append(data)

    def text(self) -> str:
        while self.stack:
            self._pop()
        while len(self.sinks) > 1:  # rows left open at the end of the page
            inner = "".join(self.sinks.pop())
            self.sinks[-1].append(inner)
        return "".join(self.sinks[0])


def html_text(markup: str) -> str:
    """The readable text of a government web page: chrome (menus, breadcrumbs, share bars) dropped."""
    parser = _PageText()
    parser.feed(markup)
    parser.close()
    raw = parser.text()
    page_title = re.sub(r"\s+", " ", "".join(parser.title)).strip()
    heading_text = re.sub(r"\s+", "", "".join(parser.heading or []))
    lines = [re.sub(r"[ \t\u3000\xa0]+$", "", ln) for ln in raw.splitlines()]
    lines = [ln for ln in lines if not CHROME_LINE.match(ln.strip())]
    # Drop spam and chrome lines before the document's title (the page heading or <title> head).
    anchor = heading_text or re.split(r"[_|－—-]", page_title)[0].strip()
    if anchor:
        key = re.sub(r"\s+", "", anchor)[:20]
        for i, ln in enumerate(lines):
            if key and key in re.sub(r"\s+", "", ln):
                lines = lines[i:]
                break
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"
