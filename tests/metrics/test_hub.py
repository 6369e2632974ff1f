"""`offline`: the hub client's offline switch is on while a model loads, then as it was."""

from __future__ import annotations

import threading

import pytest

from metaeval.metrics.hub import offline, unavailable

constants = pytest.importorskip("huggingface_hub.constants")


@pytest.mark.parametrize("before", [False, True])
def test_offline_is_on_inside_and_restored_after(before, monkeypatch):
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", before)
    with offline():
        assert constants.HF_HUB_OFFLINE is True
        with offline():  # nested (a pipeline loading its parts)
            assert constants.HF_HUB_OFFLINE is True
        assert constants.HF_HUB_OFFLINE is True
    assert constants.HF_HUB_OFFLINE is before


def test_overlapping_loads_in_threads_restore_the_setting(monkeypatch):
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    inside, release = threading.Event(), threading.Event()

    def load():
        with offline():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=load)
    thread.start()
    inside.wait(5)
    with offline():
        release.set()
        thread.join(5)
        assert constants.HF_HUB_OFFLINE is True  # the other load ended, this one still runs
    assert constants.HF_HUB_OFFLINE is False


def test_messages_tell_a_folder_from_a_hub_name(tmp_path):
    folder = unavailable("m", str(tmp_path), OSError("no config.json"), what="CLIPModel")
    assert str(folder).startswith(f"m: cannot load the CLIPModel in the folder '{tmp_path}' "
                                  "(OSError: no config.json). Fix:")
    name = unavailable("m", "org/model", OSError("not cached"), option="extractor")
    assert str(name).startswith("m: extractor 'org/model' is neither a local folder nor in the "
                                "local Hugging Face cache")
    assert "Fix: give extractor=PATH" in str(name) and "HF_HUB_OFFLINE=1" in str(name)
