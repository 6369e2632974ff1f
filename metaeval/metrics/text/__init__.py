"""Text metric adapters (sacrebleu, BERTScore, COMET, ROUGE, TIGERScore) and shared helpers.

Adapters receive a :class:`~metaeval.metrics.base.Batch` whose ``inputs`` hold one entry per
item: ``hypothesis``, ``source``, ``instruction``, ``context`` as strings and ``reference`` as a
list of one or more reference strings. The helpers here import nothing heavy.
"""

from __future__ import annotations

from collections.abc import Sequence

from metaeval.errors import MetricError


def text_inputs(batch, names: Sequence[str]) -> dict[str, list]:
    """The named inputs of ``batch``; ``reference`` as lists of strings; types checked."""
    missing = [name for name in names if name not in batch.inputs]
    if missing:
        raise MetricError(f"this metric needs the text input(s) {', '.join(missing)}, which the "
                          f"batch lacks (it has {', '.join(batch.inputs) or 'none'}). Fix: add "
                          "the column(s) to the manifest.")
    out = {}
    for name in names:
        values = list(batch[name])
        if name == "reference":
            values = [[r] if isinstance(r, str) else list(r) for r in values]
            bad = [i for i, refs in enumerate(values) if not all(isinstance(r, str) for r in refs)]
        else:
            bad = [i for i, v in enumerate(values) if not isinstance(v, str)]
        if bad:
            raise MetricError(f"item {batch.ids[bad[0]]!r}: input {name!r} is not text. Fix: give "
                              "strings (references as a list of strings).")
        out[name] = values
    return out


def reference_streams(references: list[list[str]]) -> list[list[str | None]]:
    """Per-item reference lists as sacrebleu's reference streams (None where an item has fewer)."""
    width = max((len(refs) for refs in references), default=0)
    return [[refs[i] if i < len(refs) else None for refs in references] for i in range(width)]


class quiet_loading:
    """Context manager: no transformers "Loading weights" bars or info logs while a model
    loads (metaeval shows its own progress on stderr; results stay on stdout)."""

    def __enter__(self):
        from transformers.utils import logging

        self._bar = logging.is_progress_bar_enabled()
        self._level = logging.get_verbosity()
        logging.disable_progress_bar()
        logging.set_verbosity_error()
        return self

    def __exit__(self, *exc):
        from transformers.utils import logging

        if self._bar:
            logging.enable_progress_bar()
        logging.set_verbosity(self._level)
        return False
