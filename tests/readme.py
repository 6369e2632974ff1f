"""The README's fenced examples as runnable units (used by ``tests/test_readme.py``).

Every fenced ``bash``/``sh``/``python`` block of README.md is a :class:`Block`, keyed by its
section heading and its first command line (comments and blank lines skipped), so that editing
another block, a comment or the prose around it leaves a key unchanged. A block runs as written
in a folder of its own laid out like a user's: ``../shared/datasets`` is the data folder (the
README's WMT examples name it), ``examples/`` is a copy of the repository's, ``metaeval`` and
``python`` are this interpreter's (the worktree's package first on ``PYTHONPATH``).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
LANGUAGES = {"bash": "bash", "sh": "bash", "shell": "bash", "python": "python", "py": "python"}
FENCE = re.compile(r"^```\s*([\w+-]*)")
ASSIGNMENT = re.compile(r"^(export\s+)?[A-Za-z_]\w*=\S*$")


@dataclass(frozen=True)
class Block:
    """One fenced block: ``language`` ``bash`` or ``python``, its text and first line number."""

    key: str
    language: str
    text: str
    line: int

    def mentions(self, name: str) -> bool:
        """Whether the block names ``name`` as a word (a file name, an option)."""
        return re.search(rf"(?<![\w./-]){re.escape(name)}(?![\w-])", self.text) is not None

    @property
    def expected_error(self) -> tuple[str, int | None] | None:
        """(message, exit status) when the block shows a refusal: its command is followed by
        ``# error: MESSAGE`` (continued on ``#   `` lines, ``...`` where the README shortens
        it, ``(exit status N)`` at the end); None for a block that must succeed."""
        lines = self.text.splitlines()
        start = next((n for n, line in enumerate(lines) if line.startswith("# error:")), None)
        if start is None:
            return None
        shown = [lines[start][len("# error:"):]]
        shown += [line[1:] for line in lines[start + 1:] if line.startswith("#   ")]
        text = " ".join(" ".join(shown).split())
        status = re.search(r"\(exit status (\d+)\)\s*$", text)
        text = text[:status.start()].strip() if status else text
        return text, int(status.group(1)) if status else None

    def shown_error_matches(self, stderr: str) -> bool:
        """Whether ``stderr`` holds the refusal the README shows, part by part around ``...``."""
        message = " ".join(stderr.split())
        position = 0
        for part in (p.strip() for p in self.expected_error[0].split("...")):
            found = message.find(part, position)
            if found < 0:
                return False
            position = found + len(part)
        return True

    def writes(self, name: str) -> bool:
        """Whether a python block writes the file ``name`` (``to_csv("name"``, ...)."""
        return self.language == "python" and re.search(
            rf"\.(to_csv|to_parquet|to_json|write_text)\(\s*[\"']{re.escape(name)}[\"']",
            self.text) is not None


def first_command(text: str, words: int = 4) -> str:
    """The first ``words`` words of the block's first line that is not blank, a comment or a
    variable assignment (``metaeval correlate --data judgements.csv --item segment`` ->
    ``metaeval correlate --data judgements.csv``): options further on may change without
    changing the key."""
    lines = [re.sub(r"\s+#\s.*$", "", line.strip()).rstrip("\\ ") for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    commands = [line for line in lines if not ASSIGNMENT.match(line)] or lines
    return " ".join(commands[0].split()[:words]) if commands else ""


def read_blocks(path: Path = README) -> list[Block]:
    """Every runnable fenced block of ``path`` in order; a key that repeats gets `` (2)``, ..."""
    heading, opened, body, found = "", None, [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if opened is None:
            if line.startswith("#"):
                heading = line.lstrip("#").strip()
            elif (match := FENCE.match(line)) is not None:
                opened, body = (match.group(1).lower(), number + 1), []
        elif line.strip() == "```":
            language, start = opened
            opened = None
            if language in LANGUAGES:
                text = "\n".join(body) + "\n"
                found.append((f"{heading}: {first_command(text)}", LANGUAGES[language], text,
                               start))
        else:
            body.append(line)
    seen: dict[str, int] = {}
    blocks = []
    for key, language, text, start in found:
        seen[key] = seen.get(key, 0) + 1
        blocks.append(Block(key if seen[key] == 1 else f"{key} ({seen[key]})", language, text,
                            start))
    return blocks


def user_folder(base: Path, data: Path | None) -> Path:
    """``base/work``, the folder a block runs in, with ``base/shared/datasets`` -> ``data`` and a
    copy of ``examples/``."""
    work = base / "work"
    work.mkdir(parents=True)
    if data is not None:
        (base / "shared").mkdir()
        (base / "shared" / "datasets").symlink_to(data, target_is_directory=True)
    shutil.copytree(ROOT / "examples", work / "examples",
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    return work


def environment(base: Path, extra_paths: list[Path] = (), **variables: str) -> dict[str, str]:
    """The environment of a block: ``metaeval`` and ``python`` are this interpreter's with the
    worktree's package first; ``variables`` are added (``None`` removes one)."""
    shims = base / "bin"
    shims.mkdir(exist_ok=True)
    for name, command in (("metaeval", f'"{sys.executable}" -m metaeval.cli'),
                          ("python", f'"{sys.executable}"'), ("python3", f'"{sys.executable}"')):
        shim = shims / name
        shim.write_text(f'#!/bin/sh\nexec {command} "$@"\n')
        shim.chmod(0o755)
    env = dict(os.environ)
    path = [str(p) for p in [ROOT, *extra_paths]]
    env["PYTHONPATH"] = os.pathsep.join(path + ([env["PYTHONPATH"]] if env.get("PYTHONPATH")
                                                 else []))
    env["PATH"] = os.pathsep.join([str(shims), env.get("PATH", "")])
    env["COLUMNS"] = "200"
    env["HF_HUB_OFFLINE"] = "1"  # models come from local folders and wheels, never the hub
    for name, value in variables.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_block(block: Block, folder: Path, env: dict[str, str],
              timeout: float) -> subprocess.CompletedProcess:
    """Run ``block`` in ``folder``: bash stops at the first failing command (``-e``, pipefail);
    python runs the block as a script."""
    script = folder.parent / ("block.sh" if block.language == "bash" else "block.py")
    script.write_text(block.text, encoding="utf-8")
    command = (["bash", "-e", "-o", "pipefail", str(script)] if block.language == "bash"
               else [sys.executable, str(script)])
    with subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                          start_new_session=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:  # the block's commands too, not only its shell
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            stderr += f"\n(killed after {timeout:.0f} s)"
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
