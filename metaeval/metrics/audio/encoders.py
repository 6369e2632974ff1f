"""Audio encoders that turn a mono waveform into frame embeddings ``[T, D]``.

The three encoders of the GSVS study (Bereuter et al., WASPAA 2025; their fadtk-based pipeline,
github.com/pablebe/gensvs_eval ``01_evaluation_and_correlation``):

- `MertEncoder`: MERT-v1-95M (Li et al., ICLR 2024; ``m-a-p/MERT-v1-95M``) at 24 kHz. The waveform
  is normalised by the model's ``Wav2Vec2FeatureExtractor`` (zero mean, unit variance when the
  checkpoint's ``do_normalize`` is set, as in MERT-v1-95M), the model is run with
  ``output_hidden_states=True``, the 13 hidden states are stacked ``[13, T, 768]`` and one layer is
  kept (default 12, the last transformer layer; 0 is the CNN feature projection). 75 frames/s.
- `Music2LatentEncoder`: Music2Latent (Pasini et al., ISMIR 2024; package ``music2latent``) at
  44.1 kHz: ``EncoderDecoder().encode(audio)`` gives latents ``[1, 64, T]``, returned as ``[T, 64]``.
- `ClapEncoder`: LAION CLAP (Wu et al., ICASSP 2023) through transformers ``ClapModel`` at 48 kHz.
  As fadtk's ``CLAPLaionModel``: the waveform is quantised to int16 and back, cut into 10 s
  windows starting every 1 s up to the end of the signal (each window zero-padded to 10 s) and
  each window gives one L2-normalised 512-d audio embedding, so ``T = ceil(len / hop)``.

Every encoder loads its model lazily on first use, by hub name or local directory / file (what
``from_pretrained`` accepts), on the chosen device. Models may also be injected (tests, reuse).
torch and transformers are imported inside the methods: importing this module is cheap.
"""

from __future__ import annotations

import hashlib
import math
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from typing import Any

import numpy as np

from metaeval.errors import MetricError

MERT_DEFAULT = "m-a-p/MERT-v1-95M"
CLAP_DEFAULT = "laion/clap-htsat-unfused"


def _as_mono(audio: Any, encoder: str) -> np.ndarray:
    array = np.asarray(audio, dtype=np.float32)
    if array.ndim != 1:
        raise MetricError(f"{encoder} encoder expects a mono 1-D waveform, got shape {array.shape}. "
                          "Fix: average the channels before scoring (the score runner does this).")
    if array.size == 0:
        raise MetricError(f"{encoder} encoder got an empty waveform.")
    if not np.all(np.isfinite(array)):
        raise MetricError(f"{encoder} encoder got a waveform with NaN or infinite samples.")
    return array


class FrameEncoder(ABC):
    """A lazily loaded audio encoder: ``embed(waveform) -> [T, D]`` float32 frame embeddings.

    The last ``cache_size`` results are kept, keyed by a hash of the waveform, so a reference
    shared by several systems, or scored by both ``emb_mse`` and ``fad``, is embedded once.
    """

    name: str = ""
    sample_rate: int = 0
    cache_size: int = 32

    def __init__(self, device: str = "cpu"):
        self.device = device
        self._lock = threading.Lock()
        self._loaded = False
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def _use_injected(self, module: Any, feature_extractor: Any) -> None:
        """Keep a model/preprocessor passed in by the caller (tests, custom checkpoints);
        with both given, nothing is loaded by name."""
        self.module = module
        self.feature_extractor = feature_extractor
        if module is not None and feature_extractor is not None:
            self.module.to(self.device).eval()
            self._loaded = True

    def _ensure_loaded(self) -> None:
        with self._lock:
            if not self._loaded:
                self._load()
                self._loaded = True

    @abstractmethod
    def _load(self) -> None:
        """Load the model (and its preprocessor) onto ``self.device``."""

    @abstractmethod
    def _embed(self, audio: np.ndarray) -> np.ndarray:
        """Frame embeddings of a validated mono float32 waveform at ``sample_rate``."""

    def embed(self, audio: Any) -> np.ndarray:
        """Frame embeddings ``[T, D]`` (float32) of a mono waveform at :attr:`sample_rate`."""
        audio = _as_mono(audio, self.name)
        key = hashlib.blake2b(audio.tobytes(), digest_size=16).hexdigest()
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key].copy()
        self._ensure_loaded()
        out = np.asarray(self._embed(audio), dtype=np.float32)
        if out.ndim != 2 or out.shape[0] == 0:
            raise MetricError(f"{self.name} encoder returned embeddings of shape {out.shape}; "
                              "expected [frames, dims] with at least one frame.")
        with self._lock:
            self._cache[key] = out
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return out.copy()


