"""BLEU, chrF, chrF++ and TER through sacrebleu (Post, WMT 2018), at sentence or corpus level.

Every option of sacrebleu's metric objects is a config field (``bleu:tokenize=13a:
smooth_method=exp``, ``chrf:char_order=6:word_order=2``, ``ter:normalized=true``). Sentence
level (default): one score per item, equal to ``metric.sentence_score(hyp, refs)``; the
statistics of each distinct reference set are extracted once per batch (sacrebleu's
``_cache_references``), then each item goes through ``_compute_segment_statistics`` and
``_aggregate_and_compute`` as ``sentence_score`` does for one item.
Corpus level (``corpus=true``): every item of a system gets ``metric.corpus_score(hyps, refs)``
of the system (use it at level ``system``). Items may have different numbers of references.
sacrebleu's own signature (tokenizer, smoothing, case, version) is part of the metric's config
signature. Scores are on sacrebleu's 0-100 scale; TER is lower-is-better.

``pretokenize=moses`` (every metric here) runs the Moses tokenizer (``sacremoses``,
``MosesTokenizer(lang=pretokenize_lang).tokenize(text, return_str=True)``, Moses's default
escaping of ``& < > ' "``) over hypotheses and references before sacrebleu, as published
recipes did: BARTScore's WMT19 DARR BLEU is ``bleu:pretokenize=moses:effective_order=false``
(sacrebleu ``corpus_bleu`` on each Moses-tokenised sentence). It is a config field, so it
enters the metric's config signature.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cached_property

import numpy as np

from metaeval.errors import MetricError, MetricOptionError
from metaeval.metrics.base import Batch, Metric, MetricConfig, option, package_versions
from metaeval.metrics.text import reference_streams, text_inputs
from metaeval.metrics.valid import at_least, one_of

SACREBLEU = "M. Post, A Call for Clarity in Reporting BLEU Scores, WMT 2018 (sacrebleu)."
BLEU_2002 = "K. Papineni, S. Roukos, T. Ward, W.-J. Zhu, BLEU, ACL 2002."
CHRF_2015 = "M. Popovic, chrF: character n-gram F-score for automatic MT evaluation, WMT 2015."
TER_2006 = "M. Snover, B. Dorr, R. Schwartz, L. Micciulla, J. Makhoul, TER, AMTA 2006."


PRETOKENIZERS = ("none", "moses")


def pretokenize_option():
    return option("none", "tokenise hypotheses and references before sacrebleu: none, or moses "
                          "(sacremoses; Moses's default escaping), as BARTScore's WMT BLEU",
                  one_of("none", "moses"))


def pretokenize_lang_option():
    return option("en", "language of the Moses tokenizer (pretokenize=moses)")


@dataclass(frozen=True)
class BLEUConfig(MetricConfig):
    corpus: bool = option(False, "corpus BLEU of each system instead of one score per sentence")
    lowercase: bool = option(False, "lowercase hypotheses and references")
    tokenize: str | None = option(None, "sacrebleu tokenizer (13a, intl, zh, ja-mecab, char, "
                                        "none ...); none: sacrebleu's default for trg_lang")
    smooth_method: str = option("exp", "exp, floor, add-k or none",
                                one_of("exp", "floor", "add-k", "none"))
    smooth_value: float | None = option(None, "value of floor / add-k smoothing; none: "
                                              "sacrebleu's default (floor 0.1, add-k 1)",
                                        at_least(0))
    max_ngram_order: int = option(4, "largest n-gram order", at_least(1))
    effective_order: bool = option(True, "ignore n-gram orders with no match (sentence level)")
    trg_lang: str = option("", "target language code (chooses the default tokenizer)")
    pretokenize: str = pretokenize_option()
    pretokenize_lang: str = pretokenize_lang_option()


@dataclass(frozen=True)
class CHRFConfig(MetricConfig):
    corpus: bool = option(False, "corpus chrF of each system instead of one score per sentence")
    char_order: int = option(6, "character n-gram order", at_least(0))
    word_order: int = option(0, "word n-gram order (2 = chrF++)", at_least(0))
    beta: int = option(2, "recall weight of the F-score (0: precision only)", at_least(0))
    lowercase: bool = option(False, "lowercase hypotheses and references")
    whitespace: bool = option(False, "keep whitespace in character n-grams")
    eps_smoothing: bool = option(False, "epsilon smoothing (as chrF++.py) instead of the default")
    pretokenize: str = pretokenize_option()
    pretokenize_lang: str = pretokenize_lang_option()


@dataclass(frozen=True)
class CHRFPPConfig(CHRFConfig):
    word_order: int = option(2, "word n-gram order (2 = chrF++)", at_least(0))


@dataclass(frozen=True)
class TERConfig(MetricConfig):
    corpus: bool = option(False, "corpus TER of each system instead of one score per sentence")
    normalized: bool = option(False, "normalise punctuation and tokenise (tercom -N)")
    no_punct: bool = option(False, "remove punctuation")
    asian_support: bool = option(False, "Asian-language tokenisation")
    case_sensitive: bool = option(False, "case-sensitive matching")
    pretokenize: str = pretokenize_option()
    pretokenize_lang: str = pretokenize_lang_option()


class _SacreBLEUMetric(Metric):
    """Shared scoring of the sacrebleu metrics."""

    domain = "text"
    inputs = ("hypothesis", "reference")
    backends = ("sacrebleu",)
    optional_backends = ("sacremoses",)  # only with pretokenize=moses (then in the versions)
    items_per_call = 1024  # a call extracts each distinct reference set once
    _class_name = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.config.pretokenize not in PRETOKENIZERS:
            raise MetricOptionError(f"{self.name}: pretokenize={self.config.pretokenize!r} is "
                                    f"not a pre-tokenizer. Fix: pretokenize=moses, or leave it "
                                    "out (none).")

    def _options(self) -> dict:
        return {k: v for k, v in asdict(self.config).items()
                if k not in ("corpus", "pretokenize", "pretokenize_lang")}

    def backend_versions(self) -> dict[str, str]:
        """sacrebleu's version, and sacremoses's when it pre-tokenises."""
        moses = self.optional_backends if self.config.pretokenize == "moses" else ()
        return package_versions((*self.backends, *moses))

    @cached_property
    def pretokenizer(self):
        """The text function applied before sacrebleu (None: the text as it is)."""
        if self.config.pretokenize == "none":
            return None
        try:
            from sacremoses import MosesTokenizer
        except ImportError as error:
            raise MetricError(f"{self.name}: pretokenize=moses needs the package sacremoses. "
                              "Fix: pip install sacremoses (or metaeval[text]).") from error
        tokenizer = MosesTokenizer(lang=self.config.pretokenize_lang)
        return lambda text: tokenizer.tokenize(text, return_str=True)

    @cached_property
    def scorer(self):
        import sacrebleu.metrics

        return getattr(sacrebleu.metrics, self._class_name)(**self._options())

    @cached_property
    def backend_signature(self) -> str:
        """sacrebleu's signature of this configuration (without the per-call ``nrefs``)."""
        import sacrebleu.metrics

        probe = getattr(sacrebleu.metrics, self._class_name)(**self._options())
        probe.corpus_score(["a b c"], [["a b c"]])
        parts = str(probe.get_signature()).split("|")
        return "|".join(p for p in parts if not p.startswith("nrefs:"))

    def signature_fields(self) -> dict:
        return {**super().signature_fields(), "sacrebleu": self.backend_signature}

    @property
    def corpus_level(self) -> bool:
        return bool(self.config.corpus)

    def score(self, batch: Batch) -> np.ndarray:
        texts = text_inputs(batch, self.inputs)
        hyps, refs = texts["hypothesis"], texts["reference"]
        if self.pretokenizer is not None:
            hyps = [self.pretokenizer(h) for h in hyps]
            refs = [[self.pretokenizer(r) for r in group] for group in refs]
        if self.config.corpus:
            value = self.scorer.corpus_score(hyps, reference_streams(refs)).score
            return np.full(len(batch), float(value))
        return sentence_scores(self.scorer, hyps, refs)


