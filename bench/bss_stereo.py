"""Stereo BSS Eval v3 images (``channels=multichannel``) against mir_eval on a 10 s stereo item.

Usage: ``.venv/bin/python bench/bss_stereo.py [--threads 1] [--runs 3]``.
The GSVS example files are dual-mono, so the 10 s stereo item is built from real recordings:
each channel of the target, mixture and HTDemucs estimate is two 5 s GSVS excerpts end to end
(left: file ids 1 and 2, right: 5 and 6), 44.1 kHz, float64. Timed, after one warm-up each, the
repetitions alternated, median of ``--runs``:

- metaeval's kernel ``bss_eval_images_v3`` (SDR, ISR, SIR, SAR of the target, one call);
- the four metrics ``{sdr,isr,sir,sar}:bss_eval_v3:channels=multichannel`` (one call each, as
  ``metaeval score`` runs them: each metric computes its own projections);
- ``mir_eval.separation.bss_eval_images`` (one call; it always decomposes every source, here the
  target and the interferer ``mixture - target``).

Both sides run with ``--threads`` torch and BLAS threads (threadpoolctl).

Prints the seconds and the largest absolute difference (dB) from mir_eval's target values.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metaeval.data.datasets import resolve  # noqa: E402
from metaeval.metrics import Batch, get_metric  # noqa: E402

CHANNEL_IDS = ((1, 2), (5, 6))  # left, right: two 5 s excerpts each


def load(kind: str, file_id: int) -> np.ndarray:
    import soundfile

    folder = resolve("gensvs_eval_audio") / "audio_examples" / kind
    name = {"Target": "target", "Mixture": "mixture"}.get(kind, "separated_vocals")
    audio, _ = soundfile.read(folder / f"{name}_fileid_{file_id}.wav", always_2d=True)
    return audio[:, 0]  # the files are dual-mono


def stereo_item(kind: str) -> np.ndarray:
    return np.stack([np.concatenate([load(kind, i) for i in ids]) for ids in CHANNEL_IDS])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import torch
    from mir_eval.separation import bss_eval_images
    from threadpoolctl import threadpool_limits

    from metaeval.metrics.audio.bsseval_images import bss_eval_images_v3

    warnings.simplefilter("ignore", FutureWarning)  # bss_eval_images is deprecated in mir_eval
    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)
    e, s, m = (stereo_item(k) for k in ("HTDemucs", "Target", "Mixture"))
    batch = Batch(["stereo10s"], {"estimate": [e], "reference": [s], "mixture": [m]}, 44100)
    metrics = [get_metric(f"{c}:bss_eval_v3:channels=multichannel") for c in ("sdr", "isr", "sir",
                                                                               "sar")]
    tensors = [torch.from_numpy(x[None]) for x in (e, s, m)]
    jobs = {
        "metaeval kernel (4 criteria)": lambda: [float(v[0]) for v in bss_eval_images_v3(*tensors)],
        "metaeval 4 metrics": lambda: [float(metric.score(batch)[0]) for metric in metrics],
        "mir_eval bss_eval_images": lambda: [float(v[0]) for v in bss_eval_images(
            np.stack([s.T, (m - s).T]), np.stack([e.T, (m - e).T]), compute_permutation=False)[:4]],
    }
    times: dict[str, list[float]] = {name: [] for name in jobs}
    values = {}
    for run in range(args.runs + 1):  # run 0: warm-up
        for name, job in jobs.items():
            start = time.perf_counter()
            values[name] = job()
            if run:
                times[name].append(time.perf_counter() - start)
    reference = np.array(values["mir_eval bss_eval_images"])
    print(f"10 s stereo at 44.1 kHz ({e.shape}), torch threads {args.threads}, median of "
          f"{args.runs}")
    for name in jobs:
        diff = np.abs(np.array(values[name]) - reference).max()
        print(f"{name:32s} {statistics.median(times[name]):7.2f} s   max |diff| {diff:.1e} dB")


if __name__ == "__main__":
    main()
