"""Pretrained weights come from a local folder or the local Hugging Face cache, never the network.

Every ``from_pretrained`` of an image metric's model, processor or pipeline is called with
:data:`LOCAL_ONLY` (``local_files_only=True``) inside :func:`offline` (``huggingface_hub``'s
``HF_HUB_OFFLINE`` switched on while it runs, so not even an incidental request such as the
client's user-agent registry leaves the machine): weights that are not there fail at once, with
no hub request (without it, ``huggingface_hub`` retries a host it cannot reach for minutes per
file, with no output). :func:`unavailable` is the one message for a model that cannot be
loaded: a folder that does not hold what ``save_pretrained`` writes, or a hub name that is not
in the local cache, with the fix (a local folder, or a cache filled where there is a network,
used with ``HF_HUB_OFFLINE=1``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from metaeval.errors import ModelUnavailable

LOCAL_ONLY = {"local_files_only": True}
_OFFLINE = threading.Lock()
_STATE = {"depth": 0, "before": False}  # nested / concurrent loads; the user's setting after


@contextmanager
def offline() -> Iterator[None]:
    """``huggingface_hub``'s offline mode (``HF_HUB_OFFLINE``) on while the block runs, then back
    to what it was (with ``HF_HUB_OFFLINE=1`` set by the user it stays on)."""
    try:
        from huggingface_hub import constants
    except ImportError:  # no hub client, no request
        yield
        return
    with _OFFLINE:
        if _STATE["depth"] == 0:
            _STATE["before"] = constants.HF_HUB_OFFLINE
        _STATE["depth"] += 1
        constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        with _OFFLINE:
            _STATE["depth"] -= 1
            if _STATE["depth"] == 0:
                constants.HF_HUB_OFFLINE = _STATE["before"]


def hub_cache() -> str:
    """The local Hugging Face hub cache folder (``HF_HUB_CACHE``, default under ``HF_HOME``)."""
    try:
        from huggingface_hub import constants
    except ImportError:  # no hub client: the default location
        return "~/.cache/huggingface/hub"
    return str(constants.HF_HUB_CACHE)


def unavailable(where: str, name: str, error: Exception, option: str = "model",
                what: str = "") -> ModelUnavailable:
    """The error of the model ``name`` (the metric option ``option``; ``what`` it is, e.g.
    ``CLIPModel``) that did not load, with the fix."""
    detail = " ".join(str(error).split())[:200]
    if Path(name).expanduser().is_dir():
        return ModelUnavailable(
            f"{where}: cannot load the {what or option} in the folder {name!r} "
            f"({type(error).__name__}: {detail}). Fix: give a folder holding the model and its "
            "processor (what save_pretrained of both writes).")
    return ModelUnavailable(
        f"{where}: {option} {name!r} is neither a local folder nor in the local Hugging Face "
        f"cache ({hub_cache()}); metaeval never downloads weights. Fix: give {option}=PATH, a "
        "folder holding the model and its processor (save_pretrained of both, or `hf download "
        f"{name} --local-dir PATH` on a machine with a network), or fill the cache there and "
        "run with HF_HUB_OFFLINE=1.")
