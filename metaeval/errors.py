"""Project exception types.

Every message names the file, the row or item, and what the user can do about it. The CLI prints
these without a traceback: exit status 1 for data, metric and statistics errors, 2 for usage
errors (:class:`ParameterError`, :class:`MetricOptionError`: what the user asked for).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


class MetaevalError(Exception):
    """Base class of every error metaeval raises on purpose.

    ``usage`` is True for errors in what the user asked for (an option value), which the CLI
    reports with exit status 2; False for problems of the data, a metric or a statistic (1).
    """

    usage = False


class DataError(MetaevalError):
    """Bad or inconsistent input data (judgements, scores, dataset cards)."""


class DataUnavailable(DataError):
    """A registered data set is neither in METAEVAL_DATA_DIR nor in the cache, and cannot be
    downloaded (offline, or the download failed)."""


class MetricError(MetaevalError):
    """A metric could not be computed or is not available."""


class ModelUnavailable(MetricError):
    """A metric's model cannot be loaded (neither a local folder nor in the local Hugging Face
    cache, or a broken folder): no item can be scored, so a scoring run stops with this error
    instead of giving every item a missing score."""


class MetricOptionError(MetricError):
    """An unknown metric, preset or config field, or a bad option value (a usage error)."""

    usage = True


class OutputError(MetaevalError):
    """An output file or folder cannot be written (permissions, read-only, disk full): a usage
    error (the user chose the place)."""

    usage = True


class StatsError(MetaevalError):
    """A statistic was asked for on data that cannot support it."""


class ParameterError(MetaevalError):
    """An argument of the Python API (an option of the CLI) has a value that cannot be used.

    The message speaks of the parameter (``k=0: ...``); :meth:`describe` puts the CLI flag in its
    place (``--k 0: ...``), which is what the command line prints.
    """

    usage = True

    def __init__(self, parameter: str, value: object, problem: str, fix: str = ""):
        self.parameter, self.value, self.problem, self.fix = parameter, value, problem, fix
        super().__init__(self.describe())

    def describe(self, flag: str | None = None) -> str:
        """The message with ``flag`` (e.g. ``--coef``) naming the setting instead of the parameter."""
        shown = self.value not in (None, "") and not isinstance(self.value, bool)  # a flag
        if flag:
            where = f"{flag} {self.value}" if shown else flag
        else:
            where = f"{self.parameter}={self.value!r}" if shown else self.parameter
        return f"{where}: {self.problem}" + (f" Fix: {self.fix}" if self.fix else "")


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


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """``"did you mean 'sisdr'? "`` for the closest of ``choices`` to a misspelt ``name``
    (difflib's ratio >= 0.6), else ``""``; put before the list of choices."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def unknown_names(parameter: str, unknown: Sequence[str], available: Sequence[str],
                  what: str = "metric") -> ParameterError:
    """The error for names that are not among ``available`` (``--metrics sisdr,nosuch``): one
    line with the unknown names, a close match when there is one, and every available name."""
    hints = "".join(did_you_mean(name, available) for name in unknown)
    return ParameterError(parameter, ",".join(map(str, unknown)),
                          f"unknown {what}{'s' if len(unknown) > 1 else ''}; the available "
                          f"{what}s are {', '.join(map(str, available))}.",
                          f"{hints}Otherwise pick names from that list." if hints else
                          "pick names from that list.")
