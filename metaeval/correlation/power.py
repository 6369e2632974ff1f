"""`power_analysis`: how many items (and raters) "A correlates better than B" needs.

For every ordered metric pair (or the chosen ones) of a judgement set: the power of the
PERM-BOTH test at alpha on a grid of item counts and, where the panel's individual ratings are
known, of ratings per cell (all items); see :mod:`metaeval.stats.power` for the estimator.
``method="subsample"`` draws items and real ratings without replacement (m at most the real
panel); ``method="simulate"`` draws items likewise but simulates each panel from the one-way
random-effects fit of the ratings (:mod:`metaeval.stats.rater_variance`: Gaussian noise with the
per-stimulus or pooled rater variance), so m may exceed the real panel; its items curve uses
panels of ``panel`` raters (default: the real median panel size). Seeded per pair; settings
recorded in the table (``fixed``: the size held fixed, raters per cell on an items curve, items
on a raters curve).
"""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pandas as pd

from metaeval.correlation.engine import chosen_metrics
from metaeval.correlation.seeds import task_seed
from metaeval.correlation.settings import Settings
from metaeval.data.columns import ITEM, SYSTEM
from metaeval.data.judgements import JudgementSet
from metaeval.errors import ParameterError
from metaeval.spec import check_value, whole
from metaeval.stats.power import (
    TARGET,
    check_power_options,
    item_power,
    items_needed,
    monte_carlo_se,
    rater_power,
    simulated_rater_power,
)
from metaeval.stats.rater_variance import VARIANCES, RaterVariance, fit_rater_variance

METHODS = ("subsample", "simulate")
POWER_COLUMNS = ["metric_a", "metric_b", "unit", "n", "power", "se", "reps", "k", "alpha",
                 "coefficient", "level", "seed", "method", "fixed", "needed_80", "note"]


def ratings_tensor(js: JudgementSet, systems: list, items: list) -> np.ndarray | None:
    """(S, I, R) individual ratings (NaN padded) in the order of the matrices; None if unknown."""
    ratings = js.individual_ratings()
    if ratings is None:
        return None
    frame = ratings.dropna(subset=["rating"]).copy()
    frame["slot"] = frame.groupby([ITEM, SYSTEM]).cumcount()
    out = np.full((len(systems), len(items), int(frame["slot"].max()) + 1), np.nan)
    s = pd.Index(systems).get_indexer(frame[SYSTEM])
    i = pd.Index(items).get_indexer(frame[ITEM])
    keep = (s >= 0) & (i >= 0)
    out[s[keep], i[keep], frame["slot"].to_numpy()[keep]] = frame["rating"].to_numpy(float)[keep]
    return out


def _rows(a, b, unit, grid, power, reps, options, fixed, note=""):
    needed = items_needed(grid, power)
    why = note or ("" if np.isfinite(needed) else
                   f"power stays below {TARGET:.0%} on the grid; try larger sizes")
    se = monte_carlo_se(power, reps)
    return [{"metric_a": a, "metric_b": b, "unit": unit, "n": int(n), "power": p, "se": e,
             "reps": reps, **options, "fixed": fixed, "needed_80": needed, "note": why}
            for n, p, e in zip(grid, power, se)]


def check_pairs(pairs, metrics: list[str], option: str = "pairs") -> list[tuple[str, str]]:
    """``pairs`` as (a, b) tuples of two different known metrics (one-line error otherwise)."""
    out = []
    for pair in pairs:
        pair = tuple(pair)
        unknown = [m for m in pair if m not in metrics]
        if len(pair) != 2 or unknown or pair[0] == pair[1]:
            raise ParameterError(option, ",".join(map(str, pair)),
                                 ("unknown metric(s) " + ", ".join(unknown) if unknown else
                                  "give two different metrics"),
                                 f"name two of the metrics as A,B, e.g. "
                                 f"{','.join(metrics[:2])}; the metrics: {', '.join(metrics)}.")
        out.append(pair)
    return out


def _fit(tensor, method: str, human: str, panel) -> tuple[RaterVariance | None, float]:
    """The rater-variance fit (``simulate``) and the panel size behind an items curve."""
    if method not in METHODS:
        raise ParameterError("method", method, f"choose from {', '.join(METHODS)}.")
    panel = None if panel is None else whole("panel", panel, 1, "5")
    if method == "subsample":
        real = np.isfinite(tensor).sum(-1) if tensor is not None else None
        return None, float(np.median(real[real > 0])) if real is not None else float("nan")
    if tensor is None:
        raise ParameterError("method", method, f"simulation needs the individual ratings of "
                             f"the human score; {human} has none.", "use method subsample.")
    fit = fit_rater_variance(tensor)
    return fit, float(int(panel) if panel is not None else fit.panel)


