"""CLIP similarities (Radford et al., ICML 2021) through transformers ``CLIPModel``.

Features are the projected embeddings (``get_image_features`` / ``get_text_features``: the
pooled output through ``visual_projection`` / ``text_projection``), L2-normalised; ``cos`` is
their dot product.

- ``clip_t``: ``cos(image, text)``, in [-1, 1] (the CLIP-T of personalisation papers).
- ``clipscore`` (Hessel, Holtzman, Forbes, Le Bras, Choi, EMNLP 2021): ``w * max(cos(image,
  "A photo depicts " + text), 0)``, w = 2.5, in [0, 2.5]. The prefix is what the reference
  implementation (github.com/jmhessel/clipscore, ``CLIPCapDataset``) prepends, with a space
  added when it does not end with one.
- ``refclipscore``: the harmonic mean of CLIPScore and ``max(max_r cos(text, r), 0)`` over the
  item's reference captions r (Hessel et al. 2021, eq. 2: the text-text term has no w). As the
  reference implementation, the references get the same prefix as the candidate. 0 when both
  terms are 0. (The released script omits the max(., 0) on the text-text term; it matters only
  when every reference has a negative cosine with the candidate.)
- ``clip_i``: ``cos(image, reference_image)``, in [-1, 1]; with several reference images, the
  mean over them (as CLIP-I of DreamBooth, Ruiz et al., CVPR 2023, averages over real images).

Default model ``openai/clip-vit-base-patch32`` (ViT-B/32, the CLIPScore paper's). The reference
CLIPScore script runs the OpenAI ``clip`` package in float16 on CUDA; its preprocessing (bicubic
resize of the short side, centre crop, CLIP mean/std) is what ``CLIPImageProcessor`` does, up to
resampling details. Texts are truncated at the model's context length (77), as
``clip.tokenize(truncate=True)``. open_clip checkpoints are not supported (only transformers
CLIP models, by hub name or local folder).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metaeval.errors import DataError
from metaeval.metrics.base import Batch, option
from metaeval.metrics.image.images import as_rgb, caption
from metaeval.metrics.image.pretrained import (
    PretrainedImageConfig,
    PretrainedImageMetric,
    as_scores,
    with_prefix,
)
from metaeval.metrics.valid import greater_than

CLIP_2021 = ("A. Radford, J. W. Kim, C. Hallacy et al., Learning Transferable Visual Models From "
             "Natural Language Supervision, ICML 2021.")
CLIPSCORE_2021 = ("J. Hessel, A. Holtzman, M. Forbes, R. Le Bras, Y. Choi, CLIPScore: A "
                  "Reference-free Evaluation Metric for Image Captioning, EMNLP 2021.")
DREAMBOOTH_2023 = ("N. Ruiz, Y. Li, V. Jampani, Y. Pritch, M. Rubinstein, K. Aberman, DreamBooth: "
                   "Fine Tuning Text-to-Image Diffusion Models for Subject-Driven Generation, "
                   "CVPR 2023.")
CLIP_VIT_B32 = "openai/clip-vit-base-patch32"
CLIPSCORE_PREFIX = "A photo depicts"


@dataclass(frozen=True)
class CLIPConfig(PretrainedImageConfig):
    model: str = option(CLIP_VIT_B32, "transformers CLIP model: hub name or local folder")


@dataclass(frozen=True)
class CLIPTextConfig(CLIPConfig):
    prefix: str = option("", "text put before each caption (and reference), one space between")


@dataclass(frozen=True)
class CLIPScoreConfig(CLIPConfig):
    prefix: str = option(CLIPSCORE_PREFIX, "text put before each caption (and reference), one "
                                           "space between (reference implementation's)")
    w: float = option(2.5, "weight w of w * max(cos, 0)", greater_than(0))


def _unit(features):
    return features / features.norm(dim=-1, keepdim=True)


def _pooled(output):
    """transformers 4 returns the projected features, 5 an output with them as pooler_output."""
    return output if hasattr(output, "norm") else output.pooler_output


class _CLIPFeatures(PretrainedImageMetric):
    """Normalised CLIP image and text features of a batch's inputs."""

    model_class = "CLIPModel"
    Config = CLIPConfig

    def image_features(self, images: list):
        import torch

        processor, model = self.loaded()
        pixels = processor.image_processor(images=images, return_tensors="pt")
        with torch.inference_mode():
            return _unit(_pooled(model.get_image_features(**self.to_device(pixels))).double())

    def text_features(self, texts: list[str]):
        import torch

        processor, model = self.loaded()
        tokens = processor.tokenizer(texts, padding=True, truncation=True, return_tensors="pt",
                                     max_length=model.config.text_config.max_position_embeddings)
        with torch.inference_mode():
            return _unit(_pooled(model.get_text_features(**self.to_device(tokens))).double())

    def image_text_cosine(self, batch: Batch):
        prefix = getattr(self.config, "prefix", "")
        images, texts = self.images(batch), self.texts(batch, "text", prefix)
        return (self.image_features(images) * self.text_features(texts)).sum(dim=-1)


