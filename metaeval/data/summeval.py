"""SummEval expert judgements (Fabbri, Kryscinski, McCann, Xiong, Socher, Radev, TACL 2021).

100 CNN/DailyMail test articles x 16 summarisation systems = 1,600 summaries, each rated by three
experts on coherence, consistency, fluency and relevance (1..5; the human scores here are the
expert means); 11 reference summaries per article (the original highlights and 10 crowd-written
ones). Registered as the data set ``summeval`` (:mod:`metaeval.data.registry`): the SummEval release as
distributed by neulab/BARTScore (``SUM/SummEval/data.pkl``, Apache-2.0), converted to JSON lines
by :func:`from_bartscore_pickle`: ``documents.jsonl`` (doc_id, source, references) and
``summaries.jsonl`` (doc_id, system, summary, scores{coherence, consistency, fluency,
relevance}); the converted files are verified by their registered sha256.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pandas as pd

from metaeval.data.datasets import resolve
from metaeval.data.judgements import DatasetInfo, JudgementSet
from metaeval.data.registry import dataset
from metaeval.errors import DataError, located

NAME = "summeval"
ASPECTS = ("coherence", "consistency", "fluency", "relevance")
CITATION = dataset(NAME).citation
INFO = DatasetInfo(
    name=NAME, title=dataset(NAME).title, citation=CITATION, licence=dataset(NAME).licence,
    url=dataset(NAME).url, description=dataset(NAME).description,
    human_definition="mean of three expert ratings (1..5) per aspect")


def _folder(folder: str | Path | None) -> Path:
    """``folder``, or the registered set (found, cached or downloaded)."""
    return Path(folder) if folder is not None else resolve(NAME)


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
    rows = _records(_folder(folder) / "summaries.jsonl")
    return pd.DataFrame([{"doc_id": r["doc_id"], "system": r["system"], "summary": r["summary"],
                          **{a: float(r["scores"][a]) for a in ASPECTS}} for r in rows])


def documents(folder: str | Path | None = None) -> pd.DataFrame:
    """One row per article: doc_id, source, references (tuple of 11 texts)."""
    rows = _records(_folder(folder) / "documents.jsonl")
    return pd.DataFrame([{"doc_id": r["doc_id"], "source": r["source"],
                          "references": tuple(r["references"])} for r in rows])


def load_summeval(folder: str | Path | None = None) -> JudgementSet:
    """The judgement set: item = doc_id, system, human = the four aspects (coherence first)."""
    folder = _folder(folder)
    table = summaries(folder)[["doc_id", "system", *ASPECTS]]
    source = str(folder / "summaries.jsonl")
    return JudgementSet.from_frame(table, item="doc_id", system="system", human=list(ASPECTS),
                                   metrics=[], info=DatasetInfo(**{**INFO.__dict__,
                                                                   "source": source}))


def text_frame(folder: str | Path | None = None, references: int | None = None) -> pd.DataFrame:
    """What to score: item (doc_id), system, hypothesis (the summary), reference (the article's
    references; the first ``references`` of them when given), source (the article)."""
    folder = _folder(folder)
    docs = documents(folder).set_index("doc_id")
    frame = summaries(folder)
    refs = frame["doc_id"].map(docs["references"])
    if references is not None:
        refs = refs.map(lambda r: r[:references])
    return pd.DataFrame({"item": frame["doc_id"], "system": frame["system"],
                         "hypothesis": frame["summary"], "reference": refs,
                         "source": frame["doc_id"].map(docs["source"])})


class _PlainUnpickler(pickle.Unpickler):
    """Reads pickles of plain containers, text and numbers only (no code runs while loading)."""

    ALLOWED = {("builtins", n) for n in ("dict", "list", "tuple", "str", "float", "int")} | {
        ("collections", "OrderedDict"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar")}

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def from_bartscore_pickle(pickle_path: Path, out: Path) -> None:
    """Registry converter: BARTScore's ``SUM/SummEval/data.pkl`` -> ``documents.jsonl`` and
    ``summaries.jsonl`` in ``out`` (texts and scores unchanged, the pickle's order).

    The pickle maps doc_id -> {src, ref_summs (11 references), sys_summs: {system: {sys_summ,
    scores: {coherence, consistency, fluency, relevance, ...}}}}; only the four expert aspects
    are kept.
    """
    try:
        with open(pickle_path, "rb") as handle:
            data = _PlainUnpickler(handle).load()
        documents, summaries = [], []
        for doc_id, record in data.items():
            documents.append({"doc_id": doc_id, "source": record["src"],
                              "references": list(record["ref_summs"])})
            for system, summary in record["sys_summs"].items():
                summaries.append({"doc_id": doc_id, "system": system,
                                  "summary": summary["sys_summ"],
                                  "scores": {a: float(summary["scores"][a]) for a in ASPECTS}})
    except (pickle.UnpicklingError, KeyError, TypeError, AttributeError, EOFError) as error:
        raise DataError(located(f"not BARTScore's SummEval pickle ({error!r})",
                                file=str(pickle_path), fix="report it to the metaeval "
                                "maintainers, or use a copy of the set via METAEVAL_DATA_DIR.")) from error
    for name, rows in (("documents.jsonl", documents), ("summaries.jsonl", summaries)):
        (out / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                encoding="utf-8")
