"""Exact fast paths of the resampling engine for rank- and pair-based coefficients.

Both fast paths turn the per-draw work into matrix products of the draw weights (k, n) with
fixed (n, n) matrices. Every entry they add is a small integer or half-integer, so the products
are exact in floating point whatever the summation order: the ranks and pair counts are the very
numbers the generic path computes, and the statistics agree to rounding (1e-15).

- :class:`SpearmanPermBoth`: PERM-BOTH draws of Spearman's rho (swap masks w in {0, 1}).
- :func:`weighted_pair_counts` and :func:`pair_statistic`: Kendall-family pair counts of
  resampled vectors given as multiplicities of the original cells (bootstrap draws).
"""

from __future__ import annotations

import numpy as np

from metaeval.stats.coefficients import average_ranks
from metaeval.stats.kendall import PairCounts, _ratio
from metaeval.stats.levels import average_correlations

FAST_MAX_CELLS = 3000  # longest vector (cells of one group) the quadratic fast paths take


def _groups(x: np.ndarray, level: str) -> np.ndarray:
    """(..., S, I) -> (..., G, n): items x systems for ``item``, systems x items for ``sys``,
    one group of all cells for ``none``."""
    if level == "item":
        return np.swapaxes(x, -1, -2)
    if level == "sys":
        return x
    return x.reshape(x.shape[:-2] + (1, -1))


