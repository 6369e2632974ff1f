"""Rank tests for incomplete block designs: Durbin (Conover 1999) and Skillings-Mack (1981),
checked by hand and against Friedman (scipy) where the designs coincide."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from metaeval.errors import StatsError
from metaeval.listening.incomplete import durbin_test, skillings_mack, within_item_ranks
from metaeval.listening.posthoc import friedman_posthoc, min_wilcoxon_p, omnibus_test

# The (7, 3, 1) balanced incomplete block design (Fano plane): 7 items, 3 of 7 systems each,
# every system on r = 3 items, every pair of systems together once.
FANO = [(0, 1, 2), (0, 3, 4), (0, 5, 6), (1, 3, 5), (1, 4, 6), (2, 3, 6), (2, 4, 5)]


def fano(scores_per_block) -> np.ndarray:
    wide = np.full((7, 7), np.nan)
    for i, (block, scores) in enumerate(zip(FANO, scores_per_block)):
        wide[i, list(block)] = scores
    return wide


def test_durbin_by_hand_on_the_fano_design():
    # ranks within each item: system order in the block gets ranks (1, 2, 3) except item 3
    # (systems 1, 3, 5) ranked (3, 2, 1) and item 7 (systems 2, 4, 5) ranked (2, 3, 1)
    wide = fano([(1, 2, 3), (1, 2, 3), (1, 2, 3), (3, 2, 1), (1, 2, 3), (1, 2, 3), (2, 3, 1)])
    # rank sums: s0 = 1+1+1 = 3, s1 = 2+3+1 = 6, s2 = 3+1+2 = 6, s3 = 2+2+2 = 6,
    # s4 = 3+2+3 = 8, s5 = 2+1+1 = 4, s6 = 3+3+3 = 9; sum R_j^2 = 9+36+36+36+64+16+81 = 278
    # A = 7 (1+4+9) = 98, C = b k (k+1)^2 / 4 = 7*3*16/4 = 84, r C = 252
    # T1 = (t-1)(278 - 252)/(98 - 84) = 6 * 26 / 14 = 11.142857
    result = durbin_test(wide)
    assert result.statistic == pytest.approx(6 * 26 / 14)
    assert result.df == 6 and result.n_items == 7
    assert result.pvalue == pytest.approx(scipy.stats.chi2.sf(6 * 26 / 14, 6))
    # T2 = (T1/(t-1)) / ((b(k-1) - T1)/(bk - b - t + 1)) = (26/14) / ((14 - 156/14)/8)
    t2 = (26 / 14) / ((14 - 156 / 14) / 8)
    assert result.pvalue_f == pytest.approx(scipy.stats.f.sf(t2, 6, 8))
    # without ties Skillings-Mack equals Durbin's T1 on a balanced incomplete design
    assert skillings_mack(wide).statistic == pytest.approx(result.statistic)
    assert omnibus_test(pd.DataFrame(wide)).name == "durbin"


@pytest.mark.parametrize("rounding", [False, True])
def test_durbin_on_a_complete_design_is_friedman(rounding):
    rng = np.random.default_rng(3)
    wide = rng.normal(size=(12, 5)) + np.arange(5) * 0.4
    wide = np.round(wide) if rounding else wide  # ties: Conover's form is Friedman's corrected
    friedman = scipy.stats.friedmanchisquare(*wide.T)
    assert durbin_test(wide).statistic == pytest.approx(friedman.statistic)
    assert durbin_test(wide).pvalue == pytest.approx(friedman.pvalue)
    if not rounding:  # Skillings-Mack is Friedman without ties
        assert skillings_mack(wide).statistic == pytest.approx(friedman.statistic)


def test_skillings_mack_by_hand_on_a_small_unbalanced_design():
    # 3 systems; item 1 rates A<B<C, item 2 rates A<B (C missing), item 3 rates B<C (A missing)
    wide = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, np.nan], [np.nan, 1.0, 2.0]])
    assert np.array_equal(within_item_ranks(wide), [[1, 2, 3], [1, 2, np.nan], [np.nan, 1, 2]],
                          equal_nan=True)
    # A_j = sum_i sqrt(12/(k_i+1)) (r_ij - (k_i+1)/2): item 1 weight sqrt(3), items 2, 3 weight 2
    a = np.array([-np.sqrt(3) - 1, 0 - 1 + 1, np.sqrt(3) + 1])
    # lambda: AB in items 1, 2 (2); AC in item 1 (1); BC in items 1, 3 (2)
    sigma = np.array([[3, -2, -1], [-2, 4, -2], [-1, -2, 3]], float)
    expected = a @ np.linalg.pinv(sigma) @ a
    result = skillings_mack(wide)
    assert result.statistic == pytest.approx(expected) and result.df == 2
    assert result.pvalue == pytest.approx(scipy.stats.chi2.sf(expected, 2))


def test_disconnected_design_is_refused():
    wide = np.array([[1.0, 2.0, np.nan, np.nan], [2.0, 1.0, np.nan, np.nan],
                     [np.nan, np.nan, 1.0, 2.0], [np.nan, np.nan, 2.0, 1.0]])
    with pytest.raises(StatsError, match="connected"):
        skillings_mack(wide)


def test_min_wilcoxon_p_and_the_no_significance_note():
    assert min_wilcoxon_p(8) == pytest.approx(0.0078125)
    rng = np.random.default_rng(0)
    rows = [{"item": f"i{i}", "system": f"s{s}", "rater": f"r{r}",
             "rating": float(s * 10 + rng.integers(0, 5))}
            for i in range(8) for s in range(6) for r in range(3)]
    result = friedman_posthoc(pd.DataFrame(rows))  # 8 items, 15 Bonferroni pairs
    assert result.pairs["p_adjusted"].min() >= 0.05
    assert set(result.letters.values()) == {""}
    assert "0.117" in result.notes[0] and "2/2^8 = 0.007812" in result.notes[0]
