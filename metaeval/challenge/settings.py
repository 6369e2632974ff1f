"""Settings of a challenge-set evaluation that correlate runs do not have, each defined once
(:func:`metaeval.spec.setting`: Python keyword of :func:`metaeval.challenge.evaluate`, the
``metaeval challenge`` option, validation and signature key). ``k``, ``seed``, ``ci`` and
``alpha`` are the correlate settings of the same names.

A phenomenon with fewer than ``min_pairs`` pairs gets its own tau in every report, listed apart,
but enters neither the category means, the ACES-Score nor the mean tau, nor the PERM-BOTH tests
and clusters of the headline: with one pair a phenomenon's tau is +1 or -1 and its bootstrap
draws are all equal (no variance), yet with the weight of a whole phenomenon it could decide
the ranking. ``RESAMPLING`` names the scheme the intervals and the tests share (recorded in the
signature): pairs are resampled with replacement within each phenomenon (a stratified
bootstrap: the phenomenon sizes stay fixed) and PERM-BOTH swaps the two metrics' outcomes pair
by pair, each pair in its phenomenon, on the same pairs and weights.
"""

from __future__ import annotations

from dataclasses import dataclass

from metaeval.provenance import Key
from metaeval.spec import CheckedSettings, setting, spec_fields

MIN_PAIRS = 10
RESAMPLING = "pairs-within-phenomena"


def _at_least_one(value: int) -> str | None:
    return None if value >= 1 else "must be a number of pairs (1 or more, e.g. 10)."


@dataclass(frozen=True, kw_only=True)
class ChallengeSettings(CheckedSettings):
    """The challenge-only settings (see the module docstring)."""

    min_pairs: int = setting(
        MIN_PAIRS, "Fewest pairs a phenomenon needs to enter the category means, the headline "
        "(ACES-Score or mean tau) and its tests; smaller phenomena are reported apart (1: all "
        "enter).", key="min-pairs", short="mp", kind="int", check=_at_least_one)


def challenge_keys() -> tuple[Key, ...]:
    """Signature keys: the challenge settings, then the resampling scheme."""
    keys = [Key(f.name, spec.key, spec.short, spec.kind, f.default, spec.omit)
            for f, spec in spec_fields(ChallengeSettings)]
    return (*keys, Key("resampling", "resample", "r", default=RESAMPLING))
