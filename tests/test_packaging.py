"""Packaging: every subpackage is listed, and a built wheel carries the bundled listening tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_explicit_package_list_covers_every_subpackage():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "metaeval").rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)
    assert "metaeval.bundled" in listed


@pytest.mark.slow
def test_an_installed_wheel_finds_the_bundled_study(tmp_path):
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(ROOT)],
                   check=True, capture_output=True, cwd=tmp_path)
    wheel = next(wheels.glob("metaeval-*.whl"))
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True,
                   capture_output=True)
    code = ("import metaeval, metaeval.paths as p; from metaeval.data.bundled import bundled_dataset;"
            "js = bundled_dataset('audio'); print(p.LISTENING_TESTS, len(js), metaeval.__file__)")
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    location, rows, module = run.stdout.split()
    assert Path(module).is_relative_to(target)
    assert location == str(target / "metaeval" / "bundled") and rows == "250"
    code = ("from metaeval.challenge import read_challenge_set, category_of;"
            "from metaeval.data.bundled import bundled_entry;"
            "print(len(read_challenge_set('ted-mqm-pairs').pairs), category_of('copy-source'),"
            "len(bundled_entry('mt').loader()), len(bundled_entry('text').loader()))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["2231", "untranslated", "6877", "1600"]
