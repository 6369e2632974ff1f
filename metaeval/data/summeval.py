"""SummEval expert judgements (Fabbri, Kryscinski, McCann, Xiong, Socher, Radev, TACL 2021).

100 CNN/DailyMail test articles x 16 summarisation systems = 1,600 summaries, each rated by three
experts on coherence, consistency, fluency and relevance (1..5; the human scores here are the
expert means); 11 reference summaries per article (the original highlights and 10 crowd-written
ones). Bundled in ``judgement_sets/summeval/`` from the SummEval release as distributed by
neulab/BARTScore (``SUM/SummEval/data.pkl``, Apache-2.0), converted to JSON lines:
``documents.jsonl`` (doc_id, source, references) and ``summaries.jsonl`` (doc_id, system,
summary, scores{coherence, consistency, fluency, relevance}).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from metaeval.data.judgements import DatasetInfo, JudgementSet
from metaeval.errors import DataError, located
from metaeval.paths import JUDGEMENT_SETS

FOLDER = JUDGEMENT_SETS / "summeval"
ASPECTS = ("coherence", "consistency", "fluency", "relevance")
CITATION = ("A. R. Fabbri, W. Kryscinski, B. McCann, C. Xiong, R. Socher, D. Radev, SummEval: "
            "Re-evaluating Summarization Evaluation, TACL 2021.")
INFO = DatasetInfo(
    name="summeval", title="SummEval expert judgements of CNN/DailyMail summaries",
    citation=CITATION, licence="Apache-2.0 (via neulab/BARTScore); articles: CNN/DailyMail",
    url="https://github.com/Yale-LILY/SummEval",
    description="100 articles x 16 systems, expert means of coherence, consistency, fluency "
                "and relevance (1..5), 11 references per article.",
    human_definition="mean of three expert ratings (1..5) per aspect")


def _records(path: Path) -> list[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(located(f"cannot read ({error})", file=str(path),
                                fix="pass the folder holding documents.jsonl and "
                                    "summaries.jsonl.")) from error


def summaries(folder: str | Path | None = None) -> pd.DataFrame:
    """One row per summary: doc_id, system, summary and the four aspect scores."""
    folder = Path(folder) if folder is not None else FOLDER
    rows = _records(folder / "summaries.jsonl")
    return pd.DataFrame([{"doc_id": r["doc_id"], "system": r["system"], "summary": r["summary"],
                          **{a: float(r["scores"][a]) for a in ASPECTS}} for r in rows])


def documents(folder: str | Path | None = None) -> pd.DataFrame:
    """One row per article: doc_id, source, references (tuple of 11 texts)."""
    folder = Path(folder) if folder is not None else FOLDER
    rows = _records(folder / "documents.jsonl")
    return pd.DataFrame([{"doc_id": r["doc_id"], "source": r["source"],
                          "references": tuple(r["references"])} for r in rows])


def load_summeval(folder: str | Path | None = None) -> JudgementSet:
    """The judgement set: item = doc_id, system, human = the four aspects (coherence first)."""
    table = summaries(folder)[["doc_id", "system", *ASPECTS]]
    source = str((Path(folder) if folder is not None else FOLDER) / "summaries.jsonl")
    return JudgementSet.from_frame(table, item="doc_id", system="system", human=list(ASPECTS),
                                   metrics=[], info=DatasetInfo(**{**INFO.__dict__,
                                                                   "source": source}))


def text_frame(folder: str | Path | None = None, references: int | None = None) -> pd.DataFrame:
    """What to score: item (doc_id), system, hypothesis (the summary), reference (the article's
    references; the first ``references`` of them when given), source (the article)."""
    docs = documents(folder).set_index("doc_id")
    frame = summaries(folder)
    refs = frame["doc_id"].map(docs["references"])
    if references is not None:
        refs = refs.map(lambda r: r[:references])
    return pd.DataFrame({"item": frame["doc_id"], "system": frame["system"],
                         "hypothesis": frame["summary"], "reference": refs,
                         "source": frame["doc_id"].map(docs["source"])})
