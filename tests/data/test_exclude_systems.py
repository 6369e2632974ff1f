"""`exclude_systems` (CLI `--exclude-systems`) drops a system's rows before the missing-score
check: a hidden reference (``Human``) without metric scores, in the judgement table or in a
`--scores` file (no rows, or rows with NaN), needs no `--missing drop`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.correlation import correlate, judgements
from metaeval.errors import DataError, ParameterError


def _frame(seed: int) -> pd.DataFrame:
    """10 items x (A, B, Human); ``bleu`` is empty for Human (a reference scores itself)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame([(str(i), s) for i in range(10) for s in ("A", "B", "Human")],
                         columns=["item", "system"])
    frame["score"] = rng.normal(size=len(frame))
    frame["bleu"] = np.where(frame["system"] == "Human", np.nan,
                             frame["score"] + rng.normal(size=len(frame)))
    return frame


def _write(tmp_path, frame, shape: str) -> list[str]:
    """The files of one shape and the --data/--scores arguments that read them."""
    if shape == "table":
        frame.to_csv(tmp_path / "j.csv", index=False)
        return ["--data", str(tmp_path / "j.csv")]
    frame[["item", "system", "score"]].to_csv(tmp_path / "j.csv", index=False)
    scores = frame[["item", "system", "bleu"]]
    if shape == "scores without Human rows":
        scores = scores[scores["system"] != "Human"]
    scores.to_csv(tmp_path / "s.csv", index=False)
    return ["--data", str(tmp_path / "j.csv"), "--scores", str(tmp_path / "s.csv")]


@pytest.mark.parametrize("shape", ["table", "scores without Human rows", "scores with NaN"])
def test_excluded_reference_needs_no_missing_drop(tmp_path, shape):
    frame = _frame(3)
    arguments = _write(tmp_path, frame, shape)
    out = tmp_path / "o"
    result = CliRunner().invoke(app, ["correlate", *arguments, "--item", "item", "--system",
                                      "system", "--human", "score", "--exclude-systems",
                                      "Human", "--coef", "pearson", "--k", "20", "--out",
                                      str(out), "--format", "csv", "--quiet"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "results.csv")
    kept = frame[frame["system"] != "Human"]
    assert table["n"].tolist() == [20]
    assert table["statistic"][0] == pytest.approx(stats.pearsonr(kept["score"],
                                                                 kept["bleu"]).statistic)


def test_library_keyword_and_rows_of_later_errors(tmp_path):
    frame = _frame(4)
    frame.loc[7, "bleu"] = np.nan  # item 2, system B: file line 9
    frame.to_csv(tmp_path / "j.csv", index=False)
    keywords = {"data": tmp_path / "j.csv", "item": "item", "system": "system",
                "human": "score", "exclude_systems": ["Human"]}
    with pytest.raises(DataError, match=r"j\.csv, row 9, column 'bleu': missing metric score "
                                        r"\(1 missing"):
        judgements(**keywords)
    js, _ = judgements(**keywords, missing="drop")
    assert "Human" not in set(js.table["system"]) and len(js.table) == 20
    result = correlate(js, coefficients=["spearman"], k=20, seed=0)
    kept = frame[(frame["system"] != "Human") & frame["bleu"].notna()]
    assert result.table["statistic"][0] == pytest.approx(
        stats.spearmanr(kept["score"], kept["bleu"]).statistic)
    with pytest.raises(ParameterError, match="exclude_systems='Humn': no such system; the "
                                             "systems are A, B, Human"):
        judgements(**{**keywords, "exclude_systems": ["Humn"]})
