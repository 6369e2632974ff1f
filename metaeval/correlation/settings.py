"""`Settings`: every choice of a run that changes the numbers, each defined once.

Each field is a :func:`metaeval.spec.setting`: type, default, doc, signature key, CLI flag and
``--help`` panel, choices and range check. The Python keywords are the fields; ``metaeval
correlate``'s options are generated from them (:mod:`metaeval.cli.settings`); the signature
layout is derived from them (:mod:`metaeval.correlation.signature`). Errors are
`ParameterError` naming the parameter (the CLI maps it to its flag).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from metaeval.errors import ParameterError
from metaeval.spec import check_fields, check_value, setting
from metaeval.stats.coefficients import COEFFICIENTS
from metaeval.stats.meta import META_METHODS
from metaeval.stats.vocabulary import AVERAGES, CI_METHODS, LEVELS, RESAMPLE_UNITS

Significance = Literal["primary", "all", "none"]
SIGNIFICANCE: tuple[str, ...] = get_args(Significance)
"""``primary``: PERM-BOTH tests and clusters for the first coefficient; ``all``: for every
coefficient; ``none``: no pairwise tests."""

TIE_CALIBRATED = "acc23_tiecal"
AGGREGATIONS = ("none", "mean-of-correlations")
"""How several human columns are combined: ``none`` (a result per column) or
``mean-of-correlations`` (also the mean of each metric's correlations with them, one more
human of the run, ``mean(<cols>)``, interval from the joint bootstrap: :mod:`metaeval.correlation.humans_mean`)."""
CEILING_COEFFICIENTS = ("pearson", "spearman", "kendall_b", "kendall_c")


def _between_0_1(value: float) -> str | None:
    return None if 0 < value < 1 else "must be between 0 and 1, e.g. 0.95."


def _resampled(settings) -> bool:
    """Draws were taken (k > 0): intervals, chance baselines and tests exist."""
    return settings.k > 0


def _clustered(settings) -> bool:
    """Significance clusters were formed (pair tests, stability rankings, meta-analyses)."""
    return settings.k > 0 and (settings.significance != "none" or settings.stability
                               or settings.meta_by is not None or settings.keep_draws)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything that determines the numbers; recorded in the result's signature."""

    coefficients: tuple[str, ...] = setting(
        ("spearman", "pearson"), "Coefficients, comma-separated; the first is the primary one "
        "(PERM-BOTH tests and clusters).", key="coef", short="c", kind="list", flag="--coef",
        choices=tuple(COEFFICIENTS), noun="coefficient",
        check=lambda v: None if v else "give at least one coefficient.")
    levels: tuple[str, ...] = setting(
        ("none",), "Levels, comma-separated: system (one score per system), item (across "
        "systems within each item, averaged), sys (across items within each system, averaged), "
        "none (all cells pooled).", key="level", short="l", kind="list", flag="--level",
        choices=LEVELS, noun="level", check=lambda v: None if v else "give at least one level.")
    group_by: str | None = setting(
        None, "One result per value of this column (e.g. a language pair), plus the pooled "
        "group 'all'.", key="group", short="g", kind="group", panel="Data")
    pooled: bool = setting(True, "With --group-by: add the pooled group 'all'.", key="pooled",
                           short="p", kind="flag", panel="Data")
    resample: str = setting("items", "Bootstrap unit.", key="resample", short="r",
                            choices=RESAMPLE_UNITS, noun="resampling unit", applies=_resampled)
    ci: float = setting(0.95, "Confidence level of the bootstrap intervals.", key="ci",
                        short="ci", kind="float", check=_between_0_1)
    ci_method: str = setting("percentile", "Bootstrap interval method.", key="ci-method",
                             short="cim", choices=CI_METHODS, noun="CI method",
                             applies=_resampled)
    k: int = setting(1000, "Bootstrap and permutation draws (0: point values only, no interval, "
                     "chance baseline or test).", key="k", short="k", kind="int",
                     check=lambda v: None if v >= 0 else "must be a number of draws (0 or more, "
                     "e.g. 1000).")
    seed: int = setting(0, "Seed of every random draw.", key="seed", short="s", kind="int",
                        check=lambda v: None if v >= 0 else "must be 0 or more (numpy's "
                        "generators take non-negative seeds), e.g. 0.")
    significance: str = setting(
        "primary", "PERM-BOTH tests and clusters for the primary (first) coefficient, all "
        "coefficients, or none.", key="significance", short="sig", choices=SIGNIFICANCE,
        noun="significance setting", panel="Significance", applies=_resampled)
    alpha: float = setting(0.05, "Significance level of the clusters.", key="alpha", short="a",
                           kind="float", check=lambda v: None if 0 < v < 1 else "must be "
                           "between 0 and 1, e.g. 0.05.", panel="Significance", applies=_clustered)
    min_points: int = setting(3, "Fewest usable (item, system) cells a group needs.",
                              key="min-points", short="min", kind="int",
                              check=lambda v: None if v >= 2 else "a correlation needs at "
                              "least 2 points.")
    chance: bool = setting(True, "Chance baseline: the coefficient when the metric scores are "
                           "permuted.", key="chance", short="ch", kind="flag",
                           applies=_resampled)
    ceiling: bool = setting(True, "Noise ceiling from the individual ratings (when known).",
                            key="ceiling", short="nc", kind="flag", signature=False)
    ceiling_k: int = setting(200, "Random splits of each stimulus's raters for the noise "
                             "ceiling.", key="ceiling-k", short="nck", kind="int",
                             signature=False, check=lambda v: None if v >= 1 else "must be a "
                             "positive number of random splits, e.g. 200.")
    average: str = setting("mean", "Levels item and sys: mean or median of the per-group "
                           "correlations.", key="average", short="avg", choices=AVERAGES,
                           noun="average", omit="mean")
    tiecal_sample: float = setting(
        1.0, "Share of the pairs acc23_tiecal calibrates on (1 = all pairs, exact; below 1 an "
        "estimate, for very large matrices).", key="tiecal-sample", short="tcs", kind="float",
        omit=1.0, check=lambda v: None if 0 < v <= 1 else "the share of pairs tie calibration "
        "uses must be in (0, 1], e.g. 0.1.")
    stability: bool = setting(
        False, "Also rank stability: leave one system / one group out (rank changes, Kendall "
        "tau, best cluster, top metric) and subgroup flips with bootstrap tests (report section "
        "'Ranking stability', results.json 'stability').", key="stability", short="st",
        kind="flag", omit=False, panel="Reports")
    keep_draws: bool = setting(
        False, "Store the bootstrap draws of the pooled primary rows in results.json ('draws'), "
        "and with --meta-by those of each subset ('group_draws'), for `metaeval meta` without a "
        "rerun.", key="keep-draws", short="kd", kind="flag", omit=False, panel="Reports")
    per_item: bool = setting(
        False, "With level item (or sys): also every item's (system's) own correlation, "
        "per_item.csv and a plot in the HTML report, not only their average.", key="per-item",
        short="pi", kind="flag", omit=False, panel="Reports")
    meta_method: str = setting("dl", "Between-set variance tau^2 of a meta-analysis: dl "
                               "(DerSimonian-Laird) or reml.", key="meta", short="ma",
                               choices=META_METHODS, noun="meta-analysis method",
                               signature=False, panel="Reports")
    aggregate_humans: str = setting(
        "none", "With several --human columns: also the mean of each metric's correlations with "
        "them (mean-of-correlations, as TIGERScore's multi-aspect tasks) as one more human of the "
        "run, 'mean(<cols>)', with an interval from the joint bootstrap.", key="aggregate-humans",
        short="ah", choices=AGGREGATIONS, noun="aggregation", omit="none", panel="Data")
    meta_by: str | None = setting(
        None, "Column whose values are the test sets of a meta-analysis across subsets of one "
        "study (e.g. model_type); also the --group-by column.", key="meta-by", short="mb",
        kind="group", omit=None, panel="Reports")

    def __post_init__(self) -> None:
        check_fields(self)
        if self.average != "mean" and TIE_CALIBRATED in self.coefficients \
                and {"item", "sys"} & set(self.levels):
            raise ParameterError("average", self.average, "acc23_tiecal pools its pairs over the "
                                 "groups; it has no per-group average to take the median of.",
                                 "leave --average mean for acc23_tiecal or use another level.")
        if self.aggregate_humans != "none" and (self.stability or self.meta_by):
            what = "stability" if self.stability else "meta_by"
            raise ParameterError(what, getattr(self, what), "applies to the run of one human "
                                 "column, not to a mean of correlations.", "leave out "
                                 "--aggregate-humans, or run the extra on one --human.")
        if COEFFICIENTS[self.primary].lower_is_better and (self.stability or self.meta_by):
            what = "stability" if self.stability else "meta_by"
            raise ParameterError(what, getattr(self, what), f"ranks and meta-analyses are of "
                                 f"correlations; the primary coefficient {self.primary} is not "
                                 "one.", "put a correlation first in --coef (e.g. "
                                 f"--coef spearman,{self.primary}).")

    @property
    def primary(self) -> str:
        return self.coefficients[0]

    def tests_significance(self, coefficient: str) -> bool:
        """Whether ``coefficient`` gets PERM-BOTH tests and clusters."""
        if self.significance == "all":
            return True
        return self.significance == "primary" and coefficient == self.primary


def draw_options(k: int, seed: int, ci: float, needs: str) -> dict[str, Any]:
    """``k``, ``seed`` and ``ci`` checked by these settings' definitions, for an entry point that
    needs at least one draw (``needs``: what the draws are for, said in the refusal)."""
    options = {name: check_value(Settings, name, value)
               for name, value in (("k", k), ("seed", seed), ("ci", ci))}
    if options["k"] < 1:
        raise ParameterError("k", k, f"must be at least 1 ({needs} need draws), e.g. 1000.")
    return options
