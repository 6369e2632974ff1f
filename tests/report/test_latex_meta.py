"""The meta-analysis booktabs table: structure (cells per row), escaping of set and metric
names, marked partial metrics, values as in the record, and that it compiles with pdflatex."""

from __future__ import annotations

import re

import numpy as np
import pytest

from metaeval.correlation.meta import meta_analysis
from metaeval.report.latex import LAYOUTS
from metaeval.report.latex_meta import meta_latex_table, meta_latex_warnings
from tests.report.latex_compile import compile_tex, needs_pdflatex

SETS = ["set_a 50%", "B&C", "évaluation"]
NAMES = {"bleu_4": "BLEU_4 & co", "chrf": "chrF 100%", "côté": "côté_ü"}


def _summary(name: str, values: dict, n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {"name": name, "signature": "sig", "coefficient": "pearson", "level": "none",
            "values": values, "n": {m: float(n) for m in values},
            "draws": {m: v + rng.normal(0, 0.05, 200) for m, v in values.items()}}


@pytest.fixture(scope="module")
def record() -> dict:
    """Three sets; ``côté`` only in the third."""
    return meta_analysis([
        _summary(SETS[0], {"bleu_4": 0.61, "chrf": 0.42}, 120, 0),
        _summary(SETS[1], {"bleu_4": 0.55, "chrf": 0.30}, 80, 1),
        _summary(SETS[2], {"bleu_4": 0.70, "chrf": 0.47, "côté": 0.2}, 200, 2)])


def _split(line: str) -> list[str]:
    """The cells of one row (an escaped ``\\&`` is no separator)."""
    return re.split(r"(?<!\\)&", line.removesuffix(r" \\"))


def _rows(tex: str) -> tuple[list[str], list[list[str]]]:
    """(the header lines, the body rows) of the table."""
    head, body = tex.split("\\toprule\n", 1)[1].split("\\midrule\n", 1)
    body = body.split("\\bottomrule", 1)[0]
    return head.strip().splitlines(), [_split(line) for line in body.strip().splitlines()]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_row_has_the_header_s_columns(record, layout):
    tex = meta_latex_table(record, "sig|x", NAMES, layout)
    columns = 1 + 4 + len(SETS) + 2
    spec = re.search(r"\\begin\{tabular\}\{(l|p\{[^}]*\})(c+)\}", tex)
    assert spec and len(spec.group(2)) == columns - 1
    head, body = _rows(tex)
    spans = [int(x) for x in re.findall(r"\\multicolumn\{(\d+)\}", head[0])]
    assert 1 + sum(spans) == columns and spans == [4, len(SETS), 2]
    assert len(_split(head[2])) == columns
    assert len(body) == 3 and all(len(row) == columns for row in body)
    assert tex.startswith("% metaeval signature: sig|x\n")
    assert ("table*" in tex) == (layout == "two-column")


def test_names_are_escaped(record):
    tex = meta_latex_table(record, "sig", NAMES, "full")
    head, body = _rows(tex)
    assert _split(head[2])[5:8] == [r" set\_a 50\% ", r" B\&C ", " évaluation "]
    assert [row[0].split(" {")[0].strip() for row in body] == [
        r"BLEU\_4 \& co", r"chrF 100\%", r"côté\_ü"]
    text = "\n".join(line for line in tex.splitlines() if not line.startswith("%"))
    outside_math = re.sub(r"\$[^$]*\$", "", text)
    assert re.search(r"(?<!\\)[_%&]", outside_math.replace(" & ", " ")) is None
    assert r"set\_a 50\%, B\&C, évaluation" in tex  # the caption lists the sets


def test_values_clusters_and_the_partial_metric(record):
    tex = meta_latex_table(record, "sig", NAMES, "full")
    _, body = _rows(tex)
    rows = {r["metric"]: r for r in record["metrics"]}
    bleu = rows["bleu_4"]
    first = [c.strip() for c in body[0]]
    assert first[1] == (f"${bleu['pooled']:.3f}$ {{\\scriptsize "
                        f"$[{bleu['ci_low']:.2f},\\,{bleu['ci_high']:.2f}]$}}")
    assert first[2] == f"${bleu['tau2']:.3f}$" and first[3] == f"${100 * bleu['i2']:.0f}\\%$"
    assert first[4].startswith(f"${bleu['q']:.2f}$")
    assert first[5] == "$0.610$ {\\scriptsize $n=120$}"
    assert first[8] == f"$\\mathbf{{{bleu['average']:.3f}}}$" and first[9] == "1"
    assert bleu["average_cluster"] == 1 and rows["chrf"]["average_cluster"] == 2
    assert [c.strip() for c in body[1]][8:] == [f"${rows['chrf']['average']:.3f}$", "2"]
    partial = [c.strip() for c in body[2]]
    assert partial[0] == r"côté\_ü {\scriptsize (in 1 of 3 sets)}"
    assert partial[5:7] == [r"\textit{absent}"] * 2 and partial[8:] == ["--", "--"]
    assert "missing from some sets" in tex


def test_warns_about_names_pdflatex_cannot_typeset(record):
    assert meta_latex_warnings(record, NAMES) == []
    warned = meta_latex_warnings(record, {**NAMES, "chrf": "chrF 日本"})
    assert len(warned) == 1 and "chrF 日本" in warned[0] and "xelatex" in warned[0]


@needs_pdflatex
def test_every_layout_compiles(record, tmp_path):
    files = []
    for layout in LAYOUTS:
        name = f"meta-{layout}.tex"
        (tmp_path / name).write_text(meta_latex_table(record, "sig%&_", NAMES, layout),
                                     encoding="utf-8")
        files.append(name)
    log = compile_tex(tmp_path, *files)
    assert re.search(r"Output written on doc.pdf \((\d+) page", log)


def test_item_level_sets_show_the_items_that_entered():
    """Per-set n at level item: ``n=43/96`` where 43 of the 96 items entered the set's average
    (the table said n=96)."""
    def summary(name, entered, seed):
        rng = np.random.default_rng(seed)
        values = {"bleu_4": 0.3 + seed / 100, "chrf": 0.2 + seed / 100}  # two different sets
        return {"name": name, "signature": f"sig-{name}", "coefficient": "pearson", "level": "item",
                "values": values, "n": {m: 96.0 for m in values},
                "n_items": {"bleu_4": float(entered), "chrf": 96.0},
                "draws": {m: v + rng.normal(0, 0.05, 200) for m, v in values.items()}}

    record = meta_analysis([summary("a", 43, 0), summary("b", 96, 1)])
    tex = meta_latex_table(record, "sig", {}, "full")
    bleu = next(line for line in tex.splitlines() if line.startswith("bleu"))
    assert "$n=43/96$" in bleu and "$n=96$" in bleu
    chrf = next(line for line in tex.splitlines() if line.startswith("chrf"))
    assert chrf.count("$n=96$") == 2 and "/96" not in chrf
