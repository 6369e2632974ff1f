"""Tie calibration of acc_23 and the pair-outcome permutation test (Deutsch, Foster & Freitag 2023).

Tie calibration (arXiv 2305.14324; mt-metrics-eval ``tau_optimization``) picks the metric tie
threshold epsilon that maximises acc_23 on the data: at threshold t every pair with
``|dm| <= t`` is a metric tie. The candidates are ``[0.0]`` plus every distinct ``|dm|`` of the
pairs (pairs are formed within each row of the level: items for ``item``, systems for ``sys``,
one row of all cells for ``none``, one row of system scores for ``system``). The objective is the
mean over rows (rows with at least one pair) of the row's acc_23; the first (smallest) threshold
reaching the maximum wins.

Exact sweep without a loop over pairs: turning a pair into a metric tie changes its row's count
``C + T_both`` by +1 if it is a human tie that was not a metric tie, by -1 if it was concordant,
and by 0 otherwise. Within a row every pair has weight ``1 / (n_pairs_row * n_rows)``, so rows
with the same number of pairs share a weight: for each such group the |dm| of its +1 pairs and of
its -1 pairs are sorted once, and the count of right pairs at any threshold follows from the
positions in those sorted arrays. The maximum can only be first reached at a threshold that
includes a +1 pair, so those are the only candidates besides 0.0. With one weight group (level
``none``, or no missing cells) the argmax runs on integers; otherwise the near-maximal candidates
are compared exactly as fractions. So the result is the exact optimum, free of the rounding drift
of a running float sum.

Pair sampling (``sample`` < 1, for matrices whose pairs would not fit in memory): each row with
n_pairs pairs contributes ceil(sample * n_pairs) pairs drawn uniformly with replacement (seeded),
and epsilon and acc_23 are computed on those pairs only, as mt-metrics-eval's ``sample_rate``
option does; the result is then an estimate (``TieCalibration.sampled``), recorded in the run's
signature.

When the optimum ties every pair that is concordant or a human tie, the calibrated metric is
equivalent to predicting "tie" for every pair (the pairs left untied are discordant, wrong either
way): its acc_23 is then the mean share of human ties. ``TieCalibration.ties_all_pairs`` flags it
so callers can warn. (mt-metrics-eval's ``Correlation`` wrapper reports epsilon 0.0 because it
returns 0 in the place of the threshold; here epsilon is the real threshold.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from metaeval.errors import ParameterError, StatsError
from metaeval.stats.grouping import group_vectors

TIECAL_LEVELS = ("none", "item", "sys", "system")
_BLOCK = 1 << 21  # pairs per block when enumerating pairs


@dataclass(frozen=True)
class TieCalibration:
    """Result of :func:`tie_calibrate`.

    statistic: the maximal mean acc_23; epsilon: the smallest threshold reaching it (``|dm| <=
    epsilon`` is a metric tie); ties_all_pairs: the optimum is equivalent to predicting a tie for
    every pair (every concordant and every human-tied pair is a metric tie at epsilon), so statistic
    is the mean share of human ties; n_pairs: pairs compared; n_rows: rows averaged (rows with at
    least one pair).
    """

    statistic: float
    epsilon: float
    ties_all_pairs: bool
    n_pairs: int
    n_rows: int
    sampled: bool = False


def _rows(gold: np.ndarray, metric: np.ndarray, level: str) -> tuple[np.ndarray, np.ndarray]:
    """(R, n) arrays whose rows hold the vectors of the level (NaN = missing)."""
    if level not in TIECAL_LEVELS:
        raise ParameterError("level", level, "tie calibration needs level none, item, sys or "
                             "system.")
    gold, metric = np.asarray(gold, float), np.asarray(metric, float)
    if gold.ndim != 2 or gold.shape != metric.shape:
        raise StatsError(
            f"tie calibration takes one system x item matrix for gold and metric; got shapes "
            f"{gold.shape} and {metric.shape}.")
    g, m = group_vectors(gold, metric, level)
    return np.atleast_2d(g), np.atleast_2d(m)


def _pair_blocks(gold_rows: np.ndarray, metric_rows: list[np.ndarray], valid: np.ndarray):
    """Yield ``(pairs_per_row, dg, [dm, ...])`` blocks covering every within-row pair (i < j) of
    the valid cells once; dg = g_i - g_j, dm = m_i - m_j.

    Rows are grouped by their number of valid cells. Short rows go through ``np.triu_indices`` a
    chunk of rows at a time; long rows (level none) in bands of rows of the pair matrix, so
    memory stays bounded (about ``_BLOCK`` pairs per block).
    """
    counts = valid.sum(-1)
    for size in np.unique(counts):
        size = int(size)
        if size < 2:
            continue
        rows = np.flatnonzero(counts == size)
        n_pairs = size * (size - 1) // 2
        order = np.argsort(~valid[rows], axis=-1, kind="stable")[:, :size]  # valid cells first
        g = np.take_along_axis(gold_rows[rows], order, -1)
        ms = [np.take_along_axis(m[rows], order, -1) for m in metric_rows]
        if n_pairs <= _BLOCK:
            i, j = np.triu_indices(size, 1)
            step = max(1, _BLOCK // n_pairs)
            for a in range(0, len(rows), step):
                sl = slice(a, a + step)
                yield (n_pairs, (g[sl, i] - g[sl, j]).ravel(),
                       [(m[sl, i] - m[sl, j]).ravel() for m in ms])
            continue
        for r in range(len(rows)):
            a = 0
            while a < size - 1:
                b = min(size - 1, a + max(1, _BLOCK // (size - a)))
                upper = np.arange(a, size)[None, :] > np.arange(a, b)[:, None]
                yield (n_pairs, (g[r, a:b, None] - g[r, None, a:])[upper],
                       [(m[r, a:b, None] - m[r, None, a:])[upper] for m in ms])
                a = b


def _sampled_pair_blocks(gold_rows: np.ndarray, metric_rows: list[np.ndarray],
                         valid: np.ndarray, sample: float, seed: int):
    """Like :func:`_pair_blocks` on ceil(sample * n_pairs) pairs of each row drawn uniformly
    with replacement: i uniform over the n valid cells, j uniform over the other n - 1."""
    rng = np.random.default_rng(seed)
    counts = valid.sum(-1)
    for r in np.flatnonzero(counts >= 2):
        size = int(counts[r])
        cells = np.flatnonzero(valid[r])
        g, ms = gold_rows[r, cells], [m[r, cells] for m in metric_rows]
        drawn = int(np.ceil(sample * size * (size - 1) / 2))
        for start in range(0, drawn, _BLOCK):
            b = min(_BLOCK, drawn - start)
            i = rng.integers(0, size, b)
            j = rng.integers(0, size - 1, b)
            j += j >= i
            yield drawn, g[i] - g[j], [m[i] - m[j] for m in ms]


def _same_order(dg: np.ndarray, dm: np.ndarray) -> np.ndarray:
    """Concordant pairs: both differences non-zero with the same sign."""
    return ((dg > 0) & (dm > 0)) | ((dg < 0) & (dm < 0))


@dataclass
class _Group:
    """Pairs of the rows that have ``pairs_per_row`` pairs each (so they share one weight)."""

    pairs_per_row: int
    correct0: int = 0  # pairs right at epsilon 0: concordant or tied in both
    gains: list = field(default_factory=list)  # |dm| of human ties not yet metric ties (+1)
    losses: list = field(default_factory=list)  # |dm| of concordant pairs (-1)


def _sweep(gold_rows: np.ndarray, metric_rows: np.ndarray, sample: float = 1.0,
           seed: int = 0) -> TieCalibration:
    """Tie-calibration sweep over (R, n) rows, exact over all pairs or over a sample of
    them (``sample`` < 1); see the module docstring."""
    if not 0 < sample <= 1:
        raise ParameterError("tiecal_sample", sample, "the share of pairs must be in (0, 1].")
    valid = np.isfinite(gold_rows) & np.isfinite(metric_rows)
    cells = valid.sum(-1)
    n_rows = int((cells >= 2).sum())
    if n_rows == 0:
        return TieCalibration(float("nan"), 0.0, False, 0, 0)
    blocks = (_pair_blocks(gold_rows, [metric_rows], valid) if sample == 1 else
              _sampled_pair_blocks(gold_rows, [metric_rows], valid, sample, seed))
    groups: dict[int, _Group] = {}
    n_pairs = 0
    for size, dg, (dm,) in blocks:
        n_pairs += dg.size
        grp = groups.setdefault(size, _Group(size))
        human_tie = dg == 0
        metric_tie = dm == 0
        concordant = _same_order(dg, dm)
        grp.correct0 += int(concordant.sum()) + int((human_tie & metric_tie).sum())
        grp.gains.append(np.abs(dm[human_tie & ~metric_tie]))
        grp.losses.append(np.abs(dm[concordant]))
    sizes = sorted(groups)
    ups = [np.sort(np.concatenate(groups[s].gains)) for s in sizes]
    downs = [np.sort(np.concatenate(groups[s].losses)) for s in sizes]
    top = max([u[-1] for u in ups if len(u)] + [d[-1] for d in downs if len(d)], default=0.0)
    if len(sizes) == 1:
        up, down = ups[0], downs[0]
        ends = np.flatnonzero(np.append(up[1:] != up[:-1], True)) if len(up) else np.zeros(0, int)
        candidates = np.concatenate([[0.0], up[ends]])
        right = groups[sizes[0]].correct0 + np.concatenate(
            [[0], ends + 1 - np.searchsorted(down, up[ends], side="right")])
        best = int(np.argmax(right))  # one weight: exact integer argmax, first maximum
        counts = right[None, :]
    else:
        candidates = np.concatenate([[0.0], np.unique(np.concatenate(ups))])
        counts = np.stack([groups[s].correct0 + np.searchsorted(up, candidates, side="right")
                           - np.searchsorted(down, candidates, side="right")
                           for s, up, down in zip(sizes, ups, downs)])
        values = np.array([1.0 / s for s in sizes]) @ counts
        near = np.flatnonzero(values >= values.max() - 1e-9)
        exact = [sum(Fraction(int(c), s) for c, s in zip(counts[:, k], sizes)) for k in near]
        best = int(near[exact.index(max(exact))])  # first exact maximum
    value = float(sum(Fraction(int(c), s * n_rows) for c, s in zip(counts[:, best], sizes)))
    epsilon = float(candidates[best])
    return TieCalibration(value, epsilon, bool(epsilon >= top), n_pairs, n_rows, sample < 1)


def tie_calibrate(gold: np.ndarray, metric: np.ndarray, level: str = "none",
                  sample: float = 1.0, seed: int = 0) -> TieCalibration:
    """Tie-calibrated acc_23 of one (S, I) matrix at level ``none``, ``item``, ``sys`` (or
    ``system``: one row of system scores). Cells with a NaN gold or metric score are dropped.
    ``sample`` < 1 calibrates on that share of each row's pairs, drawn with ``seed``."""
    return _sweep(*_rows(gold, metric, level), sample=sample, seed=seed)


