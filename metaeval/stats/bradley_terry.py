"""Bradley-Terry system strengths from pairwise choices (Bradley & Terry 1952), vectorised over draws.

Model: P(i beats j) = exp(theta_i) / (exp(theta_i) + exp(theta_j)). A tie counts as half a win
for each side (the usual Bradley-Terry treatment of ties, e.g. Chatbot Arena's). Fitted by the
MM algorithm of Hunter (2004, Ann. Statist. 32(1)): with pi = exp(theta), W_i the wins of i and
N_ij the comparisons of i and j,

    pi_i <- W_i / sum_j N_ij / (pi_i + pi_j),

which increases the likelihood at every step; iterated until the largest change of theta is
below ``TOLERANCE`` (at most ``MAX_ITERATIONS`` steps).

Identifiability: theta is defined up to a constant; the constraint here is **sum_i theta_i = 0**
(the geometric mean of the strengths pi is 1). Only the differences theta_i - theta_j matter.

Existence: the maximum-likelihood estimate exists iff every system has beaten, directly or
through a chain, every other one (the directed "won at least half a comparison against" graph is
strongly connected; Zermelo 1929, Ford 1957). ``prior`` > 0 adds that many virtual tied
comparisons to every pair of systems compared at least once (a declared regularisation, recorded
in the signature), so the estimate exists whenever the comparison graph is connected; a draw
where it does not exist, or whose iterations did not converge, has NaN strengths (an undefined
draw, left out of the interval; never a half-converged number).
"""

from __future__ import annotations

import numpy as np

TOLERANCE = 1e-10
MAX_ITERATIONS = 20_000


def win_matrix(pair_a: np.ndarray, pair_b: np.ndarray, wins_a: np.ndarray, wins_b: np.ndarray,
               n_systems: int) -> np.ndarray:
    """(B, S, S) wins[i, j] of i over j from per-pair wins of a and b (B, P)."""
    wins_a, wins_b = np.broadcast_arrays(np.atleast_2d(wins_a), np.atleast_2d(wins_b))
    b, cells = len(wins_a), n_systems * n_systems
    offset = cells * np.arange(b)[:, None]
    index = np.concatenate([pair_a * n_systems + pair_b + offset,
                            pair_b * n_systems + pair_a + offset], -1)
    out = np.bincount(index.ravel(), weights=np.concatenate([wins_a, wins_b], -1).ravel(),
                      minlength=b * cells).reshape(b, cells)
    return out.reshape(len(out), n_systems, n_systems)


def strongly_connected(adjacency: np.ndarray) -> np.ndarray:
    """(B,) whether each (B, S, S) boolean graph is strongly connected (transitive closure by
    repeated squaring)."""
    s = adjacency.shape[-1]
    reach = adjacency | np.eye(s, dtype=bool)
    for _ in range(int(np.ceil(np.log2(max(s, 2)))) + 1):
        reach = (reach.astype(np.int64) @ reach.astype(np.int64)) > 0
    return reach.all((-2, -1))


def bradley_terry(wins: np.ndarray, prior: float = 0.0,
                  present: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(theta (B, S), converged (B,)) from win matrices (B, S, S); NaN rows where the estimate
    does not exist. ``present`` (S,): the systems to rank (default: those with a comparison in
    any draw); the others get NaN."""
    wins = np.asarray(wins, float)
    if wins.ndim == 2:
        wins = wins[None]
    games = wins + np.swapaxes(wins, -1, -2)
    if present is None:
        present = (games.sum(-1) > 0).any(0)
    wins, games = wins[:, present][:, :, present], games[:, present][:, :, present]
    compared = games > 0
    if prior > 0:
        wins = wins + 0.5 * prior * compared
        games = games + prior * compared
        graph = compared
    else:
        graph = wins > 0
    exists = strongly_connected(graph) & (present.sum() >= 2)
    theta, converged = _mm(wins, games, exists)
    out = np.full((len(wins), len(present)), np.nan)
    out[:, present] = np.where((exists & converged)[:, None], theta, np.nan)
    return out, converged | ~exists


def _mm(wins: np.ndarray, games: np.ndarray, exists: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hunter's MM iterations on every draw at once; rows that do not exist are skipped."""
    b, s = wins.shape[:2]
    total = wins.sum(-1)
    pi = np.ones((b, s))
    active = exists.copy()
    converged = np.zeros(b, bool)
    for _ in range(MAX_ITERATIONS):
        if not active.any():
            break
        p = pi[active]
        with np.errstate(invalid="ignore", divide="ignore"):
            denominator = (games[active] / (p[:, :, None] + p[:, None, :])).sum(-1)
            new = total[active] / denominator
        new = new / np.exp(np.log(new).mean(-1, keepdims=True))
        change = np.abs(np.log(new) - np.log(p)).max(-1)
        pi[active] = new
        done = change < TOLERANCE
        index = np.flatnonzero(active)
        converged[index[done]] = True
        active[index[done]] = False
    theta = np.log(pi)
    return theta - theta.mean(-1, keepdims=True), converged


def log_likelihood(theta: np.ndarray, wins: np.ndarray) -> float:
    """The Bradley-Terry log-likelihood sum_ij wins_ij log sigma(theta_i - theta_j) (one draw;
    for checks against a direct maximisation)."""
    diff = theta[:, None] - theta[None, :]
    return float(np.sum(wins * -np.logaddexp(0.0, -diff)))
