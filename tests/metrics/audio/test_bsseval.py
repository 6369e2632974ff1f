"""BSS-Eval adapters against torchmetrics, fast_bss_eval and museval on the GSVS audio, and analytic cases."""

from __future__ import annotations

import numpy as np
import pytest

from metaeval.errors import MetricError
from metaeval.metrics import Batch, get_metric
from tests.metrics.audio import gsvs_example

torch = pytest.importorskip("torch")
EXAMPLES = [("HTDemucs", 1), ("SGMSVS", 2), ("Mel-RoFo-S_BigVGAN", 3)]


@pytest.fixture(scope="module")
def gsvs_batch(datasets_dir) -> Batch:
    inputs = {"estimate": [], "reference": [], "mixture": []}
    for system, file_id in EXAMPLES:
        inputs["estimate"].append(gsvs_example(datasets_dir, system, file_id))
        inputs["reference"].append(gsvs_example(datasets_dir, "Target", file_id))
        inputs["mixture"].append(gsvs_example(datasets_dir, "Mixture", file_id))
    return Batch([f"{s}/{i}" for s, i in EXAMPLES], inputs, sample_rate=44100)


def tensors(batch: Batch, name: str, position: int):
    return torch.from_numpy(np.asarray(batch[name][position], dtype=np.float64))


def test_sdr_equals_torchmetrics_on_real_audio(gsvs_batch):
    from torchmetrics.functional.audio import signal_distortion_ratio

    ours = get_metric("sdr").score(gsvs_batch)
    reference = [signal_distortion_ratio(tensors(gsvs_batch, "estimate", i),
                                         tensors(gsvs_batch, "reference", i)).item()
                 for i in range(len(gsvs_batch))]
    np.testing.assert_allclose(ours, reference, atol=1e-4)
    assert np.ptp(ours) > 1  # three different systems, three different values


def test_sisdr_equals_torchmetrics_on_real_audio(gsvs_batch):
    from torchmetrics.functional.audio import scale_invariant_signal_distortion_ratio

    ours = get_metric("sisdr").score(gsvs_batch)
    reference = [scale_invariant_signal_distortion_ratio(tensors(gsvs_batch, "estimate", i),
                                                         tensors(gsvs_batch, "reference", i)).item()
                 for i in range(len(gsvs_batch))]
    np.testing.assert_allclose(ours, reference, atol=1e-4)


def test_sisdr_analytic_cases():
    rng = np.random.default_rng(0)
    x = rng.normal(size=8000)
    noise = rng.normal(size=8000)
    noise -= noise @ x / (x @ x) * x  # orthogonal to x: the optimal scale is exactly 1
    noise *= np.sqrt((x @ x) / (noise @ noise) / 10 ** (12.5 / 10))  # SNR 12.5 dB
    batch = Batch(["noisy", "scaled"], {"estimate": [x + noise, 0.3 * x], "reference": [x, x]})
    noisy, scaled = get_metric("sisdr").score(batch)
    assert noisy == pytest.approx(12.5, abs=1e-9)
    assert scaled > 100  # a scaled copy has no distortion


def test_sdr_of_scaled_and_filtered_copies_is_high_and_of_noise_is_the_snr():
    rng = np.random.default_rng(1)
    x = rng.normal(size=6000)
    filtered = np.convolve(x, [0.5, 0.3, -0.2])[:6000]  # a short filter, within the 512 taps
    noisy = x + 0.1 * rng.normal(size=6000)
    scaled, short_filter, low = get_metric("sdr").score(Batch(
        ["a", "b", "c"], {"estimate": [0.5 * x, filtered, noisy], "reference": [x, x, x]}))
    assert scaled > 100
    assert short_filter > 40  # Toeplitz approximation of the edges limits it
    assert low == pytest.approx(20, abs=0.5)  # noise at -20 dB


@pytest.fixture(scope="module")
def museval_whole_excerpt(gsvs_batch) -> dict[str, float]:
    """museval bss_eval_images criteria of item 1 over the whole excerpt, 1024 taps."""
    from metaeval.metrics.audio.bsseval_v4 import museval_metrics

    est, ref, mix = (np.asarray(gsvs_batch[n][1], dtype=np.float64) for n in ("estimate", "reference", "mixture"))
    out = museval_metrics().bss_eval(np.stack([ref, mix - ref])[..., None],
                                     np.stack([est, mix - est])[..., None], window=np.inf,
                                     hop=np.inf, filters_len=1024)
    return {"sdr": out[0][0, 0], "isr": out[1][0, 0], "sir": out[2][0, 0], "sar": out[3][0, 0]}


