"""One definition per setting: its type, default, doc, signature key, CLI flag and --help panel.

A settings dataclass declares each field with :func:`setting`; from that one declaration come
the Python keyword (the field), validation (:func:`check_fields`: type, choices, range check,
one-line `ParameterError` naming the parameter), the signature key (:func:`signature_keys`), and
the command-line option (``metaeval.cli.settings`` builds it: flag, help text, panel, choices).

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Demo:
    ...     k: int = setting(1000, "Draws.", key="k", short="k",
    ...                      check=lambda v: None if v >= 1 else "must be at least 1.")
    >>> check_fields(Demo(k=0))
    Traceback (most recent call last):
    ...
    metaeval.errors.ParameterError: k=0: must be at least 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, Field, dataclass, field, fields
from typing import Any, get_args, get_origin

import numpy as np

from metaeval.errors import ParameterError
from metaeval.provenance import ALWAYS  # Spec.omit: the key is always written

PANELS = ("Data", "Statistics", "Significance", "Reports", "Speed")


@dataclass(frozen=True)
class Spec:
    """What metaeval knows about one setting (see the module docstring).

    ``kind`` is the signature's value syntax (``text``, ``list``, ``flag``, ``int``,
    ``float``, ``group`` for a column that may be None); ``omit``: the key is left out of the
    signature at this value (older signatures stay as they were); ``signature=False``: the setting
    enters the signature through a derived key (the noise ceiling's ``splits@ratings``);
    ``applies(settings)``: whether the setting was carried out in a run with these settings
    (False: the signature writes ``n/a``, nothing enters it that was not carried out);
    ``choices``: the allowed values (of each element, for a list), ``noun`` what one value is;
    ``check(value) -> problem or None``; ``fix``: how to repair a bad value; ``flag``: the CLI flag (default ``--name``).
    """

    doc: str
    key: str
    short: str
    kind: str = "text"
    panel: str = "Statistics"
    flag: str = ""
    choices: tuple[str, ...] = ()
    noun: str = "value"  # what one value is, in messages ("unknown coefficient")
    check: Callable[[Any], str | None] | None = None
    fix: str = ""
    omit: Any = ALWAYS
    signature: bool = True
    applies: Callable[[Any], bool] | None = None
    cli: bool = True


def setting(default: Any, doc: str, **spec: Any) -> Any:
    """A dataclass field carrying its :class:`Spec` (keyword arguments as Spec's)."""
    return field(default=default, metadata={"spec": Spec(doc, **spec)})


def spec_fields(cls_or_obj) -> list[tuple[Field, Spec]]:
    """(field, spec) of every field declared with :func:`setting`, in declaration order."""
    return [(f, f.metadata["spec"]) for f in fields(cls_or_obj) if "spec" in f.metadata]


def flag_of(name: str, spec: Spec) -> str:
    """The command-line flag of a setting."""
    return spec.flag or "--" + name.replace("_", "-")


def _number(name: str, value: Any, whole: bool) -> int | float:
    """``value`` as an int (``whole``: 3 and 3.0, not 2.5 or True) or a float; else a
    `ParameterError` naming ``name`` (never a silent truncation)."""
    if isinstance(value, (bool, np.bool_)):
        raise ParameterError(name, value, "must be a number, not True/False.")
    try:
        number = int(value) if isinstance(value, (int, np.integer)) else float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, f"must be a {'whole ' if whole else ''}number.") from None
    if whole and not float(number).is_integer():
        raise ParameterError(name, value, "must be a whole number.")
    return int(number) if whole else float(number)


def whole(name: str, value: Any, minimum: int, example: str = "") -> int:
    """``value`` as a whole number >= ``minimum`` (a count: draws, workers, sizes), else a
    `ParameterError` naming ``name``; the one check of a count that is not a setting."""
    number = _number(name, value, whole=True)
    if number < minimum:
        raise ParameterError(name, value, f"must be at least {minimum}" + (
            f", e.g. {example}." if example else "."))
    return number


def _coerce(name: str, value: Any, annotation: str) -> Any:
    """``value`` as the declared type: tuples from single strings or lists, whole numbers,
    numbers, booleans (only True/False); None only where the annotation allows it."""
    if annotation.startswith("tuple"):
        return (value,) if isinstance(value, str) else tuple(value)
    base = annotation.split("|")[0].strip()
    if value is None:
        if "None" in annotation or base not in ("int", "float", "bool"):
            return None
        kind = {"int": "a whole number", "float": "a number", "bool": "True or False"}[base]
        raise ParameterError(name, value, f"must be {kind}, not None.")
    if base == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise ParameterError(name, value, "must be True or False.")
        return bool(value)
    return _number(name, value, base == "int") if base in ("int", "float") else value


def _checked(name: str, value: Any, annotation: str, spec: Spec) -> Any:
    """``value`` coerced and checked by ``spec`` (choices of each element, repeated list
    elements, the range check); a `ParameterError` naming ``name`` otherwise."""
    value = _coerce(name, value, annotation)
    values = value if isinstance(value, tuple) else (value,)
    if spec.choices:
        unknown = [v for v in values if v is not None and v not in spec.choices]
        if unknown:
            raise ParameterError(name, ",".join(map(str, unknown)), f"unknown {spec.noun}; "
                                 f"choose from {', '.join(spec.choices)}.")
    if isinstance(value, tuple):
        repeated = sorted({str(v) for v in value if value.count(v) > 1})
        if repeated:
            raise ParameterError(name, ",".join(map(str, value)), f"{', '.join(repeated)} "
                                 "given twice. Fix: list each once.")
    problem = spec.check(value) if spec.check is not None and value is not None else None
    if problem:
        raise ParameterError(name, value, problem, spec.fix)
    return value


def _annotation(f: Field) -> str:
    """A field's annotation as text (``int``, ``str | None``, ``tuple[str, ...]``)."""
    return f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))


def check_fields(obj: Any) -> None:
    """Coerce every spec'd field of a frozen dataclass to its type and check it (see
    :func:`check_value`)."""
    for f, spec in spec_fields(obj):
        object.__setattr__(obj, f.name, _checked(f.name, getattr(obj, f.name), _annotation(f),
                                                 spec))


class CheckedSettings:
    """Base of the settings dataclasses: every spec'd field checked and coerced on creation
    (:func:`check_fields`), so that no settings class writes its own checks."""

    def __post_init__(self) -> None:
        check_fields(self)


def check_value(cls: Any, name: str, value: Any, parameter: str | None = None) -> Any:
    """``value`` checked and coerced by the definition of setting ``name`` of the settings
    dataclass ``cls``: how an entry point whose parameter means that setting (a challenge's
    ``k``, a listening summary's ``ci``) validates it; errors name ``parameter`` (default
    ``name``)."""
    for f, spec in spec_fields(cls):
        if f.name == name:
            return _checked(parameter or name, value, _annotation(f), spec)
    raise KeyError(name)


def defaults(cls) -> dict[str, Any]:
    """The default of every spec'd field."""
    return {f.name: f.default for f, _ in spec_fields(cls) if f.default is not MISSING}


def is_list(annotation: Any) -> bool:
    """Whether a field annotation (text or type) is a tuple of values."""
    text = str(annotation)
    return text.startswith("tuple") or get_origin(annotation) is tuple or bool(
        get_args(annotation) and get_origin(annotation) is tuple)
