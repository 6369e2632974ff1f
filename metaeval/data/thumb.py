"""THumB 1.0 caption judgements (Kasai et al., NAACL 2022, "Transparent Human Evaluation for
Image Captioning"; github.com/jungokasai/THumB, ``mscoco/``).

``mscoco_THumB-1.0.jsonl`` has one JSON object per (image, captioning system): ``SYS`` (the
system), ``seg_id`` (the example, one MSCOCO image), ``set_id``, ``hyp`` (the caption),
``image`` (the MSCOCO file name), the rubric scores ``P`` (precision 1-5), ``R`` (recall 1-5),
the penalties ``Fl`` (fluency), ``Con`` (conciseness), ``Inc`` (inclusive language), and
``human_score`` = (P + R) / 2 + Fl + Con + Inc. The references are a JSON-lines file
(``mscoco_references.json``: ``{"seg_id": "974", "refs": ["...", ...]}`` per line; the MSCOCO
captions except the one scored as the system ``Human``).

Item = ``seg_id``, system = ``SYS``, human scores ``human_score`` (the default), ``P``, ``R``,
``Fl``, ``Con``, ``Inc``. Images are resolved against the JSONL's folder, or ``images=``. The
rows to score (image, caption, references) are read by
:func:`metaeval.score.image_manifest.read_thumb_manifest`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from metaeval.data.images import image_table
from metaeval.data.judgements import DatasetInfo, JudgementSet
from metaeval.data.readers import read_table
from metaeval.data.validate import check_rows
from metaeval.errors import DataError, located

FIELDS = ("SYS", "seg_id", "hyp", "image", "human_score")
HUMAN = ("human_score", "P", "R", "Fl", "Con", "Inc")
REFERENCE_FILES = ("mscoco_references.json", "mscoco_references.jsonl", "references.jsonl")
CITATION = ("J. Kasai, K. Sakaguchi, L. Dunagan, J. Morrison, R. Le Bras, Y. Choi, N. A. Smith, "
            "Transparent Human Evaluation for Image Captioning, NAACL 2022.")
HUMAN_DEFINITION = "THumB 1.0: (precision + recall) / 2 + fluency + conciseness + inclusive " \
                   "language penalties"


def is_thumb(columns) -> bool:
    """A THumB file has the fields SYS, seg_id, hyp and image."""
    return {"SYS", "seg_id", "hyp", "image"} <= set(columns)


def read_thumb(path: str | Path) -> tuple[pd.DataFrame, list[int]]:
    """The records of a THumB JSONL, checked: fields present, (seg_id, SYS) unique."""
    path = Path(path)
    frame, lines = read_table(path, ("SYS", "seg_id"))
    absent = [f for f in FIELDS if f not in frame.columns]
    if absent:
        raise DataError(located(f"missing field(s) {absent}; found {list(frame.columns)}",
                                file=str(path), column=absent[0],
                                fix="give THumB records: SYS, seg_id, hyp, image, human_score "
                                    "(and P, R, Fl, Con, Inc)."))
    duplicated = frame.duplicated(["seg_id", "SYS"]).to_numpy()
    if duplicated.any():
        row = int(duplicated.nonzero()[0][0])
        raise DataError(located(f"duplicate (seg_id, SYS) = ({frame['seg_id'].iloc[row]!r}, "
                                f"{frame['SYS'].iloc[row]!r})", file=str(path), row=lines[row],
                                column="seg_id", fix="give each caption of an image once."))
    return frame, lines


def read_references(path: str | Path) -> dict[str, tuple[str, ...]]:
    """seg_id -> reference captions, from THumB's JSON-lines references file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(located(f"cannot read the references ({error})", file=str(path),
                                fix="give THumB's mscoco_references.json.")) from error
    out = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            out[str(record["seg_id"])] = tuple(str(r) for r in record["refs"])
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise DataError(located(f"not a references record ({type(error).__name__}: {error})",
                                    file=str(path), row=number,
                                    fix='write one {"seg_id": "...", "refs": ["...", ...]} per '
                                        "line.")) from error
    return out


def _info(path: Path) -> DatasetInfo:
    return DatasetInfo(name=path.stem, title="THumB 1.0 image-caption judgements",
                       citation=CITATION, url="https://github.com/jungokasai/THumB",
                       source=str(path), human_definition=HUMAN_DEFINITION)


def load_thumb(path: str | Path, images: str | Path | None = None,
               missing: str = "error") -> JudgementSet:
    """The judgement set of a THumB JSONL, with the image of every (seg_id, SYS) cell."""
    path = Path(path)
    frame, lines = read_thumb(path)
    human = [h for h in HUMAN if h in frame.columns]
    checked = check_rows(frame, keys=["seg_id", "SYS"], human=human, metrics=[],
                         missing=missing, file=str(path), lines=lines)
    js = JudgementSet.from_frame(checked, item="seg_id", system="SYS", human=human, metrics=[],
                                 info=_info(path), missing=missing)
    js.images = image_table(frame, "seg_id", "SYS", "image", images or path.parent, str(path))
    return js


def find_references(path: Path) -> Path | None:
    """THumB's references file next to the JSONL, if there is one."""
    found = [path.parent / name for name in REFERENCE_FILES if (path.parent / name).is_file()]
    return found[0] if found else None
