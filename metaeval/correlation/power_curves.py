"""Power curves of a `correlate` run (``metaeval correlate --power``).

The top metric of the run (primary coefficient, first level, pooled group) is tested against
each of the next ``rivals`` metrics, or only the chosen ``pair`` (A, B): the power of PERM-BOTH
"A correlates better than B" at the run's alpha and seed, with that coefficient and level, on a
small grid of item counts and (where individual ratings are known) ratings per cell, by
subsampling or by simulation from the fitted rater variance
(:func:`metaeval.correlation.power.power_analysis`). The record goes to ``result.power``
(results.json ``power``, the HTML report's power section) and its settings into the signature
(``power`` field), since they change the output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from metaeval.correlation.power import METHODS, POWER_COLUMNS, check_pairs, power_analysis
from metaeval.correlation.result import POOLED, CorrelationResult
from metaeval.correlation.settings import Settings
from metaeval.data.judgements import JudgementSet
from metaeval.errors import ParameterError
from metaeval.stats.power import check_reachable, draws_for
from metaeval.stats.rater_variance import VARIANCES

ITEM_SHARES = (0.2, 0.4, 0.6, 0.8, 1.0)  # default item grid: these shares of the items


@dataclass(frozen=True, kw_only=True)
class PowerSettings:
    """What the power section computes; ``grid``/``raters`` empty: derived from the data
    (:func:`default_grids`)."""

    pair: tuple[str, str] | None = None
    rivals: int = 3
    grid: tuple[int, ...] = ()
    raters: tuple[int, ...] = ()
    method: str = "subsample"
    variance: str = "cell"
    reps: int = 100
    k: int = 100

    def __post_init__(self) -> None:
        for name, values, low in (("power_grid", self.grid, 2), ("power_raters", self.raters, 1)):
            if any(int(v) < low for v in values):
                raise ParameterError(name, ",".join(map(str, values)),
                                     f"give sizes >= {low}, e.g. {'10,20,40' if low > 1 else '1,2,4'}.")
        if self.reps < 2:
            raise ParameterError("power_reps", self.reps, "the power and its Monte Carlo "
                                 "standard error need at least 2 subsamples per size.",
                                 "use e.g. 100.")
        if self.k < 1:
            raise ParameterError("power_k", self.k, "must be at least 1.")
        if self.method not in METHODS:
            raise ParameterError("power_method", self.method, f"choose from {', '.join(METHODS)}.")
        if self.variance not in VARIANCES:
            raise ParameterError("power_variance", self.variance,
                                 f"choose from {', '.join(VARIANCES)}.")
        if self.rivals < 1:
            raise ParameterError("power_rivals", self.rivals, "test against at least 1 metric.")


def default_grids(n_items: int, panel: int, method: str) -> tuple[list[int], list[int]]:
    """Items: 20, 40, ..., 100% of the items (at least 3); ratings per cell: 1, 2, 4, ... up
    to the real panel, the panel itself and (simulate) twice the panel."""
    items = sorted({min(n_items, max(3, round(share * n_items))) for share in ITEM_SHARES})
    if panel < 1:
        return items, []
    top = panel if method == "subsample" else 2 * panel
    raters = sorted({2 ** e for e in range(int(np.log2(panel)) + 1)} | {panel, top})
    return items, raters


def check_power_pair(pair, metrics: list[str]) -> tuple[str, str] | None:
    """The chosen pair checked against the run's metrics (before anything is computed)."""
    if pair is None:
        return None
    return check_pairs([tuple(pair)], list(metrics), option="power_pair")[0]


def check_power_settings(power: PowerSettings, data: JudgementSet, metrics: list[str],
                         human: str, alpha: float) -> None:
    """One-line errors, before any computation, for a pair, grid or alpha the data and the
    power draws cannot support (the run's ``alpha`` must be reachable with ``power.k``)."""
    if len(metrics) < 2:
        raise ParameterError("power", True, f"power compares two metrics; the run has "
                             f"{len(metrics)} ({', '.join(metrics)}).", "give two or more "
                             "metrics, or leave out power.")
    check_reachable(alpha, power.k, "alpha", "power_k",
                    fix=f"use alpha > {1 / (power.k + 1):.4g} with power (or, in Python, "
                        f"PowerSettings(k={draws_for(alpha)}) or more).")
    check_power_pair(power.pair, metrics)
    items = data.matrices(metrics[:1], human)[3]
    if power.grid and max(power.grid) > len(items):
        raise ParameterError("power_grid", ",".join(map(str, power.grid)),
                             f"the data has {len(items)} items; give sizes from 2 to "
                             f"{len(items)}.")
    ratings = data.individual_ratings() if human == data.gold else None
    if power.method == "simulate" and ratings is None:
        raise ParameterError("power_method", power.method, f"simulation needs the individual "
                             f"ratings of {human}; the data has none.", "use subsample.")
    most = int(ratings.groupby(["item", "system"]).size().max()) if ratings is not None else 0
    if power.method == "subsample" and power.raters and max(power.raters) > most:
        raise ParameterError("power_raters", ",".join(map(str, power.raters)),
                             f"at most {most} ratings per cell in the data.",
                             "use --power-method simulate for larger panels.")


