"""The `metaeval` Typer application, its global options (``--version``) and one-line errors.

Usage errors that click detects (unknown option, a value outside its choices, a missing
argument) are printed as one line ``error: ...`` on stderr with exit status 2, like every error
of the commands themselves (:mod:`metaeval.cli.common`), instead of click's boxed panel.
"""

from __future__ import annotations

import sys

import typer
from typer.core import TyperCommand, TyperGroup

from metaeval.version import __version__

EXIT_USAGE, EXIT_INTERRUPTED = 2, 130
# click's exception classes as typer uses them (typer may vendor its own copy of click)
ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
NoArgsIsHelp = getattr(sys.modules[ClickException.__module__], "NoArgsIsHelpError", ())


class OneLineMain:
    """Mixin for click commands: usage errors are one line (``error: ...``) on stderr."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelp as error:
            if not standalone_mode:
                raise
            error.show()
            sys.exit(error.exit_code)
        except ClickException as error:
            if not standalone_mode:
                raise
            command = error.ctx.command_path if getattr(error, "ctx", None) else "metaeval"
            message = " ".join(error.format_message().replace("Value error, ", "").split())
            typer.echo(f"error: {message} (see `{command} --help`)", err=True)
            sys.exit(error.exit_code)
        except typer.Abort:
            if not standalone_mode:
                raise
            typer.echo("error: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


class OneLineErrors(OneLineMain, TyperGroup):
    """A command group with one-line usage errors."""


class OneLineCommand(OneLineMain, TyperCommand):
    """A command with one-line usage errors (for sub-apps that hold a single command)."""


app = typer.Typer(cls=OneLineErrors, add_completion=False, no_args_is_help=True,
                  help="Meta-evaluation of metrics against human judgement. Exit codes: 0 ok, "
                       "1 data/metric/statistics error, 2 usage error, 130 interrupted.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"metaeval {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Meta-evaluation of metrics against human judgement."""
