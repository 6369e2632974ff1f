"""What real listening studies need, from the command line without pandas glue: an incomplete
SiSEC-style MUSHRA test with replicated trials and its own column names, the GSVS protocol,
median aggregation, trial normalisation, excluded conditions and zero-variance raters."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.listening.formats import read_ratings
from metaeval.listening.ratings import average_replicates, normalize_trials
from metaeval.listening.scores import median_interval, stimulus_scores, system_scores
from metaeval.listening.summarize import compute_summary

runner = CliRunner()
N_SYSTEMS, N_ITEMS, PER_ITEM, N_RATERS = 21, 30, 5, 6


def incomplete_mushra(seed: int = 11) -> pd.DataFrame:
    """21 systems, 30 songs, each song rated for 5 of the 21 systems (+ the hidden reference),
    6 listeners, every listener repeats 3 songs (replicated trials); columns named as in a
    SiSEC-style export (song, method, subject, score)."""
    rng = np.random.default_rng(seed)
    quality = np.linspace(20, 80, N_SYSTEMS)
    rows = []
    for i in range(N_ITEMS):
        chosen = [(i * PER_ITEM + j) % N_SYSTEMS for j in range(PER_ITEM)]  # rotating design
        for r in range(N_RATERS):
            for _repeat in range(2 if i % 10 == r % 10 else 1):
                rows.append({"song": f"song{i}", "method": "ref", "subject": f"L{r}",
                             "score": float(rng.integers(92, 101))})
                for s in chosen:
                    score = quality[s] + 6 * rng.normal() + 3 * (i % 3)
                    rows.append({"song": f"song{i}", "method": f"sys{s:02d}",
                                 "subject": f"L{r}",
                                 "score": float(np.clip(np.round(score), 0, 100))})
    return pd.DataFrame(rows)


def invoke(*args):
    return runner.invoke(app, ["listening", "summarize", *map(str, args)])


@pytest.fixture(scope="module")
def sisec(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sisec")
    path = folder / "sisec_mushra.csv"
    incomplete_mushra().to_csv(path, index=False)
    return path


def test_incomplete_mushra_with_replicates_from_the_cli(sisec, tmp_path):
    out = tmp_path / "o"
    args = ["--data", sisec, "--format", "long", "--item", "song", "--system", "method",
            "--rater", "subject", "--rating", "score", "--scale", "0,100", "--reference", "ref",
            "--exclude-systems", "ref", "--k", 50, "--out", out]
    refused = invoke(*args)  # replicated trials: one line naming the flag
    assert refused.exit_code == 1 and "--replicates average" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    result = invoke(*args, "--replicates", "average")
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["tests"]["test"] == "skillings-mack" and summary["tests"]["df"] == 20
    assert 0 <= summary["tests"]["pvalue"] < 0.001  # quality rises steeply with the system
    assert summary["counts"]["systems"] == 21 and summary["counts"]["stimuli"] == 150
    assert summary["screening"]["method"] == "mushra"  # screened with the reference
    pre = summary["preprocessing"]
    frame = incomplete_mushra()
    repeats = frame.groupby(["song", "method", "subject"]).size()
    assert pre["replicated"] == int((repeats > 1).sum()) and -1 <= pre["repeat_r"] <= 1
    assert "replicates:average" in summary["signature"] and "exclude:ref" in summary["signature"]
    assert any("different item sets" in n for n in summary["notes"])
    assert "different item sets" in result.stderr
    systems = pd.read_csv(out / "systems.csv").set_index("system")
    averaged = frame.groupby(["song", "method", "subject"])["score"].mean()
    expected = averaged.groupby(["song", "method"]).mean().groupby("method").mean()
    assert systems.loc["sys20", "mos"] == pytest.approx(expected["sys20"])
    assert "ref" not in systems.index
    ceiling = summary["ceiling"]["none"]
    assert ceiling["noise_ceiling"] == pytest.approx(np.sqrt(ceiling["reliability"]))
    assert summary["agreement"]["icc2_1"] is not None
    html = (out / "index.html").read_text()
    assert "Skillings-Mack" in html and "split-half reliability (Spearman-Brown)" in html


def test_gsvs_protocol_from_the_cli(tmp_path):
    out = tmp_path / "g"
    result = invoke("--format", "dcr", "--k", 100, "--out", out, "--aggregate", "median")
    assert result.exit_code == 0, result.output
    assert "split-half reliability (Spearman-Brown, pooled): 0.92" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    root = np.sqrt(summary["ceiling"]["none"]["reliability"])
    assert f"noise ceiling (sqrt of reliability): {root:.3f}" in result.stdout
    assert summary["tests"]["test"] == "friedman" and "aggregate:median" in summary["signature"]
    items = pd.read_csv(out / "items.csv")
    table = read_ratings(format="dcr")
    expected = table.frame.groupby(["item", "system"])["rating"].median()
    got = items.set_index(["item", "system"])["mos"]
    pd.testing.assert_series_equal(got.loc[expected.index], expected, check_names=False)


def test_mapping_flag_the_layout_does_not_read_is_a_usage_error(tmp_path):
    result = invoke("--format", "mushra", "--rating", "score", "--out", tmp_path / "o")
    assert result.exit_code == 2 and "--rating score" in result.stderr


def test_scale_and_reference_messages_use_flag_words(tmp_path):
    path = tmp_path / "r.csv"
    pd.DataFrame({"item": ["a", "a"], "system": ["x", "y"], "rater": ["r", "r"],
                  "rating": [3, 9]}).to_csv(path, index=False)
    result = invoke("--data", path, "--format", "long", "--scale", "1,5", "--out", tmp_path / "o")
    assert "--scale lo,hi" in result.stderr and "row 3" in result.stderr
    result = invoke("--format", "dcr", "--screening", "mushra", "--out", tmp_path / "o")
    assert result.exit_code == 2 and "--reference NAME" in result.stderr


def test_zero_variance_rater_is_flagged():
    frame = pd.DataFrame([{"item": f"i{i}", "system": s, "rater": r,
                           "rating": 3.0 if r == "flat" else float(i % 3 + (s == "A") + 1)}
                          for i in range(6) for s in "ABC" for r in ("flat", "r1", "r2")])
    table = read_ratings_frame(frame)
    result = compute_summary(table, screening="none", k=20)
    raters = result.raters.set_index("rater")
    assert raters.loc["flat", "zero_variance"] and not raters.loc["r1", "zero_variance"]
    assert "zero variance: every rating 3" in raters.loc["flat", "reason"]
    assert result.summary["screening"]["zero_variance"] == ["flat"]


def read_ratings_frame(frame: pd.DataFrame, scale=(1.0, 5.0)):
    from metaeval.listening.ratings import RatingTable

    return RatingTable(frame=frame, kind="long", scale=scale)


def test_trial_minmax_and_replicate_averaging_by_hand():
    frame = pd.DataFrame({"item": ["i"] * 6, "system": ["A", "B", "C", "A", "B", "C"],
                          "rater": ["r"] * 6, "rating": [20.0, 50.0, 60.0, 30.0, 30.0, 40.0]})
    normalized, info = normalize_trials(frame, (0.0, 100.0))
    # first trial: (x - 20) / 40 * 100; the repeat: (x - 30) / 10 * 100
    assert normalized["rating"].tolist() == [0.0, 75.0, 100.0, 0.0, 0.0, 100.0]
    assert info == {"normalize": "trial-minmax", "trials": 2, "constant_trials": 0}
    averaged, repeats = average_replicates(frame)
    assert averaged["rating"].tolist() == [25.0, 40.0, 50.0]
    # first vs second ratings: (20, 30), (50, 30), (60, 40)
    assert repeats["replicated"] == 3
    assert repeats["repeat_r"] == pytest.approx(np.corrcoef([20, 50, 60], [30, 30, 40])[0, 1])
    assert repeats["repeat_mad"] == pytest.approx((10 + 20 + 20) / 3)


def test_median_interval_is_the_order_statistic_interval():
    values = np.array([[5.0, 1, 4, 2, 3, 9, 7, 8, 6, 10]])
    # n = 10: P(Bin(10, 1/2) <= 1) = 11/1024 <= 0.025 < P(<= 2): l = 2 -> [x_(2), x_(9)]
    low, high = median_interval(values, np.array([10]), 0.95)
    assert (low[0], high[0]) == (2.0, 9.0)
    low, high = median_interval(values[:, :5], np.array([5]), 0.95)  # 2/32 > 0.025: no interval
    assert np.isnan(low[0]) and np.isnan(high[0])


def test_median_system_scores_and_rater_bootstrap():
    table = read_ratings(format="dcr")
    systems = system_scores(table, bootstrap_k=30, aggregate="median").set_index("system")
    stim = table.frame.groupby(["item", "system"])["rating"].median()
    expected = stim.groupby("system").median()
    assert systems["mos"].to_dict() == pytest.approx(expected.to_dict())
    assert (systems["boot_low"] <= systems["boot_high"]).all()
    items = stimulus_scores(table, bootstrap_k=30, aggregate="median")
    assert items["boot_low"].le(items["mos"]).all() and items["boot_high"].ge(items["mos"]).all()


def test_exclude_unknown_system_is_refused_before_computing():
    table = read_ratings(format="dcr")
    with pytest.raises(Exception, match="exclude_systems.*nosuch"):
        compute_summary(table, exclude_systems=["nosuch"], k=10)


def test_median_items_csv_feeds_correlate_as_the_readme_shows(tmp_path):
    """README: summarize with --aggregate median, then `metaeval correlate --data
    .../items.csv --scores scores.csv --level item --average median`. With 5 ratings per
    stimulus the median has no 95% order-statistic interval (2/2^5 > 0.05), so ci_low/ci_high
    are empty: the card of items.csv must not make them human scores (an empty human column is
    refused) and an empty column is no metric."""
    rng = np.random.default_rng(18)
    frame = incomplete_mushra()
    path = tmp_path / "sisec.csv"
    frame[frame["subject"] != "L5"].to_csv(path, index=False)  # 5 listeners per stimulus
    out = tmp_path / "listening"
    result = invoke("--data", path, "--format", "long", "--item", "song", "--system", "method",
                    "--rater", "subject", "--rating", "score", "--scale", "0,100",
                    "--reference", "ref", "--exclude-systems", "ref", "--replicates", "average",
                    "--aggregate", "median", "--screening", "none", "--k", 20, "--out", out)
    assert result.exit_code == 0, result.output
    items = pd.read_csv(out / "items.csv")
    assert items["ci_low"].isna().all() and items["ci_high"].isna().all()
    scores = items[["item", "system"]].assign(
        quality=items["mos"].to_numpy() + rng.normal(0, 10, len(items)))
    scores.to_csv(tmp_path / "scores.csv", index=False)
    done = runner.invoke(app, ["correlate", "--data", str(out / "items.csv"), "--scores",
                               str(tmp_path / "scores.csv"), "--level", "item", "--average",
                               "median", "--coef", "spearman", "--k", "0", "--out",
                               str(tmp_path / "report")])
    assert done.exit_code == 0, done.output
    table = pd.read_csv(tmp_path / "report" / "results.csv")
    assert table["metric"].tolist() == ["quality"]  # not ci_low, n_ratings, boot_low, ...
    merged = items.merge(scores, on=["item", "system"])
    per_item = [spearmanr(g["quality"], g["mos"]).statistic for _, g in merged.groupby("item")]
    assert table["statistic"].iloc[0] == pytest.approx(np.median(per_item), abs=1e-12)
