"""MOS/DMOS per stimulus and per system: GSVS published means, scipy t intervals, bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from metaeval.errors import ParameterError, StatsError
from metaeval.listening.scores import stimulus_scores, system_scores

# Bereuter et al. (WASPAA 2025), per-system DMOS means of the bundled DCR test.
PUBLISHED_DMOS = {"htdemucs": 2.03, "melroformer_small": 2.67, "melroformer_large": 3.28,
                  "sgmsvs": 3.08, "melroformer_bigvgan": 3.29}


@pytest.fixture(scope="module")
def stimuli(ratings) -> pd.DataFrame:
    return stimulus_scores(ratings, bootstrap_k=400, seed=1)


def test_system_dmos_reproduces_published_means(ratings):
    table = system_scores(ratings, bootstrap_k=200).set_index("system")
    assert set(table.index) == set(PUBLISHED_DMOS)
    for system, value in PUBLISHED_DMOS.items():
        assert round(table.loc[system, "mos"], 2) == value
    assert (table["n_items"] == 50).all()


def test_stimulus_mos_equals_released_dmos_column(stimuli, released):
    joined = stimuli.merge(released[["file_id", "model_name", "DMOS"]],
                           left_on=["item", "system"], right_on=["file_id", "model_name"])
    assert len(joined) == len(stimuli) == 250
    np.testing.assert_allclose(joined["mos"], joined["DMOS"], atol=1e-12)
    assert (stimuli["n_ratings"] == 12).all()


def test_stimulus_t_interval_equals_scipy(stimuli, released):
    rating_columns = [f"rating_{i}" for i in range(12)]
    by_key = stimuli.set_index(["item", "system"])
    for _, row in released.iloc[::25].iterrows():
        x = row[rating_columns].to_numpy(float)
        low, high = scipy.stats.t.interval(0.95, len(x) - 1, loc=x.mean(),
                                           scale=scipy.stats.sem(x))
        got = by_key.loc[(row["file_id"], row["model_name"])]
        assert got["ci_low"] == pytest.approx(low, abs=1e-12)
        assert got["ci_high"] == pytest.approx(high, abs=1e-12)


def test_system_t_interval_is_over_item_means(ratings, released):
    table = system_scores(ratings, ci=0.9, bootstrap_k=50).set_index("system")
    for system, part in released.groupby("model_name"):
        x = part["DMOS"].to_numpy(float)
        low, high = scipy.stats.t.interval(0.9, len(x) - 1, loc=x.mean(),
                                           scale=scipy.stats.sem(x))
        assert table.loc[system, "ci_low"] == pytest.approx(low, abs=1e-12)
        assert table.loc[system, "ci_high"] == pytest.approx(high, abs=1e-12)


def test_bootstrap_is_seeded_and_brackets_the_mean(ratings, stimuli):
    again = stimulus_scores(ratings, bootstrap_k=400, seed=1)
    pd.testing.assert_frame_equal(stimuli, again)
    other = stimulus_scores(ratings, bootstrap_k=400, seed=2)
    assert not np.allclose(other["boot_low"], stimuli["boot_low"])
    assert (stimuli["boot_low"] <= stimuli["mos"]).all()
    assert (stimuli["boot_high"] >= stimuli["mos"]).all()
    systems = system_scores(ratings, bootstrap_k=300, seed=3)
    pd.testing.assert_frame_equal(systems, system_scores(ratings, bootstrap_k=300, seed=3))
    assert (systems["boot_low"] < systems["mos"]).all()
    assert (systems["boot_high"] > systems["mos"]).all()


def test_stimulus_bootstrap_hand_case():
    # Ratings {1, 5}: resampled means are 1, 3, 5 with probabilities 1/4, 1/2, 1/4, so the 95 %
    # percentile interval is [1, 5]; a stimulus with equal ratings has a zero-width interval.
    frame = pd.DataFrame({"item": ["x", "x", "y", "y", "y"], "system": "s",
                          "rater": ["r1", "r2", "r1", "r2", "r3"], "rating": [1, 5, 4, 4, 4]})
    table = stimulus_scores(frame, bootstrap_k=2000, seed=0).set_index("item")
    assert table.loc["x", ["boot_low", "boot_high"]].tolist() == [1.0, 5.0]
    assert table.loc["x", "mos"] == 3.0
    assert table.loc["y", ["boot_low", "boot_high", "mos"]].tolist() == [4.0, 4.0, 4.0]
    assert table.loc["y", "ci_low"] == table.loc["y", "ci_high"] == 4.0


def test_system_bootstrap_captures_rater_offsets():
    # Every rater rates every stimulus as q_item + b_rater. Item means do not vary within the
    # system beyond q, but the panel mean shifts with the mean offset of the drawn raters:
    # the bootstrap sd of the system mean is sd(b) sqrt((R - 1) / R) / sqrt(R).
    rng = np.random.default_rng(5)
    n_raters, n_items = 40, 30
    offsets = rng.normal(0.0, 1.0, n_raters)
    rows = [{"item": f"i{i}", "system": "s", "rater": f"r{r}", "rating": 3.0 + offsets[r]}
            for i in range(n_items) for r in range(n_raters)]
    table = system_scores(pd.DataFrame(rows), bootstrap_k=4000, seed=0).iloc[0]
    sd = offsets.std(ddof=0) / np.sqrt(n_raters)
    expected = 2 * scipy.stats.norm.ppf(0.975) * sd
    assert table["boot_high"] - table["boot_low"] == pytest.approx(expected, rel=0.1)
    assert table["ci_high"] - table["ci_low"] == pytest.approx(0.0, abs=1e-9)


def test_system_mos_weights_items_equally():
    frame = pd.DataFrame({"item": ["a", "a", "a", "b"], "system": "s",
                          "rater": ["r1", "r2", "r3", "r1"], "rating": [1.0, 1.0, 1.0, 5.0]})
    row = system_scores(frame, bootstrap_k=10).iloc[0]
    assert row["mos"] == 3.0 and row["n_items"] == 2


def test_errors():
    frame = pd.DataFrame({"item": ["a"], "system": ["s"], "rater": ["r"], "rating": [3.0]})
    with pytest.raises(ParameterError, match="ci"):
        stimulus_scores(frame, ci=1.5)
    with pytest.raises(ParameterError, match="bootstrap_k"):
        system_scores(frame, bootstrap_k=0)
    with pytest.raises(StatsError, match="columns"):
        stimulus_scores(frame.drop(columns="rater"))
    single = stimulus_scores(frame, bootstrap_k=5).iloc[0]
    assert single["mos"] == 3.0 and np.isnan(single["ci_low"])
