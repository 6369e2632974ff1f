"""Multichannel BSS Eval (``channels=multichannel``) against mir_eval, museval and torchmetrics.

Issue 19, item 6: metaeval scored the channel mean, which moves SiSEC 2018's published (stereo
images) SDR. Every stereo file in ../shared/datasets (GSVS examples, Bernoulli MUSHRA) is
dual-mono (left = right, checked with soundfile), so the real stereo signals here are built from
real mono recordings: each channel of the target, mixture and estimate is a different GSVS
excerpt (its real separation errors), plus synthetic images with a generator per test.
"""

from __future__ import annotations

import numpy as np
import pytest

from metaeval.errors import MetricError, MetricOptionError
from metaeval.metrics import Batch, get_metric
from tests.metrics.audio import mir_eval_images, stereo

torch = pytest.importorskip("torch")
pytest.importorskip("mir_eval.separation")
EXAMPLES = [("HTDemucs", (1, 2)), ("SGMSVS", (5, 6)), ("Mel-RoFo-S_BigVGAN", (3, 10))]
CRITERIA = ("sdr", "isr", "sir", "sar")  # the order of bss_eval_images' outputs
NAMES = ("estimate", "reference", "mixture")


def batch_of(rows, rate: int = 44100) -> Batch:
    return Batch([f"item{i}" for i in range(len(rows))],
                 {name: [row[name] for row in rows] for name in NAMES}, rate)


@pytest.fixture(scope="module")
def real_stereo(datasets_dir):
    return [{"estimate": stereo(datasets_dir, system, ids),
             "reference": stereo(datasets_dir, "Target", ids),
             "mixture": stereo(datasets_dir, "Mixture", ids)} for system, ids in EXAMPLES]


@pytest.fixture(scope="module")
def real_expected(real_stereo):
    return np.array([mir_eval_images(*(row[n] for n in NAMES)) for row in real_stereo])


@pytest.mark.parametrize("criterion", CRITERIA)
def test_stereo_images_equal_mir_eval_on_real_recordings(real_stereo, real_expected, criterion):
    ours = get_metric(f"{criterion}:bss_eval_v3:channels=multichannel").score(batch_of(real_stereo))
    expected = real_expected[:, CRITERIA.index(criterion)]
    np.testing.assert_allclose(ours, expected, atol=1e-6)
    mono = get_metric(f"{criterion}:bss_eval_v3").score(batch_of(
        [{n: row[n].mean(0) for n in NAMES} for row in real_stereo]))
    assert np.abs(mono - expected).max() > 0.01  # the channel mean is another number


def random_images(rng, channels: int, length: int, taps: int = 6) -> np.ndarray:
    """One random source seen through a random short filter per channel (C, T)."""
    source = rng.normal(size=length)
    return np.stack([np.convolve(source, rng.normal(size=taps))[:length] for _ in range(channels)])


def test_stereo_images_equal_mir_eval_on_synthetic_images():
    rng = np.random.default_rng(1901)
    rows = []
    for leak, noise in ((0.3, 0.1), (0.05, 0.5)):
        target, other = random_images(rng, 2, 4000), random_images(rng, 2, 4000)
        estimate = target + leak * other + noise * rng.normal(size=target.shape)
        rows.append({"estimate": estimate, "reference": target, "mixture": target + other})
    expected = np.array([mir_eval_images(*(row[n] for n in NAMES)) for row in rows])
    for index, criterion in enumerate(CRITERIA):
        ours = get_metric(f"{criterion}:bss_eval_v3:channels=multichannel").score(batch_of(rows))
        np.testing.assert_allclose(ours, expected[:, index], atol=1e-6, err_msg=criterion)


def test_dual_mono_and_panned_images_score_as_mono_and_as_mir_eval():
    """Linearly dependent channels (left = right, right = 0.5 left): the Gram matrix is singular,
    the projection on the span is not; the images criteria equal the mono ones. Scored in one
    batch with an independent stereo item (the fallback fills only its own items)."""
    rng = np.random.default_rng(1902)
    target, other = rng.normal(size=(2, 3000))
    estimate = target + 0.2 * other + 0.1 * rng.normal(size=3000)
    mono = {"estimate": estimate, "reference": target, "mixture": target + other}
    rows = [{n: np.stack([x, gain * x]) for n, x in mono.items()} for gain in (1.0, 0.5)]
    images, others = random_images(rng, 2, 3000), random_images(rng, 2, 3000)
    rows.append({"estimate": images + 0.2 * others + 0.1 * rng.normal(size=(2, 3000)),
                 "reference": images, "mixture": images + others})
    expected = np.array([mir_eval_images(*(row[n] for n in NAMES)) for row in rows])
    for index, criterion in enumerate(CRITERIA):
        name = f"{criterion}:bss_eval_v3"
        ours = get_metric(f"{name}:channels=multichannel").score(batch_of(rows))
        np.testing.assert_allclose(ours, expected[:, index], atol=1e-6, err_msg=criterion)
        alone = get_metric(name).score(batch_of([mono]))[0]
        np.testing.assert_allclose(ours[:2], [alone, alone], atol=1e-6, err_msg=criterion)


