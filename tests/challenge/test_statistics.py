"""Contrastive-pair statistics: outcomes, taus, bootstrap draws, PERM-BOTH, ACES-Score, Span-F1
(hand-computed cases and the paper's ACES-Score check, SPECS §3)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from metaeval.challenge import aces_score, category_of, gold_spans, span_f1
from metaeval.challenge.aces import WEIGHTS, phenomenon_categories
from metaeval.challenge.evaluate import challenge_statistics
from metaeval.challenge.tables import headline_weights, summary_rows
from metaeval.errors import ParameterError
from metaeval.stats.contrastive import bootstrap_taus, group_means, outcomes, pair_permutation

# WMT22 ACES paper, COMET-22 row (SPECS §3)
COMET22 = {"addition": .333, "omission": .806, "mistranslation": .566, "untranslated": .536,
           "do not translate": .900, "overtranslation": .690, "undertranslation": .538,
           "real-world knowledge": .574, "wrong language": -.318, "punctuation": .539}


def test_aces_score_reproduces_the_paper():
    score, absent = aces_score(COMET22)
    assert round(score, 2) == 16.41 and absent == []
    assert aces_score({c: 1.0 for c in WEIGHTS})[0] == pytest.approx(29.1)


def test_absent_category_is_named_not_nan():
    means = {c: v for c, v in COMET22.items() if c != "punctuation"}
    means["wrong language"] = float("nan")
    score, absent = aces_score(means)
    assert absent == ["wrong language", "punctuation"]
    assert score == pytest.approx(16.41 - 0.0539 + 0.318, abs=1e-3)
    assert math.isnan(aces_score({})[0])


def test_phenomenon_categories_cover_the_68_aces_phenomena():
    table = phenomenon_categories()
    assert len(table) == 68 and set(table.values()) <= set(WEIGHTS) | {"other"}
    assert category_of("copy-source") == "untranslated"
    assert category_of("xnli-omission-neutral") == "mistranslation"  # as the ACES repository
    assert category_of("not-an-aces-phenomenon") == "other"


def test_ties_are_discordant_and_missing_is_nan():
    out = outcomes([2.0, 1.0, 1.0, np.nan], [1.0, 1.0, 3.0, 0.0])
    assert out[:3].tolist() == [1.0, -1.0, -1.0] and math.isnan(out[3])
    # tau = (C - D) / (C + D) = (1 - 2) / 3 over the finite pairs
    assert group_means(out, np.zeros(4, int), 1)[0] == pytest.approx(-1 / 3)


def test_summary_rows_by_hand():
    pairs = pd.DataFrame({"phenomenon": ["p1", "p1", "p2", "p3"],
                          "category": ["addition", "addition", "omission", "punctuation"],
                          "langpair": ["en-de", "en-de", "en-de", "de-en"]})
    outcome = np.array([[1.0, -1.0, 1.0, 1.0]])
    table = summary_rows(pairs, ["m"], outcome, k=50, seed=0, ci=0.95)
    pooled = table[table["langpair"] == ""].set_index(["phenomenon", "category"])["statistic"]
    assert pooled[("p1", "addition")] == 0.0 and pooled[("p2", "omission")] == 1.0
    assert pooled[("", "addition")] == 0.0 and pooled[("", "punctuation")] == 1.0
    assert pooled[("", "ACES-Score")] == pytest.approx(5 * 0 + 5 * 1 + 0.1 * 1)
    assert pooled[("", "mean tau")] == pytest.approx(2 / 3)
    assert pooled[("", "all pairs")] == pytest.approx(0.5)
    de_en = table[table["langpair"] == "de-en"].set_index("category")
    assert de_en.loc["ACES-Score", "statistic"] == pytest.approx(0.1)
    # a phenomenon of one pair (or all pairs alike) has no interval (every draw is equal)
    p2 = table[(table["langpair"] == "") & (table["phenomenon"] == "p2")].iloc[0]
    assert np.isnan(p2["ci_low"]) and np.isnan(p2["ci_high"]) and p2["n"] == 1
    assert "all 50 bootstrap draws gave the same value (1 pair(s))" in p2["note"]
    p1 = table[(table["langpair"] == "") & (table["phenomenon"] == "p1")].iloc[0]
    assert p1["ci_low"] < p1["ci_high"] and p1["note"] == ""


def test_bootstrap_draws_resample_within_phenomena():
    outcome = np.array([[1.0] * 5 + [-1.0] * 5, [1.0, -1.0] * 5])
    groups = np.array([0] * 5 + [1] * 5)
    draws = bootstrap_taus(outcome, groups, 2, k=200, seed=3)
    assert draws.shape == (2, 200, 2)
    assert (draws[0, :, 0] == 1).all() and (draws[0, :, 1] == -1).all()  # sizes stay fixed
    assert set(np.unique(draws[1] * 5).round(6)) <= {-5, -3, -1, 1, 3, 5}
    assert np.array_equal(draws, bootstrap_taus(outcome, groups, 2, k=200, seed=3))
    with pytest.raises(ParameterError):
        bootstrap_taus(outcome, groups, 2, k=0)


def test_perm_both_is_exact_for_few_pairs():
    a = np.array([1.0, 1.0, 1.0, 1.0])
    b = np.array([-1.0, -1.0, -1.0, 1.0])  # three pairs disagree: p = 1 / 2^3
    p, delta = pair_permutation(a, b, np.zeros(4, int), np.array([1.0]))
    assert p == 0.125 and delta == pytest.approx(1.5)
    assert pair_permutation(a, a, np.zeros(4, int), np.array([1.0])) == (1.0, 0.0)
    assert pair_permutation(b, a, np.zeros(4, int), np.array([1.0]))[0] == 1.0


def test_perm_both_sampled_for_many_pairs():
    rng = np.random.default_rng(0)
    a = np.where(rng.random(400) < 0.8, 1.0, -1.0)
    b = np.where(rng.random(400) < 0.5, 1.0, -1.0)
    p, delta = pair_permutation(a, b, np.zeros(400, int), np.array([1.0]), k=999, seed=1)
    assert p == 1 / 1000 and delta == pytest.approx(a.mean() - b.mean())
    p_null, _ = pair_permutation(b, b[::-1], np.zeros(400, int), np.array([1.0]), k=999)
    assert 0.05 < p_null <= 1.0


def test_span_f1_parses_the_annotation():
    annotated = "Der <v>Hund</v> sitzt auf der <v>Matte</v>."
    assert gold_spans(annotated) == {"Hund", "Matte"}
    assert span_f1([["Hund", "Matte"]], [annotated]) == 1.0
    assert span_f1([["Hund"]], [annotated]) == pytest.approx(2 * 1 * 0.5 / 1.5)
    assert span_f1([[]], ["no spans here"]) == 1.0  # empty vs empty
    assert span_f1([["x"]], ["no spans here"]) == 0.0
    assert span_f1([[annotated]], [annotated]) == 0.0  # the raw string is not a span
    assert math.isnan(span_f1([], []))


def _singletons_against_the_majority(rng: np.random.Generator):
    """Three phenomena of 60 pairs where metric a is right on ~90% and b on ~50%, and three of
    one pair each where only b is right: weighted as whole phenomena the single pairs decide
    the mean tau, yet their bootstrap draws have no variance."""
    big = [np.where(rng.random(60) < p, 1.0, -1.0) for p in (0.9, 0.5)]
    a = np.concatenate([big[0]] * 3 + [np.array([-1.0, -1.0, -1.0])])
    b = np.concatenate([big[1]] * 3 + [np.array([1.0, 1.0, 1.0])])
    phenomena = [f"big{j}" for j in range(3) for _ in range(60)] + ["s1", "s2", "s3"]
    pairs = pd.DataFrame({"phenomenon": phenomena, "category": "other", "langpair": "en-de"})
    return pairs, np.vstack([a, b])


def _non_overlapping_share_no_cluster(ranking: pd.DataFrame) -> bool:
    rows = ranking.to_dict("records")
    return all(x["cluster"] != y["cluster"] for x in rows for y in rows
               if x["ci_low"] > y["ci_high"])


def test_min_pairs_keeps_single_pairs_out_of_the_headline_and_its_tests():
    """A metric pair whose headline CIs do not overlap is never in one cluster: the intervals
    (pairs resampled within phenomena) and PERM-BOTH (pairs swapped) measure the same statistic
    over the same phenomena. With every phenomenon in (min_pairs=1, the earlier behaviour) the
    single pairs give narrow intervals but a PERM-BOTH p far above alpha."""
    pairs, outcome = _singletons_against_the_majority(np.random.default_rng(11))
    table, headline, ranking, pairwise = challenge_statistics(
        pairs, ["a", "b"], outcome, k=1000, seed=0, ci=0.95, alpha=0.05, min_pairs=10)
    big = outcome[:, :180].reshape(2, 3, 60).mean(2).mean(1)  # mean tau of the big phenomena
    head = ranking.set_index("metric")
    assert headline == "mean tau" and head["statistic"].to_dict() == pytest.approx(
        {"a": big[0], "b": big[1]})
    assert list(head["cluster"]) == [1.0, 2.0] and _non_overlapping_share_no_cluster(ranking)
    p = pairwise.set_index(["metric_a", "metric_b"])["pvalue"]
    assert p[("a", "b")] == pytest.approx(1 / 1001)
    single = table[(table["langpair"] == "") & (table["phenomenon"] == "s1")].iloc[0]
    assert single["statistic"] == -1.0 and "fewer than min_pairs = 10" in single["note"]
    everything = challenge_statistics(pairs, ["a", "b"], outcome, k=1000, seed=0, ci=0.95,
                                      alpha=0.05, min_pairs=1)
    assert not _non_overlapping_share_no_cluster(everything[2])  # the reported defect


def test_headline_weights_leave_small_phenomena_out():
    pairs = pd.DataFrame({"phenomenon": ["p1"] * 3 + ["p2"] + ["p3"] * 2,
                          "category": ["addition"] * 3 + ["addition"] + ["omission"] * 2})
    codes, weights = headline_weights(pairs, "mean tau", min_pairs=2)
    assert codes.tolist() == [0, 0, 0, 1, 2, 2] and weights.tolist() == [0.5, 0.0, 0.5]
    codes, weights = headline_weights(pairs, "ACES-Score", min_pairs=2)
    assert weights.tolist() == [5.0, 0.0, 5.0]
    assert headline_weights(pairs, "ACES-Score")[1].tolist() == [2.5, 2.5, 5.0]  # min_pairs 1


def test_summary_rows_when_no_phenomenon_is_large_enough():
    pairs = pd.DataFrame({"phenomenon": ["p1", "p1", "p2"], "category": ["omission"] * 3,
                          "langpair": ["en-de"] * 3})
    table = summary_rows(pairs, ["m"], np.array([[1.0, -1.0, 1.0]]), k=20, seed=0, ci=0.95,
                         min_pairs=5)
    pooled = table[(table["langpair"] == "") & (table["phenomenon"] == "")].set_index("category")
    assert set(pooled.index) == {"mean tau", "all pairs", "ACES-Score"}
    for name in ("mean tau", "ACES-Score"):
        assert np.isnan(pooled.loc[name, "statistic"]) and pooled.loc[name, "n"] == 0
        assert pooled.loc[name, "note"] == "no phenomenon has min_pairs = 5 pairs or more"
    assert pooled.loc["all pairs", "statistic"] == pytest.approx(1 / 3)
