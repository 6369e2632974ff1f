"""The inputs of each listed disagreement cell, ready for the HTML tables.

Per row of :func:`metaeval.report.disagreement.disagreement_tables`, from
:class:`metaeval.report.explorer_inputs.ExplorerInputs`:

- audio: the system output (``estimate``) and the ``reference`` when the manifest has it; with
  ``embed`` a link (``href``) to the page's ``<audio controls>`` player of that file, a data URI
  of the excerpt (:mod:`metaeval.report.audio_clips`), else only the file's path;
- image: with ``embed`` a link to the page's thumbnail of the file
  (:func:`metaeval.report.thumbnails.thumbnail_uri`), and its caption or prompt (``text``);
- text: source, hypothesis and reference cut to :data:`SNIPPET` characters (escaped by the
  template's autoescape);
- the metric's error analysis (``errors``: location, aspect, explanation, severity, reduction;
  TIGERScore) when the scores kept one for that cell and metric.

Each distinct file (its resolved path; the excerpt settings are the page's) is embedded once per
page: one entry of the section's stimuli list (:func:`attach_inputs`) with the player or
thumbnail and the HTML id ``stim-`` + the first 12 hex digits of the SHA-256 of its shown path
(:func:`stimulus_id`); every row that lists the file links to that id. Files are counted against
the budget once, in the order the report first lists them (metrics, groups, rows); the first one
that would exceed it stops all further embedding, and the section says how many distinct files
were left out and why. An unreadable file is a placeholder with the reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

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


def stimulus_id(shown: str) -> str:
    """The HTML id of a stimulus: ``stim-`` and 12 hex digits of the SHA-256 of its shown path."""
    return "stim-" + hashlib.sha256(shown.encode("utf-8")).hexdigest()[:12]


@dataclass
class MediaBudget:
    """Bytes of data URIs embedded so far, one per distinct file (``stimuli``: resolved path ->
    entry); once one does not fit, nothing more is embedded."""

    limit: int
    used: int = 0
    embedded: int = 0
    left_out: int = 0
    unreadable: int = 0
    stimuli: dict = field(default_factory=dict)

    def take(self, uri: str) -> bool:
        if self.left_out or self.used + len(uri) > self.limit:
            self.left_out += 1
            return False
        self.used += len(uri)
        self.embedded += 1
        return True

    def stimulus(self, kind: str, path, label: str, inputs: ExplorerInputs) -> dict:
        """The page's one entry for the file at ``path``: read, and counted, the first time."""
        key = _file_key(path)
        if key in self.stimuli:
            return self.stimuli[key]
        shown = display_path(path)
        ident, taken = stimulus_id(shown), {s["id"] for s in self.stimuli.values()}
        ident = ident if ident not in taken else f"{ident}-{len(self.stimuli)}"
        uri, reason = (clip_uri(path, inputs.seconds) if kind == "audio"
                       else thumbnail_uri(path))
        entry = {"id": ident, "kind": kind, "label": label, "file": shown,
                 "name": Path(path).name, "uri": None, "placeholder": "", "cells": []}
        if uri is None:
            self.unreadable += 1
            entry["placeholder"] = f"not playable ({reason})" if kind == "audio" else \
                f"image not shown ({reason})"
        elif self.take(uri):
            entry["uri"] = uri
        else:
            entry["placeholder"] = (f"not embedded: the media budget of {inputs.budget_mb:g} MB "
                                    "is spent")
        self.stimuli[key] = entry
        return entry

    def shown(self) -> list[dict]:
        """The embedded stimuli, in the order first listed."""
        return [entry for entry in self.stimuli.values() if entry["uri"]]


def _file_key(path) -> str:
    try:
        return str(Path(path).resolve())
    except OSError:
        return str(path)


def _media(kind: str, path, label: str, inputs: ExplorerInputs, budget: MediaBudget,
           cell: str) -> dict:
    entry = {"kind": kind, "label": label, "file": display_path(path), "name": Path(path).name,
             "href": "", "placeholder": ""}
    if not inputs.embed:
        return entry
    stimulus = budget.stimulus(kind, path, label, inputs)
    entry["placeholder"] = stimulus["placeholder"]
    if stimulus["uri"]:
        entry["href"] = "#" + stimulus["id"]
        if cell not in stimulus["cells"]:
            stimulus["cells"].append(cell)
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
        return [{"kind": "missing", "label": "inputs", "file": "", "href": "",
                 "placeholder": f"no row for this cell in {where}"}] if where else []
    if row.texts and "hypothesis" in row.texts:
        return _texts(row.texts)
    cell = f"{item} / {system}"
    if "image" in row.paths:
        shown = [_media("image", row.paths["image"], "image", inputs, budget, cell)]
        if row.texts.get("text"):
            shown.append({"kind": "text", "label": "text", "text": snippet(row.texts["text"])})
        return shown
    return [_media("audio", row.paths[name], label, inputs, budget, cell)
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
        parts.append(f"{budget.left_out} distinct file(s) left out: the media budget of "
                     f"{inputs.budget_mb:g} MB (--media-budget) was spent after "
                     f"{budget.embedded} embedded, each once ({budget.used / 1e6:.1f} MB); "
                     "raise it or shorten the excerpts (--media-seconds)")
    if budget.unreadable:
        parts.append(f"{budget.unreadable} file(s) could not be read (reason at each)")
    return "; ".join(parts) + ("." if parts else "")


def attach_inputs(tables: list[dict],
                  inputs: ExplorerInputs | None) -> tuple[str, list[dict]]:
    """Add ``inputs`` and ``analysis`` to every row of ``tables`` (in place); the budget note
    and the embedded stimuli (id, kind, label, file, uri, cells), each distinct file once."""
    if inputs is None:
        return "", []
    budget = MediaBudget(inputs.budget_bytes)
    for table in tables:
        for group in table["groups"]:
            for row in group["rows"]:
                row["inputs"] = cell_inputs(row["item"], row["system"], inputs, budget)
                row["analysis"] = error_analysis(
                    inputs.details.get((row["item"], row["system"]), {}).get(table["metric"]))
    return budget_note(inputs, budget), budget.shown()
