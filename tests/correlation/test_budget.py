"""The run-time estimate (:mod:`metaeval.correlation.budget`) follows each statistic's path: SPA
has its own units (it was priced as tie calibration: 20 min announced for the README's 42 s
WMT run), and acc23_tiecal prices the pairs of cells, without the bootstrap and chance draws
that the run skips beyond TIECAL_BOOTSTRAP_BUDGET."""

from __future__ import annotations

from dataclasses import replace

import pytest

from metaeval.correlation import budget
from metaeval.correlation.settings import Settings

WMT22 = (28125, (15, 1875))  # gold cells, (systems, items) of WMT22 zh-en


def _settings(k: int) -> Settings:
    return replace(Settings(), k=k, significance="all", chance=True)


def test_spa_has_its_own_units():
    cells, shape = WMT22
    s = _settings(1000)
    unit = budget.UNIT_SECONDS["spa"]
    fixed = 1000 * budget.DRAW_SECONDS
    expected = (11 * (1000 * cells * unit["bootstrap"] + fixed)
                + 11 * (1000 * cells * unit["chance"] + fixed)
                + 55 * (1000 * cells * unit["perm"] + fixed))
    assert budget.task_seconds(cells, "system", "spa", 11, s, shape) == pytest.approx(expected)
    assert expected < 120  # the README run takes 42 s on 2 cores; was priced at ~10 min


def test_tiecal_skipped_draws_are_not_priced():
    cells, shape = WMT22
    pairs = 1875 * 15 * 14 // 2
    calibration = 11 * pairs * budget.TIECAL_PAIR_SECONDS
    tests = 55 * pairs * budget.TIECAL_PERM_SECONDS
    skipped = budget.task_seconds(cells, "item", "acc23_tiecal", 11, _settings(1000), shape)
    assert skipped == pytest.approx(calibration + tests)  # 1000 draws: over the budget
    sweeps = 11 * pairs * 40 * 2
    assert sweeps <= budget.TIECAL_BOOTSTRAP_BUDGET
    fits = budget.task_seconds(cells, "item", "acc23_tiecal", 11, _settings(40), shape)
    assert fits == pytest.approx(calibration + tests + sweeps * budget.TIECAL_PAIR_SECONDS)
