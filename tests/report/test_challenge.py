"""The challenge report on real pairs (every fourth TED MQM pair) with 8 and 24 metrics: the
phenomena below min_pairs listed apart in every format, table.tex that fits the page at any
number of metrics, HTML tables that wrap and scroll inside the page (see test_browser.py for
the rendered check)."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest

from metaeval.report import challenge_latex
from metaeval.report.challenge import render_html, results_csv, results_json
from metaeval.report.challenge_data import split_phenomena
from metaeval.report.challenge_latex import breakable, chunks, metrics_per_table
from tests.report.latex_compile import compile_tex, needs_pdflatex


def _small(result) -> dict[str, int]:
    sizes = result.challenge.pairs["phenomenon"].value_counts()
    return {p: int(n) for p, n in sizes.items() if n < result.settings["min_pairs"]}


@pytest.mark.parametrize("n", [8, 24])
def test_phenomena_below_min_pairs_are_apart_in_every_format(challenge_results, n):
    result = challenge_results[n]
    small = _small(result)
    assert result.settings["min_pairs"] == 10 and len(small) == 7
    kept, apart = split_phenomena(result)
    assert {r["phenomenon"] for r in apart} == set(small)
    assert {r["phenomenon"]: r["n"] for r in apart} == small
    html = render_html(result)
    main = html[html.index('id="phenomenon-table"'):html.index('id="apart"')]
    section = html[html.index('id="apart"'):html.index('id="langpairs"')]
    for phenomenon in small:
        assert phenomenon not in main and f"<td>{phenomenon}</td>" in section
    assert all(f"<td>{r['phenomenon']}</td>" in main for r in kept)
    tex = challenge_latex.challenge_latex(result)
    after = tex[tex.index("Fewer than 10 pairs: reported apart"):]
    assert all(challenge_latex.breakable(p, 20) in after for p in small)
    record = json.loads(results_json(result))
    assert {r["phenomenon"]: r["n"] for r in record["reported_apart"]} == small
    table = pd.read_csv(io.StringIO(results_csv(result)), keep_default_na=False)
    rows = table[(table["langpair"] == "") & table["phenomenon"].isin(list(small))]
    assert len(rows) == n * len(small) and rows["note"].str.contains("reported apart").all()
    methods = re.search(r'<p class="methods">(.*?)</p>', html, re.S).group(1)
    assert "fewer than 10 pairs" in methods and "within each phenomenon" in methods


@needs_pdflatex
@pytest.mark.parametrize("n", [8, 24])
def test_table_tex_fits_an_article_column(challenge_results, n, tmp_path):
    """The one-table layout was 243 pt too wide with two metrics; 24 metrics continue in
    further floats, each metric in one of them."""
    result = challenge_results[n]
    tex = challenge_latex.challenge_latex(result)
    (tmp_path / "table.tex").write_text(tex, encoding="utf-8")
    log = compile_tex(tmp_path)
    assert "Overfull \\hbox" not in log and "Float too large" not in log
    floats = tex.count("\\begin{table}")
    assert floats == -(-n // metrics_per_table(False)) + -(-n // metrics_per_table(True))
    for metric in result.metrics:
        assert tex.count(challenge_latex.metric_header(metric)) == 2


def test_long_tables_continue_in_further_floats(challenge_results, monkeypatch):
    monkeypatch.setattr(challenge_latex, "MAX_LINES", 5)
    tex = challenge_latex.phenomenon_table(challenge_results[8])
    bodies = ["\n".join(tex[i:]).split("\\bottomrule")[0] for i, line in enumerate(tex)
              if line == "\\midrule" and tex[i - 2] == "\\toprule"]
    assert len(bodies) > 2
    assert all(body.count("\\\\") <= 5 for body in bodies)  # MAX_LINES rows a float
    assert "(part 1 of" in "\n".join(tex)


def test_chunks_are_balanced():
    assert chunks(list(range(8)), 6) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert chunks(list(range(5)), 6) == [[0, 1, 2, 3, 4]]
    assert chunks([], 6) == [[]]
    assert breakable("word_order=2") == r"word\_\allowbreak{}order=\allowbreak{}2"
    assert breakable("case_sensitive") == r"case\_\allowbreak{}sens\-itiv\-e"


def test_every_html_table_sits_in_a_scrolling_wrapper(challenge_results):
    html = render_html(challenge_results[24])
    tables = re.findall(r"<table [^>]*>", html)
    wrapped = re.findall(r'<div class="table-wrap[^"]*">\s*<table [^>]*>', html)
    assert len(tables) == len(wrapped) >= 6
    style = html[html.index("<style>"):html.index("</style>")]
    assert re.search(r"\.table-wrap \{ overflow-x: auto; max-width: 100%; \}", style)
    assert "position: sticky; left: 0;" in style  # the row labels stay while scrolling
    heads = re.findall(r'<th class="num metric">([^<]*)</th>', html)
    assert set(challenge_results[24].metrics) <= set(heads)  # metric headers may wrap
