"""Rows to score from what a user names: a manifest (audio, text, image, a WMT MQM per-error
TSV or a THumB JSONL, told apart by its columns) or the audio folder patterns."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from metaeval.data import thumb, wmt_mqm
from metaeval.data.datasets import expand
from metaeval.data.readers import read_table
from metaeval.errors import ParameterError
from metaeval.metrics.spec import INPUT_KINDS
from metaeval.score.image_manifest import (
    is_image_manifest,
    read_image_manifest,
    read_thumb_manifest,
)
from metaeval.score.manifest import DEFAULT_NEEDS, expand_patterns, read_manifest
from metaeval.score.rows import ScoreRow, as_rows
from metaeval.score.text_manifest import is_text_manifest, read_text_manifest

MANIFEST_KINDS = ("auto", "audio", "text", "wmt-mqm", "image", "thumb")
IMAGE_KINDS = ("image", "thumb")


def manifest_kind(path: str | Path) -> str:
    """``wmt-mqm`` (the per-error MQM columns), ``thumb`` (THumB's hyp, SYS, seg_id, image),
    ``text`` (a hypothesis column), ``image`` (an image column) or ``audio``."""
    path = Path(path)
    if path.suffix.lower() == ".tsv":
        header = path.read_text(encoding="utf-8-sig", errors="replace").split("\n", 1)[0]
        columns = set(header.rstrip("\r").split("\t"))
        if set(wmt_mqm.COLUMNS) | {"target"} <= columns:
            return "wmt-mqm"
    frame, _ = read_table(path)
    if thumb.is_thumb(frame.columns):
        return "thumb"
    if is_text_manifest(frame.columns):
        return "text"
    return "image" if is_image_manifest(frame.columns) else "audio"


def load_rows(manifest: str | Path | None = None, estimates: str | None = None,
              references: str | None = None, mixtures: str | None = None,
              needs: Sequence[str] = DEFAULT_NEEDS, kind: str = "auto",
              images: str | Path | None = None) -> list[ScoreRow]:
    """Rows from a manifest or from the audio folder patterns (exactly one of the two);
    ``images``: the folder relative image paths are read from (image manifests, THumB)."""
    if manifest is not None and estimates is not None:
        raise ParameterError("manifest", manifest, "give either a manifest or estimates "
                             "patterns, not both.")
    if kind not in MANIFEST_KINDS:
        raise ParameterError("manifest_format", kind, f"choose from {', '.join(MANIFEST_KINDS)}.")
    if manifest is not None:
        manifest = expand(manifest)  # metaeval:<set>/<file>
        if references or mixtures:
            raise ParameterError("manifest", manifest, "references/mixtures patterns go with "
                                 "estimates patterns; a manifest names its files in its own "
                                 "columns. Fix: drop them or drop the manifest.")
        kind = manifest_kind(manifest) if kind == "auto" else kind
        image_needs = [n for n in needs if n in INPUT_KINDS["image"]]
        if images is not None and kind not in IMAGE_KINDS:
            raise ParameterError("images", str(images), f"is the folder of the image paths of "
                                 f"an image manifest or a THumB file; {manifest} holds {kind} "
                                 "inputs.", fix="drop --images.")
        if kind == "wmt-mqm":
            return as_rows(wmt_mqm.text_frame(manifest))
        if kind == "text":
            return read_text_manifest(manifest)
        if kind == "thumb":
            return read_thumb_manifest(manifest, image_needs, images)
        if kind == "image":
            return read_image_manifest(manifest, image_needs or ("image",), images)
        return read_manifest(manifest, needs)
    if images is not None:
        raise ParameterError("images", str(images), "goes with an image manifest or a THumB "
                             "file.", fix="give --manifest, or drop --images.")
    if estimates is not None:
        return expand_patterns(estimates, references, mixtures, needs)
    raise ParameterError("manifest", None, "nothing to score. Fix: give --manifest items.csv, or "
                         "--estimates 'out/{system}/{item}.wav' --references 'ref/{item}.wav'.")
