"""correlate --domain image, image columns of plain tables, thumbnails of disagreements."""

from __future__ import annotations

import base64
import io
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.correlation import correlate
from metaeval.data.loaders import load_table
from metaeval.report.html import render_html
from metaeval.report.thumbnails import fraction_ranks, largest_disagreements, thumbnail_uri
from tests.images.fakes import png

runner = CliRunner()
T2I = Path(__file__).resolve().parents[2] / "examples" / "images" / "t2i"


def test_domain_image_without_data_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["correlate", "--domain", "image"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: --domain image: no image judgement set is bundled")
    assert ("metaeval score --manifest captions.jsonl --metrics clipscore --out scores.parquet "
            "&& metaeval correlate --data captions.jsonl --data-format thumb --scores "
            "scores.parquet") in lines[0]
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


def test_fraction_ranks_and_largest_disagreements():
    assert fraction_ranks(np.array([3.0, 1.0, 2.0, 2.0])).tolist() == [1.0, 0.0, 0.5, 0.5]
    points = pd.DataFrame({"item": list("abcd"), "system": ["s"] * 4,
                           "human": [1.0, 2.0, 3.0, 4.0], "m": [4.0, 2.0, 3.0, np.nan]})
    # ranks over a, b, c: human 0, .5, 1; metric 1, 0, .5 -> signed gaps 1, -.5, -.5
    found = largest_disagreements(points, "human", "m", n=2)
    assert found["item"].tolist() == ["a", "b"]
    assert found["gap"].tolist() == [1.0, -0.5]


def test_thumbnail_is_downscaled_and_unreadable_is_a_reason(tmp_path):
    png(tmp_path / "wide.png", (10, 20, 30), (300, 150))
    uri, reason = thumbnail_uri(tmp_path / "wide.png", 96)
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert (image.size, reason, image.getpixel((5, 5))) == ((96, 48), "", (10, 20, 30))
    uri, reason = thumbnail_uri(tmp_path / "absent.png")
    assert uri is None and "absent.png: image file not found" in reason


def _thumbnail(uri: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))


def test_thumbnails_read_images_as_the_metrics_do(tmp_path):
    """16-bit grey is scaled by round(v / 257) (not clipped to white), alpha goes on white,
    a float TIFF is a placeholder with the reason (not a black square)."""
    level = int(np.random.default_rng(7).integers(1000, 60000))
    Image.fromarray(np.full((8, 8), level, dtype=np.uint16)).save(tmp_path / "g.png")
    uri, reason = thumbnail_uri(tmp_path / "g.png", 4)
    grey = round(level / 257)
    assert reason == "" and _thumbnail(uri)[0, 0].tolist() == [grey, grey, grey]
    Image.new("RGBA", (8, 8), (200, 0, 0, 0)).save(tmp_path / "a.png")
    assert _thumbnail(thumbnail_uri(tmp_path / "a.png", 4)[0])[0, 0].tolist() == [255] * 3
    Image.fromarray(np.full((8, 8), 0.5, dtype=np.float32)).save(tmp_path / "f.tif")
    uri, reason = thumbnail_uri(tmp_path / "f.tif", 4)
    assert uri is None and "f.tif: image mode 'F' has no defined 8-bit RGB conversion" in reason


def test_plain_table_with_an_image_column(tmp_path):
    folder = tmp_path / "t2i"
    shutil.copytree(T2I, folder)
    table = pd.read_csv(folder / "ratings.csv")
    table["brightness"] = [np.asarray(Image.open(folder / p)).mean() for p in table["image"]]
    table.to_csv(folder / "ratings.csv", index=False)
    js = load_table(folder / "ratings.csv", item="item", system="system", human="rating",
                    image="image")
    assert js.metric_names == ["brightness"]  # the image and text columns are not metrics
    assert js.images["image"].iloc[0] == str(folder / "images" / "p1_model-a.png")
    html = render_html(correlate(js, coefficients=["spearman"], k=20, seed=0))
    assert len(re.findall(r'<img class="thumbnail" src="data:image/png;base64,', html)) == 6
    out = tmp_path / "report"
    result = runner.invoke(app, ["correlate", "--data", str(folder / "ratings.csv"), "--item",
                                 "item", "--system", "system", "--human", "rating", "--image",
                                 "image", "--k", "20", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert 'class="thumbnail"' in (out / "index.html").read_text()


def test_card_names_the_image_column_and_images_folder(tmp_path):
    folder = tmp_path / "t2i"
    shutil.copytree(T2I, folder)
    table = pd.read_csv(folder / "ratings.csv").assign(m=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    table.to_csv(tmp_path / "ratings.csv", index=False)
    (tmp_path / "ratings.csv.yaml").write_text("item: item\nsystem: system\nhuman: rating\n"
                                               "image: image\n")
    js = load_table(tmp_path / "ratings.csv", images=folder)
    assert js.images["image"].iloc[5] == str(folder / "images" / "p3_model-b.png")
    assert js.metric_names == ["m"]


def test_no_image_column_means_no_thumbnails(tmp_path):
    pd.DataFrame({"item": list("aabb"), "system": list("xyxy"), "h": [1.0, 2.0, 3.0, 5.0],
                  "m": [1.0, 3.0, 2.0, 4.0]}).to_csv(tmp_path / "r.csv", index=False)
    js = load_table(tmp_path / "r.csv", item="item", system="system", human="h")
    assert js.images is None
    assert 'id="disagreements"' not in render_html(correlate(js, k=20, seed=0))
