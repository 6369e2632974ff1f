"""The 60 GSVS outputs whose audio is public, as a score manifest and a judgement table.

Registry builder of ``gensvs_eval_examples`` from ``gensvs_eval`` (the released ratings and
metric scores) and ``gensvs_eval_audio`` (the companion page's examples, 12 excerpts x 5
systems, with their targets and mixtures; Bereuter et al., WASPAA 2025, MIT):

- ``audio_examples_manifest.csv``: ``item, system, estimate, reference, mixture`` with the
  absolute paths of the resolved audio (what ``metaeval score --manifest`` reads);
- ``audio_examples_dmos.csv``: ``item, system, model_type, DMOS, released_sisdr,
  released_multi_res_loss`` (the released values of those 60 trials);
- ``audio_examples_dmos.csv.yaml``: the project's card for it (``cards/gensvs_eval_examples.yaml``).

Rows: systems in the study's order, excerpts by number.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd

from metaeval.csvio import write_csv

# system (model_name of the release) -> folder of the audio examples
SYSTEM_FOLDERS = {"htdemucs": "HTDemucs", "melroformer_small": "Mel-RoFo-S",
                  "melroformer_large": "Mel-RoFo-L", "sgmsvs": "SGMSVS",
                  "melroformer_bigvgan": "Mel-RoFo-S_BigVGAN"}
CARD = Path(__file__).resolve().parent / "cards" / "gensvs_eval_examples.yaml"
MANIFEST, JUDGEMENTS = "audio_examples_manifest.csv", "audio_examples_dmos.csv"


def example_ids(audio: Path) -> list[int]:
    """The excerpt numbers that have a target file, ascending."""
    found = (re.fullmatch(r"target_fileid_(\d+)\.wav", p.name) for p in (audio / "Target").iterdir())
    return sorted(int(m.group(1)) for m in found if m)


def build(inputs: dict[str, Path], out: Path) -> None:
    """Registry builder: the manifest, the judgement table and its card into ``out``."""
    audio = inputs["gensvs_eval_audio"] / "audio_examples"
    released = pd.read_csv(inputs["gensvs_eval"] / "gensvs_eval_data.csv")
    released = released.set_index(["file_id", "model_name"])
    manifest, judgements = [], []
    for system, folder in SYSTEM_FOLDERS.items():
        for number in example_ids(audio):
            item = f"fileid_{number}"
            manifest.append({"item": item, "system": system,
                             "estimate": str(audio / folder / f"separated_vocals_{item}.wav"),
                             "reference": str(audio / "Target" / f"target_{item}.wav"),
                             "mixture": str(audio / "Mixture" / f"mixture_{item}.wav")})
            row = released.loc[(item, system)]
            judgements.append({"item": item, "system": system, "model_type": row["model_type"],
                               "DMOS": row["DMOS"], "released_sisdr": row["sisdr"],
                               "released_multi_res_loss": row["multi_res_loss"]})
    write_csv(out / MANIFEST, pd.DataFrame(manifest))
    write_csv(out / JUDGEMENTS, pd.DataFrame(judgements))
    shutil.copyfile(CARD, out / f"{JUDGEMENTS}.yaml")
