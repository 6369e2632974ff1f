"""BLIP image-text similarity: ClassDiffusion's "BLIP2-T" (which is BLIP v1 ITC) and the real
BLIP-2 retrieval heads (ITC and ITM).

- ``blip2t`` (Huang et al., ClassDiffusion, ICLR 2025; github.com/Rbrq03/ClassDiffusion): despite
  its name, BLIP **v1** ``Salesforce/blip-itm-large-coco`` (``BlipForImageTextRetrieval``) with
  ``use_itm_head=False``, i.e. the image-text contrastive (ITC) head of Li et al., ICML 2022::

      s = <v / ||v||, t / ||t||>,  v = vision_proj(ViT CLS),  t = text_proj(text encoder CLS)

  in [-1, 1]; no x100, no clipping. Their script runs it in float16 on CUDA (``fp16=true``).
- ``blip2_itc`` (Li, Li, Savarese, Hoi, ICML 2023): ``Blip2ForImageTextRetrieval``
  (``Salesforce/blip2-itm-vit-g``) with ``use_image_text_matching_head=False``: the maximum over
  the 32 Q-Former query outputs of the cosine between the projected, normalised query and the
  projected, normalised text CLS, as the model outputs it; in [-1, 1].
- ``blip2_itm``: the same model's image-text matching head, softmax probability of class 1
  ("match") of the head's logits averaged over the query outputs; in [0, 1].

Each (image, text) pair of a batch is scored by one forward pass of the whole batch through the
model's own ``forward`` (the diagonal of its image x text similarity matrix for ITC). Texts are
tokenised by the model's processor with truncation at its tokenizer's ``model_max_length``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metaeval.metrics.base import Batch, option
from metaeval.metrics.image.pretrained import (
    PretrainedImageConfig,
    PretrainedImageMetric,
    as_scores,
)

CLASSDIFFUSION_2025 = ("J. Huang et al., ClassDiffusion: More Aligned Personalization Tuning "
                       "with Explicit Class Guidance, ICLR 2025.")
BLIP_2022 = ("J. Li, D. Li, C. Xiong, S. Hoi, BLIP: Bootstrapping Language-Image Pre-training for "
             "Unified Vision-Language Understanding and Generation, ICML 2022.")
BLIP2_2023 = ("J. Li, D. Li, S. Savarese, S. Hoi, BLIP-2: Bootstrapping Language-Image "
              "Pre-training with Frozen Image Encoders and Large Language Models, ICML 2023.")
BLIP_ITM_LARGE_COCO = "Salesforce/blip-itm-large-coco"
BLIP2_ITM_VIT_G = "Salesforce/blip2-itm-vit-g"


@dataclass(frozen=True)
class BLIP2TConfig(PretrainedImageConfig):
    model: str = option(BLIP_ITM_LARGE_COCO, "BLIP v1 retrieval model: hub name or local folder")


@dataclass(frozen=True)
class BLIP2Config(PretrainedImageConfig):
    model: str = option(BLIP2_ITM_VIT_G, "BLIP-2 retrieval model: hub name or local folder")


class _BlipPairs(PretrainedImageMetric):
    """(image, text) pairs through a BLIP retrieval model's processor and forward pass."""

    inputs = ("image", "text")

    def encode(self, batch: Batch) -> dict:
        processor, _ = self.loaded()
        encoding = processor(images=self.images(batch), text=self.texts(batch),
                             return_tensors="pt", padding=True, truncation=True)
        return self.to_device(encoding)

    def forward(self, batch: Batch, **flags):
        import torch

        processor, model = self.loaded()
        with torch.inference_mode():
            return model(**self.encode(batch), **flags)


class BLIP2T(_BlipPairs):
    """ClassDiffusion's BLIP2-T: BLIP v1 ITC cosine of projected, normalised CLS features."""

    name = "blip2t"
    citation = f"{CLASSDIFFUSION_2025} Model: {BLIP_2022}"
    description = ("ClassDiffusion's 'BLIP2-T', which is BLIP v1 ITC despite its name: cosine "
                   "of the L2-normalised vision_proj(image CLS) and text_proj(text CLS) of "
                   "BlipForImageTextRetrieval (Salesforce/blip-itm-large-coco, "
                   "use_itm_head=False), in [-1, 1], no x100, no clipping; fp16=true on CUDA as "
                   "their script.")
    model_class = "BlipForImageTextRetrieval"
    Config = BLIP2TConfig

    def score(self, batch: Batch) -> np.ndarray:
        similarity = self.forward(batch, use_itm_head=False).itm_score  # images x texts
        return as_scores(similarity.diagonal())


class BLIP2ITC(_BlipPairs):
    """BLIP-2 ITC: max over query tokens of the image-text cosine (as the model outputs it)."""

    name = "blip2_itc"
    citation = BLIP2_2023
    description = ("BLIP-2 image-text contrastive score (Blip2ForImageTextRetrieval, "
                   "Salesforce/blip2-itm-vit-g): max over the Q-Former query outputs of the "
                   "cosine with the text CLS, in [-1, 1].")
    model_class = "Blip2ForImageTextRetrieval"
    Config = BLIP2Config

    def score(self, batch: Batch) -> np.ndarray:
        similarity = self.forward(batch, use_image_text_matching_head=False).logits_per_image
        return as_scores(similarity.diagonal())


class BLIP2ITM(_BlipPairs):
    """BLIP-2 ITM: softmax probability that the image and the text match."""

    name = "blip2_itm"
    citation = BLIP2_2023
    description = ("BLIP-2 image-text matching probability (Blip2ForImageTextRetrieval, "
                   "Salesforce/blip2-itm-vit-g): softmax of the ITM head's logits (averaged "
                   "over query outputs), class 1 'match', in [0, 1].")
    model_class = "Blip2ForImageTextRetrieval"
    Config = BLIP2Config

    def score(self, batch: Batch) -> np.ndarray:
        import torch

        logits = self.forward(batch, use_image_text_matching_head=True).logits_per_image
        return as_scores(torch.softmax(logits.float(), dim=-1)[:, 1])
