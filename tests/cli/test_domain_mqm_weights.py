"""`--mqm-weights` with `--domain mt` weighs the TED en-de MQM errors (the numbers change as
computed by hand from the per-error rows, the signature records the weights); where the human
scores are not MQM it is refused, not ignored."""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.correlation import judgements
from metaeval.data.studies import study
from metaeval.errors import ParameterError
from metaeval.metrics import registry
from metaeval.metrics.spec import MetricSpec
from tests.registered import registered

runner = CliRunner()
NEVER = "fail_on=@@@"  # the test metric fails on no TED hypothesis


@pytest.fixture
def words(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(registry._BUILTIN, "test_words", MetricSpec(
        "test_words", "text", "tests.score.fakes:WordsUnlessMarked", ("hypothesis",)))
    return tmp_path


def hand_mqm(major: float, minor: float, punctuation: float, non_translation: float):
    """Segment MQM from the per-error rows: per rater the sum of the error weights (any
    Non-translation; else Major; Minor Fluency/Punctuation; other Minor; the rest 0), minus the
    mean over the segment's raters; reference systems left out."""
    rows = pd.read_csv(registered("wmt_mqm_ted") / "ende" / "mqm_ted_ende.tsv", sep="\t",
                       quoting=csv.QUOTE_NONE, keep_default_na=False)
    weight = []
    for category, severity in zip(rows["category"].str.strip(),
                                  rows["severity"].str.strip().str.lower(), strict=True):
        if category.lower().startswith("non-translation"):
            weight.append(non_translation)
        elif severity == "major":
            weight.append(major)
        elif severity == "minor":
            weight.append(punctuation if category == "Fluency/Punctuation" else minor)
        else:
            weight.append(0.0)
    rows = rows.assign(weight=weight)
    per_rater = rows.groupby(["system", "seg_id", "rater"])["weight"].sum()
    mqm = -per_rater.groupby(["system", "seg_id"]).mean()
    mqm = mqm.rename("mqm").reset_index()
    mqm = mqm[~mqm["system"].str.lower().str.startswith("ref")]
    return mqm.assign(item=mqm["seg_id"].astype(str))[["item", "system", "mqm"]]


def _run(options: list[str], out: str):
    result = runner.invoke(app, ["correlate", "--domain", "mt", "--metrics",
                                 f"test_words:{NEVER}", *options, "--level", "none", "--coef",
                                 "pearson", "--k", "20", "--out", out, "--format", "csv,json",
                                 "--quiet"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(f"{out}/results.csv")
    signature = json.loads(open(f"{out}/results.json", encoding="utf-8").read())["signature"]
    return float(table["statistic"][0]), signature


def test_mqm_weights_apply_to_the_mt_domain(words):
    texts = study("mt").texts()
    counts = texts.assign(item=texts["item"].astype(str),
                          words=texts["hypothesis"].map(lambda h: float(len(h.split()))))
    expected = {}
    for name, weights in (("default", (5, 1, 0.1, 25)), ("custom", (10, 0, 0.1, 25))):
        cells = hand_mqm(*weights).merge(counts[["item", "system", "words"]],
                                         on=["item", "system"])
        assert len(cells) == 529 * 13
        expected[name] = stats.pearsonr(cells["mqm"], cells["words"]).statistic
    default, default_signature = _run([], "d")
    custom, custom_signature = _run(["--mqm-weights", "major=10,minor=0"], "c")
    assert default == pytest.approx(expected["default"], abs=1e-12)
    assert custom == pytest.approx(expected["custom"], abs=1e-12)
    assert not np.isclose(default, custom)
    assert "major 10; minor 0; minor Fluency/Punctuation 0.1" in custom_signature
    assert "major 5; minor 1;" in default_signature
    assert custom_signature.split("|")[0] != default_signature.split("|")[0]  # data hash


@pytest.mark.parametrize("keywords, needle", [
    ({"domain": "text"}, "the text study's human scores are not MQM"),
    ({"domain": "audio"}, "the audio study's human scores are not MQM"),
    ({"data": "ratings.csv", "item": "item", "system": "system", "human": "score"},
     "data format 'table' has no MQM errors"),
])
def test_mqm_weights_are_refused_where_there_are_no_mqm_errors(tmp_path, keywords, needle):
    rng = np.random.default_rng(5)
    pd.DataFrame({"item": ["1", "2", "3"], "system": "s",
                  "score": rng.normal(size=3)}).to_csv(tmp_path / "ratings.csv", index=False)
    if "data" in keywords:
        keywords = {**keywords, "data": tmp_path / keywords["data"]}
    with pytest.raises(ParameterError, match=needle):
        judgements(**keywords, mqm_weights="major=10")