class CLIPT(_CLIPFeatures):
    """CLIP-T: cosine of the CLIP image and text features."""

    name = "clip_t"
    inputs = ("image", "text")
    citation = CLIP_2021
    description = ("CLIP-T: cosine of CLIP's projected, normalised image and text features "
                   "(transformers CLIPModel, default openai/clip-vit-base-patch32), in [-1, 1].")
    Config = CLIPTextConfig

    def score(self, batch: Batch) -> np.ndarray:
        return as_scores(self.image_text_cosine(batch))


class CLIPScore(_CLIPFeatures):
    """CLIPScore: w * max(cos(image, prefix + caption), 0)."""

    name = "clipscore"
    inputs = ("image", "text")
    citation = CLIPSCORE_2021
    description = ("CLIPScore (Hessel et al. 2021): 2.5 * max(cos(image, 'A photo depicts ' + "
                   "caption), 0) with CLIP ViT-B/32 features, in [0, 2.5].")
    Config = CLIPScoreConfig

    def score(self, batch: Batch) -> np.ndarray:
        return as_scores(self.config.w * self.image_text_cosine(batch).clamp(min=0))


class RefCLIPScore(_CLIPFeatures):
    """RefCLIPScore: harmonic mean of CLIPScore and max(max_r cos(caption, r), 0)."""

    name = "refclipscore"
    inputs = ("image", "text", "references")
    citation = CLIPSCORE_2021
    description = ("RefCLIPScore (Hessel et al. 2021): harmonic mean of CLIPScore and "
                   "max(max over references of cos(caption, reference), 0), CLIP ViT-B/32, "
                   "prefix 'A photo depicts' on captions and references.")
    Config = CLIPScoreConfig

    def reference_cosine(self, batch: Batch):
        """max(max over each item's references of cos(caption, reference), 0)."""
        import torch

        c = self.config
        groups = [self._each(batch, i, _references, "references") for i in range(len(batch))]
        flat = [with_prefix(c.prefix, r) for refs in groups for r in refs]
        candidates = self.text_features(self.texts(batch, "text", c.prefix))
        references = self.text_features(flat)
        owner = torch.tensor([i for i, refs in enumerate(groups) for _ in refs])
        cosines = (references * candidates[owner]).sum(dim=-1)
        best = torch.stack([cosines[owner == i].max() for i in range(len(batch))])
        return best.clamp(min=0)

    def score(self, batch: Batch) -> np.ndarray:
        c = self.config
        clip_s = c.w * self.image_text_cosine(batch).clamp(min=0)
        ref = self.reference_cosine(batch)
        total = clip_s + ref
        harmonic = 2 * clip_s * ref / total.where(total > 0, total.new_ones(()))
        return as_scores(harmonic)


class CLIPI(_CLIPFeatures):
    """CLIP-I: cosine of the CLIP features of the image and its reference image(s)."""

    name = "clip_i"
    inputs = ("image", "reference_image")
    citation = f"{CLIP_2021} CLIP-I: {DREAMBOOTH_2023}"
    description = ("CLIP-I: cosine of CLIP's projected, normalised image features of the image "
                   "and its reference image (mean over several), in [-1, 1].")

    def score(self, batch: Batch) -> np.ndarray:
        import torch

        c = self.config
        groups = [self._each(batch, i, lambda v: [as_rgb(x, c.max_pixels, "reference_image")
                                                  for x in _image_list(v)], "reference_image")
                  for i in range(len(batch))]
        flat = [image for refs in groups for image in refs]
        owner = torch.tensor([i for i, refs in enumerate(groups) for _ in refs])
        images = self.image_features(self.images(batch))
        cosines = (self.image_features(flat) * images[owner]).sum(dim=-1)
        return as_scores(torch.stack([cosines[owner == i].mean() for i in range(len(batch))]))


def _references(value) -> list[str]:
    refs = [value] if isinstance(value, str) else [] if value is None else list(value)
    if not refs:
        raise DataError("no reference caption given. Fix: fill the reference column(s).")
    return [caption(r, "references") for r in refs]


def _image_list(value) -> list:
    refs = list(value) if isinstance(value, (list, tuple)) else [value]
    if not refs:
        raise DataError("no reference image given. Fix: fill the reference_image column.")
    return refs

