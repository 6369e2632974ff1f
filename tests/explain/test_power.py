"""Power analysis: known cases (identical metrics, a much better metric), determinism, CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.correlation.power_curves import PowerSettings
from metaeval.errors import ParameterError
from metaeval.stats.permutation import perm_both
from metaeval.stats.power import (
    draws_for,
    item_power,
    item_subsamples,
    items_needed,
    monte_carlo_se,
    perm_both_pvalues,
    rater_means,
    rater_power,
)

runner = CliRunner()


def _case(seed=1, systems=4, items=120):
    rng = np.random.default_rng(seed)
    gold = rng.normal(size=(systems, items))
    good = gold + 0.5 * rng.normal(size=gold.shape)
    worse = gold + 1.5 * rng.normal(size=gold.shape)
    return gold, good, worse


def test_identical_metrics_have_no_power():
    gold, good, _ = _case()
    assert item_power(gold, good, good, "pearson", "none", [10, 40], reps=50, k=30).tolist() \
        == [0.0, 0.0]


def test_better_metric_power_grows_to_one_and_is_seeded():
    gold, good, worse = _case()
    grid = [3, 6, 12, 48]
    power = item_power(gold, good, worse, "pearson", "none", grid, reps=100, k=50, seed=3)
    se = np.sqrt(0.25 / 100)
    assert np.all(np.diff(power) > -3 * se)        # monotone within Monte Carlo error
    assert power[0] < 0.8 and power[-1] >= 0.95
    assert items_needed(grid, power) == grid[int(np.argmax(power >= 0.8))]
    again = item_power(gold, good, worse, "pearson", "none", grid, reps=100, k=50, seed=3)
    assert np.array_equal(power, again)
    backwards = item_power(gold, worse, good, "pearson", "none", grid, reps=100, k=50, seed=3)
    assert backwards.max() <= 0.1                   # the worse metric is never "better"


def test_pvalue_of_full_sample_matches_the_engine_distribution():
    gold, good, worse = _case(items=30)
    p = perm_both_pvalues(gold[None], good[None], worse[None], "pearson", "none", 400,
                          np.random.default_rng(0))
    engine = perm_both(gold, np.stack([good, worse]), "pearson", "none", k=400, seed=0).pvalue
    assert p[0] == pytest.approx(engine[0, 1], abs=0.03)   # same test, other masks


def test_subsamples_and_rater_means():
    rng = np.random.default_rng(0)
    index = item_subsamples(rng, 10, 4, 500)
    assert all(len(set(row)) == 4 for row in index)
    assert np.bincount(index.ravel(), minlength=10).min() > 150  # 200 expected per item
    ratings = np.array([[[1.0, 2.0, 3.0, np.nan]]])
    assert rater_means(rng, ratings, 3, 2)[:, 0, 0].tolist() == [2.0, 2.0]
    assert set(rater_means(rng, ratings, 1, 50)[:, 0, 0]) == {1.0, 2.0, 3.0}
    assert np.isnan(rater_means(rng, ratings, 4, 1)).all()
    assert np.isnan(items_needed([10, 20], np.array([0.2, 0.5])))


def test_rater_power_grows_with_raters():
    rng = np.random.default_rng(2)
    truth = rng.normal(size=(4, 80))
    ratings = truth[..., None] + 2.0 * rng.normal(size=(4, 80, 12))
    good = truth + 0.3 * rng.normal(size=truth.shape)
    worse = truth + 1.2 * rng.normal(size=truth.shape)
    power = rater_power(ratings, good, worse, "pearson", "none", [1, 12], reps=40, k=40)
    assert power[1] >= power[0] and power[1] >= 0.9


def test_cli_power_writes_curve_and_plots(tmp_path):
    out = tmp_path / "p"
    ran = runner.invoke(app, ["power", "--domain", "audio", "--metrics",
                              "sisdr,fad_song2song_mert_df", "--grid", "4,8", "--raters", "3",
                              "--reps", "20", "--k", "20", "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    assert "items needed for 80% power" in ran.output
    table = pd.read_csv(out / "power.csv")
    assert set(table["unit"]) == {"items", "raters"} and len(table) == 6
    assert (out / "power.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    assert (out / "power.png").stat().st_size > 1000
    bad = runner.invoke(app, ["power", "--domain", "audio", "--grid", "1,x", "--out", str(out)])
    assert bad.exit_code == 2 and "--grid" in bad.output


def test_grid_beyond_the_items_is_refused(tmp_path):
    import pandas as pd
    from typer.testing import CliRunner

    from metaeval.cli import app

    rows = [{"item": "i0", "system": f"s{s}", "human": float(s), "m1": float(s), "m2": -s}
            for s in range(4)]
    pd.DataFrame(rows).to_csv(tmp_path / "one.csv", index=False)
    result = CliRunner().invoke(app, ["power", "--data", str(tmp_path / "one.csv"), "--item",
                                      "item", "--system", "system", "--human", "human",
                                      "--metrics", "m1,m2", "--grid", "2,3", "--reps", "5",
                                      "--out", str(tmp_path / "p")])
    assert result.exit_code == 2
    assert "--grid 2,3: the data has 1 items" in result.output


def _small_table(tmp_path, metrics=("m1", "m2")):
    rng = np.random.default_rng(11)
    rows = []
    for s in range(4):
        for i in range(10):
            h = rng.normal() + 0.5 * s
            rows.append({"item": f"i{i}", "system": f"s{s}", "human": h,
                         **{m: h + (j + 1) * rng.normal() for j, m in enumerate(metrics)}})
    path = tmp_path / "t.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    (tmp_path / "t.csv.yaml").write_text("item: item\nsystem: system\nhuman: human\n")
    return path


def test_one_metric_is_refused_before_anything_is_written(tmp_path):
    data = _small_table(tmp_path, metrics=("m1",))
    ran = runner.invoke(app, ["power", "--data", str(data), "--grid", "5,10", "--reps", "5",
                              "--k", "20", "--out", str(tmp_path / "p")])
    assert ran.exit_code == 2, ran.output
    lines = [line for line in ran.output.splitlines() if line.strip()]
    assert lines == ["error: --metrics m1: power compares two metrics; the data has 1 (m1). "
                     "Fix: give two or more metric columns (or pairs=[(A, B)])."]
    assert not (tmp_path / "p").exists()


def test_alpha_below_the_smallest_pvalue_is_unreachable_not_a_sample_size_problem(tmp_path):
    gold, good, worse = _case()
    assert draws_for(0.05) == 20 and draws_for(0.005) == 200 and draws_for(0.01) == 100
    with pytest.raises(ParameterError, match=r"alpha=0.005: is unreachable with k=100 "
                       r"permutation draws: the smallest p-value is 1/\(100 \+ 1\) = 0.009901"):
        item_power(gold, good, worse, "pearson", "none", [10, 40], reps=10, k=100, alpha=0.005)
    # k = 200 reaches it: p = 1/201 < 0.005, and the better metric then has power
    power = item_power(gold, good, worse, "pearson", "none", [100], reps=10, k=200, alpha=0.005)
    assert power[0] > 0.5
    ran = runner.invoke(app, ["power", "--data", str(_small_table(tmp_path)), "--grid", "5",
                              "--reps", "5", "--k", "100", "--alpha", "0.005",
                              "--out", str(tmp_path / "p")])
    assert ran.exit_code == 2 and "unreachable with k=100" in ran.output
    assert "k >= 200" in ran.output and "larger sizes" not in ran.output
    assert not (tmp_path / "p").exists()


def test_correlate_power_refuses_an_unreachable_alpha_before_computing():
    from metaeval import correlate, load_gensvs

    with pytest.raises(ParameterError, match="unreachable with power_k=100"):
        correlate(load_gensvs(), metrics=["sisdr", "multi_res_loss"], k=10, alpha=0.001,
                  power=PowerSettings(k=100))


def test_one_subsample_has_no_standard_error(tmp_path):
    gold, good, worse = _case()
    assert np.isnan(monte_carlo_se(np.array([0.0, 1.0]), 1)).all()
    assert monte_carlo_se(np.array([0.5]), 4)[0] == pytest.approx(0.25)
    with pytest.raises(ParameterError, match="reps=1: the power and its Monte Carlo standard "
                       "error need at least 2 subsamples"):
        item_power(gold, good, worse, "pearson", "none", [10], reps=1, k=20)
    ran = runner.invoke(app, ["power", "--data", str(_small_table(tmp_path)), "--grid", "5",
                              "--reps", "1", "--k", "20", "--out", str(tmp_path / "p")])
    assert ran.exit_code == 2 and "--reps 1: " in ran.output
    with pytest.raises(ParameterError, match="power_reps=1"):
        PowerSettings(reps=1)
