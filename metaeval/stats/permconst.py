"""Groups of PERM-BOTH hybrids whose Pearson r the moment sums cannot give, decided exactly for
the fast path (:class:`metaeval.stats.permfast.PearsonPermBoth`).

The fast path gets a group's spread from moments, sum m*^2 - (sum m*)^2 / n: for a constant
vector that is rounding residue (about n eps sum m*^2), not 0, and for a vector whose spread is
within a few ulps of its values (a metric that is 0 for most systems and 1e-17 for one) it is
residue too; no threshold on it tells these apart at every scale. Metrics with many zeros
(HANNA's CIDEr and ROUGE-n, a third of the prompts all 0) make such hybrids in most draws: the
fast path gave r of rounding noise where the generic path gives NaN or scipy's value, and the
draws differed from the generic path's by up to 0.003. With a* = where(w, b, a) in a group:

- no valid cell swapped: a* is a's own group vector, whose r is the generic path's value
  computed once (``coefficients.pearson``: NaN when constant, scipy's value when fragile);
  every valid cell swapped: it is b's; b* likewise with the roles exchanged;
- a and b constant at the same value: every hybrid is constant, r NaN;
- otherwise a hybrid mixes a value of a with a different value of b and is not constant, unless
  a and b share a value in the group (duplicate metrics, ...): :meth:`ExactGroups.exact` sends
  such pairs to the generic path.
"""

from __future__ import annotations

import numpy as np

from metaeval.stats.coefficients import pearson
from metaeval.stats.paired import constant


class ExactGroups:
    """The exact r of the single-metric hybrids of metric groups z (M, G, n) against gold
    groups (G, n) (NaN outside the valid cells), and the pairs that need the generic path."""

    def __init__(self, gold: np.ndarray, z: np.ndarray, valid: np.ndarray):
        self.z, self.valid = z, valid
        self.single = pearson(gold[None], z)  # (M, G): the generic path's r of each group
        self.flat = constant(z, valid)  # (M, G)
        self.value = np.fmax.reduce(z, axis=-1, initial=-np.inf)  # the value where flat
        self._exact: dict[tuple[int, int], bool] = {}

    def both_flat(self, a, b) -> np.ndarray:
        """(..., G): a and b constant at the same value (every hybrid constant)."""
        return self.flat[a] & self.flat[b] & (self.value[a] == self.value[b])

    def exact(self, a: int, b: int) -> bool:
        """Whether the moments and the single-metric values decide every hybrid of (a, b): no
        value shared by a and b in any group, other than both constant at the same value."""
        if (a, b) not in self._exact:
            n = self.z.shape[-1]
            values = np.concatenate([self.z[a], self.z[b]], -1)  # (G, 2n), NaN sorts last
            order = np.argsort(values, -1, kind="stable")
            ordered = np.take_along_axis(values, order, -1)
            side = order >= n
            shared = ((ordered[:, 1:] == ordered[:, :-1]) & (side[:, 1:] != side[:, :-1])).any(-1)
            self._exact[(a, b)] = not (shared & ~self.both_flat(a, b)).any()
        return self._exact[(a, b)]

    def swaps(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(none, every) of swap masks w (G, k, n): no valid cell swapped, every valid cell
        swapped, per draw and group: (k, G) each."""
        cells = w > 0.5
        none = ~(cells & self.valid[:, None]).any(-1)
        every = (cells | ~self.valid[:, None]).all(-1)
        return none.T, every.T

    def fix(self, r: np.ndarray, kept: np.ndarray, swapped: np.ndarray, none: np.ndarray,
            every: np.ndarray) -> None:
        """Overwrite r (P, k, G) of the hybrids where(w, swapped, kept) of pairs (kept[p],
        swapped[p]): kept's own r where nothing is swapped, swapped's where everything is, NaN
        where both are constant at the same value."""
        np.copyto(r, self.single[kept][:, None], where=none)
        np.copyto(r, self.single[swapped][:, None], where=every)
        r[np.broadcast_to(self.both_flat(kept, swapped)[:, None], r.shape)] = np.nan