def _pooled(output: Any):
    """transformers 5 returns a model output from ``get_audio_features``; 4.x a tensor."""
    return output.pooler_output if hasattr(output, "pooler_output") else output


class MertEncoder(FrameEncoder):
    """MERT hidden states of one layer, ``[T, 768]`` at 75 frames/s (24 kHz input)."""

    name = "mert"
    sample_rate = 24000

    def __init__(self, model: str = MERT_DEFAULT, layer: int = 12, device: str = "cpu", *,
                 module: Any = None, feature_extractor: Any = None):
        super().__init__(device)
        self.model_name = model
        self.layer = int(layer)
        self._use_injected(module, feature_extractor)

    def _load(self) -> None:
        from transformers import AutoModel, Wav2Vec2FeatureExtractor

        try:
            if self.feature_extractor is None:
                self.feature_extractor = Wav2Vec2FeatureExtractor.from_pretrained(
                    self.model_name, trust_remote_code=True)
            if self.module is None:
                self.module = AutoModel.from_pretrained(self.model_name, trust_remote_code=True)
        except OSError as error:
            raise MetricError(f"could not load the MERT model {self.model_name!r}: {error}. Fix: "
                              "pass a local directory with the checkpoint (model=...), or allow "
                              "the Hugging Face hub download once.") from error
        self.module.to(self.device).eval()

    def _embed(self, audio: np.ndarray) -> np.ndarray:
        import torch

        inputs = self.feature_extractor(audio, sampling_rate=self.sample_rate, return_tensors="pt")
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        with torch.no_grad():
            output = self.module(**inputs, output_hidden_states=True)
        hidden = torch.stack(output.hidden_states)[:, 0]  # [layers + 1, T, D]
        if not -hidden.shape[0] <= self.layer < hidden.shape[0]:
            raise MetricError(f"MERT layer {self.layer} does not exist: the model has "
                              f"{hidden.shape[0]} hidden states (0 = CNN projection). "
                              f"Fix: choose a layer in 0..{hidden.shape[0] - 1}.")
        return hidden[self.layer].float().cpu().numpy()


class Music2LatentEncoder(FrameEncoder):
    """Music2Latent latents ``[T, 64]`` (about 10.8 frames/s at 44.1 kHz).

    ``checkpoint=""`` uses the package's default weights file (``music2latent/models/
    music2latent.pt``; ``EncoderDecoder()`` downloads it from the hub on first use); a path loads
    that checkpoint without any download. Inputs shorter than 4 hops (2,048 samples) are refused.
    """

    name = "music2latent"
    sample_rate = 44100
    MIN_SAMPLES = 4 * 512

    def __init__(self, checkpoint: str = "", device: str = "cpu", *, codec: Any = None):
        super().__init__(device)
        self.checkpoint = checkpoint
        self.codec = codec
        if codec is not None:
            self._loaded = True

    def _load(self) -> None:
        import torch
        from music2latent import EncoderDecoder

        if not self.checkpoint:
            self.codec = EncoderDecoder(device=torch.device(self.device))
            return
        from music2latent.models import UNet

        try:
            state = torch.load(self.checkpoint, map_location=self.device, weights_only=False)
        except (OSError, RuntimeError) as error:
            raise MetricError(f"could not read the Music2Latent checkpoint {self.checkpoint!r}: "
                              f"{error}. Fix: pass the path of music2latent.pt.") from error
        weights = state.get("gen_state_dict") if isinstance(state, dict) else None
        if weights is None:
            raise MetricError(f"{self.checkpoint}: not a Music2Latent checkpoint (no "
                              "'gen_state_dict'). Fix: pass the path of music2latent.pt.")
        gen = UNet()
        missing = [k for k in gen.state_dict() if k.startswith("encoder.") and k not in weights]
        if missing:
            raise MetricError(f"{self.checkpoint}: the checkpoint lacks {len(missing)} encoder "
                              f"weights (e.g. {missing[0]}). Fix: pass the path of music2latent.pt.")
        gen.load_state_dict(weights, strict=False)  # as EncoderDecoder.get_models does
        codec = EncoderDecoder.__new__(EncoderDecoder)  # skips the download in __init__
        codec.device = torch.device(self.device)
        codec.load_path_inference = self.checkpoint
        codec.gen = gen.to(self.device)
        self.codec = codec

    def _embed(self, audio: np.ndarray) -> np.ndarray:
        import warnings

        if audio.size < self.MIN_SAMPLES:
            raise MetricError(f"music2latent needs at least {self.MIN_SAMPLES} samples at 44.1 kHz, "
                              f"got {audio.size}.")
        with warnings.catch_warnings():  # its autocast(device_type="cuda") warns on CPU
            warnings.simplefilter("ignore", UserWarning)
            latents = self.codec.encode(audio)  # [1, 64, T]
        latents = latents.detach().float().cpu().numpy() if hasattr(latents, "detach") else latents
        return np.asarray(latents)[0].T


