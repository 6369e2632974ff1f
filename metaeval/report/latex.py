"""A paper-ready booktabs table: one row per metric, one column per group x primary coefficient.

Three layouts (:data:`LAYOUTS`): ``compact`` (the default) fits the column of a one-column
``article``, ``two-column`` is a ``table*`` for two-column papers, ``full`` one wide ``table``.
Rows use the metrics' display names, best first as in the HTML; the noise ceiling and the chance
baseline close the table where known.

Each cell is ``value`` with the bootstrap CI as a subscript, ``$0.593_{[0.48,\\,0.68]}$``;
metrics in the best significance cluster (cluster 1) of that column are bold. Needs only
``\\usepackage{booktabs}``. The meta-analysis table (several sets, ``--meta-by``) is
:mod:`metaeval.report.latex_meta`, built from the helpers here.
"""

from __future__ import annotations

import re

import pandas as pd

from metaeval.correlation.result import CorrelationResult
from metaeval.report import labels

LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}
LATEX_COEFFICIENTS = {
    "pearson": r"Pearson $r$", "spearman": r"Spearman $\rho$", "kendall": r"Kendall $\tau$",
    "kendall_b": r"Kendall $\tau_b$", "kendall_c": r"Kendall $\tau_c$", "tau23": r"$\tau_{23}$",
    "acc23": r"$\mathrm{acc}_{23}$", "acc23_tiecal": r"tie-calibrated $\mathrm{acc}_{23}$",
    "aces_tau": r"ACES $\tau$", "pairwise_acc": "pairwise accuracy",
    "pairwise_acc_pooled": "pairwise accuracy (pooled over groups)",
}


def latex_escape(text: object) -> str:
    """Escape LaTeX special characters in plain text (``a_b`` -> ``a\\_b``, ``<`` ->
    ``\\textless{}``); control characters (a newline would end a comment or a cell) become
    spaces."""
    text = re.sub(r"[\x00-\x1f\x7f]", " ", str(text))
    return re.sub(r"[\\&%$#_{}~^<>|]", lambda m: LATEX_SPECIALS[m.group()], text)


def latex_comment(text: object) -> str:
    """A one-line LaTeX comment: control characters removed, so nothing after it is run."""
    return "% " + re.sub(r"[\x00-\x1f\x7f]", " ", str(text))


def non_latin(texts) -> list[str]:
    """The texts with characters outside Latin-1, which pdflatex cannot typeset as is."""
    return [str(t) for t in dict.fromkeys(texts) if any(ord(c) > 255 for c in str(t))]


def latex_warnings(result: CorrelationResult) -> list[str]:
    """What a LaTeX user should know about ``table.tex`` (shown when it is written)."""
    names = non_latin(list(result.metrics) + [result.human, result.dataset.title or "",
                                              result.dataset.name] + labels.groups(result))
    if not names:
        return []
    return [f"table.tex: {', '.join(names[:3])} hold characters pdflatex cannot typeset; "
            "compile with xelatex or lualatex (with a font that has them)."]


def sorted_metrics(result: CorrelationResult, table) -> list[str]:
    """Metrics best first by the pooled (else first group's) value, as the HTML report."""
    groups = labels.groups(result)
    key = next((g for g in reversed(groups) if labels.is_pooled(result, g)), groups[0])
    values = dict(zip(table.loc[table["group"].astype(str) == key, "metric"],
                      table.loc[table["group"].astype(str) == key, "statistic"]))
    order = labels.metrics(result)
    coef = str(table["coefficient"].iloc[0]) if len(table) else ""
    return sorted(order, key=lambda m: (labels.is_missing(values.get(m)),
                                        -labels.goodness(coef, values.get(m) or 0)
                                        if not labels.is_missing(values.get(m)) else 0))


def coefficient_tex(name: str) -> str:
    return LATEX_COEFFICIENTS.get(name, latex_escape(labels.coefficient_name(name)))


def fixed(value, digits: int = 3) -> str:
    return f"{float(value):.{digits}f}"


def _cell(row) -> str:
    if labels.is_missing(row["statistic"]):
        return "--"
    value = fixed(row["statistic"])
    if not labels.is_missing(row.get("cluster")) and int(row["cluster"]) == 1:
        value = rf"\mathbf{{{value}}}"
    if not (labels.is_missing(row["ci_low"]) or labels.is_missing(row["ci_high"])):
        value += rf"_{{[{fixed(row['ci_low'], 2)},\,{fixed(row['ci_high'], 2)}]}}"
    return f"${value}$"


def short_settings(result: CorrelationResult, level: str) -> str:
    """The settings a reader needs next to the numbers, as a short escaped caption fragment."""
    s = result.settings
    bits = [f"level {level}"]
    if s.get("group_by"):
        bits.append(f"grouped by {s['group_by']}")
    if s.get("k") is not None:
        ci = round(100 * float(s.get("ci", 0.95)))
        bits.append(f"{ci}% {s.get('ci_method', 'percentile')} bootstrap CIs over "
                    f"{s.get('resample', 'items')}, k={s['k']}")
    if s.get("alpha") is not None:
        bits.append(f"clusters: {s.get('permutation', 'perm-both')}, alpha={s['alpha']}")
    if s.get("seed") is not None:
        bits.append(f"seed {s['seed']}")
    if s.get("metaeval_version"):
        bits.append(f"metaeval {s['metaeval_version']}")
    return "; ".join(latex_escape(b) for b in bits)


