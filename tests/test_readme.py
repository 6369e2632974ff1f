"""Every command of the README runs as written (issue 18).

Each fenced ``bash``/``sh``/``python`` block of README.md is one test (:mod:`tests.readme`): it
runs as written, offline, with the registered data through ``METAEVAL_DATA_DIR``, in one
folder shared by all blocks in README order, as a user following the README would (so a block
that trips over what an earlier one wrote fails; ``xdist_group`` keeps them on one worker with
``--dist loadgroup``, and each block also passes alone). The files a user would bring
(``judgements.csv``, ``texts.csv``, ...) are built before each block that names them, small and
seeded, so that each command has something real to compute on. A block is either run or named
in ``SKIPPED`` with the reason it cannot run here; a new block is simply run. Blocks not in
``FAST`` (over ~15 s, or new) are marked slow: they run in ``make test``, not in
``make test-fast``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from metaeval.paths import data_dir
from tests.readme import ROOT, Block, environment, read_blocks, run_block, user_folder

BLOCKS = read_blocks()
SKIPPED = {
    "Two commands: make demo": "`make demo` creates a fresh .venv and installs metaeval from "
    "PyPI (network); `make test` would run this suite inside itself. What the demo computes "
    "(`metaeval correlate --domain audio`) runs in the blocks below.",
    "On a Ray cluster: ray start --head --port": "needs a Ray cluster (a head node and "
    "workers with GPUs); tests/score/test_ray_backend.py runs --backend ray on a local Ray.",
    "Image captions: the i2t2i round trip: metaeval score --manifest images.csv": "needs the "
    "BLIP captioner, Stable Diffusion v1.5 and DINOv2 weights (several GB, never downloaded).",
    "Disagreements and power: metaeval score --manifest texts.csv": "needs the "
    "TIGER-Lab/TIGERScore-7B weights (13 GB, never downloaded); tests/metrics/text/"
    "test_tigerscore.py runs TIGERScore end to end with SmolLM2 and tests/explain/"
    "test_explorer_scored.py shows its analyses.",
}
FAST = {  # a block takes ~15 s or less; every other block is marked slow (a new one too)
    "Quick start (Python): import numpy as np",
    "Bring your own data: metaeval correlate --data judgements.csv",
    "Bring your own data: import pandas as pd",
    "Real studies: incomplete designs, replicates, normalisation, exclusions: metaeval listening "
    "summarize --data",
    "Add your metric: import numpy as np",
}
TIMEOUT_S = 900
WORDS = ("the a cat dog sat on mat ran over hill quickly slowly under tree bright sun rain "
         "fell all day long river flows past old town").split()


def _sentence(rng: np.random.Generator) -> str:
    return " ".join(rng.choice(WORDS, size=int(rng.integers(6, 11))))


def _texts(folder, rng) -> pd.DataFrame:
    """texts.csv (a text manifest) and ratings.csv (its judgements, human column ``score``):
    6 items x 4 systems; system s replaces s+1 words of the reference at random, raters see
    the damage with noise."""
    rows = []
    for item in range(6):
        reference = _sentence(rng).split()
        for system in range(4):
            words = list(reference)
            for position in rng.choice(len(words), size=system + 1, replace=False):
                words[position] = str(rng.choice(WORDS))
            rows.append({"item": f"seg{item}", "system": f"sys{system}",
                         "hypothesis": " ".join(words), "reference": " ".join(reference),
                         "score": round(90 - 15 * system + float(rng.normal(0, 8)), 1)})
    frame = pd.DataFrame(rows)
    frame.drop(columns="score").to_csv(folder / "texts.csv", index=False)
    return frame


def _judgements(folder, rng) -> None:
    """judgements.csv: 8 segments x 5 models in two domains; every metric tracks the latent
    quality with its own noise (ter: lower is better)."""
    quality = rng.normal(size=(8, 5)) + np.linspace(1, -1, 5)
    rows = [{"segment": f"s{i}", "model": f"m{j}", "domain": "news" if i < 4 else "chat",
             "mos": 3 + quality[i, j] + rng.normal(0, 0.3), "bleu": 30 + 8 * quality[i, j]
             + rng.normal(0, 4), "chrf": 55 + 6 * quality[i, j] + rng.normal(0, 4),
             "ter": 60 - 7 * quality[i, j] + rng.normal(0, 5),
             "my_metric": quality[i, j] + rng.normal(0, 0.8)}
            for i in range(8) for j in range(5)]
    pd.DataFrame(rows).round(3).to_csv(folder / "judgements.csv", index=False)


def _webmushra(folder, rng) -> None:
    """ratings.csv as webMUSHRA exports it: 6 listeners, 5 trials, hidden reference, anchor and
    three conditions."""
    stimuli = {"reference": 95, "anchor35": 25, "codec_a": 70, "codec_b": 55, "codec_c": 40}
    rows = [{"session_test_id": "mushra_test", "email": f"listener{r}@example.org",
             "age": 20 + 3 * r, "gender": "na", "trial_id": f"trial{t}",
             "rating_stimulus": name, "rating_score": int(np.clip(mean + rng.normal(0, 9), 0,
                                                                  100)),
             "rating_time": int(rng.integers(2000, 9000)), "rating_comment": ""}
            for r in range(6) for t in range(5) for name, mean in stimuli.items()]
    pd.DataFrame(rows).to_csv(folder / "ratings.csv", index=False)


def _sisec(folder, rng) -> None:
    """sisec.csv: 10 songs, each rated by 6 subjects for the reference, anchor35 and 4 of 8
    methods (an incomplete design); subject 0 repeats the first two songs; scores.csv: two
    metrics of the 8 methods on every song."""
    methods = [f"method{m}" for m in range(8)]
    skill = np.linspace(80, 30, 8)
    rows, scores = [], []
    for song in range(10):
        shown = [methods[(song + k) % 8] for k in range(0, 8, 2)]
        for subject in range(6):
            for _repeat in range(2 if subject == 0 and song < 2 else 1):
                for name in ["ref", "anchor35", *shown]:
                    mean = {"ref": 97, "anchor35": 20}.get(name) or skill[methods.index(name)]
                    rows.append({"song": f"song{song}", "method": name,
                                 "subject": f"subject{subject}",
                                 "score": float(np.clip(round(mean + rng.normal(0, 10)), 0, 100))})
        for name in methods:
            quality = skill[methods.index(name)] + rng.normal(0, 8)
            scores.append({"item": f"song{song}", "system": name,
                           "sdr": round(quality / 10 + rng.normal(0, 1), 3),
                           "loudness_gap": round(-quality / 20 + rng.normal(0, 1), 3)})
    pd.DataFrame(rows).to_csv(folder / "sisec.csv", index=False)
    pd.DataFrame(scores).to_csv(folder / "scores.csv", index=False)


def _mqm(folder, rng) -> None:
    """mqm_ende.tsv: the registered WMT21 TED en-de MQM release (a user's WMT MQM TSV)."""
    if data_dir() is not None:  # else the block fails and is skipped for want of data
        shutil.copyfile(data_dir() / "wmt_mqm_ted" / "ende" / "mqm_ted_ende.tsv",
                        folder / "mqm_ende.tsv")


def _text_judgements(folder, rng) -> None:
    _texts(folder, rng)[["item", "system", "score"]].to_csv(folder / "ratings.csv", index=False)


def build_inputs(block: Block, folder) -> list[str]:
    """The files a user would have for ``block``, built in ``folder``; their names."""
    rng = np.random.default_rng(18)
    builders = {"judgements.csv": _judgements, "sisec.csv": _sisec, "mqm_ende.tsv": _mqm,
                "texts.csv": _texts,
                "ratings.csv": _webmushra if block.mentions("webmushra") else _text_judgements}
    built = [name for name in builders if block.mentions(name)]
    for name in built:  # rebuilt for each block: two examples may mean different ratings.csv
        builders[name](folder, rng)
    return built


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    """The example plugin installed with pip into a temporary folder (the README's `pip install
    examples/metaeval-example-plugin`, kept out of the environment)."""
    source = tmp_path_factory.mktemp("plugin_source") / "plugin"
    shutil.copytree(ROOT / "examples" / "metaeval-example-plugin", source,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    target = tmp_path_factory.mktemp("plugin_target")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                           "--no-build-isolation", "--disable-pip-version-check",
                           "--no-cache-dir", "--target", str(target), str(source)],
                          capture_output=True, text=True, cwd=source.parent)
    assert done.returncode == 0, done.stderr
    return target


