"""Benchmark of the CPU audio metrics on the 60 GSVS examples: metaeval vs a per-file reference loop.

Usage: ``.venv/bin/python bench/audio.py [--limit N] [--threads 2] [--runs 3] [--metrics sdr,...]``.
Items: HTDemucs, Mel-RoFo-S, Mel-RoFo-L, SGMSVS, Mel-RoFo-S_BigVGAN x 12 file ids of
``$METAEVAL_DATA_DIR/gensvs_eval/audio_examples`` (5 s, 44.1 kHz, channel mean), loaded once
(float32) before any timing: both sides get the same arrays. For each metric, metaeval scores all
items through ``get_metric(name).score(batch)`` (one batch); the reference loops over the files
calling the package the GSVS study used (torchmetrics, fast_bss_eval, auraloss). Both sides run
under the same thread settings (torch and BLAS threads = ``--threads``), after one warm-up call
each on two items; the repetitions alternate ours / reference and the median of ``--runs`` is
printed with the largest absolute difference between the two. For mrstft it also prints the FFT
bound: ``scipy.fft.rfft`` (``workers=--threads``) of the same windowed frames (both signals, five
resolutions), frames built beforehand, and our speed as a share of it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metaeval.data.datasets import resolve  # noqa: E402
from metaeval.metrics import Batch, get_metric  # noqa: E402

SYSTEMS = ("HTDemucs", "Mel-RoFo-S", "Mel-RoFo-L", "SGMSVS", "Mel-RoFo-S_BigVGAN")
FILE_IDS = (1, 2, 3, 5, 6, 10, 14, 21, 22, 31, 42, 44)


def load(kind: str, file_id: int) -> np.ndarray:
    import soundfile

    folder = resolve("gensvs_eval_audio") / "audio_examples" / kind
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


def fft_bound_seconds(batch: Batch, workers: int) -> float:
    """Seconds of ``scipy.fft.rfft`` alone over the mrstft frames of every item (built before)."""
    import scipy.fft

    from metaeval.metrics.audio.mrstft import a_weighted, stft_window

    config = get_metric("mrstft").config
    seconds = 0.0
    for i in range(len(batch)):
        signals = a_weighted(np.stack([batch["estimate"][i], batch["reference"][i]]), 44100)
        for n_fft, hop, win in zip(config.fft_sizes, config.hop_sizes, config.win_lengths):
            padded = np.pad(signals, ((0, 0), (n_fft // 2, n_fft // 2)), mode="reflect")
            frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft, axis=-1)[:, ::hop]
            frames = np.ascontiguousarray(frames * stft_window(win, n_fft))
            start = time.perf_counter()
            scipy.fft.rfft(frames, axis=-1, workers=workers)
            seconds += time.perf_counter() - start
    return seconds


def timed(function):
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def compare(name: str, one_file, batch: Batch, runs: int) -> tuple[float, float, float]:
    """Median seconds of ours and of the reference loop (interleaved runs) and max |diff|."""
    import torch

    metric = get_metric(name)

    def reference(sub: Batch) -> np.ndarray:
        with torch.no_grad():
            return np.array([one_file(*(sub[k][i] for k in ("estimate", "reference", "mixture")))
                             for i in range(len(sub))])

    warm = batch.subset(range(min(2, len(batch))))
    metric.score(warm), reference(warm)
    ours_s, theirs_s, diff = [], [], 0.0
    for _ in range(runs):
        seconds, ours = timed(lambda: metric.score(batch))
        ours_s.append(seconds)
        seconds, theirs = timed(lambda: reference(batch))
        theirs_s.append(seconds)
        diff = max(diff, float(np.max(np.abs(ours - theirs))))
    return float(np.median(ours_s)), float(np.median(theirs_s)), diff


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="use the first N items only")
    parser.add_argument("--threads", type=int, default=2, help="torch/BLAS threads, FFT workers")
    parser.add_argument("--runs", type=int, default=3, help="interleaved repetitions (median)")
    parser.add_argument("--metrics", default="sdr,sisdr,sir,sar,mrstft", help="comma-separated")
    args = parser.parse_args()

    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)
    batch = gsvs_batch(args.limit)
    n = len(batch)
    print(f"{n} items, {args.threads} threads, median of {args.runs} interleaved runs")
    print(f"{'metric':8} {'reference':14} {'ours it/s':>10} {'ref it/s':>10} {'speed-up':>9} {'max |diff|':>11}")
    loops = reference_loops()
    for name in args.metrics.split(","):
        package, one_file = loops[name]
        ours_s, ref_s, diff = compare(name, one_file, batch, args.runs)
        print(f"{name:8} {package:14} {n / ours_s:10.2f} {n / ref_s:10.2f} {ref_s / ours_s:8.2f}x {diff:11.2e}")
        if name == "mrstft":
            bound = float(np.median([fft_bound_seconds(batch, args.threads) for _ in range(args.runs)]))
            print(f"{'':8} FFT bound: {n / bound:.1f} items/s (scipy rfft of the same frames, "
                  f"{args.threads} workers); ours at {100 * bound / ours_s:.0f}% of it")


if __name__ == "__main__":
    main()
