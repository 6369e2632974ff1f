"""Rater screening: P.808 z-score flags on GSVS, BS.1534 post-screening reproduces the released
filtered MUSHRA file, and nothing is dropped without being listed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metaeval.errors import DataError, ParameterError
from metaeval.listening.formats import read_ratings
from metaeval.listening.ratings import RatingTable
from metaeval.listening.screening import (
    apply_screening,
    mushra_post_screening,
    p808_screening,
    per_item_z,
)
from tests.registered import registered

MUSHRA_FILE = registered("bernoulli_mushra", "ratings_formated.csv")
MUSHRA_FILTERED_FILE = registered("bernoulli_mushra", "ratings_formated_filtered.csv")


def _table(ratings: dict[tuple[str, str], list[float]], kind="dcr", scale=(1, 5), **kw):
    rows = [{"item": i, "system": s, "rater": f"r{j}", "rating": v}
            for (i, s), values in ratings.items() for j, v in enumerate(values)]
    return RatingTable(pd.DataFrame(rows), kind, scale, **kw)


def test_per_item_z_by_hand():
    # 12 ratings of one stimulus: eleven 1s and one 5: mean 4/3, population std sqrt(176/144)
    table = _table({("a", "s"): [1.0] * 11 + [5.0], ("b", "s"): [3.0] * 12})
    z = per_item_z(table).to_numpy()
    std = np.sqrt((11 * (1 - 4 / 3) ** 2 + (5 - 4 / 3) ** 2) / 12)
    assert z[11] == pytest.approx((5 - 4 / 3) / std)  # = sqrt(11) = 3.317 > 3.29
    assert z[11] == pytest.approx(np.sqrt(11))
    assert np.all(z[12:] == 0.0)  # constant stimulus: z = 0
    result = p808_screening(table, max_flags=0)
    assert result.ratings["flag"].sum() == 1
    row = result.raters.set_index("rater").loc["r11"]
    assert row["flags"] == 1 and not row["excluded"] and "more than 0" in row["reason"]
    excluded = p808_screening(table, max_flags=0, exclude=True)
    assert excluded.excluded == ["r11"]
    kept = apply_screening(table, excluded)
    assert "r11" not in kept.raters and len(kept.frame) == 22


def test_p808_on_gsvs_matches_a_direct_computation():
    table = read_ratings(format="dcr")
    result = p808_screening(table)
    # the GSVS analysis (gensvs_eval_dmos_corr_friedman.py): per trial, population std
    wide = pd.read_csv(table.info.source)
    ratings = wide[[f"rating_{i}" for i in range(12)]].to_numpy()
    subjects = wide[[f"subject_rating_{i}" for i in range(12)]].to_numpy()
    std = ratings.std(axis=1, ddof=0, keepdims=True)
    z = np.where(std > 0, (ratings - ratings.mean(axis=1, keepdims=True)) / np.where(std > 0, std, 1), 0)
    names, counts = np.unique(subjects[np.abs(z) > 3.29], return_counts=True)
    expected = dict(zip(names, counts))
    assert expected == {"subject_17": 2, "subject_21": 2, "subject_27": 1, "subject_4": 1}
    got = result.raters.set_index("rater")["flags"]
    assert got[got > 0].to_dict() == expected
    assert result.flagged == ["subject_17", "subject_21", "subject_27", "subject_4"]
    assert int(result.ratings["flag"].sum()) == 6
    # nobody has more than 2 flags, so none is listed or excluded; with max_flags=1 two are
    assert (result.raters["reason"] == "").all() and result.excluded == []
    strict = p808_screening(table, max_flags=1)
    listed = strict.raters[strict.raters["reason"] != ""]["rater"].tolist()
    assert listed == ["subject_17", "subject_21"] and strict.excluded == []
    assert "ratings kept" in strict.rule
    assert len(result.raters) == 30 and result.raters["n_ratings"].sum() == 3000


def _per_stimulus(table: RatingTable) -> dict:
    frame = table.frame
    return {key: list(zip(group["rater"], group["rating"]))
            for key, group in frame.groupby(["item", "system"], sort=True)}


def test_mushra_rule_reproduces_the_released_filtered_file():
    full = read_ratings(MUSHRA_FILE, format="mushra")
    result = mushra_post_screening(full, reference_threshold=90, max_trials=1)
    assert result.excluded == ["17", "6"]
    reasons = result.raters.set_index("rater")
    assert reasons.loc["6", "flags"] == 5 and reasons.loc["17", "flags"] == 2
    assert reasons.loc["6", "reason"] == ("hidden reference rated below 90 in 5 of 8 trials "
                                          "(more than 1)")
    assert reasons.loc[["3", "16", "21"], "flags"].tolist() == [1, 1, 1]
    assert not reasons.loc[["3", "16", "21"], "excluded"].any()
    screened = apply_screening(full, result)
    released = read_ratings(MUSHRA_FILTERED_FILE, format="mushra")
    assert _per_stimulus(screened) == _per_stimulus(released)  # same raters, order and values
    # the BS.1534 share rule (more than 15 % of the 8 trials) gives the same listeners
    assert mushra_post_screening(full).excluded == ["17", "6"]
    assert "more than 15%" in mushra_post_screening(full).rule


def test_mushra_share_rule_and_anchor_check_by_hand():
    # 10 trials per rater: 15 % of 10 = 1.5, so 2 low references exclude, 1 does not
    ratings = {}
    for t in range(10):
        ratings[(f"t{t}", "ref")] = [100, 85 if t < 2 else 95, 85 if t < 1 else 100]
        ratings[(f"t{t}", "anchor")] = [10, 20, 60 if t < 3 else 10]
        ratings[(f"t{t}", "codec")] = [50, 55, 60]
    table = _table(ratings, kind="mushra", scale=(0, 100), reference="ref", anchors=("anchor",))
    result = mushra_post_screening(table)
    assert result.excluded == ["r1"]
    assert result.raters.set_index("rater").loc["r2", "flags"] == 1
    both = mushra_post_screening(table, anchor_threshold=40)
    assert both.excluded == ["r1", "r2"]
    assert "anchor rated above 40 in 3 of 10 trials" in both.raters.set_index("rater").loc[
        "r2", "reason"]
    assert both.ratings["anchor_high"].sum() == 3


def test_screening_errors():
    table = _table({("a", "s"): [1.0, 2.0]})
    with pytest.raises(ParameterError, match="hidden-reference"):
        mushra_post_screening(table)
    other = _table({("a", "s"): [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match="not in the table"):
        apply_screening(table, p808_screening(other))
    everyone = p808_screening(table)
    everyone.raters["excluded"] = True
    with pytest.raises(DataError, match="excluded every rater"):
        apply_screening(table, everyone)
