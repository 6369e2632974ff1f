"""Design facts of a listening test that the summary reports: conditions left out, item sets
that differ between systems (incomplete designs), and the signature of a summary.

The signature is a :class:`metaeval.provenance.Signature` of layout ``listening``:
``ratings`` data name and hash of the ratings as read (after replicate averaging /
normalisation), ``kind``, ``scale``, ``replicates`` handling, ``normalize`` (trial
normalisation), ``aggregate`` (mean or median), ``exclude`` (systems left out), ``screening``,
``k``, ``seed``, ``ci`` (keys of the correlate settings), ``correction``, then the package
versions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaeval.correlation.signature import settings_keys
from metaeval.csvio import csv_text
from metaeval.errors import ParameterError
from metaeval.listening.ratings import RatingTable
from metaeval.provenance import Key, Layout, Signature, register_layout, short_hash
from metaeval.version import package_versions


def item_set_warning(items: pd.DataFrame) -> list[str]:
    """A note when the systems were scored on different item sets (an incomplete design)."""
    sets = items.groupby("system")["item"].agg(frozenset)
    if sets.nunique() <= 1:
        return []
    counts = sets.map(len)
    return [f"incomplete design: the systems were rated on different item sets ({counts.min()} "
            f"to {counts.max()} of {items['item'].nunique()} items per system), so a system's "
            "score also reflects which items it got; compare systems on shared items (the "
            "pairwise tests do)."]


def exclude(table: RatingTable, systems) -> RatingTable:
    """The table without the named systems (e.g. the hidden reference and the anchors)."""
    systems = [str(s) for s in systems or ()]
    unknown = sorted(set(systems) - set(table.systems))
    if unknown:
        raise ParameterError("exclude_systems", ",".join(unknown), "not among the conditions "
                             f"({', '.join(table.systems)}).", "name conditions of the test.")
    if not systems:
        return table
    kept = table.frame[~table.frame["system"].isin(systems)]
    if kept["system"].nunique() < 1:
        raise ParameterError("exclude_systems", ",".join(systems), "excludes every system.",
                             "keep at least one system.")
    return table.with_frame(kept, reference=None if table.reference in systems else
                            table.reference,
                            anchors=tuple(a for a in table.anchors if a not in systems))


def root(value: float) -> float:
    return float(np.sqrt(value)) if value is not None and value > 0 else float("nan")


LAYOUT = register_layout(Layout("listening", (
    Key("ratings", "ratings", "rt"), Key("kind", "kind", "kind"), Key("scale", "scale", "sc"),
    Key("replicates", "replicates", "rep", default="error"),
    Key("normalize", "normalize", "norm", default="none"),
    Key("aggregate", "aggregate", "agg", default="mean"),
    Key("exclude", "exclude", "x", "list", default=()),
    Key("screening", "screening", "scr"), *settings_keys("k", "seed", "ci").values(),
    Key("correction", "correction", "corr")), required=("ratings",)))


def listening_signature(raw: RatingTable, settings: dict) -> Signature:
    """Everything that changes a number of the summary (the ``listening`` layout of
    :class:`metaeval.provenance.Signature`)."""
    data = csv_text(raw.frame, ["item", "system", "rater", "rating"])
    pre = raw.preprocessing or {}
    return Signature(LAYOUT, package_versions(),
                     ratings=f"{raw.info.name or 'ratings'}@{short_hash(data)}", kind=raw.kind,
                     scale=f"{raw.scale[0]:g}..{raw.scale[1]:g}",
                     replicates=pre.get("replicates", "error"),
                     normalize=pre.get("normalize", "none"), aggregate=settings["aggregate"],
                     exclude=tuple(settings["exclude_systems"]),
                     screening=settings["screening"], k=settings["k"], seed=settings["seed"],
                     ci=settings["ci"], correction=settings["correction"])
