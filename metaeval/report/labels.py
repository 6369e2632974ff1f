"""Display names and small helpers shared by the HTML, LaTeX and plot renderers."""

from __future__ import annotations

from metaeval.correlation.result import POOLED, CorrelationResult
from metaeval.report.formatting import fmt, fmt_interval, fmt_p, is_missing
from metaeval.stats.coefficients import COEFFICIENTS

__all__ = ["COEFFICIENT_NAMES", "LEVEL_DESCRIPTIONS", "coefficient_name", "coefficients", "fmt",
           "fmt_interval", "fmt_p", "groups", "is_missing", "levels", "metric_label", "metrics",
           "primary_coefficient", "real_groups", "shorten", "chance_envelope"]

COEFFICIENT_NAMES = {
    "pearson": "Pearson r",
    "spearman": "Spearman \u03c1",
    "kendall_b": "Kendall \u03c4b",
    "kendall_c": "Kendall \u03c4c",
    "tau23": "\u03c4\u2082\u2083",
    "acc23": "acc\u2082\u2083",
    "acc23_tiecal": "acc\u2082\u2083 (tie-calibrated)",
    "aces_tau": "ACES \u03c4",
    "pairwise_acc": "pairwise accuracy",
    "pairwise_acc_pooled": "pairwise accuracy (pooled over groups)",
}

LEVEL_DESCRIPTIONS = {
    "system": "system level (one score per system, averaged over the items)",
    "item": "item level (correlation across systems within each item, averaged over items)",
    "sys": "group-by-system level (correlation across items within each system, averaged over "
           "systems)",
    "none": "pooled level (one point per (item, system) cell)",
}


def coefficient_name(name: str) -> str:
    return COEFFICIENT_NAMES.get(name, name)


def goodness(coefficient: str, value: float) -> float:
    """``value`` signed so that larger is better: negated for a coefficient where lower is
    better (MSE), so every "best first" order and "best" label follows the coefficient."""
    coef = COEFFICIENTS.get(str(coefficient))
    return -value if coef is not None and coef.lower_is_better else value


def levels(result: CorrelationResult) -> list[str]:
    """Levels in the order of the settings, then any others found in the table."""
    found = list(dict.fromkeys(result.table["level"]))
    wanted = [lv for lv in result.settings.get("levels", []) if lv in found]
    return wanted + [lv for lv in found if lv not in wanted]


def coefficients(result: CorrelationResult) -> list[str]:
    """Coefficients with the primary one first."""
    found = list(dict.fromkeys(result.table["coefficient"]))
    primary = primary_coefficient(result)
    return [primary] + [c for c in found if c != primary] if primary in found else found


def primary_coefficient(result: CorrelationResult) -> str:
    primary = result.settings.get("primary_coefficient")
    if primary in set(result.table["coefficient"]):
        return primary
    return str(result.table["coefficient"].iloc[0])


def is_pooled(result: CorrelationResult, group: str) -> bool:
    """Whether ``group`` is the pooled group (with ``--no-pooled`` a real group may be 'all')."""
    s = result.settings
    return str(group) == POOLED and (not s.get("group_by") or bool(s.get("pooled", True)))


def groups(result: CorrelationResult) -> list[str]:
    """Group values in table order with the pooled group last."""
    values = [str(g) for g in dict.fromkeys(result.table["group"])]
    pooled = [g for g in values if is_pooled(result, g)]
    return [g for g in values if g not in pooled] + pooled


def real_groups(result: CorrelationResult) -> list[str]:
    """Group values other than the pooled one."""
    return [g for g in groups(result) if not is_pooled(result, g)]


def metrics(result: CorrelationResult) -> list[str]:
    found = [str(m) for m in dict.fromkeys(result.table["metric"])]
    known = [m for m in result.metrics if m in found]
    return known + [m for m in found if m not in known]


def metric_label(result: CorrelationResult, metric: str) -> str:
    """The metric's display name (a card's ``display_names``), else its column name."""
    return result.display_name(metric)


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis (figure labels in small panels)."""
    return text if len(text) <= width else text[:width - 1].rstrip() + "\u2026"


def chance_envelope(rows) -> tuple[float, float] | None:
    """The chance baseline of a table slice (one group, level, coefficient): the lowest
    ``chance_low`` and highest ``chance_high`` over its metrics, i.e. the widest range a metric
    unrelated to the human scores reaches; None when no metric has one."""
    if rows is None or "chance_low" not in rows or rows["chance_low"].notna().sum() == 0:
        return None
    known = rows[rows["chance_low"].notna() & rows["chance_high"].notna()]
    if known.empty:
        return None
    return float(known["chance_low"].min()), float(known["chance_high"].max())
