"""Output sets, paths and injection (section 4): report folders replaced as a set, names used in
paths sanitised, LaTeX and CSV that cannot run code, paths without the user's machine layout."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metaeval.csvio import spreadsheet_safe
from metaeval.errors import DataError, ParameterError
from metaeval.io import write_set
from metaeval.report.latex import latex_comment, latex_escape
from metaeval.score.audio_io import read_audio
from tests.robustness.conftest import BASE, invoke


def test_write_set_replaces_the_whole_folder(tmp_path):
    out = tmp_path / "o"
    write_set(out, {"a.txt": "1", "b.txt": "1"})
    write_set(out, {"a.txt": "2"}, owned=["a.txt", "b.txt"])
    assert sorted(p.name for p in out.iterdir()) == ["a.txt"]  # b.txt of the old run is gone
    assert (out / "a.txt").read_text() == "2"
    assert oct(out.stat().st_mode & 0o777) == oct(0o777 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_failing_render_leaves_the_old_set(tmp_path):
    out = tmp_path / "o"
    write_set(out, {"a.txt": "old"})

    def broken(path):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_set(out, {"a.txt": "new", "b.txt": broken}, owned=["a.txt", "b.txt"])
    assert sorted(p.name for p in out.iterdir()) == ["a.txt"]
    assert (out / "a.txt").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["o"]  # no staging folder left


def test_stale_files_of_killed_runs_are_cleaned(tmp_path):
    out = tmp_path / "o"
    write_set(out, {"a.txt": "1"})
    (out / ".a.txt.x1y2.tmp").write_text("half")
    (tmp_path / ".o.staging-abc").mkdir()
    write_set(out, {"a.txt": "2"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]
    assert [p.name for p in out.iterdir()] == ["a.txt"]
    # killed between moving the old set aside and moving the new one in: the old set returns
    os.rename(out, tmp_path / ".o.old-zzz")
    write_set(tmp_path / "o", {"a.txt": "3"})
    assert (out / "a.txt").read_text() == "3" and sorted(p.name for p in tmp_path.iterdir()) == ["o"]


def test_foreign_files_are_never_deleted(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "thesis.tex").write_text("mine")
    with pytest.raises(ParameterError, match="thesis.tex"):
        write_set(out, {"a.txt": "1"})
    assert (out / "thesis.tex").read_text() == "mine"


def test_card_name_cannot_choose_where_reports_go(table, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("../../../escape", str(tmp_path / "abs")):
        table.with_name(table.name + ".yaml").write_text(
            f"name: {name!r}\nitem: item\nsystem: system\nhuman: human\n")
        result = invoke("correlate", "--data", table, "--k", "20", "--format", "csv")
        assert result.exit_code == 0, result.output
    written = sorted(p.relative_to(tmp_path).parts for p in tmp_path.rglob("results.csv"))
    assert len(written) == 2 and all(w[0] == "reports" and len(w) == 3 for w in written)
    assert ("reports", "escape", "results.csv") in written
    assert not (tmp_path.parent / "escape").exists() and not (tmp_path / "abs").exists()


def test_latex_comment_and_text_cannot_run_commands():
    comment = latex_comment("sig|d:x\n\\input{/etc/hostname}")
    assert "\n" not in comment and comment.startswith("% ")
    assert latex_escape("a<b>c|d\n\\input{x}") == (r"a\textless{}b\textgreater{}c\textbar{}d "
                                                    r"\textbackslash{}input\{x\}")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_hostile_names_compile_and_print_as_written(table, tmp_path):
    frame = pd.read_csv(table).rename(columns={"m1": "a<b>", "m2": "=HYPERLINK(1)"})
    frame.to_csv(tmp_path / "x.csv", index=False)
    (tmp_path / "x.csv.yaml").write_text("name: \"evil\\n\\\\input{/etc/hostname}\"\nitem: item\n"
                                         "system: system\nhuman: human\n")
    result = invoke("correlate", "--data", tmp_path / "x.csv", "--k", "20", "--out",
                    tmp_path / "o")
    assert result.exit_code == 0, result.output
    tex = (tmp_path / "o" / "table.tex").read_text()
    assert "\n\\input{/etc/hostname}" not in tex and r"a\textless{}b\textgreater{}" in tex
    (tmp_path / "o" / "doc.tex").write_text("\\documentclass{article}\\usepackage[T1]{fontenc}"
                                            "\\usepackage{booktabs}\\begin{document}"
                                            "\\input{table.tex}\\end{document}\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                         cwd=tmp_path / "o", capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    csv = (tmp_path / "o" / "results.csv").read_text()
    assert ",'=HYPERLINK(1)," in csv and ",=HYPERLINK" not in csv


def test_spreadsheet_safe_quotes_formula_starts_only_in_text():
    frame = pd.DataFrame({"metric": ["=1+1", "+x", "-ter", "@sum", "ok"], "value": [-1.0] * 5})
    safe = spreadsheet_safe(frame)
    assert list(safe["metric"]) == ["'=1+1", "'+x", "'-ter", "'@sum", "ok"]
    assert list(safe["value"]) == [-1.0] * 5


def test_non_latin_names_warn_when_latex_is_written(table, tmp_path):
    frame = pd.read_csv(table).rename(columns={"m1": "хрф"})
    frame.to_csv(tmp_path / "x.csv", index=False)
    result = invoke(*BASE, "--data", tmp_path / "x.csv", "--k", "20", "--out", tmp_path / "o")
    assert result.exit_code == 0 and "xelatex or lualatex" in result.output


def test_channels_that_cancel_are_silent(tmp_path):
    soundfile = pytest.importorskip("soundfile")
    tone = np.sin(np.linspace(0, 100, 8000))
    soundfile.write(tmp_path / "x.wav", np.stack([tone, -tone], 1), 8000)
    with pytest.raises(DataError, match="channels cancel"):
        read_audio(tmp_path / "x.wav")


@pytest.mark.slow
def test_reports_show_no_absolute_path_of_registered_data(tmp_path, monkeypatch):
    result = invoke("correlate", "--domain", "audio", "--k", "20", "--out", tmp_path / "o",
                    "--quiet")
    assert result.exit_code == 0, result.output
    data = os.environ["METAEVAL_DATA_DIR"]
    for name in ("index.html", "results.json"):
        text = (tmp_path / "o" / name).read_text(encoding="utf-8")
        assert "$METAEVAL_DATA_DIR/gensvs_eval/gensvs_eval_data.csv" in text
        assert data not in text
    # from the cache (a download), the same file is shown as metaeval:<set>/<file>
    from metaeval.data.download import download
    from metaeval.data.registry import datasets_cache

    download("gensvs_eval", datasets_cache(), base_url=Path(data).as_uri(), progress=False)
    monkeypatch.delenv("METAEVAL_DATA_DIR")
    result = invoke("correlate", "--domain", "audio", "--k", "20", "--out", tmp_path / "p",
                    "--quiet")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "p" / "results.json").read_text(encoding="utf-8")
    assert "metaeval:gensvs_eval/gensvs_eval_data.csv" in text
    assert str(datasets_cache()) not in text
