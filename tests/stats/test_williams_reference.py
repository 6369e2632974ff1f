"""Williams p-values against mt-metrics-eval on the TED en-de matrix (reference JSON)."""

from __future__ import annotations

import numpy as np
import pytest

from metaeval.stats.williams import williams_matrix, williams_test


def _check(ted_matrix, mtme_reference, level, key):
    names = list(ted_matrix["metrics"])
    scores = np.stack([ted_matrix["metrics"][n] for n in names])
    result = williams_matrix(ted_matrix["gold"], scores, level)
    reference = mtme_reference[key]
    assert reference
    for pair, expected in reference.items():
        a, b = pair.split(" vs ")
        got = result.p[names.index(a), names.index(b)]
        assert abs(got - expected) <= 1e-9, pair
        assert got == pytest.approx(expected, rel=1e-6), pair  # also the tiny p-values


def test_system_level_matches_mtme(ted_matrix, mtme_reference):
    _check(ted_matrix, mtme_reference, "system", "williams_system_pearson_one_sided_p")


def test_pooled_level_matches_mtme(ted_matrix, mtme_reference):
    _check(ted_matrix, mtme_reference, "none", "williams_none_pearson_one_sided_p")


def test_two_sided_doubles_and_symmetry():
    one = williams_test(0.6, 0.4, 0.5, 50)
    assert williams_test(0.6, 0.4, 0.5, 50, one_sided=False) == pytest.approx(2 * one)
    assert williams_test(0.4, 0.6, 0.5, 50) == pytest.approx(one)
    assert williams_test(0.5, 0.5, 0.3, 50) == pytest.approx(0.5)
