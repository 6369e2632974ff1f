"""An unknown `--metrics` name is a one-line error listing the available names (with a close
match), in every domain, before anything is computed; a valid selection of a bundled audio set
analyses exactly those metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.correlation import correlate
from metaeval.data.gensvs import load_gensvs
from metaeval.data.judgements import JudgementSet
from metaeval.errors import ParameterError
from tests.registered import registered

runner = CliRunner()


def _correlate(tmp_path, *options):
    return runner.invoke(app, ["correlate", *options, "--k", "20", "--out",
                               str(tmp_path / "o"), "--format", "csv", "--quiet"])


@pytest.mark.parametrize("domain, metrics, needle", [
    ("audio", "sisdr,nosuch", "--metrics nosuch: unknown metric; the available metrics are "),
    ("audio", "sisrd", "Fix: did you mean 'sisdr'?"),
    ("mt", "chrf,chrff", "Fix: did you mean 'chrf'?"),
    ("text", "nosuch", "--metrics nosuch: unknown metric; the available metrics are bertscore, "
                       "bleu, chrf"),
])
def test_unknown_metric_is_one_line_before_any_computation(tmp_path, monkeypatch, domain,
                                                          metrics, needle):
    registered({"audio": "gensvs_eval", "mt": "wmt_mqm_ted", "text": "summeval"}[domain])
    monkeypatch.chdir(tmp_path)
    result = _correlate(tmp_path, "--domain", domain, "--metrics", metrics)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert not (tmp_path / "o" / "results.csv").exists()
    assert not (tmp_path / ".cache").exists()  # nothing was scored


def test_a_valid_audio_selection_analyses_exactly_those_metrics(tmp_path):
    registered("gensvs_eval")
    result = _correlate(tmp_path, "--domain", "audio", "--metrics", "sisdr,sdr", "--coef",
                        "spearman", "--group-by", "model_type")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "o" / "results.csv")
    assert sorted(set(table["metric"])) == ["sdr", "sisdr"]
    frame = load_gensvs().table
    pooled = table[table["group"] == "all"].set_index("metric")["statistic"]
    for metric in ("sisdr", "sdr"):
        assert pooled[metric] == pytest.approx(stats.spearmanr(frame["DMOS"],
                                                               frame[metric]).statistic)


def test_typo_in_a_table_column_and_in_the_library(tmp_path):
    rng = np.random.default_rng(11)
    frame = pd.DataFrame({"item": [str(i) for i in range(6)], "system": "s",
                          "score": rng.normal(size=6), "bleu": rng.normal(size=6)})
    frame.to_csv(tmp_path / "r.csv", index=False)
    result = _correlate(tmp_path, "--data", str(tmp_path / "r.csv"), "--item", "item",
                        "--system", "system", "--human", "score", "--metrics", "bleuu")
    assert result.exit_code == 1
    assert "unknown column(s) ['bleuu']" in result.stderr
    assert "Fix: did you mean 'bleu'? Otherwise spell" in result.stderr
    js = JudgementSet.from_frame(frame, item="item", system="system", human="score")
    with pytest.raises(ParameterError, match="metrics='bleuu': unknown metric; the available "
                                             "metrics are bleu. Fix: did you mean 'bleu'?"):
        correlate(js, metrics=["bleuu"], k=20)
