"""Helpers for the research notebooks: the sample graph, Cypher into pandas, Chinese in matplotlib."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sample_graph() -> Path:
    """The build folder to use: $KG_OUT, else ./out, built from examples/ (as the README's first command does)
    when it is not there yet."""
    out = Path(os.environ.get("KG_OUT") or ROOT / "out")
    if not (out / "graph.lbug").exists():
        from loaders.read import iter_paths

        from .build import build

        build(iter_paths([ROOT / "examples"]), out)
    return out


def cypher(out: Path, query: str, params: dict | None = None):
    """A Cypher query on the embedded database, as a pandas DataFrame."""
    import pandas as pd

    from .stores.ladybug import LadybugReader

    with LadybugReader(out) as db:
        columns, rows = db.run(query, params or {})
    return pd.DataFrame(rows, columns=columns)


def use_cjk_font() -> str | None:
    """Make matplotlib draw Chinese with an installed CJK font; returns the font's name (None if none)."""
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    wanted = ("WenQuanYi", "Noto Sans CJK", "Noto Sans SC", "Source Han Sans", "Microsoft YaHei", "PingFang",
              "SimHei", "Heiti")
    def cjk() -> list[str]:
        return sorted({f.name for f in font_manager.fontManager.ttflist if any(w in f.name for w in wanted)})

    names = cjk()
    if not names:  # a font installed after matplotlib's first run is not in its cache: rebuild it once
        font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
        names = cjk()
    if names:
        plt.rcParams["font.sans-serif"] = names + list(plt.rcParams["font.sans-serif"])
        plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["axes.unicode_minus"] = False
    return names[0] if names else None


def inline_page(path: Path, height: int = 600):
    """A pyvis page shown inside the notebook (an iframe holding the whole page, so it works offline)."""
    import html

    from IPython.display import HTML

    page = path.read_text(encoding="utf-8")
    return HTML(f'<iframe srcdoc="{html.escape(page)}" style="width:100%;height:{height}px;border:0"></iframe>')
