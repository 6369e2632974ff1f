"""The neural speech codec MUSHRA test (``bernoulli_mushra``).

Stahl, Windtner, Sontacchi, "A Bitrate-Scalable Variational Recurrent Mel-Spectrogram Coder for
Real-Time Resynthesis-Based Speech Coding", IEEE Access 12, 2024, doi:10.1109/ACCESS.2024.3482359;
data github.com/BenjSta/bernoulli-var-speech-codec (``mushra_results_dataset/``, CC BY 4.0; speech
from VCTK, CC BY 4.0, and TSP, BSD). 16 speech signals x 9 conditions (7 codecs, the hidden
Reference and the Anchor), each rated by 10-12 listeners on the MUSHRA scale 0..100.

``ratings_formated[_filtered].csv`` has one row per stimulus: ``signal, condition, ratings,
participant_ids, file``, where ``ratings`` and ``participant_ids`` are Python-list strings (parsed
with `ast.literal_eval`) and ``file`` is the stimulus' path under ``audio/`` (empty for the
Anchor, whose audio is not released). ``audio/stim_XX/ref.wav`` is each signal's reference.
The ``_filtered`` file drops listeners who rated the hidden reference below 90 in more than one
of eight trials.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd

from metaeval.data.datasets import resolve, resolve_file
from metaeval.data.judgements import DatasetInfo, JudgementSet
from metaeval.data.readers import read_text_csv
from metaeval.data.registry import dataset
from metaeval.errors import DataError, located

FOLDER_NAME = "bernoulli_mushra"  # the registered ratings set; its audio: bernoulli_mushra_audio
AUDIO_SET = "bernoulli_mushra_audio"
FILTERED_FILE = "ratings_formated_filtered.csv"
ALL_FILE = "ratings_formated.csv"
COLUMNS = ["signal", "condition", "ratings", "participant_ids", "file"]
REFERENCE_FILE = "ref.wav"
HUMAN = "mushra"
KIND = "kind"  # codec / reference / anchor
REFERENCE_CONDITION, ANCHOR_CONDITION = "Reference", "Anchor"

INFO = DatasetInfo(
    name=FOLDER_NAME, title=dataset(FOLDER_NAME).title, citation=dataset(FOLDER_NAME).citation,
    licence=dataset(FOLDER_NAME).licence, url=dataset(FOLDER_NAME).url,
    description=dataset(FOLDER_NAME).description + " Human score = mean rating per stimulus.",
)


def mushra_folder(folder: str | Path | None = None) -> Path:
    """The ratings folder: ``folder``, or the registered set (found, cached or downloaded)."""
    return Path(folder) if folder is not None else resolve(FOLDER_NAME)


def audio_folder(folder: str | Path | None = None) -> Path:
    """The folder holding ``audio/``: ``folder``, or the registered audio set."""
    return Path(folder) if folder is not None else resolve(AUDIO_SET)


def ratings_file(filtered: bool = True) -> Path:
    """The registered ratings file (filtered: listeners removed by the release's rule)."""
    return resolve_file(FOLDER_NAME, FILTERED_FILE if filtered else ALL_FILE)


def parse_list_cell(text: object, path: Path, row: int, column: str) -> list:
    """A list written as a Python literal (``[41.0, 32.0]``), parsed safely (``ast.literal_eval``)."""
    try:
        values = ast.literal_eval(str(text))
    except (ValueError, SyntaxError) as error:
        raise DataError(located(f"cannot parse {text!r} as a list ({error})", file=str(path),
                                row=row, column=column,
                                fix="write the list as in the release, e.g. [41.0, 32.0].")) from error
    if not isinstance(values, (list, tuple)):
        raise DataError(located(f"expected a list, got {text!r}", file=str(path), row=row,
                                column=column, fix="write a list, e.g. [41.0, 32.0]."))
    return list(values)


def _parse_list(text: object, path: Path, row: int, column: str) -> list:
    values = parse_list_cell(text, path, row, column)
    if not values:
        raise DataError(located(f"expected a non-empty list, got {text!r}", file=str(path), row=row,
                                column=column, fix="write the list as in the release, e.g. [41.0, 32.0]."))
    return values


def read_list_ratings(path: str | Path) -> tuple[pd.DataFrame, list[int]]:
    """One row per rating (item = signal, system = condition, rater, rating, file) from the
    list layout, with the file line of each rating. Values stay as written (the listening layer
    validates the scale); a row without ratings, or with more ratings than participant ids, is a
    `DataError` naming the line."""
    path = Path(path)
    fix = "pass a file with signal, condition, ratings, participant_ids columns."
    frame = read_text_csv(path, fix)
    absent = [c for c in COLUMNS[:4] if c not in frame.columns]
    if absent:
        raise DataError(located(f"missing column(s) {absent}; the file has {list(frame.columns)}",
                                file=str(path), column=absent[0], fix=fix))
    records, rows = [], []
    for position, record in enumerate(frame.to_dict("records")):
        line = position + 2
        ratings = parse_list_cell(record["ratings"], path, line, "ratings")
        raters = parse_list_cell(record["participant_ids"], path, line, "participant_ids")
        if not ratings:
            raise DataError(located(f"signal {record['signal']!r}, condition "
                                    f"{record['condition']!r} has no ratings", file=str(path),
                                    row=line, column="ratings",
                                    fix="remove the row or add its ratings."))
        if len(ratings) != len(raters):
            raise DataError(located(f"{len(ratings)} ratings but {len(raters)} participant ids "
                                    "(unknown raters)", file=str(path), row=line,
                                    column="participant_ids",
                                    fix="give one participant id per rating."))
        file = record.get("file")
        file = None if not isinstance(file, str) or not file.strip() else file
        for rating, rater in zip(ratings, raters):
            records.append({"item": record["signal"], "system": record["condition"],
                            "rater": rater, "rating": rating, "file": file})
            rows.append(line)
    return pd.DataFrame.from_records(records), rows


def read_mushra_table(folder: str | Path | None = None, filtered: bool = True) -> pd.DataFrame:
    """The released ratings file with ``ratings``/``participant_ids`` parsed into lists.

    Checks that each row's two lists have equal length and that ratings lie in 0..100.
    """
    path = mushra_folder(folder) / (FILTERED_FILE if filtered else ALL_FILE)
    try:
        frame = pd.read_csv(path, dtype={"signal": str, "condition": str, "file": str})
    except (OSError, ValueError) as error:
        raise DataError(located(f"cannot read the file ({error})", file=str(path),
                                fix="pass the folder holding the release's ratings files, or "
                                    "leave the folder out to use the registered set.")) from error
    absent = [c for c in COLUMNS if c not in frame.columns]
    if absent:
        raise DataError(located(f"missing column(s) {absent}; the file has {list(frame.columns)}",
                                file=str(path), column=absent[0],
                                fix="pass the released ratings_formated*.csv unchanged."))
    ratings, raters = [], []
    for position, (rating_text, rater_text) in enumerate(zip(frame["ratings"],
                                                             frame["participant_ids"])):
        row = position + 2  # file line (header is line 1)
        values = [float(v) for v in _parse_list(rating_text, path, row, "ratings")]
        ids = _parse_list(rater_text, path, row, "participant_ids")
        if len(values) != len(ids):
            raise DataError(located(f"{len(values)} ratings but {len(ids)} participant ids",
                                    file=str(path), row=row, column="ratings",
                                    fix="give one participant id per rating."))
        if not all(0.0 <= v <= 100.0 for v in values):
            raise DataError(located(f"rating outside the MUSHRA scale 0..100: {values}",
                                    file=str(path), row=row, column="ratings",
                                    fix="check the ratings column."))
        ratings.append(values)
        raters.append(ids)
    frame = frame.copy()
    frame["ratings"], frame["participant_ids"] = ratings, raters
    return frame


def _stimulus_folders(frame: pd.DataFrame) -> dict[str, str]:
    """signal -> its ``stim_XX`` folder, taken from the rows that name a file."""
    folders: dict[str, str] = {}
    for signal, file in zip(frame["signal"], frame["file"]):
        if isinstance(file, str) and file:
            folders.setdefault(signal, file.split("/")[0])
    return folders


def _kind(condition: str) -> str:
    if condition == REFERENCE_CONDITION:
        return "reference"
    if condition == ANCHOR_CONDITION:
        return "anchor"
    return "codec"


def mushra_ratings(folder: str | Path | None = None, filtered: bool = True) -> pd.DataFrame:
    """One row per rating: ``item`` (signal), ``system`` (condition), ``rater``, ``rating``, ``file``."""
    frame = read_mushra_table(folder, filtered)
    long = frame.explode(["ratings", "participant_ids"], ignore_index=True)
    return pd.DataFrame({"item": long["signal"], "system": long["condition"],
                         "rater": long["participant_ids"].astype(int).astype(str),
                         "rating": long["ratings"].astype(float), "file": long["file"]})


def load_mushra(folder: str | Path | None = None, filtered: bool = True,
                conditions: list[str] | None = None) -> JudgementSet:
    """The MUSHRA test as a judgement set: item = signal, system = condition, human = ``mushra``.

    ``mushra`` is the mean rating of the stimulus over its listeners; ``n_ratings`` their number.
    The table also holds ``estimate`` (absolute path of the stimulus audio; missing for the
    Anchor, whose audio is not released), ``reference`` (the signal's ``ref.wav``) and the group
    ``kind`` (codec / reference / anchor). ``conditions`` keeps only those conditions.
    """
    root = mushra_folder(folder)
    frame = read_mushra_table(root, filtered)
    folders = _stimulus_folders(frame)
    if conditions is not None:
        unknown = sorted(set(conditions) - set(frame["condition"]))
        if unknown:
            raise DataError(f"unknown condition(s) {unknown}; the test has "
                            f"{sorted(frame['condition'].unique())}.")
        frame = frame[frame["condition"].isin(conditions)].reset_index(drop=True)
    audio = audio_folder(folder) / "audio"
    table = pd.DataFrame({
        "signal": frame["signal"],
        "condition": frame["condition"],
        HUMAN: [float(np.mean(values)) for values in frame["ratings"]],
        "n_ratings": [len(values) for values in frame["ratings"]],
        KIND: [_kind(c) for c in frame["condition"]],
        "estimate": [str(audio / f) if isinstance(f, str) and f else None for f in frame["file"]],
        "reference": [str(audio / folders[s] / REFERENCE_FILE) if s in folders else None
                      for s in frame["signal"]],
    })
    js = JudgementSet.from_frame(table, item="signal", system="condition", human=HUMAN,
                                 metrics=[], groups=[KIND],
                                 info=DatasetInfo(**{**INFO.__dict__,
                                                     "source": str(root / (FILTERED_FILE if filtered
                                                                           else ALL_FILE))}))
    for column in ("n_ratings", "estimate", "reference"):
        js.table[column] = table[column].to_numpy()
    js.ratings = mushra_ratings(folder, filtered)[["item", "system", "rater", "rating"]]
    return js
