"""`Signature`: the provenance of every number metaeval reports (after sacrebleu's signatures).

A signature is a list of ``key:value`` entries in a fixed order, one per thing that changes the
numbers, then the package versions. Which keys a signature has is its :class:`Layout`:
``correlate`` (data, human column, oriented metrics, tasks and every setting of
:class:`metaeval.correlation.settings.Settings`), ``challenge`` and ``listening``; each layout
is derived from the settings' one definition (:mod:`metaeval.spec`) and registered by the
package that owns it. One class formats, parses and serialises all of them::

    >>> import metaeval
    >>> sig = Signature(data="demo@0123456789ab", human="mos",
    ...                 metrics=(MetricEntry("bleu"), MetricEntry("ter", "lower")),
    ...                 versions=(("metaeval", "0.1.0"),))
    >>> sig.format(short=True)
    'd:demo@0123456789ab|h:mos|hd:|m:bleu,-ter|c:spearman,pearson|l:none|g:none|p:yes|r:items|ci:0.95|cim:percentile|k:1000|s:0|sig:primary|a:0.05|min:3|ch:yes|nc:off|miss:error|v:0.1.0'
    >>> Signature.parse(sig.format()) == sig
    True

Values are escaped (``%XX``) where they contain a character of the syntax (``| , { } %``), so a
metric named ``a|b`` or ``acc[red]`` survives the round trip and is never rendered as markup.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

RESERVED = "%|,{}\n\r\t"
VERSION_KEYS = {"metaeval": "v", "numpy": "np", "scipy": "sp", "pandas": "pd"}
ALWAYS = object()
NOT_APPLICABLE = "n/a"  # the value of a setting that the run did not carry out


def escape(text: str) -> str:
    """``text`` with the syntax characters (and a leading ``-``) written as ``%XX``."""
    out = "".join(f"%{ord(c):02X}" if c in RESERVED else c for c in str(text))
    return "%2D" + out[1:] if out.startswith("-") else out


def unescape(text: str) -> str:
    """Inverse of :func:`escape`."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "%" and i + 3 <= len(text):
            out.append(chr(int(text[i + 1:i + 3], 16)))
            i += 3
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def short_hash(payload: bytes | str, length: int = 12) -> str:
    """First ``length`` hex digits of the sha256 of ``payload``."""
    data = payload.encode() if isinstance(payload, str) else payload
    return hashlib.sha256(data).hexdigest()[:length]


@dataclass(frozen=True)
class MetricEntry:
    """One metric column of a result: its name, direction and own config signature.

    ``direction`` is ``higher`` or ``lower`` (lower-is-better metrics are sign-flipped before any
    statistic); ``config`` is the metric's config signature (``sar@3fa2c1d0e4b5``) when the column
    was scored by ``metaeval score``, else ``""``.
    """

    name: str
    direction: str = "higher"
    config: str = ""

    def format(self) -> str:
        text = ("-" if self.direction == "lower" else "") + escape(self.name)
        return text + (f"{{{escape(self.config)}}}" if self.config else "")

    @classmethod
    def parse(cls, text: str) -> MetricEntry:
        direction = "lower" if text.startswith("-") else "higher"
        text = text[1:] if direction == "lower" else text
        config = ""
        if text.endswith("}") and "{" in text:
            text, config = text[:-1].split("{", 1)
        return cls(unescape(text), direction, unescape(config))


@dataclass(frozen=True)
class Key:
    """One entry of a layout: attribute name, long and short key, value syntax (``text``,
    ``list``, ``names``, ``flag``, ``int``, ``float``, ``floats``, ``group``, ``metrics``),
    default, and the value at which it is omitted from the string (``ALWAYS``: never omitted).
    ``names``: one name (a string, written as ``text``) or several (a tuple, written as a
    ``list``), read back as a string when there is one."""

    attr: str
    key: str
    short: str
    kind: str = "text"
    default: Any = ""
    omit: Any = ALWAYS

    def render(self, value: Any) -> str:
        if value == NOT_APPLICABLE:
            return NOT_APPLICABLE
        if self.kind == "metrics":
            return ",".join(m.format() for m in value)
        if self.kind == "names" and not isinstance(value, str):
            return ",".join(escape(v) for v in value)
        if self.kind in ("list", "floats"):
            return ",".join(escape(f"{v:g}" if self.kind == "floats" else v) for v in value)
        if self.kind == "flag":
            return "yes" if value else "no"
        if self.kind == "float":
            return f"{value:g}"
        if self.kind == "group":
            return "none" if value is None else ("%6Eone" if value == "none" else escape(value))
        return escape(str(value))

    def read(self, raw: str) -> Any:
        if raw == NOT_APPLICABLE:
            return NOT_APPLICABLE
        if self.kind == "metrics":
            return tuple(MetricEntry.parse(p) for p in raw.split(",") if p)
        if self.kind == "names":
            parts = tuple(unescape(p) for p in raw.split(","))
            return parts[0] if len(parts) == 1 else parts
        if self.kind in ("list", "floats"):
            parts = [unescape(p) for p in raw.split(",") if p]
            return tuple(float(p) for p in parts) if self.kind == "floats" else tuple(parts)
        if self.kind == "flag":
            return raw == "yes"
        if self.kind in ("int", "float"):
            return {"int": int, "float": float}[self.kind](raw)
        if self.kind == "group":
            return None if raw == "none" else unescape(raw)
        return unescape(raw)


