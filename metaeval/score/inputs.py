"""Where a metric's inputs come from: audio files (decoded, mono or as many channels as stored,
resampled), texts, or images (decoded to 8-bit RGB by the one image loader) with their captions.

An input source answers four questions for the runner about one (metric, row): which batch
group it belongs to (audio: the metric's sample rate; text: one group), its cache key parts
(content hashes of the inputs, and how they are read: :meth:`version_for`), and the inputs
themselves. A `DataError` from any of them is a missing value with its reason for that item:
for a metric with ``channels=multichannel``, inputs whose channel counts differ.
"""

from __future__ import annotations

import hashlib
import json

from metaeval.errors import DataError
from metaeval.metrics.base import Metric
from metaeval.metrics.image.images import DEFAULT_MAX_PIXELS
from metaeval.metrics.spec import IMAGE_FILES
from metaeval.score.audio_io import DEFAULT_TOLERANCE_S, AudioLoader, align_lengths
from metaeval.score.image_io import ImageLoader
from metaeval.score.rows import ScoreRow

TEXT_VERSION = "text-utf8-v1"  # how texts are read; part of every text cache key


def channels_of(metric: Metric) -> str:
    """``mono`` (the channel mean) unless the metric's config asks ``channels=multichannel``."""
    return getattr(metric.config, "channels", "mono")


class AudioInputs:
    """Audio inputs read with :class:`AudioLoader` (soundfile, channel mean or channels, soxr)."""

    domain = "audio"

    def __init__(self, loudness_lufs: float | None = None,
                 tolerance_s: float = DEFAULT_TOLERANCE_S, jobs: int = 1):
        self.loader = AudioLoader(loudness_lufs=loudness_lufs)
        self.tolerance_s, self.jobs = tolerance_s, jobs

    @property
    def version(self) -> str:
        return self.loader.version

    def version_for(self, metric: Metric) -> str:
        """How this metric's audio is read (part of its cache key and score metadata)."""
        return self.loader.version_of(channels_of(metric))

    def group(self, metric: Metric, row: ScoreRow) -> int:
        """The sample rate the metric is scored at (the estimate's own rate when it has none)."""
        return metric.sample_rate or self.loader.native_rate(row.paths["estimate"])

    def hashes(self, metric: Metric, row: ScoreRow) -> dict[str, str]:
        return {name: self.loader.sha256(row.paths[name]) for name in metric.inputs}

    def prefetch(self, metric: Metric, rows: list[tuple[ScoreRow, int]]) -> None:
        channels = channels_of(metric)
        self.loader.prefetch([(row.paths[n], rate, channels) for row, rate in rows
                              for n in metric.inputs], self.jobs)

    def load(self, metric: Metric, row: ScoreRow, rate: int) -> dict:
        channels = channels_of(metric)
        signals = {n: self.loader.load(row.paths[n], rate, channels) for n in metric.inputs}
        where = f"item {row.item!r}, system {row.system!r}"
        counts = {n: 1 if x.ndim == 1 else x.shape[0] for n, x in signals.items()}
        basis = "reference" if "reference" in counts else next(iter(counts))
        odd = [n for n, count in counts.items() if count != counts[basis]]
        if odd:
            raise DataError(f"{where}: the {odd[0]} {row.paths[odd[0]]} has {counts[odd[0]]} "
                            f"channel(s), the {basis} {counts[basis]}; channels=multichannel "
                            "compares the images channel by channel. Fix: give every input the "
                            f"{basis}'s channels, or score with channels=mono.")
        return align_lengths(signals, rate, self.tolerance_s, where=where)


def input_names(metric: Metric, row: ScoreRow) -> list[str]:
    """The metric's inputs, plus the optional ones this row has."""
    optional = getattr(metric, "optional_inputs", ())
    return list(metric.inputs) + [n for n in optional if row.has(n)]


def text_hash(value) -> str:
    """The cache key of a text input (a string or a list of references)."""
    return hashlib.sha256(json.dumps(value, ensure_ascii=False).encode()).hexdigest()


class TextInputs:
    """Text inputs as written in the manifest (``reference`` is a tuple of references)."""

    domain = "text"
    version = TEXT_VERSION

    def version_for(self, metric: Metric) -> str:
        return self.version

    def group(self, metric: Metric, row: ScoreRow) -> None:
        return None

    def names(self, metric: Metric, row: ScoreRow) -> list[str]:
        return input_names(metric, row)

    def hashes(self, metric: Metric, row: ScoreRow) -> dict[str, str]:
        return {name: text_hash(row.texts[name]) for name in self.names(metric, row)}

    def prefetch(self, metric: Metric, rows) -> None:
        return None

    def load(self, metric: Metric, row: ScoreRow, group=None) -> dict:
        inputs = {name: row.texts[name] for name in self.names(metric, row)}
        if not str(inputs.get("hypothesis", "x")).strip():
            raise DataError("empty hypothesis: the system output has no text to score")
        if "reference" in inputs and not any(str(r).strip() for r in inputs["reference"]):
            raise DataError("empty reference: no reference text for this item")
        for name in ("source", "instruction"):
            if name in metric.inputs and not str(inputs.get(name, "")).strip():
                raise DataError(f"empty {name}: this metric needs the {name} text")
        return {k: list(v) if k == "reference" else v for k, v in inputs.items()}


class ImageInputs:
    """Image inputs: ``image`` / ``reference_image`` as 8-bit RGB ``PIL.Image`` objects read by
    the one image loader (:func:`metaeval.metrics.image.images.load_rgb`, under the metric's
    ``max_pixels`` option when it has one; files hashed by content), ``text`` as a string,
    ``references`` as a list of strings."""

    domain = "image"

    def __init__(self):
        self.loader = ImageLoader()
        self.version = self.loader.version

    def version_for(self, metric: Metric) -> str:
        return self.version

    def group(self, metric: Metric, row: ScoreRow) -> None:
        return None

    def names(self, metric: Metric, row: ScoreRow) -> list[str]:
        return input_names(metric, row)

    def hashes(self, metric: Metric, row: ScoreRow) -> dict[str, str]:
        return {name: (self.loader.sha256(row.paths[name]) if name in IMAGE_FILES else
                       text_hash(row.texts[name]))
                for name in self.names(metric, row)}

    def prefetch(self, metric: Metric, rows) -> None:
        return None

    def load(self, metric: Metric, row: ScoreRow, group=None) -> dict:
        inputs = {}
        limit = getattr(metric.config, "max_pixels", DEFAULT_MAX_PIXELS)
        for name in self.names(metric, row):
            if name in IMAGE_FILES:
                inputs[name] = self.loader.load(row.paths[name], limit)
            elif name == "references":
                inputs[name] = [str(r) for r in row.texts[name]]
                if not any(r.strip() for r in inputs[name]):
                    raise DataError("empty references: no reference caption for this item")
            else:
                inputs[name] = str(row.texts[name])
                if name == "text" and not inputs[name].strip():
                    raise DataError("empty text: the caption / prompt has no text to score")
        return inputs


def input_source(domain: str, **options):
    """The input source of a domain (``audio``: options loudness_lufs, tolerance_s, jobs)."""
    if domain == "text":
        return TextInputs()
    if domain == "image":
        return ImageInputs()
    return AudioInputs(**options)
