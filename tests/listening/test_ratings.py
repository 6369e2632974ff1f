"""read_ratings: the four formats on real and hand-written files, and the bad-input errors."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from metaeval.data.gensvs import gensvs_ratings
from metaeval.errors import DataError, ParameterError
from metaeval.listening.formats import read_ratings
from metaeval.listening.ratings import RatingTable
from tests.registered import registered

DCR_FILE = registered("gensvs_eval", "dcr_test_ratings.csv")
MUSHRA_FILE = registered("bernoulli_mushra", "ratings_formated.csv")


def test_registered_gsvs_dcr_matches_the_per_rating_loader():
    table = read_ratings(format="dcr")
    assert table.kind == "dcr" and table.scale == (1.0, 5.0)
    assert len(table.frame) == 3000 and len(table.raters) == 30
    assert table.info.name == "gensvs_eval"
    expected = gensvs_ratings()
    got = table.frame.sort_values(["item", "system", "rater"]).reset_index(drop=True)
    want = expected.sort_values(["item", "system", "rater"]).reset_index(drop=True)
    assert got["rating"].tolist() == want["rating"].tolist()
    assert got["rater"].tolist() == want["rater"].tolist()
    assert got["group"].tolist() == want["group_id"].tolist()
    # DMOS of the released file = mean of the ratings
    released = pd.read_csv(table.info.source).set_index(["file_id", "model_name"])["DMOS"]
    means = table.stimulus_means()
    np.testing.assert_allclose(means.to_numpy(), released.reindex(means.index).to_numpy())


def test_registered_mushra_first_row_by_hand():
    table = read_ratings(format="mushra")
    assert table.kind == "mushra" and table.scale == (0.0, 100.0)
    assert table.reference == "Reference" and table.anchors == ("Anchor",)
    assert table.info.source == str(MUSHRA_FILE)
    assert len(table.frame) == 1512 and len(table.raters) == 21
    first = table.frame[(table.frame["item"] == "VCTK_p229_293")
                        & (table.frame["system"] == "Proposed 1.38")]
    assert first["rating"].tolist() == [41.0, 32.0, 32.0, 90.0, 46.0, 100.0, 36.0, 36.0, 51.0,
                                        75.0, 72.0]
    assert first["rater"].tolist() == ["2", "3", "5", "8", "10", "12", "13", "16", "18", "19",
                                       "21"]
    assert set(first["file"]) == {"stim_01/prop_13.wav"}
    anchor = table.frame[table.frame["system"] == "Anchor"]
    assert anchor["file"].isna().all()
    assert len(read_ratings(format="mushra", filtered=True).frame) == 1368


def _write_webmushra(path, rows, participant=("email", "age")):
    """A webMUSHRA mushra.csv as service/write.php writes it (fputcsv, header first)."""
    header = ["session_test_id", *participant, "trial_id", "rating_stimulus", "rating_score",
              "rating_time", "rating_comment"]
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


WEB_ROWS = [
    ["codec_test", "a@x.org", "31", "trial1", "reference", "100", "5321", ""],
    ["codec_test", "a@x.org", "31", "trial1", "C1", "62", "5321", ""],
    ["codec_test", "a@x.org", "31", "trial1", "anchor35", "12", "5321", ""],
    ["codec_test", "a@x.org", "31", "trial2", "reference", "95", "4100", "ok"],
    ["codec_test", "a@x.org", "31", "trial2", "C1", "70", "4100", ""],
    ["codec_test", "a@x.org", "31", "trial2", "anchor35", "20", "4100", ""],
    ["codec_test", "b@x.org", "44", "trial1", "reference", "88", "6000", ""],
    ["codec_test", "b@x.org", "44", "trial1", "C1", "50", "6000", ""],
    ["codec_test", "b@x.org", "44", "trial1", "anchor35", "8", "6000", ""],
]


def test_webmushra_export(tmp_path):
    path = tmp_path / "mushra.csv"
    _write_webmushra(path, WEB_ROWS)
    table = read_ratings(path, format="webmushra")
    assert table.kind == "mushra" and table.reference == "reference"
    assert table.anchors == ("anchor35",)
    assert table.raters == ["a@x.org|31", "b@x.org|44"]
    assert table.items == ["trial1", "trial2"]
    assert table.systems == ["C1", "anchor35", "reference"]
    means = table.stimulus_means()
    assert means[("trial1", "C1")] == 56.0 and means[("trial2", "reference")] == 95.0
    assert set(table.frame["session"]) == {"codec_test"}
    by_email = read_ratings(path, format="webmushra", rater="email")
    assert by_email.raters == ["a@x.org", "b@x.org"]


def test_webmushra_with_session_uuid(tmp_path):
    path = tmp_path / "mushra.csv"
    rows = [[r[0], "u1" if r[1] == "a@x.org" else "u2", *r[1:]] for r in WEB_ROWS]
    _write_webmushra(path, rows, participant=("session_uuid", "email", "age"))
    assert read_ratings(path, format="webmushra").raters == ["u1", "u2"]


def test_long_csv_acr(tmp_path):
    path = tmp_path / "long.csv"
    pd.DataFrame({"clip": ["a", "a", "b", "b"], "model": ["m", "m", "m", "m"],
                  "listener": [1, 2, 1, 2], "score": [4, 5, 2, 3],
                  "group": ["g", "g", "g", "g"]}).to_csv(path, index=False)
    table = read_ratings(path, format="long", kind="acr", item="clip", system="model",
                         rater="listener", rating="score")
    assert table.kind == "acr" and table.scale == (1.0, 5.0)
    assert table.stimulus_means().tolist() == [4.5, 2.5]
    assert table.raters == ["1", "2"] and "group" in table.frame
    with pytest.raises(ParameterError, match="scale"):
        read_ratings(path, format="long", item="clip", system="model", rater="listener",
                     rating="score")


def test_out_of_scale_names_file_row_column(tmp_path):
    path = tmp_path / "long.csv"
    pd.DataFrame({"item": ["a", "a", "b"], "system": ["s", "s", "s"], "rater": ["x", "y", "x"],
                  "rating": [3, 7, 2]}).to_csv(path, index=False)
    with pytest.raises(DataError) as error:
        read_ratings(path, format="long", scale=(1, 5))
    text = str(error.value)
    assert str(path) in text and "row 3" in text and "'rating'" in text and "1..5" in text
    assert "Fix:" in text


def test_out_of_scale_mushra_and_dcr(tmp_path):
    frame = pd.read_csv(MUSHRA_FILE)
    frame.loc[4, "ratings"] = "[101.0" + frame.loc[4, "ratings"][frame.loc[4, "ratings"].index(","):]
    path = tmp_path / "mushra.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"row 6.*rating 101 outside the scale 0\.\.100"):
        read_ratings(path, format="mushra")
    dcr = tmp_path / "dcr.csv"
    rows = pd.read_csv(DCR_FILE)
    rows.loc[9, "rating_3"] = 6.0
    rows.to_csv(dcr, index=False)
    with pytest.raises(DataError, match=r"row 11.*rating 6 outside the scale 1\.\.5"):
        read_ratings(dcr, format="dcr")


def test_unknown_raters(tmp_path):
    dcr = tmp_path / "dcr.csv"
    rows = pd.read_csv(DCR_FILE)
    rows.loc[2, "subject_rating_5"] = np.nan
    rows.to_csv(dcr, index=False)
    with pytest.raises(DataError, match=r"row 4, column 'subject_rating_5': unknown rater"):
        read_ratings(dcr, format="dcr")
    path = tmp_path / "long.csv"
    pd.DataFrame({"item": ["a", "a"], "system": ["s", "s"], "rater": ["x", "z"],
                  "rating": [3, 4]}).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"row 3, column 'rater': unknown rater\(s\) \['z'\]"):
        read_ratings(path, format="long", scale=(1, 5), raters=["x", "y"])
    mushra = tmp_path / "mushra.csv"
    frame = pd.read_csv(MUSHRA_FILE)
    frame.loc[0, "participant_ids"] = "[2, 3]"
    frame.to_csv(mushra, index=False)
    with pytest.raises(DataError, match="row 2.*11 ratings but 2 participant ids"):
        read_ratings(mushra, format="mushra")


def test_items_without_ratings(tmp_path):
    dcr = tmp_path / "dcr.csv"
    rows = pd.read_csv(DCR_FILE)
    for i in range(12):
        rows.loc[7, f"rating_{i}"] = np.nan
        rows.loc[7, f"subject_rating_{i}"] = np.nan
    rows.to_csv(dcr, index=False)
    with pytest.raises(DataError, match=r"row 9.*has no ratings"):
        read_ratings(dcr, format="dcr")
    mushra = tmp_path / "mushra.csv"
    frame = pd.read_csv(MUSHRA_FILE)
    frame.loc[3, ["ratings", "participant_ids"]] = ["[]", "[]"]
    frame.to_csv(mushra, index=False)
    with pytest.raises(DataError, match=r"row 5.*has no ratings"):
        read_ratings(mushra, format="mushra")
    path = tmp_path / "long.csv"
    pd.DataFrame({"item": ["a", "a"], "system": ["s", "s"], "rater": ["x", "y"],
                  "rating": [3, 4]}).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"1 item\(s\) without ratings: \['b'\]"):
        read_ratings(path, format="long", scale=(1, 5), items=["a", "b"])
    with pytest.raises(DataError, match=r"without ratings: \[\('a', 't'\)\]"):
        read_ratings(path, format="long", scale=(1, 5), items=[("a", "s"), ("a", "t")])
    blank = tmp_path / "blank.csv"
    pd.DataFrame({"item": ["a", "a"], "system": ["s", "s"], "rater": ["x", "y"],
                  "rating": [3, None]}).to_csv(blank, index=False)
    with pytest.raises(DataError, match=r"row 3, column 'rating': missing or non-numeric"):
        read_ratings(blank, format="long", scale=(1, 5))


def test_duplicates_and_bad_lists(tmp_path):
    path = tmp_path / "mushra.csv"
    _write_webmushra(path, [*WEB_ROWS, WEB_ROWS[1]])
    # listeners told apart by their participant fields only: a repeat means two merged listeners
    with pytest.raises(DataError, match=r"row 11.*trial 'trial1', stimulus 'C1' more than once"
                                        r".*merged into one rater.*--rater COLUMN"):
        read_ratings(path, format="webmushra")
    mushra = tmp_path / "m.csv"
    frame = pd.read_csv(MUSHRA_FILE)
    frame.loc[1, "ratings"] = "__import__('os').system('true')"
    frame.to_csv(mushra, index=False)
    with pytest.raises(DataError, match=r"row 3, column 'ratings': cannot parse"):
        read_ratings(mushra, format="mushra")


def test_format_and_column_errors(tmp_path):
    with pytest.raises(DataError, match="unknown ratings format"):
        read_ratings(format="xlsx")
    path = tmp_path / "x.csv"
    pd.DataFrame({"a": [1]}).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"missing column\(s\)"):
        read_ratings(path, format="webmushra")
    with pytest.raises(DataError, match="no rating_i columns|missing column"):
        read_ratings(path, format="dcr")
    with pytest.raises(DataError, match="cannot read"):
        read_ratings(tmp_path / "absent.csv", format="mushra")


def test_rating_table_checks_reference_and_kind():
    frame = pd.DataFrame({"item": ["a", "a"], "system": ["s", "t"], "rater": ["x", "x"],
                          "rating": [50, 60]})
    with pytest.raises(ParameterError, match="'Reference'"):
        RatingTable(frame, "mushra", (0, 100), reference="Reference")
    with pytest.raises(DataError, match="unknown rating kind"):
        RatingTable(frame, "mos", (0, 100))
    table = RatingTable(frame, "mushra", (0, 100), reference="s")
    assert table.matrix().loc[("a", "t"), "x"] == 60.0


def test_repeat_r_is_scale_free():
    """The test-retest r of replicated ratings is the Pearson kernel's, whatever the scale of
    the ratings: on a 0..1e-310 scale np.corrcoef's std check made it NaN (the squares
    underflow), on a 0..1e300 scale it overflowed."""
    from metaeval.listening.ratings import average_replicates

    first, second = [20.0, 50.0, 60.0, 35.0], [30.0, 30.0, 40.0, 45.0]
    expected = np.corrcoef(first, second)[0, 1]
    for scale in (1.0, 1e-310, 1e300):
        frame = pd.DataFrame({"item": ["i"] * 8, "system": list("ABCD") * 2, "rater": ["r"] * 8,
                              "rating": [v * scale for v in first + second]})
        _, repeats = average_replicates(frame)
        assert repeats["repeat_r"] == pytest.approx(expected, abs=1e-12), scale
