"""Project exception types.

Every message names the file, the row or item, and what the user can do about it. The CLI prints
these without a traceback and exits with status 2.
"""

from __future__ import annotations


class MetaevalError(Exception):
    """Base class of every error metaeval raises on purpose."""


class DataError(MetaevalError):
    """Bad or inconsistent input data (judgements, scores, dataset cards)."""


class MetricError(MetaevalError):
    """A metric could not be computed or is not available."""


class StatsError(MetaevalError):
    """A statistic was asked for on data that cannot support it."""


def located(message: str, *, file: str | None = None, row: int | None = None,
            column: str | None = None, fix: str | None = None) -> str:
    """Format a message as ``file, row R, column 'C': message. Fix: ...``.

    ``row`` is the 1-based line number in the file as a user sees it (header = line 1).
    """
    where = []
    if file:
        where.append(str(file))
    if row is not None:
        where.append(f"row {row}")
    if column is not None:
        where.append(f"column '{column}'")
    text = (", ".join(where) + ": " if where else "") + message
    if fix:
        text += f" Fix: {fix}"
    return text
