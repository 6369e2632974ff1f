"""The three models of the i2t2i round trip (:mod:`metaeval.metrics.image.roundtrip`).

:class:`Captioner` (transformers ``AutoModelForImageTextToText``, greedy), :class:`TextToImage`
(a diffusers ``DiffusionPipeline``, the initial noise from ``torch.Generator('cpu')`` seeded per
image) and :class:`FeatureExtractor` (CLIP ``image_embeds`` or the DINOv2 CLS token). Each loads
by hub name or local folder on first use, once per process, name, device and dtype, with
``local_files_only`` (:mod:`metaeval.metrics.hub`): nothing is downloaded, and a model that is not
in the local Hugging Face cache is a `ModelUnavailable` at once.
"""

from __future__ import annotations

import threading
import warnings

import numpy as np

from metaeval.errors import MetricOptionError, ModelUnavailable
from metaeval.metrics.hub import LOCAL_ONLY, offline, unavailable

_MODELS: dict[tuple, object] = {}
_LOCK = threading.Lock()


def _shared(key: tuple, build):
    with _LOCK:
        if key not in _MODELS:
            with offline():  # local folders and the local cache only: no hub request
                _MODELS[key] = build()
        return _MODELS[key]


def _cannot_load(role: str, name: str, error: Exception) -> ModelUnavailable:
    return unavailable("i2t2i_roundtrip", name, error, option=role)


def _torch_dtype(name: str):
    import torch

    return getattr(torch, name)


class Captioner:
    """Greedy captions from a transformers image-to-text model."""

    def __init__(self, name: str, device: str, dtype: str, max_new_tokens: int):
        self.name, self.device, self.dtype, self.max_new_tokens = name, device, dtype, max_new_tokens

    def _build(self):
        from transformers import AutoImageProcessor, AutoModelForImageTextToText, AutoTokenizer

        try:
            processor = AutoImageProcessor.from_pretrained(self.name, **LOCAL_ONLY)
            tokenizer = AutoTokenizer.from_pretrained(self.name, **LOCAL_ONLY)
            model = AutoModelForImageTextToText.from_pretrained(
                self.name, dtype=_torch_dtype(self.dtype), **LOCAL_ONLY)
        except (OSError, ValueError, KeyError) as error:
            raise _cannot_load("captioner", self.name, error) from error
        return processor, tokenizer, model.to(self.device).eval()

    def caption(self, images: list) -> list[str]:
        import torch

        processor, tokenizer, model = _shared(("caption", self.name, self.device, self.dtype),
                                              self._build)
        pixels = processor(images=images, return_tensors="pt")["pixel_values"]
        with torch.no_grad():
            tokens = model.generate(pixel_values=pixels.to(self.device, _torch_dtype(self.dtype)),
                                    max_new_tokens=self.max_new_tokens, do_sample=False,
                                    num_beams=1)
        return [text.strip() for text in tokenizer.batch_decode(tokens, skip_special_tokens=True)]


class TextToImage:
    """One image per caption from a diffusers pipeline, the noise seeded per item on the CPU."""

    def __init__(self, name: str, device: str, dtype: str, steps: int, guidance: float,
                 resolution: int, seed: int):
        self.name, self.device, self.dtype = name, device, dtype
        self.steps, self.guidance, self.resolution, self.seed = steps, guidance, resolution, seed

    def _build(self):
        from diffusers import DiffusionPipeline

        try:
            with warnings.catch_warnings():  # torch_dtype: the keyword every diffusers >= 0.30 reads
                warnings.simplefilter("ignore", FutureWarning)
                pipeline = DiffusionPipeline.from_pretrained(
                    self.name, torch_dtype=_torch_dtype(self.dtype), **LOCAL_ONLY)
        except (OSError, ValueError, KeyError) as error:
            raise _cannot_load("generator", self.name, error) from error
        pipeline.set_progress_bar_config(disable=True)
        return pipeline.to(self.device)

    def generate(self, caption: str):
        """The generated PIL image; None when the pipeline's safety checker blanked it."""
        import torch

        pipeline = _shared(("generate", self.name, self.device, self.dtype), self._build)
        out = pipeline(prompt=caption, num_inference_steps=self.steps,
                       guidance_scale=self.guidance, height=self.resolution,
                       width=self.resolution, output_type="pil",
                       generator=torch.Generator("cpu").manual_seed(self.seed))
        flagged = getattr(out, "nsfw_content_detected", None)
        return None if flagged and flagged[0] else out.images[0]


class FeatureExtractor:
    """Image features: the projected CLIP image embedding, or the DINOv2 CLS token.

    A whole CLIP checkpoint (``clip``) loads as ``CLIPModel`` (its own ``projection_dim``) and
    gives ``visual_projection(vision_model(x).pooler_output)``; a vision tower alone
    (``clip_vision_model``) gives ``CLIPVisionModelWithProjection.image_embeds``, the same
    quantity; DINOv2 gives ``Dinov2Model.pooler_output`` (the layer-normed CLS token).
    """

    LOADERS = {"clip": "CLIPModel", "clip_vision_model": "CLIPVisionModelWithProjection",
               "dinov2": "Dinov2Model"}

    def __init__(self, name: str, device: str, dtype: str):
        self.name, self.device, self.dtype = name, device, dtype

    def _build(self):
        import transformers

        try:
            kind = transformers.AutoConfig.from_pretrained(self.name, **LOCAL_ONLY).model_type
            if kind not in self.LOADERS:
                raise MetricOptionError(f"i2t2i_roundtrip: extractor {self.name!r} is neither a "
                                        f"CLIP nor a DINOv2 model (model_type {kind!r}). Fix: "
                                        "give one, e.g. extractor=facebook/dinov2-base.")
            loader = getattr(transformers, self.LOADERS[kind])
            model = loader.from_pretrained(self.name, dtype=_torch_dtype(self.dtype), **LOCAL_ONLY)
            processor = transformers.AutoImageProcessor.from_pretrained(self.name, **LOCAL_ONLY)
        except (OSError, ValueError, KeyError) as error:
            raise _cannot_load("extractor", self.name, error) from error
        return kind, processor, model.to(self.device).eval()

    def features(self, images: list) -> np.ndarray:
        import torch

        kind, processor, model = _shared(("features", self.name, self.device, self.dtype),
                                         self._build)
        pixels = processor(images=images, return_tensors="pt")["pixel_values"]
        pixels = pixels.to(self.device, _torch_dtype(self.dtype))
        with torch.no_grad():
            if kind == "clip":
                chosen = model.visual_projection(model.vision_model(pixel_values=pixels)
                                                 .pooler_output)
            else:
                out = model(pixel_values=pixels)
                chosen = out.image_embeds if kind == "clip_vision_model" else out.pooler_output
        return chosen.float().cpu().numpy().astype(np.float64)
