"""The real studies behind ``--domain``, by domain or by name.

``audio``: the GSVS listening test (registered set ``gensvs_eval``, metric scores included);
``mt``: WMT21 TED talks en-de MQM (``wmt_mqm_ted``, folder ``ende/``); ``text``: SummEval
(``summeval``). The data is resolved by :mod:`metaeval.data.registry` (``METAEVAL_DATA_DIR``,
the user cache, or a download on first use); nothing ships inside the package. Each entry
carries its loader and a correlation protocol; the
MT and text entries also give the texts to score and the default metrics, which
``metaeval correlate --domain mt|text`` scores (cached) before correlating. The texts carry an
``instruction`` (the task, in our words: "Translate the following text from English to
German.", "Summarize the following news article.") and a ``context`` (the source) for
instruction-following metrics such as TIGERScore; other metrics do not read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from metaeval.citations import GSVS_2025, WMT_MQM_2021
from metaeval.data import summeval, wmt_mqm
from metaeval.data.datasets import resolve
from metaeval.data.gensvs import load_gensvs
from metaeval.data.judgements import JudgementSet
from metaeval.data.registry import dataset
from metaeval.errors import DataError


@dataclass(frozen=True)
class Protocol:
    """A published correlation protocol: which columns, which level, grouping, coefficients."""

    item: str
    system: str
    human: str | tuple[str, ...]
    level: str | tuple[str, ...] = "none"
    group_by: tuple[str, ...] = ()
    coefficients: tuple[str, ...] = ("pearson", "spearman")
    source: str = ""  # where the protocol is described
    note: str = ""  # what a reader of the report must know (e.g. the reference handling)

    def as_dict(self) -> dict:
        """The defaults the CLI reads: ``group_by`` (one column or None), ``levels``,
        ``coefficients``, ``human`` (a list), ``metrics`` (None = all)."""
        humans = [self.human] if isinstance(self.human, str) else list(self.human)
        levels = [self.level] if isinstance(self.level, str) else list(self.level)
        return {"item": self.item, "system": self.system, "human": humans, "levels": levels,
                "group_by": self.group_by[0] if self.group_by else None,
                "coefficients": list(self.coefficients), "metrics": None, "source": self.source,
                "note": self.note}


@dataclass(frozen=True)
class Study:
    """One study of a domain: its registered data set, loader and default protocol."""

    name: str
    domain: str
    dataset: str  # the registered set (metaeval.data.registry)
    loader: Callable[..., JudgementSet]  # (missing policy[, MQM weights]) -> judgement set
    protocol: Protocol
    description: str = ""
    texts: Callable[[], pd.DataFrame] | None = None  # what to score (MT, text)
    metrics: tuple[str, ...] = ()  # metric requests scored by default
    subfolder: str = ""  # the study's folder inside the set (TED: ende)
    mqm: bool = False  # the human score is MQM: the loader takes ``weights`` (MQMWeights)
    language: str = ""  # language of the texts scored (MT: the target), given to ``lang`` options

    @property
    def path(self) -> Path:
        """The study's folder (resolving the set: found, cached or downloaded)."""
        return resolve(self.dataset) / self.subfolder

    @property
    def licence(self) -> str:
        return dataset(self.dataset).licence


def with_instruction(texts: pd.DataFrame, instruction: str) -> pd.DataFrame:
    """``texts`` with the task ``instruction`` on every row and its source as ``context``."""
    return texts.assign(instruction=instruction, context=texts["source"])


def _load_gensvs(missing: str = "error") -> JudgementSet:
    return load_gensvs(missing=missing)


GENSVS = Study(
    name="gensvs_eval",
    domain="audio",
    dataset="gensvs_eval",
    loader=_load_gensvs,
    protocol=Protocol(item="file_id", system="model_name", human="DMOS", level="none",
                      group_by=("model_type",),
                      coefficients=("spearman", "pearson", "kendall_b"),
                      source=GSVS_2025),
    description="Generative singing-voice separation DCR test: 250 trials, 12 ratings each, "
                "24 metrics (Bereuter et al., WASPAA 2025).",
)

TED_ENDE = Study(
    name="wmt_mqm_ted_ende",
    domain="mt",
    dataset="wmt_mqm_ted",
    subfolder="ende",
    loader=lambda missing="error", weights=None: wmt_mqm.wmt_mqm_judgements(
        resolve("wmt_mqm_ted") / "ende", missing=missing,
        weights=weights or wmt_mqm.MQMWeights()),
    mqm=True,
    protocol=Protocol(item="seg_id", system="system", human="mqm", level=("item", "none", "system"),
                      coefficients=("pearson", "kendall_b"), source=WMT_MQM_2021,
                      note="WMT segment level: group-by-item and pooled; system level over the "
                           "gold-covered segments; one reference (the human translation 'ref', "
                           "excluded from the systems)."),
    description="WMT21 TED talks en-de MQM: 529 segments x 13 MT systems, expert MQM "
                "(Freitag et al. 2021).",
    texts=lambda: with_instruction(wmt_mqm.text_frame(resolve("wmt_mqm_ted") / "ende"),
                                   "Translate the following text from English to German."),
    metrics=("bleu", "chrf", "chrf++", "ter", "bertscore:model=minilm"),
    language="de",
)

SUMMEVAL = Study(
    name="summeval",
    domain="text",
    dataset="summeval",
    loader=lambda missing="error": summeval.load_summeval(),
    protocol=Protocol(item="doc_id", system="system", human=summeval.ASPECTS,
                      level=("item", "system"), coefficients=("kendall_b", "spearman", "pearson"),
                      source=summeval.CITATION,
                      note="Summary level (group-by-article) and system level; every metric "
                           "against all 11 references of the article (ROUGE: the best "
                           "reference by F-measure; BLEU/chrF: multi-reference; BERTScore: the "
                           "best reference); one result set per expert aspect."),
    description="SummEval: 100 CNN/DM articles x 16 systems, 4 expert aspects "
                "(Fabbri et al. 2021).",
    texts=lambda: with_instruction(summeval.text_frame(), "Summarize the following news "
                                                         "article."),
    metrics=("rouge:variant=rouge1", "rouge:variant=rouge2", "rouge:variant=rougeL", "bleu",
             "chrf", "bertscore:model=minilm"),
    language="en",
)

STUDIES: dict[str, Study] = {e.name: e for e in (GENSVS, TED_ENDE, SUMMEVAL)}
DOMAINS: dict[str, str] = {"audio": GENSVS.name, "mt": TED_ENDE.name, "text": SUMMEVAL.name}


def study(domain_or_name: str) -> Study:
    """The study of a domain (``audio``) or by name (``gensvs_eval``); its data is resolved
    when loaded, not here."""
    name = DOMAINS.get(domain_or_name, domain_or_name)
    if name not in STUDIES:
        choices = ", ".join([*DOMAINS, *STUDIES])
        raise DataError(f"no study {domain_or_name!r}. Fix: choose one of {choices}.")
    return STUDIES[name]


def load_study(domain_or_name: str, missing: str = "error") -> JudgementSet:
    """Load a study's judgement set by domain (``audio``, ``mt``, ``text``) or name."""
    return study(domain_or_name).loader(missing)


def study_protocol(domain_or_name: str) -> dict:
    """The paper's protocol defaults of a study, as :meth:`Protocol.as_dict`."""
    return study(domain_or_name).protocol.as_dict()


def list_studies() -> list[str]:
    """One line per study: ``name (domain): description [data set, licence]``."""
    return [f"{e.name} ({e.domain}): {e.description} [data set {e.dataset}, {e.licence}]"
            for e in STUDIES.values()]
