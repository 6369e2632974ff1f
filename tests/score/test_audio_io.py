"""Audio loading: mono by mean, soxr resampling, length alignment, errors for bad files, memo."""

from __future__ import annotations

from pathlib import Path

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
    monkeypatch.setattr(audio_io, "read_audio", lambda p, r=None, lufs=None, **kw: calls.append((str(p), r)) or real(p, r, lufs, **kw))
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
    quiet = 1e-5 * rng.standard_normal(RATE)  # about -100 dBFS: audible to no one, not silent
    silent = write(tmp_path / "s.wav", quiet, subtype="FLOAT")  # but under the -70 LUFS gate
    with pytest.raises(DataError, match="cannot loudness-normalise"):
        read_audio(silent, loudness_lufs=-18.0)


def one_hertz_wav(path: Path, rng) -> Path:
    """A 64 KB WAV (32,000 16-bit samples of noise) whose header says 1 Hz."""
    return write(path, 0.3 * rng.standard_normal(32_000), rate=1, subtype="PCM_16")


def test_a_header_rate_of_1_hz_is_refused_before_resampling(tmp_path, monkeypatch):
    """Resampling 32,000 samples from 1 Hz to 44.1 kHz would make 1.4e9 samples (~14 GB)."""
    path = one_hertz_wav(tmp_path / "one.wav", np.random.default_rng(51))
    assert path.stat().st_size == 64_044  # 44-byte header + 32,000 x 2 bytes
    import soxr

    resampled = []
    monkeypatch.setattr(soxr, "resample", lambda *a, **k: resampled.append(a) or 1 / 0)
    for rate in (44_100, None):  # a metric's rate, or the file's own
        with pytest.raises(DataError, match=r"one.wav: the header's sample rate of 1 Hz is "
                                            r"outside 1,000-768,000 Hz.*Fix: re-export the file "
                                            r"with its true sample rate"):
            read_audio(path, rate)
    assert resampled == []


def test_a_1_hz_file_is_one_missing_score_in_a_run(tmp_path):
    from metaeval.score.runner import score_items
    from tests.score.fakes import SNR

    rng = np.random.default_rng(52)
    reference = write(tmp_path / "ref.wav", sine())
    good = write(tmp_path / "good.wav", sine() + 0.01 * rng.standard_normal(len(sine())))
    bad = one_hertz_wav(tmp_path / "bad.wav", rng)
    rows = [{"item": "a", "system": s, "estimate": str(p), "reference": str(reference)}
            for s, p in (("good", good), ("bad", bad))]
    frame = score_items(rows, [SNR()]).set_index("system")
    assert np.isnan(frame.loc["bad", "test_snr"])
    assert "sample rate of 1 Hz is outside" in frame.loc["bad", "errors"]
    assert np.isfinite(frame.loc["good", "test_snr"]) and frame.loc["good", "errors"] == ""


def test_duration_and_memory_are_checked_from_the_header(tmp_path, monkeypatch):
    rng = np.random.default_rng(53)
    path = write(tmp_path / "long.wav", 0.1 * rng.standard_normal((2 * 8000, 2)), rate=8000)
    with pytest.raises(DataError, match=r"long.wav: the audio lasts 2.0 s, over the limit of "
                                        r"1.5 s.*Fix: cut the file"):
        read_audio(path, 48_000, max_seconds=1.5)
    # 16,000 frames x 2 channels and the mono mix in float64, 96,000 resampled samples in
    # float64 and float32: 8 x 16,000 x 3 + 12 x 96,000 = 1,536,000 bytes
    assert audio_io.needed_bytes(16_000, 2, 8000, 48_000) == 1_536_000
    with pytest.raises(DataError, match=r"long.wav: reading and resampling it to 48,000 Hz "
                                        r"would need about 1.5 MB \(16,000 frames x 2 channel"
                                        r"\(s\) at 8,000 Hz\), over the limit of 1.0 MB"):
        read_audio(path, 48_000, max_bytes=1_000_000)
    with pytest.raises(DataError, match="over the limit"):
        read_audio(path, 48_000, max_bytes=1_535_999)
    audio, rate = read_audio(path, 48_000, max_bytes=1_536_000)
    assert rate == 48_000 and len(audio) == 96_000


@pytest.mark.parametrize("scale, silent", [(0.0, True), (1e-38, True), (5e-8, True),
                                           (3e-7, False), (1e-3, False)])
def test_silence_is_decided_on_the_level_in_dbfs(tmp_path, scale, silent):
    """-140 dBFS RMS (full scale 1.0) is the threshold: a -760 dBFS file (samples about 1e-38)
    is silent, not a score; a quiet real signal is scored."""
    noise = np.random.default_rng(54).standard_normal(4000)
    noise /= np.sqrt(np.mean(noise ** 2))  # RMS 1: the level is 20 log10(scale)
    path = write(tmp_path / "x.wav", (scale * noise).astype(np.float32), subtype="FLOAT")
    if silent:
        with pytest.raises(DataError, match=r"x.wav: the audio is silent: .* below the -140 "
                                            r"dBFS silence threshold"):
            read_audio(path)
    else:
        audio, _ = read_audio(path)
        np.testing.assert_allclose(audio, (scale * noise).astype(np.float32), rtol=1e-6)


def test_level_in_dbfs():
    assert audio_io.level_dbfs(np.zeros(3)) == -np.inf
    assert audio_io.level_dbfs(np.array([1.0, -1.0])) == pytest.approx(0.0)
    assert audio_io.level_dbfs(np.full(5, 1e-38)) == pytest.approx(-760.0)
    assert audio_io.level_dbfs(np.full(5, 5e-324)) == pytest.approx(20 * np.log10(5e-324))
    assert audio_io.level_dbfs(np.array([1e300, -1e300])) == pytest.approx(6000.0)