def ranked_metrics(result: CorrelationResult, settings: Settings) -> list[str]:
    """The metrics by their primary value at the first level, best first (pooled group)."""
    rows = result.table[(result.table["coefficient"] == settings.primary)
                        & (result.table["level"] == settings.levels[0])]
    group = POOLED if (rows["group"] == POOLED).any() else rows["group"].iloc[0]
    rows = rows[rows["group"] == group].dropna(subset=["statistic"])
    return rows.sort_values("statistic", ascending=False, kind="stable")["metric"].tolist()


def power_pairs(result: CorrelationResult, settings: Settings,
                power: PowerSettings) -> list[tuple[str, str]]:
    """(top, rival) for the next ``rivals`` metrics, or the chosen pair."""
    if power.pair is not None:
        return [check_power_pair(power.pair, list(result.metrics))]
    ranked = ranked_metrics(result, settings)
    return [(ranked[0], other) for other in ranked[1:1 + power.rivals]]


def signature_text(power: PowerSettings, grid, raters, pairs) -> str:
    """The signature's ``power`` value: method, grids, reps, k and the pairs."""
    chosen = "+".join(f"{a}>{b}" for a, b in pairs) if power.pair else f"top{power.rivals}"
    text = (f"{power.method};items={'+'.join(map(str, grid))};"
            f"raters={'+'.join(map(str, raters)) or 'none'};reps={power.reps};k={power.k};"
            f"pairs={chosen}")
    return text + (f";var={power.variance}" if power.method == "simulate" else "")


def _pair_records(table, pairs) -> list[dict]:
    out = []
    for a, b in pairs:
        part = table[(table["metric_a"] == a) & (table["metric_b"] == b)]
        needed = {unit: float(rows["needed_80"].iloc[0]) for unit, rows in part.groupby("unit")}
        out.append({"metric_a": a, "metric_b": b, "items_needed_80": needed.get("items"),
                    "raters_needed_80": needed.get("raters"),
                    "note": "; ".join(f"{unit}: {n}" for unit, rows in part.groupby(
                        "unit", sort=False) for n in dict.fromkeys(rows["note"]) if n)})
    return out


def power_record(data: JudgementSet, result: CorrelationResult, settings: Settings,
                 power: PowerSettings, progress=None) -> dict:
    """The power record of a run (see the module docstring); ``progress(line)`` per pair."""
    pairs = power_pairs(result, settings, power)
    n_items = int(result.settings.get("n_items") or 0)
    ratings = data.individual_ratings() if result.human == data.gold else None
    panel = int(ratings.groupby(["item", "system"]).size().median()) if ratings is not None else 0
    grid, raters = default_grids(n_items, panel, power.method)
    grid, raters = list(power.grid) or grid, list(power.raters) or raters
    tables = []
    for number, pair in enumerate(pairs, 1):
        if progress:
            progress(f"power {number}/{len(pairs)}: {pair[0]} better than {pair[1]}")
        tables.append(power_analysis(
            data, list(result.metrics), result.human, grid, raters, power.reps, power.k,
            settings.alpha, settings.primary, settings.levels[0], settings.seed, power.method,
            power.variance, pairs=[pair]))
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(
        columns=POWER_COLUMNS)
    return {"method": power.method, "variance": power.variance if power.method == "simulate"
            else None, "coefficient": settings.primary, "level": settings.levels[0],
            "alpha": settings.alpha, "seed": settings.seed, "reps": power.reps, "k": power.k,
            "grid": grid, "raters": raters, "pairs": _pair_records(table, pairs),
            "curves": table.to_dict(orient="records"),
            "signature": signature_text(power, grid, raters, pairs)}


def with_power(result: CorrelationResult, data: JudgementSet, settings: Settings,
               power: PowerSettings, progress=None) -> CorrelationResult:
    """The result with ``result.power`` and the power settings in its signature/settings."""
    check_power_settings(power, data, list(result.metrics), result.human, settings.alpha)
    record = power_record(data, result, settings, power, progress)
    result.power = record
    result.signature = result.signature.replace(power=record["signature"])
    result.settings["power"] = record["signature"]
    return result
