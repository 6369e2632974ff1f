"""Image metric models load from a local folder or the local Hugging Face cache only: weights
that are not there fail at once (no hub request, no retries) with the offline fix."""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.errors import ModelUnavailable
from metaeval.metrics import Batch, get_metric
from metaeval.score.calls import outcomes

runner = CliRunner()
THUMB = Path(__file__).resolve().parents[3] / "examples" / "images" / "thumb"
NOT_CACHED = "metaeval-tests/clip-that-is-in-no-cache"  # a hub-style name no cache holds
SECONDS = 5.0  # the hub client retries for minutes; a local lookup takes well under a second


@pytest.fixture
def no_network(monkeypatch):
    """Every name lookup or connection attempt is recorded and refused at once."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args[:2])
        raise OSError("network refused by the test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


@pytest.mark.parametrize("name", ["clipscore", "clip_t", "blip2t", "blip2_itm"])
def test_absent_weights_fail_at_once_without_a_hub_request(name, no_network, image_files):
    metric = get_metric(name, model=NOT_CACHED)
    batch = Batch(["1/a", "2/a"], {"image": list(image_files[:2]), "text": ["a dog", "a cat"]})
    start = time.perf_counter()
    with pytest.raises(ModelUnavailable) as caught:
        outcomes(metric, batch)  # not one missing score per item: the run cannot go on
    elapsed = time.perf_counter() - start
    assert no_network == [] and elapsed < SECONDS
    message = str(caught.value)
    assert f"{name}: model {NOT_CACHED!r} is neither a local folder nor in the local Hugging " \
           "Face cache" in message
    assert "model=PATH" in message and "HF_HUB_OFFLINE=1" in message


def test_a_broken_local_folder_names_the_folder(tmp_path, image_files, no_network):
    with pytest.raises(ModelUnavailable, match=r"clip_t: cannot load the CLIPModel in the folder "
                                               r".*save_pretrained"):
        get_metric("clip_t", model=str(tmp_path)).score(
            Batch(["1/a"], {"image": [image_files[0]], "text": ["a dog"]}))
    assert no_network == []


def test_score_stops_with_one_line_at_once(tmp_path, no_network):
    folder = tmp_path / "thumb"
    shutil.copytree(THUMB, folder)
    out = tmp_path / "scores.csv"
    start = time.perf_counter()
    result = runner.invoke(app, ["score", "--manifest", str(folder / "captions_THumB-1.0.jsonl"),
                                 "--metrics", f"clipscore:model={NOT_CACHED}", "--out", str(out),
                                 "--cache", str(tmp_path / "cache"), "--quiet"])
    assert time.perf_counter() - start < SECONDS and no_network == []
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: clipscore: model {NOT_CACHED!r} is "
                                                   "neither a local folder")
    assert not out.exists()
