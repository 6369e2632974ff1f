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


def _coerce(value: Any, annotation: str) -> Any:
    """A value of the declared type: tuples from single strings or lists, numbers, booleans."""
    if annotation.startswith("tuple"):
        return (value,) if isinstance(value, str) else tuple(value)
    if value is None:
        return None
    converters = {"int": int, "float": float, "bool": bool}
    base = annotation.split("|")[0].strip()
    return converters[base](value) if base in converters else value


def check_fields(obj: Any) -> None:
    """Coerce every spec'd field of a frozen dataclass to its type and check it: the choices
    (each element of a tuple), repeated list elements, and the spec's ``check``."""
    for f, spec in spec_fields(obj):
        value = _coerce(getattr(obj, f.name), str(f.type))
        object.__setattr__(obj, f.name, value)
        values = value if isinstance(value, tuple) else (value,)
        if spec.choices:
            unknown = [v for v in values if v is not None and v not in spec.choices]
            if unknown:
                raise ParameterError(f.name, ",".join(map(str, unknown)), f"unknown {spec.noun}; "
                                     f"choose from {', '.join(spec.choices)}.")
        if isinstance(value, tuple):
            repeated = sorted({str(v) for v in value if value.count(v) > 1})
            if repeated:
                raise ParameterError(f.name, ",".join(map(str, value)), f"{', '.join(repeated)} "
                                     "given twice. Fix: list each once.")
        problem = spec.check(value) if spec.check is not None and value is not None else None
        if problem:
            raise ParameterError(f.name, value, problem, spec.fix)


def defaults(cls) -> dict[str, Any]:
    """The default of every spec'd field."""
    return {f.name: f.default for f, _ in spec_fields(cls) if f.default is not MISSING}


def is_list(annotation: Any) -> bool:
    """Whether a field annotation (text or type) is a tuple of values."""
    text = str(annotation)
    return text.startswith("tuple") or get_origin(annotation) is tuple or bool(
        get_args(annotation) and get_origin(annotation) is tuple)
