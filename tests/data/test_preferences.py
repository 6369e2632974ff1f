"""Loading choices: pairwise and best-of-N rows, the conversion of pages into pairwise votes,
and one-line refusals (file, row, column, fix) of bad input before any statistic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metaeval.data.judgements import MetricInfo
from metaeval.data.preferences import attach_scores, load_best_of_n, load_pairwise
from metaeval.errors import DataError


def _write(tmp_path, rows: list[str], name: str = "choices.csv"):
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_best_of_n_pages_become_votes(tmp_path):
    path = _write(tmp_path, ["song,algo,who,best", "s1,B,r1,1", "s1,A,r1,0", "s1,C,r1,0",
                             "s1,A,r2,1", "s1,B,r2,0", "s1,C,r2,0"])
    pset = load_best_of_n(path, item="song", system="algo", rater="who", picked="best")
    votes = pset.votes.sort_values(["rater", "system_a", "system_b"])
    # r1 picked B: B > A (pair A,B: b wins), B > C (pair B,C: a wins); r2 picked A
    assert votes[["rater", "system_a", "system_b", "outcome"]].values.tolist() == [
        ["r1", "A", "B", -1], ["r1", "B", "C", 1], ["r2", "A", "B", 1], ["r2", "A", "C", 1]]
    arrays = pset.arrays()
    assert (arrays.n_items, arrays.n_systems, arrays.n_raters, arrays.n_pairs) == (1, 3, 2, 3)
    assert arrays.best_of_n and arrays.picked.sum() == 2


def test_pairwise_rows_are_ordered_and_flipped(tmp_path):
    path = _write(tmp_path, ["item,system_a,system_b,winner,rater", "x,B,A,a,r1",
                             "x,A,B,tie,r2", "x,A,B,B,r3"])
    votes = load_pairwise(path).votes
    assert votes[["system_a", "system_b", "outcome"]].values.tolist() == [
        ["A", "B", -1], ["A", "B", 0], ["A", "B", -1]]


def test_pairwise_without_rater_column_counts_each_row_as_a_rater(tmp_path):
    path = _write(tmp_path, ["item,system_a,system_b,winner", "x,A,B,a", "x,A,B,b"])
    assert load_pairwise(path).raters == ["row 2", "row 3"]


@pytest.mark.parametrize("rows,message", [
    (["item,system,rater,picked", "s,A,r,1", "s,B,r,2"],
     r"choices.csv, row 3, column 'picked': picked is '2', not 0 or 1 Fix: write 1"),
    (["item,system,rater,picked", "s,A,r,1", "s,B,r,1"],
     r"row 2, column 'picked': rater 'r'.s page of item 's' has 2 picks Fix: mark exactly one"),
    (["item,system,rater,picked", "s,A,r,0", "s,B,r,0"],
     r"has 0 picks"),
    (["item,system,rater,picked", "s,A,r,1", "s,A,r,0"],
     r"row 3, column 'system': system 'A' appears twice"),
    (["item,system,rater,picked", "s,A,,1"], r"row 2, column 'rater': empty value"),
    (["item,system,judge,picked", "s,A,r,1"],
     r"column 'rater': no rater column 'rater'; the file has .* Fix: name the column with "
     r"--rater COLUMN"),
])
def test_bad_best_of_n_rows_are_refused(tmp_path, rows, message):
    with pytest.raises(DataError, match=message):
        load_best_of_n(_write(tmp_path, rows))


@pytest.mark.parametrize("rows,message", [
    (["item,system_a,system_b,winner,rater", "x,A,B,left,r"],
     r"row 2, column 'winner': winner 'left' is not a, b or tie"),
    (["item,system_a,system_b,winner,rater", "x,A,A,a,r"],
     r"row 2, column 'system_b': the pair compares 'A' with itself"),
])
def test_bad_pairwise_rows_are_refused(tmp_path, rows, message):
    with pytest.raises(DataError, match=message):
        load_pairwise(_write(tmp_path, rows))


def test_scores_for_every_candidate(tmp_path):
    path = _write(tmp_path, ["item,system,rater,picked", "s,A,r,1", "s,B,r,0"])
    pset = load_best_of_n(path)
    scores = pd.DataFrame({"item": ["s", "s"], "system": ["A", "B"], "m": [1.0, 3.0],
                           "err": [2.0, 1.0]})
    attach_scores(pset, scores, {"m": MetricInfo("m"), "err": MetricInfo("err", False)}, "s.csv")
    a, b = pset.systems.index("A"), pset.systems.index("B")
    np.testing.assert_array_equal(pset.scores[:, 0, [a, b]], [[1.0, 3.0], [-2.0, -1.0]])
    with pytest.raises(DataError, match=r"s\.csv, column 'm': no numeric m score for item 's', "
                                        r"system 'B' .* Fix: score every candidate"):
        attach_scores(load_best_of_n(path), scores.iloc[:1], {"m": MetricInfo("m")}, "s.csv")


def test_a_rater_judging_a_pair_twice_is_refused_in_either_order(tmp_path):
    """Both readers of choice files (correlate's preference gold and the listening summary) go
    through this loader; a repeated verdict was counted twice by correlate before."""
    path = _write(tmp_path, ["item,system_a,system_b,winner,rater", "i1,A,B,a,r1",
                             "i1,C,A,b,r1", "i1,B,A,a,r1"])
    with pytest.raises(DataError, match=r"row 4, column 'rater': rater 'r1' judged the pair "
                                        r"\('A', 'B'\) of item 'i1' twice"):
        load_pairwise(path)
    from metaeval.listening.choices import read_choices
    with pytest.raises(DataError, match="judged the pair"):
        read_choices(path, format="pairwise")
