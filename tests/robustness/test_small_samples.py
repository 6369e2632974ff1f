"""Statistics that were silently wrong at small n (section 2): exact p-values, zero-width
intervals, levels without enough points, and per-metric point counts under --missing drop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from metaeval import correlate
from metaeval.data import load_table
from metaeval.stats.coefficients import get_coefficient
from metaeval.stats.exact import exact_pvalue
from tests.robustness.conftest import BASE, invoke


@pytest.mark.parametrize("name", ["pearson", "spearman", "kendall_b", "kendall_c"])
def test_exact_p_for_perfectly_ranked_systems(name):
    coef = get_coefficient(name)
    assert coef.pvalue(np.arange(4.0), np.arange(4.0)) == pytest.approx(2 / 24)
    assert coef.pvalue(np.arange(5.0), np.arange(5.0)) == pytest.approx(2 / 120)


@pytest.mark.slow
@pytest.mark.parametrize("kind, statistic", [
    ("values", lambda x, y: scipy.stats.pearsonr(x, y).statistic),
    ("ranks", lambda x, y: scipy.stats.spearmanr(x, y).statistic),
    ("pairs", lambda x, y: scipy.stats.kendalltau(x, y).statistic)])
def test_exact_p_equals_scipy_permutation_test_with_ties(kind, statistic):
    x = np.array([1, 2, 2, 3, 4, 5, 5, 7.0])
    y = np.array([2, 1, 3, 3, 5, 4, 6, 6.0])
    reference = scipy.stats.permutation_test(
        (y,), lambda v: statistic(x, v), permutation_type="pairings", n_resamples=np.inf)
    assert exact_pvalue(kind, x, y) == pytest.approx(reference.pvalue, abs=1e-12)


def test_above_nine_points_the_analytic_p_is_kept():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=12), rng.normal(size=12)
    assert get_coefficient("spearman").pvalue(x, y) == pytest.approx(
        scipy.stats.spearmanr(x, y).pvalue)


def _table(systems: int, items: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [{"item": f"i{i}", "system": f"s{s}", "human": (h := rng.normal() + s),
             "m1": h + rng.normal(), "m2": h + 2 * rng.normal()}
            for s in range(systems) for i in range(items)]
    return pd.DataFrame(rows)


def _js(tmp_path, frame, **options):
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    return load_table(path, item="item", system="system", human="human", **options)


def test_system_level_p_value_through_correlate(tmp_path):
    frame = _table(4, 6)
    frame["m1"] = frame["human"]  # perfectly ranked systems
    result = correlate(_js(tmp_path, frame), levels=["system"], coefficients=["spearman"],
                       k=50, seed=0)
    row = result.table.set_index("metric").loc["m1"]
    assert row["statistic"] == pytest.approx(1.0) and row["pvalue"] == pytest.approx(2 / 24)


def test_one_item_has_no_interval_over_items(tmp_path):
    result = correlate(_js(tmp_path, _table(6, 1)), levels=["none"], coefficients=["pearson"],
                       k=50, seed=0)
    for row in result.table.itertuples():
        assert np.isfinite(row.statistic) and np.isnan(row.ci_low) and np.isnan(row.ci_high)
        assert "one item to resample" in row.note


def test_one_system_has_no_interval_over_systems(tmp_path):
    result = correlate(_js(tmp_path, _table(1, 8)), levels=["none"], coefficients=["pearson"],
                       resample="systems", k=50, seed=0)
    assert all("one system to resample" in n for n in result.table["note"])
    assert result.table["ci_low"].isna().all()


def test_two_items_at_level_sys_give_no_fake_interval(tmp_path):
    result = correlate(_js(tmp_path, _table(5, 2)), levels=["sys"], coefficients=["pearson"],
                       k=50, seed=0)
    for row in result.table.itertuples():
        assert np.isnan(row.ci_low) or row.ci_low < row.ci_high
        if np.isnan(row.ci_low):
            assert "same value" in row.note


def test_k_one_and_small_k_warn(tmp_path):
    result = correlate(_js(tmp_path, _table(5, 8)), levels=["none"], coefficients=["pearson"],
                       k=1, seed=0)
    assert result.table["ci_low"].isna().all()
    assert all("all 1 bootstrap draw(s) gave the same value" in n for n in result.table["note"])
    assert any("k = 1 leaves" in w for w in result.notes)
    result = correlate(_js(tmp_path, _table(5, 8)), levels=["none"], coefficients=["pearson"],
                       k=150, seed=0)
    assert any("use k >= 200" in w for w in result.notes)


@pytest.mark.parametrize("level", ["system", "item"])
def test_one_system_at_levels_that_need_several(tmp_path, level):
    result = correlate(_js(tmp_path, _table(1, 8)), levels=[level], coefficients=["pearson"],
                       k=20, seed=0)
    table = result.table
    assert table["statistic"].isna().all() and table["cluster"].isna().all()
    assert all("fewer than the minimum 3" in n for n in table["note"])
    assert result.pairwise["pvalue"].isna().all()


def test_nan_rows_are_not_styled_best(tmp_path):
    from metaeval.report import write_reports

    result = correlate(_js(tmp_path, _table(1, 8)), levels=["system"], coefficients=["pearson"],
                       k=20, seed=0)
    html = write_reports(result, tmp_path / "o", formats=["html"])["html"].read_text()
    assert 'class="best' not in html and "fewer than the minimum" in html


def test_missing_drop_counts_points_per_metric(tmp_path):
    frame = _table(5, 8)
    frame.loc[frame.index % 2 == 0, "m1"] = np.nan  # complementary missing cells
    frame.loc[frame.index % 2 == 1, "m2"] = np.nan
    result = correlate(_js(tmp_path, frame, missing="drop"), levels=["none"],
                       coefficients=["pearson"], k=20, seed=0)
    assert dict(zip(result.table["metric"], result.table["n"])) == {"m1": 20, "m2": 20}
    assert result.table["statistic"].notna().all()


def test_missing_drop_with_no_usable_point_names_the_file(tmp_path, table):
    frame = pd.read_csv(table)
    frame["m1"] = np.nan
    frame["m2"] = np.nan
    frame.to_csv(tmp_path / "empty.csv", index=False)
    result = invoke(*BASE, "--data", tmp_path / "empty.csv", "--missing", "drop",
                    "--metrics", "m1,m2", "--out", tmp_path / "o")
    assert result.exit_code == 1
    assert "empty.csv" in result.output and "usable point" in result.output
    # not named: an all-empty column is no metric candidate, and the refusal says why
    result = invoke(*BASE, "--data", tmp_path / "empty.csv", "--missing", "drop",
                    "--out", tmp_path / "o")
    assert result.exit_code == 2 and "m1 (empty), m2 (empty)" in result.output
    assert not (tmp_path / "o").exists()