def _curves(a, b, gold, ma, mb, tensor, fit, run, options) -> list[dict]:
    """The item rows and (with raters in ``run``) the rater rows of one ordered pair."""
    reps, seed, raters = run["reps"], run["seed"], run["raters"]
    test = (options["coefficient"], options["level"])
    tail = (reps, options["k"], options["alpha"])
    base = fit.means if fit is not None else gold
    power = item_power(base, ma, mb, *test, run["grid"], *tail, seed, run.get("spread"))
    rows = _rows(a, b, "items", run["grid"], power, reps, options, run["panel"])
    if not raters:
        return rows
    if tensor is None:
        return rows + _rows(a, b, "raters", raters, np.full(len(raters), np.nan), reps,
                            options, gold.shape[1],
                            note="no individual ratings of this human score: no rater power")
    if fit is None:
        power = rater_power(tensor, ma, mb, *test, raters, *tail, seed + 1)
    else:
        power = simulated_rater_power(fit.means, run["variance"], ma, mb, *test, raters, *tail,
                                      seed + 1)
    return rows + _rows(a, b, "raters", raters, power, reps, options, gold.shape[1])


def check_power_inputs(grid, raters, reps, k, alpha, seed, coefficient, level, variance):
    """The options of :func:`power_analysis`, checked before anything is computed: k, alpha,
    seed, coefficient and level by the one definition of these settings
    (:class:`~metaeval.correlation.settings.Settings`), sizes and reps as whole numbers, alpha
    reachable with k draws; returns (grid, raters, reps, k, alpha, seed) as numbers."""
    k = whole("k", k, 1, "100")
    alpha, seed = check_value(Settings, "alpha", alpha), check_value(Settings, "seed", seed)
    check_value(Settings, "coefficients", coefficient, "coefficient")
    check_value(Settings, "levels", level, "level")
    if variance not in VARIANCES:
        raise ParameterError("variance", variance, f"choose from {', '.join(VARIANCES)}.")
    grid = [whole("grid", n, 2, "10,20,40") for n in grid]
    raters = [whole("raters", m, 1, "1,2,4") for m in raters]
    reps = whole("reps", reps, 1, "200")
    check_power_options(grid, reps, k, alpha)
    if raters:
        check_power_options(raters, reps, k, alpha, minimum=1, option="raters")
    return grid, raters, reps, k, alpha, seed


def power_analysis(js: JudgementSet, metrics=None, human: str | None = None,
                   grid=(10, 20, 40), raters=(), reps: int = 200, k: int = 100,
                   alpha: float = 0.05, coefficient: str = "pearson", level: str = "none",
                   seed: int = 0, method: str = "subsample", variance: str = "cell",
                   panel: int | None = None, pairs=None) -> pd.DataFrame:
    """One row per (ordered pair, unit, size): power, Monte Carlo SE, items/raters needed for
    80% (``needed_80``, NaN with a note when the grid never reaches it). ``pairs``: the
    ordered (a, b) pairs to test (default: every ordered pair of ``metrics``); ``variance``
    (cell or pooled) and ``panel`` (raters per cell of the items curve) apply to simulate."""
    human, metrics = chosen_metrics(js, metrics, human)
    if pairs is None and len(metrics) < 2:
        raise ParameterError("metrics", ",".join(metrics), f"power compares two metrics; the "
                             f"data has {len(metrics)} ({', '.join(metrics) or 'none'}).",
                             "give two or more metric columns (or pairs=[(A, B)]).")
    pairs = check_pairs(pairs, metrics) if pairs is not None else list(permutations(metrics, 2))
    grid, raters, reps, k, alpha, seed = check_power_inputs(
        grid, raters, reps, k, alpha, seed, coefficient, level, variance)
    gold, scores, systems, items = js.matrices(metrics, human)
    if max(grid, default=0) > len(items):
        raise ParameterError("grid", ",".join(map(str, grid)), f"the data has {len(items)} "
                             f"items; give subsample sizes from 2 to {len(items)}.")
    tensor = ratings_tensor(js, systems, items) if human == js.gold else None
    fit, size = _fit(tensor, method, human, panel)
    run = {"grid": grid, "reps": reps, "panel": size, "raters": raters}
    if fit is not None:
        run["variance"] = fit.variance(variance)
        run["spread"] = np.sqrt(run["variance"] / size)
    options = {"k": k, "alpha": alpha, "coefficient": coefficient, "level": level,
               "seed": seed, "method": method}
    index = {m: i for i, m in enumerate(metrics)}
    rows = []
    for a, b in pairs:
        run["seed"] = task_seed(seed, "power", a, b)
        rows += _curves(a, b, gold, scores[index[a]], scores[index[b]], tensor, fit, run,
                        options)
    return pd.DataFrame(rows, columns=POWER_COLUMNS)
