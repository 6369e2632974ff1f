"""Agreement: ICC against Shrout & Fleiss (1979) Table 2, Krippendorff's alpha against
Krippendorff's (2011) reliability-data example, rater-vs-rest against scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from metaeval.errors import StatsError
from metaeval.listening.agreement import (
    icc,
    icc_matrix,
    krippendorff_alpha_interval,
    mean_rater_vs_rest,
    rater_vs_rest,
)
from metaeval.listening.formats import read_ratings
from metaeval.listening.ratings import RatingTable

# Shrout & Fleiss (1979), Table 2: 6 targets x 4 judges.
SHROUT_FLEISS = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8],
                          [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], dtype=float)

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", reliability data:
# 4 observers x 12 units, NaN = missing; interval alpha = 0.849.
nan = np.nan
KRIPPENDORFF = np.array([[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
                         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
                         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
                         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]])


def _table(matrix: np.ndarray, scale=(0, 10), system=lambda u: "s") -> RatingTable:
    rows = [{"item": f"u{u:02d}", "system": system(u), "rater": f"j{j}", "rating": matrix[u, j]}
            for u in range(matrix.shape[0]) for j in range(matrix.shape[1])
            if not np.isnan(matrix[u, j])]
    return RatingTable(pd.DataFrame(rows), "long", scale)


def test_icc_shrout_fleiss_table_2():
    result = icc_matrix(SHROUT_FLEISS)
    # mean squares of Shrout & Fleiss Table 3: BMS 11.24, JMS 32.49, EMS 1.02
    assert result.bms == pytest.approx(11.2417, abs=1e-4)
    assert result.jms == pytest.approx(32.4861, abs=1e-4)
    assert result.ems == pytest.approx(1.0194, abs=1e-4)
    assert round(result.icc2_1, 2) == 0.29 and round(result.icc2_k, 2) == 0.62
    # exact: (BMS - EMS) / (BMS + 3 EMS + 4 (JMS - EMS) / 6) with the exact sums of squares
    assert result.icc2_1 == pytest.approx(0.28976378, abs=1e-8)
    assert result.icc2_k == pytest.approx(0.62005055, abs=1e-8)
    from_table = icc(_table(SHROUT_FLEISS))
    assert from_table.icc2_1 == pytest.approx(result.icc2_1)
    assert from_table.icc2_k == pytest.approx(result.icc2_k)
    assert from_table.n_blocks == 1 and from_table.k == 4 and from_table.n_stimuli == 6


def test_icc_incomplete_design_is_the_weighted_block_mean():
    # two panels: targets 0-5 rated by judges 0-3 (Table 2), targets 6-9 by judges 4-6
    other = np.array([[5, 6, 5], [2, 3, 1], [8, 8, 9], [4, 6, 5]], dtype=float)
    full = np.full((10, 7), np.nan)
    full[:6, :4], full[6:, 4:] = SHROUT_FLEISS, other
    result = icc(_table(full))
    a, b = icc_matrix(SHROUT_FLEISS), icc_matrix(other)
    assert result.n_blocks == 2 and result.n_stimuli == 10
    assert result.icc2_1 == pytest.approx((6 * a.icc2_1 + 4 * b.icc2_1) / 10)
    assert result.icc2_k == pytest.approx((6 * a.icc2_k + 4 * b.icc2_k) / 10)
    assert result.k == pytest.approx((6 * 4 + 4 * 3) / 10)


def test_icc_on_gsvs_three_panels():
    result = icc(read_ratings(format="dcr"))
    assert result.n_blocks == 3 and result.n_stimuli == 250 and result.k == 12
    assert sorted(b["n"] for b in result.blocks) == [83, 83, 84]
    assert 0.0 < result.icc2_1 < result.icc2_k < 1.0
    assert result.icc2_1 == pytest.approx(0.513836, abs=1e-6)
    assert result.icc2_k == pytest.approx(0.926263, abs=1e-6)


def test_icc_errors():
    with pytest.raises(StatsError):
        icc_matrix(np.ones((1, 3)))
    single = np.array([[1.0, nan], [nan, 2.0], [3.0, nan]])
    with pytest.raises(StatsError, match="no block"):
        icc(_table(single))


def test_krippendorff_reliability_data_example():
    table = _table(KRIPPENDORFF.T, scale=(1, 5))
    assert round(krippendorff_alpha_interval(table), 3) == 0.849
    # exact value 1 - D_o / D_e; the krippendorff package (0.9.0) gives 0.8491071428571428
    assert krippendorff_alpha_interval(table) == pytest.approx(0.8491071428571428, abs=1e-12)


def test_krippendorff_two_raters_perfect_and_constant():
    perfect = _table(np.array([[1.0, 1.0], [3.0, 3.0], [5.0, 5.0]]), scale=(1, 5))
    assert krippendorff_alpha_interval(perfect) == pytest.approx(1.0)
    constant = _table(np.array([[2.0, 2.0], [2.0, 2.0]]), scale=(1, 5))
    with pytest.raises(StatsError, match="undefined"):
        krippendorff_alpha_interval(constant)


def test_krippendorff_on_gsvs():
    # same value the krippendorff package gives on the 30 x 250 reliability matrix
    assert krippendorff_alpha_interval(read_ratings(format="dcr")) == pytest.approx(
        0.5060517636579842, abs=1e-10)


def test_rater_vs_rest_against_scipy():
    table = _table(KRIPPENDORFF.T, scale=(1, 5))
    result = rater_vs_rest(table).set_index("rater")
    for j in range(4):
        own = KRIPPENDORFF[j]
        others = np.delete(KRIPPENDORFF, j, axis=0)
        n_other = (~np.isnan(others)).sum(axis=0)
        use = ~np.isnan(own) & (n_other > 0)
        rest = np.nansum(others, axis=0)[use] / n_other[use]
        assert result.loc[f"j{j}", "n"] == use.sum()
        assert result.loc[f"j{j}", "r"] == pytest.approx(scipy.stats.pearsonr(own[use], rest)[0])
    spearman = rater_vs_rest(table, coefficient="spearman").set_index("rater")
    own, rest = KRIPPENDORFF[0][:9], np.nanmean(KRIPPENDORFF[1:, :9], axis=0)
    assert spearman.loc["j0", "r"] == pytest.approx(scipy.stats.spearmanr(own, rest)[0])
    assert mean_rater_vs_rest(table) == pytest.approx(result.r.mean())


def test_rater_vs_rest_on_gsvs():
    result = rater_vs_rest(read_ratings(format="dcr"))
    assert len(result) == 30 and result.r.notna().all()
    assert result.set_index("rater").loc["subject_4", "n"] == 250
    assert result.attrs["mean"] == pytest.approx(0.739009947778342, abs=1e-10)
