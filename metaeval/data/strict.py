"""YAML and JSON that name a key twice are errors, not "the last one wins".

Both parsers keep the last value of a repeated key without a word: a dataset card naming
``human`` twice, or an ACES ``{id: record}`` file with one id twice (one pair silently gone).
:func:`load_yaml` and :func:`load_json` refuse it with one line naming the file, the key and the
lines of both occurrences (JSON: the first two occurrences of the key inside that object).
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import re
from pathlib import Path

import yaml

from metaeval.errors import DataError, located

FIX = "give every key once (a repeated key would silently replace the earlier value)."


class _Repeated(Exception):
    def __init__(self, key, first: int, second: int, outer: bool = False):
        super().__init__(key)
        self.key, self.first, self.second, self.outer = key, first, second, outer


def _error(path: str | Path, repeated: _Repeated, what: str) -> DataError:
    return DataError(located(f"the {what} {repeated.key!r} is given twice (lines "
                             f"{repeated.first} and {repeated.second})", file=str(path),
                             row=repeated.second, fix=FIX))


class _StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a mapping naming a key twice."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node.start_mark.line + 1)
                except TypeError:  # an unhashable key: the base class says so
                    break
                if first != key_node.start_mark.line + 1:
                    raise _Repeated(key, first, key_node.start_mark.line + 1)
        return super().construct_mapping(node, deep)


def load_yaml(text: str, path: str | Path):
    """``text`` (the content of ``path``) as YAML; a repeated key is a `DataError`;
    `yaml.YAMLError` for bad syntax (the caller words it)."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)
    except _Repeated as repeated:
        raise _error(path, repeated, "key") from None


def _first_repeat(pairs: list) -> object | None:
    seen: set = set()
    for key, _ in pairs:
        if key in seen:
            return key
        seen.add(key)
    return None


def _check_pairs(pairs: list) -> dict:
    if _first_repeat(pairs) is not None:
        raise _Repeated(_first_repeat(pairs), 0, 0)
    return dict(pairs)


def _locate(text: str) -> _Repeated:
    """The repeated key and its lines, by a second, position-aware parse (pure Python)."""
    decoder = json.JSONDecoder()

    def parse_object(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None):
        text_, start = s_and_end
        pairs, end = json.decoder.JSONObject(s_and_end, strict, scan_once, None, list, memo)
        key = _first_repeat(pairs)
        if key is not None:
            marks = [m.start() for m in re.finditer(re.escape(json.dumps(key)) + r"\s*:",
                                                    text_[start - 1:end])][:2]
            lines = [text_.count("\n", 0, start - 1 + m) + 1 for m in marks] + [0, 0]
            raise _Repeated(key, lines[0], lines[1], outer=not text_[:start - 1].strip())
        return dict(pairs), end

    decoder.parse_object = parse_object
    decoder.scan_once = json.scanner.py_make_scanner(decoder)
    try:
        decoder.decode(text)
    except _Repeated as repeated:
        return repeated
    raise AssertionError("no repeated key found on the second parse")


def load_json(text: str, path: str | Path, outer: str = "key"):
    """``text`` (the content of ``path``) as JSON; a repeated key in any object is a
    `DataError` naming it and both lines (``outer``: what a key of the outermost object is,
    e.g. ``id`` for ACES' ``{id: record}``); `json.JSONDecodeError` for bad syntax."""
    try:
        return json.loads(text, object_pairs_hook=_check_pairs)
    except _Repeated:
        repeated = _locate(text)
        raise _error(path, repeated, outer if repeated.outer else "key") from None
