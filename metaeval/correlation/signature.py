"""The ``correlate`` signature layout and the signature of a run.

The layout is derived from :class:`~metaeval.correlation.settings.Settings` (each setting's
key, short key, syntax and omit value come from its one definition) plus the keys that describe
the data and what was carried out: ``data`` (name@content hash), ``human`` (the human score
column; every column of a run over several, :func:`run_signature`) and its definition,
the oriented ``metrics`` with their config signatures, the task set of a protocol (``protocol``,
``tasks`` = every task's name, ``weights``), ``ceiling`` (``off``, ``none`` = no individual
ratings, or ``splits@ratings hash``), ``missing``, ``meta`` (the tau^2 method when a
meta-analysis ran, else ``off``), ``sets`` (the sets of a multi-set run), ``power`` (the power
section's settings) and ``sys-scores`` (where system-level metric scores came from).
"""

from __future__ import annotations

from metaeval.correlation.ceiling import human_ratings
from metaeval.correlation.settings import Settings
from metaeval.data.judgements import JudgementSet, frame_hash
from metaeval.provenance import (
    NOT_APPLICABLE,
    Key,
    Layout,
    MetricEntry,
    Signature,
    register_layout,
)
from metaeval.spec import spec_fields
from metaeval.version import package_versions

DATA_KEYS = {
    "data": Key("data", "data", "d"), "human": Key("human", "human", "h", "names"),
    "human_definition": Key("human_definition", "human-def", "hd"),
    "metrics": Key("metrics", "metrics", "m", "metrics", default=()),
    "protocol": Key("protocol", "protocol", "pr", omit=""),
    "tasks": Key("tasks", "tasks", "ts", "list", default=(), omit=()),
    "weights": Key("weights", "weights", "w", "floats", default=(), omit=()),
    "ceiling": Key("ceiling", "ceiling", "nc", default="off"),
    "missing": Key("missing", "missing", "miss", default="error"),
    "meta": Key("meta", "meta", "ma", default="off", omit="off"),
    "sets": Key("sets", "sets", "ss", "list", default=(), omit=()),
    "power": Key("power", "power", "pw", omit=""),
    "sys_scores": Key("sys_scores", "sys-scores", "sys", omit=""),
}
ORDER = ("data", "human", "human_definition", "metrics", "protocol", "tasks", "weights",
         "coefficients", "levels", "group_by", "pooled", "resample", "ci", "ci_method", "k",
         "seed", "significance", "alpha", "min_points", "chance", "ceiling", "missing", "average",
         "aggregate_humans", "tiecal_sample", "stability", "keep_draws", "per_item", "meta", "meta_by", "sets", "power",
         "sys_scores")


def settings_keys(*names: str) -> dict[str, Key]:
    """The signature keys of the named settings (all with a signature key when none named),
    from their one definition in :class:`Settings`, in the order named; other layouts
    (challenge, listening) take the settings they share from here."""
    keys = {f.name: Key(f.name, spec.key, spec.short, spec.kind, f.default, spec.omit)
            for f, spec in spec_fields(Settings) if spec.signature or f.name in names}
    return {name: keys[name] for name in names} if names else keys


def correlate_layout() -> Layout:
    """The layout of a correlate signature (every signature key of Settings placed by ORDER)."""
    keys = {**DATA_KEYS, **settings_keys()}
    unplaced = sorted(set(keys) - set(ORDER))
    if unplaced:
        raise RuntimeError(f"signature keys without a place in ORDER: {unplaced}")
    return Layout("correlate", tuple(keys[name] for name in ORDER), required=("data", "human"))


LAYOUT = register_layout(correlate_layout())


def settings_values(settings: Settings) -> dict:
    """The signature values of the settings' own keys; ``n/a`` for a setting the run did not
    carry out (its spec's ``applies``)."""
    return {f.name: getattr(settings, f.name)
            if spec.applies is None or spec.applies(settings) else NOT_APPLICABLE
            for f, spec in spec_fields(settings) if spec.signature}


def build_signature(js: JudgementSet, human: str, metrics: list[str], settings: Settings,
                    **carried_out) -> Signature:
    """The provenance of a run: data, human column, oriented metrics, settings, versions;
    ``carried_out``: further keys of what was computed (``protocol``, ``tasks``, ``weights``,
    ``sets``, ``power``, ``sys_scores``, ``meta``)."""
    ratings = human_ratings(js, human) if settings.ceiling else None
    ratings = None if ratings is None else frame_hash(ratings)
    ceiling = ("off" if not settings.ceiling else
               "none" if ratings is None else f"{settings.ceiling_k}@{ratings}")
    return Signature(
        LAYOUT, package_versions(), data=f"{js.info.name}@{js.data_hash()}", human=human,
        human_definition=js.info.human_definition,
        metrics=tuple(MetricEntry(m, js.metrics[m].direction, js.metrics[m].config)
                      for m in metrics),
        ceiling=ceiling, missing=js.missing,
        meta=carried_out.pop("meta", settings.meta_method if settings.meta_by else "off"),
        **settings_values(settings), **carried_out)


def run_signature(signatures: list[Signature]) -> Signature:
    """The signature of a run over several human columns of one data set, from each human's:
    ``human`` lists every column, ``tasks`` (and ``weights``) every human's tasks in turn, and
    a text value that differs between the humans (the noise ceiling's ratings hash) is each
    human's joined by ``+``; one human's signature is the run's."""
    first = signatures[0]
    if len(signatures) == 1:
        return first
    changes: dict = {"human": tuple(s.human for s in signatures)}
    if len({s.tasks for s in signatures}) > 1:
        changes["tasks"] = tuple(t for s in signatures for t in s.tasks)
        changes["weights"] = tuple(w for s in signatures for w in s.weights)
    for key in first.layout.keys:
        values = [s.values[key.attr] for s in signatures]
        if key.attr in changes or all(v == values[0] for v in values):
            continue
        if key.kind != "text":
            raise ValueError(f"the human columns' signatures differ in {key.key}: {values}")
        changes[key.attr] = "+".join(map(str, values))
    return first.replace(**changes)