@pytest.fixture(scope="session")
def readme_folder(tmp_path_factory):
    """(base, work): the user's folder every block runs in, in README order."""
    base = tmp_path_factory.mktemp("readme")
    return base, user_folder(base, data_dir())


def _param(block: Block):
    marks = [pytest.mark.xdist_group("readme")]
    marks += [] if block.key in FAST else [pytest.mark.slow]
    return pytest.param(block, id=re.sub(r"\W+", "-", block.key).strip("-")[:90], marks=marks)


@pytest.mark.parametrize("block", [_param(b) for b in BLOCKS])
def test_readme_block_runs_as_written(block, readme_folder, request):
    if block.key in SKIPPED:
        pytest.skip(SKIPPED[block.key])
    data = data_dir()
    base, work = readme_folder
    build_inputs(block, work)
    extra = [request.getfixturevalue("plugin")] if block.mentions("colourfulness") else []
    env = environment(base, extra, METAEVAL_CACHE_DIR=str(base / "cache"))
    if block.mentions("download"):  # the data sets come from a local mirror, not the network
        env.pop("METAEVAL_OFFLINE", None)
        env["METAEVAL_DATA_MIRROR"] = (data or base).as_uri()
    for earlier in writers_of_missing_files(block, work):  # so that the block passes alone
        made = run_block(earlier, work, env, TIMEOUT_S)
        assert made.returncode == 0, f"README line {earlier.line} failed:\n{made.stderr[-2000:]}"
    done = run_block(block, work, env, TIMEOUT_S)
    if done.returncode != 0 and data is None:
        pytest.skip(f"needs the registered data (METAEVAL_DATA_DIR unset): {done.stderr[-300:]}")
    if block.expected_error is not None:  # the README shows this refusal: it must happen so
        message, status = block.expected_error
        assert done.returncode != 0 and status in (None, done.returncode), (
            f"README line {block.line} shows a refusal (exit status {status}); got exit "
            f"{done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        assert block.shown_error_matches(done.stderr), (
            f"README line {block.line} shows the error {message!r}; stderr:\n{done.stderr[-2000:]}")
        return
    assert done.returncode == 0, (f"README line {block.line} ({block.key}) failed as written:\n"
                                  f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}")


