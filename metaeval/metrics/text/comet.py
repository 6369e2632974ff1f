"""COMET (Rei, Stewart, Farinha, Lavie, EMNLP 2020) through unbabel-comet, reference-based or QE.

``model`` is a local checkpoint (``.../checkpoints/model.ckpt``, as ``comet.load_from_checkpoint``
takes it) or a name in the local Hugging Face cache (``Unbabel/wmt22-comet-da``; resolved with
``comet.download_model(name, saving_directory)`` only when the files are already there: nothing
is downloaded). Samples are ``{"src", "mt", "ref"}`` (``reference_free=true``: ``{"src",
"mt"}`` for QE models such as CometKiwi); with several references the first is used (COMET
models take one). The model is loaded once per process and configuration; a batch is one
``model.predict`` call. Install with ``pip install 'metaeval[comet]'``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from metaeval.errors import MetricError
from metaeval.metrics.base import Batch, Metric, MetricConfig, option
from metaeval.metrics.text import text_inputs
from metaeval.metrics.valid import at_least

COMET_2020 = ("R. Rei, C. Stewart, A. C. Farinha, A. Lavie, COMET: A Neural Framework for MT "
              "Evaluation, EMNLP 2020.")
_MODELS: dict[tuple, object] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class COMETConfig(MetricConfig):
    model: str = option("Unbabel/wmt22-comet-da", "local checkpoint (model.ckpt) or a name in "
                                                  "the local Hugging Face cache")
    reference_free: bool = option(False, "quality estimation: source and hypothesis only")
    batch_size: int = option(16, "samples per forward pass", at_least(1))


def load_comet(model: str):
    """The COMET model of a checkpoint path or of a locally cached hub name."""
    try:
        import comet
    except ImportError as error:
        raise MetricError("comet needs unbabel-comet. Fix: pip install 'metaeval[comet]'") from error
    path = Path(model).expanduser()
    if not path.is_file():
        try:
            path = Path(comet.download_model(model, local_files_only=True))
        except Exception as error:  # comet / huggingface_hub raise several types
            raise MetricError(f"comet: {model!r} is neither a checkpoint file nor in the local "
                              f"Hugging Face cache ({type(error).__name__}). Fix: give the path of "
                              "a model.ckpt; nothing is downloaded.") from error
    return comet.load_from_checkpoint(str(path))


class COMET(Metric):
    """COMET score of the hypothesis given the source (and the reference)."""

    name = "comet"
    backends = ("unbabel-comet", "torch", "transformers")
    domain = "text"
    inputs = ("hypothesis", "source", "reference")
    citation = COMET_2020
    description = "COMET (unbabel-comet): a trained regression on source, hypothesis, reference."
    Config = COMETConfig

    def __init__(self, *args, model_object=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.config.reference_free:
            self.inputs = ("hypothesis", "source")
        self._model = model_object  # an already loaded model (tests, reuse)

    @property
    def model(self):
        if self._model is None:
            key = (self.config.model, self.device)
            with _LOCK:
                if key not in _MODELS:
                    _MODELS[key] = load_comet(self.config.model)
                self._model = _MODELS[key]
        return self._model

    def samples(self, batch: Batch) -> list[dict[str, str]]:
        texts = text_inputs(batch, self.inputs)
        rows = [{"src": s, "mt": h} for s, h in zip(texts["source"], texts["hypothesis"])]
        if not self.config.reference_free:
            for row, refs in zip(rows, texts["reference"]):
                row["ref"] = refs[0]
        return rows

    def score(self, batch: Batch) -> np.ndarray:
        gpus = 1 if str(self.device).startswith("cuda") else 0
        output = self.model.predict(self.samples(batch), batch_size=self.config.batch_size,
                                    gpus=gpus, progress_bar=False)
        return np.asarray(output.scores if hasattr(output, "scores") else output["scores"],
                          dtype=float)
