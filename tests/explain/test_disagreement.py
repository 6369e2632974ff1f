"""Disagreement explorer: rank gaps, human t-intervals, the GSVS finding, the report and CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from metaeval import correlate, load_gensvs
from metaeval.cli import app
from metaeval.correlation.assemble import result_points
from metaeval.correlation.disagreement import (
    cell_intervals,
    disagreement_table,
    fraction_ranks,
    rank_gaps,
)
from metaeval.errors import ParameterError
from metaeval.report.html import render_html

runner = CliRunner()


def _points():
    # 4 cells in group g1, 3 in g2; metric m is "lower is better" and already oriented
    return pd.DataFrame({
        "item": ["a", "b", "c", "d", "e", "f", "g"],
        "system": ["s"] * 7,
        "group": ["g1"] * 4 + ["g2"] * 3,
        "human": [1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0],
        "m": [-4.0, -3.0, -2.0, -1.0, -1.0, -2.0, -3.0],
    })


def test_rank_gap_is_signed_fraction_rank_difference():
    assert fraction_ranks(np.array([3.0, 1.0, 2.0, 2.0])).tolist() == [1.0, 0.0, 0.5, 0.5]
    cells = rank_gaps(_points().iloc[4:], "human", "m")
    # human ranks 0, .5, 1; metric (oriented) ranks 1, .5, 0
    assert cells["gap"].tolist() == [1.0, 0.0, -1.0]


def test_table_per_group_and_pooled_with_raw_metric_values():
    table = disagreement_table(_points(), "human", {"m": "lower"}, top=2)
    assert list(pd.unique(table["group"])) == ["g1", "g2", "all"]
    g1 = table[table["group"] == "g1"]
    assert g1["gap"].abs().max() == 0.0          # g1 agrees perfectly
    g2 = table[table["group"] == "g2"]
    assert g2["item"].tolist() == ["e", "g"] and g2["gap"].tolist() == [1.0, -1.0]
    assert g2["metric_value"].tolist() == [1.0, 3.0]   # un-flipped raw score
    assert (table["note"] == "no individual ratings").all()
    assert table["human_low"].isna().all()
    with pytest.raises(ParameterError):
        disagreement_table(_points(), "human", {"m": "lower"}, top=0)


def test_cell_t_interval_matches_scipy():
    ratings = pd.DataFrame({"item": ["a"] * 4 + ["b"], "system": ["s"] * 5,
                            "rating": [1.0, 2.0, 4.0, 5.0, 3.0]})
    got = cell_intervals(ratings, 0.9).set_index("item")
    x = np.array([1.0, 2.0, 4.0, 5.0])
    low, high = stats.t.interval(0.9, 3, loc=x.mean(), scale=stats.sem(x))
    assert got.loc["a", "half_width"] == pytest.approx((high - low) / 2, rel=1e-12)
    assert got.loc["a", "n_ratings"] == 4
    assert np.isnan(got.loc["b", "half_width"])
    points = pd.DataFrame({"item": ["a", "b"], "system": ["s", "s"], "group": "all",
                           "human": [3.0, 3.0], "m": [1.0, 2.0]})
    table = disagreement_table(points, "human", {"m": "higher"}, ratings, confidence=0.9)
    row = table.set_index("item")
    assert (row.loc["a", "human_low"], row.loc["a", "human_high"]) == pytest.approx((low, high))
    assert row.loc["b", "note"] == "one rating: no interval"
    shifted = points.assign(human=[3.5, 3.0])  # not the mean of the ratings: no interval
    row = disagreement_table(shifted, "human", {"m": "higher"}, ratings).set_index("item")
    assert np.isnan(row.loc["a", "human_low"]) and "not the mean" in row.loc["a", "note"]


def test_gsvs_sisdr_disagreements_are_dominated_by_generative_outputs():
    js = load_gensvs()
    points = result_points(js, ["sisdr"], js.gold, "model_type")
    table = disagreement_table(points, js.gold, {"sisdr": "higher"}, js.individual_ratings(),
                               top=20)
    pooled = table[table["group"] == "all"]
    kind = js.cells().drop_duplicates("system").set_index("system")["model_type"]
    generative = pooled["system"].map(kind) == "generative"
    base_rate = (js.cells()["model_type"] == "generative").mean()
    assert base_rate == pytest.approx(0.4)
    assert generative.mean() >= 0.8 > base_rate
    # the generative outputs are under-rated by SI-SDR: the humans like them, SI-SDR does not
    assert (pooled.loc[generative, "gap"] < 0).mean() >= 0.9
    # the human interval of each cell comes from its 12 ratings and contains the DMOS
    assert (pooled["n_ratings"] == 12).all()
    assert ((pooled["human_low"] < pooled["human"]) & (pooled["human"] < pooled["human_high"])).all()


def test_report_and_cli_show_the_tables(tmp_path):
    js = load_gensvs()
    result = correlate(js, metrics=["sisdr", "multi_res_loss"], group_by="model_type", k=20,
                       coefficients=["spearman"], significance="none")
    assert set(result.disagreements["metric"]) == {"sisdr", "multi_res_loss"}
    html = render_html(result)
    assert 'id="rank-gaps"' in html and "fileid_44" in html
    out = tmp_path / "gaps.csv"
    ran = runner.invoke(app, ["explain", "--domain", "audio", "--metric", "sisdr", "--top", "3",
                              "--csv", str(out)])
    assert ran.exit_code == 0, ran.output
    assert "sisdr, group all" in ran.output and "fileid_44" in ran.output
    written = pd.read_csv(out)
    assert len(written) == 9 and written["rank"].max() == 3
    bad = runner.invoke(app, ["explain", "--domain", "audio", "--metric", "sisdr",
                              "--confidence", "1.5"])
    assert bad.exit_code == 2 and "--confidence" in bad.output
