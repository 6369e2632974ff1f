"""`judge_diagnostics`: the biases of a pairwise judge from its verdict file, in one call (what
``metaeval judge`` runs); the result carries its table, notes, settings and signature."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from metaeval.correlation.settings import draw_options
from metaeval.csvio import csv_text
from metaeval.io import json_safe
from metaeval.judge.diagnostics import diagnostics_table
from metaeval.judge.settings import LAYOUT, JudgeSettings
from metaeval.judge.verdicts import VerdictTable, read_verdicts
from metaeval.provenance import NOT_APPLICABLE, Signature, short_hash
from metaeval.version import package_versions


@dataclass
class JudgeResult:
    """``table``: one row per judge and diagnostic (:data:`metaeval.judge.diagnostics.COLUMNS`);
    ``counts``: verdicts, judges, items, systems; ``settings``; ``signature``; ``notes``."""

    verdicts: VerdictTable
    table: pd.DataFrame
    counts: dict[str, int]
    settings: dict[str, Any]
    signature: Signature
    notes: list[str] = field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        return json_safe({"signature": str(self.signature),
                          "signature_fields": self.signature.to_dict(),
                          "settings": self.settings, "counts": self.counts,
                          "data": {"name": self.verdicts.name, "source": self.verdicts.source,
                                   "position": self.verdicts.position_source,
                                   "lengths": self.verdicts.lengths},
                          "notes": self.notes, "table": self.table.to_dict(orient="records")})

    def to_json(self) -> str:
        return json.dumps(self.to_json_dict(), indent=1)


def check_judge_options(k: int = 1000, seed: int = 0, ci: float = 0.95,
                        length_unit: str = "chars") -> dict[str, Any]:
    """The options checked by their one definition (k, seed, ci: the correlate settings)."""
    options = draw_options(k, seed, ci, "the item bootstrap's intervals")
    options["length_unit"] = JudgeSettings(length_unit=length_unit).length_unit
    return options


def _notes(verdicts: VerdictTable) -> list[str]:
    notes = []
    if verdicts.position_source == "system_a":
        notes.append("no 'first' column: system_a is taken as the answer shown first.")
    missing = [j for j in verdicts.judges
               if verdicts.frame.loc[verdicts.frame["judge"] == j, "judge_system"].isna().all()]
    if "judge_system" in verdicts.frame and len(missing) < len(verdicts.judges) and missing:
        notes.append(f"no judge_system for {', '.join(missing)}: no self-preference for them.")
    return notes


def judge_diagnostics(data: str | Path | VerdictTable, k: int = 1000, seed: int = 0,
                      ci: float = 0.95, length_unit: str = "chars") -> JudgeResult:
    """Swap consistency, first-position win rate, length preference and self-preference of
    every judge in ``data`` (a verdict file or a :class:`VerdictTable`), each with a
    Clopper-Pearson (or, for self-preference, bootstrap) interval and an item-bootstrap
    interval of ``k`` draws seeded by ``seed``; see :mod:`metaeval.judge.diagnostics`."""
    settings = check_judge_options(k, seed, ci, length_unit)
    verdicts = (data if isinstance(data, VerdictTable)
                else read_verdicts(data, length_unit=settings["length_unit"]))
    table = diagnostics_table(verdicts, settings["k"], settings["seed"], settings["ci"])
    frame = verdicts.frame
    counts = {"verdicts": len(frame), "judges": len(verdicts.judges),
              "items": int(frame["item"].nunique()),
              "systems": len(set(frame["first"]) | set(frame["second"]))}
    digest = short_hash(csv_text(frame.drop(columns="line")))
    signature = Signature(LAYOUT, package_versions(), verdicts=f"{verdicts.name}@{digest}",
                          position=verdicts.position_source, lengths=verdicts.lengths,
                          length_unit=(verdicts.length_unit if verdicts.lengths == "text"
                                       else NOT_APPLICABLE),
                          k=settings["k"], seed=settings["seed"], ci=settings["ci"])
    return JudgeResult(verdicts, table, counts, settings, signature, _notes(verdicts))
