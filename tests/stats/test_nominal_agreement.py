"""Fleiss' kappa and Krippendorff's alpha (nominal) on published examples, hand-computed small
cases, and the bootstrap weights (a unit drawn twice counts twice)."""

from __future__ import annotations

import numpy as np
import pytest

from metaeval.errors import StatsError
from metaeval.stats.nominal_agreement import fleiss_kappa, krippendorff_alpha_nominal

# Fleiss (1971) as reproduced on Wikipedia "Fleiss' kappa": 10 subjects, 14 raters, 5 categories
FLEISS_EXAMPLE = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
                  [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
                  [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
# Krippendorff (2011), section C: 4 observers, 12 units, values 1..5, missing data (nan)
NAN = np.nan
KRIPPENDORFF_EXAMPLE = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN]])


def _counts(reliability_data: np.ndarray) -> np.ndarray:
    values = np.unique(reliability_data[np.isfinite(reliability_data)])
    return np.array([[np.sum(column == v) for v in values] for column in reliability_data.T])


def test_fleiss_kappa_of_the_published_example():
    assert fleiss_kappa(FLEISS_EXAMPLE)[0] == pytest.approx(0.2099307, abs=1e-7)  # 0.210


def test_krippendorff_alpha_of_the_published_example():
    counts = _counts(KRIPPENDORFF_EXAMPLE)
    assert krippendorff_alpha_nominal(counts)[0] == pytest.approx(0.743, abs=5e-4)
    # by hand: n = 40 pairable values (unit 12 has one); sum_c o_cc over the units
    # 3 + 2 + 4 + 4 + 4 + 0 + 4 + 2 + 4 + 3 + 2 = 32; n_c = 9, 13, 10, 5, 3
    # -> alpha = 1 - (n - 1) (n - sum o_cc) / (n (n - 1) - sum n_c (n_c - 1)) = 1 - 312 / 1216
    by_hand = 1 - (40 - 1) * (40 - 32) / (40 * 39 - (9 * 8 + 13 * 12 + 10 * 9 + 5 * 4 + 3 * 2))
    assert by_hand == pytest.approx(1 - 312 / 1216)
    assert krippendorff_alpha_nominal(counts)[0] == pytest.approx(by_hand, abs=1e-12)


def test_a_two_unit_case_by_hand():
    counts = [[2, 0], [1, 1]]
    # Fleiss: P_1 = 1, P_2 = 0, P_bar = 0.5; p = (3/4, 1/4), P_e = 0.625 -> (0.5 - 0.625) / 0.375
    assert fleiss_kappa(counts)[0] == pytest.approx(-1 / 3)
    # alpha: n = 4, sum o_cc = 2 -> A_o = 0.5; n_c = (3, 1) -> A_e = 6 / 12 = 0.5 -> alpha = 0
    assert krippendorff_alpha_nominal(counts)[0] == pytest.approx(0.0, abs=1e-12)


def test_perfect_agreement_is_one_and_one_category_is_undefined():
    assert fleiss_kappa([[3, 0], [0, 3]])[0] == pytest.approx(1.0)
    assert krippendorff_alpha_nominal([[3, 0], [0, 3], [0, 2]])[0] == pytest.approx(1.0)
    assert np.isnan(fleiss_kappa([[3, 0], [3, 0]])[0])
    assert np.isnan(krippendorff_alpha_nominal([[3, 0], [2, 0]])[0])


def test_alpha_leaves_out_units_with_one_rating():
    rng = np.random.default_rng(21)
    counts = rng.integers(0, 4, size=(6, 3))
    counts[counts.sum(axis=1) < 2, 0] += 2
    single = np.vstack([counts, [[0, 1, 0]]])
    assert krippendorff_alpha_nominal(single)[0] == pytest.approx(
        krippendorff_alpha_nominal(counts)[0])


def test_fleiss_kappa_needs_a_constant_number_of_raters():
    with pytest.raises(StatsError, match="same number"):
        fleiss_kappa([[2, 1], [1, 1]])


def test_a_unit_drawn_twice_counts_twice():
    rng = np.random.default_rng(22)
    counts = np.array([rng.multinomial(5, [0.5, 0.3, 0.2]) for _ in range(6)])
    weights = np.array([[2, 0, 1, 1, 0, 2], [1, 1, 1, 1, 1, 1]], dtype=float)
    repeated = np.repeat(counts, weights[0].astype(int), axis=0)
    for function in (fleiss_kappa, krippendorff_alpha_nominal):
        drawn = function(counts, weights)
        assert drawn[0] == pytest.approx(function(repeated)[0])
        assert drawn[1] == pytest.approx(function(counts)[0])


def test_against_the_reference_packages_when_installed():
    rng = np.random.default_rng(23)
    codes = rng.integers(0, 4, size=(7, 15)).astype(float)  # 7 raters x 15 units
    codes[rng.random(codes.shape) < 0.15] = np.nan
    counts = _counts(codes)
    krippendorff = pytest.importorskip("krippendorff")
    expected = krippendorff.alpha(reliability_data=codes, level_of_measurement="nominal")
    assert krippendorff_alpha_nominal(counts)[0] == pytest.approx(expected, abs=1e-12)
