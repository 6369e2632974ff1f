"""Tiny image models saved once per session, and a few small image files."""

from __future__ import annotations

import numpy as np
import pytest

from tests.metrics.image.tiny_models import build_blip, build_blip2, build_clip

pytest.importorskip("transformers")
pytest.importorskip("PIL")


@pytest.fixture(scope="session")
def blip_dir(tmp_path_factory):
    return build_blip(tmp_path_factory.mktemp("tiny_blip"))


@pytest.fixture(scope="session")
def blip2_dir(tmp_path_factory):
    return build_blip2(tmp_path_factory.mktemp("tiny_blip2"))


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory):
    return build_clip(tmp_path_factory.mktemp("tiny_clip"))


@pytest.fixture(scope="session")
def image_files(tmp_path_factory):
    """Four RGB noise images of different sizes (PNG), as paths."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    paths = []
    for i, (w, h) in enumerate([(40, 32), (32, 48), (64, 64), (37, 29)]):
        pixels = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        pixels[: h // 2] //= (i + 2)  # different structure per image
        path = folder / f"img{i}.png"
        Image.fromarray(pixels).save(path)
        paths.append(path)
    return paths


CAPTIONS = ["a red dog on grass", "the cat sits under a tree", "a blue photo", "green tree"]
