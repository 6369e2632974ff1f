"""Every docstring example in the package runs and prints what it shows (torchmetrics-style
doctested examples): each module whose source holds ``>>>`` is imported and doctested."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "metaeval"
WITH_EXAMPLES = sorted(
    ".".join(p.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__")
    for p in ROOT.rglob("*.py") if ">>>" in p.read_text(encoding="utf-8"))


def test_examples_are_found():
    assert "metaeval.progress" in WITH_EXAMPLES and "metaeval.stats.levels" in WITH_EXAMPLES


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
