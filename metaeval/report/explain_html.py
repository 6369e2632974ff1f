"""The HTML page of `metaeval explain --html`: the disagreement tables of the correlate report
(every listed row), with the cells' inputs when a manifest is given
(:mod:`metaeval.report.explorer_media`). One self-contained file."""

from __future__ import annotations

import pandas as pd

from metaeval.correlation.result import POOLED
from metaeval.report.disagreement import grouped_tables
from metaeval.report.explorer_inputs import ExplorerInputs
from metaeval.report.explorer_media import attach_inputs
from metaeval.report.templating import render
from metaeval.version import __version__


def explain_html(table: pd.DataFrame, metrics: dict[str, tuple[str, bool]], human: str,
                 dataset: str, confidence: float = 0.95, pooled: bool = True,
                 inputs: ExplorerInputs | None = None) -> str:
    """The page of ``table`` (:func:`metaeval.correlation.disagreement.disagreement_table`);
    ``metrics``: column -> (label, lower is better), in the order shown."""
    tables = grouped_tables(table, metrics, lambda group: pooled and group == POOLED, None)
    note, stimuli = attach_inputs(tables, inputs)
    top = int(table["rank"].max()) if len(table) else 0
    return render("explain.html.j2", title=f"metaeval explain: {dataset}", dataset=dataset,
                  human=human, version=__version__, settings={"ci": confidence},
                  rank_gaps=tables, rank_gaps_shown=top, rank_gaps_open=True, media_note=note,
                  stimuli=stimuli)
