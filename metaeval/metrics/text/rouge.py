"""ROUGE (Lin 2004) through Google's rouge-score package, with every choice in the config.

``variant`` rouge1, rouge2, ..., rougeL or rougeLsum (summary-level LCS over newline-separated
sentences); ``measure`` fmeasure, precision or recall; ``use_stemmer`` the Porter stemmer;
``multi_reference`` ``max`` (the best reference by the measure, as ``RougeScorer.score_multi``
chooses by F-measure) or ``mean`` (the average over the references). These choices move
correlations with human judgements a lot (on SummEval by up to 0.35), so they are part of the
signature. Scores are in [0, 1].
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from metaeval.errors import MetricOptionError
from metaeval.metrics.base import Batch, Metric, MetricConfig, option
from metaeval.metrics.text import text_inputs
from metaeval.metrics.valid import one_of

LIN_2004 = "C.-Y. Lin, ROUGE: A Package for Automatic Evaluation of Summaries, ACL Workshop 2004."
VARIANT = re.compile(r"rouge([1-9]|L|Lsum)\Z")
MEASURES = ("fmeasure", "precision", "recall")
RULES = ("max", "mean")


@dataclass(frozen=True)
class ROUGEConfig(MetricConfig):
    variant: str = option("rougeL", "rouge1, rouge2, ... rougeL or rougeLsum")
    measure: str = option("fmeasure", "fmeasure, precision or recall", one_of(*MEASURES))
    use_stemmer: bool = option(True, "Porter stemming of both texts")
    multi_reference: str = option("max", "max (best reference) or mean over the references",
                                  one_of(*RULES))
    split_summaries: bool = option(False, "rougeLsum: split sentences with nltk when the texts "
                                          "have no newlines")


class ROUGE(Metric):
    """One ROUGE variant and measure of the hypothesis against its references."""

    name = "rouge"
    backends = ("rouge-score", "nltk")  # nltk: the Porter stemmer
    domain = "text"
    inputs = ("hypothesis", "reference")
    citation = LIN_2004
    description = "ROUGE (rouge-score package): n-gram / LCS overlap with the references."
    Config = ROUGEConfig

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        c = self.config
        if not VARIANT.match(c.variant):
            raise MetricOptionError(f"rouge: unknown variant {c.variant!r}. Fix: rouge1, rouge2, "
                                    "..., rougeL or rougeLsum.")

    @cached_property
    def scorer(self):
        from rouge_score import rouge_scorer

        return rouge_scorer.RougeScorer([self.config.variant], use_stemmer=self.config.use_stemmer,
                                        split_summaries=self.config.split_summaries)

    def _one(self, hypothesis: str, references: list[str]) -> float:
        c = self.config
        scores = [self.scorer.score(ref, hypothesis)[c.variant] for ref in references]
        if c.multi_reference == "mean":
            return float(np.mean([getattr(s, c.measure) for s in scores]))
        best = max(scores, key=lambda s: s.fmeasure)  # as RougeScorer.score_multi
        return float(getattr(best, c.measure))

    def score(self, batch: Batch) -> np.ndarray:
        texts = text_inputs(batch, self.inputs)
        return np.array([self._one(h, r) for h, r in zip(texts["hypothesis"], texts["reference"])])
