"""`metaeval correlate --human a,b` (issue 18): one run, one cost estimate on stderr, one report
folder with the layout of a one-human run (a ``human`` column, a section and tables per human),
each human's numbers those of its own run; `metaeval meta` picks one human of such a report."""

from __future__ import annotations

import json
import re
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.correlation import budget

REPORT = ["index.html", "results.csv", "results.json", "table.tex"]


def _write(path, seed):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(20):
        for s in range(4):
            q = rng.normal()
            rows.append({"item": f"i{i}", "system": f"s{s}", "a": q + 0.5 * rng.normal(),
                         "b": -q + rng.normal(), "m1": q + rng.normal(), "m2": rng.normal(),
                         "m3": q + 2 * rng.normal()})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture()
def table(tmp_path):
    return _write(tmp_path / "ratings.csv", 31)


def _correlate(path, out, human, *more):
    return CliRunner().invoke(app, ["correlate", "--data", str(path), "--item", "item",
                                    "--system", "system", "--human", human, "--metrics",
                                    "m1,m2,m3", "--k", "30", "--level", "none,item", "--out",
                                    str(out), *more])


def test_two_humans_are_one_run_with_one_estimate_and_one_folder(table, tmp_path, monkeypatch):
    monkeypatch.setattr(budget, "ANNOUNCE_SECONDS", 0.0)  # announce whatever the cost
    out = tmp_path / "both"
    result = _correlate(table, out, "a,b")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("estimated run time") == 1
    assert sorted(p.name for p in out.iterdir()) == REPORT
    assert "with a, level none" in result.stdout and "with b, level item" in result.stdout
    assert result.stdout.count("signature: ") == 1 and "|human:a,b|" in result.stdout
    csv = pd.read_csv(out / "results.csv")
    assert list(csv.columns[:2]) == ["human", "task"]
    assert list(pd.unique(csv["human"])) == ["a", "b"]
    for human in ("a", "b"):
        alone = tmp_path / human
        assert _correlate(table, alone, human).exit_code == 0
        own = pd.read_csv(alone / "results.csv")
        assert set(own["human"]) == {human}
        rows = csv[csv["human"] == human].reset_index(drop=True)
        pd.testing.assert_frame_equal(rows, own, check_exact=True)
    report = json.loads((out / "results.json").read_text())
    assert report["humans"] == ["a", "b"] and list(report["by_human"]) == ["a", "b"]
    assert "|human:a,b|" in report["signature"]
    assert "|human:b|" in report["by_human"]["b"]["signature"]


def test_the_report_has_a_section_and_tables_per_human(table, tmp_path):
    out = tmp_path / "both"
    assert _correlate(table, out, "a,b").exit_code == 0
    html = (out / "index.html").read_text()
    assert [m for m in re.findall(r'<section class="human" id="([^"]+)"', html)] == [
        "human-a", "human-b"]
    ids = Counter(re.findall(r'\bid="([^"]+)"', html))
    assert not [i for i, n in ids.items() if n > 1]  # every id once, figures' included
    assert set(re.findall(r'url\(#([^)]+)\)', html)) <= set(ids)
    tex = (out / "table.tex").read_text()
    assert tex.startswith("% human score: a\n") and "\n% human score: b\n" in tex
    labels = re.findall(r"\\label\{([^}]+)\}", tex)
    assert labels == ["tab:metaeval-ratings-a-none", "tab:metaeval-ratings-a-item",
                      "tab:metaeval-ratings-b-none", "tab:metaeval-ratings-b-item"]


def test_one_human_has_the_same_layout_with_one_section(table, tmp_path):
    out = tmp_path / "one"
    result = _correlate(table, out, "b")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == REPORT
    html = (out / "index.html").read_text()
    assert re.findall(r'<section class="human" id="([^"]+)"', html) == ["human-b"]
    report = json.loads((out / "results.json").read_text())
    assert report["humans"] == ["b"] and report["signature"] == \
        report["by_human"]["b"]["signature"]
    assert (out / "table.tex").read_text().startswith("% human score: b\n")


def test_meta_takes_one_human_of_a_report_of_several(table, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    assert _correlate(table, first, "a,b", "--keep-draws").exit_code == 0
    other = _write(tmp_path / "other.csv", 32)
    assert _correlate(other, second, "a,b", "--keep-draws").exit_code == 0
    runner = CliRunner()
    refused = runner.invoke(app, ["meta", str(first), str(second), "--out",
                                  str(tmp_path / "m")])
    assert refused.exit_code == 2
    assert "holds the results of 2 human scores" in refused.stderr
    assert "--human" in refused.stderr and refused.stderr.count("\n") == 1
    done = runner.invoke(app, ["meta", str(first), str(second), "--human", "b", "--out",
                               str(tmp_path / "m")])
    assert done.exit_code == 0, done.output
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    rows = pd.read_csv(first / "results.csv")
    rows = rows[(rows["human"] == "b") & (rows["level"] == "none")
                & (rows["coefficient"] == "spearman")]
    per_set = {r["metric"]: r["per_set"]["first"]["statistic"] for r in meta["metrics"]}
    assert per_set == dict(zip(rows["metric"], rows["statistic"]))
    assert all(s["draws"] for s in meta["sets"])
