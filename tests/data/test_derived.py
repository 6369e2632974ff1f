"""Sets metaeval builds at first use: cached under a key of their inputs and code, atomic; the
GSVS examples and the SummEval converter."""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

import pandas as pd
import pytest

from metaeval.data import datasets, derived, registry
from metaeval.data.summeval import ASPECTS, from_bartscore_pickle
from metaeval.errors import DataError
from tests.registered import registered

# sha256 of listening_tests/gensvs_eval/audio_examples_dmos.csv as committed before the registry (ea72956)
EARLIER_EXAMPLES_DMOS_SHA256 = "6e4567bdc88be792b5823ef0291f2f324f1a4d597efae0bc9ceda89d860f1060"


def test_gensvs_examples_equal_the_earlier_file_and_point_at_the_audio():
    folder = registered("gensvs_eval_examples")
    dmos = (folder / "audio_examples_dmos.csv").read_bytes()
    assert hashlib.sha256(dmos).hexdigest() == EARLIER_EXAMPLES_DMOS_SHA256
    manifest = pd.read_csv(folder / "audio_examples_manifest.csv")
    assert len(manifest) == 60 and list(manifest.columns) == ["item", "system", "estimate",
                                                              "reference", "mixture"]
    audio = datasets.resolve("gensvs_eval_audio") / "audio_examples"
    for column in ("estimate", "reference", "mixture"):
        paths = [Path(p) for p in manifest[column]]
        assert all(p.is_file() and p.is_relative_to(audio) for p in paths), column
    assert (folder / "audio_examples_dmos.csv.yaml").read_text().startswith("# Dataset card")


def test_a_build_runs_once_and_a_code_change_gives_a_new_key(monkeypatch, tmp_path):
    entry = registry.dataset("ted_mqm_pairs")
    inputs = {"wmt_mqm_ted": datasets.resolve("wmt_mqm_ted")}
    first = derived.build(entry, inputs)
    stamp = (first / "pairs.jsonl").stat().st_mtime_ns
    assert datasets.resolve("ted_mqm_pairs") == first
    assert (first / "pairs.jsonl").stat().st_mtime_ns == stamp  # not built again
    key = derived.build_key(entry, inputs)
    assert first.name == f"ted_mqm_pairs-{key}"
    source = tmp_path / "builder.py"
    source.write_text("# another version of the builder\n")
    import metaeval.data.ted_pairs as module

    monkeypatch.setattr(module, "__file__", str(source))
    assert derived.build_key(entry, inputs) != key
    assert derived.build_key(entry, {"wmt_mqm_ted": tmp_path}) != key  # another input folder


def test_a_failing_build_leaves_no_folder(monkeypatch, tmp_path):
    entry = registry.dataset("ted_mqm_pairs")

    def broken(inputs, out):
        (out / "pairs.jsonl").write_text("half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(derived, "_builder", lambda entry: broken)
    monkeypatch.setattr(derived, "build_key", lambda entry, inputs: "broken-key")
    with pytest.raises(RuntimeError, match="disk full"):
        derived.build(entry, {"wmt_mqm_ted": tmp_path})
    assert not list(derived.derived_cache().glob("*broken-key*"))
    assert not list(derived.derived_cache().glob(".ted_mqm_pairs-*"))


def _bartscore_like(path, documents):
    data = {}
    for doc in documents:
        data[doc["doc_id"]] = {"src": doc["source"], "ref_summ": doc["references"][0],
                               "ref_summs": doc["references"], "sys_summs": {
                                   s["system"]: {"sys_summ": s["summary"],
                                                 "scores": {**s["scores"], "rouge1_f": 0.5}}
                                   for s in doc["summaries"]}}
    path.write_bytes(pickle.dumps(data))


def test_summeval_converter_writes_the_registered_layout(tmp_path):
    docs = [{"doc_id": "dm-test-1", "source": "Größe matters .", "references": ["a", "b"],
             "summaries": [{"system": "M11", "summary": "x .",
                            "scores": {a: 1 + i / 3 for i, a in enumerate(ASPECTS)}},
                           {"system": "M0", "summary": "y .",
                            "scores": {a: 5.0 for a in ASPECTS}}]}]
    _bartscore_like(tmp_path / "data.pkl", docs)
    from_bartscore_pickle(tmp_path / "data.pkl", tmp_path)
    lines = (tmp_path / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines == ['{"doc_id": "dm-test-1", "source": "Größe matters .", "references": '
                     '["a", "b"]}']
    summaries = [json.loads(x) for x in (tmp_path / "summaries.jsonl").read_text().splitlines()]
    assert [s["system"] for s in summaries] == ["M11", "M0"]  # the pickle's order
    assert summaries[0]["scores"] == {a: 1 + i / 3 for i, a in enumerate(ASPECTS)}


def test_summeval_converter_refuses_code_in_the_pickle(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("ran",))

    (tmp_path / "data.pkl").write_bytes(pickle.dumps({"d": Evil()}))
    with pytest.raises(DataError, match=r"not BARTScore's SummEval pickle.*refusing to load "
                                        r"builtins.print"):
        from_bartscore_pickle(tmp_path / "data.pkl", tmp_path)
