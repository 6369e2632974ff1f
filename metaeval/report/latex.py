"""A paper-ready booktabs table: one row per metric, one column per group x primary coefficient.

Each cell is ``value`` with the bootstrap CI as a subscript, ``$0.593_{[0.48,\\,0.68]}$``;
metrics in the best significance cluster (cluster 1) of that column are bold. Needs only
``\\usepackage{booktabs}``.
"""

from __future__ import annotations

import re

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
                      table.loc[table["group"].astype(str) == key, "value"]))
    order = labels.metrics(result)
    return sorted(order, key=lambda m: (labels.is_missing(values.get(m)),
                                        -(values.get(m) or 0) if not labels.is_missing(
                                            values.get(m)) else 0))


def _coefficient(name: str) -> str:
    return LATEX_COEFFICIENTS.get(name, latex_escape(labels.coefficient_name(name)))


def _num(value, digits: int = 3) -> str:
    return f"{float(value):.{digits}f}"


def _cell(row) -> str:
    if labels.is_missing(row["value"]):
        return "--"
    value = _num(row["value"])
    if not labels.is_missing(row.get("cluster")) and int(row["cluster"]) == 1:
        value = rf"\mathbf{{{value}}}"
    if not (labels.is_missing(row["ci_low"]) or labels.is_missing(row["ci_high"])):
        value += rf"_{{[{_num(row['ci_low'], 2)},\,{_num(row['ci_high'], 2)}]}}"
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


def latex_table(result: CorrelationResult, level: str | None = None) -> str:
    """One booktabs ``table`` for ``level`` (default: the first level) and the primary coefficient."""
    level = level or labels.levels(result)[0]
    coef = labels.primary_coefficient(result)
    table = result.table[(result.table["level"] == level) & (result.table["coefficient"] == coef)]
    groups = [g for g in labels.groups(result) if g in set(table["group"])]
    cells = {(r["metric"], r["group"]): r for r in table.to_dict(orient="records")}
    flipped = {m for m, d in result.metrics.items() if d == "lower"}
    flipped |= set(result.settings.get("lower_is_better") or [])
    header = " & ".join(["Metric"] + [latex_escape("pooled" if labels.is_pooled(result, g) else g) for g in groups])
    lines = [
        latex_comment(f"metaeval signature: {result.signature}"),
        r"\begin{table}[t]",
        r"\centering",
        r"\small",
        r"\begin{tabular}{l" + "c" * len(groups) + "}",
        r"\toprule",
        rf" & \multicolumn{{{len(groups)}}}{{c}}{{{_coefficient(coef)} with "
        rf"{latex_escape(result.human)}}} \\",
        rf"\cmidrule(lr){{2-{len(groups) + 1}}}",
        header + r" \\",
        r"\midrule",
    ]
    for metric in sorted_metrics(result, table):
        name = latex_escape(metric) + (r"$^\dagger$" if metric in flipped else "")
        row = [_cell(cells[(metric, g)]) if (metric, g) in cells else "--" for g in groups]
        lines.append(" & ".join([name] + row) + r" \\")
    ceilings = [cells[m, g].get("ceiling") for m, g in cells]
    has_ceiling = any(c is not None and c == c for c in ceilings)
    if has_ceiling:
        row = []
        for g in groups:
            known = [r for (m, grp), r in cells.items() if grp == g and r.get("ceiling") == r.get("ceiling")
                     and r.get("ceiling") is not None]
            row.append(f"${_num(known[0]['ceiling'])}$" if known else "--")
        lines += [r"\midrule", " & ".join([r"\textit{noise ceiling}"] + row) + r" \\"]
    caption = (f"{_coefficient(coef)} correlation of each metric with "
               f"{latex_escape(result.human)} on {latex_escape(result.dataset.title or result.dataset.name)}"
               f" (subscript: CI; bold: best significance cluster"
               + ("; $^\\dagger$: lower is better, sign-flipped" if flipped else "")
               + ("; noise ceiling: square root of the split-half (Spearman-Brown) reliability, the "
                  "expected correlation of a perfect metric with the panel mean"
                  if has_ceiling else "")
               + ("; --: not computable, the note column of results.csv says why"
                  if table["value"].isna().any() else "")
               + f"). Settings: {short_settings(result, level)}.")
    label = re.sub(r"[^A-Za-z0-9]+", "-", f"metaeval-{result.dataset.name}-{level}")
    lines += [r"\bottomrule", r"\end{tabular}", rf"\caption{{{caption}}}",
              rf"\label{{tab:{label}}}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def latex_tables(result: CorrelationResult) -> str:
    """One table per level, as the content of ``table.tex``."""
    return "\n".join(latex_table(result, level) for level in labels.levels(result))
