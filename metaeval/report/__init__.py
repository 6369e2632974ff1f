"""Reports for a `CorrelationResult`: HTML (self-contained), LaTeX (booktabs), CSV and JSON."""

from __future__ import annotations

from metaeval.report.methods import methods_text
from metaeval.report.write import FORMATS, write_multiset_reports, write_reports

__all__ = ["FORMATS", "methods_text", "write_multiset_reports", "write_reports"]
