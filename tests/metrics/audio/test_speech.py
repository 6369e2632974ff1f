"""PESQ, STOI and DNSMOS adapters: equal to the reference packages called directly on the real
codec audio of bernoulli_mushra, plus analytic cases (identical signals) and error paths."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pesq")
pytest.importorskip("pystoi")
sf = pytest.importorskip("soundfile")
soxr = pytest.importorskip("soxr")

from metaeval.errors import MetricError  # noqa: E402
from metaeval.metrics.audio.speech import DNSMOS, PESQ, STOI  # noqa: E402
from metaeval.metrics.base import Batch  # noqa: E402
from metaeval.metrics.registry import get_metric  # noqa: E402

CODECS = ["prop_13.wav", "lyra_32.wav", "audiodec_8.wav"]


def _mono(path, rate=None):
    audio, native = sf.read(str(path), dtype="float64", always_2d=True)
    audio = audio.mean(axis=1)
    if rate is not None and rate != native:
        audio = soxr.resample(audio, native, rate, quality="HQ")
    return audio, rate or native


@pytest.fixture(scope="module")
def stimuli(datasets_dir):
    """(estimate path, reference path) for three codecs of two signals."""
    audio = datasets_dir / "bernoulli_mushra" / "audio"
    return [(audio / stim / codec, audio / stim / "ref.wav")
            for stim in ("stim_01", "stim_09") for codec in CODECS]


def _batch(pairs, rate):
    estimates = [_mono(e, rate)[0] for e, _ in pairs]
    references = [_mono(r, rate)[0] for _, r in pairs]
    return Batch([p.parent.name + "/" + p.name for p, _ in pairs],
                 {"estimate": estimates, "reference": references}, sample_rate=rate)


@pytest.mark.parametrize("mode, rate", [("wb", 16000), ("nb", 8000)])
def test_pesq_equals_the_pesq_package(stimuli, mode, rate):
    from pesq import pesq

    metric = PESQ(mode=mode)
    assert metric.sample_rate == rate
    batch = _batch(stimuli, rate)
    expected = [pesq(rate, r, e, mode) for e, r in zip(batch["estimate"], batch["reference"])]
    np.testing.assert_allclose(metric.score(batch), expected, rtol=0, atol=1e-12)
    assert len(set(np.round(expected, 3))) == len(expected)  # the codecs differ
    assert all(1.0 <= v <= 4.65 for v in expected)


def test_pesq_identical_signals_and_failures(stimuli):
    reference, _ = _mono(stimuli[0][1], 16000)
    metric = get_metric("pesq")
    short = np.random.default_rng(0).normal(0, 0.1, 1600)  # 0.1 s: too short for PESQ
    batch = Batch(["same", "short"], {"estimate": [reference, short],
                                      "reference": [reference, short]}, sample_rate=16000)
    same, failed = metric.score(batch)
    assert same == pytest.approx(4.644, abs=0.01)  # the P.862.2 maximum
    assert np.isnan(failed)
    with pytest.raises(MetricError, match="unknown mode 'xb'"):
        PESQ(mode="xb")
    with pytest.raises(MetricError, match="at 24000 Hz but the metric is defined at 16000 Hz"):
        metric.score(Batch(["a"], {"estimate": [reference], "reference": [reference]},
                           sample_rate=24000))


@pytest.mark.parametrize("extended", [False, True])
def test_stoi_equals_pystoi_at_the_native_rate(stimuli, extended):
    from pystoi import stoi

    metric = STOI(extended=extended)
    assert metric.sample_rate is None  # the runner keeps the files' rate; pystoi resamples
    batch = _batch(stimuli, None)
    assert batch.sample_rate is None
    batch.sample_rate = 24000
    expected = [stoi(r, e, 24000, extended=extended)
                for e, r in zip(batch["estimate"], batch["reference"])]
    np.testing.assert_allclose(metric.score(batch), expected, rtol=0, atol=1e-12)
    assert all(0.3 < v < 1.0 for v in expected)
    identical = Batch(["same"], {"estimate": [batch["reference"][0]],
                                 "reference": [batch["reference"][0]]}, sample_rate=24000)
    assert metric.score(identical)[0] == pytest.approx(1.0, abs=1e-9)


def test_stoi_needs_a_sample_rate(stimuli):
    reference, _ = _mono(stimuli[0][1])
    with pytest.raises(MetricError, match="no sample_rate"):
        STOI().score(Batch(["a"], {"estimate": [reference], "reference": [reference]}))
    assert STOI(sample_rate=16000).sample_rate == 16000


def test_dnsmos_equals_speechmos_run(stimuli):
    import speechmos.dnsmos as reference_dnsmos

    pairs = [stimuli[0], stimuli[4]]  # prop_13 of stim_01, lyra_32 of stim_09
    estimates = [_mono(e, 16000)[0] for e, _ in pairs]
    batch = Batch(["a", "b"], {"estimate": estimates}, sample_rate=16000)
    expected = [reference_dnsmos.run(e, 16000) for e in estimates]
    overall = DNSMOS().score(batch)
    np.testing.assert_allclose(overall, [r["ovrl_mos"] for r in expected], rtol=0, atol=1e-9)
    assert all(1.0 <= v <= 5.0 for v in overall)
    np.testing.assert_array_equal(DNSMOS().score(batch.subset([1])), overall[1:])  # deterministic
    for output, key in [("SIG", "sig_mos"), ("BAK", "bak_mos"), ("P808", "p808_mos")]:
        values = DNSMOS(output=output).score(batch.subset([0]))
        assert values[0] == pytest.approx(float(expected[0][key]), abs=1e-6)


def test_dnsmos_errors_and_silence():
    metric = DNSMOS()
    assert metric.inputs == ("estimate",) and metric.sample_rate == 16000
    with pytest.raises(MetricError, match="unknown output 'MOS'"):
        DNSMOS(output="MOS")
    silent = Batch(["zero"], {"estimate": [np.zeros(16000)]}, sample_rate=16000)
    assert np.isnan(metric.score(silent)[0])
    loud = Batch(["loud"], {"estimate": [np.full(16000, 1.5)]}, sample_rate=16000)
    with pytest.raises(MetricError, match=r"samples in \[-1, 1\]"):
        metric.score(loud)
