"""Pairwise filtering, exact constancy and safe ratios: array idioms every coefficient shares."""

from __future__ import annotations

import numpy as np


def paired(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Broadcast to float arrays; a cell missing (NaN, inf) in either becomes NaN in both.

    Returns ``(x, y, valid)`` with ``valid`` the pairwise-complete cells.
    """
    x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
    valid = np.isfinite(x) & np.isfinite(y)
    return np.where(valid, x, np.nan), np.where(valid, y, np.nan), valid


def safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` where ``den > 0``, NaN elsewhere (no warnings)."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def constant(x: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """True where all valid values of the last axis are equal: exactly, as scipy tests it, so
    whatever the scale (zeros and one subnormal value are not constant)."""
    hi = np.where(valid, x, -np.inf).max(-1, initial=-np.inf)
    lo = np.where(valid, x, np.inf).min(-1, initial=np.inf)
    return hi == lo
