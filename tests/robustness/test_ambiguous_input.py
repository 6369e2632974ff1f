"""Ambiguous input that was resolved silently (section 3): duplicate column names, booleans
among numbers, default metric choice, numeric-looking ids, missing scores in a scores file."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from metaeval.data import load_table
from metaeval.errors import DataError
from tests.robustness.conftest import BASE, invoke, one_error_line


def test_duplicate_column_names_are_refused(tmp_path):
    (tmp_path / "d.csv").write_text("item,system,human,m1,m1\na,s,1,2,3\n")
    with pytest.raises(DataError, match="names column 'm1' twice") as error:
        load_table(tmp_path / "d.csv", item="item", system="system", human="human")
    assert "row 1" in str(error.value)
    (tmp_path / "d.jsonl").write_text('{"item": "a", "system": "s", "human": 1, "mos": 2, '
                                      '"mos": 3}\n')
    with pytest.raises(DataError, match="names key 'mos' twice"):
        load_table(tmp_path / "d.jsonl", item="item", system="system", human="human")


def test_json_true_among_numbers_is_refused(tmp_path):
    rows = [{"item": "a", "system": "s", "human": 1, "m": 0.5},
            {"item": "b", "system": "s", "human": 2, "m": True}]
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(DataError, match="JSON true in a column of numbers") as error:
        load_table(tmp_path / "d.jsonl", item="item", system="system", human="human")
    assert "row 2" in str(error.value) and "column 'm'" in str(error.value)


def test_bool_and_text_columns_are_named_when_left_out(tmp_path):
    frame = pd.DataFrame({"item": list("abcd"), "system": ["s"] * 4, "human": [1.0, 2, 3, 4],
                          "m": [1.0, 2, 4, 3], "flag": [True, False, True, False],
                          "mostly_text": ["x", "y", "z", "1"]})
    frame.to_parquet(tmp_path / "d.parquet")
    js = load_table(tmp_path / "d.parquet", item="item", system="system", human="human")
    assert js.metric_names == ["m"]
    assert "flag (true/false values)" in js.notes[0]
    assert "mostly_text (not numbers)" in js.notes[0]


def test_other_human_columns_of_the_card_are_not_metrics(tmp_path):
    frame = pd.DataFrame({"item": list("abcde"), "system": ["s"] * 5,
                          "mos": [1.0, 2, 3, 4, 5], "mos_median": [1.0, 2, 3, 4, 5],
                          "n_ratings": [3, 3, 3, 3, 3], "m": [2.0, 1, 3, 5, 4]})
    frame.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "d.csv.yaml").write_text("item: item\nsystem: system\n"
                                         "human: [mos, mos_median, n_ratings]\n")
    js = load_table(tmp_path / "d.csv", human="mos")
    assert js.metric_names == ["m"]
    assert "mos_median (human score in the card)" in js.notes[0]


def test_the_cli_prints_which_columns_are_metrics(table, tmp_path):
    result = invoke(*BASE, "--data", table, "--k", "20", "--out", tmp_path / "o")
    assert "metrics: m1, m2 (every numeric column without another role" in result.output
    assert "not metrics: grp (not numbers)" in result.output
    result = invoke(*BASE, "--data", table, "--k", "20", "--out", tmp_path / "p",
                    "--metrics", "m1")
    assert "metrics: m1, m2" not in result.output


def test_ids_are_text(tmp_path):
    (tmp_path / "d.csv").write_text("item,system,human,m\n1,a,1,1\n01,a,2,2\n001,a,3,4\n"
                                    "2,a,4,3\n")
    js = load_table(tmp_path / "d.csv", item="item", system="system", human="human")
    assert sorted(js.table["item"]) == ["001", "01", "1", "2"]  # not duplicates of each other


def test_zero_padded_ids_join_with_scores(tmp_path):
    (tmp_path / "d.csv").write_text("item,system,human\n001,a,1\n002,a,2\n003,a,3\n")
    scores = pd.DataFrame({"item": ["001", "002", "003"], "system": ["a"] * 3,
                           "m": [1.0, 3.0, 2.0]})
    scores.to_csv(tmp_path / "s.csv", index=False)
    result = invoke("correlate", "--data", tmp_path / "d.csv", "--item", "item", "--system",
                    "system", "--human", "human", "--scores", tmp_path / "s.csv", "--k", "20",
                    "--out", tmp_path / "o", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert set(pd.read_csv(tmp_path / "o" / "results.csv")["n"]) == {3}


def test_a_missing_score_is_reported_against_the_scores_file(tmp_path):
    (tmp_path / "d.csv").write_text("item,system,human\n1,a,1\n2,a,2\n3,a,3\n4,a,4\n")
    pd.DataFrame({"item": ["1", "2", "3", "4"], "system": ["a"] * 4,
                  "m": [1.0, None, 2.0, 3.0],
                  "errors": ["", "m: reference is empty", "", ""]}).to_csv(
        tmp_path / "s.csv", index=False)
    result = invoke("correlate", "--data", tmp_path / "d.csv", "--item", "item", "--system",
                    "system", "--human", "human", "--scores", tmp_path / "s.csv", "--out",
                    tmp_path / "o")
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "s.csv, row 3, column 'm'" in line and "reference is empty" in line
    assert "d.csv" not in line


def test_exclude_systems_equals_the_data_without_them(table, tmp_path):
    import json

    import pandas as pd

    frame = pd.read_csv(table)
    kept = tmp_path / "kept.csv"
    frame[~frame["system"].isin(["s0", "s3"])].to_csv(kept, index=False)
    args = ("--coef", "pearson", "--k", "50", "--format", "json", "--quiet")
    excluded = invoke(*BASE, "--data", table, "--out", tmp_path / "a", "--exclude-systems",
                      "s0,s3", *args)
    direct = invoke(*BASE, "--data", kept, "--out", tmp_path / "b", *args)
    assert excluded.exit_code == 0 and direct.exit_code == 0, excluded.output
    a, b = (json.loads((tmp_path / f / "results.json").read_text()) for f in "ab")
    assert [r["statistic"] for r in a["results"]] == [r["statistic"] for r in b["results"]]
    assert all(r["statistic"] == r["statistic"] for r in a["results"])  # real numbers, not NaN
    bad = invoke(*BASE, "--data", table, "--out", tmp_path / "c", "--exclude-systems", "s9")
    assert bad.exit_code == 2
    line = one_error_line(bad)
    assert "--exclude-systems s9" in line and "s0" in line
