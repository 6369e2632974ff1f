"""Design facts of a listening test that the summary reports: conditions left out, item sets
that differ between systems (incomplete designs), and the signature of a summary.

The signature uses the ``key:value|...`` syntax of :class:`metaeval.provenance.Signature`:
``d`` data name and hash of the ratings as read (after replicate averaging / normalisation),
``kind``, ``sc`` scale, ``rep`` replicate handling, ``norm`` trial normalisation, ``agg`` mean or
median, ``x`` excluded systems, ``scr`` screening, ``k``, ``s`` seed, ``ci``, ``corr``
correction, then the package versions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaeval.errors import ParameterError
from metaeval.listening.ratings import RatingTable
from metaeval.provenance import escape, short_hash
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


def listening_signature(raw: RatingTable, settings: dict) -> str:
    """``key:value|...`` (the syntax of :class:`metaeval.provenance.Signature`) of everything
    that changes a number of the summary."""
    data = raw.frame[["item", "system", "rater", "rating"]].to_csv(index=False)
    pre = raw.preprocessing or {}
    parts = [("d", f"{raw.info.name or 'ratings'}@{short_hash(data)}"), ("kind", raw.kind),
             ("sc", f"{raw.scale[0]:g}..{raw.scale[1]:g}"),
             ("rep", pre.get("replicates", "error")), ("norm", pre.get("normalize", "none")),
             ("agg", settings["aggregate"]),
             ("x", ",".join(escape(x) for x in settings["exclude_systems"]) or "none"),
             ("scr", settings["screening"]), ("k", settings["k"]), ("s", settings["seed"]),
             ("ci", f"{settings['ci']:g}"), ("corr", settings["correction"])]
    parts += [(name, version) for name, version in package_versions()]
    return "|".join(f"{key}:{value if key == 'x' else escape(str(value))}"
                    for key, value in parts)
