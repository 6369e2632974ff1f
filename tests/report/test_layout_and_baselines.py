"""LaTeX layouts that fit their page, the chance baseline in every table, display names in
every report while results.csv/json keep the column names."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import shutil
import subprocess

import pytest

from metaeval.errors import MetaevalError
from metaeval.report import write_reports
from metaeval.report.csvjson import results_csv, results_json
from metaeval.report.html import render_html
from metaeval.report.labels import chance_envelope
from metaeval.report.latex import DEFAULT_LAYOUT, STACKED_ROWS, latex_tables

needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None,
                                    reason="pdflatex not installed")


def _compile(tmp_path, tex: str, options: str = "") -> str:
    """The pdflatex log of ``tex`` in a standard article (``options``: e.g. twocolumn)."""
    (tmp_path / "table.tex").write_text(tex, encoding="utf-8")
    (tmp_path / "doc.tex").write_text(
        f"\\documentclass{options}{{article}}\n\\usepackage{{booktabs}}\n\\begin{{document}}\n"
        "\\input{table.tex}\n\\end{document}\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    return (tmp_path / "doc.log").read_text(errors="replace")


def _no_names(result):
    return dataclasses.replace(result, display_names={})


@needs_pdflatex
@pytest.mark.parametrize("names", ["display names", "column names"])
def test_default_layout_fits_an_article_column(gsvs24, tmp_path, names):
    """The default table fits \\columnwidth of a one-column article (it was 18 pt too wide)
    and the page's height (with the CI under each of the 24 values the float was 72 pt taller
    than the text, pushing the page number into the caption)."""
    result = gsvs24 if names == "display names" else _no_names(gsvs24)
    log = _compile(tmp_path, latex_tables(result))
    assert DEFAULT_LAYOUT == "compact"
    assert "Overfull \\hbox" not in log
    assert "Float too large" not in log and "Overfull \\vbox" not in log


@needs_pdflatex
def test_full_layout_overflows_where_compact_does_not(gsvs24, tmp_path):
    """The check can fail: the one-line layout with 30-character names is too wide."""
    log = _compile(tmp_path, latex_tables(_no_names(gsvs24), "full"))
    assert re.search(r"Overfull \\hbox \((\d+\.\d+)pt too wide\)", log)


@needs_pdflatex
def test_two_column_layout_spans_a_twocolumn_paper(gsvs24, tmp_path):
    tex = latex_tables(_no_names(gsvs24), "two-column")
    assert "\\begin{table*}" in tex and "\\end{table*}" in tex
    assert "Overfull \\hbox" not in _compile(tmp_path, tex, "[twocolumn]")


@pytest.mark.parametrize("n_metrics", [8, 24])
def test_compact_cells_hold_value_bold_cluster_and_ci(gsvs24, n_metrics):
    """Up to STACKED_ROWS metrics the CI is under the value; the 24-metric table has it after
    the value (one line a row) and its caption says so."""
    result = gsvs24
    if n_metrics < len(gsvs24.metrics):
        keep = ["emb_mse_mert_df"] + [m for m in gsvs24.metrics if m != "emb_mse_mert_df"][
            :n_metrics - 1]
        result = dataclasses.replace(gsvs24, metrics={m: gsvs24.metrics[m] for m in keep},
                                     table=gsvs24.table[gsvs24.table["metric"].isin(keep)])
    tex = latex_tables(result, "compact")
    t = result.table
    r = t[(t["metric"] == "emb_mse_mert_df") & (t["group"] == "generative")
          & (t["coefficient"] == "spearman")].iloc[0]
    value = f"{r['statistic']:.3f}"
    value = "$" + (f"\\mathbf{{{value}}}" if r["cluster"] == 1 else value) + "$"
    ci = f"{{\\scriptsize$[{r['ci_low']:.2f},{r['ci_high']:.2f}]$}}"
    stacked = n_metrics <= STACKED_ROWS
    cell = (f"\\begin{{tabular}}[t]{{@{{}}c@{{}}}}{value}\\\\{ci}\\end{{tabular}}" if stacked
            else f"{value}\\,{ci}")
    row = next(line for line in tex.splitlines() if line.startswith("M-L12 MSE"))
    assert cell in row
    assert ("small print under each value" if stacked else "small print after each value") in tex


def test_unknown_layout_is_refused(gsvs24, tmp_path):
    with pytest.raises(MetaevalError, match="two-column"):
        write_reports(gsvs24, tmp_path / "o", formats=["latex"], latex_layout="wide")


def _envelope(result, group: str, coef: str = "spearman"):
    t = result.table
    rows = t[(t["group"] == group) & (t["coefficient"] == coef) & (t["level"] == "none")]
    return float(rows["chance_low"].min()), float(rows["chance_high"].max())


def test_chance_envelope_is_the_widest_interval(gsvs24):
    low, high = _envelope(gsvs24, "generative")
    t = gsvs24.table
    rows = t[(t["group"] == "generative") & (t["coefficient"] == "spearman")]
    assert chance_envelope(rows) == (low, high)
    assert -0.4 < low < -0.1 and 0.1 < high < 0.4  # n = 100: about +-1.96/sqrt(99)
    assert chance_envelope(rows.assign(chance_low=float("nan"))) is None


@pytest.mark.parametrize("layout", ["compact", "two-column", "full"])
def test_chance_row_in_latex(gsvs24, layout):
    tex = latex_tables(gsvs24, layout)
    row = next(line for line in tex.splitlines() if line.startswith("\\textit{chance}"))
    for group in ("discriminative", "generative", "all"):
        low, high = _envelope(gsvs24, group)
        assert f"$[{low:.2f},\\,{high:.2f}]$" in row
    assert "chance: widest central interval" in tex


def test_chance_in_html_tables(gsvs24):
    page = render_html(gsvs24)
    table = re.search(r'<table class="summary" data-group="generative">.*?</table>', page,
                      re.S).group(0)
    low, high = _envelope(gsvs24, "generative")
    chance = re.search(r'<tr class="chance" data-row="chance-baseline">(.*?)</tr>', table,
                       re.S).group(1)
    assert f"[{low:.3f}, {high:.3f}]" in chance
    t = gsvs24.table
    r = t[(t["metric"] == "sisdr") & (t["group"] == "generative")
          & (t["coefficient"] == "spearman")].iloc[0]
    sisdr = re.search(r'data-metric="sisdr"[^>]*>(.*?)</tr>', table, re.S).group(1)
    assert f'<td class="num chance"><span class="ci">[{r["chance_low"]:.3f}, ' \
           f'{r["chance_high"]:.3f}]</span></td>' in sisdr


def test_csv_has_chance_interval_and_display_name(gsvs24):
    rows = list(csv.DictReader(io.StringIO(results_csv(gsvs24))))
    assert len(rows) == len(gsvs24.table)
    row = next(r for r in rows if r["metric"] == "emb_mse_mert_df" and r["group"] == "all"
               and r["coefficient"] == "spearman")
    assert row["display_name"] == "M-L12 MSE"
    assert float(row["chance_low"]) < 0 < float(row["chance_high"])
    assert list(rows[0])[-1] == "display_name"


def test_json_keeps_column_names_and_adds_display_names(gsvs24):
    data = json.loads(results_json(gsvs24))
    assert data["display_names"]["multi_res_loss"] == "L_MR"
    assert len(data["display_names"]) == 24
    row = next(r for r in data["results"] if r["metric"] == "multi_res_loss")
    assert row["display_name"] == "L_MR"


def test_display_names_in_html_latex_and_plots(gsvs24):
    page = render_html(gsvs24)
    assert '<td class="metric" title="column emb_mse_mert_df">M-L12 MSE</td>' in page
    assert ">L_MR<" in page and ">emb_mse_mert_df<" not in page
    assert "\nM-L12 MSE$^\\dagger$ & " in latex_tables(gsvs24)
    assert "emb\\_mse\\_mert\\_df &" not in latex_tables(gsvs24)


def test_display_names_change_no_number_and_not_the_signature():
    """The same run with and without the card's labels: equal signature and table."""
    from metaeval import correlate
    from metaeval.data.gensvs import load_gensvs

    labelled = load_gensvs()
    plain = load_gensvs()
    plain.metrics = {m: dataclasses.replace(info, label="") for m, info in plain.metrics.items()}
    options = {"metrics": ["sdr", "emb_mse_mert_df", "multi_res_loss"], "group_by": "model_type",
               "k": 20, "seed": 0, "ceiling": False}
    a, b = correlate(labelled, **options), correlate(plain, **options)
    assert a.display_names == {"sdr": "SDR", "emb_mse_mert_df": "M-L12 MSE",
                               "multi_res_loss": "L_MR"}
    assert b.display_names == {}
    assert str(a.signature) == str(b.signature) and "M-L12" not in str(a.signature)
    assert a.table.equals(b.table)
    assert "emb\\_mse\\_mert\\_df$^\\dagger$ &" in latex_tables(b, "full")
