"""Per-item SDR / SI-SDR / SIR / SAR kernels against torchmetrics and fast_bss_eval, other options."""

from __future__ import annotations

import numpy as np
import pytest

from metaeval.metrics import Batch, get_metric
from metaeval.metrics.audio import mono_inputs
from metaeval.metrics.audio.bss_items import sdr_item, si_sdr_item, sir_sar_item

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def signals():
    """A target, an interferer and an estimate leaking both, with a short filter (float32)."""
    rng = np.random.default_rng(11)
    target = np.convolve(rng.normal(size=6000), [1.0, 0.6, 0.2])[:6000] + 0.3
    other = rng.normal(size=6000)
    estimate = 0.8 * target + 0.2 * other + 0.05 * rng.normal(size=6000)
    return [np.float32(x) for x in (estimate, target, target + other)]


def t(x):
    return torch.from_numpy(np.asarray(x, dtype=np.float64))


@pytest.mark.parametrize("zero_mean", [False, True])
@pytest.mark.parametrize("load_diag", [None, 1e-5])
def test_sdr_item_equals_torchmetrics(signals, zero_mean, load_diag):
    from torchmetrics.functional.audio import signal_distortion_ratio

    e, r, _ = signals
    theirs = signal_distortion_ratio(t(e), t(r), filter_length=128, zero_mean=zero_mean,
                                     load_diag=load_diag).item()
    assert sdr_item(e, r, 128, zero_mean, load_diag) == pytest.approx(theirs, abs=1e-9)


@pytest.mark.parametrize("zero_mean", [False, True])
def test_si_sdr_item_equals_torchmetrics(signals, zero_mean):
    from torchmetrics.functional.audio import scale_invariant_signal_distortion_ratio

    e, r, _ = signals
    theirs = scale_invariant_signal_distortion_ratio(t(e), t(r), zero_mean=zero_mean).item()
    assert si_sdr_item(e, r, zero_mean) == pytest.approx(theirs, abs=1e-10)


@pytest.mark.parametrize(("taps", "load_diag"), [(1024, 1e-7), (256, None), (64, 1e-3)])
def test_sir_sar_item_equals_fast_bss_eval(signals, taps, load_diag):
    import fast_bss_eval

    from metaeval.metrics.audio.bsseval import single_torch_thread

    e, r, m = (t(x) for x in signals)
    with single_torch_thread():
        theirs = fast_bss_eval.bss_eval_sources(torch.stack([r, m - r]), torch.stack([e, m - e]),
                                                filter_length=taps, load_diag=load_diag,
                                                compute_permutation=False)
    ours = sir_sar_item(*signals, taps, load_diag)
    np.testing.assert_allclose(ours, [v[0].item() for v in theirs], atol=1e-8)
    assert ours[2] > ours[1]  # interferer leaks at 0.2, noise at 0.05: SIR below SAR


def test_perfect_estimate_sdr_is_very_high_and_sir_sar_infinite_or_very_high(signals):
    _, r, m = signals
    assert sdr_item(r, r) > 100
    sdr, sir, sar = sir_sar_item(r, r, m, 64)
    assert min(sdr, sir, sar) > 60


def test_metrics_with_options_use_the_kernels_and_equal_the_v3_path_where_they_agree(signals):
    e, r, m = signals
    batch = Batch(["a"], {"estimate": [e], "reference": [r], "mixture": [m]})
    assert get_metric("sdr", filter_length=128, zero_mean=True).score(batch)[0] == pytest.approx(
        sdr_item(e, r, 128, True), abs=1e-12)
    assert get_metric("sir", filter_length=64, load_diag=None).score(batch)[0] == pytest.approx(
        sir_sar_item(e, r, m, 64, None)[1], abs=1e-12)


def test_mono_inputs_keeps_float_arrays_without_copy_when_asked():
    x32, x64, ints = np.ones(4, np.float32), np.ones(4), np.ones(4, dtype=np.int16)
    batch = Batch(["a", "b", "c"], {"estimate": [x32, x64, ints], "reference": [x32, x64, ints]})
    kept = mono_inputs(batch, ("estimate",), dtype=None)["estimate"]
    assert kept[0] is x32 and kept[1] is x64 and kept[2].dtype == np.float64
    assert mono_inputs(batch, ("estimate",))["estimate"][0].dtype == np.float64


def test_silent_interferer_scores_nan_for_sar_and_sir(signals):
    e, r, _ = signals
    batch = Batch(["no interferer"], {"estimate": [e], "reference": [r], "mixture": [r.copy()]})
    assert np.isnan(get_metric("sar").score(batch)[0]) and np.isnan(get_metric("sir").score(batch)[0])
