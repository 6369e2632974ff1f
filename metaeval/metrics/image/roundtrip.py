"""Image-to-text-to-image round trip (Huang et al. 2024): a reference-free caption score.

    caption = captioner(x);  x' = generator(caption, seed);  score = cos(f(x), f(x'))

``x`` is the item's image, the captioner any transformers image-to-text model
(``AutoModelForImageTextToText``: BLIP, VisionEncoderDecoder, GIT, ...; greedy, at most
``max_new_tokens`` tokens) or, with ``caption_from=text``, the caption the row gives (the system
output under test). The generator is a diffusers text-to-image pipeline (``DiffusionPipeline``:
``steps`` denoising steps, classifier-free ``guidance``, a ``resolution`` x ``resolution`` image,
the initial noise drawn per item from ``torch.Generator('cpu').manual_seed(seed)``, so a seed
gives the same image on every run and device). ``f`` is the image feature of ``extractor``: the
projected CLIP image embedding (``visual_projection`` of the vision tower's pooled output, as
``CLIPVisionModelWithProjection.image_embeds``) or the DINOv2 CLS token
(``Dinov2Model.pooler_output``). The score is in [-1, 1], higher is better.

Models load by hub name or local folder, from the local Hugging Face cache only (nothing is
downloaded). The caption and the generated image are kept under
``<artifacts_dir>/i2t2i/<generation hash>/<image hash>.txt|.png`` (the generation hash covers
every field but ``extractor`` and ``artifacts_dir``), so reports can show them and a rerun, or a
run with another extractor, reuses them instead of generating again. Every field except
``artifacts_dir`` is part of the config signature.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from metaeval.errors import (
    DataError,
    MetaevalError,
    MetricError,
    MetricOptionError,
    ModelUnavailable,
)
from metaeval.io import write_atomic
from metaeval.metrics.base import Batch, Metric, MetricConfig, config_hash, option
from metaeval.metrics.image.images import as_rgb
from metaeval.metrics.image.roundtrip_models import Captioner, FeatureExtractor, TextToImage
from metaeval.metrics.valid import at_least, one_of

HUANG_2024 = ("J.-H. Huang, H. Zhu, Y. Shen, S. Rudinac, A. M. Sacchetti, E. Kanoulas, "
              "A Novel Evaluation Framework for Image2Text Generation, LLM4Eval @ SIGIR 2024, "
              "arXiv:2408.01723; Image2Text2Image, arXiv:2411.05706.")
DTYPES = ("float32", "float16", "bfloat16")
CAPTION_SOURCES = ("captioner", "text")
NOT_IN_SIGNATURE = ("artifacts_dir",)  # where files go changes no number
NOT_IN_GENERATION = NOT_IN_SIGNATURE + ("extractor",)


@dataclass(frozen=True)
class RoundTripConfig(MetricConfig):
    captioner: str = option("Salesforce/blip-image-captioning-base",
                            "image-to-text model (hub name or local folder)")
    max_new_tokens: int = option(30, "most caption tokens the captioner generates (greedy)",
                                 at_least(1))
    caption_from: str = option("captioner", "captioner, or text: the row's text input is the "
                                            "caption under test", one_of(*CAPTION_SOURCES))
    generator: str = option("stable-diffusion-v1-5/stable-diffusion-v1-5",
                            "diffusers text-to-image pipeline (hub name or local folder)")
    steps: int = option(50, "denoising steps", at_least(1))
    guidance: float = option(7.5, "classifier-free guidance scale (<= 1: none)", at_least(0))
    resolution: int = option(512, "height and width of the generated image (multiple of 8)",
                             at_least(8))
    seed: int = option(0, "seed of the initial noise, the same for every item", at_least(0))
    extractor: str = option("openai/clip-vit-base-patch32",
                            "image features: a CLIP (image_embeds) or DINOv2 (CLS) model")
    dtype: str = option("float32", "float32, float16 or bfloat16 for all three models",
                        one_of(*DTYPES))
    artifacts_dir: str = option(".cache/metaeval-artifacts",
                                "folder of the kept captions and images (not in the signature)")


def _load_rgb(value, where: str):
    """An RGB PIL image from a path or a PIL image (the one image loader,
    :func:`metaeval.metrics.image.images.as_rgb`) or from an H x W (x 3) array."""
    from PIL import Image

    if isinstance(value, np.ndarray):
        array = value if value.dtype == np.uint8 else np.clip(value * 255 + 0.5, 0, 255)
        return Image.fromarray(array.astype(np.uint8)).convert("RGB")
    try:
        return as_rgb(value)
    except DataError as error:
        raise MetricError(f"cannot read the image of {where}: {error}") from error


def pixel_hash(image, caption: str | None = None) -> str:
    """Hash of the decoded RGB pixels (and of a given caption): the file stem of an item."""
    digest = hashlib.sha256(f"{image.width}x{image.height}".encode())
    digest.update(image.tobytes())
    if caption is not None:
        digest.update(b"\0caption\0" + caption.encode("utf-8"))
    return digest.hexdigest()[:20]


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine a.b / (|a| |b|) in float64."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


class ImageRoundTrip(Metric):
    """Cosine of image features of the image and of its caption's regeneration."""

    name = "i2t2i_roundtrip"
    backends = ("numpy", "torch", "transformers", "diffusers", "pillow")
    domain = "image"
    inputs = ("image",)
    optional_inputs = ("text",)
    citation = HUANG_2024
    description = ("Image -> caption -> text-to-image -> cosine of CLIP/DINOv2 image features "
                   "with the original (reference-free caption score).")
    Config = RoundTripConfig

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        c = self.config
        if c.resolution % 8:
            raise MetricOptionError(f"metric 'i2t2i_roundtrip', option resolution="
                                    f"{c.resolution}: must be a multiple of 8. Fix: e.g. "
                                    "resolution=512.")
        self.captioner = Captioner(c.captioner, self.device, c.dtype, c.max_new_tokens)
        self.generator = TextToImage(c.generator, self.device, c.dtype, c.steps, c.guidance,
                                     c.resolution, c.seed)
        self.extractor = FeatureExtractor(c.extractor, self.device, c.dtype)

    def _fields(self, excluded) -> dict:
        return {k: v for k, v in asdict(self.config).items() if k not in excluded}

    def signature_fields(self) -> dict:
        return {**self._fields(NOT_IN_SIGNATURE), "backend_versions": self.backend_versions()}

    @cached_property
    def artifacts(self) -> Path:
        """``<artifacts_dir>/i2t2i/<generation hash>``, with the fields that made its files."""
        fields = {**self._fields(NOT_IN_GENERATION), "backend_versions": self.backend_versions()}
        folder = Path(self.config.artifacts_dir).expanduser() / "i2t2i" / config_hash(fields)
        if not (folder / "config.json").exists():
            write_atomic(folder / "config.json", json.dumps(fields, indent=1, sort_keys=True))
        return folder

    def _prepare(self, batch: Batch, position: int) -> tuple:
        """(image, file stem, given caption or None) of one item."""
        where = f"item {batch.ids[position]!r}"
        image = _load_rgb(batch["image"][position], where)
        given = None
        if self.config.caption_from == "text":
            texts = batch.inputs.get("text") or [None] * len(batch)
            given = texts[position]
            if not isinstance(given, str):
                raise MetricError(f"{where}: caption_from=text but the row gives no text "
                                  "(caption). Fix: add a text column, or caption_from=captioner.")
        return image, pixel_hash(image, given), given

    def _captions(self, ready: dict) -> dict[int, str]:
        """The caption of every ready item: given, kept, or generated (batched) and kept."""
        captions, todo = {}, []
        for position, (_, stem, given) in ready.items():
            kept = self.artifacts / f"{stem}.txt"
            if given is not None:
                captions[position] = given
            elif kept.exists():
                captions[position] = kept.read_text(encoding="utf-8")
            else:
                todo.append(position)
        if todo:
            new = self.captioner.caption([ready[p][0] for p in todo])
            captions.update(zip(todo, new))
        for position, (_, stem, _) in ready.items():
            kept = self.artifacts / f"{stem}.txt"
            if not kept.exists():
                write_atomic(kept, captions[position])
        return captions

    def _regenerated(self, stem: str, caption: str):
        """The kept generated image of ``stem``, generated and kept first when absent."""
        kept = self.artifacts / f"{stem}.png"
        if not kept.exists():
            image = self.generator.generate(caption)
            if image is None:
                raise MetricError("the generator's safety checker blanked the image of this "
                                  "caption (no defined score)")
            write_atomic(kept, lambda tmp: image.save(tmp, format="PNG"))
        return _load_rgb(kept, f"generated image {kept}")

    def score_with_details(self, batch: Batch) -> tuple[np.ndarray, list]:
        values, details = np.full(len(batch), np.nan), [None] * len(batch)
        ready = {}
        for position in range(len(batch)):
            try:
                ready[position] = self._prepare(batch, position)
            except MetaevalError as error:
                details[position] = {"error": str(error)}
        captions = self._captions(ready) if ready else {}
        pairs = {}
        for position, (image, stem, _) in ready.items():
            details[position] = {"caption": captions[position],
                                 "generated": str(self.artifacts / f"{stem}.png")}
            try:
                pairs[position] = (image, self._regenerated(stem, captions[position]))
            except ModelUnavailable:  # no item can be scored: the run stops
                raise
            except MetaevalError as error:
                details[position]["error"] = str(error)
        if pairs:
            originals = self.extractor.features([a for a, _ in pairs.values()])
            generated = self.extractor.features([b for _, b in pairs.values()])
            values[list(pairs)] = cosine_rows(originals, generated)
        return values, details

    def score(self, batch: Batch) -> np.ndarray:
        return self.score_with_details(batch)[0]
