"""Judge diagnostics by hand on small verdict files: swap consistency (and the position-biased
flips), first-position win rate and length preference with scipy's exact binomial test and
interval, self-preference against another judge, the item bootstrap, the report and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.judge import judge_diagnostics
from metaeval.provenance import Signature

COLUMNS = ["item", "system_a", "system_b", "winner", "first", "length_a", "length_b"]
# one judge; lengths are of system_a / system_b as written in the row
ROWS = [("q1", "x", "y", "a", "x", 100, 50),    # x shown first wins; longer wins
        ("q1", "x", "y", "a", "y", 100, 50),    # swapped: x wins again (consistent)
        ("q1", "x", "z", "a", "x", 80, 80),     # first wins; equal lengths
        ("q1", "x", "z", "b", "z", 80, 120),    # swapped: z (first) wins -> first-biased flip
        ("q2", "x", "y", "tie", "x", 40, 40),   # tie ...
        ("q2", "x", "y", "tie", "y", 40, 40),   # ... twice: consistent
        ("q2", "y", "z", "b", "y", 60, 30),     # second wins; shorter wins
        ("q2", "y", "z", "a", "z", 60, 30),     # swapped: y (second) wins -> second-biased
        ("q2", "x", "z", "b", "x", 10, 20)]     # one order only; second wins; longer wins


def _write(path, rows=ROWS, columns=COLUMNS, **extra):
    frame = pd.DataFrame(rows, columns=columns).assign(**extra)
    frame.to_csv(path, index=False)
    return path


def _by_name(result, judge="judge"):
    table = result.table[result.table["judge"] == judge]
    return {r["diagnostic"]: r for r in table.to_dict(orient="records")}


def test_swap_consistency_by_hand(tmp_path):
    rows = _by_name(judge_diagnostics(_write(tmp_path / "v.csv"), k=50))
    # pairs seen in both orders: q1 x-y (x, x), q1 x-z (x, z), q2 x-y (tie, tie), q2 y-z (z, y)
    assert (rows["swap_consistency"]["successes"], rows["swap_consistency"]["n"]) == (2, 4)
    assert rows["swap_consistency"]["statistic"] == 0.5
    assert rows["swap_first_biased"]["successes"] == 1
    assert rows["swap_second_biased"]["successes"] == 1
    assert rows["swap_consistency"]["excluded"] == 1  # q2 x-z judged in one order only
    exact = stats.binomtest(2, 4).proportion_ci(0.95, "exact")
    assert (rows["swap_consistency"]["ci_low"], rows["swap_consistency"]["ci_high"]) == (
        pytest.approx((exact.low, exact.high)))


def test_first_position_win_rate_by_hand_and_scipy(tmp_path):
    row = _by_name(judge_diagnostics(_write(tmp_path / "v.csv"), k=50))[
        "first_position_win_rate"]
    # 7 verdicts that are not ties; the first-shown answer won rows 1, 3, 4
    assert (row["successes"], row["n"], row["excluded"]) == (3, 7, 2)
    test = stats.binomtest(3, 7, 0.5)
    assert row["pvalue"] == test.pvalue
    exact = test.proportion_ci(0.95, "exact")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((exact.low, exact.high))


def test_length_preference_by_hand(tmp_path):
    row = _by_name(judge_diagnostics(_write(tmp_path / "v.csv"), k=50))[
        "length_preference_rate"]
    # used: rows 1, 2, 4, 7, 8, 9 (ties 5, 6 and equal lengths 3 left out); longer won all but 7
    assert (row["successes"], row["n"], row["excluded"]) == (5, 6, 3)
    assert row["pvalue"] == stats.binomtest(5, 6, 0.5).pvalue
    assert "2 tie verdict(s), 1 verdict(s) between equal lengths" in row["note"]


def test_item_bootstrap_is_the_percentile_of_item_resampled_shares(tmp_path):
    row = _by_name(judge_diagnostics(_write(tmp_path / "v.csv"), k=400, seed=9))[
        "length_preference_rate"]
    # per item: q1 3 of 3 (rows 1, 2, 4), q2 2 of 3 (rows 7, 8, 9); draws of the 2 items
    drawn = np.random.default_rng(9).integers(0, 2, size=(400, 2))
    q1 = (drawn == 0).sum(axis=1)
    shares = (3 * q1 + 2 * (2 - q1)) / (3 * 2)
    assert (row["boot_low"], row["boot_high"]) == pytest.approx(
        tuple(np.quantile(shares, [0.025, 0.975])))


def test_texts_give_lengths_in_characters_or_words(tmp_path):
    rows = [("q1", "x", "y", "a", "aaaa aaaa", "b b b"), ("q2", "x", "y", "b", "cc", "dd dd")]
    path = _write(tmp_path / "t.csv", rows, ["item", "system_a", "system_b", "winner", "text_a",
                                               "text_b"])
    chars = judge_diagnostics(path, k=20)
    words = judge_diagnostics(path, k=20, length_unit="words")
    # chars: 9 > 5 (a won: longer), 2 < 5 (b won: longer); words: 2 < 3 (a won: shorter), 1 < 2
    assert _by_name(chars)["length_preference_rate"]["statistic"] == 1.0
    assert _by_name(words)["length_preference_rate"]["statistic"] == 0.5
    assert chars.signature.length_unit == "chars" and words.signature.length_unit == "words"
    # without a first column system_a counts as shown first, and the result says so
    assert _by_name(chars)["first_position_win_rate"]["statistic"] == 0.5
    assert chars.signature.position == "system_a" and "system_a is taken" in chars.notes[0]
    assert _by_name(chars)["swap_consistency"]["note"].startswith("no pair was judged")


SELF_ROWS = [("J", "x", "q1", "x", "y", "a", "x"), ("J", "x", "q1", "x", "y", "a", "y"),
             ("J", "x", "q2", "x", "y", "tie", "x"), ("J", "x", "q1", "x", "z", "a", "x"),
             ("J", "x", "q3", "x", "z", "b", "x"),  # no other judge saw (q3, x-z)
             ("H", "", "q1", "x", "y", "b", "x"), ("H", "", "q2", "x", "y", "a", "y"),
             ("H", "", "q1", "x", "z", "a", "z"), ("H", "", "q1", "x", "z", "b", "x"),
             ("H", "", "q4", "y", "z", "a", "y")]  # no x: no part of the reference


def test_self_preference_by_hand(tmp_path):
    path = _write(tmp_path / "s.csv", SELF_ROWS, ["judge", "judge_system", "item", "system_a",
                                                    "system_b", "winner", "first"])
    result = judge_diagnostics(path, k=300, seed=4)
    rows = _by_name(result, "J")
    # shared comparisons (item, opponent): (q1, y), (q2, y), (q1, z)
    # J on them: x won 3 of 3 decisive (one tie); H: x won 2 of 4
    assert (rows["self_win_rate"]["successes"], rows["self_win_rate"]["n"]) == (3, 3)
    assert rows["self_win_rate"]["excluded"] == 1
    assert (rows["reference_win_rate"]["successes"], rows["reference_win_rate"]["n"]) == (2, 4)
    assert rows["self_preference"]["statistic"] == pytest.approx(1.0 - 0.5)
    assert (rows["self_preference"]["n"], rows["self_preference"]["excluded"]) == (3, 1)
    # bootstrap over items q1..q4: J has 3/3 on q1 (q2: a tie only); H 1/3 on q1, 1/1 on q2
    drawn = np.random.default_rng(4).integers(0, 4, size=(300, 4))
    w1, w2 = (drawn == 0).sum(axis=1), (drawn == 1).sum(axis=1)
    with np.errstate(invalid="ignore"):
        own = np.where(w1 > 0, 1.0, np.nan)
        ref = (w1 + w2) / (3 * w1 + w2)
    diff = (own - ref)[np.isfinite(own - ref)]
    assert (rows["self_preference"]["ci_low"], rows["self_preference"]["ci_high"]) == (
        pytest.approx(tuple(np.quantile(diff, [0.025, 0.975]))))
    assert "self_preference" not in _by_name(result, "H")  # H has no judge_system


def test_a_judge_without_reference_gets_nan_with_a_reason(tmp_path):
    rows = [r for r in SELF_ROWS if r[0] == "J"]
    path = _write(tmp_path / "s.csv", rows, ["judge", "judge_system", "item", "system_a",
                                              "system_b", "winner", "first"])
    rows = _by_name(judge_diagnostics(path, k=20), "J")
    assert np.isnan(rows["self_preference"]["statistic"])
    assert "no other judge" in rows["self_win_rate"]["note"]


@pytest.mark.parametrize("change, column, message", [
    (lambda f: f.drop(columns="winner"), "winner", "missing column(s) ['winner']"),
    (lambda f: f.assign(winner=f["winner"].where(f.index != 2, "left")), "winner",
     "winner is 'left'"),
    (lambda f: f.assign(first=f["first"].where(f.index != 2, "w")), "first",
     "neither system_a nor system_b"),
    (lambda f: f.assign(length_a=f["length_a"].where(f.index != 2, -3)), "length_a",
     "not a length >= 0"),
    (lambda f: f.assign(system_b=f["system_b"].where(f.index != 2, "x")), "system_b",
     "both 'x'"),
    (lambda f: pd.concat([f, f.iloc[[2]]], ignore_index=True), "item", "twice"),
    (lambda f: f.assign(item=f["item"].where(f.index != 2, None)), "item", "empty cell"),
    (lambda f: f.assign(judge_system=["a"] * 3 + ["b"] * 6), "judge_system",
     "two judge_system values"),
])
def test_bad_input_is_one_line_naming_file_row_column_and_fix(tmp_path, change, column,
                                                             message):
    frame = change(pd.DataFrame(ROWS, columns=COLUMNS))
    frame.to_csv(tmp_path / "bad.csv", index=False)
    result = CliRunner().invoke(app, ["judge", "--data", str(tmp_path / "bad.csv"), "--k", "5",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "bad.csv, row " in lines[0] and f"column '{column}'" in lines[0]
    assert "Fix:" in lines[0] and not (tmp_path / "out").exists()


def test_cli_writes_the_report_with_the_signature(tmp_path):
    path = _write(tmp_path / "verdicts.csv", judge="gpt", judge_system="")
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["judge", "--data", str(path), "--k", "40", "--seed", "3",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "results.csv",
                                                      "results.json"]
    table = pd.read_csv(out / "results.csv")
    assert table["diagnostic"].tolist() == ["swap_consistency", "swap_first_biased",
                                            "swap_second_biased", "first_position_win_rate",
                                            "length_preference_rate"]
    data = json.loads((out / "results.json").read_text())
    signature = Signature.parse(data["signature"])
    assert (signature.k, signature.seed, signature.position, signature.lengths) == (
        40, 3, "column", "given")
    assert "first-position win rate" in result.stdout and "0.429" in result.stdout
    html = (out / "index.html").read_text()
    assert "swap consistency" in html and data["signature"] in html


def test_cli_refuses_an_unknown_length_unit(tmp_path):
    result = CliRunner().invoke(app, ["judge", "--data", str(_write(tmp_path / "v.csv")),
                                      "--length-unit", "tokens"])
    assert result.exit_code == 2 and "tokens" in result.output
