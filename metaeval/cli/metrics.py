"""`metaeval metrics`: the registered metrics (built-in and plugins) and whether they can run here.

One row per metric: name, domain, inputs, direction, availability (``yes``, or the missing
modules with the exact install hint), source (``built-in`` or the plugin's distribution) and a
short citation, as a table (terminal), TSV (default when piped) or JSON. Listing imports no
metric back-end: availability is checked with ``importlib.util.find_spec``. ``--show NAME``
prints one metric's description, presets and config fields (with defaults and docs).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

import typer

from metaeval.cli.app import app
from metaeval.cli.common import choice_enum, cli_errors, echo, is_terminal, value_of
from metaeval.cli.text import text_table
from metaeval.errors import ParameterError
from metaeval.metrics.base import DOMAINS
from metaeval.metrics.options import describe_fields
from metaeval.metrics.registry import all_specs, get_spec
from metaeval.metrics.spec import MetricSpec

LIST_FORMATS = ("table", "tsv", "json")
ListFormat = choice_enum("ListFormat", LIST_FORMATS)
DomainChoice = choice_enum("MetricDomain", DOMAINS)
HEADERS = ("name", "domain", "inputs", "direction", "available", "source", "citation")

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
    """The table rows, sorted by domain then name; an unknown ``domain`` is a `ParameterError`."""
    if domain is not None and domain not in DOMAINS:
        raise ParameterError("domain", domain, f"unknown domain; choose one of "
                             f"{', '.join(DOMAINS)}.")
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


def render_rows(rows: list[MetricRow], format: str) -> str:
    """The listing as an aligned table, TSV (one line per metric, tabs) or JSON."""
    if format == "json":
        return json.dumps([asdict(r) for r in rows], indent=1)
    values = [[getattr(r, h) for h in HEADERS] for r in rows]
    if format == "tsv":
        return "\n".join("\t".join(line) for line in [list(HEADERS), *values])
    return text_table(HEADERS, values)


def show_metric(name: str) -> str:
    """Everything about one metric: description, inputs, direction, presets and config fields."""
    spec = get_spec(name)
    lines = [f"{spec.name} ({spec.domain}, {'higher' if spec.higher_is_better else 'lower'} is "
             f"better): {spec.description}", f"inputs: {', '.join(spec.inputs)}",
             f"available: {availability(spec)}", f"citation: {spec.citation}"]
    if spec.error or spec.missing_modules():
        lines.append("(install it to see its options)")
        return "\n".join(lines)
    cls = spec.load()
    fields = describe_fields(cls.Config)
    if cls.presets:
        lines.append("presets: " + "; ".join(
            f"{p} = " + ", ".join(f"{k}={v}" for k, v in values.items())
            for p, values in cls.presets.items()))
    lines.append(f"options (write {spec.name}:field=value[:field=value]):" if fields else
                 "options: none")
    if fields:
        lines.append(text_table(["field", "type", "default", "allowed", "doc"],
                                [[f, t, "none" if d is None else d, allowed or "-", doc]
                                 for f, t, d, doc, allowed in fields]))
    return "\n".join(lines)


def run_metrics(domain: str | None = None, format: str | None = None,
                show: str | None = None) -> list[MetricRow]:
    """Print the metrics listing (or one metric with ``show``) on stdout; return the rows."""
    if show:
        echo(show_metric(show))
        return []
    rows = metric_rows(domain)
    if not rows:
        echo(f"No {domain} metrics are registered yet.")
        return rows
    echo(render_rows(rows, format or ("table" if is_terminal() else "tsv")))
    return rows


@app.command("metrics")
def metrics_command(
    domain: DomainChoice = typer.Option(None, help="Only metrics of this domain."),
    format: ListFormat = typer.Option(None, "--format", help="table (default on a terminal), "
                                                             "tsv (default when piped) or json."),
    show: str = typer.Option(None, "--show", metavar="NAME",
                             help="Describe one metric: presets and config fields."),
) -> None:
    """List the registered metrics (built-in and plugins) and whether they can run here."""
    with cli_errors():
        run_metrics(domain=value_of(domain), format=value_of(format), show=show)
