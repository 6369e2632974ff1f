"""Speech quality and intelligibility: PESQ, STOI (intrusive) and DNSMOS (non-intrusive).

- PESQ (ITU-T P.862, narrow band; P.862.2, wide band) through the ``pesq`` package (the ITU
  reference C code): MOS-LQO of the estimate (degraded) against the reference. Wide band runs at
  16 kHz, narrow band at 8 kHz; the metric's ``sample_rate`` follows the mode so the runner
  resamples to it. An item PESQ cannot score (no utterance detected, too short) is NaN.
- STOI (Taal et al., IEEE TASLP 2011) through ``pystoi``: the signals are passed at their own rate
  (pystoi resamples to 10 kHz internally), ``d = mean over 384 ms frames and 15 one-third octave
  bands of the correlation of clipped, normalised envelopes``; ``extended=True`` gives ESTOI
  (Jensen and Taal 2016).
- DNSMOS P.835 (Reddy, Gopal, Cutler, ICASSP 2022) with the ONNX models shipped inside the
  ``speechmos`` package, exactly as ``speechmos.dnsmos.run``: the 16 kHz estimate is repeated until
  it lasts 9.01 s, scored on 9.01 s windows with a 1 s hop, SIG/BAK/OVRL mapped by the published
  polynomials and averaged over the windows; P808 is the P.808 model on the log-mel spectrogram.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from metaeval.errors import MetricError
from metaeval.metrics.audio import mono_inputs
from metaeval.metrics.base import Batch, Metric, MetricConfig, option
from metaeval.metrics.valid import greater_than, one_of

PESQ_RATES = {"wb": 16000, "nb": 8000}
DNSMOS_RATE = 16000
DNSMOS_OUTPUTS = {"SIG": "sig_mos", "BAK": "bak_mos", "OVRL": "ovrl_mos", "P808": "p808_mos"}


@dataclass(frozen=True)
class PESQConfig(MetricConfig):
    mode: str = option("wb", "wb (P.862.2, 16 kHz) or nb (P.862, 8 kHz)", one_of(*PESQ_RATES))


class PESQ(Metric):
    """PESQ MOS-LQO of the estimate against the reference (``pesq`` package, ITU-T P.862/P.862.2)."""

    name = "pesq"
    backends = ("pesq",)
    domain = "audio"
    inputs = ("estimate", "reference")
    higher_is_better = True
    sample_rate = PESQ_RATES["wb"]
    citation = "ITU-T P.862 / P.862.2 (PESQ, wide-band)."
    description = "PESQ MOS-LQO (wide band at 16 kHz by default, narrow band at 8 kHz)."
    Config = PESQConfig

    def __init__(self, config: Any | None = None, device: str = "cpu", **overrides: Any):
        super().__init__(config, device, **overrides)
        self.sample_rate = PESQ_RATES[self.config.mode]

    def score(self, batch: Batch) -> np.ndarray:
        from pesq import pesq

        _check_rate(self, batch)
        arrays = mono_inputs(batch, ("estimate", "reference"))
        scores = np.full(len(batch), np.nan)
        for position, (estimate, reference) in enumerate(zip(arrays["estimate"],
                                                             arrays["reference"])):
            try:
                scores[position] = pesq(self.sample_rate, reference, estimate, self.config.mode)
            except Exception:  # pesq raises NoUtterancesError/BufferTooShortError per item
                scores[position] = np.nan
        return scores


@dataclass(frozen=True)
class STOIConfig(MetricConfig):
    extended: bool = option(False, "extended STOI (ESTOI; Jensen and Taal 2016)")
    sample_rate: int | None = option(None, "rate to score at; none: the files' own rate "
                                           "(pystoi resamples to 10 kHz)", greater_than(0))


class STOI(Metric):
    """Short-time objective intelligibility of the estimate against the reference (pystoi)."""

    name = "stoi"
    backends = ("pystoi", "numpy", "scipy")
    domain = "audio"
    inputs = ("estimate", "reference")
    higher_is_better = True
    sample_rate = None
    citation = ("C. H. Taal, R. C. Hendriks, R. Heusdens, J. Jensen, An Algorithm for "
                "Intelligibility Prediction of Time-Frequency Weighted Noisy Speech, IEEE TASLP 2011.")
    description = "Short-time objective intelligibility (pystoi; extended=True for ESTOI)."
    Config = STOIConfig

    def __init__(self, config: Any | None = None, device: str = "cpu", **overrides: Any):
        super().__init__(config, device, **overrides)
        self.sample_rate = self.config.sample_rate

    def score(self, batch: Batch) -> np.ndarray:
        from pystoi import stoi

        if batch.sample_rate is None:
            raise MetricError("stoi: the batch has no sample_rate. Fix: pass Batch(..., "
                              "sample_rate=<rate of the arrays>).")
        _check_rate(self, batch)
        arrays = mono_inputs(batch, ("estimate", "reference"))
        return np.array([stoi(reference, estimate, batch.sample_rate, extended=self.config.extended)
                         for estimate, reference in zip(arrays["estimate"], arrays["reference"])],
                        dtype=np.float64)


@dataclass(frozen=True)
class DNSMOSConfig(MetricConfig):
    output: str = option("OVRL", "SIG, BAK, OVRL (P.835) or P808", one_of(*DNSMOS_OUTPUTS))
    personalized: bool = option(False, "the personalised DNSMOS model (speechmos pdnsmos_models)")


_SESSIONS: dict[bool, Any] = {}


def dnsmos_model(personalized: bool = False):
    """The speechmos DNSMOS scorer (primary P.835 model + P.808 model), loaded once per process."""
    if personalized not in _SESSIONS:
        from pathlib import Path

        import speechmos.dnsmos as dnsmos

        folder = Path(dnsmos.__file__).parent
        primary = folder / ("pdnsmos_models" if personalized else "dnsmos_models") / "sig_bak_ovr.onnx"
        _SESSIONS[personalized] = dnsmos.DNSMOS(str(primary),
                                                str(folder / "dnsmos_models" / "model_v8.onnx"))
    return _SESSIONS[personalized]


class DNSMOS(Metric):
    """DNSMOS P.835 (default OVRL) of the estimate alone, ONNX models from ``speechmos``."""

    name = "dnsmos"
    backends = ("speechmos", "onnxruntime", "librosa", "numpy")
    domain = "audio"
    inputs = ("estimate",)
    higher_is_better = True
    sample_rate = DNSMOS_RATE
    citation = ("C. K. A. Reddy, V. Gopal, R. Cutler, DNSMOS P.835: A Non-Intrusive Perceptual "
                "Objective Speech Quality Metric to Evaluate Noise Suppressors, ICASSP 2022.")
    description = "Non-intrusive DNSMOS P.835 overall quality (OVRL), ONNX models from speechmos."
    Config = DNSMOSConfig

    def __init__(self, config: Any | None = None, device: str = "cpu", **overrides: Any):
        super().__init__(config, device, **overrides)

    def score(self, batch: Batch) -> np.ndarray:
        _check_rate(self, batch)
        model = dnsmos_model(self.config.personalized)
        key = DNSMOS_OUTPUTS[self.config.output]
        scores = []
        for item, estimate in zip(batch.ids, batch["estimate"]):
            audio = np.asarray(estimate, dtype=np.float32)
            if audio.ndim != 1:
                raise MetricError(f"item {item!r}: dnsmos needs a mono 1-D array, got shape "
                                  f"{audio.shape}. Fix: average the channels (the runner does this).")
            if audio.size == 0 or not np.any(audio):
                scores.append(np.nan)
                continue
            if np.abs(audio).max() > 1.0:
                raise MetricError(f"item {item!r}: dnsmos needs samples in [-1, 1] (peak "
                                  f"{np.abs(audio).max():.3f}). Fix: pass float audio as read "
                                  "from the file, without gain.")
            scores.append(float(model(audio, DNSMOS_RATE, self.config.personalized)[key]))
        return np.array(scores, dtype=np.float64)


def _check_rate(metric: Metric, batch: Batch) -> None:
    if metric.sample_rate is not None and batch.sample_rate not in (None, metric.sample_rate):
        raise MetricError(f"{metric.name}: the batch is at {batch.sample_rate} Hz but the metric is "
                          f"defined at {metric.sample_rate} Hz. Fix: resample the audio to "
                          f"{metric.sample_rate} Hz (the runner does this).")
