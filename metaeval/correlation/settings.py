"""`Settings`: every choice of a `correlate` run that changes the numbers, validated once.

The vocabularies (levels, CI methods, resampling units) are those of :mod:`metaeval.stats`;
``significance`` says which coefficients get PERM-BOTH tests and clusters. Errors are
`ParameterError` naming the parameter (the CLI maps it to its flag).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal, get_args

from metaeval.errors import ParameterError
from metaeval.stats.coefficients import COEFFICIENTS
from metaeval.stats.meta import META_METHODS
from metaeval.stats.vocabulary import AVERAGES, CI_METHODS, LEVELS, RESAMPLE_UNITS

Significance = Literal["primary", "all", "none"]
SIGNIFICANCE: tuple[str, ...] = get_args(Significance)
"""``primary``: PERM-BOTH tests and clusters for the first coefficient; ``all``: for every
coefficient; ``none``: no pairwise tests."""

TIE_CALIBRATED = "acc23_tiecal"
CEILING_COEFFICIENTS = ("pearson", "spearman", "kendall_b", "kendall_c")


def _choose(parameter: str, values: tuple[str, ...], allowed: tuple[str, ...], what: str) -> None:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ParameterError(parameter, ",".join(unknown), f"unknown {what}; choose from "
                             f"{', '.join(allowed)}.")
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ParameterError(parameter, ",".join(values), f"{', '.join(repeated)} given twice. "
                             "Fix: list each once.")


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything that determines the numbers; recorded in the result's signature.

    ``pooled``: add the pooled group ``all`` when grouping; ``min_points``: fewest usable
    (item, system) cells a group needs; ``chance``: permutation chance baseline; ``ceiling`` /
    ``ceiling_k``: noise ceiling from the individual ratings with that many random splits.
    ``stability``: add the ranking-stability record; ``keep_draws``: store the bootstrap draws;
    ``meta_by``: a meta-analysis treating each value of this column as a test set, tau^2 by
    ``meta_method`` (``dl`` or ``reml``; also the method of a multi-set run). The callers of
    `correlate` (the CLI) act on these; they are recorded in the signature.
    """

    coefficients: tuple[str, ...] = ("spearman", "pearson")
    levels: tuple[str, ...] = ("none",)
    group_by: str | None = None
    pooled: bool = True
    k: int = 1000
    seed: int = 0
    ci: float = 0.95
    ci_method: str = "percentile"
    resample: str = "items"
    alpha: float = 0.05
    significance: str = "primary"
    chance: bool = True
    min_points: int = 3
    ceiling: bool = True
    ceiling_k: int = 200
    tiecal_sample: float = 1.0
    average: str = "mean"
    stability: bool = False
    keep_draws: bool = False
    meta_method: str = "dl"
    meta_by: str | None = None

    def __post_init__(self) -> None:
        for name, kind in (("coefficients", tuple), ("levels", tuple)):
            value = getattr(self, name)
            object.__setattr__(self, name, (value,) if isinstance(value, str) else kind(value))
        for f in fields(self):
            if f.type in ("int", "float", "bool"):
                object.__setattr__(self, f.name, {"int": int, "float": float,
                                                  "bool": bool}[f.type](getattr(self, f.name)))
        if not self.coefficients:
            raise ParameterError("coefficients", "", "give at least one coefficient.")
        if not self.levels:
            raise ParameterError("levels", "", "give at least one level.")
        _choose("coefficients", self.coefficients, tuple(COEFFICIENTS), "coefficient")
        _choose("levels", self.levels, LEVELS, "level")
        _choose("ci_method", (self.ci_method,), CI_METHODS, "CI method")
        _choose("resample", (self.resample,), RESAMPLE_UNITS, "resampling unit")
        _choose("significance", (self.significance,), SIGNIFICANCE, "significance setting")
        _choose("average", (self.average,), AVERAGES, "average")
        _choose("meta_method", (self.meta_method,), META_METHODS, "meta-analysis method")
        if self.average != "mean" and "acc23_tiecal" in self.coefficients \
                and {"item", "sys"} & set(self.levels):
            raise ParameterError("average", self.average, "acc23_tiecal pools its pairs over the "
                                 "groups; it has no per-group average to take the median of.",
                                 "leave --average mean for acc23_tiecal or use another level.")
        if self.k < 1:
            raise ParameterError("k", self.k, "must be a positive number of draws, e.g. 1000.")
        if self.ceiling_k < 1:
            raise ParameterError("ceiling_k", self.ceiling_k, "must be a positive number of "
                                 "random splits, e.g. 200.")
        if not 0 < self.ci < 1:
            raise ParameterError("ci", self.ci, "must be between 0 and 1, e.g. 0.95.")
        if not 0 < self.alpha < 1:
            raise ParameterError("alpha", self.alpha, "must be between 0 and 1, e.g. 0.05.")
        if not 0 < self.tiecal_sample <= 1:
            raise ParameterError("tiecal_sample", self.tiecal_sample, "the share of pairs tie "
                                 "calibration uses must be in (0, 1], e.g. 0.1.")
        if self.min_points < 2:
            raise ParameterError("min_points", self.min_points, "a correlation needs at least "
                                 "2 points.")

    @property
    def primary(self) -> str:
        return self.coefficients[0]

    def tests_significance(self, coefficient: str) -> bool:
        """Whether ``coefficient`` gets PERM-BOTH tests and clusters."""
        if self.significance == "all":
            return True
        return self.significance == "primary" and coefficient == self.primary
