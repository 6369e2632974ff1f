"""Report folders written as sets by several runs at once, cleanup only of dead runs' leftovers,
and unwritable output folders as one line (:mod:`metaeval.io`)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metaeval import io as mio
from metaeval.errors import OutputError, ParameterError
from metaeval.io import check_output_folder, write_atomic, write_set
from tests.robustness.conftest import invoke, one_error_line

ROOT = Path(__file__).resolve().parent.parent


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


@pytest.fixture
def live_pid():
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield sleeper.pid
    sleeper.kill()
    sleeper.wait()


def test_a_live_runs_staging_folder_is_left_and_a_dead_runs_is_removed(tmp_path, live_pid):
    out = tmp_path / "o"
    write_set(out, {"a.txt": "1"})
    live = tmp_path / f".o.staging-{live_pid}-0a1b2c"
    live.mkdir()
    (live / "a.txt").write_text("being written by another run")
    aside = tmp_path / f".o.old-{live_pid}-0a1b2d"  # another run swapping its set in right now
    aside.mkdir()
    dead = tmp_path / f".o.staging-{_dead_pid()}-3d4e5f"
    dead.mkdir()
    (out / f".a.txt.{live_pid}-abc_12.tmp").write_text("half, live")
    (out / f".a.txt.{_dead_pid()}-abc_13.tmp").write_text("half, dead")
    write_set(out, {"a.txt": "2"})
    assert (live / "a.txt").read_text() == "being written by another run" and aside.is_dir()
    assert not dead.exists()
    assert (out / "a.txt").read_text() == "2"
    # a set moved aside by a live run is not "put back" while that run swaps its set in
    os.rename(out, tmp_path / f".o.old-{live_pid}-777777")
    mio._clean_stale(out)
    assert not out.exists() and (tmp_path / f".o.old-{live_pid}-777777").is_dir()


WRITER = """
import sys
from metaeval.io import write_set
out, tag = sys.argv[1], sys.argv[2]
for i in range(60):
    write_set(out, {"a.txt": f"{tag}{i}", "b.txt": f"{tag}{i}", "c.bin": bytes(2000)},
              owned=["a.txt", "b.txt", "c.bin"])
"""


def test_two_runs_writing_the_same_folder_both_succeed(tmp_path):
    out = tmp_path / "o"
    runs = [subprocess.Popen([sys.executable, "-c", WRITER, str(out), tag], cwd=ROOT,
                             stderr=subprocess.PIPE, text=True) for tag in ("x", "y")]
    errors = [run.communicate(timeout=300)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], errors
    a, b = (out / "a.txt").read_text(), (out / "b.txt").read_text()
    assert a == b and a in ("x59", "y59")  # one whole set, the last one moved in
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]  # nothing left over


def _refuse(monkeypatch, marker: str, code: int = errno.EACCES):
    """Make creating any file or folder whose path holds ``marker`` fail as the OS would."""
    mkdir, mkstemp = os.mkdir, tempfile.mkstemp

    def no_mkdir(path, *args, **kwargs):
        if marker in str(path):
            raise OSError(code, os.strerror(code), str(path))
        return mkdir(path, *args, **kwargs)

    def no_mkstemp(*args, **kwargs):
        if marker in str(kwargs.get("dir")):
            raise OSError(code, os.strerror(code), str(kwargs.get("dir")))
        return mkstemp(*args, **kwargs)

    monkeypatch.setattr(os, "mkdir", no_mkdir)
    monkeypatch.setattr(tempfile, "mkstemp", no_mkstemp)


def test_an_unwritable_folder_is_one_line_naming_it_and_the_fix(tmp_path, monkeypatch):
    _refuse(monkeypatch, "locked")
    with pytest.raises(OutputError) as caught:
        write_set(tmp_path / "locked" / "o", {"a.txt": "1"})
    message = str(caught.value)
    assert message == (f"{tmp_path / 'locked' / 'o'}: cannot write here (permission denied). "
                       f"Fix: make it writable (chmod -R u+w '{tmp_path / 'locked' / 'o'}') or "
                       "choose another output folder (--out).")
    _refuse(monkeypatch, "full", errno.ENOSPC)
    with pytest.raises(OutputError, match=r"no space left on the device\)\. Fix: free some space"):
        write_atomic(tmp_path / "full" / "scores.csv", "x")
    assert not (tmp_path / "locked").exists() or not any((tmp_path / "locked").iterdir())


def test_a_read_only_report_folder_from_the_cli_is_one_line(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    table = tmp_path / "d.csv"
    pd.DataFrame([{"item": f"i{i}", "system": f"s{s}", "human": rng.normal(),
                   "m1": rng.normal(), "m2": rng.normal()}
                  for s in range(4) for i in range(6)]).to_csv(table, index=False)
    out = tmp_path / "ro"
    _refuse(monkeypatch, ".ro.staging-", errno.EROFS)
    result = invoke("correlate", "--data", table, "--item", "item", "--system", "system",
                    "--human", "human", "--k", "20", "--format", "csv", "--out", out)
    assert result.exit_code == 2
    assert one_error_line(result) == (f"error: {out}: cannot write here (read-only file system)."
                                      f" Fix: make it writable (chmod -R u+w '{out}') or choose "
                                      "another output folder (--out).")


def test_an_existing_read_only_folder_is_refused_before_computing(tmp_path, monkeypatch):
    out = tmp_path / "o"
    write_set(out, {"a.txt": "1"})
    access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == out
                        else access(p, mode))
    with pytest.raises(ParameterError, match=r"o is not writable. Fix: make it writable "
                       r"\(chmod -R u\+w '.*o'\) or choose another folder."):
        check_output_folder(out, owned=["a.txt"])


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs a user whom file permissions bind (not root)")
def test_a_really_read_only_folder(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="permission denied"):
            write_set(locked / "o", {"a.txt": "1"})
        with pytest.raises(ParameterError, match="not writable"):
            check_output_folder(locked / "o")
    finally:
        locked.chmod(0o755)
