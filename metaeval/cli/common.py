"""What every `metaeval` command shares: error handling and exit codes, output streams, choices.

Exit codes: 0 success; 1 a data, metric or statistics error (bad file content, a metric that
cannot run, a statistic the data cannot support); 2 a usage error (unknown option, a value
outside its choices, a bad option value); 130 interrupted (Ctrl-C). Errors are one line on
stderr (``error: ...``), never a traceback. Results go to stdout, progress and warnings to
stderr; when stdout is not a terminal, output is plain text without colour or box drawing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import Enum

import typer

from metaeval.errors import MetaevalError, ParameterError

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
# Python-API parameter -> CLI flag, where the flag is not "--" + the name with dashes
FLAGS = {"coefficients": "--coef", "levels": "--level", "coefficient": "--coef",
         "level": "--level", "method": "--ci-method", "preset": "--metrics"}


def flag(parameter: str) -> str:
    """The command-line flag of a Python-API parameter (``group_by`` -> ``--group-by``)."""
    return FLAGS.get(parameter, "--" + parameter.replace("_", "-"))


def fail(message: str, code: int = EXIT_DATA) -> None:
    """Print ``error: message`` (one line) on stderr and exit with ``code``."""
    typer.echo(f"error: {' '.join(str(message).split())}", err=True)
    raise typer.Exit(code)


@contextmanager
def cli_errors(flags: dict[str, str] | None = None) -> Iterator[None]:
    """Turn metaeval errors into one-line messages: parameter errors name the CLI flag and
    exit 2 (usage); every other metaeval error exits 1."""
    try:
        yield
    except ParameterError as error:
        name = (flags or {}).get(error.parameter) or flag(error.parameter)
        fail(error.describe(name), EXIT_USAGE)
    except MetaevalError as error:
        fail(str(error), EXIT_USAGE if error.usage else EXIT_DATA)
    except KeyboardInterrupt:
        fail("interrupted; nothing half-written was left behind.", EXIT_INTERRUPTED)


def choice_enum(name: str, values: Sequence[str]) -> type[Enum]:
    """A str Enum of ``values`` so that typer lists the choices in ``--help``."""
    return Enum(name, {v: v for v in values}, type=str)


def split(value: str | None) -> list[str]:
    """Comma-separated option text as a list (empty parts dropped)."""
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def ints(text: str | None, option: str) -> list[int]:
    """Comma-separated whole numbers (``option`` names the parameter in the error)."""
    try:
        return [int(v) for v in split(text)]
    except ValueError:
        raise ParameterError(option, text, "give comma-separated whole numbers, "
                             "e.g. 10,20,40.") from None


def comma_choices(allowed: Sequence[str], option: str, what: str):
    """A typer callback checking a comma-separated option against ``allowed`` (usage error)."""

    def check(value: str | None) -> str | None:
        unknown = [v for v in split(value) if v not in allowed]
        if unknown:
            raise typer.BadParameter(f"unknown {what} {', '.join(map(repr, unknown))}; choose "
                                     f"from {', '.join(allowed)}.", param_hint=option)
        return value

    return check


def is_terminal() -> bool:
    """Whether stdout is an interactive terminal (else: plain output)."""
    return sys.stdout.isatty()


def echo(text: str = "") -> None:
    """A result line on stdout."""
    typer.echo(text)


def note(text: str) -> None:
    """A warning or progress line on stderr."""
    typer.echo(text, err=True)


warn = note  # the name used where ``note`` is a local variable


def value_of(option) -> str | None:
    """The text of an Enum option value (or None)."""
    return None if option is None else getattr(option, "value", option)
