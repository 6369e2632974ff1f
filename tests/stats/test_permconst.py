"""PERM-BOTH Pearson fast path on groups whose hybrids are constant or within a few ulps of
constant (:mod:`metaeval.stats.permconst`): equal to the generic path, on a hand-made matrix
and on HANNA's metrics with many zeros (the draws differed by up to 0.0077)."""

from __future__ import annotations

from itertools import combinations

import numpy as np

from metaeval.stats.coefficients import get_coefficient
from metaeval.stats.permfast import PearsonPermBoth, perm_both_fast_path
from metaeval.stats.permsorted import generic_pair_draws
from metaeval.stats.permutation import swap_masks, zscore_on_gold
from tests.hanna import CIDER, hanna_matrix

PEARSON = get_coefficient("pearson")


def _fast_and_generic(gold, scores, level, k, seed):
    z = zscore_on_gold(gold, scores)
    fast = perm_both_fast_path(PEARSON, level, gold, z)
    assert isinstance(fast, PearsonPermBoth)
    masks = swap_masks(np.random.default_rng(seed), k, gold.shape)
    pairs = list(combinations(range(len(scores)), 2))
    generic = np.stack([generic_pair_draws(gold, z[a], z[b], masks, PEARSON, level)
                        for a, b in pairs])
    return fast.draws(pairs, masks), generic, fast


def test_constant_groups_by_hand():
    """Items where a metric is constant (0 for every system, or a value shared by two
    metrics) and one where it is 0 but for one system at 1e-17 of its scale."""
    rng = np.random.default_rng(1811)
    gold = rng.normal(size=(5, 8))
    scores = rng.normal(size=(3, 5, 8))
    scores[0, :, :3] = 0.0  # constant items of metric 0
    scores[1, :, 2] = 0.0  # ... item 2 constant in metrics 0 and 1 (different z values)
    scores[0, 4, 1] = 1e-17 * np.abs(scores[0]).max()  # within a few ulps of constant in z
    fast, generic, _ = _fast_and_generic(gold, scores, "item", k=3000, seed=4)
    assert np.allclose(fast, generic, rtol=0, atol=1e-12, equal_nan=True)


def test_duplicate_metric_takes_the_generic_path():
    rng = np.random.default_rng(1812)
    gold = rng.normal(size=(4, 6))
    scores = rng.normal(size=(3, 4, 6))
    scores[2] = scores[0]  # every value shared: mixed hybrids can be constant
    scores[:, :, 0] = 1.0
    fast, generic, path = _fast_and_generic(gold, scores, "item", k=500, seed=1)
    assert not path.shared.exact(0, 2) and path.shared.exact(0, 1)
    assert np.allclose(fast, generic, rtol=0, atol=1e-12, equal_nan=True)


def test_hanna_metrics_with_many_zeros(datasets_dir):
    """Empathy at level item with CIDEr (0 for all ten systems on 30 prompts), BLEU, ROUGE-4,
    BERTScore recall and BaryScore-SD-0.001: the pairs whose draws differed most."""
    columns = [CIDER, "BLEU Ξ§", "ROUGE-4 F-Score Ξ§", "BERTScore Recall Ξε",
               "BaryScore-SD-0.001 Ξε"]
    gold = hanna_matrix(datasets_dir, "Empathy")
    scores = np.stack([hanna_matrix(datasets_dir, c) for c in columns])
    fast, generic, _ = _fast_and_generic(gold, scores, "item", k=1000, seed=0)
    assert np.isfinite(generic).all()
    assert np.allclose(fast, generic, rtol=0, atol=1e-9)
