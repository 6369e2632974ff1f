"""`metaeval challenge`: the bundled TED MQM pairs and the ACES sample end to end through the
CLI; the report files (results.csv layout, HTML sections, LaTeX that compiles); usage and data
errors as one line with the documented exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess

import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval.cli import app

runner = CliRunner()
DOCUMENT = ("\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{booktabs}\n"
            "\\begin{document}\n\\input{table.tex}\n\\end{document}\n")


@pytest.fixture(scope="module")
def ted_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("challenge")
    result = runner.invoke(app, ["challenge", "--set", "ted-mqm-pairs", "--metrics", "chrf,bleu",
                                 "--k", "100", "--out", str(folder / "o"), "--cache",
                                 str(folder / "cache")])
    assert result.exit_code == 0, result.output
    return folder / "o", result.output


def test_results_csv_layout(ted_run):
    out, _ = ted_run
    table = pd.read_csv(out / "results.csv", keep_default_na=False)
    assert list(table.columns) == ["metric", "langpair", "phenomenon", "category", "statistic",
                                   "ci_low", "ci_high", "n", "note"]
    pooled = table[table["langpair"] == ""]
    per_phenomenon = pooled[pooled["phenomenon"] != ""]
    assert len(per_phenomenon) == 2 * 15  # metrics x phenomena
    summaries = set(pooled.loc[pooled["phenomenon"] == "", "category"])
    assert {"Accuracy", "Fluency", "mean tau", "all pairs"} <= summaries
    assert "ACES-Score" not in summaries  # MQM categories are not ACES categories
    assert set(table["langpair"]) == {"", "en-de", "zh-en"}
    n = pooled[(pooled["category"] == "all pairs")].set_index("metric")["n"]
    assert set(n) == {1139}


def test_small_phenomena_stay_out_of_the_headline(ted_run):
    """The mean tau is the mean over the phenomena with at least 10 pairs (default min_pairs);
    before, 'Locale convention/Name format' (one pair) alone made 0.133 of the 0.181 gap
    between chrF and BLEU. Phenomena below 10 pairs have a note; metrics whose intervals do
    not overlap are not in one cluster."""
    out, output = ted_run
    table = pd.read_csv(out / "results.csv", keep_default_na=False)
    pooled = table[table["langpair"] == ""]
    phenomena = pooled[pooled["phenomenon"] != ""]
    small = phenomena[phenomena["n"] < 10]
    assert set(small["phenomenon"]) >= {"Locale convention/Name format", "Fluency/Spelling"}
    assert all("fewer than min_pairs = 10" in note for note in small["note"])
    assert (phenomena.loc[phenomena["n"] >= 10, "note"] == "").all()
    for metric, part in phenomena.groupby("metric"):
        head = pooled[(pooled["metric"] == metric) & (pooled["category"] == "mean tau")].iloc[0]
        assert head["statistic"] == pytest.approx(part.loc[part["n"] >= 10, "statistic"].mean())
        assert head["n"] == part.loc[part["n"] >= 10, "n"].sum() == 1096
    report = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert {r["phenomenon"] for r in report["reported_apart"]} == set(small["phenomenon"])
    assert report["settings"]["min_pairs"] == 10
    assert "min-pairs:10|resample:pairs-within-phenomena" in report["signature"]
    ranking = report["ranking"]
    for x in ranking:
        for y in ranking:
            if x["ci_low"] > y["ci_high"]:
                assert x["cluster"] != y["cluster"], (x, y)
    assert "reported apart" in output


def test_summary_and_signature_on_stdout(ted_run):
    out, output = ted_run
    assert "ted-mqm-pairs: 1139 pairs, headline mean tau" in output
    assert "signature: set:ted-mqm-pairs@" in output
    report = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert report["signature"] in output and report["headline"] == "mean tau"
    assert {r["metric"] for r in report["ranking"]} == {"chrf", "bleu"}


def test_html_sections(ted_run):
    html = (ted_run[0] / "index.html").read_text(encoding="utf-8")
    for anchor in ("ranking", "categories", "phenomena", "langpairs", "significance", "hardest",
                   "methods"):
        assert f'id="{anchor}"' in html
    assert "<svg" in html and "Accuracy/Mistranslation" in html
    assert "Derived from M. Freitag" in html and "Licence: Apache-2.0." in html  # the source
    record = json.loads((ted_run[0] / "results.json").read_text(encoding="utf-8"))
    assert record["challenge_set"]["licence"] == "Apache-2.0"
    assert 'src="http' not in html and 'href="http' not in html  # self-contained, offline


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_compiles_and_fits_the_page(ted_run, tmp_path):
    """The README's run (chrf, bleu): table.tex was 243 pt wider than the text."""
    shutil.copy(ted_run[0] / "table.tex", tmp_path / "table.tex")
    (tmp_path / "doc.tex").write_text(DOCUMENT)
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log and "Float too large" not in log
    tex = (tmp_path / "table.tex").read_text()
    assert "Accuracy/\\allowbreak{}Mistranslation" in tex
    assert "Fewer than 10 pairs: reported apart" in tex


def test_aces_sample_has_an_aces_score(datasets_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["challenge", "--set",
                                 str(datasets_dir / "aces_sample" / "subset.json"),
                                 "--metrics", "chrf", "--k", "50", "--format", "csv,json",
                                 "--quiet"])
    assert result.exit_code == 0 and result.output == "", result.output
    out = tmp_path / "reports" / "challenge" / "subset"
    report = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert report["headline"] == "ACES-Score" and "punctuation" in report["absent_categories"]
    assert not (out / "index.html").exists()


@pytest.mark.parametrize("args, code, message", [
    (["--set", "ted-mqm-pairs", "--k", "0"], 2, "--k"),
    (["--set", "ted-mqm-pairs", "--ci", "1.5"], 2, "--ci"),
    (["--set", "ted-mqm-pairs", "--min-pairs", "0"], 2, "--min-pairs"),
    (["--set", "ted-mqm-pairs", "--format", "pdf"], 2, "--format"),
    (["--set", "ted-mqm-pairs", "--metrics", "chrf:nope=1"], 2, "nope"),
    (["--set", "no/such/file.tsv"], 1, "no/such/file.tsv"),
])
def test_errors_are_one_line(args, code, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["challenge", *args])
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
