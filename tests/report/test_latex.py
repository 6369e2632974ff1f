"""table.tex: booktabs, escaped names, cluster-1 metrics bold, compiles with pdflatex."""

from __future__ import annotations

import re
import shutil

import pytest

from metaeval.report.latex import latex_escape, latex_table, latex_tables
from tests.report.latex_compile import compile_tex, needs_pdflatex


@pytest.fixture(scope="module")
def tex(gensvs_result) -> str:
    """The full layout: one line per cell, value with its CI as a subscript."""
    return latex_tables(gensvs_result, "full")


def _body_rows(tex: str) -> list[list[str]]:
    body = tex.split("\\midrule\n", 1)[1].split("\\bottomrule", 1)[0]
    return [line.rstrip(" \\").split(" & ") for line in body.strip().splitlines()]


def _metric_name(cell: str) -> str:
    return cell.replace("$^\\dagger$", "").replace("\\_", "_")


def test_booktabs_structure(tex):
    for rule in ("\\toprule", "\\midrule", "\\bottomrule", "\\begin{tabular}{lccc}"):
        assert tex.count(rule) == 1, rule
    assert "discriminative & generative & pooled \\\\" in tex


def test_one_row_per_metric_with_escaped_names(tex, gensvs_result):
    """One row per metric, sorted as the HTML: best pooled value first (was file order)."""
    rows = _body_rows(tex)
    names = [_metric_name(r[0]) for r in rows]
    assert sorted(names) == sorted(gensvs_result.metrics)
    t = gensvs_result.table
    primary = gensvs_result.settings["primary_coefficient"]
    pooled = t[(t["group"] == "all") & (t["coefficient"] == primary)
               & (t["level"] == t["level"].iloc[0])].set_index("metric")["statistic"]
    assert [pooled[m] for m in names] == sorted(pooled[names], reverse=True)
    assert "fad\\_song2song\\_clap\\_audio\\_df$^\\dagger$" in tex
    assert "xls\\_r\\_sqa &" in tex
    text = "\n".join(line for line in tex.splitlines() if not line.startswith("%"))
    outside_math = re.sub(r"\$[^$]*\$", "", text)
    assert re.search(r"(?<!\\)_", outside_math) is None


def test_bold_exactly_the_cluster_one_metrics(tex, gensvs_result):
    t = gensvs_result.table
    rows = _body_rows(tex)
    for column, group in enumerate(["discriminative", "generative", "all"], start=1):
        bold = {_metric_name(r[0]) for r in rows if "\\mathbf" in r[column]}
        expected = set(t[(t["group"] == group) & (t["coefficient"] == "spearman")
                         & (t["cluster"] == 1)]["metric"])
        assert bold == expected and bold


def test_cells_hold_value_and_ci(tex, gensvs_result):
    t = gensvs_result.table
    r = t[(t["metric"] == "sisdr") & (t["group"] == "generative")
          & (t["coefficient"] == "spearman")].iloc[0]
    assert f"${r['statistic']:.3f}_{{[{r['ci_low']:.2f},\\,{r['ci_high']:.2f}]}}$" in tex


def test_caption_has_short_settings(tex):
    caption = re.search(r"\\caption\{(.*)\}\n", tex).group(1)
    for needle in ("Spearman $\\rho$", "DMOS", "level none", "grouped by model\\_type",
                   "95\\% percentile bootstrap CIs over items, k=200", "alpha=0.05", "seed 7"):
        assert needle in caption, needle


def test_latex_escape_specials():
    assert latex_escape("a_b & c%d $e #f {g} ~ ^ \\") == (
        "a\\_b \\& c\\%d \\$e \\#f \\{g\\} \\textasciitilde{} \\textasciicircum{} "
        "\\textbackslash{}")


def test_one_table_per_level(gensvs_result):
    assert latex_table(gensvs_result, "none").count("\\begin{table}") == 1


@needs_pdflatex
def test_compiles_with_pdflatex(gensvs_report, tmp_path):
    shutil.copy(gensvs_report["latex"], tmp_path / "table.tex")
    compile_tex(tmp_path)


def test_every_coefficient_has_an_ascii_latex_name():
    from metaeval.report.latex import coefficient_tex
    from metaeval.stats.coefficients import COEFFICIENTS

    for name in [*COEFFICIENTS, "pairwise_acc_pooled"]:
        assert coefficient_tex(name).isascii(), name


@needs_pdflatex
def test_correlate_report_with_kendall_primary_and_ceiling_compiles(tmp_path):
    from metaeval import correlate
    from metaeval.data.gensvs import load_gensvs
    from metaeval.report import write_reports

    result = correlate(load_gensvs(), metrics=["sdr", "multi_res_loss"],
                       coefficients=["kendall_b", "pairwise_acc"], levels=["none", "system"],
                       group_by="model_type", k=20, seed=0, ceiling_k=20)
    write_reports(result, tmp_path, formats=["latex"])
    compile_tex(tmp_path)
    assert "noise ceiling" in (tmp_path / "table.tex").read_text()
