"""Batched MR-STFT loss against auraloss MultiResolutionSTFTLoss (GSVS configuration), per file."""

from __future__ import annotations

import numpy as np
import pytest

from metaeval.metrics import Batch, get_metric
from tests.metrics.audio import gsvs_example

torch = pytest.importorskip("torch")
auraloss_freq = pytest.importorskip("auraloss.freq")
EXAMPLES = [("Mel-RoFo-L", 5), ("SGMSVS", 14), ("Mel-RoFo-S_BigVGAN", 42)]


@pytest.fixture(scope="module")
def study_loss():
    return auraloss_freq.MultiResolutionSTFTLoss(
        fft_sizes=[256, 512, 1024, 2048, 4096], win_lengths=[256, 512, 1024, 2048, 4096],
        hop_sizes=[64, 128, 256, 512, 1024], sample_rate=44100, perceptual_weighting=True)


def per_file(loss, estimates, references) -> np.ndarray:
    """The study's call: one file at a time, shape (1, 1, T), estimate first."""
    with torch.no_grad():
        return np.array([loss(torch.from_numpy(np.float32(e))[None, None],
                              torch.from_numpy(np.float32(r))[None, None]).item()
                         for e, r in zip(estimates, references)])


def test_equals_auraloss_per_file_on_real_audio(datasets_dir, study_loss):
    estimates = [gsvs_example(datasets_dir, system, i) for system, i in EXAMPLES]
    references = [gsvs_example(datasets_dir, "Target", i) for _, i in EXAMPLES]
    batch = Batch([f"{s}/{i}" for s, i in EXAMPLES], {"estimate": estimates, "reference": references},
                  sample_rate=44100)
    ours = get_metric("mrstft").score(batch)
    np.testing.assert_allclose(ours, per_file(study_loss, estimates, references), rtol=0, atol=1e-5)
    assert np.ptp(ours) > 0.1


def test_equals_auraloss_on_random_signals_of_two_lengths(study_loss):
    rng = np.random.default_rng(0)
    references = [rng.normal(size=n).astype(np.float32) * 0.1 for n in (20000, 33000, 20000, 33000)]
    estimates = [r + rng.normal(size=r.size).astype(np.float32) * s
                 for r, s in zip(references, (0.01, 0.05, 0.2, 1.0))]
    ours = get_metric("mrstft").score(Batch(list("abcd"), {"estimate": estimates, "reference": references}))
    np.testing.assert_allclose(ours, per_file(study_loss, estimates, references), rtol=0, atol=1e-5)
    assert np.all(np.diff(ours[[0, 2]]) > 0) and np.all(np.diff(ours[[1, 3]]) > 0)  # more noise, more loss


def test_argument_order_matters_and_identical_signals_score_zero(study_loss):
    rng = np.random.default_rng(1)
    x = rng.normal(size=16000).astype(np.float32)
    y = (0.5 * x + 0.2 * rng.normal(size=16000)).astype(np.float32)
    metric = get_metric("mrstft")
    same, forward, backward = metric.score(Batch(["s", "f", "b"], {"estimate": [x, y, x],
                                                                    "reference": [x, x, y]}))
    assert same == pytest.approx(0.0, abs=1e-12)
    assert forward != pytest.approx(backward, abs=1e-3)  # spectral convergence divides by the target
    assert forward == pytest.approx(per_file(study_loss, [y], [x])[0], abs=1e-5)


def test_a_weighting_taps_equal_auraloss(study_loss):
    from metaeval.metrics.audio.mrstft import a_weighting_taps

    theirs = study_loss.stft_losses[0].prefilter.fir.weight.data.numpy().ravel()
    np.testing.assert_array_equal(a_weighting_taps(44100), theirs)
    assert theirs.size == 101


def test_registry_metadata():
    metric = get_metric("mrstft")
    assert metric.higher_is_better is False and metric.inputs == ("estimate", "reference")
    assert metric.config.fft_sizes == (256, 512, 1024, 2048, 4096)
    assert metric.config.hop_sizes == (64, 128, 256, 512, 1024)
    assert metric.config.perceptual_weighting is True


def test_shorter_windows_and_no_weighting_equal_auraloss():
    rng = np.random.default_rng(2)
    references = [rng.normal(size=12000).astype(np.float32) * 0.1 for _ in range(2)]
    estimates = [r + rng.normal(size=r.size).astype(np.float32) * 0.05 for r in references]
    loss = auraloss_freq.MultiResolutionSTFTLoss(fft_sizes=[512, 1024], win_lengths=[300, 1000],
                                                 hop_sizes=[100, 250], perceptual_weighting=False)
    metric = get_metric("mrstft", fft_sizes=(512, 1024), win_lengths=(300, 1000), hop_sizes=(100, 250),
                        perceptual_weighting=False)
    ours = metric.score(Batch(["a", "b"], {"estimate": estimates, "reference": references}))
    np.testing.assert_allclose(ours, per_file(loss, estimates, references), rtol=0, atol=1e-5)


def test_stft_magnitudes_equal_torch_stft():
    from metaeval.metrics.audio.mrstft import stft_magnitudes

    x = np.random.default_rng(3).normal(size=(2, 5000)).astype(np.float32)
    spec = torch.stft(torch.from_numpy(x), 1024, 256, 600, torch.hann_window(600), return_complex=True)
    theirs = torch.sqrt(torch.clamp(spec.real ** 2 + spec.imag ** 2, min=1e-8)).numpy()
    ours = stft_magnitudes(x, 1024, 256, 600)
    assert ours.dtype == np.float32 and ours.shape == (2, 1 + 5000 // 256, 513)
    np.testing.assert_allclose(ours, theirs.transpose(0, 2, 1), rtol=1e-5, atol=2e-5)  # float32 FFTs