def writers_of_missing_files(block: Block, folder) -> list[Block]:
    """The earlier README blocks that write the data files ``block`` names and ``folder`` lacks
    (``verdicts.csv`` of the judge example), latest writer of each; none when the files exist."""
    names = set(re.findall(r"[\w.-]+\.(?:csv|tsv|jsonl|parquet)\b", block.text))
    earlier = BLOCKS[:BLOCKS.index(block)]
    found = []
    for name in sorted(n for n in names if not (folder / n).exists()):
        writers = [b for b in earlier if b.writes(name)]
        if writers and writers[-1] not in found:
            found.append(writers[-1])
    return found


def test_every_block_is_found():
    """As many blocks as the README opens bash/sh/python fences, with distinct keys."""
    opened = re.findall(r"^```(?:bash|sh|shell|python|py)\s*$", (ROOT / "README.md").read_text(
        encoding="utf-8"), flags=re.M)
    assert len(BLOCKS) == len(opened) >= 20
    assert len({b.key for b in BLOCKS}) == len(BLOCKS)
    assert {b.language for b in BLOCKS} == {"bash", "python"}


def test_skipped_blocks_exist():
    """A skip entry whose block no longer exists is an error, not silently unused."""
    assert sorted(set(SKIPPED) - {b.key for b in BLOCKS}) == []


def test_fast_blocks_exist():
    """A FAST entry whose block was edited away only makes that block slow: a warning."""
    stale = sorted(FAST - {b.key for b in BLOCKS})
    if stale:
        warnings.warn(f"FAST names blocks the README no longer has: {stale}", stacklevel=1)
    assert len(FAST) > len(stale)


def test_extraction_keys_and_languages(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n\n## Use\n\n```bash\n# a comment\nE=x  # data\nmetaeval correlate --data "
                      "x.csv --k 10 \\\n   --out r   # note\n```\n```yaml\nname: x\n```\n"
                      "```python\nprint(1)\n```\n```python\nprint(1)\n```\n### Next\n```sh\n"
                      "ls\n```\n", encoding="utf-8")
    blocks = read_blocks(readme)
    assert [(b.key, b.language, b.line) for b in blocks] == [
        ("Use: metaeval correlate --data x.csv", "bash", 6), ("Use: print(1)", "python", 15),
        ("Use: print(1) (2)", "python", 18), ("Next: ls", "bash", 22)]
    assert blocks[0].text.endswith("--out r   # note\n")
    assert blocks[0].mentions("x.csv") and not blocks[0].mentions("x.cs")


def test_blocks_run_this_checkout(tmp_path):
    """`metaeval` and `python` in a block are this interpreter with this checkout's package."""
    env = environment(tmp_path)
    done = subprocess.run(["bash", "-c", "python -c 'import metaeval; print(metaeval.__file__)'"
                           " && metaeval --version"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    path, version = done.stdout.splitlines()
    assert path == str(ROOT / "metaeval" / "__init__.py") and "0." in version


def test_a_shown_refusal_is_parsed_and_matched(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("## Use\n\n```bash\nmetaeval correlate --metrics sisrd\n# error: --metrics "
                      "sisrd: unknown metric; the available metrics are a, ...\n#   Fix: did you "
                      "mean 'sisdr'?   (exit status 2)\n```\n```python\nimport pandas as pd\n"
                      "pd.DataFrame().to_csv(\"v.csv\")\n```\n```bash\nmetaeval judge --data "
                      "v.csv\n```\n", encoding="utf-8")
    shown, writer, reader = read_blocks(readme)
    assert shown.expected_error == ("--metrics sisrd: unknown metric; the available metrics are a,"
                                    " ... Fix: did you mean 'sisdr'?", 2)
    assert shown.shown_error_matches("error: --metrics sisrd: unknown metric; the available "
                                     "metrics are a, b, c.\n  Fix: did you mean 'sisdr'? Else")
    assert not shown.shown_error_matches("error: --metrics sisrd: unknown metric; Fix: did you")
    assert writer.expected_error is None and reader.expected_error is None
    assert writer.writes("v.csv") and not writer.writes("w.csv") and not reader.writes("v.csv")


@pytest.mark.xdist_group("readme")
def test_readme_blocks_share_one_worker(request):
    """Under ``--dist loadgroup`` (make test) the README's blocks run on one worker in order:
    pytest-xdist marks each grouped test's node id with its group (pytest 9.2 drops that mark,
    and the blocks were spread over the workers: pyproject pins pytest below it)."""
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not a pytest-xdist worker under --dist loadgroup")
    assert request.node.nodeid.endswith("@readme"), request.node.nodeid
