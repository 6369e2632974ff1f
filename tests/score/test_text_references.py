"""References of a text manifest: a ``reference`` cell is one text as written (never parsed, even
when it starts with ``[`` or is valid JSON); lists come only from a ``references`` column (JSON
lists) or ``reference_1..n`` columns. Checked on a hand case against sacrebleu and on the real
OpenMEVA story-generation references (TIGERScore's ``storygen_roc`` set: 80 of the 1,000
start with ``[FEMALE]`` / ``[MALE]``)."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.errors import DataError
from metaeval.score.runner import score_items
from metaeval.score.text_manifest import read_text_manifest

sacrebleu = pytest.importorskip("sacrebleu")
STORYGEN = Path("tigerscore_eval_sets") / "storygen_roc_test_data_prepared.json"
WORDS = ("the", "cat", "sat", "on", "mat", "in", "2019", "a", "dog", "ran")


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_a_reference_that_is_valid_json_is_scored_as_written(tmp_path):
    rng = np.random.default_rng(18)
    hypotheses = ["in 2019"] + [" ".join(rng.choice(WORDS, 5)) for _ in range(3)]
    references = ["[2019]", "[1, 2]", "[FEMALE] 's cat", '["a", "b"]']
    manifest = _write_csv(tmp_path / "texts.csv", ["item", "system", "hypothesis", "reference"],
                          [[str(i), "s", h, r] for i, (h, r) in
                           enumerate(zip(hypotheses, references, strict=True))])
    rows = read_text_manifest(manifest)
    assert [r.texts["reference"] for r in rows] == [(r,) for r in references]
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(app, ["score", "--manifest", str(manifest), "--metrics", "chrf",
                                      "--out", str(out), "--cache", str(tmp_path / "c"),
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    scored = pd.read_csv(out, dtype={"item": str})
    expected = [sacrebleu.sentence_chrf(h, [r]).score
                for h, r in zip(hypotheses, references, strict=True)]
    np.testing.assert_allclose(scored["chrf"], expected, rtol=0, atol=1e-9)
    assert scored["chrf"][0] == pytest.approx(35.0)  # not 84.68, the score against "2019"


def test_references_column_holds_json_lists_and_numbered_columns_add_up(tmp_path):
    manifest = _write_csv(tmp_path / "t.csv",
                          ["item", "system", "hypothesis", "reference", "references",
                           "reference_1"],
                          [["1", "s", "h", "", '["r1", "[r2]"]', ""],
                           ["2", "s", "h", "[plain]", "", "extra"]])
    rows = read_text_manifest(manifest)
    assert rows[0].texts["reference"] == ("r1", "[r2]")
    assert rows[1].texts["reference"] == ("[plain]", "extra")


@pytest.mark.parametrize("cell, needle", [
    ("plain text", r"row 3, column 'references': not a JSON list \(Expecting value\)"),
    ('{"a": 1}', r"row 3, column 'references': not a JSON list \(a JSON dict\)"),
])
def test_a_references_cell_that_is_not_a_json_list_is_refused(tmp_path, cell, needle):
    manifest = _write_csv(tmp_path / "t.csv", ["item", "system", "hypothesis", "references"],
                          [["1", "s", "h", '["ok"]'], ["2", "s", "h", cell]])
    with pytest.raises(DataError, match=needle) as error:
        read_text_manifest(manifest)
    assert str(manifest) in str(error.value) and "Fix:" in str(error.value)


@pytest.fixture
def storygen():
    root = os.environ.get("METAEVAL_DATA_DIR")
    path = Path(root) / STORYGEN if root else None
    if path is None or not path.is_file():
        pytest.skip(f"needs $METAEVAL_DATA_DIR/{STORYGEN}")
    return json.loads(path.read_text(encoding="utf-8"))


def test_openmeva_story_references_are_read_and_scored_as_written(storygen, tmp_path):
    rows = [[record["id"], candidate["model"], candidate["text"], record["output"]]
            for record in storygen for candidate in record["candidates"]]
    manifest = _write_csv(tmp_path / "story.csv", ["item", "system", "hypothesis", "reference"],
                          rows)
    read = read_text_manifest(manifest)
    assert len(read) == 1000
    assert [r.texts["reference"] for r in read] == [(row[3],) for row in rows]
    bracketed = [r for r in read if r.texts["reference"][0].startswith("[")]
    assert len(bracketed) == 80
    frame = score_items(bracketed, ["chrf"], cache_dir=tmp_path / "c")
    expected = [sacrebleu.sentence_chrf(r.texts["hypothesis"], list(r.texts["reference"])).score
                for r in bracketed]
    np.testing.assert_allclose(frame["chrf"], expected, rtol=0, atol=1e-9)
