"""`load_table` on real data written in every supported format, dataset cards, and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from metaeval.correlation.inputs import load_with_scores
from metaeval.data.gensvs import CARD as GSVS_CARD
from metaeval.data.gensvs import DATA_FILE, LOWER_IS_BETTER, load_gensvs
from metaeval.data.loaders import load_table, read_table
from metaeval.errors import DataError
from tests.registered import registered

FOLDER = registered("gensvs_eval")
RAW = pd.read_csv(FOLDER / DATA_FILE)
SMALL = RAW[["file_id", "model_name", "model_type", "group_id", "DMOS", "sdr", "sisdr", "multi_res_loss"]]
MAPPING = dict(item="file_id", system="model_name", human="DMOS",
               metrics=["sdr", "sisdr", "multi_res_loss"], groups=["model_type"],
               lower_is_better=["multi_res_loss"])


def write(frame: pd.DataFrame, path):
    suffix = path.suffix
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".tsv":
        frame.to_csv(path, sep="\t", index=False)
    elif suffix == ".jsonl":  # json keeps every float digit (pandas' to_json rounds to 10)
        records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    return path


# ---------------------------------------------------------------------- formats
@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"])
def test_every_format_gives_the_released_values(tmp_path, suffix):
    js = load_table(write(SMALL, tmp_path / f"ratings{suffix}"), **MAPPING)
    reference = load_gensvs()
    assert len(js) == 250
    assert js.metrics["multi_res_loss"].higher_is_better is False
    assert js.metrics["sdr"].higher_is_better is True
    gold, scores, systems, items = js.matrices()
    ref_gold, ref_scores, ref_systems, ref_items = reference.matrices(["sdr", "sisdr",
                                                                       "multi_res_loss"])
    assert systems == ref_systems and items == ref_items
    np.testing.assert_array_equal(gold, ref_gold)
    np.testing.assert_array_equal(scores, ref_scores)
    assert js.info.source == str(tmp_path / f"ratings{suffix}")
    assert js.info.name == "ratings"


def test_full_released_csv_with_its_card_equals_load_gensvs():
    js = load_table(FOLDER / DATA_FILE, card=GSVS_CARD)
    ref = load_gensvs()
    assert js.metric_names == ref.metric_names
    assert sorted(m for m, i in js.metrics.items() if not i.higher_is_better) == sorted(
        LOWER_IS_BETTER)
    assert js.groups == ref.groups and js.human == ref.human
    assert {k: v for k, v in js.info.__dict__.items() if k != "source"} == {
        k: v for k, v in ref.info.__dict__.items() if k != "source"}
    assert js.metrics["sdr"].description == ref.metrics["sdr"].description
    pd.testing.assert_frame_equal(js.table, ref.table)


def test_metrics_default_to_numeric_columns(tmp_path):
    js = load_table(write(SMALL, tmp_path / "r.csv"), item="file_id", system="model_name",
                    human="DMOS", groups=["model_type"])
    assert js.metric_names == ["sdr", "sisdr", "multi_res_loss"]
    assert all(info.higher_is_better for info in js.metrics.values())


def test_rater_rows(tmp_path):
    from metaeval.data.gensvs import gensvs_ratings

    long = gensvs_ratings().merge(RAW[["file_id", "model_name", "sdr"]],
                                  left_on=["item", "system"], right_on=["file_id", "model_name"])
    path = write(long[["item", "system", "rater", "rating", "sdr"]], tmp_path / "long.csv")
    js = load_table(path, item="item", system="system", rater="rater", human="rating",
                    metrics=["sdr"])
    assert js.has_rater and len(js) == 3000
    cells = js.cells().set_index(["item", "system"])["rating"]
    dmos = RAW.set_index(["file_id", "model_name"])["DMOS"]
    np.testing.assert_allclose(cells.to_numpy(), dmos.loc[cells.index].to_numpy(), atol=1e-12)


def test_line_numbers_follow_blank_lines_and_quoted_newlines(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('item,system,human,m\n'
                    'a,s1,1,0.5\n'
                    '\n'
                    '"b\nsplit",s1,2,0.1\n'
                    'c,s1,3,oops\n')
    frame, lines = read_table(path)
    assert lines == [2, 4, 6]
    with pytest.raises(DataError, match=r"q\.csv, row 6, column 'm': value 'oops' is not a number"):
        load_table(path, item="item", system="system", human="human", metrics=["m"])


# ---------------------------------------------------------------------- cards
CARD = """\
name: tiny
title: Tiny test
citation: "Someone 2025"
licence: CC-BY-4.0
url: https://example.org
description: three columns
item: file_id
system: model_name
human: DMOS
groups: [model_type]
metrics:
  sdr: {description: "signal-to-distortion ratio"}
  multi_res_loss: {direction: lower}
