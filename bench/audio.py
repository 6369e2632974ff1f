"""Benchmark of the CPU audio metrics on the 60 GSVS examples: metaeval vs a per-file reference loop.

Usage: ``.venv/bin/python bench/audio.py [--limit N] [--threads 2]``. Items: HTDemucs, Mel-RoFo-S,
Mel-RoFo-L, SGMSVS, Mel-RoFo-S_BigVGAN x 12 file ids of ``$METAEVAL_DATA_DIR/gensvs_eval/
audio_examples`` (5 s, 44.1 kHz, channel mean). For each metric, metaeval scores all items through
``get_metric(name).score(batch)`` (one batch); the reference loops over the files calling the
package the GSVS study used (torchmetrics, fast_bss_eval, auraloss). Prints items per second and
the largest absolute difference between the two.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metaeval.metrics import Batch, get_metric  # noqa: E402
from metaeval.paths import data_dir  # noqa: E402

SYSTEMS = ("HTDemucs", "Mel-RoFo-S", "Mel-RoFo-L", "SGMSVS", "Mel-RoFo-S_BigVGAN")
FILE_IDS = (1, 2, 3, 5, 6, 10, 14, 21, 22, 31, 42, 44)


def load(kind: str, file_id: int) -> np.ndarray:
    import soundfile

    folder = data_dir() / "gensvs_eval" / "audio_examples" / kind
    name = {"Target": "target", "Mixture": "mixture"}.get(kind, "separated_vocals")
    audio, _ = soundfile.read(folder / f"{name}_fileid_{file_id}.wav", dtype="float32", always_2d=True)
    return audio.mean(axis=1)


def gsvs_batch(limit: int | None) -> Batch:
    items = [(s, i) for s in SYSTEMS for i in FILE_IDS][:limit]
    inputs = {"estimate": [load(s, i) for s, i in items],
              "reference": [load("Target", i) for _, i in items],
              "mixture": [load("Mixture", i) for _, i in items]}
    return Batch([f"{s}/{i}" for s, i in items], inputs, sample_rate=44100)


def reference_loops():
    """name -> function(estimate, reference, mixture) computing one file with the study's package."""
    import fast_bss_eval
    import torch
    from auraloss.freq import MultiResolutionSTFTLoss
    from torchmetrics.functional.audio import (
        scale_invariant_signal_distortion_ratio,
        signal_distortion_ratio,
    )

    from metaeval.metrics.audio.bsseval import single_torch_thread

    mrstft = MultiResolutionSTFTLoss(fft_sizes=[256, 512, 1024, 2048, 4096],
                                     win_lengths=[256, 512, 1024, 2048, 4096],
                                     hop_sizes=[64, 128, 256, 512, 1024], sample_rate=44100,
                                     perceptual_weighting=True)

    def t(x):
        return torch.from_numpy(np.asarray(x, dtype=np.float64))

    def bss(e, r, m):  # one thread: batched LU fails in torch 2.13 CPU with 2+ threads
        with single_torch_thread():
            return fast_bss_eval.bss_eval_sources(torch.stack([t(r), t(m) - t(r)]),
                                              torch.stack([t(e), t(m) - t(e)]), filter_length=1024,
                                              load_diag=1e-7, compute_permutation=False)

    return {
        "sdr": ("torchmetrics", lambda e, r, m: signal_distortion_ratio(t(e), t(r)).item()),
        "sisdr": ("torchmetrics", lambda e, r, m: scale_invariant_signal_distortion_ratio(t(e), t(r)).item()),
        "sir": ("fast_bss_eval", lambda e, r, m: bss(e, r, m)[1][0].item()),
        "sar": ("fast_bss_eval", lambda e, r, m: bss(e, r, m)[2][0].item()),
        "mrstft": ("auraloss", lambda e, r, m: mrstft(torch.from_numpy(e)[None, None],
                                                       torch.from_numpy(r)[None, None]).item()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="use the first N items only")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    batch = gsvs_batch(args.limit)
    n = len(batch)
    print(f"{n} items, torch threads {args.threads}")
    print(f"{'metric':8} {'reference':14} {'ours it/s':>10} {'ref it/s':>10} {'speed-up':>9} {'max |diff|':>11}")
    for name, (package, one_file) in reference_loops().items():
        metric = get_metric(name)
        start = time.perf_counter()
        ours = metric.score(batch)
        ours_s = time.perf_counter() - start
        start = time.perf_counter()
        with torch.no_grad():
            theirs = np.array([one_file(*(batch[k][i] for k in ("estimate", "reference", "mixture")))
                               for i in range(n)])
        ref_s = time.perf_counter() - start
        diff = float(np.max(np.abs(ours - theirs)))
        print(f"{name:8} {package:14} {n / ours_s:10.2f} {n / ref_s:10.2f} {ref_s / ours_s:8.1f}x {diff:11.2e}")


if __name__ == "__main__":
    main()
