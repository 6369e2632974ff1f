"""Audio metric adapters (BSS-Eval, MR-STFT, embeddings, speech quality) and shared helpers.

Adapters receive mono float32 arrays at their ``sample_rate`` (see `metaeval.metrics.base.Batch`);
a metric with the option ``channels=multichannel`` (the BSS-Eval family and SI-SDR) receives
``(channels, samples)`` arrays instead (:func:`audio_inputs`). The helpers here use numpy only,
so importing this package never imports torch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from metaeval.errors import MetricError
from metaeval.metrics.base import option
from metaeval.metrics.valid import one_of

CHANNELS = ("mono", "multichannel")  # the choices of the option `channels`


def channels_option():
    """The config field ``channels`` (one definition for every metric that has it)."""
    return option("mono", "mono: the channel mean of each file (as before); multichannel: the "
                          "channels as stored, evaluated as one image (stereo BSS Eval)",
                  one_of(*CHANNELS))


def audio_inputs(batch, names: Sequence[str], channels: str = "mono",
                 dtype=np.float64) -> dict[str, list[np.ndarray]]:
    """:func:`mono_inputs`, or for ``channels="multichannel"`` the named inputs as ``(channels,
    samples)`` float arrays (a 1-D array is one channel), of one shape per item."""
    if channels == "mono":
        return mono_inputs(batch, names, dtype)
    _check_present(batch, names)
    arrays = {name: [np.atleast_2d(_as_float(a, dtype)) for a in batch[name]] for name in names}
    for position, item in enumerate(batch.ids):
        shapes = {name: arrays[name][position].shape for name in names}
        if any(len(shape) != 2 or shape[0] > shape[1] for shape in shapes.values()):
            raise MetricError(f"item {item!r}: multichannel inputs must be (channels, samples) "
                              f"arrays, got shapes {shapes}. Fix: transpose soundfile's "
                              "(samples, channels) arrays (audio.T).")
        if len(set(shapes.values())) != 1:
            raise MetricError(f"item {item!r}: inputs differ in channels or length {shapes}. "
                              "Fix: give every input the reference's channels and length.")
    return arrays


def _check_present(batch, names: Sequence[str]) -> None:
    missing = [name for name in names if name not in batch.inputs]
    if missing:
        raise MetricError(f"this metric needs the audio input(s) {', '.join(missing)}, which the "
                          f"batch lacks (it has {', '.join(batch.inputs) or 'none'}). Fix: pass them "
                          "(e.g. `metaeval score --mixtures DIR` for the mixture).")


def mono_inputs(batch, names: Sequence[str], dtype=np.float64) -> dict[str, list[np.ndarray]]:
    """The named inputs of ``batch`` as 1-D float arrays, checked for equal length per item.

    ``dtype=None`` keeps float32/float64 arrays as they are (no copy); others become float64.
    """
    _check_present(batch, names)
    arrays = {name: [_as_float(a, dtype) for a in batch[name]] for name in names}
    for position, item in enumerate(batch.ids):
        lengths = {name: arrays[name][position].shape for name in names}
        if any(len(shape) != 1 for shape in lengths.values()):
            raise MetricError(f"item {item!r}: audio inputs must be mono 1-D arrays, got shapes "
                              f"{lengths}. Fix: average the channels (the runner does this), or "
                              "score with channels=multichannel where the metric has it.")
        if len({shape[0] for shape in lengths.values()}) != 1:
            raise MetricError(f"item {item!r}: inputs differ in length {lengths}. Fix: trim or pad "
                              "the estimate to the reference length.")
    return arrays


def _as_float(array, dtype) -> np.ndarray:
    array = np.asarray(array)
    if dtype is None and array.dtype in (np.float32, np.float64):
        return array
    return np.asarray(array, dtype=dtype or np.float64)


def length_groups(arrays: Sequence[np.ndarray]) -> dict[tuple[int, ...], list[int]]:
    """Positions of the items grouped by shape (length, and channels for multichannel arrays):
    the items of one group stack into a batch."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for position, array in enumerate(arrays):
        groups.setdefault(tuple(array.shape), []).append(position)
    return groups


def is_silent(array: np.ndarray) -> bool:
    """True for an all-zero (or empty) signal, for which energy ratios are undefined."""
    return array.size == 0 or not np.any(array)
