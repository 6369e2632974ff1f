"""Audio metric adapters (BSS-Eval, MR-STFT, embeddings, speech quality) and shared helpers.

Adapters receive mono float32 arrays at their ``sample_rate`` (see `metaeval.metrics.base.Batch`).
The helpers here use numpy only, so importing this package never imports torch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from metaeval.errors import MetricError


def mono_inputs(batch, names: Sequence[str], dtype=np.float64) -> dict[str, list[np.ndarray]]:
    """The named inputs of ``batch`` as 1-D float arrays, checked for equal length per item.

    ``dtype=None`` keeps float32/float64 arrays as they are (no copy); others become float64.
    """
    missing = [name for name in names if name not in batch.inputs]
    if missing:
        raise MetricError(f"this metric needs the audio input(s) {', '.join(missing)}, which the "
                          f"batch lacks (it has {', '.join(batch.inputs) or 'none'}). Fix: pass them "
                          "(e.g. `metaeval score --mixtures DIR` for the mixture).")
    arrays = {name: [_as_float(a, dtype) for a in batch[name]] for name in names}
    for position, item in enumerate(batch.ids):
        lengths = {name: arrays[name][position].shape for name in names}
        if any(len(shape) != 1 for shape in lengths.values()):
            raise MetricError(f"item {item!r}: audio inputs must be mono 1-D arrays, got shapes "
                              f"{lengths}. Fix: average the channels (the runner does this).")
        if len({shape[0] for shape in lengths.values()}) != 1:
            raise MetricError(f"item {item!r}: inputs differ in length {lengths}. Fix: trim or pad "
                              "the estimate to the reference length.")
    return arrays


def _as_float(array, dtype) -> np.ndarray:
    array = np.asarray(array)
    if dtype is None and array.dtype in (np.float32, np.float64):
        return array
    return np.asarray(array, dtype=dtype or np.float64)


def length_groups(arrays: Sequence[np.ndarray]) -> dict[int, list[int]]:
    """Positions of the items grouped by signal length (items of one group stack into a batch)."""
    groups: dict[int, list[int]] = {}
    for position, array in enumerate(arrays):
        groups.setdefault(int(array.shape[-1]), []).append(position)
    return groups


def is_silent(array: np.ndarray) -> bool:
    """True for an all-zero (or empty) signal, for which energy ratios are undefined."""
    return array.size == 0 or not np.any(array)
