"""Table readers (:mod:`metaeval.data.readers`): a file with a header and no data rows is one
clear line naming the file, whatever reads it."""

from __future__ import annotations

import pandas as pd
import pytest

from metaeval.data.readers import read_table, read_text_csv
from metaeval.errors import DataError
from tests.robustness.conftest import invoke, one_error_line

HEADER_ONLY = ("the file has a header (5 columns) and no data rows Fix: write one row per record "
               "under the header (was the file written completely?).")


@pytest.mark.parametrize("name", ["t.csv", "t.tsv", "t.parquet"])
def test_header_only_tables_are_one_line(tmp_path, name):
    path = tmp_path / name
    frame = pd.DataFrame(columns=["item", "system", "human", "m1", "m2"])
    if name.endswith(".parquet"):
        frame.to_parquet(path)
    else:
        path.write_text("\t".join(frame.columns) + "\n" if name.endswith(".tsv")
                        else ",".join(frame.columns) + "\n")
    with pytest.raises(DataError) as caught:
        read_table(path, ("item", "system"))
    assert str(caught.value) == f"{path}: {HEADER_ONLY}"
    if name.endswith(".csv"):
        with pytest.raises(DataError, match="no data rows"):
            read_text_csv(path, "give ratings.")


def test_header_only_from_the_cli(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("item,system,human,m1,m2\n")
    result = invoke("correlate", "--data", path, "--item", "item", "--system", "system",
                    "--human", "human", "--out", tmp_path / "o")
    assert result.exit_code == 1
    assert one_error_line(result) == f"error: {path}: {HEADER_ONLY}"
    ratings = tmp_path / "r.csv"
    ratings.write_text("item,system,rater,rating,x\n")
    result = invoke("listening", "summarize", "--data", ratings, "--format", "long", "--scale",
                    "1,5", "--out", tmp_path / "o")
    assert one_error_line(result) == f"error: {ratings}: {HEADER_ONLY}"
