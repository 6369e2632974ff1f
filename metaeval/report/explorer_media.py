"""The inputs of each listed disagreement cell, ready for the HTML tables.

Per row of :func:`metaeval.report.disagreement.disagreement_tables`, from
:class:`metaeval.report.explorer_inputs.ExplorerInputs`:

- audio: one ``<audio controls>`` player for the system output (``estimate``) and one for the
  ``reference`` when the manifest has it; with ``embed`` a data URI of the excerpt
  (:mod:`metaeval.report.audio_clips`), else only the file's path;
- image: a thumbnail (:func:`metaeval.report.thumbnails.thumbnail_uri`) with ``embed``, and
  its caption or prompt (``text``);
- text: source, hypothesis and reference cut to :data:`SNIPPET` characters (escaped by the
  template's autoescape);
- the metric's error analysis (``errors``: location, aspect, explanation, severity, reduction;
  TIGERScore) when the scores kept one for that cell and metric.

Embedded media are counted against the budget in the order the report lists them (metrics,
groups, rows); the first one that would exceed it stops all further embedding, and the section
says how many were left out and why. An unreadable file is a placeholder with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from metaeval.paths import display_path
from metaeval.report.audio_clips import clip_uri
from metaeval.report.explorer_inputs import ExplorerInputs
from metaeval.report.thumbnails import thumbnail_uri

SNIPPET = 300  # characters of a text input shown
EXPLANATION = 400  # characters of one error's explanation shown
AUDIO_INPUTS = (("estimate", "output"), ("reference", "reference"))
TEXT_INPUTS = ("source", "hypothesis", "reference")


def snippet(text: str, width: int = SNIPPET) -> str:
    """``text`` with runs of white space made one space, cut at a word boundary to at most
    ``width`` characters with an ellipsis."""
    text = " ".join(str(text).split())
    if len(text) <= width:
        return text
    cut = text[:width - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > width // 2 else cut).rstrip() + "\u2026"


@dataclass
class MediaBudget:
    """Bytes of data URIs embedded so far; once one does not fit, nothing more is embedded."""

    limit: int
    used: int = 0
    embedded: int = 0
    left_out: int = 0
    unreadable: int = 0
    cache: dict = field(default_factory=dict)  # (kind, path) -> (uri or None, reason)

    def take(self, uri: str) -> bool:
        if self.left_out or self.used + len(uri) > self.limit:
            self.left_out += 1
            return False
        self.used += len(uri)
        self.embedded += 1
        return True


def _media(kind: str, path, label: str, inputs: ExplorerInputs, budget: MediaBudget) -> dict:
    entry = {"kind": kind, "label": label, "file": display_path(path), "uri": None,
             "placeholder": ""}
    if not inputs.embed:
        return entry
    key = (kind, str(path))
    if key not in budget.cache:
        budget.cache[key] = (clip_uri(path, inputs.seconds) if kind == "audio"
                             else thumbnail_uri(path))
    uri, reason = budget.cache[key]
    if uri is None:
        budget.unreadable += 1
        entry["placeholder"] = f"not playable ({reason})" if kind == "audio" else \
            f"image not shown ({reason})"
    elif budget.take(uri):
        entry["uri"] = uri
    else:
        entry["placeholder"] = (f"not embedded: the media budget of {inputs.budget_mb:g} MB "
                                "is spent")
    return entry


def _texts(texts: dict) -> list[dict]:
    out = []
    for name in TEXT_INPUTS:
        value = texts.get(name)
        if value is None:
            continue
        more = ""
        if isinstance(value, (tuple, list)):
            more = f" (+{len(value) - 1} more)" if len(value) > 1 else ""
            value = value[0] if value else ""
        out.append({"kind": "text", "label": name + more, "text": snippet(value),
                    "cut": len(" ".join(str(value).split())) > SNIPPET})
    return out


def cell_inputs(item: str, system: str, inputs: ExplorerInputs, budget: MediaBudget) -> list:
    """The shown inputs of one cell (a placeholder when the manifest has no row for it)."""
    row = inputs.rows.get((item, system))
    if row is None:
        where = display_path(inputs.source)
        return [{"kind": "missing", "label": "inputs", "file": "", "uri": None,
                 "placeholder": f"no row for this cell in {where}"}] if where else []
    if row.texts and "hypothesis" in row.texts:
        return _texts(row.texts)
    if "image" in row.paths:
        shown = [_media("image", row.paths["image"], "image", inputs, budget)]
        if row.texts.get("text"):
            shown.append({"kind": "text", "label": "text", "text": snippet(row.texts["text"])})
        return shown
    return [_media("audio", row.paths[name], label, inputs, budget)
            for name, label in AUDIO_INPUTS if name in row.paths]


def error_analysis(details) -> dict | None:
    """The shown form of a metric's error analysis (None when ``details`` has none)."""
    if not isinstance(details, dict) or not isinstance(details.get("errors"), list):
        return None
    errors = [{"location": snippet(e.get("location", ""), SNIPPET),
               "aspect": str(e.get("aspect", "")), "severity": str(e.get("severity", "")),
               "reduction": e.get("reduction"),
               "explanation": snippet(e.get("explanation", ""), EXPLANATION)}
              for e in details["errors"] if isinstance(e, dict)]
    return {"errors": errors, "problem": str(details.get("error") or ""),
            "raw": snippet(details.get("raw") or "", SNIPPET) if details.get("error") else ""}


def budget_note(inputs: ExplorerInputs, budget: MediaBudget) -> str:
    """What the section says about embedding (empty when nothing needs saying)."""
    parts = []
    if budget.left_out:
        parts.append(f"{budget.left_out} player(s)/thumbnail(s) left out: the media budget of "
                     f"{inputs.budget_mb:g} MB (--media-budget) was spent after "
                     f"{budget.embedded} embedded ({budget.used / 1e6:.1f} MB); raise it or "
                     "shorten the excerpts (--media-seconds)")
    if budget.unreadable:
        parts.append(f"{budget.unreadable} file(s) could not be read (reason at each)")
    return "; ".join(parts) + ("." if parts else "")


def attach_inputs(tables: list[dict], inputs: ExplorerInputs | None) -> str:
    """Add ``inputs`` and ``analysis`` to every row of ``tables`` (in place); the budget note."""
    if inputs is None:
        return ""
    budget = MediaBudget(inputs.budget_bytes)
    for table in tables:
        for group in table["groups"]:
            for row in group["rows"]:
                row["inputs"] = cell_inputs(row["item"], row["system"], inputs, budget)
                row["analysis"] = error_analysis(
                    inputs.details.get((row["item"], row["system"]), {}).get(table["metric"]))
    return budget_note(inputs, budget)
