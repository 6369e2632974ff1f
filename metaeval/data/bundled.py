"""Judgement sets that ship with metaeval, by domain or by name.

``audio``: the GSVS listening test (``listening_tests/gensvs_eval``, metric scores included);
``mt``: WMT21 TED talks en-de MQM (``judgement_sets/wmt_mqm_ted_ende``); ``text``: SummEval
(``judgement_sets/summeval``). Each entry carries its loader and a correlation protocol; the
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
from metaeval.data.gensvs import load_gensvs
from metaeval.data.judgements import JudgementSet
from metaeval.errors import DataError
from metaeval.paths import JUDGEMENT_SETS, LISTENING_TESTS


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
class BundledDataset:
    """One bundled study: its folder, loader and default protocol."""

    name: str
    domain: str
    folder: Path
    loader: Callable[[str], JudgementSet]  # missing policy -> judgement set
    protocol: Protocol
    description: str = ""
    texts: Callable[[], pd.DataFrame] | None = None  # what to score (MT, text)
    metrics: tuple[str, ...] = ()  # metric requests scored by default

    @property
    def path(self) -> Path:
        return self.folder


def with_instruction(texts: pd.DataFrame, instruction: str) -> pd.DataFrame:
    """``texts`` with the task ``instruction`` on every row and its source as ``context``."""
    return texts.assign(instruction=instruction, context=texts["source"])


def _load_gensvs(missing: str = "error") -> JudgementSet:
    return load_gensvs(missing=missing)


GENSVS = BundledDataset(
    name="gensvs_eval",
    domain="audio",
    folder=LISTENING_TESTS / "gensvs_eval",
    loader=_load_gensvs,
    protocol=Protocol(item="file_id", system="model_name", human="DMOS", level="none",
                      group_by=("model_type",),
                      coefficients=("spearman", "pearson", "kendall_b"),
                      source=GSVS_2025),
    description="Generative singing-voice separation DCR test: 250 trials, 12 ratings each, "
                "24 metrics (Bereuter et al., WASPAA 2025).",
)

TED_ENDE = BundledDataset(
    name="wmt_mqm_ted_ende",
    domain="mt",
    folder=JUDGEMENT_SETS / "wmt_mqm_ted_ende",
    loader=lambda missing="error": wmt_mqm.wmt_mqm_judgements(
        JUDGEMENT_SETS / "wmt_mqm_ted_ende", missing=missing),
    protocol=Protocol(item="seg_id", system="system", human="mqm", level=("item", "none", "system"),
                      coefficients=("pearson", "kendall_b"), source=WMT_MQM_2021,
                      note="WMT segment level: group-by-item and pooled; system level over the "
                           "gold-covered segments; one reference (the human translation 'ref', "
                           "excluded from the systems)."),
    description="WMT21 TED talks en-de MQM: 529 segments x 13 MT systems, expert MQM "
                "(Freitag et al. 2021).",
    texts=lambda: with_instruction(wmt_mqm.text_frame(JUDGEMENT_SETS / "wmt_mqm_ted_ende"),
                                   "Translate the following text from English to German."),
    metrics=("bleu", "chrf", "chrf++", "ter", "bertscore:model=minilm"),
)

SUMMEVAL = BundledDataset(
    name="summeval",
    domain="text",
    folder=JUDGEMENT_SETS / "summeval",
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
)

BUNDLED: dict[str, BundledDataset] = {e.name: e for e in (GENSVS, TED_ENDE, SUMMEVAL)}
DOMAINS: dict[str, str] = {"audio": GENSVS.name, "mt": TED_ENDE.name, "text": SUMMEVAL.name}


def bundled_entry(domain_or_name: str) -> BundledDataset:
    """The registry entry for a domain (``audio``) or a dataset name (``gensvs_eval``)."""
    name = DOMAINS.get(domain_or_name, domain_or_name)
    if name not in BUNDLED:
        choices = ", ".join([*DOMAINS, *BUNDLED])
        raise DataError(f"no bundled dataset {domain_or_name!r}. Fix: choose one of {choices}.")
    entry = BUNDLED[name]
    if not entry.path.is_dir():
        raise DataError(f"{entry.path}: bundled folder of {name!r} is missing. Fix: reinstall "
                        "metaeval from a source checkout that includes it.")
    return entry


def bundled_dataset(domain_or_name: str, missing: str = "error") -> JudgementSet:
    """Load a bundled judgement set by domain (``audio``, ``mt``, ``text``) or name."""
    return bundled_entry(domain_or_name).loader(missing)


def bundled_protocol(domain_or_name: str) -> dict:
    """The paper's protocol defaults of a bundled dataset, as :meth:`Protocol.as_dict`."""
    return bundled_entry(domain_or_name).protocol.as_dict()


def list_bundled() -> list[str]:
    """One line per bundled dataset: ``name (domain): description [folder]``."""
    return [f"{e.name} ({e.domain}): {e.description} [{e.path}]" for e in BUNDLED.values()]
