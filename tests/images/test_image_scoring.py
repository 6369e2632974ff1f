"""Image manifests scored end to end with plugin image metrics (API and CLI)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.errors import DataError
from metaeval.metrics.image.images import load_rgb
from metaeval.metrics.registry import get_metric
from metaeval.score.image_manifest import read_image_manifest
from metaeval.score.runner import score_items
from metaeval.score.sources import load_rows, manifest_kind
from tests.images.fakes import png

runner = CliRunner()
RED = 0.3 * np.hypot(255.0, 127.5)  # colourfulness of solid red: rg = 255, yb = 127.5, std 0


@pytest.fixture
def manifest(tmp_path):
    png(tmp_path / "img" / "red.png", (255, 0, 0))
    png(tmp_path / "img" / "grey.png", (128, 128, 128))
    (tmp_path / "img" / "broken.png").write_bytes(b"not a png")
    rows = [("1", "a", "img/red.png", "a red square", '["a red box", "red"]'),
            ("2", "a", "img/grey.png", "a blue square", ""),
            ("3", "a", "img/broken.png", "a red square", "")]
    pd.DataFrame(rows, columns=["item", "system", "image", "text", "references"]).to_csv(
        tmp_path / "manifest.csv", index=False)
    return tmp_path / "manifest.csv"


def test_manifest_rows_resolve_paths_and_references(manifest):
    rows = read_image_manifest(manifest, ("image", "text"))
    assert manifest_kind(manifest) == "image"
    assert [r.domain for r in rows] == ["image"] * 3
    assert rows[0].paths["image"] == manifest.parent / "img" / "red.png"
    assert rows[0].texts == {"text": "a red square", "references": ("a red box", "red")}
    assert "references" not in rows[1].texts


def test_plugin_metrics_score_the_manifest(manifest, image_plugins):
    rows = load_rows(manifest, needs=("image", "text"))
    frame = score_items(rows, ["colourfulness", "colour_word_distance"])
    assert frame["colourfulness"].iloc[0] == pytest.approx(RED, abs=1e-9)
    assert frame["colourfulness"].iloc[1] == pytest.approx(0.0, abs=1e-12)
    # grey (128,128,128) against blue (0,0,255): sqrt(128^2 + 128^2 + 127^2)
    assert frame["colour_word_distance"].iloc[1] == pytest.approx(-np.sqrt(2 * 128**2 + 127**2))
    assert frame["colour_word_distance"].iloc[0] == 0.0
    assert np.isnan(frame["colourfulness"].iloc[2])
    assert "broken.png: not an image Pillow can read" in frame["errors"].iloc[2]
    assert frame["errors"].iloc[0] == ""


def test_cli_score_writes_the_table(manifest, image_plugins, tmp_path):
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["score", "--manifest", str(manifest), "--metrics",
                                 "colourfulness", "--out", str(out), "--cache",
                                 str(tmp_path / "cache"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "colourfulness: 1 of 3 items failed" in result.output
    table = pd.read_csv(out)
    assert table["colourfulness"].iloc[0] == pytest.approx(RED)
    again = runner.invoke(app, ["score", "--manifest", str(manifest), "--metrics",
                                "colourfulness", "--out", str(out), "--cache",
                                str(tmp_path / "cache"), "--quiet"])
    assert "0 computed, 2 from the cache" in again.output


def test_missing_image_file_is_refused_up_front(tmp_path, image_plugins):
    pd.DataFrame({"item": ["1"], "system": ["a"], "image": ["nope.png"],
                  "text": ["x"]}).to_csv(tmp_path / "m.csv", index=False)
    result = runner.invoke(app, ["score", "--manifest", str(tmp_path / "m.csv"), "--metrics",
                                 "colourfulness", "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 1
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("error: ") and "m.csv, row 2, column 'image': image file not found" \
        in line and "Fix: paths are relative to the manifest's folder" in line


def test_missing_column_and_bad_references(tmp_path):
    pd.DataFrame({"item": ["1"], "system": ["a"], "image": ["x.png"]}).to_csv(
        tmp_path / "m.csv", index=False)
    with pytest.raises(DataError, match=r"m.csv, column 'text': missing column\(s\) 'text'"):
        read_image_manifest(tmp_path / "m.csv", ("image", "text"))
    png(tmp_path / "x.png", (0, 0, 0))
    pd.DataFrame({"item": ["1"], "system": ["a"], "image": ["x.png"], "text": ["t"],
                  "references": ['["open']}).to_csv(tmp_path / "r.csv", index=False)
    with pytest.raises(DataError, match="row 2, column 'references': references looks like a "
                                        "JSON list"):
        read_image_manifest(tmp_path / "r.csv")


def test_jsonl_manifest_with_a_list_of_references(tmp_path):
    png(tmp_path / "x.png", (0, 0, 0))
    (tmp_path / "m.jsonl").write_text(json.dumps({"item": "1", "system": "a", "image": "x.png",
                                                  "text": "t", "references": ["r1", "r2"]}))
    assert read_image_manifest(tmp_path / "m.jsonl")[0].texts["references"] == ("r1", "r2")


def test_rgba_is_composited_on_white(tmp_path):
    from PIL import Image
    Image.new("RGBA", (2, 2), (255, 0, 0, 0)).save(tmp_path / "t.png")
    assert load_rgb(tmp_path / "t.png").getpixel((0, 0)) == (255, 255, 255)
    png(tmp_path / "big.png", (1, 2, 3), (20, 20))
    with pytest.raises(DataError, match="over the limit of 100 pixels"):
        load_rgb(tmp_path / "big.png", max_pixels=100)


def test_plugin_is_listed_as_an_image_metric(image_plugins):
    assert get_metric("colourfulness").domain == "image"
    result = runner.invoke(app, ["metrics", "--domain", "image", "--format", "tsv"])
    assert result.exit_code == 0, result.output
    assert "colourfulness\timage\timage\thigher" in result.output
