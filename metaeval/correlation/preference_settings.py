"""`PreferenceSettings`: the choices of a preference run that change its numbers, each defined once.

Each field is a :func:`metaeval.spec.setting` (type, default, doc, signature key, CLI flag,
choices, range check): the Python keywords of :func:`metaeval.correlation.preferences.correlate_choices`,
the options of ``metaeval correlate --data-format pairwise|best-of-n`` and the keys of the
``preferences`` signature come from here. The settings a preference run shares with a rating
run (``k``, ``seed``, ``ci``, ``ci_method``, ``resample``, ``significance``, ``alpha``,
``chance``) keep their one definition in :class:`metaeval.correlation.settings.Settings`.

The ``preferences`` signature layout: ``choices`` (the row format), ``data`` (name@hash of the
choices and the scores), ``metrics``, the four settings below, the shared settings, ``ceiling``
(``held-out-rater``: the human-vs-human agreement was computed) and the package versions.
"""

from __future__ import annotations

from dataclasses import dataclass

from metaeval.correlation.signature import DATA_KEYS, settings_keys, settings_values
from metaeval.provenance import Key, Layout, MetricEntry, Signature, register_layout
from metaeval.spec import CheckedSettings, setting, spec_fields
from metaeval.stats.preference_accuracy import AGGREGATIONS, HUMAN_TIES, METRIC_TIES
from metaeval.version import package_versions

SHARED = ("resample", "ci", "ci_method", "k", "seed", "significance", "alpha", "chance")


def _given(value) -> str | None:
    return None if value else "give at least one."


@dataclass(frozen=True, kw_only=True)
class PreferenceSettings(CheckedSettings):
    """The tie policies, aggregations and Bradley-Terry regularisation of a preference run."""

    human_ties: tuple[str, ...] = setting(
        HUMAN_TIES, "Pairwise accuracy: pairs whose human majority is a tie are dropped (drop) "
        "or kept as ties the metric must match (tie); comma-separated, one result each.",
        key="human-ties", short="ht", kind="list", choices=HUMAN_TIES, noun="human-tie policy",
        check=_given)
    metric_ties: tuple[str, ...] = setting(
        METRIC_TIES, "Pairwise accuracy: a metric tie is wrong (as ImageReward/HPSv2), earns "
        "half credit (half), or ties are calibrated with a threshold epsilon (epsilon, as "
        "acc_eq); comma-separated, one result each.", key="metric-ties", short="mt",
        kind="list", choices=METRIC_TIES, noun="metric-tie policy", check=_given)
    aggregation: tuple[str, ...] = setting(
        AGGREGATIONS, "Pairwise accuracy pooled over all pairs (pooled: level none) or "
        "averaged over items (per-item: level item); comma-separated.", key="aggregation",
        short="agg", kind="list", choices=AGGREGATIONS, noun="aggregation", check=_given)
    bt_prior: float = setting(
        1.0, "Bradley-Terry: virtual tied comparisons added to every pair of systems compared "
        "(0: the plain maximum-likelihood fit, undefined when a system never wins).",
        key="bt-prior", short="btp", kind="float",
        check=lambda v: None if v >= 0 else "must be 0 or more, e.g. 1.")


def _layout() -> Layout:
    own = {f.name: Key(f.name, spec.key, spec.short, spec.kind, f.default)
           for f, spec in spec_fields(PreferenceSettings)}
    keys = (Key("format", "choices", "cf"), Key("data", "data", "d"),
            Key("metrics", "metrics", "m", "metrics", default=()), *own.values(),
            *settings_keys(*SHARED).values(), Key("ceiling", "ceiling", "nc", default="off"),
            *(DATA_KEYS[name] for name in ("protocol", "tasks", "weights")))  # never set: the
    # reports read them from every correlate-like signature (a preference run has no task set)
    return Layout("preferences", keys, required=("format", "data"))


LAYOUT = register_layout(_layout())


def preference_signature(fmt: str, data: str, metrics: tuple[MetricEntry, ...],
                         choices: PreferenceSettings, settings) -> Signature:
    """The provenance of a preference run (``settings``: the shared
    :class:`~metaeval.correlation.settings.Settings`; ``n/a`` where not carried out)."""
    shared = settings_values(settings)
    return Signature(LAYOUT, package_versions(), format=fmt, data=data, metrics=metrics,
                     **{f.name: getattr(choices, f.name) for f, _ in spec_fields(choices)},
                     **{name: shared[name] for name in SHARED}, ceiling="held-out-rater")
