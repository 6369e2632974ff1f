"""Score a challenge set with metrics and compute its tables (ACES protocol).

Both translations of every pair are scored with every metric through the scoring runner (so
with the score cache and per-item failures): item = pair id, system ``good`` / ``bad``,
hypothesis = the translation, reference, source (image sets: image, text = the caption,
references); for LLM judges such as TIGERScore also an
instruction ("Translate the following text from <src> to <tgt>.") with the source as context.
Per metric (lower-is-better metrics oriented first): per-phenomenon tau (ties discordant),
category means, the ACES-Score, the same per language pair, percentile bootstrap CIs from one
set of draws over pairs (resampled within each phenomenon), the headline statistic (the
ACES-Score when the set has ACES categories, else the mean of the phenomenon taus), PERM-BOTH
on the same pairs between every two metrics, and WMT-style significance clusters. Phenomena
with fewer than ``min_pairs`` pairs are reported apart: they enter no category mean, headline,
test or cluster (:mod:`metaeval.challenge.settings`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metaeval.challenge.aces import ACES_SCORE, WEIGHTS
from metaeval.challenge.sets import ChallengeSet
from metaeval.challenge.settings import MIN_PAIRS, RESAMPLING, ChallengeSettings, challenge_keys
from metaeval.challenge.spans import span_f1
from metaeval.challenge.tables import CHANCE_NOTE, apart, headline_weights, summary_rows
from metaeval.correlation.settings import Settings, draw_options
from metaeval.correlation.signature import settings_keys
from metaeval.data.judgements import frame_hash
from metaeval.metrics.options import parse_metric_list
from metaeval.provenance import Key, Layout, MetricEntry, Signature, register_layout
from metaeval.score.runner import failure_summary, resolve_metrics, score_items
from metaeval.spec import check_value
from metaeval.stats.clusters import significance_clusters
from metaeval.stats.contrastive import outcomes, pair_permutation
from metaeval.stats.resampling import tail_warning
from metaeval.version import package_versions

LANGUAGES = {"en": "English", "de": "German", "fr": "French", "zh": "Chinese", "ja": "Japanese",
             "ru": "Russian", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "nl": "Dutch",
             "cs": "Czech", "pl": "Polish", "hi": "Hindi", "mr": "Marathi", "el": "Greek",
             "vi": "Vietnamese", "sw": "Swahili", "ur": "Urdu", "ko": "Korean", "tr": "Turkish"}
RESULT_COLUMNS = ["metric", "langpair", "phenomenon", "category", "statistic", "ci_low", "ci_high", "n",
                  "note"]


@dataclass
class ChallengeResult:
    """Everything the challenge reports show (see the module docstring)."""

    challenge: ChallengeSet
    metrics: dict[str, str]  # column -> "higher" / "lower"
    good: pd.DataFrame  # pair id x metric
    bad: pd.DataFrame
    table: pd.DataFrame  # RESULT_COLUMNS
    ranking: pd.DataFrame  # metric, statistic, ci_low, ci_high, cluster
    pairwise: pd.DataFrame  # metric_a, metric_b, delta, pvalue
    headline: str
    settings: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)  # (pair id, side) -> {metric: details}
    configs: dict = field(default_factory=dict)  # metric column -> config signature
    notes: list = field(default_factory=list)
    signature: Signature | None = None
    spans: pd.DataFrame | None = None  # metric, span_f1, n (SPAN-ACES sets with error spans)


# the challenge signature: the set (name@content hash), the oriented metrics, and the settings
# shared with correlate runs (their keys from Settings' one definition)
LAYOUT = register_layout(Layout("challenge", (
    Key("challenge_set", "set", "cs"), Key("metrics", "metrics", "m", "metrics", default=()),
    *settings_keys("k", "seed", "ci", "alpha").values(), *challenge_keys()),
    required=("challenge_set",)))


def instruction(langpair: str) -> str:
    """The TIGERScore-style task instruction of a language pair (``en-de``)."""
    source, _, target = str(langpair).partition("-")
    return (f"Translate the following text from {LANGUAGES.get(source, source)} to "
            f"{LANGUAGES.get(target, target)}.")


def image_pair_rows(challenge: ChallengeSet) -> pd.DataFrame:
    """The rows to score of an image set: both captions of every pair against its image."""
    p = challenge.pairs
    parts = [pd.DataFrame({"item": p["id"], "system": side, "image": p["image"],
                           "text": p[side], "references": p["references"]})
             for side in ("good", "bad")]
    return pd.concat(parts).sort_index(kind="stable").reset_index(drop=True)


def pair_rows(challenge: ChallengeSet) -> pd.DataFrame:
    """The rows to score: both translations of every pair, side by side (a batch then holds
    both sides of its pairs, whose reference statistics sacrebleu-style metrics share)."""
    if challenge.domain == "image":
        return image_pair_rows(challenge)
    p = challenge.pairs
    parts = []
    for side, column in (("good", "good"), ("bad", "bad")):
        part = pd.DataFrame({"item": p["id"], "system": side, "hypothesis": p[column],
                             "source": p["source"], "context": p["source"],
                             "instruction": p["langpair"].map(instruction)})
        part["reference"] = [(r,) if r.strip() else None for r in p["reference"]]
        parts.append(part)
    return pd.concat(parts).sort_index(kind="stable").reset_index(drop=True)


def _side(frame: pd.DataFrame, side: str, ids, columns) -> pd.DataFrame:
    part = frame[frame["system"] == side].set_index("item")
    return part.loc[ids, columns].reset_index(drop=True)


def _details(frame: pd.DataFrame) -> dict:
    if "details" not in frame.columns:
        return {}
    return {(i, s): json.loads(d) for i, s, d in zip(frame["item"], frame["system"],
                                                      frame["details"]) if d}


def check_options(k: int = 1000, seed: int = 0, ci: float = 0.95, alpha: float = 0.05) -> dict:
    """``k``, ``seed``, ``ci`` and ``alpha`` of a challenge run, checked and coerced by the one
    definition of these settings (:class:`~metaeval.correlation.settings.Settings`) before
    anything is read or scored; a challenge needs k >= 1 draws (its intervals and tests)."""
    options = draw_options(k, seed, ci, "a challenge's intervals and PERM-BOTH tests")
    return {**options, "alpha": check_value(Settings, "alpha", alpha)}


def evaluate(challenge: ChallengeSet, metrics, k: int = 1000, seed: int = 0, ci: float = 0.95,
             alpha: float = 0.05, cache_dir=None, progress=None,
             device: str = "cpu", min_pairs: int = MIN_PAIRS) -> ChallengeResult:
    """Score ``challenge`` with ``metrics`` (requests) and compute every table. ``k``, ``seed``,
    ``ci`` and ``alpha`` are checked as :class:`~metaeval.correlation.settings.Settings` checks
    them, ``min_pairs`` as :class:`~metaeval.challenge.settings.ChallengeSettings`, before
    anything is scored."""
    options = check_options(k, seed, ci, alpha)
    k, seed, ci, alpha = options["k"], options["seed"], options["ci"], options["alpha"]
    min_pairs = ChallengeSettings(min_pairs=min_pairs).min_pairs
    requests = [r.text for r in parse_metric_list(metrics)] if isinstance(metrics, str) else metrics
    chosen = resolve_metrics(requests, device, challenge.domain)
    frame = score_items(pair_rows(challenge), chosen, device=device, cache_dir=cache_dir,
                        progress=progress, batch_size=32)
    columns = [m.column for m in chosen]
    ids = list(challenge.pairs["id"])
    good, bad = _side(frame, "good", ids, columns), _side(frame, "bad", ids, columns)
    signs = np.array([1.0 if m.higher_is_better else -1.0 for m in chosen])[:, None]
    outcome = outcomes(signs * good.to_numpy().T, signs * bad.to_numpy().T)  # (M, P)
    table, headline, ranking, pairwise = challenge_statistics(
        challenge.pairs, columns, outcome, k=k, seed=seed, ci=ci, alpha=alpha,
        min_pairs=min_pairs)
    notes = [CHANCE_NOTE] + [w for w in [tail_warning(k, ci), apart_line(challenge.pairs,
                                                                         min_pairs)] if w]
    failed = int(frame["errors"].astype(bool).sum())
    if failed:
        sides = "captions" if challenge.domain == "image" else "translations"
        notes.append(f"{failed} of {len(frame)} {sides} have a missing score for some metric "
                     "(their pairs are left out of that metric's taus): "
                     + "; ".join(failure_summary(frame)))
    details = _details(frame)
    signature = Signature(
        LAYOUT, package_versions(),
        challenge_set=f"{challenge.name}@{frame_hash(challenge.pairs)}",
        metrics=tuple(MetricEntry(m.column, "higher" if m.higher_is_better else "lower",
                                  m.signature) for m in chosen),
        k=k, seed=seed, ci=ci, alpha=alpha, min_pairs=min_pairs)
    return ChallengeResult(
        challenge=challenge, metrics={m.column: "higher" if m.higher_is_better else "lower"
                                      for m in chosen},
        good=good.assign(id=ids), bad=bad.assign(id=ids), table=table, ranking=ranking,
        pairwise=pairwise, headline=headline, details=details, notes=notes,
        settings={"k": k, "seed": seed, "ci": ci, "alpha": alpha, "min_pairs": min_pairs,
                  "resampling": RESAMPLING, "pairs": len(ids)},
        configs={m.column: m.signature for m in chosen}, signature=signature,
        spans=span_table(challenge, columns, details))


def span_table(challenge: ChallengeSet, columns: list[str], details: dict) -> pd.DataFrame | None:
    """Span-F1 of every metric whose details hold error locations (TIGERScore's analyses of
    the incorrect translation) against the ``<v>`` spans of a SPAN-ACES set; None otherwise."""
    if not challenge.has_spans:
        return None
    rows = []
    pairs = challenge.pairs.dropna(subset=["annotated"])
    for column in columns:
        found = [(details.get((i, "bad"), {}).get(column), a)
                 for i, a in zip(pairs["id"], pairs["annotated"])]
        found = [(d, a) for d, a in found if isinstance(d, dict) and "errors" in d
                 and "error" not in d]
        if found:
            predicted = [[e.get("location", "") for e in d["errors"]] for d, _ in found]
            rows.append({"metric": column, "span_f1": span_f1(predicted, [a for _, a in found]),
                         "n": len(found)})
    return pd.DataFrame(rows, columns=["metric", "span_f1", "n"]) if rows else None


def apart_line(pairs: pd.DataFrame, min_pairs: int) -> str:
    """The note naming the phenomena reported apart (fewer than ``min_pairs`` pairs)."""
    small = apart(pairs, min_pairs)
    if not small:
        return ""
    return (f"{len(small)} phenomen{'on has' if len(small) == 1 else 'a have'} fewer than "
            f"min_pairs = {min_pairs} pairs and {'is' if len(small) == 1 else 'are'} reported "
            "apart, outside the category means, the headline, its tests and clusters: "
            + "; ".join(f"{p} ({n})" for p, n in small.items()) + ".")


def challenge_statistics(pairs: pd.DataFrame, columns: list[str], outcome: np.ndarray, *,
                         k: int, seed: int, ci: float, alpha: float, min_pairs: int):
    """(results table, headline name, ranking, pairwise tests) from the (metrics x pairs)
    ``outcome`` matrix (+1 good preferred, -1 not, NaN missing) of ``pairs`` (phenomenon,
    category, langpair columns)."""
    table = summary_rows(pairs, columns, outcome, k, seed, ci, min_pairs)
    headline = ACES_SCORE if pairs["category"].isin(list(WEIGHTS)).any() else "mean tau"
    ranking, pairwise = _ranking(pairs, columns, outcome, table, headline, k, seed, alpha,
                                 min_pairs)
    return table, headline, ranking, pairwise


def _ranking(pairs, columns, outcome, table, headline, k, seed, alpha, min_pairs):
    """Headline statistic per metric with its CI, PERM-BOTH between metrics on the same pairs
    and weights (phenomena of at least ``min_pairs`` pairs), clusters."""
    rows = table[(table["langpair"] == "") & (table["phenomenon"] == "")]
    name = ACES_SCORE if headline == ACES_SCORE else "mean tau"
    head = rows[rows["category"] == name].set_index("metric").reindex(columns)
    groups, weights = headline_weights(pairs, headline, min_pairs)
    n = len(columns)
    p = np.full((n, n), np.nan)
    delta = np.full((n, n), np.nan)
    for a in range(n):
        for b in range(n):
            if a != b:
                p[a, b], delta[a, b] = pair_permutation(outcome[a], outcome[b], groups, weights,
                                                        k=k, seed=seed + 1)
    clusters = significance_clusters(head["statistic"].to_numpy(float), p, alpha=alpha)
    ranking = pd.DataFrame({"metric": columns, "statistic": head["statistic"].to_numpy(),
                            "ci_low": head["ci_low"].to_numpy(),
                            "ci_high": head["ci_high"].to_numpy(), "cluster": clusters})
    pairwise = pd.DataFrame([{"metric_a": columns[a], "metric_b": columns[b],
                              "delta": delta[a, b], "pvalue": p[a, b]}
                             for a in range(n) for b in range(n) if a != b])
    return ranking.sort_values("statistic", ascending=False, ignore_index=True), pairwise
