"""The research notebooks run top to bottom (nbclient) on the sample corpus, and are stored without outputs."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def built_examples(tmp_path_factory):
    """Every bundled example (samples, development documents, the lineage chain), as the README builds them."""
    from kg.build import build
    from loaders.read import iter_paths

    out = tmp_path_factory.mktemp("examples-build")
    report = build(iter_paths([Path(__file__).resolve().parent.parent / "examples"]), out, jobs=2)
    assert report.conforms and not report.failed
    return out


def test_there_are_four_notebooks_without_outputs():
    assert len(NOTEBOOKS) == 4
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [] and cell.get("execution_count") is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, built_seeds, request, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    # the policy-diffusion notebook needs the lineage chain; the others read the five samples
    out = request.getfixturevalue("built_examples") if path.stem.startswith("04") else built_seeds
    monkeypatch.setenv("KG_OUT", str(out))
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    shown = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    images = sum("image/png" in o.get("data", {}) for o in shown)
    assert images >= (4 if path.stem.startswith("04") else 1) or path.stem.startswith("02")
    text = "".join(o.get("text", "") for o in shown)
    assert "Glyph" not in text and "missing from" not in text  # no Chinese drawn as empty boxes


def test_cjk_font_found_after_matplotlib_cached_a_list_without_it(monkeypatch):
    """A font installed after matplotlib's first run is found: the stale font cache is rebuilt once."""
    import shutil
    import subprocess

    from matplotlib import font_manager

    from kg.notebook import use_cjk_font

    fc = shutil.which("fc-list")
    if not fc or "WenQuanYi" not in subprocess.run([fc], capture_output=True, text=True).stdout:
        pytest.skip("no CJK font installed (.ci/run installs fonts-wqy-microhei)")
    stale = font_manager.FontManager.__new__(font_manager.FontManager)
    stale.__dict__.update(font_manager.fontManager.__dict__)
    stale.ttflist = [f for f in font_manager.fontManager.ttflist if "WenQuanYi" not in f.name
                     and "CJK" not in f.name]
    monkeypatch.setattr(font_manager, "fontManager", stale)
    monkeypatch.setattr(font_manager, "_load_fontmanager",
                        lambda try_read_cache=True: font_manager.FontManager())  # leave the user's cache alone
    assert use_cjk_font() is not None
