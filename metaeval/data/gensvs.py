"""The generative singing-voice separation DCR listening test (the registered set ``gensvs_eval``).

Bereuter, Stahl, Plumbley, Sontacchi, "Towards Reliable Objective Evaluation Metrics for
Generative Singing Voice Separation Models", WASPAA 2025, arXiv:2507.11427; data and code
github.com/pablebe/gensvs_eval (MIT). 50 excerpts x 5 separation models = 250 trials, each rated
by 12 listeners on the ITU-T P.808 DCR scale (1..5); ``DMOS`` = mean of the 12 ratings.
One row of ``gensvs_eval_data.csv`` is one trial: item ``file_id``, system ``model_name``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from metaeval.data.datasets import resolve_file
from metaeval.data.judgements import DatasetInfo, JudgementSet, MetricInfo
from metaeval.data.loaders import load_table
from metaeval.data.readers import read_text_csv
from metaeval.data.registry import dataset
from metaeval.errors import DataError, located

NAME = "gensvs_eval"
DATA_FILE = "gensvs_eval_data.csv"
RATINGS_FILE = "dcr_test_ratings.csv"
CARD = Path(__file__).resolve().parent / "cards" / "gensvs_eval.yaml"  # labels, directions
N_RATINGS = 12
RATING_COLUMNS = [f"rating_{i}" for i in range(N_RATINGS)]
LISTENER_COLUMNS = [f"subject_rating_{i}" for i in range(N_RATINGS)]
ITEM_COLUMN, SYSTEM_COLUMN, HUMAN_COLUMN = "file_id", "model_name", "DMOS"
GROUP_COLUMNS = ["model_type", "group_id"]

# name -> (higher_is_better, short description); order as in the released CSV.
METRICS: dict[str, tuple[bool, str]] = {
    "meta_audiobox_aes_PQ": (True, "Meta Audiobox Aesthetics, production quality (non-intrusive)"),
    "fad_song2song_music2latent_df": (False, "FAD between reference and estimate, Music2Latent "
                                             "frame embeddings"),
    "ops": (True, "PEASS overall perceptual score"),
    "tps": (True, "PEASS target-related perceptual score"),
    "emb_mse_music2latent_df": (False, "MSE of time-aligned Music2Latent frame embeddings"),
    "singmos": (True, "SingMOS predicted MOS of singing voice (non-intrusive)"),
    "fad_song2song_mert_df": (False, "FAD between reference and estimate, MERT-v1-95M layer-12 "
                                     "frame embeddings"),
    "ips": (True, "PEASS interference-related perceptual score"),
    "sdr": (True, "BSS-Eval signal-to-distortion ratio (dB), 512-tap filter"),
    "fad_song2song_clap_audio_df": (False, "FAD between reference and estimate, LAION CLAP "
                                           "(audio checkpoint) embeddings"),
    "multi_res_loss": (False, "perceptually weighted multi-resolution STFT loss (auraloss)"),
    "emb_mse_mert_df": (False, "MSE of time-aligned MERT-v1-95M layer-12 frame embeddings"),
    "meta_audiobox_aes_CU": (True, "Meta Audiobox Aesthetics, content usefulness "
                                   "(non-intrusive)"),
    "pam": (True, "PAM prompting-audio-language-model quality score (non-intrusive)"),
    "sir": (True, "BSS-Eval signal-to-interference ratio (dB)"),
    "fad_song2song_clap_music_df": (False, "FAD between reference and estimate, LAION CLAP "
                                           "(music checkpoint) embeddings"),
    "emb_mse_clap_music_df": (False, "MSE of time-aligned LAION CLAP (music) embeddings"),
    "sisdr": (True, "scale-invariant SDR (dB)"),
    "visqol": (True, "ViSQOL v3 audio-mode MOS-LQO at 48 kHz"),
    "emb_mse_clap_audio_df": (False, "MSE of time-aligned LAION CLAP (audio) embeddings"),
    "xls_r_sqa": (True, "XLS-R based speech quality assessment MOS (non-intrusive)"),
    "isr": (True, "BSS-Eval source-image-to-spatial-distortion ratio (dB)"),
    "sar": (True, "BSS-Eval signal-to-artefacts ratio (dB), 1024-tap filters"),
    "aps": (True, "PEASS artefact-related perceptual score"),
}
LOWER_IS_BETTER = [name for name, (higher, _) in METRICS.items() if not higher]

INFO = DatasetInfo(name=NAME, title=dataset(NAME).title, citation=dataset(NAME).citation,
                   licence=dataset(NAME).licence, url=dataset(NAME).url,
                   description=dataset(NAME).description)


def data_path() -> Path:
    """The released ``gensvs_eval_data.csv`` (found, cached or downloaded by the registry)."""
    return resolve_file(NAME, DATA_FILE)


def _data_path(path: str | Path | None) -> Path:
    return Path(path) if path is not None else data_path()


def load_gensvs(path: str | Path | None = None, missing: str = "error") -> JudgementSet:
    """The gensvs listening test as a judgement set: one row per trial, human = ``DMOS``.

    Groups: ``model_type`` (discriminative / generative, the paper's split) and ``group_id``
    (listener group). The 12 ``rating_i`` columns stay available through :func:`gensvs_ratings`.
    ``path`` defaults to the registered release file, read with the project's card
    (``metaeval/data/cards/gensvs_eval.yaml``: the paper's display names).
    """
    card = CARD if path is None else None
    path = _data_path(path)
    js = load_table(path, item=ITEM_COLUMN, system=SYSTEM_COLUMN, human=HUMAN_COLUMN,
                    metrics=list(METRICS), groups=GROUP_COLUMNS, lower_is_better=LOWER_IS_BETTER,
                    missing=missing, card=card)
    js.info = DatasetInfo(**{**INFO.__dict__, "source": str(path)})
    js.metrics = {name: MetricInfo(name, higher, description, label=js.metrics[name].label)
                  for name, (higher, description) in METRICS.items()}
    js.ratings = gensvs_ratings(path)[["item", "system", "rater", "rating"]]
    return js


def gensvs_ratings(path: str | Path | None = None) -> pd.DataFrame:
    """The individual DCR ratings, one row per (trial, listener).

    Columns: ``item`` (file_id), ``system`` (model_name), ``rater`` (listener id from
    ``subject_rating_i``), ``rating`` (1..5), ``group_id``, ``model_type``; 250 x 12 = 3000 rows.
    """
    path = _data_path(path)
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise DataError(located(f"cannot read the file ({exc})", file=str(path),
                                fix="pass the path of gensvs_eval_data.csv.")) from exc
    needed = [ITEM_COLUMN, SYSTEM_COLUMN, *GROUP_COLUMNS, *LISTENER_COLUMNS, *RATING_COLUMNS]
    absent = [c for c in needed if c not in frame.columns]
    if absent:
        raise DataError(located(f"missing column(s) {absent}", file=str(path), column=absent[0],
                                fix="pass the released gensvs_eval_data.csv unchanged."))
    parts = []
    for listener, rating in zip(LISTENER_COLUMNS, RATING_COLUMNS):
        part = frame[[ITEM_COLUMN, SYSTEM_COLUMN, listener, rating, "group_id", "model_type"]]
        parts.append(part.set_axis(["item", "system", "rater", "rating", "group_id", "model_type"],
                                   axis=1))
    return pd.concat(parts, ignore_index=True)


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or \
        str(value).strip() == ""


def read_wide_ratings(path: str | Path, item: str = ITEM_COLUMN, system: str = SYSTEM_COLUMN,
                      group: str | None = "group_id",
                      session: str | None = None) -> tuple[pd.DataFrame, list[int]]:
    """One row per rating from the wide trial layout of the GSVS release (any number of
    ``subject_rating_i`` / ``rating_i`` column pairs: listener ``subject_rating_i`` gave
    ``rating_i``); returns ``(frame, file line of each rating)``. Values stay text; the
    listening layer validates them. An empty pair is an unused slot; a rating without a
    listener id, or a trial without ratings, is a `DataError` naming the line."""
    path = Path(path)
    fix = "pass a file with subject_rating_i / rating_i columns (the GSVS layout)."
    frame = read_text_csv(path, fix)
    indices = sorted(int(m.group(1)) for c in frame.columns
                     if (m := re.fullmatch(r"rating_(\d+)", c)))
    needed: Sequence[str] = [item, system] + [f"subject_rating_{i}" for i in indices]
    absent = [c for c in needed if c not in frame.columns]
    if absent or not indices:
        raise DataError(located(f"missing column(s) {absent or ['rating_0']}; the file has "
                                f"{list(frame.columns)}", file=str(path),
                                column=(absent or ["rating_0"])[0], fix=fix))
    records, rows = [], []
    for position, record in enumerate(frame.to_dict("records")):
        line = position + 2
        before = len(records)
        for i in indices:
            rater, rating = record[f"subject_rating_{i}"], record[f"rating_{i}"]
            if _empty(rater) and _empty(rating):
                continue  # an unused slot
            if _empty(rater):
                raise DataError(located(f"unknown rater: rating {rating} has no listener id",
                                        file=str(path), row=line, column=f"subject_rating_{i}",
                                        fix="give the listener id of every rating."))
            entry = {"item": record[item], "system": record[system], "rater": rater,
                     "rating": rating}
            for name, column in (("group", group), ("session", session)):
                if column and column in record:
                    entry[name] = record[column]
            records.append(entry)
            rows.append(line)
        if len(records) == before:
            raise DataError(located(f"item {record[item]!r}, system {record[system]!r} has no "
                                    "ratings", file=str(path), row=line, column="rating_0",
                                    fix="remove the trial or add its ratings."))
    return pd.DataFrame.from_records(records), rows
