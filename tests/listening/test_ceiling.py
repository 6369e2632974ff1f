"""Noise ceiling: synthetic panels with a known reliability, Spearman-Brown, GSVS values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metaeval.data.gensvs import gensvs_ratings
from metaeval.errors import ParameterError, StatsError
from metaeval.listening.ceiling import half_panel_means, noise_ceiling, spearman_brown
from metaeval.listening.scores import padded_ratings


def synthetic_panel(n_items: int, n_systems: int, m: int, noise_sd: float, pool: int,
                    seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Stimuli with true quality q ~ N(0, 1); each rated by m raters drawn from a pool,
    rating = q + N(0, noise_sd^2). Returns the ratings, q and the panel means (same order)."""
    rng = np.random.default_rng(seed)
    q = rng.normal(0.0, 1.0, (n_systems, n_items))
    rows, panel = [], np.empty_like(q)
    for s in range(n_systems):
        for i in range(n_items):
            raters = rng.choice(pool, m, replace=False)
            values = q[s, i] + rng.normal(0.0, noise_sd, m)
            panel[s, i] = values.mean()
            rows += [{"item": f"i{i:03d}", "system": f"s{s}", "rater": f"r{r}", "rating": v}
                     for r, v in zip(raters, values)]
    return pd.DataFrame(rows), q, panel


@pytest.mark.parametrize(("m", "noise_sd"), [(10, 1.5), (12, 3.0), (7, 1.0)])
def test_pearson_ceiling_matches_panel_reliability(m, noise_sd):
    frame, q, panel = synthetic_panel(150, 2, m, noise_sd, pool=30, seed=m)
    expected = 1.0 / (1.0 + noise_sd**2 / m)  # var(q) / (var(q) + s^2 / m), var(q) = 1
    result = noise_ceiling(frame, coefficient="pearson", level="none", k=100, seed=0)
    assert result.statistic == pytest.approx(expected, abs=0.05)
    assert result.low <= result.statistic <= result.high
    # sqrt(reliability) is what a perfect metric (q itself) reaches against this panel.
    observed = np.corrcoef(q.ravel(), panel.ravel())[0, 1]
    assert result.perfect_metric == pytest.approx(observed, abs=0.05)
    assert result.split_half < result.statistic
    assert result.k == 100 and "Spearman-Brown" in result.method


def test_spearman_ceiling_close_to_reliability():
    frame, _, _ = synthetic_panel(200, 1, 10, 1.5, pool=20, seed=11)
    expected = 1.0 / (1.0 + 1.5**2 / 10)
    result = noise_ceiling(frame, coefficient="spearman", k=100, seed=0)
    assert result.statistic == pytest.approx(expected, abs=0.06)


def test_spearman_brown_hand_values():
    np.testing.assert_allclose(spearman_brown([0.0, 0.5, 1.0]), [0.0, 2 / 3, 1.0])
    assert spearman_brown(0.5, factor=3.0) == pytest.approx(0.75)


def test_half_panel_means_partition_the_ratings():
    frame, _, _ = synthetic_panel(20, 2, 7, 1.0, pool=15, seed=3)
    _, values, counts = padded_ratings(frame)
    a, b = half_panel_means(values, counts, 5, np.random.default_rng(0))
    total = np.nansum(values, axis=1)
    np.testing.assert_allclose(a * (counts // 2) + b * (counts - counts // 2),
                               np.broadcast_to(total, a.shape))
    assert not np.allclose(a[0], a[1])  # splits differ


def test_seeded_and_grouped():
    ratings = gensvs_ratings()
    first = noise_ceiling(ratings, k=50, seed=4)
    assert first == noise_ceiling(ratings, k=50, seed=4)
    by_column = noise_ceiling(ratings, k=50, seed=4, group="model_type")
    mapping = dict(zip(ratings["system"], ratings["model_type"]))
    by_mapping = noise_ceiling(ratings.drop(columns="model_type"), k=50, seed=4, group=mapping)
    assert set(by_column) == {"discriminative", "generative"}
    assert by_column == by_mapping
    only_generative = ratings[ratings["model_type"] == "generative"]
    assert by_column["generative"] == noise_ceiling(only_generative, k=50, seed=4)


def test_gsvs_ceilings():
    ratings = gensvs_ratings()
    pooled = noise_ceiling(ratings, coefficient="spearman", k=200, seed=0)
    groups = noise_ceiling(ratings, coefficient="spearman", k=200, seed=0, group="model_type")
    # Recorded values (200 splits, seed 0): pooled 0.921, discriminative 0.915, generative 0.898.
    assert pooled.statistic == pytest.approx(0.921, abs=0.005)
    assert groups["discriminative"].statistic == pytest.approx(0.915, abs=0.005)
    assert groups["generative"].statistic == pytest.approx(0.898, abs=0.005)
    assert 0.85 < pooled.low < pooled.statistic < pooled.high < 1.0


def test_errors():
    single = pd.DataFrame({"item": ["a", "b"], "system": "s", "rater": ["r1", "r2"],
                           "rating": [1.0, 2.0]})
    with pytest.raises(StatsError, match="at least 2 raters"):
        noise_ceiling(single)
    ratings = gensvs_ratings()
    with pytest.raises(ParameterError, match="level"):
        noise_ceiling(ratings, level="segment")
    with pytest.raises(StatsError, match="no column"):
        noise_ceiling(ratings, group="nope")
    with pytest.raises(StatsError, match="no group"):
        noise_ceiling(ratings, group={"htdemucs": "d"})
