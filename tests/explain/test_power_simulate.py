"""Power by simulation from the fitted rater variance (method="simulate")."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval import load_gensvs
from metaeval.cli import app
from metaeval.correlation.power import power_analysis
from metaeval.errors import ParameterError
from metaeval.stats.power import item_power, rater_power, simulated_rater_power

runner = CliRunner()
PAIR = [("visqol", "xls_r_sqa")]  # Pearson 0.65 vs 0.47 on GSVS: power between 0 and 1


@pytest.fixture(scope="module")
def gsvs():
    return load_gensvs()


def _case(seed=1, systems=4, items=60):
    rng = np.random.default_rng(seed)
    gold = rng.normal(size=(systems, items))
    return gold, gold + 0.5 * rng.normal(size=gold.shape), gold + 1.2 * rng.normal(size=gold.shape)


def test_zero_spread_is_exactly_the_subsampling_estimate():
    gold, good, worse = _case()
    grid = [5, 10, 30]
    plain = item_power(gold, good, worse, "pearson", "none", grid, reps=60, k=40, seed=7)
    zero = item_power(gold, good, worse, "pearson", "none", grid, reps=60, k=40, seed=7,
                      spread=np.zeros_like(gold))
    assert np.array_equal(plain, zero) and 0 < plain[0] < plain[-1]
    noisy = item_power(gold, good, worse, "pearson", "none", grid, reps=60, k=40, seed=7,
                       spread=np.full_like(gold, 3.0))
    assert noisy[-1] < plain[-1]                                  # rater noise costs power


def test_zero_variance_raters_do_not_matter():
    gold, good, worse = _case()
    zero = np.zeros_like(gold)
    power = simulated_rater_power(gold, zero, good, worse, "pearson", "none", [1, 50], reps=30,
                                  k=40, seed=2)
    # every simulated panel mean is the cell mean, as is every subsample of identical ratings
    same = rater_power(np.repeat(gold[..., None], 3, -1), good, worse, "pearson", "none", [1],
                       reps=30, k=40, seed=2)
    assert power[0] == power[1] == same[0] == 1.0


def test_zero_variance_panel_on_gsvs_equals_subsampling_with_all_raters(gsvs):
    constant = gsvs.individual_ratings().copy()
    constant["rating"] = constant.groupby(["item", "system"])["rating"].transform("mean")
    js = dataclasses.replace(gsvs, ratings=constant)
    options = {"grid": [10, 25, 50], "reps": 40, "k": 40, "pairs": PAIR, "seed": 3}
    simulated = power_analysis(js, method="simulate", **options)
    subsampled = power_analysis(js, method="subsample", **options)
    assert simulated["power"].tolist() == subsampled["power"].tolist()
    assert set(simulated["method"]) == {"simulate"} and set(simulated["fixed"]) == {12.0}


@pytest.mark.slow
def test_power_grows_with_raters_and_items_on_gsvs(gsvs):
    reps = 200
    se = np.sqrt(0.25 / reps)
    raters = power_analysis(gsvs, grid=[50], raters=[1, 2, 4, 12, 24], reps=reps, k=50,
                            method="simulate", pairs=PAIR)
    curve = raters[raters["unit"] == "raters"]["power"].to_numpy()
    assert np.all(np.diff(curve) > -3 * se) and curve[-1] - curve[0] > 0.3
    assert curve[-1] >= 0.9 and curve[0] < 0.8                    # m = 24 > the real 12
    items = power_analysis(gsvs, grid=[10, 20, 30, 40, 50], reps=reps, k=50, method="simulate",
                           panel=2, pairs=PAIR)["power"].to_numpy()
    assert np.all(np.diff(items) > -3 * se) and items[-1] - items[0] > 0.3
    again = power_analysis(gsvs, grid=[10, 20, 30, 40, 50], reps=reps, k=50,
                           method="simulate", panel=2, pairs=PAIR)["power"].to_numpy()
    assert np.array_equal(items, again)
    other = power_analysis(gsvs, grid=[10, 20, 30, 40, 50], reps=reps, k=50, seed=1,
                           method="simulate", panel=2, pairs=PAIR)["power"].to_numpy()
    assert not np.array_equal(items, other)


def test_pooled_variance_and_bad_input(gsvs):
    table = power_analysis(gsvs, grid=[20], raters=[3], reps=20, k=20, method="simulate",
                           variance="pooled", pairs=PAIR)
    assert table["power"].between(0, 1).all()
    with pytest.raises(ParameterError, match="unknown metric"):
        power_analysis(gsvs, grid=[20], pairs=[("visqol", "nope")])
    with pytest.raises(ParameterError, match="choose from cell, pooled"):
        power_analysis(gsvs, grid=[20], method="simulate", variance="rater", pairs=PAIR)
    with pytest.raises(ParameterError, match="at most 12 ratings"):
        power_analysis(gsvs, grid=[20], raters=[24], reps=5, pairs=PAIR)
    no_ratings = dataclasses.replace(gsvs, ratings=None)
    with pytest.raises(ParameterError, match="needs the individual ratings"):
        power_analysis(no_ratings, grid=[20], method="simulate", pairs=PAIR)


def test_cli_power_simulate_beyond_the_panel(tmp_path):
    out = tmp_path / "p"
    ran = runner.invoke(app, ["power", "--domain", "audio", "--metrics", "visqol,xls_r_sqa",
                              "--grid", "10,50", "--raters", "6,24", "--method", "simulate",
                              "--reps", "20", "--k", "20", "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    assert "20 simulations" in ran.output
    table = pd.read_csv(out / "power.csv")
    assert set(table["method"]) == {"simulate"} and 24 in set(table["n"])
    bad = runner.invoke(app, ["power", "--domain", "audio", "--metrics", "visqol,xls_r_sqa",
                              "--method", "simulate", "--variance", "rater", "--out", str(out)])
    assert bad.exit_code == 2 and "--variance" in bad.output


def test_default_grids_of_the_report_section():
    from metaeval.correlation.power_curves import default_grids

    assert default_grids(50, 12, "subsample") == ([10, 20, 30, 40, 50], [1, 2, 4, 8, 12])
    assert default_grids(50, 12, "simulate")[1] == [1, 2, 4, 8, 12, 24]
    assert default_grids(4, 0, "subsample") == ([3, 4], [])
