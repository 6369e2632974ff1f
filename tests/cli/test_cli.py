"""The `metaeval` command line: the main job, user data, one-line errors with documented exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from tests.registered import registered

runner = CliRunner()
GSVS = registered("gensvs_eval", "gensvs_eval_data.csv")


def test_main_job_writes_the_four_reports(tmp_path):
    out = tmp_path / "gsvs"
    result = runner.invoke(app, ["correlate", "--domain", "audio", "--k", "100", "--out", str(out),
                                 "--metrics", "sisdr,multi_res_loss,visqol"])
    assert result.exit_code == 0, result.output
    for name in ("index.html", "table.tex", "results.csv", "results.json"):
        assert (out / name).stat().st_size > 0
    table = pd.read_csv(out / "results.csv")
    for column in ("metric", "group", "level", "coefficient", "statistic", "ci_low", "ci_high",
                   "pvalue", "cluster"):
        assert column in table.columns
    assert set(table["group"]) == {"discriminative", "generative", "all"}
    assert set(table["coefficient"]) == {"spearman", "pearson", "kendall_b"}
    assert set(table["level"]) == {"none"}
    meta = json.loads((out / "results.json").read_text())
    assert "k:100" in meta["signature"] and meta["settings"]["group_by"] == "model_type"


def test_user_csv_with_column_options(tmp_path):
    frame = pd.read_csv(GSVS)[["file_id", "model_name", "model_type", "DMOS", "sdr", "multi_res_loss"]]
    path = tmp_path / "mine.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "report"
    result = runner.invoke(app, [
        "correlate", "--data", str(path), "--item", "file_id", "--system", "model_name",
        "--human", "DMOS", "--lower-is-better", "multi_res_loss", "--group-by", "model_type",
        "--level", "none,item", "--coef", "pearson", "--k", "50", "--out", str(out),
        "--format", "csv,json", "--quiet"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "results.csv")
    assert set(table["level"]) == {"none", "item"}
    assert sorted(os.listdir(out)) == ["results.csv", "results.json"]


@pytest.mark.parametrize("args,needle,code", [
    (["--data", "missing.csv", "--item", "a", "--system", "b", "--human", "c"], "missing.csv", 1),
    (["--domain", "audio", "--coef", "spearmann"], "unknown coefficient 'spearmann'", 2),
    (["--domain", "audio", "--level", "segment"], "unknown level 'segment'", 2),
    (["--domain", "nope"], "nope", 2),
    (["--domain", "audio", "--format", "pdf"], "pdf", 2),
    (["--domain", "audio", "--ci", "1.5"], "--ci 1.5: must be between 0 and 1", 2),
    (["--domain", "audio", "--bogus"], "No such option: --bogus", 2),
    ([], "--data", 2),
])
def test_bad_input_is_one_line_with_its_exit_code(tmp_path, args, needle, code):
    """Usage errors (options) exit 2, data errors exit 1; one line on stderr, no traceback."""
    result = runner.invoke(app, ["correlate", *args, "--k", "10", "--out", str(tmp_path / "o")])
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], lines
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_bad_rows_name_the_file_and_row(tmp_path):
    frame = pd.read_csv(GSVS)[["file_id", "model_name", "DMOS", "sdr"]].head(20)
    frame["sdr"] = frame["sdr"].astype(object)
    frame.loc[6, "sdr"] = "n/a?"
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    result = runner.invoke(app, ["correlate", "--data", str(path), "--item", "file_id",
                                 "--system", "model_name", "--human", "DMOS", "--k", "10",
                                 "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "bad.csv" in result.output and "row 8" in result.output and "sdr" in result.output


def test_console_script_runs_as_a_process(tmp_path):
    out = tmp_path / "proc"
    proc = subprocess.run([sys.executable, "-m", "metaeval.cli", "correlate", "--domain", "audio",
                           "--metrics", "sdr", "--coef", "spearman", "--k", "20", "--quiet",
                           "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (out / "index.html").exists()
    bad = subprocess.run([sys.executable, "-m", "metaeval.cli", "correlate", "--domain", "audio",
                          "--k", "-1"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--k -1: must be a number of draws" in bad.stderr
    assert bad.stderr.strip().count("\n") == 0 and bad.stderr.startswith("error:")
    assert Path(out).is_dir()


def test_single_metric_summary_prints(tmp_path):
    result = runner.invoke(app, ["correlate", "--domain", "audio", "--metrics", "sdr", "--k", "20",
                                 "--out", str(tmp_path / "one")])
    assert result.exit_code == 0, result.output
    assert "sdr" in result.output
    table = pd.read_csv(tmp_path / "one" / "results.csv")
    assert set(table["metric"]) == {"sdr"}  # --metrics selects the bundled set's columns
