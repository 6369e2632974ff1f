"""A real `CorrelationResult` for the report tests, built from the GSVS listening test.

Data: ``gensvs_eval/gensvs_eval_data.csv`` (Bereuter et al., WASPAA 2025; MIT). item = file_id,
system = model_name, human = DMOS, group = model_type. Values are computed here, independently of
the orchestrator: scipy.stats Pearson/Spearman per group and pooled (one point per trial, level
``none``), numpy percentile bootstrap CIs over trials, PERM-BOTH pairwise tests (Deutsch et al.
2021, p = (c+1)/(k+1)) and greedy WMT clusters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from metaeval.correlation.result import PAIRWISE_COLUMNS, POOLED, TABLE_COLUMNS, CorrelationResult
from metaeval.data.judgements import DatasetInfo
from metaeval.provenance import MetricEntry, Signature

METRICS = ["sisdr", "sdr", "visqol", "singmos", "xls_r_sqa", "multi_res_loss",
           "emb_mse_mert_df", "fad_song2song_clap_audio_df"]
LOWER_IS_BETTER = ["multi_res_loss", "emb_mse_mert_df", "fad_song2song_clap_audio_df"]
COEFFICIENTS = ["spearman", "pearson"]
K = 200
SEED = 7
ALPHA = 0.05


def _coef(name: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson or Spearman along the last axis (no NaN in this data)."""
    if name == "spearman":
        x, y = stats.rankdata(x, axis=-1), stats.rankdata(y, axis=-1)
    x = x - x.mean(axis=-1, keepdims=True)
    y = y - y.mean(axis=-1, keepdims=True)
    return (x * y).sum(-1) / np.sqrt((x * x).sum(-1) * (y * y).sum(-1))


