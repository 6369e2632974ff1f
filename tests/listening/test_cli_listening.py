"""`metaeval listening summarize`: both registered studies, user files in every format, and bad
input answered with one `error: ...` line and the documented exit status."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.report.listening import FILES
from tests.registered import registered

GSVS_FILE = registered("gensvs_eval", "gensvs_eval_data.csv")

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, ["listening", "summarize", *map(str, args)])


def test_gsvs_from_the_cli_default_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("--format", "dcr", "--k", 50)
    assert result.exit_code == 0, result.output
    out = tmp_path / "reports" / "listening" / "gensvs_eval"
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    systems = pd.read_csv(out / "systems.csv").set_index("system")
    assert round(systems.loc["htdemucs", "mos"], 2) == 2.03
    assert round(systems.loc["melroformer_bigvgan", "mos"], 2) == 3.29
    for system in systems.index:  # the terminal summary names every system with its letters
        assert system in result.stdout
    assert "ICC(2,1)" in result.stdout and "index.html" in result.stdout


def test_mushra_from_the_cli_quiet_with_options(tmp_path):
    out = tmp_path / "m"
    result = invoke("--format", "mushra", "--out", out, "--k", 50, "--seed", 7, "--quiet",
                    "--screening", "mushra")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    summary = json.loads((out / "summary.json").read_text())
    assert summary["settings"] == {"screening": "mushra", "k": 50, "seed": 7, "ci": 0.95,
                                   "correction": "bonferroni", "aggregate": "mean",
                                   "exclude_systems": [], "replicates": "error",
                                   "normalize": "none"}
    assert summary["screening"]["excluded"] and summary["dataset"]["name"] == "bernoulli_mushra"
    assert summary["ceiling"]["none"]["k"] == 50
    raters = pd.read_csv(out / "raters.csv")
    assert raters["excluded"].sum() == len(summary["screening"]["excluded"])


def test_screening_none_keeps_every_rater(tmp_path):
    result = invoke("--format", "mushra", "--out", tmp_path / "m", "--k", 20, "--quiet",
                    "--screening", "none", "--correction", "holm")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "m" / "summary.json").read_text())
    assert summary["screening"]["excluded"] == [] and summary["tests"]["correction"] == "holm"
    assert summary["counts"]["ratings_used"] == summary["counts"]["ratings"]


def _long_rows() -> list[dict]:
    """4 items x 3 systems x 3 raters with a clear A > B > C order."""
    base = {"A": 4, "B": 3, "C": 1}
    return [{"item": f"i{i}", "system": s, "rater": f"r{r}",
             "rating": min(5, max(1, base[s] + (i + r) % 2))}
            for i in range(4) for s in base for r in range(3)]


def test_long_csv_with_scale(tmp_path):
    path = tmp_path / "ratings.csv"
    pd.DataFrame(_long_rows()).to_csv(path, index=False)
    result = invoke("--data", path, "--format", "long", "--scale", "1,5", "--out",
                    tmp_path / "o", "--k", 20, "--quiet")
    assert result.exit_code == 0, result.output
    items = pd.read_csv(tmp_path / "o" / "items.csv")
    frame = pd.DataFrame(_long_rows())
    expected = frame.groupby(["item", "system"])["rating"].mean()
    got = items.set_index(["item", "system"])["mos"]
    pd.testing.assert_series_equal(got.loc[expected.index], expected, check_names=False)
    assert set(items["n_ratings"]) == {3}


def test_long_mushra_with_named_reference_is_screened_by_bs1534(tmp_path):
    """A long table with a hidden reference: auto screening is BS.1534; r2 rates it low."""
    rows = []
    for i in range(4):
        for r in range(4):
            for system, score in (("ref", 40 if r == 2 else 95), ("codec", 60 + 5 * r),
                                  ("low", 20 + r)):
                rows.append({"item": f"i{i}", "system": system, "rater": f"r{r}",
                             "rating": score})
    path = tmp_path / "ratings.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    result = invoke("--data", path, "--format", "long", "--scale", "0,100", "--reference", "ref",
                    "--anchors", "low", "--out", tmp_path / "o", "--k", 20, "--quiet")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["screening"]["method"] == "mushra" and summary["screening"]["excluded"] == ["r2"]
    assert summary["reference"] == "ref" and summary["anchors"] == ["low"]
    raters = pd.read_csv(tmp_path / "o" / "raters.csv").set_index("rater")
    assert raters.loc["r2", "flags"] == 4 and "4 of 4 trials" in raters.loc["r2", "reason"]
    systems = pd.read_csv(tmp_path / "o" / "systems.csv").set_index("system")
    assert systems.loc["ref", "mos"] == pytest.approx(95.0)  # r2's ratings are not used
    assert systems.loc["codec", "mos"] == pytest.approx((60 + 65 + 75) / 3)


def test_webmushra_export(tmp_path):
    rows = []
    for r, email in enumerate(["a@x", "b@x", "c@x"]):
        for t in ("trial1", "trial2", "trial3"):
            for stimulus, score in (("reference", 100 - r), ("C1", 70 + 5 * r),
                                    ("C2", 45 + 3 * r), ("anchor35", 15 + r)):
                rows.append({"session_test_id": "test", "email": email, "age": 30 + r,
                             "trial_id": t, "rating_stimulus": stimulus, "rating_score": score,
                             "rating_time": 1000, "rating_comment": ""})
    path = tmp_path / "mushra.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    result = invoke("--data", path, "--format", "webmushra", "--out", tmp_path / "o", "--k", 20,
                    "--quiet")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["screening"]["method"] == "mushra" and summary["screening"]["excluded"] == []
    systems = pd.read_csv(tmp_path / "o" / "systems.csv")
    assert list(systems["system"]) == ["reference", "C1", "C2", "anchor35"]
    assert systems["mos"].tolist() == pytest.approx([99.0, 75.0, 48.0, 16.0])


def _bad_gsvs(tmp_path) -> str:
    lines = GSVS_FILE.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[5].split(",")
    cells[header.index("rating_3")] = "7"
    lines[5] = ",".join(cells)
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.mark.parametrize("args, needle, code", [
    (["--data", "{tmp}/missing.csv", "--format", "dcr"], "missing.csv", 1),
    (["--data", "{bad}", "--format", "dcr"], "rating 7 outside the scale 1..5", 1),
    (["--format", "wav"], "'wav' is not one of", 2),
    (["--data", "{bad}"], "--format", 2),
    (["--format", "dcr", "--screening", "strict"], "'strict' is not one of", 2),
    (["--format", "long"], "no registered study", 2),
    (["--data", "{long}", "--format", "long"], "needs its rating scale", 2),
    (["--data", "{long}", "--format", "long", "--scale", "5,1"], "lo must be below hi", 2),
    (["--format", "dcr", "--k", "0"], "--k 0: must be at least 1", 2),
    (["--format", "dcr", "--screening", "mushra"], "needs the hidden-reference condition", 2),
    (["--format", "dcr", "--reference", "sgmsvz"], "--reference sgmsvz", 2),
])
def test_bad_input_one_line_with_its_exit_code(tmp_path, args, needle, code):
    bad = _bad_gsvs(tmp_path)
    long = tmp_path / "long.csv"
    pd.DataFrame(_long_rows()).to_csv(long, index=False)
    out = tmp_path / "o"
    args = [a.format(tmp=tmp_path, bad=bad, long=long) for a in args]
    result = invoke(*args, "--out", out)
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()


def test_out_of_scale_message_names_file_row_and_column(tmp_path):
    result = invoke("--data", _bad_gsvs(tmp_path), "--format", "dcr", "--out", tmp_path / "o")
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert "bad.csv" in message and "row 6" in message and "rating" in message
