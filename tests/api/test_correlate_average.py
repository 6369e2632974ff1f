"""`correlate --average median` (median of the per-group correlations at the item/sys levels,
recorded in the signature) and the system-level warning for an incomplete design."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.correlation import correlate
from metaeval.data.judgements import JudgementSet
from metaeval.errors import ParameterError
from metaeval.provenance import Signature
from metaeval.stats.grouping import averaging, current_average
from metaeval.stats.levels import correlation_at_level


def frame(seed: int = 5, incomplete: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(7):
        for s in range(6):
            if incomplete and (i + s) % 3 == 0:
                continue
            h = s + rng.normal() * (1 + i)
            rows.append({"item": f"i{i}", "system": f"s{s}", "h": h, "m": h + rng.normal() * 2})
    return pd.DataFrame(rows)


def per_item_spearman(f: pd.DataFrame) -> list[float]:
    return [scipy.stats.spearmanr(g["h"], g["m"]).statistic for _, g in f.groupby("item")]


def test_median_of_within_item_correlations_equals_scipy():
    f = frame()
    js = JudgementSet.from_frame(f, item="item", system="system", human="h", metrics=["m"])
    mean = correlate(js, levels=("item",), coefficients=("spearman",), k=50, chance=False)
    median = correlate(js, levels=("item",), coefficients=("spearman",), k=50, chance=False,
                       average="median")
    r = per_item_spearman(f)
    assert mean.table["statistic"].iloc[0] == pytest.approx(np.mean(r))
    assert median.table["statistic"].iloc[0] == pytest.approx(np.median(r))
    assert np.median(r) != pytest.approx(np.mean(r))
    low, high = median.table[["ci_low", "ci_high"]].iloc[0]
    assert low <= high
    assert median.signature.average == "median" and "avg:median" in median.signature.format(True)
    assert "avg:" not in mean.signature.format(True)  # the default leaves old strings unchanged
    assert Signature.parse(median.signature.format()) == median.signature


def test_averaging_context_is_restored_and_checked():
    gold = np.array([[1.0, 2, 3], [2, 1, 1], [3, 3, 2]])
    metric = np.array([[1.0, 1, 3], [2, 2, 1], [3, 3, 2]])
    with averaging("median"):
        assert current_average() == "median"
        value = correlation_at_level(gold, metric, "pearson", "item")
    assert current_average() == "mean"
    per_item = [scipy.stats.pearsonr(gold[:, i], metric[:, i]).statistic for i in range(3)]
    assert float(value) == pytest.approx(np.median(per_item))
    with pytest.raises(ParameterError, match="average"):
        with averaging("mode"):
            pass


def test_system_level_warns_for_an_incomplete_design():
    f = frame(incomplete=True)
    js = JudgementSet.from_frame(f, item="item", system="system", human="h", metrics=["m"])
    result = correlate(js, levels=("system",), coefficients=("pearson",), k=20, chance=False)
    assert any("different item sets" in w for w in result.notes)
    complete = JudgementSet.from_frame(frame(), item="item", system="system", human="h",
                                       metrics=["m"])
    result = correlate(complete, levels=("system",), coefficients=("pearson",), k=20)
    assert not any("different item sets" in w for w in result.notes)


def test_cli_average_flag(tmp_path):
    path = tmp_path / "j.csv"
    frame().to_csv(path, index=False)
    result = CliRunner().invoke(app, ["correlate", "--data", str(path), "--item", "item",
                                      "--system", "system", "--human", "h", "--metrics", "m",
                                      "--level", "item", "--coef", "spearman", "--k", "20",
                                      "--average", "median", "--out", str(tmp_path / "o"),
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    results = pd.read_csv(tmp_path / "o" / "results.csv")
    assert results["statistic"].iloc[0] == pytest.approx(np.median(per_item_spearman(frame())))
