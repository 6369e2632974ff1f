"""`metaeval` command line: thin wrappers over the Python API.

Commands: ``correlate``, ``explain``, ``power``, ``score``, ``challenge``, ``judge``, ``metrics``,
``listening summarize``, ``datasets``, ``data download``; ``--version``. Exit codes (:mod:`metaeval.cli.common`): 0 ok, 1 data / metric
/ statistics error, 2 usage error, 130 interrupted; errors are one line on stderr.
"""

from __future__ import annotations

import sys

from metaeval.cli import (  # noqa: F401
    challenge,
    correlate,
    data,
    explain,
    judge,
    listening,
    meta,
    metrics,
    power,
    score,
)
from metaeval.cli.app import app
from metaeval.cli.common import EXIT_INTERRUPTED

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``metaeval`` console script."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - interactive
        print("error: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
