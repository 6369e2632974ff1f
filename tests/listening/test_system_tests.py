"""System comparisons and pooling tests, checked against scipy on the released GSVS numbers."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from metaeval.errors import StatsError
from metaeval.listening.posthoc import compact_letters, friedman_posthoc, pooling_tests

SYSTEMS = ["htdemucs", "melroformer_small", "melroformer_large", "sgmsvs",
           "melroformer_bigvgan"]
RATING_COLUMNS = [f"rating_{i}" for i in range(12)]


@pytest.fixture(scope="module")
def dmos(released) -> pd.DataFrame:
    """Items x systems matrix of the released DMOS column."""
    return released.pivot(index="file_id", columns="model_name", values="DMOS")


def test_friedman_equals_scipy(ratings, dmos):
    result = friedman_posthoc(ratings)
    expected = scipy.stats.friedmanchisquare(*(dmos[s].to_numpy() for s in SYSTEMS))
    assert result.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert result.pvalue == pytest.approx(expected.pvalue, rel=1e-9)
    assert result.n_items == 50 and result.dropped_items == []
    assert result.systems[0] == "melroformer_bigvgan" and result.systems[-1] == "htdemucs"


@pytest.mark.parametrize("correction", ["bonferroni", "holm"])
def test_pairwise_wilcoxon_equals_scipy(ratings, dmos, correction):
    result = friedman_posthoc(ratings, correction=correction)
    pairs = result.pairs.set_index(["system_a", "system_b"])
    assert len(pairs) == 10
    raw = {}
    for a, b in combinations(result.systems, 2):
        test = scipy.stats.wilcoxon(dmos[a].to_numpy(), dmos[b].to_numpy())
        assert pairs.loc[(a, b), "statistic"] == pytest.approx(test.statistic)
        assert pairs.loc[(a, b), "pvalue"] == pytest.approx(test.pvalue, rel=1e-9)
        assert pairs.loc[(a, b), "diff"] == pytest.approx(dmos[a].mean() - dmos[b].mean())
        raw[(a, b)] = test.pvalue
    keys = sorted(raw, key=raw.get)
    if correction == "bonferroni":
        expected = {key: min(1.0, 10 * raw[key]) for key in keys}
    else:  # Holm by hand: running max of (m - j) p_(j), capped at 1
        expected, running = {}, 0.0
        for j, key in enumerate(keys):
            running = max(running, min(1.0, (10 - j) * raw[key]))
            expected[key] = running
    for key, value in expected.items():
        assert pairs.loc[key, "p_adjusted"] == pytest.approx(value, rel=1e-9)
        assert pairs.loc[key, "significant"] == (value < 0.05)


def test_gsvs_letters(ratings):
    letters = friedman_posthoc(ratings).letters
    assert letters == {"melroformer_bigvgan": "a", "melroformer_large": "a", "sgmsvs": "a",
                       "melroformer_small": "b", "htdemucs": "c"}


def test_compact_letters_hand_cases():
    assert compact_letters(["A", "B", "C"], set()) == {"A": "a", "B": "a", "C": "a"}
    assert compact_letters(["A", "B", "C"], {frozenset("AB")}) == {"A": "a", "B": "b",
                                                                   "C": "ab"}
    sig = {frozenset("AC"), frozenset("AD"), frozenset("BD")}
    assert compact_letters(list("ABCD"), sig) == {"A": "a", "B": "ab", "C": "bc", "D": "c"}


def test_compact_letters_share_a_letter_iff_not_significant():
    rng = np.random.default_rng(0)
    for _ in range(200):
        names = [f"s{i}" for i in range(int(rng.integers(2, 8)))]
        sig = {frozenset(p) for p in combinations(names, 2) if rng.random() < 0.4}
        letters = compact_letters(names, sig)
        for a, b in combinations(names, 2):
            share = bool(set(letters[a]) & set(letters[b]))
            assert share == (frozenset((a, b)) not in sig)


def test_incomplete_items_use_skillings_mack_and_errors(ratings):
    partial = ratings[~((ratings["item"] == "fileid_0") & (ratings["system"] == "sgmsvs"))]
    result = friedman_posthoc(partial)  # the item missing one system still counts
    assert result.test == "skillings-mack" and result.n_items == 50 and result.dropped_items == []
    pair = result.pairs.set_index(["system_a", "system_b"])
    assert pair["n"].min() == 49 and pair["n"].max() == 50
    with pytest.raises(StatsError, match="at least 3 systems"):
        friedman_posthoc(ratings[ratings["system"].isin(["sgmsvs", "htdemucs"])])
    with pytest.raises(StatsError, match="correction"):
        friedman_posthoc(ratings, correction="sidak")


def test_pooling_tests_equal_scipy_on_stimulus_means(ratings, released):
    table = pooling_tests(ratings, "group_id")
    assert list(table.columns) == ["system", "test", "group", "statistic", "pvalue", "n"]
    assert len(table) == 5 * (2 + 3)
    rows = table.set_index(["system", "test", "group"])
    for system, part in released.groupby("model_name"):
        samples = {g: v["DMOS"].to_numpy() for g, v in part.groupby("group_id")}
        anova = scipy.stats.f_oneway(*samples.values())
        kruskal = scipy.stats.kruskal(*samples.values())
        assert rows.loc[(system, "anova", ""), "statistic"] == pytest.approx(anova.statistic)
        assert rows.loc[(system, "anova", ""), "pvalue"] == pytest.approx(anova.pvalue)
        assert rows.loc[(system, "kruskal", ""), "statistic"] == pytest.approx(kruskal.statistic)
        assert rows.loc[(system, "kruskal", ""), "pvalue"] == pytest.approx(kruskal.pvalue)
        for group, x in samples.items():
            shapiro = scipy.stats.shapiro(x)
            assert rows.loc[(system, "shapiro", group), "statistic"] == pytest.approx(
                shapiro.statistic)
            assert rows.loc[(system, "shapiro", group), "pvalue"] == pytest.approx(
                shapiro.pvalue)
            assert rows.loc[(system, "shapiro", group), "n"] == len(x)


def test_pooling_tests_on_ratings(ratings, released):
    table = pooling_tests(ratings, "group_id", unit="rating").set_index(["system", "test",
                                                                         "group"])
    part = released[released["model_name"] == "sgmsvs"]
    samples = [v[RATING_COLUMNS].to_numpy(float).ravel() for _, v in part.groupby("group_id")]
    kruskal = scipy.stats.kruskal(*samples)
    assert table.loc[("sgmsvs", "kruskal", ""), "statistic"] == pytest.approx(kruskal.statistic)
    assert table.loc[("sgmsvs", "kruskal", ""), "n"] == 600
    with pytest.raises(StatsError, match="no column"):
        pooling_tests(ratings, "session")
    with pytest.raises(StatsError, match="unit"):
        pooling_tests(ratings, "group_id", unit="rater")


def test_pooling_tests_undefined_cases_are_nan():
    frame = pd.DataFrame({"item": ["a", "b", "c", "d"], "system": "s",
                          "rater": ["r1", "r1", "r2", "r2"], "rating": [3.0, 3.0, 3.0, 3.0],
                          "group": ["g1", "g1", "g2", "g2"]})
    table = pooling_tests(frame, "group")
    assert table["statistic"].isna().all()
    assert table.loc[table["test"] == "shapiro", "n"].tolist() == [2, 2]
