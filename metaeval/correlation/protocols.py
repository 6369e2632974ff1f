"""Published meta-evaluation protocols as named defaults (``metaeval correlate --protocol``).

- ``wmt``: WMT metrics task (Freitag et al. 2021-2023; mt-metrics-eval): segment level as
  group-by-item and pooled, system level over gold-covered segments; Pearson and Kendall tau-b.
- ``tigerscore``: the TIGERScore paper (Jiang et al., TMLR 2024): one pooled segment-level
  correlation per task over all (item, candidate) pairs; Kendall tau-b (also Pearson and
  Spearman). Group by the task column (``--group-by task``) for one value per task.
- ``gsvs``: the GSVS study (Bereuter et al., WASPAA 2025): one point per trial, per model type
  and pooled; Spearman, Pearson, Kendall tau-b.
"""

from __future__ import annotations

from metaeval.errors import ParameterError

PROTOCOLS: dict[str, dict] = {
    "wmt": {"levels": ["item", "none", "system"], "coefficients": ["pearson", "kendall_b"],
            "note": "WMT protocol: segment level as group-by-item and pooled, system level over "
                    "the gold-covered segments."},
    "tigerscore": {"levels": ["none"], "coefficients": ["kendall_b", "pearson", "spearman"],
                   "note": "TIGERScore protocol (Jiang et al., TMLR 2024): one pooled "
                           "segment-level correlation per task (group) over all (item, "
                           "candidate) pairs; Kendall tau-b first."},
    "gsvs": {"levels": ["none"], "coefficients": ["spearman", "pearson", "kendall_b"],
             "note": "GSVS protocol (Bereuter et al., WASPAA 2025): one point per trial, per "
                     "model type and pooled."},
}


def protocol(name: str) -> dict:
    """The defaults of a named protocol (levels, coefficients, note)."""
    if name not in PROTOCOLS:
        raise ParameterError("protocol", name, f"unknown protocol; choose from "
                             f"{', '.join(PROTOCOLS)}.")
    return dict(PROTOCOLS[name])
