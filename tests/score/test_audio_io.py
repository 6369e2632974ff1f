"""Audio loading: mono by mean, soxr resampling, length alignment, errors for bad files, memo."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from metaeval.errors import DataError
from metaeval.score import audio_io
from metaeval.score.audio_io import AudioLoader, LengthMismatchWarning, align_lengths, read_audio
from tests.score.fakes import FREQ, RATE, SECONDS, sine, write


def test_stereo_becomes_the_channel_mean(tmp_path):
    left, right = sine(), 0.25 * np.cos(np.arange(int(RATE * SECONDS)))
    path = write(tmp_path / "s.wav", np.stack([left, right], axis=1), subtype="FLOAT")
    audio, rate = read_audio(path)
    assert rate == RATE and audio.dtype == np.float32
    np.testing.assert_allclose(audio, (left + right) / 2, atol=1e-7)


def test_resampling_to_the_metric_rate_keeps_the_sine(tmp_path):
    path = write(tmp_path / "s.wav", sine(22050), 22050, subtype="FLOAT")
    audio, rate = read_audio(path, 16000)
    assert rate == 16000 and len(audio) == int(16000 * SECONDS)
    expected = sine(16000)
    inner = slice(200, -200)  # away from the filter's edge effects
    np.testing.assert_allclose(audio[inner], expected[inner], atol=2e-3)
    # the same rate: no resampling, bit-exact float32 samples
    same, _ = read_audio(path, 22050)
    np.testing.assert_array_equal(same, sine(22050).astype(np.float32))


def test_frequency_is_kept_after_resampling(tmp_path):
    path = write(tmp_path / "s.wav", sine(seconds=1.0), subtype="FLOAT")
    audio, _ = read_audio(path, 16000)
    spectrum = np.abs(np.fft.rfft(audio))
    assert np.argmax(spectrum) * 16000 / len(audio) == pytest.approx(FREQ, abs=1.0)


@pytest.mark.parametrize("case, match", [
    ("corrupt", "cannot read the audio"),
    ("missing", "cannot read the audio"),
    ("empty", "empty"),
    ("silent", "silent"),
    ("nan", "NaN/inf"),
])
def test_bad_files_raise_named_errors(tmp_path, case, match):
    path = tmp_path / f"{case}.wav"
    if case == "corrupt":
        full = write(tmp_path / "full.wav", sine()).read_bytes()
        path.write_bytes(full[:30])  # truncated inside the header
    elif case == "empty":
        write(path, np.zeros(0))
    elif case == "silent":
        write(path, np.zeros(1000))
    elif case == "nan":
        x = sine()
        x[10] = np.nan
        write(path, x, subtype="FLOAT")
    with pytest.raises(DataError, match=match) as info:
        read_audio(path)
    assert str(path) in str(info.value) and "Fix:" in str(info.value)


def test_small_length_mismatch_is_trimmed_with_a_warning():
    a, b = np.ones(16000, np.float32), np.ones(16000 + 800, np.float32)  # 50 ms at 16 kHz
    with pytest.warns(LengthMismatchWarning, match="item 'x'.*50.0 ms"):
        out = align_lengths({"estimate": b, "reference": a}, 16000, where="item 'x'")
    assert len(out["estimate"]) == len(out["reference"]) == 16000


def test_large_length_mismatch_is_an_error():
    a, b = np.ones(16000, np.float32), np.ones(16000 + 801, np.float32)
    with pytest.raises(DataError, match=r"differ by 50.1 ms.*50 ms tolerance"):
        align_lengths({"estimate": b, "reference": a}, 16000)
    with pytest.warns(LengthMismatchWarning):
        out = align_lengths({"estimate": b, "reference": a}, 16000, tolerance_s=0.1)  # configurable
    assert len(out["estimate"]) == 16000


def test_loader_reads_each_file_once_per_rate(tmp_path, monkeypatch):
    path = write(tmp_path / "s.wav", sine(), subtype="FLOAT")
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"nope")
    calls = []
    real = audio_io.read_audio
    monkeypatch.setattr(audio_io, "read_audio", lambda p, r=None, lufs=None: calls.append((str(p), r)) or real(p, r, lufs))
    loader = AudioLoader()
    for _ in range(3):
        loader.load(path, 16000)
        loader.load(path, 44100)
        with pytest.raises(DataError):
            loader.load(broken, 16000)
    assert sorted(calls) == sorted([(str(path), 16000), (str(path), 44100), (str(broken), 16000)])
    assert loader.sha256(path) == __import__("hashlib").sha256(path.read_bytes()).hexdigest()


def test_parallel_prefetch_gives_the_same_arrays(tmp_path):
    paths = [write(tmp_path / f"{i}.wav", sine(amp=0.1 * (i + 1)), subtype="FLOAT") for i in range(4)]
    loader = AudioLoader()
    loader.prefetch([(p, 16000) for p in paths], jobs=2)
    assert loader.reads == 4
    for p in paths:
        np.testing.assert_array_equal(loader.load(p, 16000), read_audio(p, 16000)[0])
    assert loader.reads == 4
    assert sf.info(str(paths[0])).samplerate == loader.native_rate(paths[0]) == RATE


def test_loudness_normalisation_before_scoring(tmp_path):
    """`metaeval score --loudness-normalize -18`: the GSVS test played its outputs at -18 LUFS."""
    pytest.importorskip("pyloudnorm")
    from metaeval.metrics.audio.loudness import integrated_loudness

    rng = np.random.default_rng(0)
    noise = 0.05 * rng.standard_normal((RATE * 2, 2))
    path = write(tmp_path / "n.wav", noise, subtype="FLOAT")
    plain, _ = read_audio(path)
    louder, _ = read_audio(path, loudness_lufs=-18.0)
    stereo_gain = 10 ** ((-18.0 - integrated_loudness(noise, RATE)) / 20)
    np.testing.assert_allclose(louder, plain * stereo_gain, rtol=1e-5)  # gain of the stored file
    assert AudioLoader(loudness_lufs=-18).version != AudioLoader().version  # cache key changes
    silent = write(tmp_path / "s.wav", np.full(RATE, 1e-9), subtype="FLOAT")
    with pytest.raises(DataError, match="cannot loudness-normalise"):
        read_audio(silent, loudness_lufs=-18.0)
