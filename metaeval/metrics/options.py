"""Metric options wherever a user names a metric: ``sar:filter_length=512:load_diag=1e-7``.

Syntax of one metric request: ``name[:preset][:field=value]...``. ``field`` is a field of the
metric's config dataclass (``metaeval metrics --show NAME`` lists them); a bare word is a preset
of the metric (e.g. ``sar:bss_eval_v3``), applied before the fields. Values are converted to the
field's type: ``true/false`` (also ``yes/no``, ``1/0``) for booleans, ``none`` for an optional
field, ``[a,b,c]`` (or ``a+b+c``) for tuples. Requests are separated by commas outside
brackets::

    >>> [r.name for r in parse_metric_list("sar:filter_length=512,sdr,mrstft:fft_sizes=[512,1024]")]
    ['sar', 'sdr', 'mrstft']
    >>> parse_metric_list("sar:bss_eval_v3:filter_length=1024")[0].options
    {'filter_length': '1024'}
    >>> parse_metric_request("tigerscore:backend=http:url=http://127.0.0.1:8000/v1").options
    {'backend': 'http', 'url': 'http://127.0.0.1:8000/v1'}

A ':' inside a value (a URL with a port) stays in the value: a token after ``field=value`` that
is neither ``field=value`` nor a preset word continues it.

The column a configured metric writes is its request text (``sar:filter_length=512``), so two
configurations of one metric in one run get distinct columns.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from metaeval.errors import MetricOptionError

TRUE, FALSE, NONE = ("true", "yes", "1", "on"), ("false", "no", "0", "off"), ("none", "null")
# a request option of every text metric, not a config field: what an empty system output
# scores for that column (metaeval.score.empty; the run's --empty-output otherwise)
EMPTY_OUTPUT, EMPTY_OUTPUTS = "empty_output", ("nan", "zero", "error")


@dataclass(frozen=True)
class MetricRequest:
    """One parsed request: registered ``name``, ``presets`` and ``options`` (text values)."""

    name: str
    presets: tuple[str, ...] = ()
    options: dict[str, str] = field(default_factory=dict)
    text: str = ""

    @property
    def column(self) -> str:
        """The output column: the request as written (without spaces)."""
        return self.text or self.name


def split_top_level(text: str, separator: str = ",", keep_empty: bool = False) -> list[str]:
    """``text`` split at ``separator`` outside ``[...]`` / ``(...)``; empty parts dropped
    unless ``keep_empty``."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if keep_empty or p.strip()]


_OPTION = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(=|$)")  # field=value, or a bare preset word


def _joined_values(tokens: list[str]) -> list[str]:
    """Tokens after a field=value that are neither field=value nor a preset word continue the
    value (a ':' inside it, e.g. url=http://127.0.0.1:8000/v1)."""
    out: list[str] = []
    for token in tokens:
        if out and "=" in out[-1] and token and not _OPTION.match(token):
            out[-1] += ":" + token
        else:
            out.append(token)
    return out


def parse_metric_request(text: str) -> MetricRequest:
    """Parse ``name[:preset][:field=value]...`` (see the module docstring)."""
    text = "".join(text.split())
    name, *tokens = split_top_level(text, ":", keep_empty=True)
    tokens = _joined_values(tokens)
    if not name or "=" in name:
        raise MetricOptionError(f"empty metric name in {text!r}. Fix: write e.g. "
                          "'sar:filter_length=512'.")
    presets, options = [], {}
    for token in tokens:
        if not token:
            raise MetricOptionError(f"metric {text!r}: empty option between ':'. Fix: write "
                                    "name:field=value[:field=value].")
        key, equals, value = token.partition("=")
        if not equals:
            presets.append(token)
        elif not key or key in options:
            raise MetricOptionError(f"metric {text!r}: option {token!r} is empty or given twice. "
                              "Fix: write each option once as field=value.")
        else:
            options[key] = value
    return MetricRequest(name, tuple(presets), options, text)


def parse_metric_list(text: str | list[str]) -> list[MetricRequest]:
    """Requests of a comma-separated list (or of a list of request texts)."""
    items = split_top_level(text) if isinstance(text, str) else list(text)
    return [parse_metric_request(item) for item in items]


def _field_types(config_class: type) -> dict[str, Any]:
    return typing.get_type_hints(config_class)


def _is_optional(kind: Any) -> tuple[bool, Any]:
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        return len(args) < len(typing.get_args(kind)), args[0] if len(args) == 1 else str
    return False, kind


def convert(value: Any, kind: Any, where: str) -> Any:
    """``value`` (text from the command line, or a Python value) as a value of type ``kind``."""
    optional, kind = _is_optional(kind)
    if not isinstance(value, str):
        if value is None and optional:
            return None
        if typing.get_origin(kind) is tuple and isinstance(value, (list, tuple)):
            return tuple(value)
        return value
    text = value.strip()
    if optional and text.lower() in NONE:
        return None
    try:
        if kind is bool:
            if text.lower() in TRUE or text.lower() in FALSE:
                return text.lower() in TRUE
            raise ValueError("expected true or false")
        if typing.get_origin(kind) is tuple:
            inner = (typing.get_args(kind) or (str,))[0]
            items = split_top_level(text.strip("[]()"), "," if "," in text else "+")
            return tuple(convert(item, inner, where) for item in items)
        if kind in (int, float, str):
            return kind(text)
    except ValueError as error:
        raise MetricOptionError(f"{where}: {value!r} is not a valid {getattr(kind, '__name__', kind)} "
                          f"({error}).") from error
    return text


def describe_fields(config_class: type) -> list[tuple[str, str, Any, str, str]]:
    """(name, type, default, doc, allowed values) of each config field, from its definition
    (``allowed`` is ``""`` when the field declares no range)."""
    hints = _field_types(config_class)
    out = []
    for f in dataclasses.fields(config_class):
        kind = hints.get(f.name, f.type)
        shown = kind.__name__ if isinstance(kind, type) else str(kind).replace("typing.", "")
        valid = f.metadata.get("valid")
        out.append((f.name, shown, f.default, f.metadata.get("doc", ""),
                    valid.describe() if valid is not None else ""))
    return out


def make_config(metric: str, config_class: type, presets: dict[str, dict[str, Any]],
                chosen: tuple[str, ...] = (), options: dict[str, Any] | None = None):
    """The config of ``metric``: defaults, then each chosen preset, then ``options``.

    Unknown presets or fields are a `MetricError` that names the valid ones.
    """
    valid = [f.name for f in dataclasses.fields(config_class)]
    values: dict[str, Any] = {}
    for preset in chosen:
        if preset not in presets:
            known = ", ".join(presets) or "none"
            raise MetricOptionError(f"metric {metric!r} has no preset {preset!r}; its presets: {known}. "
                              f"Fix: see `metaeval metrics --show {metric}`.")
        values.update(presets[preset])
    hints = _field_types(config_class)
    for key, value in (options or {}).items():
        if key not in valid:
            raise MetricOptionError(f"metric {metric!r} has no option {key!r}; its options are "
                              f"{', '.join(valid) or '(none)'}. Fix: see `metaeval metrics "
                              f"--show {metric}`.")
        values[key] = convert(value, hints[key], f"metric {metric!r}, option {key!r}")
    return config_class(**values)

