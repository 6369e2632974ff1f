"""Row notes of a task (:mod:`metaeval.correlation.runner`): a metric without scores on some
cells (``--missing drop``) says how many were left out, and SPA says when its systems then miss
different segments (each pair compared on the segments it shares)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaeval import correlate
from metaeval.data.judgements import JudgementSet
from metaeval.report import write_reports
from metaeval.stats.spa import PATTERN_NOTE


def _set() -> JudgementSet:
    rng = np.random.default_rng(77)
    rows = [{"item": f"i{i}", "system": f"s{s}", "human": (h := rng.normal() + 0.4 * s),
             "full": h + rng.normal(), "holed": h + rng.normal()}
            for s in range(5) for i in range(30)]
    frame = pd.DataFrame(rows)
    frame.loc[(frame["system"] == "s2") & frame["item"].isin(["i3", "i4"]), "holed"] = np.nan
    return JudgementSet.from_frame(frame, item="item", system="system", human="human",
                                   missing="drop")


def test_missing_cells_and_spa_patterns_are_noted_in_every_row(tmp_path):
    result = correlate(_set(), coefficients=["spa"], levels=["system"], k=20, seed=0)
    pearson = correlate(_set(), coefficients=["pearson"], levels=["none"], k=20, seed=0)
    notes = dict(zip(result.table["metric"], result.table["note"]))
    lacking = "no holed score on 2 of the 150 cells with a human score (left out: --missing drop)"
    assert notes == {"holed": f"{lacking}; {PATTERN_NOTE}", "full": ""}
    assert dict(zip(pearson.table["metric"], pearson.table["note"])) == {"holed": lacking,
                                                                         "full": ""}
    written = write_reports(result, tmp_path / "o", formats=["csv", "html"])
    assert PATTERN_NOTE in (tmp_path / "o" / "results.csv").read_text()
    assert "left out: --missing drop" in written["html"].read_text()