def acc23_tiecal_at_level(gold: np.ndarray, metric: np.ndarray, level: str) -> np.ndarray:
    """Registry form: (..., S, I) -> (...) tie-calibrated acc_23, one epsilon per matrix."""
    gold, metric = np.broadcast_arrays(np.asarray(gold, float), np.asarray(metric, float))
    batch = gold.shape[:-2]
    g = gold.reshape((-1,) + gold.shape[-2:])
    m = metric.reshape((-1,) + metric.shape[-2:])
    out = np.array([tie_calibrate(g[b], m[b], level).statistic for b in range(g.shape[0])], float)
    return out.reshape(batch)


def acc23_tiecal_vectors(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Tie-calibrated acc_23 of each (human, metric) vector over the last axis, epsilon chosen
    per vector: (..., n) -> (...). Levels use the ``at_level`` form (one epsilon per matrix)."""
    x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
    batch, n = x.shape[:-1], x.shape[-1]
    rows = int(np.prod(batch, dtype=np.int64))
    xf, yf = x.reshape(rows, n), y.reshape(rows, n)
    out = np.array([_sweep(xf[b:b + 1], yf[b:b + 1]).statistic for b in range(rows)], float)
    return out.reshape(batch)


def _right_at(dg: np.ndarray, dm: np.ndarray, epsilon: float) -> np.ndarray:
    """Per pair: is the metric right at threshold epsilon (tie where gold ties, else same order)."""
    return np.where(np.abs(dm) <= epsilon, dg == 0, _same_order(dg, dm))


def pair_outcome_permutation(
    gold: np.ndarray,
    metric_a: np.ndarray,
    metric_b: np.ndarray,
    level: str = "none",
    k: int = 1000,
    seed: int = 0,
    return_draws: bool = False,
) -> tuple:
    """One-sided test that tie-calibrated metric A has a higher acc_23 than metric B.

    Both are compared on the same pairs (cells where gold, A and B are all present). A and B are
    each calibrated once on the real data (epsilon is not re-chosen per draw). The null swaps each
    pair's outcome (right/wrong) between A and B with probability 1/2. Only pairs whose outcomes
    differ move the statistic, and all pairs of a weight group (rows with the same number of
    pairs) have the same weight, so a draw's delta is ``sum_g w_g (2 * Binomial(D_g, 1/2) - D_g)``
    with ``D_g`` the group's differing pairs: all k draws come from one ``Generator.binomial``
    call (``numpy.random.default_rng(seed)``).

    Returns ``(pvalue, delta)``: delta = acc_23(A) - acc_23(B), both calibrated, and
    p = (c + 1) / (k + 1) with c = #(delta* >= delta), so p is in (0, 1]; with
    ``return_draws`` also the k null deltas (for the significance of averages over tasks).
    """
    if k < 1:
        raise ParameterError("k", k, "the number of permutation draws must be at least 1.")
    g, ma = _rows(gold, metric_a, level)
    _, mb = _rows(gold, metric_b, level)
    valid = np.isfinite(g) & np.isfinite(ma) & np.isfinite(mb)
    ma, mb = np.where(valid, ma, np.nan), np.where(valid, mb, np.nan)
    cal_a, cal_b = _sweep(g, ma), _sweep(g, mb)
    n_rows = cal_a.n_rows
    if n_rows == 0:
        return (float("nan"), float("nan")) + ((np.full(k, np.nan),) if return_draws else ())
    a_only: dict[int, int] = {}
    b_only: dict[int, int] = {}
    for size, dg, (dma, dmb) in _pair_blocks(g, [ma, mb], valid):
        right_a = _right_at(dg, dma, cal_a.epsilon)
        right_b = _right_at(dg, dmb, cal_b.epsilon)
        a_only[size] = a_only.get(size, 0) + int((right_a & ~right_b).sum())
        b_only[size] = b_only.get(size, 0) + int((right_b & ~right_a).sum())
    sizes = sorted(a_only)
    observed = np.array([a_only[s] - b_only[s] for s in sizes], np.int64)
    differing = np.array([a_only[s] + b_only[s] for s in sizes], np.int64)
    weights = 1.0 / (np.array(sizes, float) * n_rows)
    delta = float(weights @ observed)
    rng = np.random.default_rng(seed)
    draws = 2 * rng.binomial(differing, 0.5, size=(k, len(sizes))) - differing
    if len(sizes) == 1:
        exceed = int((draws[:, 0] >= observed[0]).sum())  # exact, on integers
    else:
        exceed = int((draws @ weights >= delta - 1e-12).sum())
    if return_draws:
        return (exceed + 1) / (k + 1), delta, draws @ weights
    return (exceed + 1) / (k + 1), delta
