"""A key named twice in a dataset card, a score table's metadata or an ACES JSON file is an
error naming the file, the key and both lines (:mod:`metaeval.data.strict`), never "the last
one wins"."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from metaeval.challenge import read_challenge_set
from metaeval.data import load_table, read_card
from metaeval.data.strict import FIX
from metaeval.errors import DataError
from metaeval.score.files import read_scores


def test_a_card_naming_a_key_twice_names_the_file_the_key_and_both_lines(tmp_path):
    card = tmp_path / "d.csv.yaml"
    card.write_text("item: item\nsystem: system\nhuman: mos\nmissing: drop\nhuman: other\n")
    with pytest.raises(DataError) as caught:
        read_card(card)
    assert str(caught.value) == (f"{card}, row 5: the key 'human' is given twice (lines 3 and "
                                 f"5) Fix: {FIX}")
    card.write_text("item: item\nsystem: system\nhuman: mos\nmetrics:\n  m1: {direction: lower}"
                    "\n  m2: {}\n  m1: {direction: higher}\n")
    with pytest.raises(DataError, match=r"the key 'm1' is given twice \(lines 5 and 7\)"):
        read_card(card)


def test_load_table_refuses_the_card_before_reading_data(tmp_path):
    pd.DataFrame({"item": [1, 2], "system": ["a", "b"], "mos": [1.0, 2.0], "m": [3.0, 1.0]}
                 ).to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "d.csv.yaml").write_text("item: item\nsystem: system\nhuman: mos\nhuman: m\n")
    with pytest.raises(DataError, match=r"d.csv.yaml, row 4: the key 'human' is given twice"):
        load_table(tmp_path / "d.csv")


def test_score_metadata_naming_a_metric_twice_is_refused(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("item,system,chrf,errors\n1,a,0.5,\n")
    (tmp_path / "s.csv.yaml").write_text("item: item\nsystem: system\nmetrics:\n"
                                         "  chrf: {higher_is_better: true, config: a}\n"
                                         "  chrf: {higher_is_better: false, config: b}\n")
    with pytest.raises(DataError, match=r"s.csv.yaml, row 5: the key 'chrf' is given twice "
                                        r"\(lines 4 and 5\)"):
        read_scores(path)


def test_an_aces_json_with_an_id_twice_names_the_id_and_both_lines(datasets_dir, tmp_path):
    """The real ACES sample with its first record repeated under the same id at the end: json
    kept the last record and dropped a pair silently."""
    text = (datasets_dir / "aces_sample" / "subset.json").read_text(encoding="utf-8")
    records = json.loads(text)
    first = next(iter(records))
    assert len(read_challenge_set(datasets_dir / "aces_sample" / "subset.json").pairs) == 100
    repeated = text.rstrip().rstrip("}").rstrip() + ",\n" + json.dumps(first) + ": " + \
        json.dumps(records[first]) + "\n}\n"
    path = tmp_path / "twice.json"
    path.write_text(repeated, encoding="utf-8")
    lines = repeated.splitlines()
    where = [i + 1 for i, line in enumerate(lines) if line.lstrip().startswith(f'"{first}":')]
    assert len(where) == 2
    with pytest.raises(DataError) as caught:
        read_challenge_set(path)
    assert str(caught.value) == (f"{path}, row {where[1]}: the id '{first}' is given twice "
                                 f"(lines {where[0]} and {where[1]}) Fix: {FIX}")