def _scipy(name: str, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    r = stats.spearmanr(x, y) if name == "spearman" else stats.pearsonr(x, y)
    return float(r.statistic), float(r.pvalue)


def _perm_both(name: str, h: np.ndarray, a: np.ndarray, b: np.ndarray,
               rng: np.random.Generator) -> float:
    """One-sided p that metric a correlates better than b: swap z-scored cells with p = 0.5."""
    za, zb = stats.zscore(a), stats.zscore(b)
    observed = _coef(name, a, h) - _coef(name, b, h)
    swap = rng.random((K, len(h))) < 0.5
    pa, pb = np.where(swap, zb, za), np.where(swap, za, zb)
    deltas = _coef(name, pa, h) - _coef(name, pb, h)
    return float((np.sum(deltas >= observed) + 1) / (K + 1))


def _clusters(values: dict[str, float], p: dict[tuple[str, str], float]) -> dict[str, int]:
    """Greedy WMT clusters: a new cluster starts at the first metric worse than the cluster best."""
    order = sorted(values, key=lambda m: -values[m])
    clusters, current, best = {}, 1, order[0]
    for metric in order:
        if metric != best and p[(best, metric)] < ALPHA:
            current, best = current + 1, metric
        clusters[metric] = current
    return clusters


def build_gensvs_result(data_csv) -> CorrelationResult:
    frame = pd.read_csv(data_csv)
    points = pd.DataFrame({"item": frame["file_id"], "system": frame["model_name"],
                           "group": frame["model_type"], "DMOS": frame["DMOS"]})
    for metric in METRICS:
        sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
        points[metric] = sign * frame[metric].to_numpy(float)
    rng = np.random.default_rng(SEED)
    groups = sorted(points["group"].unique()) + [POOLED]
    rows, pair_rows = [], []
    for group in groups:
        cells = points if group == POOLED else points[points["group"] == group]
        h = cells["DMOS"].to_numpy(float)
        n = len(h)
        draws = rng.integers(0, n, size=(K, n))
        for coef in COEFFICIENTS:
            values, p_pair = {}, {}
            for metric in METRICS:
                m = cells[metric].to_numpy(float)
                value, pvalue = _scipy(coef, m, h)
                boot = _coef(coef, m[draws], h[draws])
                lo, hi = np.percentile(boot, [2.5, 97.5])
                values[metric] = value
                rows.append({"metric": metric, "group": group, "level": "none",
                             "coefficient": coef, "statistic": value, "ci_low": lo, "ci_high": hi,
                             "pvalue": pvalue, "cluster": 0, "n": n, "chance_low": np.nan,
                             "chance_high": np.nan, "epsilon": np.nan})
            for a in METRICS:
                for b in METRICS:
                    if a == b:
                        continue
                    p = _perm_both(coef, h, cells[a].to_numpy(float), cells[b].to_numpy(float), rng)
                    p_pair[(a, b)] = p
                    pair_rows.append({"group": group, "level": "none", "coefficient": coef,
                                      "metric_a": a, "metric_b": b,
                                      "delta": values[a] - values[b], "pvalue": p,
                                      "p_holm": min(1.0, p * 56), "p_bh": p,
                                      "test": "perm-both"})
            for metric, cluster in _clusters(values, p_pair).items():
                for row in rows:
                    if (row["metric"], row["group"], row["coefficient"]) == (metric, group, coef):
                        row["cluster"] = cluster
    settings = {
        "levels": ["none"], "coefficients": COEFFICIENTS, "primary_coefficient": "spearman",
        "group_by": "model_type", "k": K, "seed": SEED, "ci": 0.95, "ci_method": "percentile",
        "resample": "items", "alpha": ALPHA, "permutation": "perm-both",
        "lower_is_better": LOWER_IS_BETTER, "missing": "error", "n_items": 50, "n_systems": 5,
        "n_cells": len(points), "metaeval_version": "0.1.0",
    }
    info = DatasetInfo(
        name="gensvs_eval", title="Generative singing-voice separation DCR listening test",
        citation="Bereuter, Stahl, Plumbley, Sontacchi. Towards Reliable Objective Evaluation "
                 "Metrics for Generative Singing Voice Separation Models. WASPAA 2025. "
                 "https://arxiv.org/abs/2507.11427",
        licence="MIT", url="https://github.com/pablebe/gensvs_eval", source=str(data_csv))
    return CorrelationResult(
        table=pd.DataFrame(rows, columns=TABLE_COLUMNS),
        pairwise=pd.DataFrame(pair_rows, columns=PAIRWISE_COLUMNS),
        points=points, settings=settings,
        signature=Signature(data="test@000000000000", human="DMOS",
                            metrics=tuple(MetricEntry(m, "lower" if m in LOWER_IS_BETTER
                                                      else "higher") for m in METRICS),
                            coefficients=tuple(COEFFICIENTS), group_by="model_type", k=K,
                            seed=SEED, alpha=ALPHA, versions=(("metaeval", "0.1.0"),)),
        dataset=info, human="DMOS",
        metrics={m: ("lower" if m in LOWER_IS_BETTER else "higher") for m in METRICS},
        group_column="model_type",
        notes=["fixture warning: <b>not bold</b> & escaped"],
    )


@pytest.fixture(scope="session")
def gensvs_result(datasets_dir) -> CorrelationResult:
    path = datasets_dir / "gensvs_eval" / "gensvs_eval_data.csv"
    if not path.exists():
        pytest.skip(f"GSVS data absent at {path}")
    return build_gensvs_result(path)


@pytest.fixture(scope="session")
def gensvs_report(gensvs_result, tmp_path_factory):
    """All four reports of the GSVS result, written once per session: {format: Path}."""
    from metaeval.report import write_reports

    return write_reports(gensvs_result, tmp_path_factory.mktemp("report") / "out")


def many_metrics_result(n_metrics: int) -> CorrelationResult:
    """`correlate` on the bundled GSVS study (24 metrics, the card's display names) plus
    noisy copies of its metrics up to ``n_metrics``, long column names and no display name."""
    from dataclasses import replace

    from metaeval import correlate
    from metaeval.data.gensvs import load_gensvs

    js = load_gensvs()
    rng = np.random.default_rng(1)
    names, table, metrics = list(js.metrics), js.table.copy(), dict(js.metrics)
    for i in range(n_metrics - len(names)):
        base = names[i % len(names)]
        column = f"{base}_variant_{i}"
        table[column] = table[base] + rng.normal(0, table[base].std() * 0.5, len(table))
        metrics[column] = replace(metrics[base], name=column, label="")
    js.table, js.metrics = table, metrics
    return correlate(js, group_by="model_type", k=20, seed=0, ceiling_k=5)


@pytest.fixture(scope="session")
def gsvs24() -> CorrelationResult:
    """The bundled study through `correlate`: 24 metrics with display names, chance, ceiling."""
    return many_metrics_result(24)


@pytest.fixture(scope="session")
def gsvs40() -> CorrelationResult:
    return many_metrics_result(40)


# 24 sacrebleu configurations: long, wrapping metric names in the challenge report tests
CHALLENGE_METRICS = ([f"chrf:char_order={n}:word_order={w}" for n in range(1, 7) for w in (0, 1, 2)]
                     + [f"bleu:max_ngram_order={n}" for n in range(1, 5)] + ["ter", "rouge"])


@pytest.fixture(scope="session")
def challenge_results(tmp_path_factory):
    """The registered TED MQM pairs (every fourth pair: phenomena from 1 to 148 pairs) evaluated
    with 8 and with 24 metrics: {8: ChallengeResult, 24: ChallengeResult}."""
    from dataclasses import replace

    from metaeval.challenge import evaluate, read_challenge_set

    challenge = read_challenge_set("ted-mqm-pairs")
    challenge = replace(challenge, pairs=challenge.pairs.iloc[::4].reset_index(drop=True))
    cache = tmp_path_factory.mktemp("challenge-cache")
    return {n: evaluate(challenge, ",".join(CHALLENGE_METRICS[-n:]), k=100, seed=0,
                        cache_dir=cache) for n in (8, 24)}
