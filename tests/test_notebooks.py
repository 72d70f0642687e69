"""The research notebooks run top to bottom (nbclient) on the sample corpus, and are stored without outputs."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_there_are_three_notebooks_without_outputs():
    assert len(NOTEBOOKS) == 3
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [] and cell.get("execution_count") is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, built_seeds, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("KG_OUT", str(built_seeds))
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    shown = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any("image/png" in o.get("data", {}) for o in shown) or path.stem.startswith("02")


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