LAYOUTS = ("compact", "two-column", "full")
DEFAULT_LAYOUT = "compact"
SHORT_NAME = 16  # longer metric names get a wrapping column in the compact layout
# compact layout: up to this many metrics the CI goes under the value (two lines a row); a
# longer table puts it after the value, one line a row, so that the float fits the page (24
# two-line rows of the GSVS study were 72 pt taller than an article's text height)
STACKED_ROWS = 16


def _compact_cell(row, stacked: bool = True) -> str:
    """Value (bold in cluster 1) with its CI in script size: under it (``stacked``, a nested
    one-column tabular) or after it on the same line."""
    if labels.is_missing(row["statistic"]):
        return "--"
    value = fixed(row["statistic"])
    if not labels.is_missing(row.get("cluster")) and int(row["cluster"]) == 1:
        value = rf"\mathbf{{{value}}}"
    ci = ""
    if not (labels.is_missing(row["ci_low"]) or labels.is_missing(row["ci_high"])):
        ci = rf"{{\scriptsize$[{fixed(row['ci_low'], 2)},{fixed(row['ci_high'], 2)}]$}}"
    if not stacked:
        return f"${value}$" + (rf"\,{ci}" if ci else "")
    ci = rf"\\{ci}" if ci else ""
    return rf"\begin{{tabular}}[t]{{@{{}}c@{{}}}}${value}${ci}\end{{tabular}}"


def _interval(low: float, high: float, layout: str) -> str:
    text = rf"$[{fixed(low, 2)},\,{fixed(high, 2)}]$"
    return rf"{{\scriptsize {text}}}" if layout == "compact" else text


def table_frame(layout: str, n_groups: int, names: list[str]) -> tuple[list[str], list[str], str]:
    """The opening and closing lines of the float and tabular of ``layout``."""
    float_env = "table*" if layout == "two-column" else "table"
    first = "l"
    if layout == "compact" and max(map(len, names), default=0) > SHORT_NAME:
        first = r"p{0.28\columnwidth}"
    size = {"compact": [r"\footnotesize", r"\setlength{\tabcolsep}{4pt}"]}.get(layout,
                                                                              [r"\small"])
    opening = [rf"\begin{{{float_env}}}[t]", r"\centering", *size,
               r"\begin{tabular}{" + first + "c" * n_groups + "}"]
    return opening, [r"\bottomrule", r"\end{tabular}"], float_env


def metric_name_tex(name: str, layout: str, wrap: bool) -> str:
    escaped = latex_escape(name)
    if layout == "compact" and wrap:
        return r"\raggedright " + escaped.replace(r"\_", r"\_\allowbreak{}").replace(
            "-", r"-\allowbreak{}")
    return escaped


CEILING_NOTES = {
    "noise ceiling": "square root of the split-half (Spearman-Brown) reliability, the expected "
                     "correlation of a perfect metric with the panel mean",
    "human ceiling": "one held-out rater's agreement with the majority of the other raters",
}


def _summary_rows(cells: dict, groups: list[str], layout: str,
                  ceiling_name: str = "noise ceiling") -> tuple[list[str], list[str]]:
    """The ceiling (``noise ceiling`` of ratings, ``human ceiling`` of choices) and chance
    baseline rows, and the caption notes they need."""
    lines, notes = [], []
    ceiling = []
    for g in groups:
        known = [r for (_, grp), r in cells.items() if grp == g and not labels.is_missing(
            r.get("ceiling"))]
        ceiling.append(f"${fixed(known[0]['ceiling'])}$" if known else "--")
    if any(c != "--" for c in ceiling):
        lines.append(" & ".join([rf"\textit{{{ceiling_name}}}"] + ceiling) + r" \\")
        notes.append(f"{ceiling_name}: {CEILING_NOTES[ceiling_name]}")
    chance = [labels.chance_envelope(pd_rows([r for (_, grp), r in cells.items() if grp == g]))
              for g in groups]
    if any(c is not None for c in chance):
        lines.append(" & ".join([r"\textit{chance}"] + [
            "--" if c is None else _interval(*c, layout) for c in chance]) + r" \\")
        notes.append("chance: widest central interval of the coefficient over the metrics when "
                     "the metric scores are permuted")
    return ([r"\midrule"] + lines if lines else []), notes


def pd_rows(records: list[dict]):
    """Table records as a frame (for :func:`labels.chance_envelope`)."""
    return pd.DataFrame(records, columns=["chance_low", "chance_high"]) if records else None


