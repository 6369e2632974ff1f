"""What the transformers-based image metrics share: config fields, device and precision, one
loaded (processor, model) per process and configuration, and the batch's inputs as images/texts.

``model`` is a local folder holding the model and its processor (what ``save_pretrained`` of
both writes) or a hub name in the local Hugging Face cache; it is loaded with the transformers
class the metric names and ``AutoProcessor``, never downloaded (:mod:`metaeval.metrics.hub`):
absent weights are a `ModelUnavailable` at once, which stops a scoring run. Device: ``cpu``, ``cuda[:N]``, or ``auto`` (cuda when available, else
cpu). ``fp16=true`` loads the weights in float16 and needs a CUDA device (on CPU it is refused:
float16 kernels there are slow and partly missing); scores are returned as float64.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from metaeval.errors import DataError, MetricError, MetricOptionError
from metaeval.metrics.base import Batch, Metric, MetricConfig, option
from metaeval.metrics.hub import LOCAL_ONLY, offline, unavailable
from metaeval.metrics.image.images import DEFAULT_MAX_PIXELS, as_rgb, caption
from metaeval.metrics.text import quiet_loading
from metaeval.metrics.valid import at_least

_MODELS: dict[tuple, tuple[Any, Any]] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class PretrainedImageConfig(MetricConfig):
    model: str = option("", "hub name or local folder (model + processor)")
    fp16: bool = option(False, "float16 weights and inputs (CUDA only)")
    max_pixels: int | None = option(DEFAULT_MAX_PIXELS, "largest image (width x height) read; "
                                                        "none: no limit", at_least(1))


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; a CUDA device must exist."""
    import torch

    device = str(device or "cpu")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise MetricOptionError(f"device {device!r}: torch sees no CUDA device. Fix: use "
                                "device cpu (or auto).")
    return device


def load_pretrained(model_class: str, model: str, device: str, fp16: bool, where: str):
    """The shared (processor, model) of this configuration, in eval mode on ``device``."""
    key = (model_class, model, device, fp16)
    with _LOCK:
        if key not in _MODELS:
            _MODELS[key] = _build(model_class, model, device, fp16, where)
        return _MODELS[key]


def _build(model_class: str, model: str, device: str, fp16: bool, where: str):
    import torch
    import transformers

    dtype = torch.float16 if fp16 else torch.float32
    try:
        with quiet_loading(), offline():
            processor = transformers.AutoProcessor.from_pretrained(model, **LOCAL_ONLY)
            network = getattr(transformers, model_class).from_pretrained(model, dtype=dtype,
                                                                         **LOCAL_ONLY)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise unavailable(where, model, error, what=model_class) from error
    return processor, network.to(device).eval()


class PretrainedImageMetric(Metric):
    """Base of the image metrics that run a transformers model on (image, text) pairs."""

    domain = "image"
    backends = ("torch", "transformers", "pillow")
    model_class: ClassVar[str] = ""
    Config = PretrainedImageConfig

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = resolve_device(self.device)
        if self.config.fp16 and not self.device.startswith("cuda"):
            raise MetricOptionError(f"{self.name}: fp16=true needs a CUDA device (this run is on "
                                    f"{self.device}). Fix: drop fp16, or use device cuda.")
        if not self.config.model:
            raise MetricOptionError(f"{self.name}: no model given. Fix: model=NAME_OR_FOLDER.")

    def loaded(self):
        """(processor, model), loaded on first use."""
        return load_pretrained(self.model_class, self.config.model, self.device, self.config.fp16,
                               self.name)

    @property
    def dtype(self):
        import torch

        return torch.float16 if self.config.fp16 else torch.float32

    def images(self, batch: Batch, name: str = "image") -> list:
        """The batch's ``name`` inputs as RGB images (paths are read with ``load_rgb``)."""
        return [self._each(batch, i, lambda v: as_rgb(v, self.config.max_pixels, name), name)
                for i in range(len(batch))]

    def texts(self, batch: Batch, name: str = "text", prefix: str = "") -> list[str]:
        """The batch's ``name`` inputs as non-empty texts, ``prefix`` + space prepended."""
        return [with_prefix(prefix, self._each(batch, i, lambda v: caption(v, name), name))
                for i in range(len(batch))]

    @staticmethod
    def _each(batch: Batch, position: int, convert, name: str):
        if name not in batch.inputs:
            raise MetricError(f"this metric needs the input {name!r}, which the batch lacks "
                              f"(it has {', '.join(batch.inputs) or 'none'}). Fix: add the "
                              "column to the manifest.")
        try:
            return convert(batch[name][position])
        except DataError as error:
            raise DataError(f"item {batch.ids[position]!r}: {error}") from error

    def to_device(self, encoding) -> dict:
        """A processor's output on the metric's device, float tensors in the metric's dtype."""
        return {k: v.to(self.device, self.dtype) if v.is_floating_point() else v.to(self.device)
                for k, v in encoding.items()}


def with_prefix(prefix: str, text: str) -> str:
    """``prefix`` and ``text`` joined by one space (as CLIPScore's loader: a space is added
    when the prefix does not end with one); the text alone for an empty prefix."""
    if not prefix:
        return text
    return (prefix if prefix.endswith(" ") else prefix + " ") + text


def as_scores(tensor) -> np.ndarray:
    """A torch tensor of per-item scores as a float64 numpy array."""
    return tensor.detach().to("cpu").double().numpy().reshape(-1)
