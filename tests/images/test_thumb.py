"""THumB 1.0 caption judgements: reading, references, scoring rows, correlate --data-format thumb."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.correlation import correlate
from metaeval.correlation.inputs import judgements
from metaeval.data.thumb import load_thumb, read_references
from metaeval.errors import DataError
from metaeval.score.image_manifest import read_thumb_manifest
from metaeval.score.sources import manifest_kind

runner = CliRunner()
FIXTURE = Path(__file__).resolve().parents[2] / "examples" / "images" / "thumb"
JSONL = FIXTURE / "captions_THumB-1.0.jsonl"


def test_thumb_judgements_and_images():
    js = load_thumb(JSONL)
    assert js.human == ["human_score", "P", "R", "Fl", "Con", "Inc"]
    assert len(js.table) == 12
    cell = js.table[(js.table["item"] == "102") & (js.table["system"] == "Human")].iloc[0]
    assert cell["human_score"] == 3.5 and cell["Fl"] == -0.5  # (4 + 4) / 2 - 0.5
    images = js.images.set_index(["item", "system"])["image"]
    assert images[("104", "Up-Down")] == str(FIXTURE / "images" / "scene_104.png")
    assert js.info.citation.startswith("J. Kasai")


def test_references_and_score_rows():
    refs = read_references(FIXTURE / "mscoco_references.json")
    assert refs["101"][0] == "a red square on a white background"
    rows = {r.key(): r for r in read_thumb_manifest(JSONL)}
    assert manifest_kind(JSONL) == "thumb"
    row = rows[("103", "VinVL-base")]
    assert row.texts["text"] == "A green line across a white background."
    assert row.texts["references"] == refs["103"] and row.paths["image"].is_file()


def test_duplicate_and_missing_fields(tmp_path):
    lines = JSONL.read_text().splitlines()
    (tmp_path / "d.jsonl").write_text("\n".join([lines[0], lines[1], lines[0]]) + "\n")
    with pytest.raises(DataError, match=r"d.jsonl, row 3, column 'seg_id': duplicate "
                                        r"\(seg_id, SYS\) = \('101', 'Up-Down'\)"):
        load_thumb(tmp_path / "d.jsonl")
    record = json.loads(lines[0])
    del record["hyp"]
    (tmp_path / "m.jsonl").write_text(json.dumps(record) + "\n")
    with pytest.raises(DataError, match=r"missing field\(s\) \['hyp'\].*Fix: give THumB"):
        load_thumb(tmp_path / "m.jsonl")
    (tmp_path / "r.json").write_text('{"seg_id": "1"}\n')
    with pytest.raises(DataError, match="r.json, row 1: not a references record"):
        read_references(tmp_path / "r.json")


@pytest.fixture
def scored(tmp_path, image_plugins):
    folder = tmp_path / "thumb"
    shutil.copytree(FIXTURE, folder)
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["score", "--manifest", str(folder / JSONL.name), "--metrics",
                                 "colour_word_distance,colourfulness", "--out", str(out),
                                 "--cache", str(tmp_path / "cache"), "--quiet"])
    assert result.exit_code == 0, result.output
    return folder / JSONL.name, out


def test_correlate_thumb_through_the_cli(scored, tmp_path):
    data, scores = scored
    (data.parent / "images" / "scene_103.png").write_bytes(b"broken")  # a placeholder, no crash
    out = tmp_path / "report"
    result = runner.invoke(app, ["correlate", "--data", str(data), "--data-format", "thumb",
                                 "--scores", str(scores), "--k", "50", "--out", str(out),
                                 "--quiet"])
    assert result.exit_code == 0, result.output
    html = (out / "index.html").read_text()
    assert "Where metric and human_score disagree most" in html
    uris = re.findall(r'<img class="thumbnail" src="data:image/png;base64,([^"]+)"', html)
    assert len(uris) >= 6
    sizes = {Image.open(io.BytesIO(base64.b64decode(u))).size for u in uris}
    assert sizes <= {(96, 72)}  # 160 x 120 downscaled to 96 on the longer side
    assert "image not shown (" in html and "scene_103.png: not an image Pillow can read" in html
    table = pd.read_csv(out / "results.csv")
    assert set(table["level"]) == {"none", "system"}
    assert set(table["metric"]) == {"colour_word_distance", "colourfulness"}


def test_thumb_api_matches_cli_numbers(scored):
    data, scores = scored
    js, defaults = judgements(data=data, scores=scores, data_format="thumb")
    result = correlate(js, metrics=["colour_word_distance"], coefficients=["pearson"],
                       levels=["none"], k=20, seed=0)
    cells = js.cells()
    expected = cells["human_score"].corr(cells["colour_word_distance"])
    assert result.table["statistic"].iloc[0] == pytest.approx(expected, abs=1e-12)
    assert defaults["levels"] == ["none", "system"]


def real_thumb_jsonl(datasets_dir: Path, folder: Path) -> Path:
    """THumB's 2,500 rated captions (500 MSCOCO images x 5 systems, the human scores of
    ``thumb/combined.csv``) as THumB's JSONL, whose images are absent (as in the shared data):
    ``image`` is ``images/<seg_id>.jpg``; the caption texts are not in the shared data, so
    ``hyp`` is a fixed caption."""
    frame = pd.read_csv(datasets_dir / "thumb" / "combined.csv", dtype={"item": str})
    records = [{"SYS": row.system, "seg_id": row.item, "set_id": 0, "hyp": "A photo.",
                "image": f"images/{row.item}.jpg", "P": row.P, "R": row.R, "Fl": row.Fl,
                "Con": row.Con, "Inc": row.Inc, "human_score": row.human_score}
               for row in frame.itertuples()]
    path = folder / "mscoco_THumB-1.0.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_thumb_without_its_images_is_refused_before_any_model_loads(datasets_dir, tmp_path,
                                                                    monkeypatch):
    from metaeval.metrics.image import pretrained

    loaded = []
    monkeypatch.setattr(pretrained, "load_pretrained", lambda *a, **k: loaded.append(a))
    data = real_thumb_jsonl(datasets_dir, tmp_path)
    assert len(data.read_text().splitlines()) == 2500
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["score", "--manifest", str(data), "--metrics", "clipscore",
                                 "--out", str(out), "--cache", str(tmp_path / "cache"),
                                 "--quiet"])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    first = json.loads(data.read_text().splitlines()[0])["image"]
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert (f"mscoco_THumB-1.0.jsonl, row 1, column 'image': image file not found: "
            f"{tmp_path / first}") in lines[0]
    assert "Fix:" in lines[0] and "--images DIR" in lines[0]
    assert loaded == [] and not out.exists()


def test_thumb_images_from_another_folder(datasets_dir, tmp_path, image_plugins):
    data = real_thumb_jsonl(datasets_dir, tmp_path)
    head = tmp_path / "head.jsonl"  # the first 50 captions (10 images x 5 systems)
    head.write_text("".join(data.read_text().splitlines(keepends=True)[:50]))
    items = sorted({json.loads(line)["seg_id"] for line in head.read_text().splitlines()})
    elsewhere = tmp_path / "coco"
    (elsewhere / "images").mkdir(parents=True)
    red = dict(zip(items, np.random.default_rng(5).integers(0, 256, len(items))))
    for item in items:
        Image.new("RGB", (8, 6), (int(red[item]), 0, 0)).save(
            elsewhere / "images" / f"{item}.jpg", quality=100)
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["score", "--manifest", str(head), "--images", str(elsewhere),
                                 "--metrics", "colourfulness", "--out", str(out), "--cache",
                                 str(tmp_path / "cache"), "--quiet"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"item": str})
    assert len(table) == 50 and table["errors"].isna().all()  # empty: no failure
    # solid (r, 0, 0): rg = r, yb = r / 2, no spread: 0.3 * r * sqrt(1.25) (JPEG: +- 2 levels)
    expected = 0.3 * np.sqrt(1.25) * table["item"].map(red).astype(float)
    np.testing.assert_allclose(table["colourfulness"], expected, atol=0.3 * np.sqrt(1.25) * 2)
