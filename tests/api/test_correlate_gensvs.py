"""`correlate` on the GSVS listening test equals scipy on the released CSV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from metaeval import correlate
from metaeval.data.gensvs import load_gensvs
from metaeval.errors import ParameterError
from tests.registered import registered

CSV = registered("gensvs_eval", "gensvs_eval_data.csv")
LOWER = ("multi_res_loss", "emb_mse_", "fad_")
METRICS = ["sisdr", "sdr", "multi_res_loss", "fad_song2song_mert_df", "emb_mse_mert_df", "visqol"]


@pytest.fixture(scope="module")
def released() -> pd.DataFrame:
    return pd.read_csv(CSV)


@pytest.fixture(scope="module")
def result():
    return correlate(load_gensvs(), metrics=METRICS, coefficients=["spearman", "pearson", "kendall_b"],
                     group_by="model_type", k=200, seed=0, significance="all")


def _scipy(frame: pd.DataFrame, metric: str, fn) -> float:
    sign = -1.0 if metric.startswith(LOWER) else 1.0
    return fn(frame["DMOS"], sign * frame[metric])[0]


@pytest.mark.parametrize("coefficient,fn", [("spearman", scipy.stats.spearmanr),
                                            ("pearson", scipy.stats.pearsonr),
                                            ("kendall_b", scipy.stats.kendalltau)])
def test_every_group_equals_scipy(result, released, coefficient, fn):
    table = result.table[result.table["coefficient"] == coefficient]
    for group, frame in [*released.groupby("model_type"), ("all", released)]:
        for metric in METRICS:
            row = table[(table["group"] == group) & (table["metric"] == metric)].iloc[0]
            assert row["statistic"] == pytest.approx(_scipy(frame, metric, fn), abs=1e-12)
            assert row["n"] == len(frame)
            if coefficient != "kendall_b":
                assert row["pvalue"] == pytest.approx(
                    fn(frame["DMOS"], frame[metric])[1], rel=1e-9)


def test_group_sizes_match_the_paper(result):
    n = result.table.drop_duplicates("group").set_index("group")["n"]
    assert n["discriminative"] == 150 and n["generative"] == 100 and n["all"] == 250


def test_intervals_clusters_and_pairs(result):
    table = result.table
    assert (table["ci_low"] <= table["statistic"] + 1e-12).all()
    assert (table["statistic"] <= table["ci_high"] + 1e-12).all()
    assert table["cluster"].min() == 1
    best = table[(table["cluster"] == 1)]
    assert not best.empty
    pairs = result.pairwise
    assert len(pairs) == 3 * 3 * len(METRICS) * (len(METRICS) - 1)
    assert ((pairs["pvalue"] > 0) & (pairs["pvalue"] <= 1)).all()
    assert (pairs["p_holm"] >= pairs["pvalue"] - 1e-15).all()
    # the chance interval straddles zero for Pearson
    pearson = table[table["coefficient"] == "pearson"]
    assert ((pearson["chance_low"] < 0) & (pearson["chance_high"] > 0)).all()


def test_distances_are_flipped_in_the_points(result, released):
    assert np.allclose(np.sort(result.points["multi_res_loss"]),
                       np.sort(-released["multi_res_loss"]))
    assert result.metrics["multi_res_loss"] == "lower"
    assert "multi_res_loss" in result.settings["lower_is_better"]


def test_seeded_runs_are_identical_and_the_signature_says_so():
    a = correlate(load_gensvs(), metrics=METRICS[:2], k=50, seed=3)
    b = correlate(load_gensvs(), metrics=METRICS[:2], k=50, seed=3)
    c = correlate(load_gensvs(), metrics=METRICS[:2], k=50, seed=4)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert not np.allclose(a.table["ci_low"], c.table["ci_low"])
    assert "seed:3" in str(a.signature) and "k:50" in str(a.signature)
    assert a.signature != c.signature


def test_bad_requests_are_clear():
    data = load_gensvs()
    with pytest.raises(ParameterError, match="unknown metric"):
        correlate(data, metrics=["nope"], k=10)
    with pytest.raises(ParameterError, match="group_by"):
        correlate(data, metrics=["sdr"], group_by="nope", k=10)
    with pytest.raises(ParameterError, match="unknown coefficient"):
        correlate(data, metrics=["sdr"], coefficients=["spearmann"], k=10)
    with pytest.raises(ParameterError, match="level"):
        correlate(data, metrics=["sdr"], levels=["segment"], k=10)


def test_default_tests_significance_for_the_primary_coefficient_only():
    result = correlate(load_gensvs(), metrics=METRICS[:3], coefficients=["spearman", "pearson"],
                       group_by="model_type", k=50, seed=0)
    clustered = result.table.dropna(subset=["cluster"])
    assert set(clustered["coefficient"]) == {"spearman"}
    assert set(result.pairwise["coefficient"]) == {"spearman"}
    assert list(dict.fromkeys(result.table["group"])) == ["discriminative", "generative", "all"]
    assert "significance:primary" in str(result.signature)


def test_williams_p_values_accompany_pearson_pairs(released):
    from metaeval.stats.williams import williams_test

    result = correlate(load_gensvs(), metrics=["sdr", "visqol"], coefficients=["pearson"],
                       k=50, seed=0)
    row = result.pairwise[(result.pairwise["metric_a"] == "sdr")].iloc[0]
    r1 = scipy.stats.pearsonr(released["DMOS"], released["sdr"])[0]
    r2 = scipy.stats.pearsonr(released["DMOS"], released["visqol"])[0]
    r12 = scipy.stats.pearsonr(released["sdr"], released["visqol"])[0]
    assert row["p_williams"] == pytest.approx(williams_test(r1, r2, r12, 250), rel=1e-9)


def test_pairwise_accuracy_is_also_pooled_over_groups(released):
    result = correlate(load_gensvs(), metrics=["sdr", "multi_res_loss"], levels=["system"],
                       coefficients=["pairwise_acc"], group_by="model_type", k=20, seed=0)
    pooled = result.table[result.table["coefficient"] == "pairwise_acc_pooled"].set_index("metric")
    # by hand: system means per group, every system pair of every group counts once
    agree = total = 0
    for _, frame in released.groupby("model_type"):
        means = frame.groupby("model_name")[["DMOS", "sdr"]].mean().to_numpy()
        for i in range(len(means)):
            for j in range(i + 1, len(means)):
                total += 1
                agree += np.sign(means[i, 0] - means[j, 0]) == np.sign(means[i, 1] - means[j, 1])
    assert total == 3 + 1  # 3 discriminative pairs, 1 generative pair
    assert pooled.loc["sdr", "statistic"] == pytest.approx(agree / total)
    assert pooled.loc["sdr", "n"] == total


def test_noise_ceiling_from_the_individual_ratings(tmp_path):
    from metaeval.data.gensvs import gensvs_ratings
    from metaeval.listening.ceiling import noise_ceiling
    from metaeval.report import write_reports

    data = load_gensvs()
    result = correlate(data, metrics=["sdr", "multi_res_loss"], coefficients=["spearman", "pearson"],
                       group_by="model_type", k=50, seed=0, ceiling_k=100)
    table = result.table
    assert table["ceiling"].notna().all()
    # the same ceiling for every metric of a (group, coefficient), above every metric here
    per_cell = table.groupby(["group", "coefficient"])["ceiling"].nunique()
    assert (per_cell == 1).all()
    assert (table["ceiling"] > table["statistic"]).all()
    assert ((table["ceiling_low"] <= table["ceiling"]) & (table["ceiling"] <= table["ceiling_high"])).all()
    # equals sqrt of the listening module's split-half Spearman-Brown estimate on that subset
    ratings = gensvs_ratings()
    generative = ratings[ratings["model_type"] == "generative"]
    row = table[(table["group"] == "generative") & (table["coefficient"] == "pearson")].iloc[0]
    from metaeval.correlation import task_seed as _task_seed

    direct = noise_ceiling(generative[["item", "system", "rater", "rating"]], "pearson", "none",
                           k=100, seed=_task_seed(0, "ceiling", "generative", "none", "pearson"))
    assert row["ceiling"] == pytest.approx(np.sqrt(direct.statistic), abs=1e-12)
    # shown in both reports
    written = write_reports(result, tmp_path / "r", formats=["html", "latex"])
    assert 'data-metric="noise-ceiling"' in written["html"].read_text()
    assert "noise ceiling" in written["latex"].read_text()
    # without per-rater data: no ceiling, no error
    data.ratings = None
    plain = correlate(data, metrics=["sdr"], k=20, seed=0)
    assert plain.table["ceiling"].isna().all()


def test_tie_calibrated_accuracy_with_epsilon_ci_and_pair_test():
    from metaeval.stats.tiecal import tie_calibrate

    data = load_gensvs()
    result = correlate(data, metrics=["sdr", "visqol"], coefficients=["acc23_tiecal"], k=100,
                       seed=0)
    gold, scores, _, _ = data.matrices(["sdr", "visqol"])
    for m, metric in enumerate(["sdr", "visqol"]):
        row = result.table[result.table["metric"] == metric].iloc[0]
        cal = tie_calibrate(gold, scores[m], "none")
        assert row["statistic"] == pytest.approx(cal.statistic, abs=1e-12)
        assert row["epsilon"] == pytest.approx(cal.epsilon)
        assert row["ci_low"] <= row["statistic"] <= row["ci_high"]
        # chance: a shuffled metric, re-calibrated, still gets the human-tie share and more
        assert row["chance_low"] <= row["chance_high"] < row["statistic"]
    pairs = result.pairwise
    assert set(pairs["test"]) == {"pair-outcome-permutation"}
    assert ((pairs["pvalue"] > 0) & (pairs["pvalue"] <= 1)).all()
