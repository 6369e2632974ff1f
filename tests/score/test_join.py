"""Joining a scores table onto a judgement table by (item, system)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metaeval.errors import DataError
from metaeval.score.files import write_scores
from metaeval.score.join import join_scores


@pytest.fixture
def scores():
    return pd.DataFrame({"item": ["1", "1", "2", "2"], "system": ["A", "B", "A", "B"],
                         "sisdr": [3.0, 4.0, np.nan, 6.0], "mrstft": [0.1, 0.2, 0.3, 0.4],
                         "errors": ["", "", "sisdr: silent", ""]})


@pytest.fixture
def judgements():  # two raters per pair, integer item ids, another column order
    return pd.DataFrame({"seg": [2, 1, 2, 1, 1], "model": ["B", "A", "B", "A", "B"],
                         "rater": ["r1", "r1", "r2", "r2", "r1"], "mos": [4, 3, 5, 2, 3]})


@pytest.mark.parametrize("source", ["frame", ".csv", ".parquet"])
def test_metric_columns_join_by_item_and_system(tmp_path, scores, judgements, source):
    if source != "frame":
        scores = write_scores(scores, tmp_path / f"s{source}")
    joined = join_scores(judgements, scores, "seg", "model")
    assert joined.columns.tolist() == ["seg", "model", "rater", "mos", "sisdr", "mrstft"]
    assert joined["sisdr"].tolist() == [6.0, 3.0, 6.0, 3.0, 4.0]
    assert joined["mrstft"].tolist() == [0.4, 0.1, 0.4, 0.1, 0.2]
    pd.testing.assert_frame_equal(joined[judgements.columns], judgements)


def test_failed_score_stays_missing(scores):
    judgements = pd.DataFrame({"item": ["2"], "system": ["A"], "mos": [1.0]})
    joined = join_scores(judgements, scores, "item", "system")
    assert np.isnan(joined["sisdr"][0]) and joined["mrstft"][0] == 0.3


def test_unmatched_keys_are_listed(scores, judgements):
    extra = pd.concat([judgements, pd.DataFrame({"seg": [3, 9], "model": ["A", "Z"],
                                                 "rater": ["r1", "r1"], "mos": [1, 1]})])
    with pytest.raises(DataError, match=r"2 \(item, system\) pair\(s\) of the judgements have no "
                                        r"scores: \(3, A\), \(9, Z\).*Fix:"):
        join_scores(extra, scores, "seg", "model")


def test_clashing_duplicate_and_missing_columns(tmp_path, scores, judgements):
    with pytest.raises(DataError, match="'mos'.*in the judgement table already"):
        join_scores(judgements, scores.assign(mos=1.0), "seg", "model")
    with pytest.raises(DataError, match=r"duplicate \(item, system\) pairs in the scores: \(1, A\)"):
        join_scores(judgements, pd.concat([scores, scores.iloc[:1]]), "seg", "model")
    with pytest.raises(DataError, match="no column 'segment'"):
        join_scores(judgements, scores, "segment", "model")
    with pytest.raises(DataError, match="scores file not found"):
        join_scores(judgements, tmp_path / "none.parquet", "seg", "model")
    (tmp_path / "s.xlsx").write_text("x")
    with pytest.raises(DataError, match="unsupported scores file type '.xlsx'"):
        join_scores(judgements, tmp_path / "s.xlsx", "seg", "model")
