"""The choice summary (`listening summarize --format best-of-n|pairwise`): vote shares on the
real SiSEC 2018 best-of-6 test equal the published votes.csv, intervals equal scipy, agreement
equals a direct computation from the rows, hand-computed pairwise cases, bad input in one line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.errors import DataError, ParameterError
from metaeval.listening.choice_summary import compute_choice_summary
from metaeval.listening.choices import read_choices
from metaeval.report.listening_choices import CHOICE_FILES
from metaeval.stats.proportions import goodman_intervals

runner = CliRunner()


@pytest.fixture(scope="module")
def sisec(sisec_dir):
    table = read_choices(sisec_dir / "ratings_long.csv", format="best-of-n")
    return compute_choice_summary(table, k=200, seed=1, simultaneous="goodman")


def test_sisec_vote_shares_equal_the_published_votes(sisec, sisec_dir):
    votes = pd.read_csv(sisec_dir / "votes.csv")
    joined = sisec.items.merge(votes, on=["item", "system"], suffixes=("", "_pub"))
    assert len(joined) == len(votes) == 78
    assert (joined["votes"] == joined["votes_pub"]).all() and (joined["n"] == 34).all()
    assert (joined["share"] == joined["share_pub"]).all()


def test_sisec_intervals_equal_scipy(sisec):
    for row in sisec.items.sample(12, random_state=2).to_dict(orient="records"):
        exact = stats.binomtest(int(row["votes"]), int(row["n"])).proportion_ci(0.95, "exact")
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((exact.low, exact.high))
    tau = sisec.systems.set_index("system").loc["TAU1"]
    assert (tau["votes"], tau["n"], tau["top_items"]) == (177, 442, 9)
    exact = stats.binomtest(177, 442).proportion_ci(0.95, "exact")
    assert (tau["ci_low"], tau["ci_high"]) == pytest.approx((exact.low, exact.high))
    assert sisec.systems["system"].tolist()[0] == "TAU1"  # most picked first


def test_sisec_goodman_intervals_per_song(sisec):
    song = sisec.items[sisec.items["item"] == sisec.items["item"].iloc[0]]
    counts = song["votes"].to_numpy(dtype=float)  # 6 candidates, 34 pages
    a = stats.chi2.ppf(1 - 0.05 / 6, 1)
    root = np.sqrt(a * (a + 4 * counts * (34 - counts) / 34))
    assert song["sim_low"].to_numpy() == pytest.approx(
        np.clip((a + 2 * counts - root) / (2 * (34 + a)), 0, 1))
    assert song["sim_high"].to_numpy() == pytest.approx((a + 2 * counts + root) / (2 * (34 + a)))


def _direct_agreement(rows: pd.DataFrame) -> tuple[float, float]:
    """Fleiss' kappa and Krippendorff's alpha from the picks, loop by loop (definitions)."""
    picks = rows[rows["picked"] == 1]
    systems = sorted(rows["system"].unique())
    per_item = [picks.loc[picks["item"] == item, "system"].tolist()
                for item in sorted(picks["item"].unique())]
    m = len(per_item[0])
    agreement = [sum(v.count(s) * (v.count(s) - 1) for s in systems) / (m * (m - 1))
                 for v in per_item]
    shares = [sum(v.count(s) for v in per_item) / (m * len(per_item)) for s in systems]
    p_e = sum(p * p for p in shares)
    kappa = (np.mean(agreement) - p_e) / (1 - p_e)
    n = m * len(per_item)  # every value pairable; pairs within units vs. all pairs
    same_within = sum(v.count(s) * (v.count(s) - 1) / (m - 1) for v in per_item for s in systems)
    totals = [sum(v.count(s) for v in per_item) for s in systems]
    alpha = 1 - (n - 1) * (n - same_within) / (n * (n - 1) - sum(t * (t - 1) for t in totals))
    return kappa, alpha


def test_sisec_agreement_equals_a_direct_computation(sisec, sisec_dir):
    rows = pd.read_csv(sisec_dir / "ratings_long.csv")
    kappa, alpha = _direct_agreement(rows)
    agreement = sisec.summary["agreement"]
    assert agreement["fleiss_kappa"]["statistic"] == pytest.approx(kappa, abs=1e-12)
    assert agreement["krippendorff_alpha_nominal"]["statistic"] == pytest.approx(alpha, abs=1e-12)
    assert agreement["fleiss_kappa"]["statistic"] == pytest.approx(0.0749999347, abs=1e-9)
    assert agreement["krippendorff_alpha_nominal"]["statistic"] == pytest.approx(
        0.0770926951, abs=1e-9)  # = krippendorff.alpha(level_of_measurement="nominal")
    for entry in (agreement["fleiss_kappa"], agreement["krippendorff_alpha_nominal"]):
        assert entry["ci_low"] < entry["statistic"] < entry["ci_high"]


def test_sisec_agreement_against_the_reference_packages(sisec, sisec_dir):
    krippendorff = pytest.importorskip("krippendorff")
    rows = pd.read_csv(sisec_dir / "ratings_long.csv")
    picks = rows[rows["picked"] == 1]
    codes = {s: i for i, s in enumerate(sorted(rows["system"].unique()))}
    matrix = picks.pivot(index="rater", columns="item", values="system").map(codes.get)
    expected = krippendorff.alpha(reliability_data=matrix.to_numpy(float),
                                  level_of_measurement="nominal")
    assert sisec.summary["agreement"]["krippendorff_alpha_nominal"]["statistic"] == (
        pytest.approx(expected, abs=1e-12))


def _pairwise_file(path) -> None:
    rows = [("i1", "x", "y", "a", "r1"), ("i1", "x", "y", "a", "r2"), ("i1", "y", "x", "b", "r3"),
            ("i1", "x", "z", "tie", "r1"), ("i1", "z", "x", "a", "r2"), ("i1", "x", "z", "b", "r3"),
            ("i2", "x", "y", "b", "r1"), ("i2", "x", "y", "b", "r2"), ("i2", "x", "y", "tie", "r3")]
    pd.DataFrame(rows, columns=["item", "system_a", "system_b", "winner", "rater"]).to_csv(
        path, index=False)


def test_pairwise_summary_by_hand(tmp_path):
    _pairwise_file(tmp_path / "pairs.csv")
    result = compute_choice_summary(read_choices(tmp_path / "pairs.csv", format="pairwise"), k=50)
    items = result.items.set_index(["item", "system_a", "system_b", "outcome"])
    # i1 x-y: x wins all three (r3's "y vs x, b" is x); i1 x-z: x 0, z 2, tie 1
    assert items.loc[("i1", "x", "y", "a"), "votes"] == 3
    assert items.loc[("i1", "x", "z", "b"), "votes"] == 2
    assert items.loc[("i1", "x", "z", "tie"), "share"] == pytest.approx(1 / 3)
    systems = result.systems.set_index("system")
    # x: wins 3 (i1 x-y), losses 2 (i1 x-z) + 2 (i2), ties 1 + 1 -> win rate 3 / 7
    assert systems.loc["x", ["wins", "losses", "ties"]].tolist() == [3, 4, 2]
    assert systems.loc["x", "win_rate"] == pytest.approx(3 / 7)
    exact = stats.binomtest(3, 7).proportion_ci(0.95, "exact")
    assert (systems.loc["x", "ci_low"], systems.loc["x", "ci_high"]) == pytest.approx(
        (exact.low, exact.high))
    # units (i1,x,y) [3,0,0], (i1,x,z) [0,2,1], (i2,x,y) [0,2,1]; m = 3:
    # P = 1, 1/3, 1/3 -> P_bar = 5/9; p = (3/9, 4/9, 2/9) -> P_e = 29/81
    kappa = (5 / 9 - 29 / 81) / (1 - 29 / 81)
    assert result.summary["agreement"]["fleiss_kappa"]["statistic"] == pytest.approx(kappa)
    # alpha: n = 9, sum o_cc = 3 + 1 + 1 = 5; n_c = 3, 4, 2 -> 1 - 8 (9 - 5) / (72 - 20)
    alpha = 1 - 8 * 4 / (72 - (6 + 12 + 2))
    assert result.summary["agreement"]["krippendorff_alpha_nominal"]["statistic"] == (
        pytest.approx(alpha))


@pytest.mark.parametrize("change, message", [
    (lambda f: f.drop(columns="picked"), "no picked column 'picked'"),
    (lambda f: f.assign(picked=f["picked"].replace(1, 2)), "not 0 or 1"),
    (lambda f: f.assign(picked=1), "has 3 picks"),
    (lambda f: pd.concat([f, f.iloc[[0]]]), "appears twice on rater"),
    (lambda f: f.assign(rater=f["rater"].where(f.index != 4, None)), "empty value"),
])
def test_bad_best_of_n_input_is_one_line(tmp_path, change, message):
    rng = np.random.default_rng(31)
    rows = [{"item": f"i{i}", "system": f"s{s}", "rater": f"r{r}", "picked": 0}
            for i in range(2) for r in range(3) for s in range(3)]
    frame = pd.DataFrame(rows)
    frame.loc[frame.groupby(["item", "rater"]).head(1).index + rng.integers(0, 3), "picked"] = 1
    change(frame).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(DataError) as error:
        read_choices(tmp_path / "bad.csv", format="best-of-n")
    text = str(error.value)
    assert message in text and "bad.csv" in text and "Fix:" in text and "\n" not in text
    assert "row " in text and "column '" in text


def test_bad_pairwise_input_names_row_and_column(tmp_path):
    _pairwise_file(tmp_path / "pairs.csv")
    frame = pd.read_csv(tmp_path / "pairs.csv")
    frame.loc[3, "winner"] = "left"
    frame.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(DataError, match=r"bad.csv, row 5, column 'winner': winner 'left' is not a, b or tie"):
        read_choices(tmp_path / "bad.csv", format="pairwise")
    frame.loc[3, "winner"] = "a"
    frame.loc[5, "system_b"] = "x"
    frame.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(DataError, match=r"row 7, column 'system_b': the pair compares"):
        read_choices(tmp_path / "bad.csv", format="pairwise")


def test_cli_best_of_n_writes_the_report(tmp_path, sisec_dir):
    out = tmp_path / "best"
    result = runner.invoke(app, ["listening", "summarize", "--data",
                                 str(sisec_dir / "ratings_long.csv"), "--format", "best-of-n",
                                 "--k", "50", "--simultaneous", "sison-glaz", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(CHOICE_FILES)
    assert "TAU1" in result.stdout and "Fleiss' kappa: 0.075" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["settings"] == {"k": 50, "seed": 0, "ci": 0.95, "simultaneous": "sison-glaz"}
    assert "simultaneous:sison-glaz" in summary["signature"]
    items = pd.read_csv(out / "items.csv")
    assert {"sim_low", "sim_high"} <= set(items.columns) and "mean" not in items.columns
    assert "Krippendorff" in (out / "index.html").read_text()


@pytest.mark.parametrize("args, flag", [(["--scale", "0,1"], "--scale"),
                                        (["--screening", "none"], "--screening"),
                                        (["--rating", "picked"], "--rating")])
def test_cli_refuses_rating_options_for_choices(tmp_path, args, flag):
    _pairwise_file(tmp_path / "pairs.csv")
    result = runner.invoke(app, ["listening", "summarize", "--data", str(tmp_path / "pairs.csv"),
                                 "--format", "pairwise", *args, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and result.output.startswith(f"error: {flag} ")
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "o").exists()


def test_simultaneous_is_checked_by_its_definition():
    with pytest.raises(ParameterError, match="simultaneous"):
        compute_choice_summary(None, simultaneous="wilson")


def test_cli_pairwise_prints_win_rates_and_writes_the_tables(tmp_path):
    _pairwise_file(tmp_path / "pairs.csv")
    out = tmp_path / "pairs"
    result = runner.invoke(app, ["listening", "summarize", "--data", str(tmp_path / "pairs.csv"),
                                 "--format", "pairwise", "--k", "30", "--simultaneous", "goodman",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    systems = pd.read_csv(out / "systems.csv").set_index("system")
    assert systems.loc["x", "win_rate"] == pytest.approx(3 / 7)
    assert "win rate" in result.stdout and "0.429" in result.stdout
    items = pd.read_csv(out / "items.csv")
    unit = items[(items["item"] == "i1") & (items["system_b"] == "z")]
    low, high = goodman_intervals([0, 2, 1])  # a, b, tie of i1 x-z
    assert unit["sim_low"].tolist() == pytest.approx(low.tolist())
    assert unit["sim_high"].tolist() == pytest.approx(high.tolist())
