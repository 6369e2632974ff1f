"""Listening tests that ship with metaeval (``listening_tests/<name>/``), by domain or by name.

Each entry carries its loader and the paper's correlation protocol, so ``metaeval correlate
--domain audio`` reproduces the published analysis without options.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from metaeval.citations import GSVS_2025
from metaeval.data.gensvs import load_gensvs
from metaeval.data.judgements import JudgementSet
from metaeval.errors import DataError
from metaeval.paths import LISTENING_TESTS


@dataclass(frozen=True)
class Protocol:
    """A published correlation protocol: which columns, which level, grouping, coefficients."""

    item: str
    system: str
    human: str
    level: str = "none"
    group_by: tuple[str, ...] = ()
    coefficients: tuple[str, ...] = ("pearson", "spearman")
    source: str = ""  # where the protocol is described

    def as_dict(self) -> dict:
        """The defaults the CLI reads: ``group_by`` (one column or None), ``levels``,
        ``coefficients``, ``human``, ``metrics`` (None = all)."""
        return {"item": self.item, "system": self.system, "human": self.human,
                "levels": [self.level], "group_by": self.group_by[0] if self.group_by else None,
                "coefficients": list(self.coefficients), "metrics": None, "source": self.source}


@dataclass(frozen=True)
class BundledDataset:
    """One bundled study: its folder, loader and default protocol."""

    name: str
    domain: str
    folder: str
    loader: Callable[[str], JudgementSet]  # missing policy -> judgement set
    protocol: Protocol
    description: str = ""

    @property
    def path(self) -> Path:
        return LISTENING_TESTS / self.folder


def _load_gensvs(missing: str = "error") -> JudgementSet:
    return load_gensvs(missing=missing)


GENSVS = BundledDataset(
    name="gensvs_eval",
    domain="audio",
    folder="gensvs_eval",
    loader=_load_gensvs,
    protocol=Protocol(item="file_id", system="model_name", human="DMOS", level="none",
                      group_by=("model_type",),
                      coefficients=("spearman", "pearson", "kendall_b"),
                      source=GSVS_2025),
    description="Generative singing-voice separation DCR test: 250 trials, 12 ratings each, "
                "24 metrics (Bereuter et al., WASPAA 2025).",
)

BUNDLED: dict[str, BundledDataset] = {GENSVS.name: GENSVS}
DOMAINS: dict[str, str] = {"audio": GENSVS.name}


def bundled_entry(domain_or_name: str) -> BundledDataset:
    """The registry entry for a domain (``audio``) or a dataset name (``gensvs_eval``)."""
    name = DOMAINS.get(domain_or_name, domain_or_name)
    if name not in BUNDLED:
        choices = ", ".join([*DOMAINS, *BUNDLED])
        raise DataError(f"no bundled dataset {domain_or_name!r}. Fix: choose one of {choices}.")
    entry = BUNDLED[name]
    if not entry.path.is_dir():
        raise DataError(f"{entry.path}: bundled folder of {name!r} is missing. Fix: reinstall "
                        "metaeval from a source checkout that includes listening_tests/.")
    return entry


def bundled_dataset(domain_or_name: str, missing: str = "error") -> JudgementSet:
    """Load a bundled listening test by domain (``audio``) or name (``gensvs_eval``)."""
    return bundled_entry(domain_or_name).loader(missing)


def bundled_protocol(domain_or_name: str) -> dict:
    """The paper's protocol defaults of a bundled dataset, as :meth:`Protocol.as_dict`."""
    return bundled_entry(domain_or_name).protocol.as_dict()


def list_bundled() -> list[str]:
    """One line per bundled dataset: ``name (domain): description [folder]``."""
    return [f"{e.name} ({e.domain}): {e.description} [{e.path}]" for e in BUNDLED.values()]
