"""Disagreement explorer inputs: embedded audio players on the real GSVS examples (decodable
16 kHz mono 16-bit WAV of the first 5 s, within the budget; each distinct file once per page,
linked from every row that lists it), the budget note, unreadable-file placeholders, text
snippets with escaping, and TIGERScore error analyses from a scores table."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from html import unescape as htmlunescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import soxr
from markupsafe import escape
from scipy.signal import resample_poly
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.metrics.text.tigerscore import parse
from metaeval.report.audio_clips import clip_uri, excerpt
from metaeval.report.explorer_media import error_analysis, snippet
from metaeval.score.manifest import expand_path
from tests.registered import registered

runner = CliRunner()
GSVS = registered("gensvs_eval_examples")
JUDGEMENTS = GSVS / "audio_examples_dmos.csv"
MANIFEST = GSVS / "audio_examples_manifest.csv"
PLAYER = re.compile(r'<audio controls preload="none" src="data:audio/wav;base64,([^"]+)">')
ROW = re.compile(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>([^<]+)</td>")
STIMULUS = re.compile(r'<li id="(stim-[0-9a-f-]+)"><span class="label">[^<]*</span>'
                      r'<audio controls preload="none" src="data:audio/wav;base64,([^"]+)">'
                      r'</audio> <code>([^<]+)</code>')
LINK = re.compile(r'<span class="label">(output|reference)</span><a class="stim-link" '
                  r'href="#(stim-[0-9a-f-]+)" title="([^"]+)">')


@pytest.fixture(scope="module")
def gsvs_audio(datasets_dir) -> pd.DataFrame:
    manifest = pd.read_csv(MANIFEST, dtype=str)
    first = expand_path(manifest["estimate"].iloc[0])
    if not first.is_file():
        pytest.skip(f"GSVS audio examples absent at {first.parent}")
    return manifest


def _correlate(tmp_path, *extra) -> str:
    out = tmp_path / "report"
    ran = runner.invoke(app, ["correlate", "--data", str(JUDGEMENTS), "--metrics",
                              "released_sisdr", "--k", "20", "--coef", "spearman",
                              "--significance", "none", "--format", "html", "--out", str(out),
                              "--quiet", "--manifest", str(MANIFEST), *extra])
    assert ran.exit_code == 0, ran.output
    return (out / "index.html").read_text(encoding="utf-8")


def _decode(b64: str) -> tuple[np.ndarray, sf._SoundFileInfo]:
    data = base64.b64decode(b64)
    info = sf.info(io.BytesIO(data))
    audio, _ = sf.read(io.BytesIO(data), dtype="float64")
    return audio, info


def _listed_files(page: str, manifest: pd.DataFrame) -> list[Path]:
    """The distinct output and reference files of the listed cells with a manifest row, in the
    order first listed (from the manifest, not from the page's players)."""
    rows = manifest.set_index(["item", "system"])
    files: list[Path] = []
    for _, item, system in ROW.findall(page[page.index('id="rank-gaps"'):]):
        if (item, system) in rows.index:
            for column in ("estimate", "reference"):
                path = expand_path(rows.loc[(item, system), column]).resolve()
                files += [] if path in files else [path]
    return files


def _check_links(page: str) -> tuple[list, list]:
    """The page's stimuli (id, base64, shown path) and row links (label, href, title), after
    checking that the ids are unique, derived from the shown path, and all linked."""
    stimuli, links = STIMULUS.findall(page), LINK.findall(page)
    ids = [ident for ident, _, _ in stimuli]
    assert len(set(ids)) == len(ids) == len(PLAYER.findall(page))  # every player is listed once
    for ident, _, shown in stimuli:
        assert ident == "stim-" + hashlib.sha256(htmlunescape(shown).encode()).hexdigest()[:12]
    assert {href for _, href, _ in links} == set(ids)  # every link resolves, every id is linked
    by_id = {ident: shown for ident, _, shown in stimuli}
    assert all(by_id[href] == title for _, href, title in links)  # a link names its own file
    return stimuli, links


def test_gsvs_players_are_first_5s_mono_16k_wav_within_budget(tmp_path, gsvs_audio):
    page = _correlate(tmp_path, "--embed-media", "--media-budget", "2")
    players = PLAYER.findall(page)
    # released_sisdr x (discriminative, generative, all) x 5 rows x (output, reference) = 30
    # listed files, 21 distinct (a target is the reference of every system of its item, and
    # a cell of a group is often listed in the pooled group too); each is embedded once
    assert len(_listed_files(page, gsvs_audio)) == 21
    stimuli, links = _check_links(page)
    spent = page.count("not embedded: the media budget of 2 MB is spent")
    assert len(links) + spent == 30 and len(players) == len(set(players)) == 9
    size = sum(len("data:audio/wav;base64,") + len(p) for p in players)
    assert size <= 2_000_000  # 9 x 213,414 characters fit, 10 do not
    assert ("12 distinct file(s) left out: the media budget of 2 MB (--media-budget) was "
            "spent after 9 embedded, each once (1.9 MB)") in page
    for b64 in players:
        audio, info = _decode(b64)
        assert (info.samplerate, info.channels, info.subtype, info.frames) == \
            (16000, 1, "PCM_16", 80000)  # the 5 s excerpt of a 44.1 kHz file
    # the first player is the output of the first listed cell: compare with an independent
    # polyphase resampling (scipy, 160/441) of the file's first 5 s averaged to mono
    item, system = ROW.search(page[page.index('id="rank-gaps"'):]).groups()[1:]
    row = gsvs_audio[(gsvs_audio["item"] == item) & (gsvs_audio["system"] == system)].iloc[0]
    source, rate = sf.read(expand_path(row["estimate"]), frames=5 * 44100, always_2d=True)
    assert rate == 44100
    expected = resample_poly(source.mean(axis=1), 160, 441)
    assert links[0][:2] == ("output", stimuli[0][0])  # and its row links to it
    played, _ = _decode(players[0])
    assert np.corrcoef(played, expected)[0, 1] > 0.999
    relative = np.sqrt(np.mean((played - expected) ** 2) / np.mean(expected ** 2))
    assert relative < 0.05  # the two resamplers differ near 8 kHz; another file: ~1.4
    # and with soxr itself (the resampler of the scoring loader), rounded to 16 bits
    direct = soxr.resample(source.mean(axis=1), 44100, 16000, quality="HQ")
    stored, _ = sf.read(io.BytesIO(base64.b64decode(players[0])), dtype="int16")
    assert np.array_equal(stored, np.round(np.clip(direct, -1, 1) * 32767).astype(np.int16))


def _check_players_are_listed_files(page: str, manifest: pd.DataFrame) -> tuple[list, list]:
    """Every player's data URI is unique, and the players are the listed files (manifest
    paths, in the order first listed) where all fit; the stimuli and links."""
    stimuli, links = _check_links(page)
    players = PLAYER.findall(page)
    assert len(set(players)) == len(players) == len(stimuli)
    listed = _listed_files(page, manifest)
    assert [expand_path(htmlunescape(shown).replace("$METAEVAL_DATA_DIR", "${METAEVAL_DATA_DIR}"))
            .resolve() for _, _, shown in stimuli] == listed
    return stimuli, links


def test_several_metrics_embed_each_distinct_file_once(tmp_path, gsvs_audio):
    page = _correlate(tmp_path, "--metrics", "released_sisdr,released_multi_res_loss",
                      "--embed-media")  # the default budget of 10 MB
    stimuli, links = _check_players_are_listed_files(page, gsvs_audio)
    # 2 metrics x 3 groups x 5 rows x (output, reference): 60 listed, 26 distinct files
    assert len(links) == 60 and len(stimuli) == 26
    assert "left out" not in page and "is spent" not in page
    size = sum(len("data:audio/wav;base64,") + len(b64) for _, b64, _ in stimuli)
    assert size == 26 * 213_414 <= 10_000_000


def test_domain_audio_explain_links_rows_to_one_player_per_file(tmp_path, gsvs_audio):
    page_file = tmp_path / "explain.html"
    ran = runner.invoke(app, ["explain", "--domain", "audio", "--metric",
                              "sisdr,multi_res_loss,visqol", "--top", "5", "--manifest",
                              str(MANIFEST), "--embed-media", "--html", str(page_file)])
    assert ran.exit_code == 0, ran.output
    page = page_file.read_text(encoding="utf-8")
    stimuli, links = _check_players_are_listed_files(page, gsvs_audio)
    rows = ROW.findall(page)
    missing = page.count("no row for this cell in ")  # of the 250 trials, 60 have audio
    assert len(rows) == 3 * 3 * 5 and len(links) == 2 * (len(rows) - missing)
    assert len(stimuli) < len(links)  # cells repeated over metrics and groups share players


def test_budget_note_counts_distinct_files(tmp_path, gsvs_audio):
    page = _correlate(tmp_path, "--metrics", "released_sisdr,released_multi_res_loss",
                      "--embed-media", "--media-budget", "2")
    stimuli, links = _check_links(page)
    listed = _listed_files(page, gsvs_audio)
    assert len(stimuli) == 9 and len(listed) == 26
    assert (f"{len(listed) - 9} distinct file(s) left out: the media budget of 2 MB "
            "(--media-budget) was spent after 9 embedded, each once (1.9 MB)") in page
    spent = page.count("not embedded: the media budget of 2 MB is spent")
    assert len(links) + spent == 60  # every listed file either links or says why it does not


def test_without_embed_media_only_paths_are_shown(tmp_path, gsvs_audio):
    page = _correlate(tmp_path)
    assert "data:audio" not in page and "<audio" not in page
    assert "gensvs_eval/audio_examples/Target/target_fileid_" in page
    assert "gensvs_eval/audio_examples/" in page and "separated_vocals_fileid_" in page


def test_unreadable_and_missing_files_are_placeholders(tmp_path, gsvs_audio):
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really a wave file")
    manifest = gsvs_audio.copy()
    manifest["estimate"] = str(broken)
    manifest["reference"] = str(tmp_path / "absent.wav")
    path = tmp_path / "manifest.csv"
    manifest.drop(columns="mixture").to_csv(path, index=False)
    page_file = tmp_path / "explain.html"
    ran = runner.invoke(app, ["explain", "--data", str(JUDGEMENTS), "--metric", "released_sisdr",
                              "--top", "2", "--manifest", str(path), "--embed-media",
                              "--html", str(page_file)])
    assert ran.exit_code == 0, ran.output
    page = page_file.read_text(encoding="utf-8")
    assert "<audio" not in page
    assert page.count("not playable (") == 2 * 6  # 2 rows x 3 groups, output and reference
    assert "2 file(s) could not be read" in page  # broken.wav and absent.wav, each counted once
    uri, reason = clip_uri(tmp_path / "absent.wav")
    assert uri is None and "absent.wav" in reason


def test_media_options_are_checked(tmp_path):
    ran = runner.invoke(app, ["correlate", "--data", str(JUDGEMENTS), "--embed-media",
                              "--out", str(tmp_path / "r"), "--quiet"])
    assert ran.exit_code == 2 and "--manifest" in ran.output
    ran = runner.invoke(app, ["explain", "--data", str(JUDGEMENTS), "--embed-media",
                              "--manifest", str(MANIFEST)])
    assert ran.exit_code == 2 and "--html" in ran.output
    ran = runner.invoke(app, ["explain", "--data", str(JUDGEMENTS), "--manifest", str(MANIFEST)])
    assert ran.exit_code == 2 and "--manifest" in ran.output and "--html" in ran.output
    ran = runner.invoke(app, ["explain", "--data", str(JUDGEMENTS), "--html",
                              str(tmp_path / "e.html"), "--manifest", str(MANIFEST),
                              "--media-budget", "-1"])
    assert ran.exit_code == 2 and "--media-budget" in ran.output


def test_excerpt_of_a_stereo_sine(tmp_path):
    t = np.arange(44100 * 3) / 44100
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    path = tmp_path / "tone.wav"
    sf.write(path, np.stack([tone, 0.5 * tone], axis=1), 44100, subtype="FLOAT")
    clip = excerpt(path, seconds=2.0)
    assert clip.shape == (32000,)  # 2 s at 16 kHz
    assert np.sqrt(np.mean(clip[1000:-1000] ** 2)) == pytest.approx(0.375 / np.sqrt(2), rel=1e-3)
    uri, reason = clip_uri(path, seconds=10.0)  # longer than the file: the whole file
    audio, info = _decode(uri.split(",", 1)[1])
    assert reason == "" and info.frames == 48000 and info.samplerate == 16000


def test_excerpt_checks_the_header_as_the_scoring_loader(tmp_path):
    path = tmp_path / "one.wav"  # a header that says 1 Hz: no player made of it
    sf.write(path, 0.3 * np.random.default_rng(9).standard_normal(32_000), 1, subtype="PCM_16")
    uri, reason = clip_uri(path)
    assert uri is None and "the header's sample rate of 1 Hz is outside 1,000-768,000 Hz" in reason


def test_snippet_cuts_at_a_word_boundary():
    assert snippet("a  b\n c") == "a b c"
    assert snippet("alpha beta gamma delta", 12) == "alpha beta\u2026"
    assert snippet("x" * 20, 10) == "x" * 9 + "\u2026"


def _text_study(tmp_path, outputs) -> tuple[Path, Path, Path]:
    """Four outputs of one item: a judgement table, a text manifest and TIGERScore scores
    whose details are parsed from real TIGERScore-7B generations."""
    ids = ["nb002", "nb010", "nb014", "nb000"]  # 0, 2, 5 and 3 errors
    systems = ["a", "b", "c", "d"]
    hyps = ['<script>alert("x")</script> & more', "A short summary.", "Another one.",
            "word " * 200]
    judgements = pd.DataFrame({"item": "doc1", "system": systems, "human": [4.0, 1.0, 2.0, 3.0]})
    manifest = pd.DataFrame({"item": "doc1", "system": systems, "hypothesis": hyps,
                             "source": "The source <b>document</b>.", "reference": "Ref."})
    analyses = [parse(outputs[i]) for i in ids]
    scores = pd.DataFrame({"item": "doc1", "system": systems,
                           "tigerscore": [a.score for a in analyses], "errors": "",
                           "details": [json.dumps({"tigerscore": a.as_details()})
                                       for a in analyses]})
    paths = tmp_path / "judgements.csv", tmp_path / "texts.csv", tmp_path / "scores.csv"
    for frame, path in zip((judgements, manifest, scores), paths):
        frame.to_csv(path, index=False)
    return paths


@pytest.fixture(scope="module")
def tiger_outputs(datasets_dir) -> dict[str, str]:
    path = datasets_dir / "tigerscore_outputs" / "outputs.jsonl"
    if not path.exists():
        pytest.skip(f"TIGERScore outputs absent at {path}")
    return {r["id"]: r["output"] for r in map(json.loads, path.read_text().splitlines())}


def test_text_snippets_escaped_and_tigerscore_analysis(tmp_path, tiger_outputs):
    judgements, texts, scores = _text_study(tmp_path, tiger_outputs)
    page_file = tmp_path / "explain.html"
    ran = runner.invoke(app, ["explain", "--data", str(judgements), "--item", "item", "--system", "system",
                              "--human", "human",
                              "--scores", str(scores), "--metric", "tigerscore", "--top", "4",
                              "--manifest", str(texts), "--html", str(page_file)])
    assert ran.exit_code == 0, ran.output
    page = page_file.read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more" in page
    assert "The source &lt;b&gt;document&lt;/b&gt;." in page
    long = re.search(r"hypothesis</span> ((?:word )+word\u2026)</div>", page)
    assert long and len(long.group(1)) <= 300
    shown = 0
    for key in ("nb010", "nb014", "nb000"):
        for error in parse(tiger_outputs[key]).errors:
            assert str(escape(snippet(error.explanation, 400))) in page
            shown += 1
    assert shown == 10 and page.count("<li><b>Major</b>") + page.count("<li><b>Minor</b>") == 10
    assert "no errors found" in page  # nb002: zero errors


def test_unparseable_analysis_keeps_its_reason(tiger_outputs):
    analysis = error_analysis(parse(tiger_outputs["nb404"]).as_details())
    assert analysis["problem"].startswith("unparseable TIGERScore output: ")
    assert analysis["raw"] == snippet(tiger_outputs["nb404"])
    assert error_analysis({"caption": "not an error analysis"}) is None


def test_correlate_reads_a_scores_table_with_details(tmp_path, tiger_outputs):
    judgements, texts, scores = _text_study(tmp_path, tiger_outputs)
    out = tmp_path / "report"
    ran = runner.invoke(app, ["correlate", "--data", str(judgements), "--item", "item", "--system", "system",
                              "--human", "human",
                              "--scores", str(scores), "--k", "10",
                              "--coef", "spearman", "--significance", "none", "--format",
                              "html", "--out", str(out), "--quiet", "--manifest", str(texts)])
    assert ran.exit_code == 0, ran.output
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "error analysis" in page and "&lt;script&gt;" in page


def test_cells_without_a_manifest_row_say_so(tmp_path):
    page_file = tmp_path / "explain.html"
    ran = runner.invoke(app, ["explain", "--domain", "audio", "--metric", "sisdr", "--top", "3",
                              "--manifest", str(MANIFEST), "--html", str(page_file)])
    assert ran.exit_code == 0, ran.output
    page = page_file.read_text(encoding="utf-8")
    rows = len(ROW.findall(page))
    found = page.count("separated_vocals_fileid_")  # cells of the 60 with public audio
    missing = page.count("no row for this cell in ")
    assert rows == 9 and missing == rows - found and missing > 0


def test_bundled_mt_texts_are_shown_without_a_manifest(tmp_path):
    from metaeval.data.studies import study

    page_file = tmp_path / "explain.html"
    ran = runner.invoke(app, ["explain", "--domain", "mt", "--metric", "chrf", "--top", "1",
                              "--html", str(page_file)])
    assert ran.exit_code == 0, ran.output
    page = page_file.read_text(encoding="utf-8")
    texts = study("mt").texts().set_index(["item", "system"])
    cells = ROW.findall(page)
    assert cells
    for _, item, system in cells:
        hypothesis = texts.loc[(htmlunescape(item), htmlunescape(system)), "hypothesis"]
        assert f"hypothesis</span> {escape(snippet(hypothesis))}</div>" in page


def test_image_thumbnails_and_placeholders(tmp_path):
    from PIL import Image

    Image.new("RGB", (300, 150), (200, 30, 30)).save(tmp_path / "red.png")
    (tmp_path / "bad.png").write_bytes(b"not a png")
    names = ["red.png", "bad.png", "absent.png", "red.png"]
    manifest = pd.DataFrame({"item": ["i1", "i2", "i3", "i4"], "system": "s", "image": names,
                             "text": ["a red <box>", "b", "c", "d"]})
    manifest.to_csv(tmp_path / "images.csv", index=False)
    pd.DataFrame({"item": ["i1", "i2", "i3", "i4"], "system": "s", "human": [1.0, 2.0, 3.0, 4.0],
                  "m": [4.0, 3.0, 2.0, 1.0]}).to_csv(tmp_path / "ratings.csv", index=False)
    page_file = tmp_path / "explain.html"
    ran = runner.invoke(app, ["explain", "--data", str(tmp_path / "ratings.csv"), "--item",
                              "item", "--system", "system", "--human", "human", "--metric", "m",
                              "--top", "4", "--manifest", str(tmp_path / "images.csv"),
                              "--embed-media", "--html", str(page_file)])
    assert ran.exit_code == 0, ran.output
    page = page_file.read_text(encoding="utf-8")
    thumbs = re.findall(r'<img src="data:image/png;base64,([^"]+)"', page)
    assert len(thumbs) == 1  # i1 and i4 list the same file: embedded once, linked from both
    (ident, shown), = re.findall(r'<li id="(stim-[0-9a-f]+)"><span class="label">image</span>'
                                 r'<img src="data:image/png;base64,[^"]+" alt="[^"]+"> '
                                 r'<code>([^<]+red\.png)</code> <span class="cells">i1 / s; i4 / s<',
                                 page)
    assert ident == "stim-" + hashlib.sha256(htmlunescape(shown).encode()).hexdigest()[:12]
    assert re.findall(r'href="#(stim-[0-9a-f]+)"', page) == [ident, ident]
    with Image.open(io.BytesIO(base64.b64decode(thumbs[0]))) as thumb:
        assert thumb.size == (96, 48)
    assert page.count("image not shown (") == 2 and "a red &lt;box&gt;" in page
