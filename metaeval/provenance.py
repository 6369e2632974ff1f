"""`Signature`: the provenance of every number in a correlation result (after sacrebleu's).

One frozen object holds everything that changes the numbers: the data (name and content hash),
the human score column and how it was derived (e.g. the MQM weights), the *oriented* metric list (each metric's name, direction and, where
``metaeval score`` computed it, its config signature), the coefficients, levels, grouping,
resampling, CI, k, seed, significance tests, alpha, minimum points, chance baseline, the noise
ceiling (its splits and a hash of the individual ratings), the missing-value policy, the power
curves' settings where they were computed (``power``) and the package versions. The printed string, the JSON settings and the LaTeX comment are all derived
from it, and :meth:`Signature.parse` reads the string back::

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
from dataclasses import asdict, dataclass, field, fields
from typing import Any

RESERVED = "%|,{}\n\r\t"
# (attribute, long key, short key)
FIELDS = (
    ("data", "data", "d"), ("human", "human", "h"), ("human_definition", "human-def", "hd"),
    ("metrics", "metrics", "m"),
    ("coefficients", "coef", "c"), ("levels", "level", "l"), ("group_by", "group", "g"),
    ("pooled", "pooled", "p"), ("resample", "resample", "r"), ("ci", "ci", "ci"),
    ("ci_method", "ci-method", "cim"), ("k", "k", "k"), ("seed", "seed", "s"),
    ("significance", "significance", "sig"), ("alpha", "alpha", "a"),
    ("min_points", "min-points", "min"), ("chance", "chance", "ch"),
    ("ceiling", "ceiling", "nc"), ("missing", "missing", "miss"), ("average", "average", "avg"),
    ("tiecal_sample", "tiecal-sample", "tcs"), ("stability", "stability", "st"),
    ("keep_draws", "keep-draws", "kd"), ("meta", "meta", "ma"), ("meta_by", "meta-by", "mb"),
    ("sets", "sets", "ss"), ("power", "power", "pw"),
)
# fields written only when they differ from their default (older signatures stay as they were)
OPTIONAL_FIELDS = {"average": "mean", "tiecal_sample": 1.0, "stability": False,
                   "keep_draws": False, "meta": "off", "meta_by": None, "sets": (), "power": ""}
VERSION_KEYS = {"metaeval": "v", "numpy": "np", "scipy": "sp", "pandas": "pd"}
LISTS = ("coefficients", "levels", "sets")
FLAGS = ("pooled", "chance", "stability", "keep_draws")
INTEGERS = ("k", "seed", "min_points")
FLOATS = ("ci", "alpha", "tiecal_sample")


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
class Signature:
    """Everything that determines the numbers of a result; see the module docstring.

    ``ceiling`` is ``off`` (not computed), ``none`` (no individual ratings known) or
    ``<splits>@<ratings hash>``; ``versions`` pairs package names with their versions.
    ``stability`` / ``keep_draws``: the run also has a ranking-stability record / stored
    bootstrap draws; ``meta``: the tau^2 method of a meta-analysis in the result (``dl``,
    ``reml``) or ``off``; ``meta_by``: the column whose values are its test sets (one study);
    ``sets``: ``name@datahash`` of each judgement set of a multi-set run.
    """

    data: str
    human: str
    human_definition: str = ""
    metrics: tuple[MetricEntry, ...] = ()
    coefficients: tuple[str, ...] = ("spearman", "pearson")
    levels: tuple[str, ...] = ("none",)
    group_by: str | None = None
    pooled: bool = True
    resample: str = "items"
    ci: float = 0.95
    ci_method: str = "percentile"
    k: int = 1000
    seed: int = 0
    significance: str = "primary"
    alpha: float = 0.05
    min_points: int = 3
    chance: bool = True
    ceiling: str = "off"
    missing: str = "error"
    tiecal_sample: float = 1.0
    versions: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    average: str = "mean"
    stability: bool = False
    keep_draws: bool = False
    meta: str = "off"
    meta_by: str | None = None
    sets: tuple[str, ...] = ()
    power: str = ""  # the power section's settings (correlate --power); "" when not computed

    def _value(self, attribute: str) -> str:
        value = getattr(self, attribute)
        if attribute == "metrics":
            return ",".join(m.format() for m in value)
        if attribute in LISTS:
            return ",".join(escape(v) for v in value)
        if attribute in FLAGS:
            return "yes" if value else "no"
        if attribute in FLOATS:
            return f"{value:g}"
        if attribute == "group_by":
            return "none" if value is None else ("%6Eone" if value == "none" else escape(value))
        return escape(str(value))

    def format(self, short: bool = False) -> str:
        """``key:value|key:value|...``; ``short`` uses one- to four-letter keys."""
        parts = [f"{short_key if short else key}:{self._value(attr)}"
                 for attr, key, short_key in FIELDS
                 if OPTIONAL_FIELDS.get(attr, object()) != getattr(self, attr)]
        parts += [f"{VERSION_KEYS.get(name, name) if short else name}:{escape(version)}"
                  for name, version in self.versions]
        return "|".join(parts)

    def __str__(self) -> str:
        return self.format()

    @classmethod
    def parse(cls, text: str) -> Signature:
        """Read a string written by :meth:`format` (long or short keys)."""
        keys = {k: attr for attr, long_key, short_key in FIELDS for k in (long_key, short_key)}
        versions = {**{v: k for k, v in VERSION_KEYS.items()}, **{k: k for k in VERSION_KEYS}}
        values: dict[str, Any] = {}
        found_versions = []
        for part in text.strip().split("|"):
            key, _, raw = part.partition(":")
            if key in keys:
                values[keys[key]] = _decode(keys[key], raw)
            else:
                found_versions.append((versions.get(key, key), unescape(raw)))
        missing = [f.name for f in fields(cls) if f.name in ("data", "human")
                   and f.name not in values]
        if missing:
            raise ValueError(f"not a metaeval signature (no {', '.join(missing)}): {text!r}")
        return cls(**values, versions=tuple(found_versions))

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON-ready values (metrics as records, versions as a mapping)."""
        record = asdict(self)
        record["metrics"] = [asdict(m) for m in self.metrics]
        record["coefficients"], record["levels"] = list(self.coefficients), list(self.levels)
        record["sets"] = list(self.sets)
        record["versions"] = dict(self.versions)
        return record

    @property
    def lower_is_better(self) -> list[str]:
        return [m.name for m in self.metrics if m.direction == "lower"]


