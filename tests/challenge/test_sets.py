"""Challenge sets: the ACES layouts (JSON mapping, JSON lines, TSV), DARR-shaped pairs, errors
that name file / row / field, and the registered TED MQM pairs against their derivation rule."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from metaeval.challenge import read_challenge_set
from metaeval.challenge.sets import registered_path
from metaeval.data.ted_pairs import LANGPAIRS, all_pairs
from metaeval.data.wmt_mqm import is_reference, read_mqm_tsv
from metaeval.errors import DataError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def aces_file(datasets_dir) -> Path:
    return datasets_dir / "aces_sample" / "subset.json"


def test_reads_the_aces_json_mapping(aces_file):
    challenge = read_challenge_set(aces_file)
    pairs = challenge.pairs
    assert len(pairs) == 100 and pairs["id"].iloc[0] == "19572"
    assert pairs["phenomenon"].value_counts()["xnli-omission-neutral"] == 11
    assert set(pairs["category"]) <= {"mistranslation", "untranslated", "real-world knowledge",
                                      "addition", "omission", "do not translate", "overtranslation",
                                      "undertranslation", "wrong language", "punctuation"}
    assert challenge.name == "subset" and not challenge.has_spans


def test_tsv_and_jsonl_read_the_same_pairs(aces_file, tmp_path):
    raw = json.loads(aces_file.read_text(encoding="utf-8"))
    frame = pd.DataFrame([{"id": k, **v} for k, v in raw.items()])
    frame.to_csv(tmp_path / "aces.tsv", sep="\t", index=False)
    frame.to_json(tmp_path / "aces.jsonl", orient="records", lines=True, force_ascii=False)
    base = read_challenge_set(aces_file).pairs
    for name in ("aces.tsv", "aces.jsonl"):
        pd.testing.assert_frame_equal(read_challenge_set(tmp_path / name).pairs, base)


def test_darr_relative_ranking_pairs(tmp_path):
    """WMT DARR pairs (better / worse translation of one source) in the ACES layout."""
    (tmp_path / "darr.tsv").write_text(
        "source\tgood-translation\tincorrect-translation\treference\tphenomena\tlangpair\n"
        "Das Haus ist rot.\tThe house is red.\tThe home are red.\tThe house is red.\tdarr\tde-en\n"
        "Guten Tag.\tGood day.\tGood days.\t\tdarr\tde-en\n", encoding="utf-8")
    pairs = read_challenge_set(tmp_path / "darr.tsv").pairs
    assert list(pairs["id"]) == ["0", "1"] and list(pairs["category"]) == ["other", "other"]
    assert list(pairs["reference"]) == ["The house is red.", ""]


@pytest.mark.parametrize("body, message", [
    ("source\tgood-translation\treference\tphenomena\tlangpair\nA\tB\tC\tD\tE\n",
     "missing field(s) ['incorrect-translation']"),
    ("source\tgood-translation\tincorrect-translation\treference\tphenomena\tlangpair\n"
     "A\tB\tC\tR\tp\ten-de\nA\tB\t \tR\tp\ten-de\n", "row 3, column 'incorrect-translation'"),
    ("id\tsource\tgood-translation\tincorrect-translation\treference\tphenomena\tlangpair\n"
     "x\tA\tB\tC\tR\tp\ten-de\nx\tA\tB\tC\tR\tp\ten-de\n", "row 3, column 'id': duplicate id"),
    ("source\tgood-translation\tincorrect-translation\treference\tphenomena\tlangpair\tcategory\n"
     "A\tB\tC\tR\tp\ten-de\tmean tau\n", "column 'category': category 'mean tau'"),
])
def test_errors_name_the_file_row_and_field(tmp_path, body, message):
    path = tmp_path / "bad.tsv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(DataError) as error:
        read_challenge_set(path)
    assert str(path) in str(error.value) and message in str(error.value)
    assert "Fix:" in str(error.value)


def test_unreadable_json_is_a_clear_error(tmp_path):
    (tmp_path / "x.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="cannot read the challenge set"):
        read_challenge_set(tmp_path / "x.json")
    (tmp_path / "y.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(DataError, match="list of records"):
        read_challenge_set(tmp_path / "y.json")


def test_ted_pairs_follow_the_rule(datasets_dir):
    """Every registered pair: the good side has no error, the bad side exactly one Major error of
    the pair's phenomenon, same segment, neither a human reference."""
    pairs = read_challenge_set("ted-mqm-pairs").pairs
    assert len(pairs) == 2231
    raw = pd.read_json(registered_path("ted-mqm-pairs"), lines=True, dtype=False)
    for code, langpair in (("ende", "en-de"), ("zhen", "zh-en")):
        mqm = read_mqm_tsv(datasets_dir / "wmt_mqm_ted" / code / f"mqm_ted_{code}.tsv")
        mqm = mqm.assign(seg_id=mqm["seg_id"].astype(int))
        groups = {key: part for key, part in mqm.groupby(["seg_id", "system"])}
        sub = raw[raw["langpair"] == langpair]
        for row in sub.itertuples():
            seg = int(row.id.split("-")[2])
            good = groups[(seg, row._9)]  # good-system
            bad = groups[(seg, row._10)]  # incorrect-system
            assert not is_reference(row._9) and not is_reference(row._10)
            assert (good["category"] == "No-error").all()
            errors = bad[bad["category"] != "No-error"]
            assert len(errors) == 1 and errors["severity"].iloc[0].strip() == "Major"
            assert errors["category"].iloc[0].strip() == row.phenomena


# sha256 of challenge_sets/ted_mqm_pairs/pairs.jsonl as committed before the registry (ea72956):
# the pairs built at first use are byte for byte the file earlier versions shipped.
EARLIER_PAIRS_SHA256 = "288e4214f94eed273bf4b3760eb6c4c1cd866c8d87c1909463057dd4754471d7"


def test_pairs_built_at_first_use_equal_the_earlier_file(datasets_dir):
    path = registered_path("ted-mqm-pairs")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == EARLIER_PAIRS_SHA256
    assert registered_path("ted-mqm-pairs") == path  # cached: the second call builds nothing
    assert all_pairs(datasets_dir / "wmt_mqm_ted") == pd.read_json(
        path, lines=True, dtype=False).to_dict("records")


def test_datasheet_counts_are_those_of_the_built_pairs():
    sheet = (ROOT / "challenge_sets" / "ted_mqm_pairs" / "DATASHEET.md").read_text()
    table = sheet[sheet.index("<!-- counts -->"):sheet.index("<!-- /counts -->")]
    counts = Counter((p["langpair"], p["phenomena"]) for p in
                     pd.read_json(registered_path("ted-mqm-pairs"), lines=True).to_dict("records"))
    rows = re.findall(r"^\| ([^|*]+?) \| (\d+) \| (\d+) \|$", table, flags=re.M)
    assert rows and {(lp, phen): int(n) for phen, de, zh in rows
                     for lp, n in zip(LANGPAIRS.values(), (de, zh)) if int(n)} == dict(counts)
