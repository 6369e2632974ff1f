"""The image adapters (tiny CLIP saved and reloaded by path) through an image manifest:
`metaeval score` then `metaeval correlate` on the scores, as a user runs them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.metrics.base import Batch
from metaeval.metrics.registry import get_metric
from tests.images.fakes import png
from tests.metrics.image.tiny_models import build_clip

runner = CliRunner()
COLOURS = [(255, 0, 0), (0, 128, 255), (40, 200, 40), (250, 250, 0), (90, 0, 160), (20, 20, 20)]


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory):
    return build_clip(tmp_path_factory.mktemp("clip"))


def test_score_then_correlate_with_clipscore_and_refclipscore(clip_dir, tmp_path):
    rows = []
    for i, colour in enumerate(COLOURS):
        for s, caption in enumerate(["a bright square", "a dark box"]):
            png(tmp_path / "img" / f"{i}_{s}.png", colour)
            rows.append((f"i{i}", f"sys{s}", f"img/{i}_{s}.png", caption,
                         json.dumps(["a square", "a coloured image"]), 1.0 + i * 0.1 + s))
    frame = pd.DataFrame(rows, columns=["item", "system", "image", "text", "references", "human"])
    frame.drop(columns="human").to_csv(tmp_path / "manifest.csv", index=False)
    frame[["item", "system", "human"]].to_csv(tmp_path / "ratings.csv", index=False)
    metrics = f"clipscore:model={clip_dir},refclipscore:model={clip_dir}"
    scored = runner.invoke(app, ["score", "--manifest", str(tmp_path / "manifest.csv"),
                                 "--metrics", metrics, "--out", str(tmp_path / "scores.csv"),
                                 "--cache", str(tmp_path / "cache"), "--quiet"])
    assert scored.exit_code == 0, scored.output
    scores = pd.read_csv(tmp_path / "scores.csv")
    named = {c.split(":")[0]: c for c in scores.columns if c.startswith(("clipscore", "ref"))}
    assert named["clipscore"] == f"clipscore:model={clip_dir}"  # options name the column
    scores = scores.rename(columns={v: k for k, v in named.items()})
    assert len(scores) == 12 and scores[["clipscore", "refclipscore"]].notna().all().all()
    direct = get_metric("clipscore", model=str(clip_dir)).score(Batch(
        ["x"], {"image": [str(tmp_path / "img" / "0_0.png")], "text": ["a bright square"]}))
    first = scores[(scores["item"] == "i0") & (scores["system"] == "sys0")]["clipscore"]
    assert first.iloc[0] == pytest.approx(float(direct[0]), abs=1e-6)
    assert (scores["clipscore"].between(0, 2.5)).all()
    result = runner.invoke(app, ["correlate", "--data", str(tmp_path / "ratings.csv"),
                                 "--item", "item", "--system", "system", "--human", "human",
                                 "--scores", str(tmp_path / "scores.csv"), "--k", "50",
                                 "--out", str(tmp_path / "report"), "--format", "json",
                                 "--quiet"])
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "report" / "results.json").read_text())
    values = {r["metric"].split(":")[0]: r["statistic"] for r in record["results"]
              if r["coefficient"] == "pearson"}
    merged = frame.merge(scores, on=["item", "system"])
    assert values["clipscore"] == pytest.approx(np.corrcoef(merged["human"],
                                                            merged["clipscore"])[0, 1], abs=1e-9)