def test_sar_sir_equal_fast_bss_eval_and_museval(gsvs_batch, museval_whole_excerpt):
    import fast_bss_eval

    from metaeval.metrics.audio.bsseval import single_torch_thread

    sar = get_metric("sar").score(gsvs_batch)
    sir = get_metric("sir").score(gsvs_batch)
    for i in range(len(gsvs_batch)):
        est, ref, mix = (tensors(gsvs_batch, n, i) for n in ("estimate", "reference", "mixture"))
        with single_torch_thread():  # batched LU fails in torch 2.13 CPU with 2+ threads
            _sdr, fb_sir, fb_sar = fast_bss_eval.bss_eval_sources(
                torch.stack([ref, mix - ref]), torch.stack([est, mix - est]), filter_length=1024,
                load_diag=1e-7, compute_permutation=False)
        assert sar[i] == pytest.approx(fb_sar[0].item(), abs=1e-6)
        assert sir[i] == pytest.approx(fb_sir[0].item(), abs=1e-6)
    # museval (bss_eval_images, whole excerpt): same projections, different regularisation
    assert sar[1] == pytest.approx(museval_whole_excerpt["sar"], abs=0.01)
    assert sir[1] == pytest.approx(museval_whole_excerpt["sir"], abs=0.01)


def test_isr_equals_museval_images(gsvs_batch, museval_whole_excerpt):
    isr = get_metric("isr").score(gsvs_batch)
    assert isr[1] == pytest.approx(museval_whole_excerpt["isr"], abs=1e-6)
    assert np.all(np.isfinite(isr)) and np.ptp(isr) > 1


def test_silent_inputs_score_nan_and_missing_mixture_is_an_error():
    x = np.random.default_rng(2).normal(size=4000)
    batch = Batch(["ok", "silent"], {"estimate": [x + 0.1, np.zeros(4000)], "reference": [x, x],
                                     "mixture": [2 * x, 2 * x]})
    for name in ("sdr", "sisdr", "sar", "sir", "isr"):
        values = get_metric(name).score(batch)
        assert np.isfinite(values[0]) and np.isnan(values[1]), name
    with pytest.raises(MetricError, match="mixture"):
        get_metric("sar").score(Batch(["a"], {"estimate": [x], "reference": [x]}))
    with pytest.raises(MetricError, match="length"):
        get_metric("sdr").score(Batch(["a"], {"estimate": [x[:-1]], "reference": [x]}))


def test_items_of_different_lengths_are_scored_like_single_items():
    rng = np.random.default_rng(3)
    refs = [rng.normal(size=n) for n in (3000, 5000, 3000)]
    ests = [r + 0.3 * rng.normal(size=r.size) for r in refs]
    metric = get_metric("sdr")
    together = metric.score(Batch(["a", "b", "c"], {"estimate": ests, "reference": refs}))
    alone = [metric.score(Batch([k], {"estimate": [e], "reference": [r]}))[0]
             for k, e, r in zip("abc", ests, refs)]
    np.testing.assert_allclose(together, alone, atol=1e-9)


def test_bsseval_v4_is_the_median_of_museval_frames(gsvs_batch):
    from metaeval.metrics.audio.bsseval_v4 import museval_metrics

    metric = get_metric("bsseval_v4")
    assert metric.higher_is_better and metric.inputs == ("estimate", "reference", "mixture")
    sub = gsvs_batch.subset([1])
    est, ref, mix = (np.asarray(sub[n][0], dtype=np.float64) for n in ("estimate", "reference", "mixture"))
    sdr, *_ = museval_metrics().bss_eval(np.stack([ref, mix - ref])[..., None],
                                         np.stack([est, mix - est])[..., None],
                                         window=44100, hop=44100, filters_len=512)
    assert sdr.shape == (2, 5)  # 5 s at 44.1 kHz: five 1 s frames
    assert metric.score(sub)[0] == pytest.approx(np.nanmedian(sdr[0]), abs=1e-9)


def test_bsseval_v4_of_a_perfect_estimate_is_very_high():
    rng = np.random.default_rng(4)
    target, other = rng.normal(size=(2, 3 * 8000))
    batch = Batch(["perfect"], {"estimate": [target], "reference": [target], "mixture": [target + other]},
                  sample_rate=8000)
    assert get_metric("bsseval_v4").score(batch)[0] > 60


def test_registry_metadata():
    for name in ("sdr", "sisdr", "sar", "sir", "isr", "bsseval_v4"):
        metric = get_metric(name)
        assert metric.name == name and metric.domain == "audio" and metric.higher_is_better
    assert get_metric("sdr").config.filter_length == 512
    assert get_metric("sar").config.filter_length == 1024 and get_metric("sar").config.load_diag == 1e-7
    assert get_metric("sdr", filter_length=256).config_hash != get_metric("sdr").config_hash
