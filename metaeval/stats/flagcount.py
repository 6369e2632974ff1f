"""Counting True flags fast: the comparisons of the SPA kernels (:mod:`metaeval.stats.spa`,
:mod:`metaeval.stats.permspa`, :mod:`metaeval.stats.spaholes`) write boolean arrays whose
last axis is padded to a multiple of 8 and counted eight flags per 64-bit word."""

from __future__ import annotations

import numpy as np

_LANE_WORDS = 255  # 64-bit words of flags summed at once (each byte lane stays below 256)


def flag_counts(flags: np.ndarray) -> np.ndarray:
    """Number of True values along the last axis of a boolean array whose last axis is
    contiguous and a multiple of 8 long (padding False): (..., n) -> (...) int64.

    Each 64-bit word holds 8 flags, one per byte; summing words adds the bytes lane by lane (at
    most :data:`_LANE_WORDS` words at a time, so no lane passes 255), then the 8 lanes are added.
    """
    words = flags.view(np.uint64)
    total = np.zeros(words.shape[:-1], np.int64)
    for start in range(0, words.shape[-1], _LANE_WORDS):
        lanes = words[..., start:start + _LANE_WORDS].sum(-1, dtype=np.uint64)
        total += lanes[..., None].view(np.uint8).sum(-1, dtype=np.int64)
    return total


def flag_buffer(rows: int, S: int, P: int) -> np.ndarray:
    """A zeroed (rows, S, P rounded up to 8) boolean buffer for :func:`flag_counts`."""
    return np.zeros((rows, S, -(-P // 8) * 8), bool)
