"""Preference gold on the real SiSEC 2018 best-of-6 test (34 raters, 13 songs, 6 systems) with the
authors' published SDR and OPS as the metric scores: every statistic equals a computation by
hand (pandas), scipy or a direct likelihood maximisation, and the pairwise set built from the
pages gives the same pairwise numbers as the best-of-N file."""

from __future__ import annotations

from itertools import product

import numpy as np
import pandas as pd
import pytest
import scipy.optimize
import scipy.stats

from metaeval.correlation.preference_inputs import load_choices
from metaeval.correlation.preferences import correlate_choices
from tests.stats.test_bradley_terry import negative_log_likelihood

METRICS = ("SDR_pub", "OPS_pub")


@pytest.fixture(scope="module")
def sisec(sisec_dir):
    return sisec_dir


@pytest.fixture(scope="module")
def result(sisec):
    pset = load_choices(sisec / "ratings_long.csv", "best-of-n", sisec / "published_scores.csv")
    return correlate_choices(pset, k=0)


def value(result, coefficient, level, metric):
    table = result.table
    row = table[(table["coefficient"] == coefficient) & (table["level"] == level)
                & (table["metric"] == metric)]
    assert len(row) == 1
    return float(row["statistic"].iloc[0])


def test_vote_shares_equal_votes_csv(sisec, result):
    votes = pd.read_csv(sisec / "votes.csv")
    mine = result.preferences["vote_shares"].merge(votes, on=["item", "system"])
    assert len(mine) == len(votes) == 78
    np.testing.assert_array_equal(mine["votes_x"], mine["votes_y"])
    np.testing.assert_allclose(mine["share_x"], mine["share_y"], rtol=0, atol=1e-15)


@pytest.mark.parametrize("metric", METRICS)
def test_top1_by_hand(sisec, result, metric):
    votes = pd.read_csv(sisec / "votes.csv")
    credits = []
    for _, song in votes.groupby("item"):
        human_top = set(song.loc[song["votes"] == song["votes"].max(), "system"])
        metric_top = set(song.loc[song[metric] == song[metric].max(), "system"])
        credits.append(len(human_top & metric_top) / len(metric_top))
    assert value(result, "top1", "item", metric) == pytest.approx(np.mean(credits), abs=1e-15)


@pytest.mark.parametrize("metric", METRICS)
def test_per_song_spearman_equals_scipy(sisec, result, metric):
    votes = pd.read_csv(sisec / "votes.csv")
    per_item = result.preferences["per_item"]
    mine = per_item[(per_item["coefficient"] == "spearman") & (per_item["metric"] == metric)]
    expected = {item: scipy.stats.spearmanr(song["share"], song[metric]).statistic
                for item, song in votes.groupby("item")}
    assert dict(zip(mine["item"], mine["value"])) == pytest.approx(expected, abs=1e-12)
    assert value(result, "spearman", "item", metric) == pytest.approx(
        np.mean(list(expected.values())), abs=1e-12)
    assert value(result, "spearman", "none", metric) == pytest.approx(
        scipy.stats.spearmanr(votes["share"], votes[metric]).statistic, abs=1e-12)
    assert value(result, "kendall_b", "none", metric) == pytest.approx(
        scipy.stats.kendalltau(votes["share"], votes[metric]).statistic, abs=1e-12)


def pairwise_rows(sisec) -> pd.DataFrame:
    """Every pair of candidates on a page where one was picked: the pick wins."""
    pages = pd.read_csv(sisec / "ratings_long.csv")
    picks = pages[pages["picked"] == 1][["item", "rater", "system"]]
    pairs = pages[pages["picked"] == 0].merge(picks, on=["item", "rater"],
                                              suffixes=("", "_picked"))
    flip = pairs["rater"].str[0] < "8"  # half the rows list the winner second
    return pd.DataFrame({
        "item": pairs["item"], "rater": pairs["rater"],
        "system_a": np.where(flip, pairs["system"], pairs["system_picked"]),
        "system_b": np.where(flip, pairs["system_picked"], pairs["system"]),
        "winner": np.where(flip, "b", "a")})


