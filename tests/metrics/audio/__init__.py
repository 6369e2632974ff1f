"""Tests of the audio metric adapters; `gsvs_example` loads the GSVS companion-page audio."""

from __future__ import annotations

from pathlib import Path

import numpy as np

GSVS_SYSTEMS = ("HTDemucs", "Mel-RoFo-S", "Mel-RoFo-L", "SGMSVS", "Mel-RoFo-S_BigVGAN")
GSVS_FILE_IDS = (1, 2, 3, 5, 6, 10, 14, 21, 22, 31, 42, 44)


def gsvs_example(datasets_dir: Path, kind: str, file_id: int) -> np.ndarray:
    """Mono float32 audio (channel mean) of a system's output, ``Target`` or ``Mixture``."""
    import soundfile

    folder = Path(datasets_dir) / "gensvs_eval" / "audio_examples" / kind
    name = {"Target": "target", "Mixture": "mixture"}.get(kind, "separated_vocals")
    audio, rate = soundfile.read(folder / f"{name}_fileid_{file_id}.wav", dtype="float32", always_2d=True)
    assert rate == 44100
    return audio.mean(axis=1)
