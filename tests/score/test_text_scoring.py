"""Scoring texts: the text manifest (CSV/JSONL, several references, ids as written, UTF-8
errors with the line), per-item failures for empty hypotheses and missing references, the cache
and the details column, one domain per run, WMT MQM files as manifests."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.errors import DataError, MetricOptionError
from metaeval.score.runner import score_items
from metaeval.score.sources import load_rows, manifest_kind
from metaeval.score.text_manifest import read_text_manifest
from tests.registered import registered

pytest.importorskip("sacrebleu")
ROWS = [
    {"item": "007", "system": "A", "hypothesis": "the cat sat on the mat",
     "references": '["the cat sat on the mat", "a cat was on the mat"]', "source": "x"},
    {"item": "007", "system": "B", "hypothesis": "", "reference": "the cat sat", "source": "x"},
    {"item": "8", "system": "A", "hypothesis": "dogs bark", "reference": "", "source": "y"},
    {"item": "8", "system": "B", "hypothesis": "dogs are barking", "reference": "dogs bark",
     "source": "y"},
]


@pytest.fixture
def manifest(tmp_path):
    path = tmp_path / "texts.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    return path


def test_csv_manifest_keeps_ids_and_reads_reference_lists(manifest):
    rows = read_text_manifest(manifest)
    assert [r.item for r in rows] == ["007", "007", "8", "8"]
    assert rows[0].texts["reference"] == ("the cat sat on the mat", "a cat was on the mat")
    assert rows[1].texts["hypothesis"] == "" and "reference" not in rows[2].texts
    assert manifest_kind(manifest) == "text"


def test_jsonl_and_numbered_references(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"item": 1, "system": "s", "hypothesis": "h", "reference": ["r1", "r2"]},
        {"item": 2, "system": "s", "hypothesis": "h2", "reference_1": "a", "reference_2": "b"}]))
    rows = read_text_manifest(path)
    assert rows[0].item == "1" and rows[0].texts["reference"] == ("r1", "r2")
    assert rows[1].texts["reference"] == ("a", "b")


@pytest.mark.parametrize("content, needle", [
    (b"item,system,hypothesis\n1,a,ok\n2,a,caf\xe9\n", r"row 3: not UTF-8 text"),
    (b"item,system,text\n1,a,ok\n", r"missing column 'hypothesis'"),
    (b"item,system,hypothesis\n1,a,x\n1,a,y\n", r"row 3.*duplicate \(item, system\)"),
    (b'item,system,hypothesis,references\n1,a,x,"[bad"\n', r"row 2.*'references'.*JSON list"),
])
def test_manifest_errors_name_file_and_row(tmp_path, content, needle):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=needle):
        read_text_manifest(path)


def test_failures_are_missing_values_with_reasons_and_the_cache_serves_again(manifest, tmp_path):
    frame = score_items(read_text_manifest(manifest), ["chrf", "bleu"], cache_dir=tmp_path / "c")
    assert frame["chrf"].notna().tolist() == [True, False, False, True]
    assert "chrf: empty hypothesis" in frame.loc[1, "errors"]
    assert "no reference given" in frame.loc[2, "errors"]
    assert frame.attrs["computed"] == 4
    again = score_items(read_text_manifest(manifest), ["chrf", "bleu"], cache_dir=tmp_path / "c")
    assert again.attrs["computed"] == 0 and again.attrs["from_cache"] == 4
    np.testing.assert_array_equal(again["chrf"], frame["chrf"])


def test_one_domain_per_run(manifest):
    with pytest.raises(MetricOptionError, match="mix domains"):
        score_items(read_text_manifest(manifest), ["chrf", "sisdr"])


def test_wmt_mqm_tsv_is_a_manifest():
    tsv = registered("wmt_mqm_ted", "ende/mqm_ted_ende.tsv")
    assert manifest_kind(tsv) == "wmt-mqm"
    rows = load_rows(tsv)
    assert len(rows) == 529 * 13 and {r.system for r in rows}.isdisjoint({"ref"})
    first = rows[0]
    assert "<v>" not in first.texts["hypothesis"] and len(first.texts["reference"]) == 1


def test_score_cli_on_a_text_manifest_writes_metadata(manifest, tmp_path):
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(app, ["score", "--manifest", str(manifest), "--metrics",
                                      "chrf,ter:normalized=true", "--out", str(out), "--cache",
                                      str(tmp_path / "c"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "chrf: 2 of 4 items failed" in result.stderr
    meta = (tmp_path / "scores.csv.yaml").read_text()
    assert "ter:normalized=true" in meta and "text_reader" in meta and "tok:tercom" in meta
