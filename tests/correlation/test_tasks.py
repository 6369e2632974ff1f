"""Result rows at levels item and sys say how many items (systems) entered the average
(``n_items`` next to ``n``) and, in the note, how many were left out and why: by hand and on
HANNA's story ratings (CIDEr, ROUGE-4: ``n`` said 96 where 66 and 43 prompts entered)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metaeval import correlate
from metaeval.data.judgements import JudgementSet
from tests.hanna import CIDER, hanna_long, published_story_pearson

ROUGE4 = "ROUGE-4 F-Score Ξ§"


def _hand_set() -> JudgementSet:
    """4 systems x 6 items; metric ``m`` is constant on items 0 and 1, the human score on item
    2; metric ``ok`` varies everywhere."""
    rng = np.random.default_rng(1831)
    items, systems = [f"i{i}" for i in range(6)], ["A", "B", "C", "D"]
    frame = pd.DataFrame([(i, s) for i in items for s in systems], columns=["item", "system"])
    frame["human"] = rng.integers(1, 6, len(frame)).astype(float)
    frame.loc[frame["item"] == "i2", "human"] = 3.0
    frame.loc[frame["item"] == "i3", "human"] = [1.0, 2.0, 3.0, 4.0]
    frame["m"] = rng.normal(size=len(frame))
    frame.loc[frame["item"].isin(["i0", "i1"]), "m"] = 0.5
    frame["ok"] = rng.normal(size=len(frame))
    return JudgementSet.from_frame(frame, item="item", system="system", human="human")


def test_item_and_sys_rows_by_hand():
    result = correlate(_hand_set(), coefficients=["pearson", "kendall_b"],
                       levels=["item", "sys", "none", "system"], k=0)
    t = result.table.set_index(["metric", "level", "coefficient"])
    row = t.loc[("m", "item", "pearson")]
    assert (row["n"], row["n_items"]) == (6, 3)  # items 0, 1 (metric) and 2 (human) left out
    assert row["note"] == ("3 of 6 items entered the average; 3 left out as undefined there "
                           "(a constant human score in 1, a constant metric score in 2)")
    frame = _hand_set().table
    per_item = [np.corrcoef(g["human"], g["m"])[0, 1] for _, g in frame.groupby("item")
                if g["human"].nunique() > 1 and g["m"].nunique() > 1]
    assert row["statistic"] == pytest.approx(np.mean(per_item), abs=1e-12)
    assert t.loc[("m", "item", "kendall_b"), "n_items"] == 3
    assert (t.loc[("ok", "item", "pearson"), "n_items"], t.loc[("ok", "item", "pearson"),
                                                                "note"]) == (5, (
        "5 of 6 items entered the average; 1 left out as undefined there (a constant human "
        "score in 1)"))
    assert (t.loc[("m", "sys", "pearson"), "n"], t.loc[("m", "sys", "pearson"), "n_items"]) == (4, 4)
    for level in ("none", "system"):
        assert pd.isna(t.loc[("m", level, "pearson"), "n_items"])
        assert t.loc[("m", level, "pearson"), "note"] == ""
    assert str(result.table["n_items"].dtype) == "Int64"


def test_hanna_item_level_counts_the_prompts_that_entered(datasets_dir):
    frame = hanna_long(datasets_dir, ["Empathy", CIDER, ROUGE4, "BLEU Ξ§"])
    js = JudgementSet.from_frame(frame, item="item", system="system", human="Empathy")
    result = correlate(js, coefficients=["pearson"], levels=["item", "system"], k=0)
    t = result.table.set_index(["metric", "level"])
    for metric, entered in ((CIDER, 66), (ROUGE4, 43), ("BLEU Ξ§", 96)):
        row = t.loc[(metric, "item")]
        assert (row["n"], row["n_items"]) == (96, entered), metric
        expected = "" if entered == 96 else (
            f"{entered} of 96 items entered the average; {96 - entered} left out as undefined "
            f"there (a constant metric score in {96 - entered})")
        assert row["note"] == expected, metric
        assert abs(row["statistic"]) == pytest.approx(
            published_story_pearson(datasets_dir, metric, "Empathy"), abs=1e-8), metric
        assert pd.isna(t.loc[(metric, "system"), "n_items"])


def test_readme_example_of_n_items_runs_as_written(capsys):
    """The README's example of the result columns prints what its comment says."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in readme.split("```python\n")[1:]]
    block = next(b for b in blocks if "n_items" in b and "item c: all 0" in b)
    exec(compile(block, "README.md", "exec"), {})
    printed = capsys.readouterr().out.split()
    assert printed[:5] == ["metric", "statistic", "n", "n_items", "note"]
    assert printed[5:9] == ["bleu", "0.960769", "3", "2"]
    assert " ".join(printed[9:]) == ("2 of 3 items entered the average; 1 left out as undefined "
                                     "there (a constant metric score in 1)")