def test_isr_default_taps_equal_museval_images_on_real_stereo(real_stereo):
    from metaeval.metrics.audio.bsseval_v4 import museval_metrics

    row = real_stereo[1]
    e, s, m = (row[n] for n in NAMES)
    out = museval_metrics().bss_eval(np.stack([s.T, (m - s).T]), np.stack([e.T, (m - e).T]),
                                     window=np.inf, hop=np.inf, filters_len=1024)
    ours = get_metric("isr:channels=multichannel").score(batch_of([row]))[0]
    assert ours == pytest.approx(out[1][0, 0], abs=1e-6)


def test_multichannel_sisdr_is_torchmetrics_sa_sdr_of_the_channels(real_stereo):
    from torchmetrics.functional.audio import source_aggregated_signal_distortion_ratio

    for zero_mean in (False, True):
        ours = get_metric("sisdr", channels="multichannel", zero_mean=zero_mean).score(
            batch_of(real_stereo))
        expected = [source_aggregated_signal_distortion_ratio(
            torch.from_numpy(row["estimate"]), torch.from_numpy(row["reference"]),
            zero_mean=zero_mean).item() for row in real_stereo]
        np.testing.assert_allclose(ours, expected, atol=1e-6)


def test_multichannel_sisdr_counts_a_wrong_pan_and_scores_dual_mono_as_mono():
    rng = np.random.default_rng(1903)
    x = rng.normal(size=(2, 4000))
    panned = x * np.array([[1.0], [0.5]])  # right channel 6 dB too low: no noise at all
    # by hand: a = (|x0|^2 + 0.5 |x1|^2) / (|x0|^2 + |x1|^2), residual a x - panned
    e0, e1 = x[0] @ x[0], x[1] @ x[1]
    a = (e0 + 0.5 * e1) / (e0 + e1)
    by_hand = 10 * np.log10(a * a * (e0 + e1) / ((a - 1) ** 2 * e0 + (a - 0.5) ** 2 * e1))
    multi = get_metric("sisdr:channels=multichannel")
    value = multi.score(Batch(["p"], {"estimate": [panned], "reference": [x]}))[0]
    assert value == pytest.approx(by_hand, abs=1e-9) and value < 20
    noisy = x[0] + 0.3 * rng.normal(size=4000)
    dual = multi.score(Batch(["d"], {"estimate": [np.stack([noisy, noisy])],
                                     "reference": [np.stack([x[0], x[0]])]}))[0]
    mono = get_metric("sisdr").score(Batch(["m"], {"estimate": [noisy], "reference": [x[0]]}))[0]
    assert dual == pytest.approx(mono, abs=1e-9)


def test_bsseval_v4_multichannel_is_the_median_of_stereo_frame_sdrs(real_stereo):
    row = real_stereo[0]
    e, s = row["estimate"], row["reference"]
    frames = [10 * np.log10((s[:, k:k + 44100] ** 2).sum() / ((e - s)[:, k:k + 44100] ** 2).sum())
              for k in range(0, s.shape[1] - 44100 + 1, 44100)]
    ours = get_metric("bsseval_v4:channels=multichannel").score(batch_of([row]))[0]
    assert len(frames) == 5 and ours == pytest.approx(np.median(frames), abs=1e-9)
    mono = get_metric("bsseval_v4").score(batch_of([{n: row[n].mean(0) for n in NAMES}]))[0]
    assert abs(mono - ours) > 0.05


def test_channels_option_choices_signature_and_refusals():
    for name in ("sdr", "sisdr", "sar", "sir", "isr", "bsseval_v4"):
        method = {"method": "bss_eval_v3", "load_diag": None} if name in ("sdr", "sar", "sir") \
            else {}
        mono, multi = get_metric(name, **method), get_metric(name, channels="multichannel", **method)
        assert mono.config.channels == "mono" and multi.config.channels == "multichannel"
        assert mono.signature != multi.signature  # the option enters the signature and cache key
        with pytest.raises(MetricOptionError, match="choose one of mono, multichannel"):
            get_metric(f"{name}:channels=stereo")
    for name in ("sdr", "sar", "sir", "isr"):  # the preset says which it uses
        assert get_metric(f"{name}:bss_eval_v3").config.channels == "mono"
    with pytest.raises(MetricOptionError, match="bss_eval_v3:channels=multichannel"):
        get_metric("sar:channels=multichannel")  # fast_bss_eval has no images criteria


def test_multichannel_inputs_must_be_channels_first_and_of_one_shape():
    rng = np.random.default_rng(1904)
    x = rng.normal(size=(2, 3000))
    metric = get_metric("sdr:bss_eval_v3:channels=multichannel")
    with pytest.raises(MetricError, match=r"audio\.T"):
        metric.score(Batch(["t"], {"estimate": [x.T], "reference": [x.T]}))
    with pytest.raises(MetricError, match="channels or length"):
        metric.score(Batch(["c"], {"estimate": [x[:1]], "reference": [x]}))
    with pytest.raises(MetricError, match="channels=multichannel"):
        get_metric("sdr").score(Batch(["m"], {"estimate": [x], "reference": [x]}))
    # a 1-D array is one channel: multichannel of a mono signal is the mono value
    noisy = x[0] + 0.2 * x[1]
    one = metric.score(Batch(["o"], {"estimate": [noisy], "reference": [x[0]]}))[0]
    assert one == pytest.approx(get_metric("sdr:bss_eval_v3").score(
        Batch(["o"], {"estimate": [noisy], "reference": [x[0]]}))[0], abs=1e-12)
