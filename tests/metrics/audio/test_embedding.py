"""emb_mse and fad_song2song: closed forms, scipy, and every encoder path on tiny random models.

Real checkpoints are used only when already present locally (Hugging Face cache or the
music2latent package folder); those tests skip with the reason otherwise.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import linalg

from metaeval.errors import MetricError
from metaeval.metrics.audio import embedding as emb
from metaeval.metrics.audio.encoders import (
    ClapEncoder,
    FrameEncoder,
    MertEncoder,
    Music2LatentEncoder,
)
from metaeval.metrics.base import Batch
from metaeval.metrics.registry import get_spec


def batch(refs, ests, rate):
    return Batch([f"i{k}" for k in range(len(refs))],
                 {"reference": list(refs), "estimate": list(ests)}, sample_rate=rate)


# ---------------------------------------------------------------- distances on fixed embeddings

def test_embedding_mse_hand_computed_and_truncated():
    ref = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    est = np.array([[1.0, 1.0], [2.0, 1.0]])  # 2 frames: the third reference frame is dropped
    # squared differences: (1, 0), (0, 4) -> mean over 2 frames x 2 dims = 5 / 4
    assert emb.embedding_mse(ref, est) == pytest.approx(1.25)
    assert emb.embedding_mse(ref, ref) == 0.0
    with pytest.raises(MetricError, match="equal dims"):
        emb.embedding_mse(ref, np.zeros((3, 3)))


def test_fad_one_dimensional_closed_form():
    rng = np.random.default_rng(1)
    a = rng.normal(1.0, 2.0, size=(40, 1))
    b = rng.normal(-0.5, 0.7, size=(55, 1))
    m1, m2 = a.mean(), b.mean()
    s1, s2 = a.std(ddof=1), b.std(ddof=1)
    expected = (m1 - m2) ** 2 + (s1 - s2) ** 2
    for method in emb.MATRIX_SQRT:
        assert emb.frechet_audio_distance(a, b, method) == pytest.approx(expected, rel=1e-12)


def test_fad_diagonal_covariances_including_singular():
    mu1, mu2 = np.array([0.0, 1.0, 2.0, -1.0]), np.array([1.0, 1.0, 0.0, 0.5])
    var1, var2 = np.array([4.0, 0.0, 1.0, 9.0]), np.array([1.0, 2.0, 0.0, 9.0])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(var1) - np.sqrt(var2)) ** 2)
    value = emb.frechet_distance(mu1, np.diag(var1), mu2, np.diag(var2))
    assert value == pytest.approx(expected, rel=1e-12)


def test_fad_matches_scipy_sqrtm_on_full_rank_covariances():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((200, 6)) @ rng.standard_normal((6, 6))
    b = rng.standard_normal((150, 6)) @ rng.standard_normal((6, 6)) + 0.3
    mu1, c1 = a.mean(0), np.cov(a, rowvar=False)
    mu2, c2 = b.mean(0), np.cov(b, rowvar=False)
    reference = (np.sum((mu1 - mu2) ** 2) + np.trace(c1) + np.trace(c2)
                 - 2 * np.trace(np.real(linalg.sqrtm(c1 @ c2))))
    assert emb.frechet_audio_distance(a, b, "eigh") == pytest.approx(reference, rel=1e-9)
    assert emb.frechet_audio_distance(a, b, "scipy") == pytest.approx(reference, rel=1e-12)


def test_fad_with_fewer_frames_than_dims_uses_the_spectrum_of_the_product():
    rng = np.random.default_rng(3)
    frames = 6
    a, b = rng.standard_normal((frames, 16)), rng.standard_normal((9, 16)) + 0.2
    (mu1, c1), (mu2, c2) = emb.gaussian_stats(a), emb.gaussian_stats(b)
    assert np.linalg.matrix_rank(c1) == frames - 1  # degenerate Gaussian: rank T - 1 < D
    # c1 = V S^2 V^T / (T - 1) from the SVD of the centred frames (rank T - 1), so the non-zero
    # spectrum of c1^1/2 c2 c1^1/2 is that of the well-conditioned (T-1) x (T-1) matrix
    # S V^T c2 V S / (T - 1): no square roots of rounding noise in the reference value.
    _, s, vt = np.linalg.svd(a - a.mean(axis=0), full_matrices=False)
    v, s = vt[: frames - 1].T, s[: frames - 1]
    inner = s[:, None] * (v.T @ c2 @ v) * s[None, :] / (frames - 1)
    tr_sqrt = np.sum(np.sqrt(np.linalg.eigvalsh(inner)))
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(c1) + np.trace(c2) - 2 * tr_sqrt
    assert emb.frechet_audio_distance(a, b) == pytest.approx(expected, rel=1e-12)


def test_fad_identical_is_zero_and_too_few_frames_is_nan():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((30, 8))
    assert emb.frechet_audio_distance(a, a) == pytest.approx(0.0, abs=1e-9)
    assert emb.frechet_audio_distance(a[:4], a[:4]) == pytest.approx(0.0, abs=1e-9)  # singular
    assert math.isnan(emb.frechet_audio_distance(a[:1], a))
    with pytest.raises(MetricError, match="matrix_sqrt"):
        emb.trace_sqrt_product(np.eye(2), np.eye(2), "bogus")


# ---------------------------------------------------------------- metric classes, fake encoder

class ReshapeEncoder(FrameEncoder):
    """Deterministic stand-in: frames of 3 consecutive samples as [T, 3]."""

    name = "reshape"
    sample_rate = 24000
    calls = 0

    def _load(self):
        pass

    def _embed(self, audio):
        self.calls += 1
        usable = len(audio) // 3 * 3
        return audio[:usable].reshape(-1, 3)


def test_catalog_targets_load_these_classes_with_their_rates():
    expected = {"emb_mse_mert": (emb.EmbeddingMSEMert, 24000),
                "fad_song2song_mert": (emb.FADMert, 24000),
                "emb_mse_music2latent": (emb.EmbeddingMSEMusic2Latent, 44100),
                "fad_song2song_music2latent": (emb.FADMusic2Latent, 44100),
                "emb_mse_clap": (emb.EmbeddingMSEClap, 48000),
                "fad_song2song_clap": (emb.FADClap, 48000)}
    for name, (cls, rate) in expected.items():
        spec = get_spec(name)
        assert spec.load() is cls
        assert cls.name == name and cls.sample_rate == rate
        assert cls.higher_is_better is False and spec.higher_is_better is False
        assert set(cls.inputs) == set(spec.inputs) == {"estimate", "reference"}


def test_metric_scores_equal_hand_computation_with_float16_rounding():
    ref = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], dtype=np.float32)  # 2 frames + 1 dropped
    est = np.array([0.1, 0.25, 0.3, 0.0, 0.5, 0.6], dtype=np.float32)
    metric = emb.EmbeddingMSEMert(encoder=ReshapeEncoder())
    r16 = ref[:6].astype(np.float16).astype(float).reshape(2, 3)
    e16 = est.astype(np.float16).astype(float).reshape(2, 3)
    expected = np.mean((r16 - e16) ** 2)
    scores = metric.score(batch([ref, ref], [est, ref], 24000))
    assert scores[0] == pytest.approx(expected, rel=1e-12)
    assert scores[1] == 0.0
    exact = emb.EmbeddingMSEMert(encoder=ReshapeEncoder(), float16_embeddings=False)
    assert exact.score(batch([ref], [est], 24000))[0] == pytest.approx(
        np.mean((ref[:6].astype(float) - est.astype(float)) ** 2).item(), rel=1e-6)
    assert exact.config_hash != metric.config_hash


def test_fad_metric_and_sample_rate_check():
    rng = np.random.default_rng(5)
    ref = rng.standard_normal(300).astype(np.float32)
    est = (ref + 0.3 * rng.standard_normal(300)).astype(np.float32)
    metric = emb.FADMert(encoder=ReshapeEncoder(), float16_embeddings=False)
    expected = emb.frechet_audio_distance(ref.astype(float).reshape(-1, 3),
                                          est.astype(float).reshape(-1, 3))
    assert metric.score(batch([ref], [est], 24000))[0] == pytest.approx(expected, rel=1e-9)
    assert expected > 0.0
    with pytest.raises(MetricError, match="24000 Hz"):
        metric.score(batch([ref], [est], 44100))
    with pytest.raises(MetricError, match="matrix_sqrt"):
        emb.FADMert(matrix_sqrt="cholesky")


def test_encoder_caches_repeated_waveforms():
    encoder = ReshapeEncoder()
    encoder.cache_size = 2
    a, b, c = (np.full(6, v, dtype=np.float32) for v in (1.0, 2.0, 3.0))
    first = encoder.embed(a)
    first[:] = -1.0  # callers get copies: the cached value is unchanged
    assert np.array_equal(encoder.embed(a), np.ones((2, 3))) and encoder.calls == 1
    encoder.embed(b), encoder.embed(c)  # evicts a (least recently used)
    encoder.embed(c), encoder.embed(a)
    assert encoder.calls == 4


def test_encoder_refuses_bad_waveforms():
    with pytest.raises(MetricError, match="mono"):
        ReshapeEncoder().embed(np.zeros((2, 30)))
    with pytest.raises(MetricError, match="NaN"):
        ReshapeEncoder().embed(np.array([0.0, np.nan, 0.0]))


def test_importing_the_adapters_does_not_import_torch():
    code = ("import sys, metaeval.metrics.audio.embedding as e; "
            "e.FADClap(); print('torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# ---------------------------------------------------------------- MERT path (tiny HuBERT)

@pytest.fixture(scope="module")
def tiny_mert_dir(tmp_path_factory):
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    import torch

    torch.manual_seed(0)
    config = transformers.HubertConfig(
        hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
        conv_dim=(8,) * 7, conv_kernel=(10, 3, 3, 3, 3, 2, 2), conv_stride=(5, 2, 2, 2, 2, 2, 2),
        num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2)
    path = tmp_path_factory.mktemp("tiny_mert")
    transformers.HubertModel(config).save_pretrained(path)
    transformers.Wav2Vec2FeatureExtractor(sampling_rate=24000, do_normalize=True,
                                          return_attention_mask=True).save_pretrained(path)
    return path


def test_mert_path_tiny_model(tiny_mert_dir):
    import torch
    from transformers import AutoModel

    rng = np.random.default_rng(6)
    audio = (0.1 * rng.standard_normal(24000)).astype(np.float32)
    other = (0.1 * rng.standard_normal(24000)).astype(np.float32)
    metric = emb.EmbeddingMSEMert(model=str(tiny_mert_dir), layer=2, float16_embeddings=False)
    frames = metric.embed(audio)
    assert frames.shape == (74, 16)  # 1 s through the tiny conv stack (stride 320)
    fresh = MertEncoder(model=str(tiny_mert_dir), layer=2)  # new model load, no shared cache
    assert np.array_equal(frames, fresh.embed(audio))
    # do_normalize: zero mean, unit variance before the model, so a gain does not matter
    np.testing.assert_allclose(metric.embed(3.0 * audio), frames, atol=1e-4)
    # same as running the checkpoint by hand on the normalised waveform
    model = AutoModel.from_pretrained(str(tiny_mert_dir)).eval()
    normalised = (audio - audio.mean()) / np.sqrt(audio.var() + 1e-7)
    with torch.no_grad():
        hidden = model(torch.from_numpy(normalised)[None], output_hidden_states=True).hidden_states
    np.testing.assert_allclose(frames, hidden[2][0].numpy(), atol=1e-5)
    layer0 = emb.EmbeddingMSEMert(model=str(tiny_mert_dir), layer=0, float16_embeddings=False)
    np.testing.assert_allclose(layer0.embed(audio), hidden[0][0].numpy(), atol=1e-5)

    fad = emb.FADMert(model=str(tiny_mert_dir), layer=2)
    assert fad.encoder is emb.EmbeddingMSEMert(model=str(tiny_mert_dir), layer=2).encoder
    scores = metric.score(batch([audio, audio], [audio, other], 24000))
    assert scores[0] == 0.0 and scores[1] > 0.0
    fads = fad.score(batch([audio, audio], [audio, other], 24000))
    assert fads[0] == pytest.approx(0.0, abs=1e-6) and fads[1] > 0.0
    with pytest.raises(MetricError, match="layer 7"):
        emb.EmbeddingMSEMert(model=str(tiny_mert_dir), layer=7).embed(audio)


# ---------------------------------------------------------------- CLAP path (tiny ClapConfig)

@pytest.fixture(scope="module")
def tiny_clap_dir(tmp_path_factory):
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    import torch

    torch.manual_seed(0)
    config = transformers.ClapConfig(
        text_config=dict(vocab_size=100, hidden_size=16, num_hidden_layers=1,
                         num_attention_heads=2, intermediate_size=32),
        audio_config=dict(depths=[1, 1], num_heads=[1, 1], patch_embeds_hidden_size=8,
                          hidden_size=16, window_size=8, spec_size=256, num_mel_bins=64),
        projection_dim=12)
    path = tmp_path_factory.mktemp("tiny_clap")
    transformers.ClapModel(config).save_pretrained(path)
    transformers.ClapFeatureExtractor().save_pretrained(path)
    return path


def test_clap_windows_follow_fadtk():
    encoder = ClapEncoder(window_s=0.5, hop_s=0.25)  # 24000-sample windows, 12000 hop
    audio = np.linspace(-1.5, 1.5, 30000).astype(np.float32)
    windows = encoder.windows(audio)
    assert windows.shape == (3, 24000)  # starts 0, 12000, 24000 (= ceil(30000 / 12000))
    quantised = (np.clip(audio, -1, 1) * 32767.0).astype(np.int16) / 32767.0
    np.testing.assert_array_equal(windows[0], quantised[:24000].astype(np.float32))
    np.testing.assert_array_equal(windows[2][:6000], quantised[24000:].astype(np.float32))
    assert not windows[2][6000:].any()  # zero-padded
    raw = ClapEncoder(window_s=0.5, hop_s=0.25, quantize_int16=False).windows(audio)
    np.testing.assert_array_equal(raw[1], audio[12000:30000].tolist() + [0.0] * 6000)


def test_clap_path_tiny_model(tiny_clap_dir):
    import torch
    from transformers import ClapFeatureExtractor, ClapModel

    rng = np.random.default_rng(7)
    audio = (0.1 * rng.standard_normal(48000 + 100)).astype(np.float32)
    metric = emb.EmbeddingMSEClap(model=str(tiny_clap_dir), float16_embeddings=False)
    frames = metric.embed(audio)
    assert frames.shape == (2, 12)  # ceil(1.002 s / 1 s) windows x projection_dim
    np.testing.assert_allclose(np.linalg.norm(frames, axis=1), 1.0, atol=1e-5)
    # window 1 by hand: the last 100 samples padded to 10 s, through feature extractor and model
    model = ClapModel.from_pretrained(str(tiny_clap_dir)).eval()
    extractor = ClapFeatureExtractor.from_pretrained(str(tiny_clap_dir))
    window = np.zeros(480000, dtype=np.float32)
    tail = audio[48000:]
    window[:tail.size] = (np.clip(tail, -1, 1) * 32767).astype(np.int16) / np.float32(32767)
    inputs = extractor([window], sampling_rate=48000, return_tensors="pt", truncation="rand_trunc")
    with torch.no_grad():
        out = model.get_audio_features(**inputs)
    out = getattr(out, "pooler_output", out)
    np.testing.assert_allclose(frames[1], out[0].numpy(), atol=1e-5)

    other = (0.1 * rng.standard_normal(audio.size)).astype(np.float32)
    fad = emb.FADClap(model=str(tiny_clap_dir))
    assert metric.score(batch([audio, audio], [audio, other], 48000)).tolist()[0] == 0.0
    fads = fad.score(batch([audio, audio], [audio, other], 48000))
    assert fads[0] == pytest.approx(0.0, abs=1e-6) and fads[1] > 0.0


# ---------------------------------------------------------------- Music2Latent path

@pytest.fixture(scope="module")
def random_music2latent(tmp_path_factory):
    pytest.importorskip("music2latent")
    import torch
    from music2latent import EncoderDecoder
    from music2latent.models import UNet

    torch.manual_seed(0)
    gen = UNet().eval()
    codec = EncoderDecoder.__new__(EncoderDecoder)  # package object, random weights, no download
    codec.device, codec.gen = torch.device("cpu"), gen
    path = tmp_path_factory.mktemp("m2l") / "encoder_only.pt"
    encoder_weights = {k: v for k, v in gen.state_dict().items() if k.startswith("encoder.")}
    torch.save({"gen_state_dict": encoder_weights}, path)
    return codec, path


@pytest.mark.filterwarnings("ignore:CUDA is not available")
def test_music2latent_path_random_weights(random_music2latent):
    codec, path = random_music2latent
    rng = np.random.default_rng(8)
    audio = (0.1 * rng.standard_normal(22050)).astype(np.float32)
    metric = emb.EmbeddingMSEMusic2Latent(checkpoint=str(path), float16_embeddings=False)
    frames = metric.embed(audio)
    assert frames.shape == (5, 64)  # ~10.8 latent frames per second
    direct = codec.encode(audio)  # [1, 64, T], same weights loaded through the package object
    np.testing.assert_allclose(frames, direct[0].T.numpy(), atol=1e-5)

    injected = emb.FADMusic2Latent(encoder=Music2LatentEncoder(codec=codec))
    other = (0.1 * rng.standard_normal(audio.size)).astype(np.float32)
    assert metric.score(batch([audio], [audio], 44100))[0] == 0.0
    fads = injected.score(batch([audio, audio], [audio, other], 44100))
    assert fads[0] == pytest.approx(0.0, abs=1e-6) and fads[1] > 0.0
    with pytest.raises(MetricError, match="at least"):
        metric.embed(np.zeros(1000, dtype=np.float32))


def test_music2latent_bad_checkpoint(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("music2latent")
    bad = tmp_path / "bad.pt"
    torch.save({"something": 1}, bad)
    with pytest.raises(MetricError, match="gen_state_dict"):
        Music2LatentEncoder(checkpoint=str(bad)).embed(np.zeros(44100, dtype=np.float32))


# ---------------------------------------------------------------- real checkpoints, when local

def cached_hub_dir(repo_id: str) -> str | None:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    found = try_to_load_from_cache(repo_id, "config.json")
    return os.path.dirname(found) if isinstance(found, str) else None


def tone(rate: int, seconds: float) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))).astype(
        np.float32)


def test_real_mert():
    local = cached_hub_dir("m-a-p/MERT-v1-95M")
    if local is None:
        pytest.skip("m-a-p/MERT-v1-95M is not in the local Hugging Face cache (no download in tests)")
    metric = emb.EmbeddingMSEMert(model=local)
    frames = metric.embed(tone(24000, 3.0))
    assert frames.shape[1] == 768 and abs(frames.shape[0] - 225) <= 1  # 75 frames/s
    assert metric.score(batch([tone(24000, 3.0)], [tone(24000, 3.0)], 24000))[0] == 0.0


def test_real_clap():
    local = cached_hub_dir("laion/clap-htsat-unfused")
    if local is None:
        pytest.skip("laion/clap-htsat-unfused is not in the local Hugging Face cache "
                    "(no download in tests)")
    metric = emb.EmbeddingMSEClap(model=local)
    assert metric.embed(tone(48000, 3.0)).shape == (3, 512)


def test_real_music2latent():
    m2l = pytest.importorskip("music2latent")
    weights = Path(m2l.__file__).parent / "models" / "music2latent.pt"
    if not weights.exists():
        pytest.skip(f"{weights} is absent (EncoderDecoder() would download it; not in tests)")
    metric = emb.EmbeddingMSEMusic2Latent(checkpoint=str(weights))
    assert metric.embed(tone(44100, 3.0)).shape[1] == 64
