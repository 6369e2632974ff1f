"""Compile a minimal pdflatex document that \\input's LaTeX tables (skipped without pdflatex)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PDFLATEX = shutil.which("pdflatex")
needs_pdflatex = pytest.mark.skipif(PDFLATEX is None, reason="pdflatex not installed")


def document(*inputs: str) -> str:
    """An article with booktabs that inputs each file."""
    body = "".join(f"\\input{{{name}}}\n" for name in inputs)
    return ("\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n"
            f"{body}\\end{{document}}\n")


def compile_tex(folder: Path, *inputs: str) -> str:
    """Compile ``doc.tex`` inputting ``inputs`` (files in ``folder``); assert a clean PDF and
    return the log."""
    (folder / "doc.tex").write_text(document(*(inputs or ("table.tex",))))
    run = subprocess.run([PDFLATEX or "pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          "doc.tex"], cwd=folder, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (folder / "doc.pdf").stat().st_size > 1000
    log = (folder / "doc.log").read_text(errors="replace")
    for problem in ("Undefined control sequence", "Missing $", "invalid in math mode"):
        assert problem not in log, problem
    return log
