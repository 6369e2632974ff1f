"""A small synthetic judgement table (5 systems x 8 items, two metrics, a text group column
whose values include 'all') and a CLI runner for the bad-input cases of the robustness tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval.cli import app

runner = CliRunner()


def invoke(*args):
    """Run ``metaeval *args``; the result (exit_code, output)."""
    return runner.invoke(app, [str(a) for a in args])


def one_error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    return errors[0]


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    rows = []
    for s in range(5):
        for i in range(8):
            h = rng.normal() + 0.3 * s
            rows.append({"item": f"i{i}", "system": f"s{s}", "human": h,
                         "m1": h + rng.normal(), "m2": h + 2 * rng.normal(),
                         "grp": "all" if i < 4 else "other"})
    path = tmp_path / "d.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


BASE = ("correlate", "--item", "item", "--system", "system", "--human", "human")
