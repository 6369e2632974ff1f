"""`metaeval correlate --domain mt` and `--domain text` from the bundled data (a subset of the
default metrics to keep the suite short; the defaults run in `make demo`-style use)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval.cli import app

runner = CliRunner()


@pytest.mark.slow
def test_mt_domain_scores_then_correlates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default score cache lives under ./.cache
    result = runner.invoke(app, ["correlate", "--domain", "mt", "--metrics", "chrf,bleu",
                                 "--k", "50", "--out", "o", "--format", "csv,json,html"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "o" / "results.csv")
    assert set(table["metric"]) == {"chrf", "bleu"} and set(table["group"]) == {"all"}
    assert set(table["level"]) == {"item", "none", "system"}
    system = table[(table["level"] == "system") & (table["coefficient"] == "pearson")]
    assert set(system["n"]) == {13}
    report = json.loads((tmp_path / "o" / "results.json").read_text())
    assert "human-def:MQM = -mean over raters" in report["signature"]
    assert "chrf{chrf@" in report["signature"]
    assert "one reference (the human translation" in (tmp_path / "o" / "index.html").read_text()
    assert list((tmp_path / ".cache" / "metaeval-scores").glob("chrf.sqlite"))


@pytest.mark.slow
def test_text_domain_writes_one_report_with_every_aspect(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["correlate", "--domain", "text", "--metrics",
                                 "bleu,rouge:variant=rouge1", "--k", "20", "--out", "o",
                                 "--format", "csv", "--human", "coherence,relevance"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["results.csv"]
    table = pd.read_csv(tmp_path / "o" / "results.csv")
    assert list(pd.unique(table["human"])) == ["coherence", "relevance"]
    for aspect in ("coherence", "relevance"):
        rows = table[table["human"] == aspect]
        assert set(rows["metric"]) == {"bleu", "rouge:variant=rouge1"}
        assert set(rows["level"]) == {"item", "system"}
        assert rows["task"].str.contains(f"gold={aspect};").all()
    assert "kendall_b with coherence" in result.stdout and "with relevance" in result.stdout
