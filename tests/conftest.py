"""Shared fixtures: paths of the bundled sample corpus and a helper to extract from text."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    """The bundled sample corpus (the five seed documents)."""
    return EXAMPLES


@pytest.fixture(scope="session")
def seed_docs():
    """Every document extracted from the sample corpus, by source file name."""
    from loaders import extract_file

    return {p.name: extract_file(p) for p in sorted(EXAMPLES.glob("*.txt"))}


def only(docs, **where):
    """The single document matching the given attribute values."""
    found = [d for d in docs if all(getattr(d, k) == v for k, v in where.items())]
    assert len(found) == 1, f"expected one document with {where}, found {len(found)}"
    return found[0]


def names(agencies) -> list[str]:
    """Agency names, in order."""
    return [a.name for a in agencies]