def sentence_scores(scorer, hyps: list[str], refs: list[list[str]]) -> np.ndarray:
    """``scorer.sentence_score(h, r)`` for every item.

    The reference statistics (n-grams, lengths, words) are extracted once per distinct
    reference set, not once per item as a per-sentence loop does: in MT every reference is
    shared by all the systems of a segment. Equal to the per-sentence call (tested)."""
    cache = getattr(scorer, "_cache_references", None)
    compute = getattr(scorer, "_compute_segment_statistics", None)
    if cache is None or compute is None:  # another sacrebleu: the public per-sentence call
        return np.array([scorer.sentence_score(h, r).score for h, r in zip(hyps, refs)])
    keys = [tuple(r) for r in refs]
    distinct = list(dict.fromkeys(keys))
    position = {key: i for i, key in enumerate(distinct)}
    infos = cache(reference_streams([list(k) for k in distinct]))
    aggregate, preprocess = scorer._aggregate_and_compute, scorer._preprocess_segment
    return np.array([aggregate([compute(preprocess(h), infos[position[k]])]).score
                     for h, k in zip(hyps, keys)], dtype=float)


class BLEU(_SacreBLEUMetric):
    """sacrebleu BLEU (sentence level with effective order, or corpus level)."""

    name = "bleu"
    citation = f"{BLEU_2002} {SACREBLEU}"
    description = "BLEU (sacrebleu), 0-100; sentence level with effective order by default."
    Config = BLEUConfig
    _class_name = "BLEU"


class CHRF(_SacreBLEUMetric):
    """sacrebleu chrF (character 6-grams, beta 2)."""

    name = "chrf"
    citation = f"{CHRF_2015} {SACREBLEU}"
    description = "chrF (sacrebleu), 0-100: character 6-gram F-score, beta 2."
    Config = CHRFConfig
    _class_name = "CHRF"


class CHRFPP(CHRF):
    """sacrebleu chrF++ (chrF with word bigrams)."""

    name = "chrf++"
    description = "chrF++ (sacrebleu), 0-100: chrF with word 1- and 2-grams."
    Config = CHRFPPConfig


class TER(_SacreBLEUMetric):
    """sacrebleu TER (translation edit rate, lower is better)."""

    name = "ter"
    higher_is_better = False
    citation = f"{TER_2006} {SACREBLEU}"
    description = "TER (sacrebleu), edits per reference word x 100; lower is better."
    Config = TERConfig
    _class_name = "TER"
