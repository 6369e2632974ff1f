"""Several judgement sets in one `correlate` run: per-set results and their meta-analysis.

Every set is correlated with the same `Settings` (same seeds); each keeps the bootstrap draws
of its pooled primary rows (:func:`metaeval.correlation.meta.result_draws`), so the average
over sets gets its significance now and a later `metaeval meta` needs no rerun. The combined
record is :func:`metaeval.correlation.meta.meta_analysis` over the sets' pooled rows. The
combined signature is the first set's with ``data`` = ``<K>-sets@<hash of every per-set
signature>``, ``sets`` = ``name@datahash`` per set, the union of the metrics, and ``meta`` =
the tau^2 method: it changes whenever a set, its data or a setting changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from metaeval.correlation.meta import meta_analysis, result_summary
from metaeval.correlation.result import CorrelationResult
from metaeval.correlation.settings import Settings
from metaeval.io import json_safe, safe_name
from metaeval.provenance import Signature, short_hash
from metaeval.version import __version__


@dataclass
class MultiSetResult:
    """The per-set results (name -> result, in the order given), the meta-analysis record
    (:func:`meta_analysis`), the combined signature and its settings record."""

    sets: list[tuple[str, CorrelationResult]]
    meta: dict[str, Any]
    signature: Signature
    settings: dict[str, Any]

    def to_json_dict(self) -> dict[str, Any]:
        """results.json of the combined report: signature, settings, the sets, ``meta``."""
        return json_safe({
            "signature": str(self.signature), "settings": self.settings,
            "sets": [{"name": name, "folder": name, "signature": str(r.signature),
                      "dataset": r.dataset.name, "title": r.dataset.title, "human": r.human,
                      "metrics": list(r.metrics), "draws": r.draws is not None}
                     for name, r in self.sets],
            "meta": self.meta,
        })


def set_names(names: list[str]) -> list[str]:
    """Each set's name as a safe folder name, made unique (``a``, ``a-2``)."""
    taken: set[str] = set()
    out = []
    for raw in names:
        name = base = safe_name(raw, "set")
        n = 2
        while name in taken:
            name, n = f"{base}-{n}", n + 1
        taken.add(name)
        out.append(name)
    return out


def combined_signature(sets: list[tuple[str, CorrelationResult]], settings: Settings) -> Signature:
    """The provenance of a multi-set run (see the module docstring)."""
    first = sets[0][1].signature
    metrics = list({m.name: m for _, r in reversed(sets) for m in r.signature.metrics}.values())
    order = list(dict.fromkeys(m for _, r in sets for m in r.metrics))
    humans = list(dict.fromkeys(r.human for _, r in sets))
    digest = short_hash("\n".join(f"{name}={r.signature}" for name, r in sets))
    return first.replace(data=f"{len(sets)}-sets@{digest}", human="+".join(humans),
                   metrics=tuple(sorted(metrics, key=lambda m: order.index(m.name))),
                   sets=tuple(f"{name}@{r.signature.data.rsplit('@', 1)[-1]}"
                              for name, r in sets),
                   meta=settings.meta_method, meta_by=None, keep_draws=True)


def combine_sets(sets: list[tuple[str, CorrelationResult]], settings: Settings) -> MultiSetResult:
    """The meta-analysis of the sets' pooled rows (each result should carry its draws)."""
    record = meta_analysis([result_summary(r, name) for name, r in sets], ci=settings.ci,
                           alpha=settings.alpha, method=settings.meta_method)
    record["scope"] = f"{len(sets)} judgement sets"
    signature = combined_signature(sets, settings)
    record_settings = {**signature.to_dict(), "primary_coefficient": settings.primary,
                       "metaeval_version": __version__}
    return MultiSetResult(sets=sets, meta=record, signature=signature, settings=record_settings)
