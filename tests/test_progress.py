"""Progress on a stderr that is not a terminal: plain lines at most every 30 s and at the end
(a log file got nothing from the live bars until the run ended)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from metaeval import progress
from metaeval.cli import app
from metaeval.progress import LineProgress, duration


def test_lines_at_most_every_interval_with_time_left():
    out = io.StringIO()
    times = iter([0.0, 10.0, 31.0, 45.0, 70.0, 75.0])
    bar = LineProgress("correlate", 4, stream=out, clock=times.__next__, unit="tasks")
    for done in (1, 2, 3, 4):  # at 10 s (too early), 31 s, 45 s (too early), 70 s
        bar.update(done, detail=f"task {done}")
    bar.close()
    assert out.getvalue().splitlines() == [
        "correlate: 2/4 tasks (50%), 31 s elapsed, about 31 s left; task 2",
        "correlate: 4/4 tasks (100%), 1 min 10 s elapsed; task 4",
        "correlate: done, 4/4 tasks in 1 min 15 s"]


def test_a_short_run_stays_silent():
    out = io.StringIO()
    bar = LineProgress("scoring", 10, stream=out, clock=iter([0.0, 1.0, 2.0]).__next__)
    bar.update(10)
    bar.close()
    assert out.getvalue() == ""


def test_durations():
    assert [duration(s) for s in (0.4, 59, 90, 600, 3900)] == [
        "0 s", "59 s", "1 min 30 s", "10 min", "1 h 5 min"]


def test_correlate_prints_progress_lines_to_a_log(tmp_path, monkeypatch):
    monkeypatch.setattr(progress, "EVERY_SECONDS", 0.0)  # every update is due
    rng = np.random.default_rng(5)
    gold = rng.normal(size=(5, 12))
    frame = pd.DataFrame({"item": np.tile(np.arange(12), 5), "system": np.repeat(range(5), 12),
                          "h": gold.ravel(), "m": gold.ravel() + rng.normal(size=60)})
    frame.to_csv(tmp_path / "t.csv", index=False)
    result = CliRunner().invoke(app, ["correlate", "--data", str(tmp_path / "t.csv"), "--item",
                                      "item", "--system", "system", "--human", "h", "--k", "20",
                                      "--level", "item,none", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("correlate: ")]
    assert lines[-1].startswith("correlate: done, 4/4 tasks in ")
    assert any("tasks (" in line and "elapsed" in line for line in lines[:-1])
