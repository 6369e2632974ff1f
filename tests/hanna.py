"""HANNA story ratings (Chhun et al., COLING 2022; dig-team/hanna-benchmark-asg at 282f275) read
for the tests from ``../shared/datasets/hanna``: 96 prompts x 11 systems (``Human`` is the
reference story), 6 human criteria (means of 3 ratings) and 72 metric scores, one CSV row per
system whose cells are lists of 96 values (one per prompt); and the authors' released
correlations (``rankings/story_pearson.csv``: per-prompt Pearson across the 10 generation
systems, averaged over the prompts where it is defined, absolute value)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

CSV = Path("hanna") / "hanna_metric_scores.csv"
CRITERIA = ("Relevance", "Coherence", "Empathy", "Surprise", "Engagement", "Complexity")
CIDER = "CIDEr Ξ§"
REFERENCE_SYSTEM = "Human"


def hanna_table(datasets_dir: Path) -> pd.DataFrame:
    """The CSV as published: one row per system, list-valued cells as strings."""
    return pd.read_csv(datasets_dir / CSV)


def hanna_matrix(datasets_dir: Path, column: str, with_human: bool = False) -> np.ndarray:
    """(systems, 96 prompts) matrix of one criterion or metric; the reference story's row
    (``Human``) is left out unless ``with_human``."""
    table = hanna_table(datasets_dir)
    if not with_human:
        table = table[table["Model"] != REFERENCE_SYSTEM]
    return np.array([json.loads(cell) for cell in table[column]], float)


def hanna_long(datasets_dir: Path, columns: list[str]) -> pd.DataFrame:
    """One row per (prompt, system) without the reference story: ``item`` (prompt index),
    ``system`` and the given criteria / metric columns."""
    table = hanna_table(datasets_dir)
    table = table[table["Model"] != REFERENCE_SYSTEM]
    rows = {"item": [], "system": []}
    values = {c: [] for c in columns}
    for _, row in table.iterrows():
        cells = {c: json.loads(row[c]) for c in columns}
        n = len(cells[columns[0]])
        rows["item"] += [f"prompt{i:02d}" for i in range(n)]
        rows["system"] += [row["Model"]] * n
        for c in columns:
            values[c] += cells[c]
    return pd.DataFrame({**rows, **values})


def published_story_pearson(datasets_dir: Path, metric: str, criterion: str) -> float:
    """The authors' released story-level Pearson of ``metric`` with ``criterion`` (|r|)."""
    table = pd.read_csv(datasets_dir / "hanna" / "rankings" / "story_pearson.csv", index_col=0)
    return float(table.loc[metric, f"{criterion}_story_pearson"])


def hanna_judgements(datasets_dir: Path, human: str, metrics: list[str]):
    """The judgement set of one criterion and some metrics (without the reference story)."""
    from metaeval.data.judgements import JudgementSet

    frame = hanna_long(datasets_dir, [human, *metrics])
    return JudgementSet.from_frame(frame, item="item", system="system", human=human)
