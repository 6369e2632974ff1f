"""The meta-analysis across test sets as a booktabs table (``table.tex`` of a multi-set report,
appended to ``table.tex`` of a ``--meta-by`` report).

One row per metric, as the HTML section (:mod:`metaeval.report.meta`): the random-effects
pooled value with its CI, tau^2, I^2, Q (p), the value in each set with its n, the average over
sets and its significance cluster (bold: cluster 1). Metrics missing from some sets come last,
marked "(in m of K sets)", with "absent" in the sets that lack them. Layouts as
:mod:`metaeval.report.latex`: ``compact`` (footnotesize, CI and n under the value),
``two-column`` (``table*``) and ``full``. Needs only ``\\usepackage{booktabs}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from metaeval.correlation.humans import HumanResults, as_humans
from metaeval.correlation.result import CorrelationResult
from metaeval.report import labels
from metaeval.report.formatting import fmt_n
from metaeval.report.latex import (
    DEFAULT_LAYOUT,
    LAYOUTS,
    coefficient_tex,
    fixed,
    latex_comment,
    latex_escape,
    latex_tables,
    metric_name_tex,
    non_latin,
    table_frame,
)
from metaeval.report.preferences import bradley_terry_latex
from metaeval.report.taskset import taskset_latex
from metaeval.report.voicemos import voicemos_latex

STATS_COLUMNS = 4  # pooled, tau^2, I^2, Q (p)
TIGHT = r"\setlength{\tabcolsep}{3pt}"  # compact: 7 + K columns in an article column


def _under(top: str, bottom: str, layout: str) -> str:
    """``top`` with ``bottom`` in script size: under it (compact) or after it."""
    if not bottom:
        return top
    if layout == "compact":
        return (rf"\begin{{tabular}}[t]{{@{{}}c@{{}}}}{top}\\{{\scriptsize {bottom}}}"
                r"\end{tabular}")
    return rf"{top} {{\scriptsize {bottom}}}"


def _value(value, digits: int = 3, bold: bool = False) -> str:
    if labels.is_missing(value):
        return "--"
    text = fixed(value, digits)
    return rf"$\mathbf{{{text}}}$" if bold else f"${text}$"


def _row_cells(r: Mapping, sets: list[str], layout: str) -> list[str]:
    """The cells after the metric name (see the module docstring)."""
    ci = "" if labels.is_missing(r.get("ci_low")) or labels.is_missing(r.get("ci_high")) else \
        rf"$[{fixed(r['ci_low'], 2)},\,{fixed(r['ci_high'], 2)}]$"
    q_p = "" if labels.is_missing(r.get("q_pvalue")) else "($<0.001$)" if \
        r["q_pvalue"] < 0.001 else f"(${fixed(r['q_pvalue'])}$)"
    i2 = "--" if labels.is_missing(r.get("i2")) else rf"${100 * r['i2']:.0f}\%$"
    cells = [_under(_value(r.get("pooled")), ci, layout), _value(r.get("tau2"), 3), i2,
             _under(_value(r.get("q"), 2), q_p, layout)]
    for name in sets:
        cell = r["per_set"].get(name)
        n = "" if not cell or labels.is_missing(cell.get("n")) else \
            f"$n={fmt_n(cell['n'], cell.get('n_items'))}$"
        cells.append(_under(_value(cell["statistic"]), n, layout) if cell else r"\textit{absent}")
    cluster = r.get("average_cluster")
    best = not labels.is_missing(cluster) and int(cluster) == 1
    cells += [_value(r.get("average"), bold=best),
              "--" if labels.is_missing(cluster) else str(int(cluster))]
    return cells


def _header(sets: list[str], layout: str) -> list[str]:
    """The two header rows (spans, then one name a column); compact: set names in script size
    (they are often wider than their values)."""
    k = len(sets)
    first = STATS_COLUMNS + 2
    return [rf" & \multicolumn{{{STATS_COLUMNS}}}{{c}}{{Random effects}} & \multicolumn{{{k}}}{{c}}"
            rf"{{Per set}} & \multicolumn{{2}}{{c}}{{Average over sets}} \\",
            rf"\cmidrule(lr){{2-{STATS_COLUMNS + 1}}}\cmidrule(lr){{{first}-{first + k - 1}}}"
            rf"\cmidrule(lr){{{first + k}-{first + k + 1}}}",
            " & ".join(["Metric", "Pooled", r"$\tau^2$", r"$I^2$", r"$Q$ ($p$)",
                        *(rf"{{\scriptsize {latex_escape(s)}}}" if layout == "compact"
                          else latex_escape(s) for s in sets), "Average", "Cluster"]) + r" \\"]


def _caption(record: Mapping, sets: list[str], layout: str, flipped: bool) -> str:
    coef = coefficient_tex(record["coefficient"])
    scope = record.get("scope") or f"{len(sets)} test sets"
    where = "under" if layout == "compact" else "after"
    bits = [f"pooled: random-effects mean on Fisher $z$ ({latex_escape(record['method'])}) "
            f"with its {round(100 * record.get('ci', 0.95))}\\% CI {where} it",
            "$I^2 = \\max(0, (Q - df)/Q)$; $Q$: Cochran's heterogeneity statistic with its $p$",
            f"per set: the value with its $n$ {where} it",
            "average: the mean over the sets (WMT style), bold: its best significance cluster "
            f"(one-sided bootstrap on the sets' stored draws, alpha={record.get('alpha', 0.05)})"]
    if flipped:
        bits.append("$^\\dagger$: lower is better, sign-flipped")
    if any(not r.get("in_every_set", True) for r in record["metrics"]):
        bits.append("(in m of K sets): missing from some sets, pooled over those that have it, "
                    "not in the average ranking")
    bits.append("--: not computable, the notes of results.json say why")
    one_study = (" The sets are subsets of one study, not independent samples."
                 if record.get("meta_by") else "")
    return (f"Meta-analysis of the {coef} correlation (level {latex_escape(record['level'])}) "
            f"over {len(sets)} test sets ({latex_escape(scope)}: "
            f"{latex_escape(', '.join(sets))}; {'; '.join(bits)}).{one_study}")


def meta_latex_table(record: Mapping, signature: object, names: Mapping[str, str] | None = None,
                     layout: str = DEFAULT_LAYOUT, flipped=(), label: str = "meta") -> str:
    """The booktabs table of a :func:`metaeval.correlation.meta.meta_analysis` record (rows in
    the record's order); ``names``: display labels, ``flipped``: lower-is-better metrics."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown LaTeX layout {layout!r}; choose from {', '.join(LAYOUTS)}")
    names = names or {}
    sets = [str(s["name"]) for s in record["sets"]]
    labels_ = {r["metric"]: names.get(r["metric"]) or r["metric"] for r in record["metrics"]}
    opening, closing, float_env = table_frame(layout, STATS_COLUMNS + len(sets) + 2,
                                              list(labels_.values()))
    opening = [TIGHT if line == r"\setlength{\tabcolsep}{4pt}" else line for line in opening]
    wrap = "p{" in opening[-1]
    lines = [latex_comment(f"metaeval signature: {signature}"), *opening, r"\toprule",
             *_header(sets, layout), r"\midrule"]
    for r in record["metrics"]:
        name = metric_name_tex(labels_[r["metric"]], layout, wrap)
        name += r"$^\dagger$" if r["metric"] in flipped else ""
        if not r.get("in_every_set", True):
            name += rf" {{\scriptsize (in {r['n_sets']} of {len(sets)} sets)}}"
        lines.append(" & ".join([name, *_row_cells(r, sets, layout)]) + r" \\")
    tag = re.sub(r"[^A-Za-z0-9]+", "-", f"metaeval-meta-{label}")
    lines += closing + [rf"\caption{{{_caption(record, sets, layout, bool(flipped))}}}",
                        rf"\label{{tab:{tag}}}", rf"\end{{{float_env}}}"]
    return "\n".join(lines) + "\n"


def _flipped(result: CorrelationResult) -> set[str]:
    return {m for m, d in result.metrics.items() if d == "lower"} | set(
        result.settings.get("lower_is_better") or [])


def latex_report(result: CorrelationResult | HumanResults,
                 layout: str = DEFAULT_LAYOUT) -> str:
    """``table.tex`` of a run: for each human column (one when one), after a comment naming
    it, a table per level (a task set: its WMT-style table, one column per task; ``voicemos``:
    its eight-number tables), then
    (``--meta-by``) the meta-analysis; every table labelled with the data set, the human and
    what it shows (:func:`~metaeval.report.latex.table_label`)."""
    return "\n".join(f"{latex_comment(f'human score: {r.human}')}\n{_human_latex(r, layout)}"
                      for r in as_humans(result))


def _human_latex(result: CorrelationResult, layout: str) -> str:
    text = (voicemos_latex(result) or taskset_latex(result) if result.signature.tasks
            else latex_tables(result, layout) + bradley_terry_latex(result))
    if not result.meta:
        return text
    names = {m: labels.metric_label(result, m) for m in result.metrics}
    return text + "\n" + meta_latex_table(result.meta, result.signature, names, layout,
                                          _flipped(result),
                                          f"{result.dataset.name}-{result.human}")


def multiset_names(multi) -> dict[str, str]:
    """Metric -> display label over the sets of a :class:`MultiSetResult` (the first set's
    label wins)."""
    return {m: labels.metric_label(r, m) for _, r in reversed(multi.sets) for m in r.metrics}


def multiset_latex(multi, layout: str = DEFAULT_LAYOUT) -> str:
    """``table.tex`` at the top of a multi-set report (a :class:`MultiSetResult`)."""
    names = multiset_names(multi)
    flipped = set().union(*(_flipped(r) for _, r in multi.sets))
    return meta_latex_table(multi.meta, multi.signature, names, layout, flipped,
                            "+".join(name for name, _ in multi.sets))


def meta_latex_warnings(record: Mapping, names: Mapping[str, str] | None = None) -> list[str]:
    """What a LaTeX user should know about the meta table (names pdflatex cannot typeset)."""
    names = names or {}
    found = non_latin([s["name"] for s in record["sets"]] +
                      [names.get(r["metric"]) or r["metric"] for r in record["metrics"]])
    return [f"table.tex: {', '.join(found[:3])} hold characters pdflatex cannot typeset; "
            "compile with xelatex or lualatex (with a font that has them)."] if found else []