def _caption(result: CorrelationResult, coef: str, level: str, flipped: bool, notes: list[str],
             missing: bool, layout: str, stacked: bool = True) -> str:
    where = {"compact": "small print " + ("under" if stacked else "after") + " each value"}.get(
        layout, "subscript")
    bits = [f"{where}: CI", "bold: best significance cluster"]
    if flipped:
        bits.append("$^\\dagger$: lower is better, sign-flipped")
    bits += notes
    if missing:
        bits.append("--: not computable, the note column of results.csv says why")
    measure = "agreement" if result.preferences is not None else "correlation"
    return (f"{coefficient_tex(coef)} {measure} of each metric with {latex_escape(result.human)}"
            f" on {latex_escape(result.dataset.title or result.dataset.name)} "
            f"({'; '.join(bits)}). Settings: {short_settings(result, level)}.")


def level_coefficients(result: CorrelationResult, level: str) -> list[str]:
    """The statistics that get a table at ``level``: the primary coefficient (else the first
    one computed there); for human choices every statistic of the level (accuracy per tie
    policy, top1, vote-share correlations, bt_tau), the primary first."""
    present = list(dict.fromkeys(result.table.loc[result.table["level"] == level,
                                                  "coefficient"]))
    primary = labels.primary_coefficient(result)
    ordered = sorted(present, key=lambda c: c != primary)
    return ordered if result.preferences is not None else ordered[:1]


def latex_table(result: CorrelationResult, level: str | None = None,
                layout: str = DEFAULT_LAYOUT, coefficient: str | None = None) -> str:
    """One booktabs table for ``level`` (default: the first level) and ``coefficient``
    (default: :func:`level_coefficients`' first).

    ``layout``: ``compact`` (default; fits the column of a one-column ``article``: footnotesize,
    the CI under the value, or after it for more than :data:`STACKED_ROWS` metrics so that the
    float fits the page, long names wrap), ``two-column`` (a ``table*`` across both columns
    of a two-column paper, value and CI on one line) or ``full`` (``table``, one line a cell).
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown LaTeX layout {layout!r}; choose from {', '.join(LAYOUTS)}")
    level = level or labels.levels(result)[0]
    coef = coefficient or level_coefficients(result, level)[0]
    table = result.table[(result.table["level"] == level) & (result.table["coefficient"] == coef)]
    groups = [g for g in labels.groups(result) if g in set(table["group"])]
    cells = {(r["metric"], r["group"]): r for r in table.to_dict(orient="records")}
    flipped = {m for m, d in result.metrics.items() if d == "lower"}
    flipped |= set(result.settings.get("lower_is_better") or [])
    order = sorted_metrics(result, table)
    names = {m: labels.metric_label(result, m) for m in order}
    opening, closing, float_env = table_frame(layout, len(groups), list(names.values()))
    wrap = "p{" in opening[-1]
    stacked = len(order) <= STACKED_ROWS
    cell = (lambda row: _compact_cell(row, stacked)) if layout == "compact" else _cell
    header = " & ".join(["Metric"] + [latex_escape("pooled" if labels.is_pooled(result, g) else g)
                                      for g in groups])
    lines = [latex_comment(f"metaeval signature: {result.signature}"), *opening, r"\toprule",
             rf" & \multicolumn{{{len(groups)}}}{{c}}{{{coefficient_tex(coef)} with "
             rf"{latex_escape(result.human)}}} \\",
             rf"\cmidrule(lr){{2-{len(groups) + 1}}}", header + r" \\", r"\midrule"]
    for metric in order:
        name = metric_name_tex(names[metric], layout, wrap)
        name += r"$^\dagger$" if metric in flipped else ""
        row = [cell(cells[(metric, g)]) if (metric, g) in cells else "--" for g in groups]
        lines.append(" & ".join([name] + row) + r" \\")
    extra, notes = _summary_rows(cells, groups, layout, "human ceiling"
                                 if result.preferences is not None else "noise ceiling")
    caption = _caption(result, coef, level, bool(flipped), notes, table["statistic"].isna().any(),
                       layout, stacked)
    what = level if coef == level_coefficients(result, level)[0] else f"{level}-{coef}"
    lines += extra + closing + [rf"\caption{{{caption}}}", table_label(result, what),
                                rf"\end{{{float_env}}}"]
    return "\n".join(lines) + "\n"


def table_label(result: CorrelationResult, what: str) -> str:
    """``\\label{tab:metaeval-<data set>-<human>-<what>}``: one label per table of a report,
    whatever the number of human columns (letters and digits kept, the rest ``-``)."""
    tag = re.sub(r"[^A-Za-z0-9]+", "-", f"metaeval-{result.dataset.name}-{result.human}-{what}")
    return rf"\label{{tab:{tag}}}"


def latex_tables(result: CorrelationResult, layout: str = DEFAULT_LAYOUT) -> str:
    """One table per level and statistic of :func:`level_coefficients`, as ``table.tex``."""
    return "\n".join(latex_table(result, level, layout, coef) for level in labels.levels(result)
                     for coef in level_coefficients(result, level))
