"""Framewise BSS-Eval v4 SDR, as museval computes it for SiSEC / MUSDB18.

Stoter, Liutkus, Ito, "The 2018 Signal Separation Evaluation Campaign", LVA/ICA 2018;
github.com/sigsep/sigsep-mus-eval. ``museval.metrics.bss_eval`` with two sources (the target and
the interferer ``mixture - target``; estimates: the estimate and ``mixture - estimate``), 1 s
windows and 1 s hop, 512-tap distortion filters computed once on the whole excerpt
(``framewise_filters=False``), bss_eval_images criteria. The item's score is the median over
frames of the target's SDR; frames where a signal is silent (NaN) are ignored, as SiSEC does.
``channels=mono`` (default) scores the channel mean of each file; ``channels=multichannel``
gives museval the channels as stored (its (sources, samples, channels) images, the energies
summed over channels in each frame), as SiSEC 2018 scored the stereo MUSDB18 estimates.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from metaeval.citations import SISEC_2018
from metaeval.errors import MetricError
from metaeval.metrics.audio import audio_inputs, channels_option, is_silent
from metaeval.metrics.base import Batch, Metric, MetricConfig, option
from metaeval.metrics.valid import at_least, greater_than


@lru_cache(maxsize=1)
def museval_metrics():
    """The ``museval.metrics`` module, loaded from its file.

    ``import museval`` imports musdb and stempeg, which refuse to import without ffmpeg; the
    metrics module itself needs numpy and scipy only.
    """
    spec = importlib.util.find_spec("museval")
    if spec is None or spec.origin is None:
        raise MetricError("metric 'bsseval_v4' needs museval. Fix: pip install museval")
    path = Path(spec.origin).parent / "metrics.py"
    module_spec = importlib.util.spec_from_file_location("metaeval_museval_metrics", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class BSSEvalV4Config(MetricConfig):
    window_seconds: float = option(1.0, "frame length in seconds (SiSEC: 1 s)", greater_than(0))
    hop_seconds: float = option(1.0, "hop between frames in seconds (SiSEC: 1 s)",
                                greater_than(0))
    filter_length: int = option(512, "distortion filter taps, computed once on the whole excerpt",
                                at_least(1))
    channels: str = channels_option()


def framewise_sdr(estimate: np.ndarray, reference: np.ndarray, mixture: np.ndarray,
                  sample_rate: int, config: BSSEvalV4Config = BSSEvalV4Config()) -> np.ndarray:
    """Target SDR (dB) per frame, NaN for silent frames (museval ``bss_eval``); mono ``(T,)``
    or multichannel ``(C, T)`` signals."""
    def images(target, other):  # museval's (sources, samples, channels)
        return np.stack([np.atleast_2d(target).T, np.atleast_2d(other).T])

    references = images(reference, mixture - reference)
    estimates = images(estimate, mixture - estimate)
    sdr, _isr, _sir, _sar, _perm = museval_metrics().bss_eval(
        references, estimates, window=int(config.window_seconds * sample_rate),
        hop=int(config.hop_seconds * sample_rate), compute_permutation=False,
        filters_len=config.filter_length, framewise_filters=False, bsseval_sources_version=False)
    return sdr[0]


class BSSEvalV4SDR(Metric):
    """Median over 1 s frames of the BSS-Eval v4 SDR of the target (museval)."""

    name = "bsseval_v4"
    domain = "audio"
    inputs = ("estimate", "reference", "mixture")
    sample_rate = 44100
    backends = ("museval", "numpy", "scipy")
    citation = SISEC_2018
    description = "Framewise BSS-Eval v4 SDR (museval: 1 s windows and hop, median over frames)."
    Config = BSSEvalV4Config

    def score(self, batch: Batch) -> np.ndarray:
        arrays = audio_inputs(batch, self.inputs, self.config.channels)
        rate = batch.sample_rate or self.sample_rate
        values = np.full(len(batch), np.nan)
        for i in range(len(batch)):
            estimate, reference, mixture = (arrays[name][i] for name in self.inputs)
            if is_silent(estimate) or is_silent(reference) or is_silent(mixture - reference):
                continue
            frames = framewise_sdr(estimate, reference, mixture, rate, self.config)
            finite = frames[~np.isnan(frames)]
            if finite.size:
                values[i] = float(np.median(finite))
        return values
