"""Small metrics and audio files for the scoring tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from metaeval.metrics.base import Batch, Metric, MetricConfig

RATE = 44100
SECONDS = 0.5
FREQ = 440.0


def sine(rate: int = RATE, seconds: float = SECONDS, amp: float = 0.5, freq: float = FREQ):
    t = np.arange(int(round(rate * seconds))) / rate
    return amp * np.sin(2 * np.pi * freq * t)


def snr_db(estimate: np.ndarray, reference: np.ndarray) -> float:
    """10 log10(sum r^2 / sum (r - e)^2)."""
    return float(10 * np.log10(np.sum(reference ** 2) / np.sum((reference - estimate) ** 2)))


@dataclass(frozen=True)
class SNRConfig(MetricConfig):
    offset: float = 0.0


class SNR(Metric):
    """Plain SNR in dB; records what it was given and counts the items it scored."""

    name = "test_snr"
    domain = "audio"
    inputs = ("estimate", "reference")
    sample_rate = 16000
    Config = SNRConfig

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scored: list[str] = []
        self.rates: list[int] = []
        self.lengths: dict[str, tuple[int, int]] = {}

    def score(self, batch: Batch) -> np.ndarray:
        self.rates.append(batch.sample_rate)
        out = []
        for ident, est, ref in zip(batch.ids, batch["estimate"], batch["reference"], strict=True):
            assert est.dtype == np.float32 and est.ndim == 1
            self.lengths[ident] = (len(est), len(ref))
            out.append(snr_db(est.astype(float), ref.astype(float)) + self.config.offset)
        self.scored.extend(batch.ids)
        return np.array(out)


class Gain(SNR):
    """sum(e r) / sum(r r): the least-squares gain of the estimate onto the reference."""

    name = "test_gain"

    def score(self, batch: Batch) -> np.ndarray:
        super().score(batch)
        return np.array([float(np.dot(e, r) / np.dot(r, r))
                         for e, r in zip(batch["estimate"], batch["reference"], strict=True)])


class FailsOn(SNR):
    """Raises for any batch that holds an id in ``bad``; NaN for ids in ``nan``."""

    name = "test_fails"

    def __init__(self, bad=(), nan=(), **kwargs):
        super().__init__(**kwargs)
        self.bad, self.nan, self.batches = set(bad), set(nan), []

    def score(self, batch: Batch) -> np.ndarray:
        self.batches.append(list(batch.ids))
        if self.bad & set(batch.ids):
            raise RuntimeError("model exploded")
        values = super().score(batch)
        return np.where([i in self.nan for i in batch.ids], np.nan, values)


class InterruptAfter(SNR):
    """Scores ``limit`` items, then raises KeyboardInterrupt (a user pressing Ctrl-C)."""

    def __init__(self, limit: int, **kwargs):
        super().__init__(**kwargs)
        self.limit = limit

    def score(self, batch: Batch) -> np.ndarray:
        if len(self.scored) + len(batch) > self.limit:
            raise KeyboardInterrupt
        return super().score(batch)


def write(path: Path, audio: np.ndarray, rate: int = RATE, subtype: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), audio, rate, subtype=subtype)
    return path


def make_tree(root: Path) -> dict:
    """ref/{item}.wav and out/{system}/{item}.wav, with the awkward cases of the brief.

    items a..d; system ``good``: reference + known noise; system ``odd``: a stereo file, a
    22.05 kHz file, a 20 ms longer file (trimmed), a silent file; system ``bad``: a corrupt file
    and a 200 ms longer file.
    """
    rng = np.random.default_rng(0)
    ref = sine()
    items = ["a", "b", "c", "d"]
    for item in items:
        write(root / "ref" / f"{item}.wav", ref, subtype="FLOAT")
        noise = 0.05 * rng.standard_normal(len(ref))
        write(root / "out" / "good" / f"{item}.wav", ref + noise, subtype="FLOAT")
    write(root / "out" / "odd" / "a.wav", np.stack([ref, 0.5 * ref], axis=1), subtype="FLOAT")
    write(root / "out" / "odd" / "b.wav", sine(22050), 22050, subtype="FLOAT")
    write(root / "out" / "odd" / "c.wav", sine(seconds=SECONDS + 0.02), subtype="FLOAT")
    write(root / "out" / "odd" / "d.wav", np.zeros_like(ref), subtype="FLOAT")
    (root / "out" / "bad").mkdir(parents=True)
    (root / "out" / "bad" / "a.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 7)
    write(root / "out" / "bad" / "b.wav", sine(seconds=SECONDS + 0.2), subtype="FLOAT")
    return {"ref": ref, "items": items}


def write_manifest(root: Path, systems=("good", "odd"), items=("a", "b", "c", "d"),
                   name="items.csv") -> Path:
    lines = ["item,system,estimate,reference"]
    lines += [f"{i},{s},out/{s}/{i}.wav,ref/{i}.wav" for s in systems for i in items
              if (root / "out" / s / f"{i}.wav").exists()]
    path = root / name
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass(frozen=True)
class WordsConfig(MetricConfig):
    fail_on: str = "?"


class WordsUnlessMarked(Metric):
    """Text: the hypothesis's word count; NaN (a failed item) when it contains ``fail_on``."""

    name = "test_words"
    domain = "text"
    inputs = ("hypothesis",)
    Config = WordsConfig

    def score(self, batch: Batch) -> np.ndarray:
        return np.array([np.nan if self.config.fail_on in text else float(len(text.split()))
                         for text in batch["hypothesis"]])