@dataclass(frozen=True)
class Layout:
    """The ordered keys of one kind of signature; ``required``: attributes a string must have."""

    name: str
    keys: tuple[Key, ...]
    required: tuple[str, ...] = ()

    def key(self, attr: str) -> Key:
        for key in self.keys:
            if key.attr == attr:
                return key
        raise AttributeError(f"a {self.name} signature has no field {attr!r}")


LAYOUTS: dict[str, Layout] = {}


def register_layout(layout: Layout) -> Layout:
    """Make ``layout`` known to :meth:`Signature.parse` and the constructor (by name)."""
    LAYOUTS[layout.name] = layout
    return layout


class Signature:
    """Everything that determines the numbers of a result (see the module docstring).

    ``Signature(layout="correlate", versions=(...), **values)``: values by attribute name,
    the layout's defaults for the rest; attributes read back as ``sig.k``.
    """

    __slots__ = ("layout", "values", "versions")

    def __init__(self, layout: str | Layout = "correlate",
                 versions: tuple[tuple[str, str], ...] = (), **values: Any):
        layout = LAYOUTS[layout] if isinstance(layout, str) else layout
        unknown = sorted(set(values) - {k.attr for k in layout.keys})
        if unknown:
            raise TypeError(f"a {layout.name} signature has no field(s) {unknown}")
        object.__setattr__(self, "layout", layout)
        object.__setattr__(self, "values", {k.attr: values.get(k.attr, k.default)
                                            for k in layout.keys})
        object.__setattr__(self, "versions", tuple(tuple(v) for v in versions))

    def __getattr__(self, name: str) -> Any:
        try:
            return object.__getattribute__(self, "values")[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Signature is immutable; use replace()")

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Signature) and self.layout.name == other.layout.name
                and self.values == other.values and self.versions == other.versions)

    def __hash__(self) -> int:
        return hash(self.format())

    def __repr__(self) -> str:
        return f"Signature({self.format()!r})"

    def replace(self, **changes: Any) -> Signature:
        """A copy with some values changed."""
        versions = changes.pop("versions", self.versions)
        return Signature(self.layout, versions, **{**self.values, **changes})

    def format(self, short: bool = False) -> str:
        """``key:value|key:value|...``; ``short`` uses one- to four-letter keys."""
        parts = [f"{k.short if short else k.key}:{k.render(self.values[k.attr])}"
                 for k in self.layout.keys
                 if k.omit is ALWAYS or self.values[k.attr] != k.omit]
        parts += [f"{VERSION_KEYS.get(name, name) if short else name}:{escape(version)}"
                  for name, version in self.versions]
        return "|".join(parts)

    def __str__(self) -> str:
        return self.format()

    @classmethod
    def parse(cls, text: str, layout: str | None = None) -> Signature:
        """Read a string written by :meth:`format` (long or short keys); the layout is the one
        whose first key the string starts with, unless named."""
        first = text.strip().split("|")[0].partition(":")[0]
        chosen = LAYOUTS[layout] if layout else next(
            (lay for lay in LAYOUTS.values() if first in (lay.keys[0].key, lay.keys[0].short)),
            None)
        if chosen is None:
            raise ValueError(f"not a metaeval signature (unknown first key {first!r}): {text!r}")
        keys = {name: k for k in chosen.keys for name in (k.key, k.short)}
        versions = {**{v: k for k, v in VERSION_KEYS.items()}, **{k: k for k in VERSION_KEYS}}
        values, found_versions = {}, []
        for part in text.strip().split("|"):
            name, _, raw = part.partition(":")
            if name in keys:
                values[keys[name].attr] = keys[name].read(raw)
            else:
                found_versions.append((versions.get(name, name), unescape(raw)))
        missing = [attr for attr in chosen.required if attr not in values]
        if missing:
            raise ValueError(f"not a metaeval signature (no {', '.join(missing)}): {text!r}")
        return cls(chosen, tuple(found_versions), **values)

    def to_dict(self) -> dict[str, Any]:
        """The values as JSON-ready data (metrics as records, lists, versions as a mapping)."""
        record: dict[str, Any] = {}
        for key in self.layout.keys:
            value = self.values[key.attr]
            record[key.attr] = ([asdict(m) for m in value] if key.kind == "metrics" else
                                list(value) if isinstance(value, tuple) else value)
        record["versions"] = dict(self.versions)
        return record

    @property
    def lower_is_better(self) -> list[str]:
        return [m.name for m in self.values.get("metrics", ()) if m.direction == "lower"]
