"""Valid input that crashed after the whole computation (issue: "No crash, no silent wrong
number", section 1): intervals that do not contain their estimate, repeated names, a group
called 'all', unusable output paths, a page-corrupted score cache."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from metaeval.report.listening import FILES as LISTENING_FILES
from tests.robustness.conftest import BASE, invoke, one_error_line


@pytest.mark.parametrize("options", [("--level", "system", "--ci", "0.01"),
                                     ("--level", "system", "--ci", "0.5"),
                                     ("--k", "1"), ("--k", "2")])
def test_forest_plot_with_an_estimate_outside_its_interval(table, tmp_path, options):
    result = invoke(*BASE, "--data", table, "--out", tmp_path / "o", "--k", "20", *options)
    assert result.exit_code == 0, result.output
    assert "<svg" in (tmp_path / "o" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("option, value", [("--metrics", "m1,m1,m2"),
                                           ("--coef", "spearman,spearman"),
                                           ("--level", "none,none")])
def test_repeated_names_are_refused(table, tmp_path, option, value):
    result = invoke(*BASE, "--data", table, "--out", tmp_path / "o", option, value)
    assert result.exit_code == 2
    assert "twice" in one_error_line(result) and option in one_error_line(result)
    assert not (tmp_path / "o").exists()


def test_a_group_named_all_is_not_confused_with_the_pooled_group(table, tmp_path):
    result = invoke(*BASE, "--data", table, "--out", tmp_path / "o", "--group-by", "grp")
    assert result.exit_code == 1
    assert "'all' is the name of the pooled group" in one_error_line(result)
    assert "--no-pooled" in one_error_line(result)
    result = invoke(*BASE, "--data", table, "--out", tmp_path / "o", "--group-by", "grp",
                    "--no-pooled", "--k", "20")
    assert result.exit_code == 0, result.output
    csv = pd.read_csv(tmp_path / "o" / "results.csv")
    assert sorted(set(csv["group"])) == ["all", "other"]
    html = (tmp_path / "o" / "index.html").read_text(encoding="utf-8")
    assert "pooled (all groups)" not in html
    assert "pooled over all of them" not in html


def test_out_is_an_existing_file(table, tmp_path):
    (tmp_path / "afile").write_text("x")
    result = invoke(*BASE, "--data", table, "--out", tmp_path / "afile")
    assert result.exit_code == 2 and "is a file, not a folder" in one_error_line(result)
    assert "metrics:" not in result.output  # refused before reading the data
    result = invoke(*BASE, "--data", table, "--out", tmp_path / "afile" / "sub")
    assert result.exit_code == 2 and "cannot be created" in one_error_line(result)


def test_out_holding_other_files_is_refused_before_computing(table, tmp_path):
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "notes.txt").write_text("mine")
    result = invoke(*BASE, "--data", table, "--out", tmp_path / "o")
    assert result.exit_code == 2 and "notes.txt" in one_error_line(result)
    assert (tmp_path / "o" / "notes.txt").read_text() == "mine"


def test_score_out_problems(tmp_path):
    manifest = tmp_path / "texts.csv"
    pd.DataFrame({"item": ["1"], "system": ["a"], "hypothesis": ["x y"],
                  "reference": ["x y"]}).to_csv(manifest, index=False)
    (tmp_path / "dir.csv").mkdir()
    result = invoke("score", "--manifest", manifest, "--metrics", "chrf", "--out",
                    tmp_path / "dir.csv")
    assert result.exit_code == 2 and "is a folder" in one_error_line(result)
    (tmp_path / "f").write_text("")
    result = invoke("score", "--manifest", manifest, "--metrics", "chrf", "--out",
                    tmp_path / "f" / "s.csv")
    assert result.exit_code == 2 and "not a writable folder" in one_error_line(result)


def test_listening_and_challenge_out_problems(tmp_path):
    (tmp_path / "afile").write_text("x")
    result = invoke("listening", "summarize", "--format", "dcr", "--out", tmp_path / "afile")
    assert result.exit_code == 2 and "is a file" in one_error_line(result)
    result = invoke("challenge", "--set", "ted-mqm-pairs", "--out", tmp_path / "afile")
    assert result.exit_code == 2 and "is a file" in one_error_line(result)
    assert len(LISTENING_FILES) == 7


def test_score_files_are_readable_by_others(tmp_path):
    manifest = tmp_path / "texts.csv"
    pd.DataFrame({"item": ["1", "2"], "system": ["a", "a"], "hypothesis": ["x y", "z"],
                  "reference": ["x y", "z z"]}).to_csv(manifest, index=False)
    for name in ("s.csv", "s.parquet"):
        result = invoke("score", "--manifest", manifest, "--metrics", "chrf", "--out",
                        tmp_path / name, "--cache", tmp_path / "cache")
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o644


def test_page_corrupted_cache(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    db = sqlite3.connect(cache / "chrf.sqlite")
    db.execute("CREATE TABLE scores (key TEXT PRIMARY KEY, config_hash TEXT, score REAL, "
               "details TEXT)")
    db.executemany("INSERT INTO scores VALUES (?, ?, ?, ?)",
                   [(f"k{i:05d}" * 8, "h", float(i), None) for i in range(4000)])
    db.commit()
    db.close()
    data = bytearray((cache / "chrf.sqlite").read_bytes())
    page = 4096
    data[3 * page + 100:3 * page + 900] = b"\xff" * 800  # one page in the middle
    (cache / "chrf.sqlite").write_bytes(bytes(data))
    manifest = tmp_path / "texts.csv"
    pd.DataFrame({"item": ["1"], "system": ["a"], "hypothesis": ["x y"],
                  "reference": ["x y"]}).to_csv(manifest, index=False)
    result = invoke("score", "--manifest", manifest, "--metrics", "chrf", "--out",
                    tmp_path / "s.csv", "--cache", cache)
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "chrf.sqlite" in line and "malformed" in line and "delete this file" in line