def _decode(attribute: str, raw: str) -> Any:
    if attribute == "metrics":
        return tuple(MetricEntry.parse(p) for p in raw.split(",") if p)
    if attribute in LISTS:
        return tuple(unescape(p) for p in raw.split(",") if p)
    if attribute in FLAGS:
        return raw == "yes"
    if attribute in INTEGERS:
        return int(raw)
    if attribute in FLOATS:
        return float(raw)
    if attribute == "group_by":
        return None if raw == "none" else unescape(raw)
    return unescape(raw)


CHALLENGE_FIELDS = (("challenge_set", "set", "cs"), ("metrics", "metrics", "m"), ("k", "k", "k"),
                    ("seed", "seed", "s"), ("ci", "ci", "ci"), ("alpha", "alpha", "a"))


@dataclass(frozen=True)
class ChallengeSignature:
    """What determines the numbers of a challenge-set evaluation: the set (name and content
    hash), the oriented metrics with their config signatures, k, seed, CI level, alpha and the
    package versions. Same syntax and escaping as :class:`Signature`::

        >>> ChallengeSignature("ted-mqm-pairs@0123456789ab", (MetricEntry("chrf"),)).format(True)
        'cs:ted-mqm-pairs@0123456789ab|m:chrf|k:1000|s:0|ci:0.95|a:0.05'
    """

    challenge_set: str
    metrics: tuple[MetricEntry, ...] = ()
    k: int = 1000
    seed: int = 0
    ci: float = 0.95
    alpha: float = 0.05
    versions: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def format(self, short: bool = False) -> str:
        """``key:value|...``; ``short`` uses the short keys."""
        values = {"challenge_set": escape(self.challenge_set),
                  "metrics": ",".join(m.format() for m in self.metrics),
                  "k": str(self.k), "seed": str(self.seed), "ci": f"{self.ci:g}",
                  "alpha": f"{self.alpha:g}"}
        parts = [f"{s if short else key}:{values[attr]}" for attr, key, s in CHALLENGE_FIELDS]
        parts += [f"{VERSION_KEYS.get(name, name) if short else name}:{escape(version)}"
                  for name, version in self.versions]
        return "|".join(parts)

    def __str__(self) -> str:
        return self.format()

    def to_dict(self) -> dict[str, Any]:
        record = asdict(self)
        record["metrics"] = [asdict(m) for m in self.metrics]
        record["versions"] = dict(self.versions)
        return record
