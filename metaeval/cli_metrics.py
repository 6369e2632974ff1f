"""`metaeval metrics`: the registered metrics (built-in and plugins) and whether they can run here.

One row per metric: name, domain, inputs, direction, availability (``yes``, or the missing
modules with the exact install hint), source (``built-in`` or the plugin's distribution) and a
short citation. Listing imports no metric back-end: availability is checked with
``importlib.util.find_spec``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from metaeval.errors import MetricError
from metaeval.metrics.base import DOMAINS
from metaeval.metrics.registry import MetricSpec, all_specs

_INITIALS = r"(?:[A-Z][a-z]?\.(?:-[A-Z][a-z]?\.)?\s*)+"
_AUTHOR = re.compile(rf"^{_INITIALS}(?P<surname>[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)(?P<etal>\s+et al\.?)?$")
_YEAR = re.compile(r"\b(19|20)\d{2}\b")


@dataclass(frozen=True)
class MetricRow:
    """One line of the `metaeval metrics` table."""

    name: str
    domain: str
    inputs: str
    direction: str
    available: str
    source: str
    citation: str


def short_citation(citation: str, width: int = 40) -> str:
    """``Surname [et al.] Year`` from ``"A. Surname, B. Other, Title, Venue, Year."``.

    Falls back to the citation cut at a word to ``width`` characters when it does not start with
    authors.
    """
    text = citation.strip()
    if not text:
        return ""
    parts = [p.strip() for p in text.split(",")]
    authors = []
    for part in parts:
        match = _AUTHOR.match(part)
        if match is None:
            break
        authors.append(match)
    years = [m.group(0) for m in _YEAR.finditer(text)]
    if authors and years:
        first = authors[0]
        several = len(authors) > 1 or first.group("etal") is not None
        return f"{first.group('surname')}{' et al.' if several else ''} {years[-1]}"
    if len(text) <= width:
        return text
    head = text[: width - 1]
    return (head.rsplit(" ", 1)[0] if " " in head else head).rstrip(" ,;:") + "…"


def availability(spec: MetricSpec) -> str:
    """``yes``, or what is missing and the command that installs it."""
    if spec.error:
        return f"no: {spec.error} (fix: {spec.install_hint})"
    missing = spec.missing_modules()
    if not missing:
        return "yes"
    return f"no: missing {', '.join(missing)} ({spec.install_hint})"


def metric_rows(domain: str | None = None) -> list[MetricRow]:
    """The table rows, sorted by domain then name; unknown ``domain`` raises `MetricError`."""
    if domain is not None and domain not in DOMAINS:
        raise MetricError(f"unknown domain {domain!r}. Fix: choose one of {', '.join(DOMAINS)}.")
    specs = sorted(all_specs(domain), key=lambda s: (s.domain, s.name))
    return [
        MetricRow(
            name=s.name,
            domain=s.domain,
            inputs=", ".join(s.inputs),
            direction="higher" if s.higher_is_better else "lower",
            available=availability(s),
            source=s.source,
            citation=short_citation(s.citation),
        )
        for s in specs
    ]


def metrics_table(rows: list[MetricRow], title: str = "Metrics"):
    """A rich `Table` of ``rows`` (cells are plain text: ``metaeval[audio]`` is not markup)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title)
    table.add_column("name", no_wrap=True, style="bold")
    table.add_column("domain", no_wrap=True)
    table.add_column("inputs")
    table.add_column("direction", no_wrap=True)
    table.add_column("available")
    table.add_column("source", no_wrap=True)
    table.add_column("citation")
    for row in rows:
        available = Text(row.available, style="green" if row.available == "yes" else "red")
        table.add_row(Text(row.name), Text(row.domain), Text(row.inputs), Text(row.direction),
                      available, Text(row.source), Text(row.citation))
    return table


def run_metrics(domain: str | None = None, console=None) -> list[MetricRow]:
    """Print the metrics table (all domains, or one) and return its rows."""
    from rich.console import Console

    rows = metric_rows(domain)
    console = console or Console()
    if not rows:
        console.print(f"No {domain} metrics are registered yet.")
        return rows
    title = "Metrics" + (f" ({domain})" if domain else "")
    console.print(metrics_table(rows, title=title))
    return rows
