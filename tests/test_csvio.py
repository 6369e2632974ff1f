"""The one CSV writer (:mod:`metaeval.csvio`): no ``to_csv`` elsewhere in the package, formulas
neutralised in every CSV a command writes (cells and headers), and metaeval's readers read the
escaped files back exactly."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import metaeval
from metaeval.cli import app
from metaeval.csvio import csv_text, escape, read_back, spreadsheet_safe, unescape
from metaeval.data.readers import read_table
from metaeval.score.files import read_scores, write_scores

PACKAGE = Path(metaeval.__file__).resolve().parent
HOSTILE_SYSTEM = "=HYPERLINK(\"http://x\",\"y\")"
HOSTILE_METRIC = "@SUM(1)"
runner = CliRunner()


def _csv_calls(path: Path) -> list[str]:
    """``to_csv`` calls and ``csv.writer``/``DictWriter`` uses in one module (line, name)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "to_csv" or (
                    node.func.attr in ("writer", "DictWriter")
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "csv"):
                found.append(f"{node.lineno} {node.func.attr}")
    return found


def test_no_csv_is_written_outside_the_one_writer():
    calls = [f"{p.relative_to(PACKAGE.parent)}:{c}" for p in sorted(PACKAGE.rglob("*.py"))
             if p.name != "csvio.py" for c in _csv_calls(p)]
    assert calls == []


def test_the_scan_sees_a_bypassing_call(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("import csv\ndef f(frame, h):\n    frame.to_csv('x.csv')\n"
                      "    csv.writer(h).writerow([1])\n")
    assert _csv_calls(source) == ["3 to_csv", "4 writer"]


def test_escape_is_reversible_and_leaves_numbers():
    cells = ["=1+1", "+x", "-ter", "@sum", "\tx", "\rx", "'=x", "''@y", "ok", "'ok", "", "a=b"]
    escaped = [escape(c) for c in cells]
    assert escaped == ["'=1+1", "'+x", "'-ter", "'@sum", "'\tx", "'\rx", "''=x", "'''@y", "ok",
                       "'ok", "", "a=b"]
    assert [unescape(c) for c in escaped] == cells
    frame = pd.DataFrame({"=m": ["=1", "ok"], "value": [-1.5, 2.0],
                          "cat": pd.Categorical(["-x", "y"])})
    safe = spreadsheet_safe(frame)
    assert list(safe.columns) == ["'=m", "value", "cat"]
    assert list(safe["'=m"]) == ["'=1", "ok"] and list(safe["value"]) == [-1.5, 2.0]
    assert list(safe["cat"].astype(str)) == ["'-x", "y"]
    back = read_back(pd.read_csv(io.StringIO(csv_text(frame))))
    assert list(back.columns) == ["=m", "value", "cat"] and list(back["=m"]) == ["=1", "ok"]
    assert list(back["value"]) == [-1.5, 2.0]


def _formula_cells(path: Path) -> list[str]:
    """Cells and header names of a CSV that a spreadsheet would run (numbers excepted)."""
    bad = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            for cell in row:
                if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    try:
                        float(cell)
                    except ValueError:
                        bad.append(cell)
    return bad


@pytest.fixture
def hostile(tmp_path):
    """A judgement table whose system and metric names are spreadsheet formulas."""
    rng = np.random.default_rng(7)
    rows = []
    for s, system in enumerate(["a", "b", "c", HOSTILE_SYSTEM]):
        for i in range(12):
            h = rng.normal() + 0.4 * s
            rows.append({"item": f"i{i}", "system": system, "human": h,
                         HOSTILE_METRIC: h + rng.normal(), "-m2": h + 2 * rng.normal()})
    path = tmp_path / "d.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    (tmp_path / "d.csv.yaml").write_text("item: item\nsystem: system\nhuman: human\n")
    return path


def test_explain_csv_neutralises_formulas(hostile, tmp_path):
    out = tmp_path / "gaps.csv"
    ran = runner.invoke(app, ["explain", "--data", str(hostile), "--top", "50",
                              "--csv", str(out)])
    assert ran.exit_code == 0, ran.output
    assert _formula_cells(out) == []
    raw = out.read_text()
    assert f"'{HOSTILE_METRIC}" in raw and "'=HYPERLINK" in raw


def test_power_csv_neutralises_formulas(hostile, tmp_path):
    ran = runner.invoke(app, ["power", "--data", str(hostile), "--grid", "6,12", "--reps", "5",
                              "--k", "20", "--out", str(tmp_path / "p")])
    assert ran.exit_code == 0, ran.output
    assert _formula_cells(tmp_path / "p" / "power.csv") == []
    assert f"'{HOSTILE_METRIC}" in (tmp_path / "p" / "power.csv").read_text()


def test_listening_items_csv_is_safe_and_reads_back(tmp_path):
    rows = [{"item": f"i{i}", "system": s, "rater": f"r{r}", "rating": 1 + (i + r + k) % 5}
            for i in range(4) for k, s in enumerate(["A", HOSTILE_SYSTEM]) for r in range(3)]
    pd.DataFrame(rows).to_csv(tmp_path / "ratings.csv", index=False)
    ran = runner.invoke(app, ["listening", "summarize", "--data", str(tmp_path / "ratings.csv"),
                              "--format", "long", "--scale", "1,5", "--out", str(tmp_path / "o"),
                              "--k", "20", "--quiet"])
    assert ran.exit_code == 0, ran.output
    for name in ("items.csv", "systems.csv", "raters.csv"):
        assert _formula_cells(tmp_path / "o" / name) == [], name
    frame, _ = read_table(tmp_path / "o" / "items.csv", ("item", "system"))
    assert set(frame["system"]) == {"A", HOSTILE_SYSTEM}  # the escape is undone on reading


def test_score_table_is_safe_and_reads_back(tmp_path):
    frame = pd.DataFrame({"item": ["=1+1", "x"], "system": ["-s", "@t"], "chrf": [-0.5, 0.25],
                          "errors": ["", "+oops"]})
    frame.attrs["metrics"] = {"chrf": {"higher_is_better": True, "signature": "chrf|v"}}
    path = write_scores(frame, tmp_path / "scores.csv")
    assert _formula_cells(path) == []
    back, _ = read_scores(path)
    assert list(back["item"]) == ["=1+1", "x"] and list(back["system"]) == ["-s", "@t"]
    assert list(back["errors"].fillna("")) == ["", "+oops"]
    assert list(back["chrf"]) == [-0.5, 0.25]
