"""WMT MQM expert annotations (Freitag et al. 2021) turned into segment scores and judgement sets.

Source: github.com/google/wmt-mqm-human-evaluation (Apache-2.0), files
``mqm_<testset>_<lp>.tsv`` with one row per annotated error (or ``No-error``):
``system doc doc_id seg_id rater source target category severity [comment]``.

Segment score (upstream README, "Experts, Errors, and Context", arXiv:2104.14478):
for each rater, ``penalty = sum of error weights`` with Major = 5, Minor = 1,
Minor ``Fluency/Punctuation`` = 0.1, ``Non-translation`` (any severity) = 25, Neutral and
``No-error`` = 0; the segment's MQM score is ``-mean(penalty over the segment's raters)``
(higher = better, 0 = no error). This equals the release's ``*.avg_seg_scores.tsv``.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from metaeval.citations import WMT_MQM_2021
from metaeval.data.judgements import DatasetInfo, JudgementSet, MetricInfo
from metaeval.errors import DataError, located

MAJOR, MINOR, MINOR_PUNCTUATION, NON_TRANSLATION = 5.0, 1.0, 0.1, 25.0
COLUMNS = ("system", "doc", "seg_id", "rater", "category", "severity")
CITATION = WMT_MQM_2021
URL = "https://github.com/google/wmt-mqm-human-evaluation"


def error_weights(category: pd.Series, severity: pd.Series) -> np.ndarray:
    """Weight of each annotated error (see module docstring)."""
    category = category.fillna("").astype(str).str.strip()
    severity = severity.fillna("").astype(str).str.strip().str.lower()
    weights = np.select(
        [category.str.lower().str.startswith("non-translation"),
         severity == "major",
         (severity == "minor") & (category == "Fluency/Punctuation"),
         severity == "minor"],
        [NON_TRANSLATION, MAJOR, MINOR_PUNCTUATION, MINOR],
        default=0.0,  # Neutral, No-error
    )
    return weights.astype(float)


def read_mqm_tsv(tsv_path: str | Path) -> pd.DataFrame:
    """The raw per-error TSV, read with quoting disabled (targets contain bare quotes)."""
    tsv_path = Path(tsv_path)
    try:
        frame = pd.read_csv(tsv_path, sep="\t", quoting=csv.QUOTE_NONE, dtype={"seg_id": "Int64"},
                            keep_default_na=False, na_values=[""])
    except (OSError, ValueError) as exc:
        raise DataError(located(f"cannot read the MQM file ({exc})", file=str(tsv_path),
                                fix="pass a mqm_<testset>_<lp>.tsv file of the WMT MQM "
                                    "release.")) from exc
    absent = [c for c in COLUMNS if c not in frame.columns]
    if absent:
        raise DataError(located(f"missing column(s) {absent}; the file has {list(frame.columns)}",
                                file=str(tsv_path), column=absent[0],
                                fix="pass the release's per-error TSV unchanged."))
    return frame


def load_wmt_mqm(tsv_path: str | Path) -> pd.DataFrame:
    """Segment MQM scores: columns ``system, seg_id, doc, n_raters, mqm`` (one row per rated
    (system, segment), in order of first appearance). ``mqm = -mean_raters(sum of weights)``."""
    frame = read_mqm_tsv(tsv_path)
    frame = frame.assign(weight=error_weights(frame["category"], frame["severity"]))
    per_rater = frame.groupby(["system", "seg_id", "rater"], sort=False).agg(
        doc=("doc", "first"), penalty=("weight", "sum")).reset_index()
    segments = per_rater.groupby(["system", "seg_id"], sort=False).agg(
        doc=("doc", "first"), n_raters=("rater", "nunique"), penalty=("penalty", "mean"))
    segments["mqm"] = -segments.pop("penalty")
    out = segments.reset_index()
    out["seg_id"] = out["seg_id"].astype(int)
    return out


def is_reference(system: str) -> bool:
    """Human reference translations (``ref``, ``refB``, ``ref-A`` ...) are not scored systems."""
    return str(system).lower().startswith("ref")


def wmt_mqm_judgements(lp_dir: str | Path,
                       metrics: Mapping[str, pd.DataFrame] | None = None,
                       missing: str = "error") -> JudgementSet:
    """Judgement set of one language pair folder (``.../wmt_mqm_ted/ende``).

    Item = ``seg_id``, system, human = ``mqm``, group ``doc``; ``ref*`` systems are left out.
    ``metrics`` maps a metric name to a frame with columns ``system``, ``seg_id`` and ``score``
    (higher = better), joined on (system, seg_id).
    """
    lp_dir = Path(lp_dir)
    found = sorted(p for p in lp_dir.glob("mqm_*.tsv") if not p.name.endswith("_scores.tsv"))
    if len(found) != 1:
        raise DataError(located(f"expected one mqm_<testset>_<lp>.tsv file, found {len(found)}",
                                file=str(lp_dir), fix="pass a language-pair folder of the "
                                                      "WMT MQM release."))
    tsv = found[0]
    table = load_wmt_mqm(tsv)
    table = table[~table["system"].map(is_reference)].reset_index(drop=True)
    names = []
    for name, scores in (metrics or {}).items():
        needed = {"system", "seg_id", "score"}
        if not needed <= set(scores.columns):
            raise DataError(f"metric {name!r}: score frame needs columns {sorted(needed)}, has "
                            f"{list(scores.columns)}. Fix: rename its columns.")
        keyed = scores[["system", "seg_id", "score"]].rename(columns={"score": name})
        keyed = keyed.assign(seg_id=keyed["seg_id"].astype(int))
        if keyed.duplicated(["system", "seg_id"]).any():
            raise DataError(f"metric {name!r}: more than one score for some (system, seg_id). "
                            "Fix: give one score per segment and system.")
        table = table.merge(keyed, on=["system", "seg_id"], how="left")
        names.append(name)
    info = DatasetInfo(name=f"wmt_mqm_{tsv.stem.removeprefix('mqm_')}",
                       title=f"WMT MQM expert annotations ({tsv.stem})", citation=CITATION,
                       licence="Apache-2.0", url=URL,
                       description="segment MQM = -(weighted error count) averaged over raters",
                       source=str(tsv))
    js = JudgementSet.from_frame(table, item="seg_id", system="system", human="mqm",
                                 metrics=names, groups=["doc"], info=info, missing=missing)
    js.metrics = {n: MetricInfo(n) for n in names}
    return js
