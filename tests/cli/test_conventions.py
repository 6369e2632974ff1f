"""CLI habits of the ecosystem (issue 7): --version, results on stdout and notes on stderr, plain
output when piped, nothing truncated or parsed as markup, choices listed in --help, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval import __version__
from metaeval.cli import app
from metaeval.metrics.registry import all_specs
from metaeval.provenance import Signature

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout == f"metaeval {__version__}\n"


@pytest.mark.parametrize("module", ["metaeval", "metaeval.cli"])
def test_python_dash_m_is_the_command(module):
    """``python -m metaeval`` (it had no ``__main__``) and ``python -m metaeval.cli``."""
    done = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stdout == f"metaeval {__version__}\n", done.stderr


def test_metrics_piped_is_tsv_with_full_names():
    """At 80 columns or piped, the rich table showed `in…` and two rows `fad_song2song_cl…`."""
    result = runner.invoke(app, ["metrics"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0].split("\t") == ["name", "domain", "inputs", "direction", "available",
                                    "source", "citation"]
    names = [line.split("\t")[0] for line in lines[1:]]
    assert sorted(names) == sorted(s.name for s in all_specs())
    assert all("…" not in line.split("\t")[2] for line in lines[1:])
    assert "fad_song2song_clap" in names and "fad_song2song_mert" in names


@pytest.mark.parametrize("format", ["table", "json"])
def test_metrics_formats(format):
    result = runner.invoke(app, ["metrics", "--format", format, "--domain", "audio"])
    assert result.exit_code == 0, result.output
    if format == "json":
        rows = json.loads(result.stdout)
        assert {"name", "inputs", "available"} <= set(rows[0]) and len(rows) > 10
    else:
        assert "fad_song2song_music2latent" in result.stdout and "…" not in result.stdout.split(
            "citation")[0]
        assert "estimate, reference, mixture" in result.stdout


def _odd_names_csv(tmp_path):
    rng = pd.Series(range(12))
    frame = pd.DataFrame({"item": rng % 6, "system": rng // 6, "mos": (rng * 7) % 5,
                          "acc[red]": (rng * 3) % 7, "flat": 1.0})
    path = tmp_path / "odd.csv"
    frame.to_csv(path, index=False)
    return path


def test_correlate_results_on_stdout_notes_on_stderr(tmp_path):
    path = _odd_names_csv(tmp_path)
    result = runner.invoke(app, ["correlate", "--data", str(path), "--item", "item", "--system",
                                 "system", "--human", "mos", "--k", "20", "--out",
                                 str(tmp_path / "o")], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "warning: group all: metric flat is constant" in result.stderr
    assert "warning" not in result.stdout and "correlate" not in result.stderr  # no progress bar
    lines = result.stdout.splitlines()
    assert any(line.startswith("acc[red] ") for line in lines)  # not parsed as markup
    signature = [line for line in lines if line.startswith("signature: ")]
    assert len(signature) == 1  # one unwrapped line
    parsed = Signature.parse(signature[0].removeprefix("signature: "))
    assert [m.name for m in parsed.metrics] == ["acc[red]", "flat"]
    assert max(len(line) for line in lines  # paths and the signature may be longer
               if not line.startswith("signature") and str(tmp_path) not in line) <= 80


def test_summary_fits_80_columns_on_the_bundled_study(tmp_path):
    result = runner.invoke(app, ["correlate", "--domain", "audio", "--k", "20", "--metrics",
                                 "fad_song2song_music2latent_df,emb_mse_clap_music_df,sisdr",
                                 "--out", str(tmp_path / "o"), "--format", "csv"])
    assert result.exit_code == 0, result.output
    body = [line for line in result.stdout.splitlines()
            if not line.startswith("signature") and str(tmp_path) not in line]
    assert max(map(len, body)) <= 80
    assert "M2L FAD (-)" in result.stdout  # the card's display name, flipped marker
    assert "cluster: significance cluster of spearman" in result.stdout


def test_help_lists_the_choices():
    text = runner.invoke(app, ["correlate", "--help"], env={"COLUMNS": "200"}).stdout
    text = " ".join(text.replace("│", " ").split())  # a list may wrap inside its cell
    for choice in ("acc23_tiecal", "kendall_b", "pairwise_acc", "system, item, sys, none",
                   "percentile", "bca", "items", "systems", "primary", "audio"):
        assert choice in text, choice


def test_exit_codes_as_a_process(tmp_path):
    usage = subprocess.run([sys.executable, "-m", "metaeval.cli", "correlate", "--nope"],
                           capture_output=True, text=True)
    data = subprocess.run([sys.executable, "-m", "metaeval.cli", "correlate", "--data",
                           str(tmp_path / "absent.csv"), "--item", "a", "--system", "b",
                           "--human", "c"], capture_output=True, text=True)
    assert (usage.returncode, data.returncode) == (2, 1)
    for run in (usage, data):
        assert run.stdout == "" and run.stderr.count("\n") == 1
        assert run.stderr.startswith("error: ")