"""


@pytest.mark.parametrize("card_name", ["ratings.csv.yaml", "ratings.csv.yml", "metaeval.yaml"])
def test_card_next_to_the_file(tmp_path, card_name):
    path = write(SMALL, tmp_path / "ratings.csv")
    (tmp_path / card_name).write_text(CARD)
    js = load_table(path)
    assert js.metric_names == ["sdr", "multi_res_loss"]
    assert js.metrics["multi_res_loss"].higher_is_better is False
    assert js.metrics["sdr"].description == "signal-to-distortion ratio"
    assert js.groups == ["model_type"]
    assert (js.info.name, js.info.title, js.info.citation, js.info.licence, js.info.url,
            js.info.description) == ("tiny", "Tiny test", "Someone 2025", "CC-BY-4.0",
                                     "https://example.org", "three columns")
    assert js.info.source == str(path)


def test_arguments_override_the_card(tmp_path):
    path = write(SMALL, tmp_path / "ratings.csv")
    card = tmp_path / "elsewhere.yaml"
    card.write_text(CARD + "lower_is_better: [sisdr]\n")
    js = load_table(path, card=card, metrics=["sisdr"], groups=["group_id"])
    assert js.metric_names == ["sisdr"]
    assert js.metrics["sisdr"].higher_is_better is False
    assert js.groups == ["group_id"]
    js = load_table(path, card=card, metrics=["sisdr", "sdr"], lower_is_better=["sdr"])
    assert not js.metrics["sdr"].higher_is_better and js.metrics["sisdr"].higher_is_better


def test_card_unknown_key(tmp_path):
    path = write(SMALL, tmp_path / "ratings.csv")
    (tmp_path / "ratings.csv.yaml").write_text(CARD + "license: MIT\n")
    with pytest.raises(DataError, match=r"ratings\.csv\.yaml: unknown key 'license'.*"
                                        r"did you mean 'licence'"):
        load_table(path)


def test_card_unknown_metric_key(tmp_path):
    card = tmp_path / "c.yaml"
    card.write_text("metrics:\n  sdr: {higher: true}\n")
    with pytest.raises(DataError, match=r"c\.yaml: unknown key 'higher' in metric 'sdr'"):
        load_table(write(SMALL, tmp_path / "r.csv"), card=card)


@pytest.mark.parametrize("text,message", [
    ("- a\n- b\n", "must be a mapping"),
    ("item: [a, b]\n", r"expected a text value.*\(key 'item'\)"),
    ("missing: zero\n", r"missing must be 'error' or 'drop'"),
    ("metrics:\n  sdr: {direction: up}\n", r"direction of metric 'sdr'"),
    ("item: [unclosed\n", "not valid YAML"),
])
def test_card_bad_values(tmp_path, text, message):
    card = tmp_path / "bad.yaml"
    card.write_text(text)
    with pytest.raises(DataError, match=rf"bad\.yaml: .*{message}"):
        load_table(write(SMALL, tmp_path / "r.csv"), card=card)


def test_card_lower_is_better_typo_names_the_card(tmp_path):
    path = write(SMALL, tmp_path / "r.csv")
    (tmp_path / "metaeval.yaml").write_text(CARD + "lower_is_better: [multires]\n")
    with pytest.raises(DataError, match=r"metaeval\.yaml, column 'multires': lower_is_better"):
        load_table(path)


def test_card_missing_policy(tmp_path):
    frame = SMALL.copy()
    frame.loc[0, "sdr"] = np.nan
    path = write(frame, tmp_path / "r.csv")
    (tmp_path / "r.csv.yaml").write_text(CARD + "missing: drop\n")
    assert load_table(path).table["sdr"].isna().sum() == 1
    with pytest.raises(DataError, match="missing metric score"):
        load_table(path, missing="error")


# ---------------------------------------------------------------------- bad input
def test_unsupported_extension(tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_text("x")
    with pytest.raises(DataError, match=r"r\.xlsx: unsupported file type '\.xlsx'.*Fix: save"):
        load_table(path, **MAPPING)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"nope\.csv: cannot read the file \(no such file\)"):
        load_table(tmp_path / "nope.csv", **MAPPING)


def test_unreadable_parquet(tmp_path):
    path = tmp_path / "r.parquet"
    path.write_text("not parquet")
    with pytest.raises(DataError, match=r"r\.parquet: cannot read the file .*Fix:"):
        load_table(path, **MAPPING)


def test_binary_csv(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"item,system\n\xff\xfe\x00,a\n")
    with pytest.raises(DataError, match=r"r\.csv, row 2: not UTF-8 text \(byte 0xff"):
        load_table(path, **MAPPING)


def test_unknown_columns(tmp_path):
    path = write(SMALL, tmp_path / "r.csv")
    with pytest.raises(DataError, match=r"r\.csv, column 'DMOZ': unknown column\(s\) \['DMOZ'\]"
                                        r".*the file has .*Fix: did you mean 'DMOS'\? "
                                        r"Otherwise spell"):
        load_table(path, **{**MAPPING, "human": "DMOZ"})


def test_no_mapping_and_no_card(tmp_path):
    path = write(SMALL, tmp_path / "r.csv")
    with pytest.raises(DataError, match=r"r\.csv: no item column given and none is named "
                                        r"'item'.*Fix: pass item=COL"):
        load_table(path)


def test_item_and_system_are_the_columns_so_named_by_default(tmp_path):
    """README: `metaeval correlate --data ratings.csv --human score --scores scores.parquet` on
    a table whose key columns are called item and system needs no --item/--system."""
    explicit = load_table(write(SMALL, tmp_path / "a.csv"), **MAPPING)
    renamed = SMALL.rename(columns={"file_id": "item", "model_name": "system"})
    mapping = {k: v for k, v in MAPPING.items() if k not in ("item", "system")}
    js = load_table(write(renamed, tmp_path / "b.csv"), **mapping)
    pd.testing.assert_frame_equal(js.table, explicit.table)
    scores = write(renamed[["item", "system", "sisdr"]], tmp_path / "scores.csv")
    judged = write(renamed.drop(columns="sisdr"), tmp_path / "c.csv")
    joined = load_with_scores(judged, scores, **{**mapping, "metrics": ["sdr", "sisdr"],
                                                 "lower_is_better": ()})
    pd.testing.assert_series_equal(joined.table["sisdr"], explicit.table["sisdr"])
    assert joined.table["DMOS"].tolist() == explicit.table["DMOS"].tolist()
    with pytest.raises(DataError, match=r"no system column given and none is named 'system'"):
        load_table(write(renamed.drop(columns="system"), tmp_path / "d.csv"), **mapping)


@pytest.mark.parametrize("suffix,first_line", [(".csv", 2), (".jsonl", 1)])
def test_duplicate_rows(tmp_path, suffix, first_line):
    frame = pd.concat([SMALL.iloc[:5], SMALL.iloc[[2]]], ignore_index=True)
    path = write(frame, tmp_path / f"r{suffix}")
    line = first_line + 2
    with pytest.raises(DataError, match=rf"r{suffix}, row {line}, column 'file_id': duplicate row "
                                        rf"for file_id=.*model_name=.*\(rows {line} and "
                                        rf"{first_line + 5}\).*Fix: .*--rater"):
        load_table(path, **MAPPING)


@pytest.mark.parametrize("suffix,line", [(".csv", 9), (".tsv", 9), (".jsonl", 8),
                                         (".parquet", 9)])
def test_non_numeric_metric(tmp_path, suffix, line):
    frame = SMALL.astype({"sisdr": str})  # parquet needs one type per column
    frame.loc[7, "sisdr"] = "n/a dB"
    path = write(frame, tmp_path / f"r{suffix}")
    with pytest.raises(DataError, match=rf"r{suffix}, row {line}, column 'sisdr': value 'n/a dB' "
                                        r"is not a number.*Fix: write numbers only"):
        load_table(path, **MAPPING)


def test_non_numeric_human(tmp_path):
    frame = SMALL.astype({"DMOS": object})
    frame.loc[0, "DMOS"] = "good"
    with pytest.raises(DataError, match=r"r\.csv, row 2, column 'DMOS': value 'good'"):
        load_table(write(frame, tmp_path / "r.csv"), **MAPPING)


@pytest.mark.parametrize("suffix,line", [(".csv", 12), (".jsonl", 11)])
def test_missing_metric_value_is_an_error_unless_drop(tmp_path, suffix, line):
    frame = SMALL.copy()
    frame.loc[10, "multi_res_loss"] = np.nan
    path = write(frame, tmp_path / f"r{suffix}")
    with pytest.raises(DataError, match=rf"r{suffix}, row {line}, column 'multi_res_loss': missing "
                                        r"metric score \(1 missing.*--missing drop.*never filled "
                                        r"with 0"):
        load_table(path, **MAPPING)
    js = load_table(path, **MAPPING, missing="drop")
    assert js.table["multi_res_loss"].isna().sum() == 1
    assert (js.table["multi_res_loss"] != 0).all()


def test_missing_human_is_allowed(tmp_path):
    frame = SMALL.copy()
    frame.loc[4, "DMOS"] = np.nan
    js = load_table(write(frame, tmp_path / "r.csv"), **MAPPING)
    assert js.table["DMOS"].isna().sum() == 1


@pytest.mark.parametrize("extra,fields", [(",0.3", 9), ("", None)])
def test_ragged_csv_line(tmp_path, extra, fields):
    path = write(SMALL.iloc[:6], tmp_path / "r.csv")
    lines = path.read_text().splitlines()
    lines[4] = lines[4] + extra if extra else ",".join(lines[4].split(",")[:-2])
    path.write_text("\n".join(lines) + "\n")
    got = fields or 6
    with pytest.raises(DataError, match=rf"r\.csv, row 5, column '.*': this line has {got} "
                                        r"field\(s\), the header has 8.*Fix: give every line"):
        load_table(path, **MAPPING)


def test_bad_json_line(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"a": 1}) + "\n" + "{oops\n")
    with pytest.raises(DataError, match=r"r\.jsonl, row 2: not valid JSON"):
        load_table(path, **MAPPING)
    path.write_text("[1, 2]\n")
    with pytest.raises(DataError, match=r"r\.jsonl, row 1: expected a JSON object, got list"):
        load_table(path, **MAPPING)


def test_empty_key(tmp_path):
    frame = SMALL.copy()
    frame.loc[3, "model_name"] = ""
    with pytest.raises(DataError, match=r"r\.csv, row 5, column 'model_name': empty"):
        load_table(write(frame, tmp_path / "r.csv"), **MAPPING)


def test_empty_csv(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("")
    with pytest.raises(DataError, match=r"r\.csv: the file is empty"):
        load_table(path, **MAPPING)


def test_default_metrics_keep_a_mostly_numeric_column_and_report_its_bad_cell(tmp_path):
    frame = SMALL.astype({"sdr": str})
    frame.loc[6, "sdr"] = "n/a?"
    path = write(frame, tmp_path / "bad.csv")
    with pytest.raises(DataError, match=r"bad\.csv, row 8, column 'sdr': value 'n/a\?'"):
        load_table(path, item="file_id", system="model_name", human="DMOS")
    js = load_table(write(RAW, tmp_path / "raw.csv"), item="file_id", system="model_name",
                    human="DMOS", groups=["model_type", "group_id"])
    assert "filepath" not in js.metrics and "trial_id" not in js.metrics
    assert js.metric_names[:2] == ["rating_0", "rating_1"] and "sdr" in js.metrics


def test_an_empty_column_is_no_metric(tmp_path):
    """A column without a value (read as float NaN from CSV) is not a metric candidate, as an
    empty text column already was not; the note says why it was left out."""
    frame = SMALL.assign(empty=np.nan)
    js = load_table(write(frame, tmp_path / "r.csv"), item="file_id", system="model_name",
                    human="DMOS", groups=["model_type"])
    assert js.metric_names == ["sdr", "sisdr", "multi_res_loss"]
    assert js.notes[0].endswith("not metrics: group_id (not numbers), empty (empty)")
