"""Loudness normalisation to -18 LUFS (ITU-R BS.1770 via pyloudnorm)."""

from __future__ import annotations

import numpy as np
import pytest

from metaeval.errors import MetricError
from metaeval.metrics.audio.loudness import integrated_loudness, normalize_loudness
from tests.metrics.audio import gsvs_example

pytest.importorskip("pyloudnorm")


def test_real_audio_measures_minus_18_lufs_after_normalising(datasets_dir):
    audio = 0.25 * gsvs_example(datasets_dir, "SGMSVS", 6)
    before = integrated_loudness(audio, 44100)
    assert before < -25  # scaled down by 12 dB: far from the target
    out = normalize_loudness(audio, 44100)
    assert integrated_loudness(out, 44100) == pytest.approx(-18.0, abs=0.05)
    assert out.dtype == audio.dtype and out.shape == audio.shape
    gain = out[np.argmax(np.abs(audio))] / audio[np.argmax(np.abs(audio))]
    assert 20 * np.log10(gain) == pytest.approx(-18.0 - before, abs=1e-3)  # one gain for all samples


def test_stereo_and_other_targets():
    rng = np.random.default_rng(0)
    stereo = rng.normal(size=(48000, 2)) * np.array([0.05, 0.1])
    out = normalize_loudness(stereo, 48000, target_lufs=-23.0)
    assert out.shape == (48000, 2)
    assert integrated_loudness(out, 48000) == pytest.approx(-23.0, abs=0.05)


def test_silent_or_too_short_audio_is_a_clear_error():
    with pytest.raises(MetricError, match="silent"):
        normalize_loudness(np.zeros(44100, dtype=np.float32), 44100)
    with pytest.raises(MetricError, match="0.4 s"):
        normalize_loudness(np.ones(1000), 44100)
