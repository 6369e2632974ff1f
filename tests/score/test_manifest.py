"""Manifest tables and the folder convention: rows, paths and the errors for bad input."""

from __future__ import annotations

import json

import pytest

from metaeval.errors import DataError, ParameterError
from metaeval.score.manifest import expand_patterns, read_manifest
from metaeval.score.sources import load_rows
from tests.score.fakes import make_tree, write_manifest


@pytest.fixture
def tree(tmp_path):
    make_tree(tmp_path)
    return tmp_path


def test_csv_manifest_paths_are_relative_to_the_manifest(tree):
    rows = read_manifest(write_manifest(tree))
    assert [(r.item, r.system) for r in rows][:2] == [("a", "good"), ("b", "good")]
    assert len(rows) == 8
    assert rows[0].paths == {"estimate": tree / "out/good/a.wav", "reference": tree / "ref/a.wav"}
    assert rows[0].origin.endswith("items.csv, row 2")


def test_item_names_keep_leading_zeros(tree):
    (tree / "ref" / "007.wav").write_bytes((tree / "ref" / "a.wav").read_bytes())
    path = tree / "m.csv"
    path.write_text("item,system,estimate,reference\n007,good,out/good/a.wav,ref/007.wav\n")
    assert read_manifest(path)[0].item == "007"


def test_jsonl_manifest_with_mixture(tree):
    path = tree / "m.jsonl"
    records = [{"item": "a", "system": "good", "estimate": "out/good/a.wav",
                "reference": "ref/a.wav", "mixture": str(tree / "ref/b.wav")}]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    [row] = read_manifest(path, needs=("estimate", "reference", "mixture"))
    assert row.paths["mixture"] == tree / "ref/b.wav"


def test_missing_column_names_file_column_and_fix(tree):
    path = tree / "m.csv"
    path.write_text("item,system,estimate\na,good,out/good/a.wav\n")
    with pytest.raises(DataError) as info:
        read_manifest(path)
    message = str(info.value)
    assert str(path) in message and "'reference'" in message and "Fix:" in message
    assert len(read_manifest(path, needs=("estimate",))) == 1  # a non-intrusive run needs no reference


def test_missing_file_names_the_row_and_column(tree):
    path = tree / "m.csv"
    path.write_text("item,system,estimate,reference\na,good,out/good/a.wav,ref/a.wav\n"
                    "b,good,out/good/b.wav,ref/nope.wav\n")
    with pytest.raises(DataError, match=r"m\.csv, row 3, column 'reference': audio file not found"):
        read_manifest(path)


def test_empty_cell_and_duplicate_pair(tree):
    path = tree / "m.csv"
    path.write_text("item,system,estimate,reference\n,good,out/good/a.wav,ref/a.wav\n")
    with pytest.raises(DataError, match=r"row 2, column 'item': empty cell"):
        read_manifest(path)
    path.write_text("item,system,estimate,reference\na,good,out/good/a.wav,ref/a.wav\n"
                    "a,good,out/good/b.wav,ref/a.wav\n")
    with pytest.raises(DataError, match=r"row 3.*duplicate \(item, system\) = \('a', 'good'\), "
                                        r"first given in row 2"):
        read_manifest(path)


def test_mixture_column_needed_only_when_a_metric_needs_it(tree):
    path = write_manifest(tree)
    with pytest.raises(DataError, match="'mixture'"):
        read_manifest(path, needs=("estimate", "reference", "mixture"))


def test_folder_convention_parses_system_and_item(tree):
    rows = expand_patterns(f"{tree}/out/{{system}}/{{item}}.wav", f"{tree}/ref/{{item}}.wav",
                           needs=("estimate", "reference"))
    keys = sorted(r.key() for r in rows)
    assert keys == sorted([(i, s) for s in ("good", "odd") for i in "abcd"]
                          + [("a", "bad"), ("b", "bad")])
    row = next(r for r in rows if r.key() == ("c", "odd"))
    assert row.paths == {"estimate": tree / "out/odd/c.wav", "reference": tree / "ref/c.wav"}


def test_folder_convention_with_literal_text_around_placeholders(tmp_path):
    for system in ("X", "Y"):
        for n in (1, 12):
            path = tmp_path / system / f"vocals_fileid_{n}.wav"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(b"")
    (tmp_path / "Target").mkdir()
    for n in (1, 12):
        (tmp_path / "Target" / f"target_fileid_{n}.wav").write_bytes(b"")
    rows = expand_patterns(f"{tmp_path}/{{system}}/vocals_fileid_{{item}}.wav",
                           f"{tmp_path}/Target/target_fileid_{{item}}.wav")
    assert sorted(r.key() for r in rows) == [("1", "X"), ("1", "Y"), ("12", "X"), ("12", "Y")]
    assert rows[0].paths["reference"].name.startswith("target_fileid_")


def test_folder_convention_errors(tree):
    with pytest.raises(ParameterError, match="must contain {system} and {item}"):
        expand_patterns(f"{tree}/out/{{item}}.wav", f"{tree}/ref/{{item}}.wav")
    with pytest.raises(DataError, match="matched no file"):
        expand_patterns(f"{tree}/nothing/{{system}}/{{item}}.wav", f"{tree}/ref/{{item}}.wav")
    with pytest.raises(DataError, match=r"no reference for item 'a' \(system 'bad'\)"):
        expand_patterns(f"{tree}/out/{{system}}/{{item}}.wav", f"{tree}/missing/{{item}}.wav")
    with pytest.raises(ParameterError, match="need the reference"):
        expand_patterns(f"{tree}/out/{{system}}/{{item}}.wav")


def test_load_rows_needs_exactly_one_source(tree):
    with pytest.raises(ParameterError, match="nothing to score"):
        load_rows()
    with pytest.raises(ParameterError, match="not both"):
        load_rows(write_manifest(tree), estimates="x/{system}/{item}.wav")
    with pytest.raises(ParameterError, match=r"images='x': is the folder of the image paths of an "
                                             r"image manifest or a THumB file; .* holds audio inputs"):
        load_rows(write_manifest(tree), images="x")
    with pytest.raises(ParameterError, match="goes with an image manifest"):
        load_rows(estimates=f"{tree}/out/{{system}}/{{item}}.wav", images="x")
