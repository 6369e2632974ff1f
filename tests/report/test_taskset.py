"""The task-set reports (metaeval/report/taskset.py): averages.csv, the HTML table with one
column per task, the LaTeX table (compiles), on a WMT23 run over two language pairs of our own
evalsets."""

from __future__ import annotations

import pandas as pd
import pytest

import metaeval
from metaeval.report import write_reports
from metaeval.report.taskset import taskset_context, taskset_latex
from tests.data.mtme_builder import write_evalset
from tests.report.latex_compile import compile_tex, needs_pdflatex


@pytest.fixture(scope="module")
def wmt23(tmp_path_factory):
    root = tmp_path_factory.mktemp("evalsets")
    write_evalset(root, "de-en", segments=12, systems=("A", "B", "C", "D"), seed=3)
    folder = write_evalset(root, "zh-en", segments=12, systems=("A", "B", "E"), seed=4)
    evalsets = [metaeval.load_evalset(folder, lp) for lp in ("de-en", "zh-en")]
    return metaeval.run(evalsets, "wmt23", k=40, seed=1)


def test_averages_csv_holds_the_averages_best_first(wmt23, tmp_path):
    write_reports(wmt23, tmp_path, formats=["csv"])
    table = pd.read_csv(tmp_path / "averages.csv")
    assert list(table.columns) == ["human", "metric", "average", "rank", "cluster",
                                   "pvalue_next"]
    assert set(table["human"]) == {wmt23.human}
    pd.testing.assert_series_equal(table["average"], wmt23.averages["average"],
                                   check_names=False, rtol=0, atol=1e-15)
    assert list(table["average"]) == sorted(table["average"], reverse=True)
    assert table["cluster"].iloc[0] == 1


def test_the_table_has_one_column_per_task_and_the_average(wmt23):
    context = taskset_context(wmt23)
    assert [t["name"] for t in context["tasks"]] == list(wmt23.signature.tasks)
    assert len(context["tasks"]) == 7 and context["protocol"] == "wmt23" and context["averaged"]
    assert [t["weight"] for t in context["tasks"]] == ["0.250"] + ["0.125"] * 6
    first = context["rows"][0]
    assert first["best"] and len(first["cells"]) == 7
    assert first["average"] == f"{wmt23.averages['average'].iloc[0]:.3f}"
    table = wmt23.table.set_index(["task", "metric"])
    value = table.loc[(context["tasks"][1]["name"], wmt23.averages["metric"].iloc[0]), "statistic"]
    assert first["cells"][1]["value"] == f"{value:.3f}"


def test_a_plain_run_has_no_task_set_table(tmp_path):
    folder = write_evalset(tmp_path, "de-en", segments=8)
    plain = metaeval.run(metaeval.load_evalset(folder, "de-en"), k=0)
    assert taskset_context(plain) is None and taskset_latex(plain) == ""


@needs_pdflatex
def test_the_latex_table_compiles(wmt23, tmp_path):
    write_reports(wmt23, tmp_path, formats=["latex"])
    tex = (tmp_path / "table.tex").read_text()
    assert r"\begin{table*}" in tex and r"\textbf{" in tex and "Avg." in tex
    compile_tex(tmp_path)
