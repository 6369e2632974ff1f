"""Human choices as gold: the arrays of a preference set and the humans' side of every draw.

A preference set is a list of *votes*: rater r says of the pair p = (item i, systems a < b)
that a wins (+1), b wins (-1) or that they tie (0). Best-of-N pages become votes too: the
picked system beats every other candidate on the page (one vote per pair, ties impossible),
and the pages themselves give the vote counts per (item, system).

Draws. A draw is a multiplicity per item (the bootstrap over items: ``item_index`` (B, I)
resampled with replacement) and a weight per rater (the bootstrap over raters: ``rater_weight``
(B, R), the number of times each rater was drawn); the identity draw has B = 1, index 0..I-1 and
weight 1. Every human quantity of a draw is a matrix product of the rater weights with fixed
sparse matrices, so k draws cost one array program:

- vote counts per pair ``a, b, tie`` (B, P) and the **majority** per pair: ``+1`` when the
  a-votes outnumber both the b-votes and the tie votes, ``-1`` likewise for b, else ``0``
  (a human tie: equal counts, or tie votes as frequent as the leading side); a pair without a
  vote in the draw is not usable;
- best-of-N vote counts and pages shown per (item, system) (B, I, S), and the vote shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sparse

from metaeval.errors import StatsError


@dataclass(frozen=True, eq=False)
class ChoiceArrays:
    """The choices of a preference set as integer arrays (see the module docstring).

    ``pair_item/pair_a/pair_b`` (P,): the distinct pairs (``pair_a < pair_b``, system indices);
    ``vote_pair/vote_rater/vote_outcome`` (V,): one entry per vote (+1 a, -1 b, 0 tie);
    ``shown`` (R, I, S) as ``shown_rater/shown_item/shown_system`` (N,): which candidates each
    rater's page of an item showed, and ``picked`` (N,) 0/1 (best-of-N only, else empty);
    ``candidates`` (I, S): the systems compared on each item.
    """

    n_items: int
    n_systems: int
    n_raters: int
    pair_item: np.ndarray
    pair_a: np.ndarray
    pair_b: np.ndarray
    vote_pair: np.ndarray
    vote_rater: np.ndarray
    vote_outcome: np.ndarray
    candidates: np.ndarray
    shown_rater: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    shown_item: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    shown_system: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    picked: np.ndarray = field(default_factory=lambda: np.zeros(0, int))

    def __post_init__(self) -> None:
        if not (len(self.pair_item) == len(self.pair_a) == len(self.pair_b)) or (
                len(self.vote_pair) != len(self.vote_rater) != len(self.vote_outcome)):
            raise StatsError("pair and vote arrays must have matching lengths.")
        if np.any(self.pair_a >= self.pair_b):
            raise StatsError("every pair must list its systems in order (pair_a < pair_b).")

    @property
    def n_pairs(self) -> int:
        return len(self.pair_item)

    @property
    def best_of_n(self) -> bool:
        return len(self.shown_item) > 0

    def _votes(self, outcome: int) -> sparse.csr_array:
        keep = self.vote_outcome == outcome
        return sparse.csr_array((np.ones(int(keep.sum())), (self.vote_rater[keep],
                                                            self.vote_pair[keep])),
                                shape=(self.n_raters, self.n_pairs))

    @cached_property
    def vote_matrices(self) -> tuple[sparse.csr_array, sparse.csr_array, sparse.csr_array]:
        """(R, P) counts of a-votes, b-votes and tie votes of each rater on each pair."""
        return self._votes(1), self._votes(-1), self._votes(0)

    @cached_property
    def page_matrices(self) -> tuple[sparse.csr_array, sparse.csr_array]:
        """(R, I*S) picks and pages shown of each rater per (item, system) (best-of-N)."""
        cell = self.shown_item * self.n_systems + self.shown_system
        shape = (self.n_raters, self.n_items * self.n_systems)
        shown = sparse.csr_array((np.ones(len(cell)), (self.shown_rater, cell)), shape=shape)
        keep = self.picked == 1
        picks = sparse.csr_array((np.ones(int(keep.sum())), (self.shown_rater[keep], cell[keep])),
                                 shape=shape)
        return picks, shown


def per_item_sums(values: np.ndarray, item: np.ndarray, n_items: int) -> np.ndarray:
    """Sums of ``values`` (B, P) over the pairs of each item: (B, I) (one bincount)."""
    values = np.asarray(values, float)
    b = values.shape[0]
    index = item[None, :] + n_items * np.arange(b)[:, None]
    return np.bincount(index.ravel(), weights=values.ravel(),
                       minlength=b * n_items).reshape(b, n_items)


def majority(a: np.ndarray, b: np.ndarray, tie: np.ndarray) -> np.ndarray:
    """The majority verdict per pair from its vote counts: +1, -1 or 0 (see module docstring)."""
    return np.where(a > np.maximum(b, tie), 1, np.where(b > np.maximum(a, tie), -1, 0))


class HumanDraws:
    """The humans' side of B draws (module docstring): item multiplicities and rater weights.

    ``item_index`` (B, I) or None (every item once); ``rater_weight`` (B, R) or None (every
    rater once). The identity draw is ``HumanDraws(arrays)``.
    """

    def __init__(self, arrays: ChoiceArrays, item_index: np.ndarray | None = None,
                 rater_weight: np.ndarray | None = None):
        self.arrays = arrays
        self.item_index = (np.arange(arrays.n_items)[None] if item_index is None
                           else np.asarray(item_index))
        self.rater_weight = (np.ones((1, arrays.n_raters)) if rater_weight is None
                             else np.asarray(rater_weight, float))
        self.size = max(len(self.item_index), len(self.rater_weight))

    @cached_property
    def item_weight(self) -> np.ndarray:
        """(B, I): how often each item was drawn."""
        n, b = self.arrays.n_items, len(self.item_index)
        index = self.item_index + n * np.arange(b)[:, None]
        return np.bincount(index.ravel(), minlength=b * n).reshape(b, n).astype(float)

    @cached_property
    def pair_counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(B_r, P) weighted a-, b- and tie votes of each pair (raters weighted, items not)."""
        return tuple(np.asarray((m.T @ self.rater_weight.T).T) for m in self.arrays.vote_matrices)

    @cached_property
    def verdict(self) -> np.ndarray:
        """(B_r, P) the majority verdict of each pair (+1, -1, 0)."""
        return majority(*self.pair_counts)

    @cached_property
    def usable(self) -> np.ndarray:
        """(B_r, P) whether the pair has a vote in the draw."""
        return sum(self.pair_counts) > 0

    @cached_property
    def pair_weight(self) -> np.ndarray:
        """(B, P): the item multiplicity of each pair's item (0 where the pair has no vote)."""
        return self.item_weight[:, self.arrays.pair_item] * self.usable

    @cached_property
    def votes(self) -> np.ndarray:
        """(B_r, I, S) best-of-N votes per (item, system)."""
        picks, _ = self.arrays.page_matrices
        return self._cells(picks)

    @cached_property
    def shares(self) -> np.ndarray:
        """(B_r, I, S) vote shares: votes / pages that showed the system (NaN where none)."""
        _, shown = self.arrays.page_matrices
        pages = self._cells(shown)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(pages > 0, self.votes / pages, np.nan)

    def _cells(self, matrix: sparse.csr_array) -> np.ndarray:
        flat = np.asarray((matrix.T @ self.rater_weight.T).T)
        return flat.reshape(len(flat), self.arrays.n_items, self.arrays.n_systems)


def pair_differences(arrays: ChoiceArrays, metric: np.ndarray) -> np.ndarray:
    """(B, P) metric(a) - metric(b) of every pair, from metric matrices (B, I, S)."""
    metric = np.asarray(metric, float)
    return (metric[:, arrays.pair_item, arrays.pair_a]
            - metric[:, arrays.pair_item, arrays.pair_b])
