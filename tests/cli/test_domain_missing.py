"""`--domain mt|text` with items whose scoring fails: `--missing drop` leaves those cells out
(with a note saying how many and why), the default stops with a message naming the option that
applies; `--empty-output zero|error` decides what an empty output scores there. The failing metric is a test metric (word count, NaN for a hypothesis with "?"), so the
failed cells are known in advance; the human scores are the bundled studies' (TED en-de MQM,
SummEval)."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.data import studies, summeval
from metaeval.data.studies import study
from metaeval.data.wmt_mqm import mqm_segments
from metaeval.metrics import registry
from metaeval.metrics.spec import MetricSpec
from tests.registered import registered

runner = CliRunner()


@pytest.fixture
def words(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the score cache lives under ./.cache
    monkeypatch.setitem(registry._BUILTIN, "test_words", MetricSpec(
        "test_words", "text", "tests.score.fakes:WordsUnlessMarked", ("hypothesis",)))
    return tmp_path


def _expected(domain: str) -> pd.DataFrame:
    """item, system, human and the test metric (NaN where the hypothesis has a "?")."""
    texts = study(domain).texts()
    texts = texts.assign(item=texts["item"].astype(str), system=texts["system"].astype(str),
                         test_words=[float("nan") if "?" in h else float(len(h.split()))
                                     for h in texts["hypothesis"]])
    if domain == "mt":
        human = mqm_segments(registered("wmt_mqm_ted") / "ende").rename(
            columns={"seg_id": "item"})[["item", "system", "mqm"]]
    else:
        human = summeval.summaries(registered("summeval")).rename(
            columns={"doc_id": "item"})[["item", "system", "coherence"]]
    human = human.assign(item=human["item"].astype(str), system=human["system"].astype(str))
    return texts[["item", "system", "test_words"]].merge(human, on=["item", "system"])


@pytest.mark.parametrize("domain, human", [("mt", "mqm"), ("text", "coherence")])
def test_missing_drop_leaves_failed_cells_out_with_a_note(words, domain, human):
    expected = _expected(domain)
    failed = int(expected["test_words"].isna().sum())
    assert failed > 0
    result = runner.invoke(app, ["correlate", "--domain", domain, "--metrics", "test_words",
                                 "--missing", "drop", "--human", human, "--coef", "pearson",
                                 "--level", "none", "--k", "20", "--out", "o", "--format",
                                 "csv"])
    assert result.exit_code == 0, result.output
    assert (f"--missing drop: test_words: {failed} of {len(expected)} items failed"
            in result.stderr)
    assert "left out of that metric's statistics" in result.stderr
    table = pd.read_csv(words / "o" / "results.csv")
    kept = expected.dropna(subset=["test_words", human])
    assert table["n"].tolist() == [len(kept)]
    assert table["statistic"][0] == pytest.approx(
        stats.pearsonr(kept[human], kept["test_words"]).statistic)


def test_without_missing_drop_the_message_names_the_option(words):
    result = runner.invoke(app, ["correlate", "--domain", "mt", "--metrics", "test_words",
                                 "--k", "20", "--out", "o", "--format", "csv", "--quiet"])
    assert result.exit_code == 1
    assert "scoring failed for some items: test_words:" in result.stderr
    assert "pass --missing drop" in result.stderr
    explained = runner.invoke(app, ["explain", "--domain", "mt", "--metric", "test_words",
                                    "--missing", "drop", "--top", "1"])
    assert explained.exit_code == 0, explained.output
    assert "test_words" in explained.stdout


@pytest.fixture
def one_empty_output(monkeypatch, tmp_path):
    """The TED en-de texts with the first system output emptied (where TED has none)."""
    monkeypatch.chdir(tmp_path)
    entry = studies.study("mt")
    texts = entry.texts()
    texts.loc[0, "hypothesis"] = " "

    monkeypatch.setitem(studies.STUDIES, entry.name, replace(entry, texts=lambda: texts.copy()))
    return texts.loc[0, ["item", "system"]].astype(str).tolist()


def test_empty_output_zero_in_a_domain_run(one_empty_output, tmp_path):
    item, system = one_empty_output
    base = ["correlate", "--domain", "mt", "--metrics", "chrf", "--coef", "pearson", "--level",
            "none", "--k", "0", "--format", "json", "--quiet"]
    refused = runner.invoke(app, [*base, "--out", "a"])
    assert refused.exit_code == 1 and "empty hypothesis" in refused.stderr
    zero = runner.invoke(app, [*base, "--empty-output", "zero", "--out", "z"])
    assert zero.exit_code == 0, zero.output
    dropped = runner.invoke(app, [*base, "--missing", "drop", "--out", "d"])
    assert dropped.exit_code == 0, dropped.output
    z, d = (json.loads((tmp_path / name / "results.json").read_text()) for name in "zd")
    assert "+empty-output:zero" in z["signature"] and "empty-output" not in d["signature"]
    assert z["results"][0]["n"] == d["results"][0]["n"] + 1  # the empty cell enters, as 0
    own = [a if a != "chrf" else "chrf:empty_output=zero" for a in base]  # the request's own
    mine = runner.invoke(app, [*own, "--out", "m"])
    assert mine.exit_code == 0, mine.output
    m = json.loads((tmp_path / "m" / "results.json").read_text())
    assert m["results"][0]["statistic"] == z["results"][0]["statistic"]
    assert "+empty-output:zero" in m["signature"]
    error = runner.invoke(app, [*base, "--empty-output", "error", "--out", "e"])
    assert error.exit_code == 1
    assert f"item {item!r}, system {system!r}: empty system output" in error.stderr


def test_empty_output_is_refused_where_the_scores_come_with_the_data(tmp_path):
    table = tmp_path / "t.csv"
    pd.DataFrame({"item": [1, 1, 2, 2], "system": list("abab"), "human": [1, 2, 3, 4.0],
                  "m": [1, 2, 3, 5.0]}).to_csv(table, index=False)
    result = runner.invoke(app, ["correlate", "--data", str(table), "--human", "human",
                                 "--empty-output", "zero", "--k", "0", "--out",
                                 str(tmp_path / "o")])
    assert result.exit_code == 2 and "--empty-output zero" in result.stderr
    assert "metaeval score --empty-output" in result.stderr and not (tmp_path / "o").exists()
