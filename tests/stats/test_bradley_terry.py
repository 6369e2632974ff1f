"""Bradley-Terry strengths: the MM fit equals a direct maximisation of the likelihood
(scipy.optimize), with and without the virtual-tie prior; no estimate where none exists."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize

from metaeval.stats.bradley_terry import (
    bradley_terry,
    log_likelihood,
    strongly_connected,
    win_matrix,
)


def negative_log_likelihood(free: np.ndarray, wins: np.ndarray) -> tuple[float, np.ndarray]:
    """-log L and its gradient at theta = (0, free): d log L / d theta_i =
    sum_j wins_ij - (wins_ij + wins_ji) sigma(theta_i - theta_j)."""
    theta = np.concatenate([[0.0], free])
    games = wins + wins.T
    chance = 1.0 / (1.0 + np.exp(theta[None, :] - theta[:, None]))
    gradient = wins.sum(1) - (games * chance).sum(1)
    return -log_likelihood(theta, wins), -gradient[1:]


def _direct(wins: np.ndarray) -> np.ndarray:
    """argmax of the log-likelihood over theta with theta_0 = 0, then centred (sum 0)."""
    s = len(wins)

    fit = scipy.optimize.minimize(negative_log_likelihood, np.zeros(s - 1), args=(wins,),
                                  jac=True, method="BFGS", options={"gtol": 1e-12})
    theta = np.concatenate([[0.0], fit.x])
    return theta - theta.mean()


def _random_wins(seed: int, s: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    wins = rng.integers(1, 9, (s, s)).astype(float)
    np.fill_diagonal(wins, 0)
    return wins


@pytest.mark.parametrize("seed", [0, 1])
def test_mm_equals_direct_maximisation(seed):
    wins = _random_wins(seed)
    theta, converged = bradley_terry(wins)
    assert converged[0]
    np.testing.assert_allclose(theta[0], _direct(wins), atol=1e-6)
    assert theta[0].sum() == pytest.approx(0.0, abs=1e-12)


def test_prior_is_virtual_ties_in_the_likelihood():
    """prior = 2: every compared pair gains one virtual win each way (two tied comparisons);
    system 3 never wins, so only the prior gives it a finite strength."""
    wins = _random_wins(2)
    wins[3, :] = 0.0
    assert np.isnan(bradley_terry(wins)[0]).all()  # no estimate without the prior
    theta, _ = bradley_terry(wins, prior=2.0)
    compared = (wins + wins.T) > 0
    np.testing.assert_allclose(theta[0], _direct(wins + 1.0 * compared), atol=1e-6)


def test_win_matrix_from_pairs():
    wins = win_matrix(np.array([0, 0, 1]), np.array([1, 2, 2]), np.array([[2.0, 1.0, 0.5]]),
                      np.array([[1.0, 3.0, 0.5]]), 3)
    np.testing.assert_array_equal(wins[0], [[0, 2, 1], [1, 0, 0.5], [3, 0.5, 0]])


def test_strong_connectivity():
    chain = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]], bool)  # 0 > 1 > 2 > 0: a cycle
    one_way = np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]], bool)  # 2 never wins
    assert strongly_connected(np.stack([chain, one_way])).tolist() == [True, False]


def test_draws_are_fitted_independently():
    wins = np.stack([_random_wins(4), _random_wins(5)])
    theta, _ = bradley_terry(wins)
    for d in range(2):
        np.testing.assert_allclose(theta[d], _direct(wins[d]), atol=1e-6)


def test_unconverged_fit_is_nan(monkeypatch):
    import metaeval.stats.bradley_terry as bt

    monkeypatch.setattr(bt, "MAX_ITERATIONS", 2)
    theta, converged = bt.bradley_terry(_random_wins(6))
    assert not converged[0] and np.isnan(theta).all()
