"""Packaging: every subpackage is listed; no third-party data file in the repository or in the
wheel; an installed wheel finds the real data through the registry."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What counts as a data file: tables, texts, media, archives, serialised objects.
DATA_SUFFIXES = {".csv", ".tsv", ".jsonl", ".json", ".txt", ".parquet", ".pq", ".pkl", ".npz",
                 ".npy", ".wav", ".flac", ".mp3", ".png", ".jpg", ".jpeg", ".tif", ".tiff",
                 ".gz", ".xz", ".zip", ".tar", ".score", ".docs", ".html", ".sqlite"}
# The project's own data files, each with why it is ours (reviewed one by one).
OWN_DATA = {
    "examples/images/challenge/pairs.jsonl": "captions written for the generated fixtures",
    "examples/images/t2i/ratings.csv": "made-up ratings of the generated fixtures",
    "examples/images/thumb/captions_THumB-1.0.jsonl": "made-up captions in THumB's field layout",
    "examples/images/thumb/mscoco_references.json": "made-up references for the fixtures",
    "metaeval/challenge/aces_phenomena.json": "the ACES phenomenon -> category names (taxonomy)",
    "requirements-dev.txt": "the development and CI requirements",
}
OWN_DATA_PREFIXES = ("examples/images/t2i/images/", "examples/images/thumb/images/",  # generated
                     "metaeval/data/sets/",  # the registry: sources, sha256 and licences
                     "metaeval/report/templates/", "metaeval/listening/templates/")


def _tracked() -> list[str]:
    run = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if run.returncode != 0:
        pytest.skip("not a git checkout")
    return run.stdout.splitlines()


def _is_data(name: str) -> bool:
    return Path(name).suffix.lower() in DATA_SUFFIXES


def _own(name: str) -> bool:
    return name in OWN_DATA or name.startswith(OWN_DATA_PREFIXES)


def _shared_digests() -> set[str]:
    shared = ROOT.parent / "shared" / "datasets"
    if not shared.is_dir():
        pytest.skip("../shared/datasets absent: nothing to compare with")
    return {hashlib.sha256(p.read_bytes()).hexdigest() for p in shared.rglob("*") if p.is_file()}


def test_the_explicit_package_list_covers_every_subpackage():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = [ROOT / "metaeval", *(p for p in (ROOT / "metaeval").rglob("*")
                                    if p.is_dir() and p.name != "__pycache__")]
    found = {".".join(p.relative_to(ROOT).parts) for p in folders}  # packages and data folders
    assert found == listed, sorted(found ^ listed)


def test_no_third_party_data_file_is_tracked():
    tracked = _tracked()
    foreign = [name for name in tracked if _is_data(name) and not _own(name)]
    assert foreign == [], f"data files that are not the project's own: {foreign}"
    copies = _shared_digests()
    same = [n for n in tracked if (ROOT / n).is_file()
            and hashlib.sha256((ROOT / n).read_bytes()).hexdigest() in copies]
    assert same == [], f"files identical to a file of ../shared/datasets: {same}"


def _wheel(tmp_path: Path) -> Path:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", "wheel",
                    "--no-deps", "--no-build-isolation", "-w", str(wheels), str(ROOT)],
                   check=True, capture_output=True, cwd=tmp_path)
    return next(wheels.glob("metaeval-*.whl"))


@pytest.mark.slow
def test_the_wheel_holds_no_third_party_data_and_finds_the_data_through_the_registry(tmp_path):
    wheel = _wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if not n.startswith("metaeval-")]
        foreign = [n for n in names if _is_data(n) and not _own(n)]
        assert foreign == [], foreign
        copies = _shared_digests()
        same = [n for n in names if hashlib.sha256(archive.read(n)).hexdigest() in copies]
        assert same == [], same
        assert "metaeval/data/sets/gensvs_eval.json" in names
        assert "metaeval/data/cards/gensvs_eval.yaml" in names
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", "install",
                    "--no-deps", "--target", str(target), str(wheel)], check=True,
                   capture_output=True)
    code = ("import metaeval; from metaeval.data.studies import load_study, study;"
            "from metaeval.challenge import read_challenge_set, category_of;"
            "js = load_study('audio');"
            "print('|'.join(map(str, [len(js), js.metrics['emb_mse_mert_df'].label,"
            "metaeval.__file__, len(read_challenge_set('ted-mqm-pairs').pairs),"
            "category_of('copy-source'), len(study('mt').loader()),"
            "len(study('text').loader())])))")
    env = {**os.environ, "PYTHONPATH": str(target), "METAEVAL_CACHE_DIR": str(tmp_path / "c")}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    rows, label, module, pairs, category, mt, text = run.stdout.strip().split("|")
    assert Path(module).is_relative_to(target)
    assert (rows, label, pairs, category, mt, text) == ("250", "M-L12 MSE", "1139",
                                                        "untranslated", "6877", "1600")
