"""write_reports: every format written, parseable and atomic; unknown formats rejected."""

from __future__ import annotations

import dataclasses
import json
import os
import stat

import numpy as np
import pandas as pd
import pytest

from metaeval.errors import MetaevalError
from metaeval.io import write_atomic
from metaeval.report import write as write_module
from metaeval.report import write_reports

EXPECTED_FILES = {"html": "index.html", "latex": "table.tex", "csv": "results.csv",
                  "json": "results.json"}


def test_all_files_written_with_expected_names(gensvs_report):
    assert {f: p.name for f, p in gensvs_report.items()} == EXPECTED_FILES
    for path in gensvs_report.values():
        assert path.is_file() and path.stat().st_size > 0
    assert not [p for p in gensvs_report["html"].parent.iterdir() if p.name.startswith(".")]


def test_csv_matches_table(gensvs_report, gensvs_result):
    frame = pd.read_csv(gensvs_report["csv"])
    for column in ("metric", "group", "level", "coefficient", "statistic", "ci_low", "ci_high",
                   "pvalue", "cluster"):
        assert column in frame.columns
    assert len(frame) == len(gensvs_result.table) == 8 * 3 * 2
    key = ["metric", "group", "level", "coefficient"]
    merged = frame.merge(gensvs_result.table, on=key, suffixes=("_csv", "_table"))
    assert len(merged) == len(frame)
    for column in ("statistic", "ci_low", "ci_high", "pvalue"):
        np.testing.assert_allclose(merged[f"{column}_csv"], merged[f"{column}_table"], rtol=1e-12)
    assert (merged["cluster_csv"] == merged["cluster_table"]).all()


def test_json_has_signature_settings_and_results(gensvs_report, gensvs_result):
    data = json.loads(gensvs_report["json"].read_text())
    assert data["signature"] == str(gensvs_result.signature)
    assert data["settings"]["k"] == 200 and data["settings"]["seed"] == 7
    assert data["humans"] == ["DMOS"] and list(data["by_human"]) == ["DMOS"]
    assert data["by_human"]["DMOS"]["signature"] == str(gensvs_result.signature)
    assert {r["human"] for r in data["results"] + data["pairwise"]} == {"DMOS"}
    assert len(data["results"]) == len(gensvs_result.table)
    assert len(data["pairwise"]) == len(gensvs_result.pairwise)
    row = next(r for r in data["results"] if r["metric"] == "sisdr" and r["group"] == "all"
               and r["coefficient"] == "spearman")
    expected = gensvs_result.table.query(
        "metric == 'sisdr' and group == 'all' and coefficient == 'spearman'")["statistic"].item()
    assert row["statistic"] == pytest.approx(expected)
    assert row["chance_low"] is None  # NaN is written as null, not as invalid JSON NaN


def test_subset_of_formats_and_creates_nested_folder(gensvs_result, tmp_path):
    out = tmp_path / "a" / "b"
    paths = write_reports(gensvs_result, out, formats=("csv", "JSON"))
    assert set(paths) == {"csv", "json"}
    assert sorted(p.name for p in out.iterdir()) == ["results.csv", "results.json"]


def test_unknown_format_names_the_valid_ones(gensvs_result, tmp_path):
    with pytest.raises(MetaevalError) as error:
        write_reports(gensvs_result, tmp_path / "out", formats=("html", "pdf"))
    message = str(error.value)
    assert "'pdf'" in message
    for name in EXPECTED_FILES:
        assert name in message
    assert not (tmp_path / "out").exists()  # nothing written before the check


def test_existing_report_is_replaced_whole(gensvs_result, tmp_path):
    write_reports(gensvs_result, tmp_path, formats=("csv", "json"))
    smaller = dataclasses.replace(
        gensvs_result, table=gensvs_result.table[gensvs_result.table["metric"] != "sisdr"],
        signature="second-run")
    write_reports(smaller, tmp_path, formats=("csv", "json"))
    frame = pd.read_csv(tmp_path / "results.csv")
    assert "sisdr" not in set(frame["metric"]) and len(frame) == len(smaller.table)
    assert json.loads((tmp_path / "results.json").read_text())["signature"] == "second-run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv", "results.json"]


def test_failed_render_leaves_old_files_untouched(gensvs_result, tmp_path, monkeypatch):
    write_reports(gensvs_result, tmp_path, formats=("csv", "json"))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken(result):
        raise RuntimeError("render failed")

    monkeypatch.setitem(write_module.FORMATS, "json", ("results.json", broken))
    with pytest.raises(RuntimeError):
        write_reports(gensvs_result, tmp_path, formats=("csv", "json"))
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_atomic_write_failure_removes_temp_and_keeps_old(tmp_path, monkeypatch):
    target = tmp_path / "x.txt"
    write_atomic(target, "old")

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_atomic_write_gives_new_files_a_normal_mode(tmp_path):
    umask = os.umask(0o022)
    try:
        path = write_atomic(tmp_path / "new.txt", "text")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    path.chmod(0o600)
    write_atomic(path, "again")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text() == "again"


def test_csv_and_json_carry_n_items(datasets_dir, tmp_path):
    """HANNA at levels item and system: ``n_items`` next to ``n`` (66 of 96 prompts for CIDEr),
    empty at level system."""
    from metaeval import correlate
    from tests.hanna import CIDER, hanna_judgements

    js = hanna_judgements(datasets_dir, "Empathy", [CIDER, "BLEU Ξ§"])
    result = correlate(js, coefficients=["pearson"], levels=["item", "system"], k=0)
    written = write_reports(result, tmp_path / "out", formats=("csv", "json"))
    csv = pd.read_csv(written["csv"])
    assert list(csv.columns).index("n_items") == list(csv.columns).index("n") + 1
    rows = csv.set_index(["metric", "level"])
    assert (rows.loc[(CIDER, "item"), "n"], rows.loc[(CIDER, "item"), "n_items"]) == (96, 66)
    assert rows.loc[("BLEU Ξ§", "item"), "n_items"] == 96
    assert pd.isna(rows.loc[(CIDER, "system"), "n_items"])
    payload = json.loads(written["json"].read_text(encoding="utf-8"))
    by_key = {(r["metric"], r["level"]): r for r in payload["results"]}
    assert by_key[(CIDER, "item")]["n_items"] == 66 and by_key[(CIDER, "system")]["n_items"] is None
    assert by_key[(CIDER, "item")]["note"].startswith("66 of 96 items entered the average")
