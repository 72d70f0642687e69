"""The interactive page (issue #5): offline, escaped, checked in a real headless Chromium."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg.build import build
from kg.projection import DERIVED, read_tables
from kg.viz import Selection, VizError, page, select

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOT = ROOT / "docs" / "overview.png"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's package) driven by Playwright; the test installs nothing."""
    if CHROMIUM is None:
        pytest.skip("the browser test needs Chromium (Debian package `chromium`; .ci/run installs it)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser, path: Path, viewport=(1400, 900)):
    """Open a page from disk; collect console errors, page errors and any network request."""
    ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    pg = ctx.new_page()
    errors, requests = [], []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    pg.goto(path.as_uri())
    pg.wait_for_function("window.pkReady === true", timeout=60_000)
    return ctx, pg, errors, requests


def test_overview_page_renders_offline_with_every_node(browser, built_seeds, tmp_path):
    pg_data = read_tables(built_seeds)
    n_nodes = pg_data.counts()[0]
    n_rels = sum(len(rows) for rtype, rows in pg_data.rels.items() if rtype not in DERIVED)  # facts only
    ctx, page_, errors, requests = open_page(browser, built_seeds / "overview.html")
    try:
        assert errors == [] and requests == []
        assert page_.evaluate("nodes.length") == n_nodes
        assert page_.evaluate("edges.length") == n_rels
        assert page_.evaluate("network.body.data.nodes.length") == n_nodes
        assert "policykg" in page_.title()
        shot = tmp_path / "overview.png"
        page_.screenshot(path=str(shot))
        assert shot.stat().st_size > 20_000
        _compare_with_committed(shot)
        # the filter menu hides what is not chosen
        page_.select_option("#pk-type", "Agency")
        visible = page_.evaluate("nodes.get().filter(function (n) { return !n.hidden; }).length")
        assert visible == len(pg_data.nodes["Agency"])
    finally:
        ctx.close()


def _compare_with_committed(shot: Path) -> None:
    """The README's screenshot shows what this test renders (same size, nearly the same pixels)."""
    from PIL import Image, ImageChops, ImageStat

    if not SCREENSHOT.exists():
        pytest.fail(f"{SCREENSHOT} is missing: copy {shot} there")
    a, b = Image.open(shot).convert("RGB"), Image.open(SCREENSHOT).convert("RGB")
    assert a.size == b.size
    diff = ImageStat.Stat(ImageChops.difference(a, b)).mean
    assert max(diff) < 12, f"the committed screenshot no longer matches the page (mean diff {diff})"


PAYLOADS = (
    '<script>window.pwned = 1</script><b>粗体</b>',
    '<a href="javascript:window.pwned=2">链接</a>',
    '<img src=x onerror="window.pwned=3">',
    '<img src="http://127.0.0.1:9/remote.png">',
    '<svg onload="window.pwned=4"></svg>',
    "<iframe src='javascript:parent.pwned=5'></iframe>",
    '<a href=http://127.0.0.1:9/x style="background:url(http://127.0.0.1:9/bg.png)">x</a>',
)


def test_document_text_with_markup_shows_as_text(browser, tmp_path):
    items = "".join(f"（{i + 1}）建设实训基地{p}。（市教育局牵头，市财政局配合）\n" for i, p in enumerate(PAYLOADS))
    text = "曲靖市人民政府关于推进产教融合的<a href=\"http://127.0.0.1:9/t\">实施方案</a>\n\n一、重点任务\n" + items
    (tmp_path / "evil.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    report = build([tmp_path / "evil.txt"], out, jobs=1)
    assert report.conforms
    html_text = (out / "overview.html").read_text(encoding="utf-8")
    assert "popup.innerHTML" not in html_text and "Content-Security-Policy" in html_text
    ctx, page_, errors, requests = open_page(browser, out / "overview.html")
    try:
        tips = page_.evaluate("nodes.get().filter(function (n) { return n.kind === 'Task'; })"
                              ".map(function (n) { return n.title; }).join('\\n')")
        for payload in PAYLOADS:
            assert payload in tips  # kept as text …
        # hover every node and edge so each tooltip is shown
        ids = page_.evaluate("nodes.getIds()")
        for node_id in ids:
            pos = page_.evaluate("(function (id) { var p = network.getPositions([id])[id];"
                                 " return network.canvasToDOM(p); })", node_id)
            page_.mouse.move(pos["x"], pos["y"])
            page_.wait_for_timeout(200)
            if page_.locator("div.vis-tooltip").count():
                assert page_.locator("div.vis-tooltip img, div.vis-tooltip a, div.vis-tooltip script, "
                                     "div.vis-tooltip svg, div.vis-tooltip iframe").count() == 0
        shown = page_.evaluate("(document.querySelector('div.vis-tooltip') || {}).innerText || ''")
        assert shown  # a tooltip was shown, as text
        assert page_.evaluate("window.pwned") is None  # … never run
        assert page_.locator("#mynetwork img, #mynetwork a, #mynetwork iframe").count() == 0
        assert requests == [] and errors == []
    finally:
        ctx.close()


def test_selection_by_document_agency_topic_and_jurisdiction(built_seeds, tmp_path):
    pg = read_tables(built_seeds)
    nodes, rels = select(pg, Selection(doc="曲靖市推进产教融合的实施方案", depth=1))
    names = {n.get("name") for n in nodes}
    assert "曲靖市推进产教融合的实施方案" in names and "曲靖市教育体育局" not in names  # tasks, not beyond
    nodes2, _ = select(pg, Selection(doc="曲靖市推进产教融合的实施方案", depth=2))
    assert "曲靖市教育体育局" in {n.get("name") for n in nodes2}
    assert select(pg, Selection(agency="五华区教育体育局", depth=1))[0]
    assert select(pg, Selection(topic="产教融合", depth=1))[0]
    assert select(pg, Selection(jurisdiction="呼图壁县", depth=1))[0]
    with pytest.raises(VizError):
        select(pg, Selection(agency="不存在的局"))
    path, n, m = page(pg, Selection(agency="五华区教育体育局", depth=1), tmp_path / "a.html")
    html_text = path.read_text(encoding="utf-8")
    assert n > 20 and m > 20 and "vis-network" in html_text
    assert 'src="http' not in html_text and 'href="http' not in html_text


def test_viz_cli(built_seeds, tmp_path):
    res = subprocess.run([sys.executable, "-m", "kg", "viz", "--topic", "产教融合", "--depth", "1", "--out",
                          str(built_seeds), "--page", str(tmp_path / "t.html")], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "t.html").exists()
    res = subprocess.run([sys.executable, "-m", "kg", "viz", "--out", str(built_seeds)], capture_output=True,
                         text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 2 and "choose exactly one" in res.stderr


def test_the_overview_is_drawn_again_only_when_what_it_shows_changes(tmp_path, examples_dir):
    """Issue 11: a rebuild whose overview selection is unchanged takes the page in place (drawing is the slow part);
    a changed corpus draws it again."""
    import json
    import shutil

    src = tmp_path / "in"
    src.mkdir()
    for p in sorted(examples_dir.glob("*.txt"))[:3]:
        shutil.copy(p, src / p.name)
    out = tmp_path / "out"

    def info():
        return json.loads((out / "build-info.json").read_text(encoding="utf-8"))

    build(sorted(src.glob("*.txt")), out, jobs=1)
    first, page_ = info(), (out / "overview.html").read_bytes()
    build(sorted(src.glob("*.txt")), out, jobs=1)
    again = info()
    assert again["overview_key"] == first["overview_key"] and (out / "overview.html").read_bytes() == page_
    (src / sorted(p.name for p in src.iterdir())[0]).unlink()
    build(sorted(src.glob("*.txt")), out, jobs=1)
    assert info()["overview_key"] != first["overview_key"] and (out / "overview.html").read_bytes() != page_
