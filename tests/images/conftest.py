"""Image metrics registered through the plugin entry points for every test of this folder."""

from __future__ import annotations

import pytest

from tests.images.fakes import register_image_plugins


@pytest.fixture
def image_plugins(tmp_path_factory, monkeypatch):
    register_image_plugins(tmp_path_factory.mktemp("plugins"), monkeypatch)
