"""Names that look the same (they differ only by an invisible or space character) are refused
when a judgement set is built: reports would show two rows with one name."""

from __future__ import annotations

import pandas as pd
import pytest

from metaeval.data import load_table
from metaeval.data.validate import visible_form
from metaeval.errors import DataError
from tests.robustness.conftest import invoke, one_error_line


def test_visible_form():
    assert visible_form("sisdr\u200b") == visible_form("si\u00adsdr") == "sisdr"
    assert visible_form("a\u00a0b") == visible_form("a  b") == "a b"
    assert visible_form("\ufeffDMOS") == "DMOS" and visible_form("sísdr") != "sisdr"


@pytest.mark.parametrize("twin, character", [
    ("sisdr\u200b", "U+200B ZERO WIDTH SPACE"), ("sisdr\u00a0", "U+00A0 NO-BREAK SPACE"),
    ("\ufeffsisdr", "U+FEFF ZERO WIDTH NO-BREAK SPACE")])
def test_metric_names_differing_by_an_invisible_character_are_refused(datasets_dir, tmp_path,
                                                                       twin, character):
    """The real GSVS table with one metric column repeated under a name that differs only by an
    invisible character: both showed as 'sisdr' rows."""
    frame = pd.read_csv(datasets_dir / "gensvs_eval" / "gensvs_eval_data.csv")
    frame[twin] = frame["sisdr"] + 1.0
    path = tmp_path / "gsvs.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError) as caught:
        load_table(path, item="file_id", system="model_name", human="DMOS",
                   metrics=["sisdr", "sdr", twin])
    assert str(caught.value) == (
        f"{path}: columns 'sisdr' and {twin!r} look the same: they differ only by invisible or "
        f"space characters ({character}), so reports would show two rows with one name Fix: "
        "rename one of them, or remove the invisible character from the header.")
    (tmp_path / "gsvs.csv.yaml").write_text("item: file_id\nsystem: model_name\nhuman: DMOS\n"
                                            f"metrics: [sisdr, sdr, {twin!r}]\n".replace(
                                                "'", '"'))
    result = invoke("correlate", "--data", path, "--k", "0", "--out", tmp_path / "o")
    assert result.exit_code == 1 and "look the same" in one_error_line(result)


def test_display_names_that_only_look_the_same_are_refused(tmp_path):
    pd.DataFrame({"item": [1, 1, 2, 2], "system": list("abab"), "mos": [1, 2, 3, 4],
                  "m1": [1, 2, 4, 3], "m2": [2, 1, 3, 4]}).to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "d.csv.yaml").write_text("item: item\nsystem: system\nhuman: mos\n"
                                         "display_names: {m1: SI-SDR, m2: \"SI-SDR\\u200b\"}\n")
    with pytest.raises(DataError, match="is given to both 'm1' and 'm2'"):
        load_table(tmp_path / "d.csv")
