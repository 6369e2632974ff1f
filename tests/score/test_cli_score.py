"""`metaeval score` through the CLI: CSV/Parquet output, failures summary, cache, resume, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.errors import ParameterError
from metaeval.metrics import registry
from metaeval.metrics.registry import MetricSpec
from metaeval.score.files import write_scores
from metaeval.score.manifest import read_manifest
from metaeval.score.runner import score_items
from tests.score.fakes import SNR, make_tree, write_manifest

runner = CliRunner()


@pytest.fixture
def tree(tmp_path, monkeypatch):
    make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    spec = MetricSpec("test_snr", "audio", "tests.score.fakes:SNR", ("estimate", "reference"))
    monkeypatch.setitem(registry._BUILTIN, "test_snr", spec)
    return tmp_path


def _score(*args):
    return runner.invoke(app, ["score", *map(str, args)])


def test_manifest_to_csv_equals_the_api(tree):
    manifest = write_manifest(tree, systems=("good",))
    result = _score("--manifest", manifest, "--metrics", "test_snr", "--out", "out.csv", "--quiet")
    assert result.exit_code == 0, result.output
    assert "wrote 4 rows x 1 metric(s) (test_snr) to out.csv" in result.stdout
    assert "4 computed" in result.stdout and "no failures" in result.stdout
    written = pd.read_csv(tree / "out.csv", keep_default_na=False, na_values=[""])
    expected = score_items(read_manifest(manifest), [SNR()])
    assert written.columns.tolist() == ["item", "system", "test_snr", "errors"]
    np.testing.assert_allclose(written["test_snr"], expected["test_snr"], rtol=1e-12)
    assert (tree / ".cache/metaeval-scores/test_snr.sqlite").is_file()  # default cache folder
    again = _score("--manifest", manifest, "--metrics", "test_snr", "--out", "out.csv")  # with a bar
    assert again.exit_code == 0, again.output
    assert "0 computed, 4 from the cache" in again.stdout


def test_folder_convention_to_parquet_with_failures(tree):
    result = _score("--estimates", "out/{system}/{item}.wav", "--references", "ref/{item}.wav",
                    "--metrics", "test_snr", "--out", "res/scores.parquet", "--cache", "c",
                    "--batch-size", "3", "--jobs", "2", "--quiet")
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(tree / "res/scores.parquet")
    assert len(frame) == 10 and frame["test_snr"].notna().sum() == 7
    assert "test_snr: 3 of 10 items failed" in result.stderr
    assert "warning: item 'c', system 'odd': trimmed to the shortest input" in result.stderr
    bad = frame.set_index(["system", "item"])["errors"]
    assert "cannot read the audio" in bad["bad", "a"] and bad["good", "a"] == ""
    assert not list((tree / "res").glob(".*.tmp"))  # the temp file was moved into place


def test_resume_from_cli(tree):
    manifest = write_manifest(tree, systems=("good",))
    result = _score("--manifest", manifest, "--metrics", "test_snr", "--out", "o.csv",
                    "--cache", "c", "--resume", "--quiet")
    assert result.exit_code == 1 and "nothing to resume" in result.output
    score_items(read_manifest(manifest)[:2], [SNR()], cache_dir=tree / "c")  # an interrupted run
    result = _score("--manifest", manifest, "--metrics", "test_snr", "--out", "o.csv",
                    "--cache", "c", "--resume", "--quiet")
    assert result.exit_code == 0, result.output
    assert "2 computed, 2 from the cache" in result.stdout


@pytest.mark.parametrize("args, needle, code", [
    (["--metrics", "test_snr", "--out", "scores.txt"], "unsupported output type '.txt'", 2),
    (["--metrics", "no_such", "--out", "s.csv"], "unknown metric 'no_such'", 2),
    (["--metrics", "test_snr:gain=2", "--out", "s.csv"], "has no option 'gain'", 2),
    (["--metrics", "test_snr", "--out", "s.csv"], "nothing to score", 2),
    (["--manifest", "bad.csv", "--metrics", "test_snr", "--out", "s.csv"],
     "missing column(s) 'estimate'", 1),
    (["--estimates", "out/{item}.wav", "--metrics", "test_snr", "--out", "s.csv"],
     "must contain {system} and {item}", 2),
])
def test_bad_input_exits_with_one_line(tree, args, needle, code):
    (tree / "bad.csv").write_text("item,system,reference\na,good,ref/a.wav\n")
    result = _score(*args)
    assert result.exit_code == code, result.output
    assert needle in result.output and "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert not (tree / "s.csv").exists()


def test_write_scores_is_atomic_and_checks_the_type(tmp_path):
    frame = pd.DataFrame({"item": ["1"], "system": ["A"], "m": [0.5], "errors": [""]})
    frame.attrs["failures"] = {"m": []}
    (tmp_path / "s.parquet").write_text("old")
    write_scores(frame, tmp_path / "s.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "s.parquet"), frame)
    with pytest.raises(ParameterError, match="end the file name with .parquet or .csv"):
        write_scores(frame, tmp_path / "s.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.parquet"]