def _half_step(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """K[..., d, c] = [u_d < v_c] + 1/2 [u_d == v_c], float32 (exact: values 0, 1/2, 1)."""
    u, v = u[..., :, None], v[..., None, :]
    return (u < v).astype(np.float32) + np.float32(0.5) * (u == v)


class SpearmanPermBoth:
    """Exact PERM-BOTH draws of Spearman's rho at ``item``, ``sys`` or ``none``.

    Within a group of n valid cells the average rank of value v among values u_1..u_n is
    rank(v) = 1/2 + sum_d K(u_d, v), K(u, v) = [u < v] + 1/2 [u == v]. In a draw with swap
    mask w, a*_d = b_d where w_d = 1 else a_d, so for the cell c (a* = a_c when w_c = 0):

        rank_a*(c) = 1/2 + sum_d K(a_d, a_c) + (w @ (K(b_d, a_c) - K(a_d, a_c)))_c   (w_c = 0)
        rank_a*(c) = 1/2 + sum_d K(a_d, b_c) + (w @ (K(b_d, b_c) - K(a_d, b_c)))_c   (w_c = 1)

    and b* = a* with w -> 1 - w reuses the same two products with the sign flipped. The d = c
    term is always right for the branch selected by w_c. rho is then the Pearson r of these
    ranks with the fixed gold ranks: rho = <gc, r - (n+1)/2> / ||r - (n+1)/2||, gc the centred
    unit-norm gold ranks (NaN for constant gold or metric, fewer than two cells, as
    ``coefficients.spearman``). Needs the z-scored metrics finite wherever gold is present, so
    that the valid cells do not change between draws.
    """

    def __init__(self, gold: np.ndarray, z: np.ndarray, level: str):
        self.level = level
        g = _groups(gold, level)  # (G, n)
        valid = np.isfinite(g)
        self.valid = valid
        n = valid.sum(-1)
        self.centre = (n + 1) / 2.0
        with np.errstate(invalid="ignore", divide="ignore"):
            rc = np.where(valid, average_ranks(np.where(valid, g, np.nan)) - self.centre[:, None], 0.0)
            sgg = (rc * rc).sum(-1)
            self.gold_ok = (n >= 2) & (sgg > 0)
            self.gc = np.where(self.gold_ok[:, None], rc / np.sqrt(sgg)[:, None], 0.0)
        self.z = np.where(valid, _groups(z, level), 0.0)  # (M, G, n)

    @staticmethod
    def supports(coef, level: str, gold: np.ndarray, z: np.ndarray) -> bool:
        present = np.isfinite(gold)
        longest = gold.shape[0] if level == "item" else gold.shape[1] if level == "sys" else gold.size
        return (coef.name == "spearman" and coef.at_level is None
                and level in ("item", "sys", "none") and longest <= FAST_MAX_CELLS
                and bool(np.isfinite(z[:, present]).all()))

    def _rho(self, ranks: np.ndarray) -> np.ndarray:
        """Group-averaged rho of metric ranks (..., k, G, n) against the gold ranks."""
        rc = np.where(self.valid, ranks - self.centre[:, None], 0.0)
        syy = (rc * rc).sum(-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = (self.gc * rc).sum(-1) / np.sqrt(syy)
        r = np.clip(np.where(self.gold_ok & (syy > 0), r, np.nan), -1.0, 1.0)
        return average_correlations(r)

    def draws(self, pairs: list[tuple[int, int]], masks: np.ndarray) -> np.ndarray:
        """delta* = rho(a*) - rho(b*) for each pair and mask: (P, k)."""
        w = _groups(masks, self.level)  # (k, G, n) booleans
        wf = np.moveaxis(w, 0, 1).astype(np.float32)  # (G, k, n)
        rows = self.valid[:, :, None]  # invalid cells d contribute nothing
        n = w.shape[-1]
        out = np.empty((len(pairs), masks.shape[0]))
        for p, (a, b) in enumerate(pairs):
            za, zb = self.z[a], self.z[b]
            k_aa = np.where(rows, _half_step(za, za), 0)
            k_ba = np.where(rows, _half_step(zb, za), 0)
            k_ab = np.where(rows, _half_step(za, zb), 0)
            k_bb = np.where(rows, _half_step(zb, zb), 0)
            both = np.matmul(wf, np.concatenate([k_ba - k_aa, k_bb - k_ab], -1))  # (G, k, 2n)
            q = np.moveaxis(both, 0, 1).astype(float)  # (k, G, 2n)
            q0, q1 = q[..., :n], q[..., n:]
            s_aa, s_ba, s_ab, s_bb = (m.sum(-2, dtype=float) for m in (k_aa, k_ba, k_ab, k_bb))
            rank_a = 0.5 + np.where(w, s_ab + q1, s_aa + q0)
            rank_b = 0.5 + np.where(w, s_ba - q0, s_bb - q1)
            out[p] = self._rho(rank_a) - self._rho(rank_b)
        return out


# ------------------------------------------------------------------ Kendall family, bootstrap
PAIR_FAST = ("kendall_b", "kendall_c", "tau23", "acc23", "aces_tau", "pairwise_acc")


def _quadratic(wf: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """sum_ab w_a M_ab w_b for every row of wf (k, n), M (n, n) of small integers; int64."""
    prod = (wf @ matrix).astype(float)  # exact: integer sums below 2^24
    return np.rint((prod * wf).sum(-1)).astype(np.int64)


def weighted_pair_counts(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> PairCounts:
    """Pair counts of the multisets holding cell a of (x, y) ``weights[.., a]`` times.

    x, y: (n,) with NaN for missing cells (dropped); weights: (k, n) non-negative integers with
    sum(weights) < 2^24. With s the sign of differences and E the equality indicators
    (diagonal included), over the valid cells:

        C - D = 1/2 w' (s_x * s_y) w          (copies of one cell tie in both, adding 0)
        T_x   = 1/2 (w' E_x w - W), T_y likewise, T_both = 1/2 (w' (E_x * E_y) w - W)

    with W = sum w (each cell's w (w - 1) / 2 self-pairs are the diagonal minus W, halved), so
    C = (N - T_x - T_y + T_both + (C - D)) / 2 with N = W (W - 1) / 2. Exact integers.
    """
    valid = np.isfinite(x) & np.isfinite(y)
    xv, yv = x[valid], y[valid]
    wf = np.asarray(weights)[:, valid].astype(np.float32)
    sx = np.sign(xv[:, None] - xv[None, :]).astype(np.float32)
    sy = np.sign(yv[:, None] - yv[None, :]).astype(np.float32)
    ex = (xv[:, None] == xv[None, :]).astype(np.float32)
    ey = (yv[:, None] == yv[None, :]).astype(np.float32)
    total = np.rint(wf.sum(-1, dtype=float)).astype(np.int64)
    con_minus_dis = _quadratic(wf, sx * sy) // 2
    tx = (_quadratic(wf, ex) - total) // 2
    ty = (_quadratic(wf, ey) - total) // 2
    tb = (_quadratic(wf, ex * ey) - total) // 2
    n_pairs = total * (total - 1) // 2
    con = (n_pairs - tx - ty + tb + con_minus_dis) // 2
    return PairCounts(con=con, dis=con - con_minus_dis, ties_human=tx - tb, ties_metric=ty - tb,
                      ties_both=tb, n=total)


def weighted_distinct(x: np.ndarray, valid: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Number of distinct values of x among the valid cells with a positive weight: (k,)."""
    _, inverse = np.unique(x[valid], return_inverse=True)
    indicator = np.zeros((valid.sum(), inverse.max() + 1 if inverse.size else 0), np.float32)
    indicator[np.arange(inverse.size), inverse.ravel()] = 1.0
    present = np.asarray(weights)[:, valid].astype(np.float32) @ indicator
    return (present > 0.5).sum(-1)


def pair_statistic(name: str, c: PairCounts, distinct: np.ndarray | None = None) -> np.ndarray:
    """The statistic ``name`` from pair counts, as :mod:`metaeval.stats.kendall` computes it.

    ``kendall_c`` also needs ``distinct``: min(#distinct human, #distinct metric values).
    """
    if name == "kendall_b":
        n_pairs = c.n_pairs.astype(float)
        a, b = n_pairs - c.human_ties, n_pairs - c.metric_ties
        with np.errstate(invalid="ignore", divide="ignore"):
            tau = (c.con - c.dis) / np.sqrt(a) / np.sqrt(b)
        return np.clip(np.where((a > 0) & (b > 0), tau, np.nan), -1.0, 1.0)
    if name == "kendall_c":
        m = np.asarray(distinct, float)
        n = c.n.astype(float)
        undefined = (c.human_ties == c.n_pairs) | (c.metric_ties == c.n_pairs)
        with np.errstate(invalid="ignore", divide="ignore"):
            tau = 2.0 * (c.con - c.dis) / (n**2 * (m - 1) / m)
        return np.clip(np.where(undefined, np.nan, tau), -1.0, 1.0)
    if name == "tau23":
        return _ratio(c.con + c.ties_both - c.dis - c.ties_human - c.ties_metric, c.n_pairs)
    if name in ("acc23", "pairwise_acc"):
        return _ratio(c.con + c.ties_both, c.n_pairs)
    if name == "aces_tau":
        discordant = c.dis + c.ties_metric
        return _ratio(c.con - discordant, c.con + discordant)
    raise ValueError(f"no pair-count fast path for {name!r}")


def pooled_pair_draws(gold: np.ndarray, scores: np.ndarray, name: str, systems: np.ndarray,
                      items: np.ndarray, chunk: int | None = None) -> np.ndarray:
    """Pooled (level ``none``) Kendall-family statistic of every bootstrap draw: (M, k).

    Draw d holds cell (s, i) (#s in systems[d]) x (#i in items[d]) times; the pair counts of
    that multiset are :func:`weighted_pair_counts`.
    """
    k = items.shape[0]
    S, n_items = gold.shape
    cs = np.zeros((k, S))
    ci = np.zeros((k, n_items))
    np.add.at(cs, (np.arange(k)[:, None], systems), 1.0)
    np.add.at(ci, (np.arange(k)[:, None], items), 1.0)
    x = gold.ravel()
    chunk = chunk or max(1, 2_000_000 // gold.size)
    out = np.empty((scores.shape[0], k))
    for start in range(0, k, chunk):
        sl = slice(start, start + chunk)
        w = (cs[sl, :, None] * ci[sl, None, :]).reshape(-1, S * n_items)
        for m, metric in enumerate(scores):
            y = metric.ravel()
            distinct = None
            if name == "kendall_c":
                valid = np.isfinite(x) & np.isfinite(y)
                distinct = np.minimum(weighted_distinct(x, valid, w), weighted_distinct(y, valid, w))
            out[m, sl] = pair_statistic(name, weighted_pair_counts(x, y, w), distinct)
    return out


# ------------------------------------------------------------ Kendall family, fixed gold
def fixed_gold_pair_counts(x: np.ndarray, ys: np.ndarray) -> PairCounts:
    """Pair counts of one gold vector x (n,) against many metric vectors ys (k, n).

    The cells missing in x or in any row of ys are dropped from every row (callers pass rows
    with the same missing cells, e.g. shuffles of the valid cells). Cells are taken in
    increasing gold order, one group of equal gold values at a time; with dense metric ranks r
    and a running table below[r] = #{earlier cells with rank <= r} (one row per draw):

        con += #{earlier: r_a < r_b} = below[r_b - 1],  dis += #{earlier: r_a > r_b}
              = earlier - below[r_b]  (earlier cells have a strictly smaller gold value),
        T_both += pairs within the group with equal metric rank,

    T_x and T_y follow from value counts. O(groups x k x n) instead of O(k n^2) pairs.
    """
    from metaeval.stats.kendall import _dense_ranks

    valid = np.isfinite(x) & np.isfinite(ys).all(0)
    xv, yv = x[valid], ys[:, valid]
    k, n = yv.shape
    ranks = _dense_ranks(yv).astype(np.int64)  # 1..R per row
    size = n + 1
    rows = np.arange(k)[:, None]
    below = np.zeros((k, size), np.int64)
    con = np.zeros(k, np.int64)
    dis = np.zeros(k, np.int64)
    ties_both = np.zeros(k, np.int64)
    order = np.argsort(xv, kind="stable")
    values, starts = np.unique(xv[order], return_index=True)
    earlier = 0
    for start, stop in zip(starts, list(starts[1:]) + [n]):
        r = ranks[:, order[start:stop]]  # (k, t)
        con += below[rows, r - 1].sum(1)
        dis += (earlier - below[rows, r]).sum(1)
        if stop - start > 1:
            same = r[:, :, None] == r[:, None, :]
            ties_both += (same.sum((1, 2)) - (stop - start)) // 2
        hist = np.bincount((rows * size + r).ravel(), minlength=k * size).reshape(k, size)
        below += np.cumsum(hist, 1)
        earlier += stop - start
    _, x_counts = np.unique(xv, return_counts=True)
    tx = int((x_counts * (x_counts - 1) // 2).sum())
    y_counts = np.bincount((rows * size + ranks).ravel(), minlength=k * size).reshape(k, size)
    ty = (y_counts * (y_counts - 1) // 2).sum(1)
    return PairCounts(con=con, dis=dis, ties_human=tx - ties_both, ties_metric=ty - ties_both,
                      ties_both=ties_both, n=np.full(k, n, np.int64))


def fixed_gold_is_faster(x: np.ndarray) -> bool:
    """Whether :func:`fixed_gold_pair_counts` beats the generic count for gold x.

    Its cost is k x (groups of equal gold) x n; the generic one is k x n^2 / 2 pairs for short
    vectors (``kendall.SHORT_MAX``) and a sort per draw for longer ones.
    """
    from metaeval.stats.kendall import SHORT_MAX

    finite = x[np.isfinite(x)]
    return finite.size <= SHORT_MAX or len(np.unique(finite)) <= 256


def fixed_gold_statistic(name: str, x: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Kendall-family statistic ``name`` of gold x (n,) against each row of ys (k, n)."""
    distinct = None
    if name == "kendall_c":
        from metaeval.stats.kendall import distinct_counts

        valid = np.isfinite(x) & np.isfinite(ys).all(0)
        distinct = np.minimum(distinct_counts(x, valid), distinct_counts(ys, valid[None]))
    return pair_statistic(name, fixed_gold_pair_counts(x, ys), distinct)


# ------------------------------------------------------------ Pearson / Spearman, shuffles
def shuffle_null_vectors(name: str, x: np.ndarray, y: np.ndarray):
    """Unit vectors (u, v) over the valid cells such that r(x, shuffle(y)) = shuffle(v) . u.

    A shuffle keeps the values of y, so their mean and spread are those of y:
    r = sum (x_c - mx)(y'_c - my) / sqrt(Sxx Syy) = <u, v'> with u = (x - mx) / sqrt(Sxx),
    v = (y - my) / sqrt(Syy). For ``spearman`` x and y are first replaced by their average
    ranks (the ranks of a shuffle are the shuffled ranks). Returns None where the generic path
    must decide (fewer than two cells, a constant vector, or a spread so small against the
    mean that ``coefficients.pearson`` hands the case to scipy).
    """
    valid = np.isfinite(x) & np.isfinite(y)
    n = int(valid.sum())
    if n < 2 or name not in ("pearson", "spearman"):
        return None
    xv, yv = x[valid], y[valid]
    if name == "spearman":
        xv, yv = average_ranks(xv), average_ranks(yv)
    if xv.max() == xv.min() or yv.max() == yv.min():
        return None
    mx, my = xv.sum() / n, yv.sum() / n
    xc, yc = xv - mx, yv - my
    sx, sy = np.sqrt((xc * xc).sum()), np.sqrt((yc * yc).sum())
    if sx < 1e-8 * abs(mx) or sy < 1e-8 * abs(my):
        return None
    u = np.zeros(x.shape)
    v = np.zeros(y.shape)
    u[valid], v[valid] = xc / sx, yc / sy
    return u, v
