"""Contrastive image-caption sets scored by `metaeval challenge` with plugin image metrics."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image, PngImagePlugin
from typer.testing import CliRunner

from metaeval.challenge import evaluate, read_challenge_set
from metaeval.cli import app
from metaeval.errors import DataError
from tests.images.fakes import png

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "images"


def _set(tmp_path) -> Path:
    """Pairs where colour_word_distance is right on colour (3 pairs), tied on shape (2)."""
    shutil.copytree(EXAMPLES, tmp_path / "images")
    return tmp_path / "images" / "challenge" / "pairs.jsonl"


def test_read_image_set(tmp_path):
    challenge = read_challenge_set(_set(tmp_path))
    assert challenge.domain == "image"
    pairs = challenge.pairs
    assert pairs["phenomenon"].tolist() == ["colour"] * 3 + ["shape"] * 2
    assert pairs["category"].unique().tolist() == ["other"]
    assert pairs["langpair"].unique().tolist() == ["image-text"]
    assert Path(pairs["image"].iloc[0]).name == "scene_101.png"


def test_tau_per_phenomenon(tmp_path, image_plugins):
    result = evaluate(read_challenge_set(_set(tmp_path)), "colour_word_distance", k=50, seed=0,
                      min_pairs=1)  # phenomena of 3 and 2 pairs: every phenomenon counts
    pooled = result.table[(result.table["langpair"] == "") & (result.table["phenomenon"] != "")]
    taus = dict(zip(pooled["phenomenon"], pooled["statistic"]))
    # colour: the good caption names the image's colour (distance 0), the bad one does not: C=3.
    # shape: both captions name the same colour, equal scores: ties count as discordant, D=2.
    assert taus == {"colour": 1.0, "shape": -1.0}
    assert result.ranking["statistic"].iloc[0] == pytest.approx(0.0)  # mean of 1 and -1


def test_cli_challenge_on_images(tmp_path, image_plugins):
    out = tmp_path / "report"
    result = runner.invoke(app, ["challenge", "--set", str(_set(tmp_path)), "--metrics",
                                 "colour_word_distance,colourfulness", "--k", "50", "--out",
                                 str(out), "--cache", str(tmp_path / "cache"), "--quiet"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "results.csv", keep_default_na=False)
    row = table[(table["metric"] == "colour_word_distance") & (table["phenomenon"] == "colour")
                & (table["langpair"] == "")]
    assert float(row["statistic"].iloc[0]) == 1.0
    # colourfulness sees only the image, the same on both sides: every pair a tie
    tied = table[(table["metric"] == "colourfulness") & (table["phenomenon"] != "")]
    assert set(tied["statistic"].astype(float)) == {-1.0}


def test_an_unreadable_image_is_a_missing_score_of_its_pair_not_a_crash(tmp_path, image_plugins):
    pairs = _set(tmp_path)
    scene = pairs.parent.parent / "thumb" / "images" / "scene_103.png"  # pair 3's image only
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "a" * (PngImagePlugin.MAX_TEXT_CHUNK + 1), zip=True)
    Image.open(scene).convert("RGB").save(scene, pnginfo=info)  # same pixels, oversized zTXt
    result = evaluate(read_challenge_set(pairs), "colour_word_distance", k=50, seed=0)
    assert result.good.set_index("id")["colour_word_distance"].isna().tolist() == \
        [False, False, True, False, False]
    pooled = result.table[(result.table["langpair"] == "") & (result.table["phenomenon"] != "")]
    taus = dict(zip(pooled["phenomenon"], pooled["statistic"]))
    assert taus == {"colour": 1.0, "shape": -1.0}  # pairs 1 and 2; 4 and 5 (ties)
    note = next(n for n in result.notes if "missing score" in n)
    assert note.startswith("2 of 10 captions have a missing score")
    assert "scene_103.png: a PNG text chunk is larger than Pillow's limit" in note


def test_missing_image_and_empty_caption_refused(tmp_path):
    png(tmp_path / "a.png", (1, 1, 1))
    record = {"image": "a.png", "good-caption": "x", "bad-caption": "y", "phenomenon": "p"}
    (tmp_path / "s.jsonl").write_text(json.dumps(record) + "\n"
                                      + json.dumps({**record, "image": "b.png"}) + "\n")
    with pytest.raises(DataError, match=r"s.jsonl, row 2, column 'image': image file not found"):
        read_challenge_set(tmp_path / "s.jsonl")
    (tmp_path / "e.jsonl").write_text(json.dumps({**record, "bad-caption": " "}) + "\n")
    with pytest.raises(DataError, match=r"e.jsonl, row 1, column 'bad-caption': empty "
                                        r"bad-caption"):
        read_challenge_set(tmp_path / "e.jsonl")