class ClapEncoder(FrameEncoder):
    """LAION CLAP window embeddings ``[ceil(len / hop), 512]`` (48 kHz, 10 s windows, 1 s hop)."""

    name = "clap"
    sample_rate = 48000
    WINDOWS_PER_PASS = 8

    def __init__(self, model: str = CLAP_DEFAULT, window_s: float = 10.0, hop_s: float = 1.0,
                 quantize_int16: bool = True, device: str = "cpu", *, module: Any = None,
                 feature_extractor: Any = None):
        super().__init__(device)
        if window_s <= 0 or hop_s <= 0:
            raise MetricError(f"CLAP window and hop must be positive, got {window_s} s and {hop_s} s.")
        self.model_name = model
        self.window = int(round(window_s * self.sample_rate))
        self.hop = int(round(hop_s * self.sample_rate))
        self.quantize_int16 = quantize_int16
        self._use_injected(module, feature_extractor)

    def _load(self) -> None:
        from transformers import ClapFeatureExtractor, ClapModel

        try:
            if self.feature_extractor is None:
                self.feature_extractor = ClapFeatureExtractor.from_pretrained(self.model_name)
            if self.module is None:
                self.module = ClapModel.from_pretrained(self.model_name)
        except OSError as error:
            raise MetricError(f"could not load the CLAP model {self.model_name!r}: {error}. Fix: "
                              "pass a local directory with the checkpoint (model=...), or allow "
                              "the Hugging Face hub download once.") from error
        self.module.to(self.device).eval()

    def windows(self, audio: np.ndarray) -> np.ndarray:
        """``[n, window]``: windows starting every hop up to the end, zero-padded (fadtk)."""
        if self.quantize_int16:  # fadtk: float32 -> int16 -> float32 (clip, *32767, truncate)
            audio = (np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16) / np.float32(32767.0)
        count = math.ceil(audio.size / self.hop)
        padded = np.zeros((count - 1) * self.hop + self.window, dtype=np.float32)
        padded[:audio.size] = audio
        starts = np.arange(count) * self.hop
        return np.stack([padded[s:s + self.window] for s in starts])

    def _embed(self, audio: np.ndarray) -> np.ndarray:
        import torch

        fusion = bool(getattr(self.module.config.audio_config, "enable_fusion", False))
        chunks = []
        windows = self.windows(audio)
        for start in range(0, len(windows), self.WINDOWS_PER_PASS):
            batch = list(windows[start:start + self.WINDOWS_PER_PASS])
            inputs = self.feature_extractor(batch, sampling_rate=self.sample_rate,
                                            return_tensors="pt",
                                            truncation="fusion" if fusion else "rand_trunc")
            inputs = {k: v.to(self.device) for k, v in inputs.items()}
            with torch.no_grad():
                features = _pooled(self.module.get_audio_features(**inputs))
            chunks.append(features.float().cpu().numpy())
        return np.concatenate(chunks)


_SHARED: dict[tuple, FrameEncoder] = {}
_SHARED_LOCK = threading.Lock()

ENCODERS: dict[str, type[FrameEncoder]] = {
    "mert": MertEncoder, "music2latent": Music2LatentEncoder, "clap": ClapEncoder,
}


def shared_encoder(kind: str, device: str = "cpu", **settings: Any) -> FrameEncoder:
    """One encoder per (kind, settings, device) per process, so that ``emb_mse_*`` and
    ``fad_song2song_*`` on the same encoder load the model once."""
    if kind not in ENCODERS:
        raise MetricError(f"unknown encoder {kind!r}. Fix: choose from {', '.join(ENCODERS)}.")
    key = (kind, device, tuple(sorted(settings.items())))
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = ENCODERS[kind](device=device, **settings)
        return _SHARED[key]
