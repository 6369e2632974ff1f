"""WMT MQM expert annotations (Freitag et al. 2021) turned into segment scores and judgement sets.

Source: github.com/google/wmt-mqm-human-evaluation (Apache-2.0), files
``mqm_<testset>_<lp>.tsv`` with one row per annotated error (or ``No-error``):
``system doc doc_id seg_id rater source target category severity [comment]``.

Segment score (upstream README, "Experts, Errors, and Context", arXiv:2104.14478):
for each rater, ``penalty = sum of error weights`` with Major = 5, Minor = 1,
Minor ``Fluency/Punctuation`` = 0.1, ``Non-translation`` (any severity) = 25, Neutral and
``No-error`` = 0; the segment's MQM score is ``-mean(penalty over the segment's raters)``
(higher = better, 0 = no error). This equals the release's ``*.avg_seg_scores.tsv``. The weights
are a settable :class:`MQMWeights` (``--mqm-weights major=5,minor=1,...``) recorded in the
judgement set's ``human_definition`` and so in every result's signature.

Texts (:func:`text_frame`): the hypothesis of (system, segment) is its ``target`` with the error
span markup ``<v>...</v>`` removed; the human references are the ``ref*`` systems' targets (one
per reference system), used as the references of reference-based metrics and excluded from the
scored systems.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd

from metaeval.citations import WMT_MQM_2021
from metaeval.data.judgements import DatasetInfo, JudgementSet, MetricInfo
from metaeval.errors import DataError, ParameterError, located

MAJOR, MINOR, MINOR_PUNCTUATION, NON_TRANSLATION = 5.0, 1.0, 0.1, 25.0
COLUMNS = ("system", "doc", "seg_id", "rater", "category", "severity")
CITATION = WMT_MQM_2021
URL = "https://github.com/google/wmt-mqm-human-evaluation"
SPAN = re.compile(r"</?v>")


@dataclass(frozen=True)
class MQMWeights:
    """Penalty of each error: Major, Minor, Minor Fluency/Punctuation, Non-translation (any)."""

    major: float = MAJOR
    minor: float = MINOR
    minor_punctuation: float = MINOR_PUNCTUATION
    non_translation: float = NON_TRANSLATION

    def describe(self) -> str:
        return (f"MQM = -mean over raters of the error penalties: major {self.major:g}; minor "
                f"{self.minor:g}; minor Fluency/Punctuation {self.minor_punctuation:g}; "
                f"Non-translation {self.non_translation:g}")

    def as_option(self) -> str:
        """The weights as ``--mqm-weights`` text: ``major=5,minor=1,...``."""
        return ",".join(f"{f.name}={getattr(self, f.name):g}" for f in fields(self))

    @classmethod
    def parse(cls, text: str) -> MQMWeights:
        """``major=5,minor=1,minor_punctuation=0.1,non_translation=25`` (any subset)."""
        values = {}
        for part in filter(None, (p.strip() for p in str(text).split(","))):
            key, _, value = part.partition("=")
            if key not in {f.name for f in fields(cls)}:
                raise ParameterError("mqm_weights", text, f"unknown weight {key!r}; weights are "
                                     f"{', '.join(f.name for f in fields(cls))}.")
            try:
                values[key] = float(value)
            except ValueError:
                raise ParameterError("mqm_weights", text, f"{key}={value!r} is not a number."
                                     ) from None
        return cls(**values)


def error_weights(category: pd.Series, severity: pd.Series,
                  weights: MQMWeights = MQMWeights()) -> np.ndarray:
    """Weight of each annotated error (see module docstring)."""
    category = category.fillna("").astype(str).str.strip()
    severity = severity.fillna("").astype(str).str.strip().str.lower()
    weights = np.select(
        [category.str.lower().str.startswith("non-translation"),
         severity == "major",
         (severity == "minor") & (category == "Fluency/Punctuation"),
         severity == "minor"],
        [weights.non_translation, weights.major, weights.minor_punctuation, weights.minor],
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


def load_wmt_mqm(tsv_path: str | Path, weights: MQMWeights = MQMWeights()) -> pd.DataFrame:
    """Segment MQM scores: columns ``system, seg_id, doc, n_raters, mqm`` (one row per rated
    (system, segment), in order of first appearance). ``mqm = -mean_raters(sum of weights)``."""
    frame = read_mqm_tsv(tsv_path)
    frame = frame.assign(weight=error_weights(frame["category"], frame["severity"], weights))
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


def mqm_file(path: str | Path) -> Path:
    """The per-error TSV: ``path`` itself, or the one ``mqm_*.tsv`` of a language-pair folder."""
    path = Path(path)
    if path.is_file():
        return path
    found = sorted(p for p in path.glob("mqm_*.tsv") if not p.name.endswith("_scores.tsv"))
    if len(found) != 1:
        raise DataError(located(f"expected one mqm_<testset>_<lp>.tsv file, found {len(found)}",
                                file=str(path), fix="pass a language-pair folder of the "
                                                    "WMT MQM release, or its mqm_*.tsv file."))
    return found[0]


def mqm_info(tsv: Path, weights: MQMWeights = MQMWeights()) -> DatasetInfo:
    """Provenance of a WMT MQM judgement set (the weights in ``human_definition``)."""
    return DatasetInfo(name=f"wmt_mqm_{tsv.stem.removeprefix('mqm_')}",
                       title=f"WMT MQM expert annotations ({tsv.stem})", citation=CITATION,
                       licence="Apache-2.0", url=URL,
                       description="segment MQM = -(weighted error count) averaged over raters; "
                                   "human reference translations excluded from the systems",
                       source=str(tsv), human_definition=weights.describe())


def mqm_segments(path: str | Path, weights: MQMWeights = MQMWeights()) -> pd.DataFrame:
    """Segment MQM scores of the MT systems (references left out): system, seg_id, doc,
    n_raters, mqm."""
    table = load_wmt_mqm(mqm_file(path), weights)
    return table[~table["system"].map(is_reference)].reset_index(drop=True)


def text_frame(path: str | Path) -> pd.DataFrame:
    """What to score: item (seg_id, text), system, hypothesis, reference (a tuple: one text per
    reference system), source; the MT systems only, in file order."""
    frame = read_mqm_tsv(mqm_file(path))
    first = frame.drop_duplicates(["system", "seg_id"])[["system", "seg_id", "source", "target"]]
    first = first.assign(target=first["target"].fillna("").map(lambda t: SPAN.sub("", str(t))))
    refs = first[first["system"].map(is_reference)]
    references = refs.groupby("seg_id", sort=False)["target"].agg(tuple)
    systems = first[~first["system"].map(is_reference)]
    return pd.DataFrame({"item": systems["seg_id"].astype(int).astype(str),
                         "system": systems["system"].astype(str),
                         "hypothesis": systems["target"],
                         "reference": systems["seg_id"].map(references).map(
                             lambda r: r if isinstance(r, tuple) else ()),
                         "source": systems["source"].fillna("").astype(str)}).reset_index(drop=True)


def wmt_mqm_judgements(lp_dir: str | Path,
                       metrics: Mapping[str, pd.DataFrame] | None = None,
                       missing: str = "error", weights: MQMWeights = MQMWeights()) -> JudgementSet:
    """Judgement set of one language pair folder (``.../wmt_mqm_ted/ende``) or its TSV.

    Item = ``seg_id``, system, human = ``mqm``, group ``doc``; ``ref*`` systems are left out.
    ``metrics`` maps a metric name to a frame with columns ``system``, ``seg_id`` and ``score``
    (higher = better), joined on (system, seg_id).
    """
    tsv = mqm_file(lp_dir)
    table = mqm_segments(tsv, weights)
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
    js = JudgementSet.from_frame(table, item="seg_id", system="system", human="mqm",
                                 metrics=names, groups=["doc"], info=mqm_info(tsv, weights),
                                 missing=missing)
    js.metrics = {n: MetricInfo(n) for n in names}
    return js
