"""Command-line options generated from the settings' one definition (:mod:`metaeval.spec`).

:func:`with_settings_options` adds one option per field of a settings dataclass to a typer
command: flag, help text and ``--help`` panel from the field's spec, typed choices (lists as
comma-separated text checked against the choices), booleans as ``--x/--no-x``. The command
receives them as one dict, ``settings_options`` (list settings not given are absent, so that a
protocol's defaults can apply); :func:`metaeval.cli.common.cli_errors` maps a
`ParameterError` of a setting to its flag.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable

import typer

from metaeval.cli.common import choice_enum, comma_choices, split, value_of
from metaeval.spec import flag_of, is_list, spec_fields


def _option(name: str, f, spec) -> tuple[object, object]:
    """(typer option, annotation) of one setting."""
    flag = flag_of(name, spec)
    panel = {"rich_help_panel": spec.panel}
    if is_list(f.type):
        callback = comma_choices(spec.choices, flag, spec.noun) if spec.choices else None
        listed = f", one or more of: {', '.join(spec.choices)}" if spec.choices else ""
        return typer.Option(None, flag, help=f"{spec.doc}{listed}.".replace("..", "."),
                            callback=callback, **panel), str
    base = str(f.type).split("|")[0].strip()
    if base == "bool":
        return typer.Option(f.default, f"{flag}/--no-{flag[2:]}", help=spec.doc, **panel), bool
    if spec.choices:
        enum = choice_enum(name.title().replace("_", ""), spec.choices)
        return typer.Option(f.default, flag, help=spec.doc, **panel), enum
    kind = {"int": int, "float": float}.get(base, str)
    return typer.Option(f.default, flag, help=spec.doc, **panel), kind


def settings_flags(cls) -> dict[str, str]:
    """Python parameter -> CLI flag of every setting (for error messages)."""
    return {f.name: flag_of(f.name, spec) for f, spec in spec_fields(cls) if spec.cli}


def collect(cls, given: dict) -> dict:
    """The settings options as Settings keywords: lists split, choices as text, lists that
    were not given left out."""
    out = {}
    for f, _ in spec_fields(cls):
        if f.name not in given:
            continue
        value = given[f.name]
        if is_list(f.type):
            if value is not None:
                out[f.name] = tuple(split(value))
        else:
            out[f.name] = value_of(value)
    return out


PANEL_ORDER = ("Data", "Statistics", "Significance", "Reports", "Power", "Speed")


def _panel_rank(parameter: inspect.Parameter) -> int:
    panel = getattr(parameter.default, "rich_help_panel", None)
    return PANEL_ORDER.index(panel) + 1 if panel in PANEL_ORDER else 0


def with_settings_options(cls, exclude: tuple[str, ...] = (),
                          into: str = "settings_options") -> Callable:
    """Decorator: the command gets an option per field of ``cls`` (see the module docstring),
    as one dict in its parameter ``into`` (two settings classes: two decorators, two names)."""

    def decorate(command: Callable) -> Callable:
        hints = typing.get_type_hints(command)
        own = [p.replace(annotation=hints.get(p.name, p.annotation))
               for p in inspect.signature(command).parameters.values()
               if p.name != into]
        added, names = [], []
        for f, spec in spec_fields(cls):
            if spec.cli and f.name not in exclude:
                option, annotation = _option(f.name, f, spec)
                added.append(inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY,
                                               default=option, annotation=annotation))
                names.append(f.name)

        @functools.wraps(command)
        def wrapper(**kwargs):
            chosen = {name: kwargs.pop(name) for name in names}
            return command(**kwargs, **{into: collect(cls, chosen)})

        parameters = sorted([p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own] + added,
                            key=_panel_rank)  # --help lists the panels in PANEL_ORDER
        wrapper.__signature__ = inspect.Signature(parameters)
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        del wrapper.__wrapped__  # typer must see the new signature, not the command's
        return wrapper

    return decorate