def accuracy_by_hand(rows: pd.DataFrame, scores: pd.DataFrame, metric: str, human_ties: str,
                     metric_ties: str, aggregation: str) -> float:
    """Majority per pair with pandas, then the credit table, then the aggregation; epsilon by
    trying every threshold."""
    a = np.where(rows["winner"] == "a", rows["system_a"], rows["system_b"])
    b = np.where(rows["winner"] == "a", rows["system_b"], rows["system_a"])
    first, second = np.minimum(a, b), np.maximum(a, b)
    votes = pd.DataFrame({"item": rows["item"], "first": first, "second": second,
                          "first_won": (a == first).astype(int)})
    pairs = votes.groupby(["item", "first", "second"])["first_won"].agg(["sum", "count"])
    pairs = pairs.reset_index()
    human = np.sign(2 * pairs["sum"] - pairs["count"])
    score = scores.set_index(["item", "system"])[metric]
    diff = (score.loc[list(zip(pairs["item"], pairs["first"]))].to_numpy()
            - score.loc[list(zip(pairs["item"], pairs["second"]))].to_numpy())
    keep = (human != 0) if human_ties == "drop" else np.ones(len(pairs), bool)

    def aggregate(credit):
        frame = pd.DataFrame({"item": pairs["item"][keep], "credit": credit[keep]})
        return (frame["credit"].mean() if aggregation == "pooled"
                else frame.groupby("item")["credit"].mean().mean())

    def at(threshold, tie_credit):
        verdict = np.where(np.abs(diff) <= threshold, 0, np.sign(diff))
        credit = (verdict == human).astype(float)
        return np.where((verdict == 0) != (human == 0), tie_credit, credit)

    if metric_ties == "epsilon":
        return max(aggregate(at(t, 0.0)) for t in [0.0, *np.abs(diff)])
    return aggregate(at(0.0, 0.5 if metric_ties == "half" else 0.0))


POLICIES = list(product(("drop", "tie"), ("wrong", "half", "epsilon"), ("pooled", "per-item")))


@pytest.fixture(scope="module")
def pairwise_result(sisec, tmp_path_factory):
    path = tmp_path_factory.mktemp("pairs") / "pairs.csv"
    pairwise_rows(sisec).to_csv(path, index=False)
    pset = load_choices(path, "pairwise", sisec / "published_scores.csv")
    return correlate_choices(pset, k=0)


@pytest.mark.parametrize("human_ties,metric_ties,aggregation", POLICIES)
def test_pairwise_accuracy_by_hand_on_both_formats(sisec, result, pairwise_result, human_ties,
                                                   metric_ties, aggregation):
    rows = pairwise_rows(sisec)
    scores = pd.read_csv(sisec / "published_scores.csv")
    name = f"pref_acc[{human_ties},{metric_ties}]"
    level = "none" if aggregation == "pooled" else "item"
    for metric in METRICS:
        expected = accuracy_by_hand(rows, scores, metric, human_ties, metric_ties, aggregation)
        assert value(result, name, level, metric) == pytest.approx(expected, abs=1e-12)
        assert value(pairwise_result, name, level, metric) == pytest.approx(expected, abs=1e-12)


def test_bradley_terry_equals_direct_maximisation(sisec, result):
    """Human wins counted with pandas (the pick beats each other candidate of its page) plus
    one virtual tie per compared pair (prior 1): argmax of the likelihood by scipy."""
    rows = pairwise_rows(sisec)
    systems = sorted(set(rows["system_a"]) | set(rows["system_b"]))
    wins = np.zeros((6, 6))
    for r in rows.itertuples():
        won, lost = (r.system_a, r.system_b) if r.winner == "a" else (r.system_b, r.system_a)
        wins[systems.index(won), systems.index(lost)] += 1
    compared = (wins + wins.T) > 0
    prior_wins = wins + 0.5 * compared

    fit = scipy.optimize.minimize(negative_log_likelihood, np.zeros(5), args=(prior_wins,),
                                  jac=True, method="BFGS", options={"gtol": 1e-12})
    theta = np.concatenate([[0.0], fit.x])
    bt = result.preferences["bradley_terry"]
    humans = bt[bt["source"] == "humans"].set_index("system").loc[systems, "strength"]
    np.testing.assert_allclose(humans.to_numpy(), theta - theta.mean(), atol=1e-6)
    sdr = bt[bt["source"] == "SDR_pub"].set_index("system").loc[systems, "strength"]
    assert value(result, "bt_tau", "system", "SDR_pub") == pytest.approx(
        scipy.stats.kendalltau(humans, sdr).statistic, abs=1e-12)


def test_items_and_raters_resampled(sisec):
    pset = load_choices(sisec / "ratings_long.csv", "best-of-n", sisec / "published_scores.csv")
    result = correlate_choices(pset, k=100, resample="both", human_ties=("drop",),
                               metric_ties=("wrong",), aggregation=("pooled",))
    assert result.signature.resample == "both"
    assert "human-ties:drop|metric-ties:wrong|aggregation:pooled" in str(result.signature)
    table = result.table
    assert (table["ci_low"] <= table["statistic"]).all()
    assert (table["statistic"] <= table["ci_high"]).all()
    accuracy = table[table["coefficient"] == "pref_acc[drop,wrong]"]
    assert (accuracy["ceiling_low"] < accuracy["ceiling"]).all()
