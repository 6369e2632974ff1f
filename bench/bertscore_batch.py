"""Throughput of BERTScore (MiniLM) by ``batch_size`` and by items per call, on TED en-de.

Usage: ``.venv/bin/python bench/bertscore_batch.py [--segments 30] [--runs 2]
[--sizes 4,8,16,32,64,128,256] [--small-sizes 4,8,16,32] [--calls 64,2048]``. Data: the TED en-de MQM hypotheses with
their human reference (``$METAEVAL_DATA_DIR/wmt_mqm_ted/ende``), the first ``--segments``
segments x 13 systems in item-major order, as ``correlate --domain mt`` scores them: the pairs
go to ``metric.score`` in calls of ``--calls`` items (the runner's batch; ``--small-sizes``
for the calls smaller than the data, where a large batch_size mostly runs filler rows). For
every (batch_size, call size) the runs are interleaved and the best is kept; pairs/s of wall time and
of process CPU time are printed (the CPU time is less sensitive to other processes on a shared
machine), with bert-score's own ``BERTScorer.score`` at batch 64 as reference, and the largest
difference of each configuration from batch_size 16 (values agree within 1e-6; batch_size sets
the shapes of the forward passes, so it is part of the signature).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metaeval.data.datasets import resolve  # noqa: E402
from metaeval.data.wmt_mqm import text_frame  # noqa: E402
from metaeval.metrics import Batch, get_metric  # noqa: E402


def pairs_of(segments: int) -> tuple[list[str], list[str]]:
    frame = text_frame(resolve("wmt_mqm_ted") / "ende")
    frame = frame[frame["item"].astype(int) <= segments].sort_values("item", kind="stable")
    return list(frame["hypothesis"]), [refs[0] for refs in frame["reference"]]


def timed(run) -> tuple[float, float, np.ndarray]:
    wall, cpu = time.perf_counter(), time.process_time()
    values = run()
    return time.perf_counter() - wall, time.process_time() - cpu, values


def ours(hyps, refs, batch_size: int, call: int):
    metric = get_metric(f"bertscore:model=minilm:batch_size={batch_size}")

    def run():
        out = []
        for start in range(0, len(hyps), call):
            h, r = hyps[start:start + call], refs[start:start + call]
            out.append(metric.score(Batch([str(i) for i in range(len(h))],
                                          {"hypothesis": h, "reference": [[x] for x in r]})))
        return np.concatenate(out)
    return run


def theirs(hyps, refs):
    from bert_score import BERTScorer

    from metaeval.metrics.text.bertscore import minilm_path

    scorer = BERTScorer(model_type=str(minilm_path()), num_layers=6)
    return lambda: scorer.score(hyps, refs, batch_size=64)[2].double().numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--segments", type=int, default=30)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--sizes", default="4,8,16,32,64,128,256")
    parser.add_argument("--small-sizes", default="4,8,16,32")
    parser.add_argument("--calls", default="64,2048")
    args = parser.parse_args()
    hyps, refs = pairs_of(args.segments)
    sizes = [int(s) for s in args.sizes.split(",")]
    small = [int(s) for s in args.small_sizes.split(",")]
    calls = [int(c) for c in args.calls.split(",")]
    runs = {("bert-score", 64, len(hyps)): theirs(hyps, refs)}
    runs.update({("ours", b, c): ours(hyps, refs, b, c) for c in calls
                 for b in (sizes if c >= len(hyps) else small)})
    for run in runs.values():  # load the model once, warm the caches
        run()
    best: dict[tuple, tuple[float, float, np.ndarray]] = {}
    for _ in range(args.runs):
        for key, run in runs.items():
            wall, cpu, values = timed(run)
            old = best.get(key)
            best[key] = (min(wall, old[0]) if old else wall, min(cpu, old[1]) if old else cpu,
                         values)
    anchor = best[("ours", 16, calls[-1])][2] if 16 in sizes else None
    print(f"{len(hyps)} pairs ({args.segments} segments x 13 systems), best of {args.runs}; "
          f"torch threads {__import__('torch').get_num_threads()}")
    print("| scorer | batch_size | items per call | pairs/s (wall) | pairs/s (CPU) | max diff |")
    print("|---|---|---|---|---|---|")
    for (who, size, call), (wall, cpu, values) in best.items():
        diff = "" if anchor is None else f"{np.max(np.abs(values - anchor)):.1e}"
        print(f"| {who} | {size} | {call} | {len(hyps) / wall:.1f} | {len(hyps) / cpu:.1f} | "
              f"{diff} |")


if __name__ == "__main__":
    main()
