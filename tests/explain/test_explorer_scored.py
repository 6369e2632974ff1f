"""TIGERScore's error analyses in the disagreement explorer when the bundled MT/text sets are
scored inside the run (``--domain mt|text``): computed and from the score cache, the analyses
shown for the listed cells are the parsed outputs. The LLM is replaced by real TIGERScore-7B
generations (``tigerscore_outputs``), one per prompt; everything else runs as in use.
Without TIGERScore nothing changes: no details, and the scores of other metrics stay cached."""

from __future__ import annotations

import hashlib
import json
import re
from html import unescape

import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.correlation.domains import scored_domain
from metaeval.data.studies import study
from metaeval.metrics.text import tigerscore
from metaeval.metrics.text.tigerscore import parse, prompt
from metaeval.report.explorer_inputs import ExplorerInputs, with_details
from metaeval.report.explorer_media import EXPLANATION, SNIPPET, snippet
from metaeval.score.runner import score_items

runner = CliRunner()
ROW = re.compile(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>([^<]+)</td>(.*?)(?=<tr><td>|</tbody>)",
                 re.S)
ERROR = re.compile(r"<li><b>(Major|Minor)</b> \((.*?), &minus;(.*?)\): <q>(.*?)</q> (.*?)</li>",
                   re.S)


class Recorded:
    """A generator answering each prompt with one of the recorded outputs (by prompt hash)."""

    def __init__(self, outputs: list[str]):
        self.outputs, self.prompts = outputs, []

    def choose(self, text: str) -> str:
        return self.outputs[int(hashlib.sha256(text.encode()).hexdigest(), 16) % len(self.outputs)]

    def generate(self, prompts: list[str]) -> list[str]:
        self.prompts.extend(prompts)
        return [self.choose(p) for p in prompts]


@pytest.fixture
def recorded(datasets_dir, monkeypatch, tmp_path) -> Recorded:
    path = datasets_dir / "tigerscore_outputs" / "outputs.jsonl"
    if not path.exists():
        pytest.skip(f"TIGERScore outputs absent at {path}")
    texts = [r["output"] for r in map(json.loads, path.read_text().splitlines())]
    generator = Recorded([t for t in texts if parse(t).score == parse(t).score])  # parseable
    monkeypatch.setattr(tigerscore, "make_generator", lambda config, device: generator)
    monkeypatch.chdir(tmp_path)  # a fresh score cache (.cache/metaeval-scores)
    return generator


def _shown(page: str) -> dict[tuple[str, str], list[tuple] | None]:
    """{(item, system): [(severity, aspect, reduction, location, explanation)], or None where
    the row shows no error analysis} of the listed rows."""
    section = page[page.index('id="rank-gaps"'):]
    return {(unescape(item), unescape(system)): ([tuple(unescape(v) for v in e)
                                                   for e in ERROR.findall(rest)]
                                                  if '<div class="analysis">' in rest else None)
            for _, item, system, rest in ROW.findall(section)}


def _expected(domain: str, cells, generator: Recorded) -> dict[tuple[str, str], list[tuple]]:
    texts = study(domain).texts().set_index(["item", "system"])
    out = {}
    for cell in cells:
        row = texts.loc[cell]
        output = generator.choose(prompt(row["instruction"], row["hypothesis"], row["context"]))
        out[cell] = [(e.severity, e.aspect, str(e.reduction), snippet(e.location, SNIPPET),
                      snippet(e.explanation, EXPLANATION)) for e in parse(output).errors]
    return out


def test_explain_domain_text_shows_the_runs_analyses_computed_and_cached(recorded, tmp_path):
    pages = []
    for name in ("first.html", "second.html"):
        ran = runner.invoke(app, ["explain", "--domain", "text", "--metric", "tigerscore",
                                  "--top", "3", "--html", str(tmp_path / name)])
        assert ran.exit_code == 0, ran.output
        pages.append((tmp_path / name).read_text(encoding="utf-8"))
    # SummEval: 100 articles x 16 systems, 1546 distinct summaries; an identical summary scored
    # in an earlier runner batch comes from the cache: every distinct prompt, at most 1600
    assert len(set(recorded.prompts)) == 1546 and len(recorded.prompts) <= 1600
    assert recorded.prompts[0].startswith("You are evaluating errors in a model-generated output "
                                          "for a given instruction.\nInstruction: \nSummarize the "
                                          "following news article.\n")
    shown = _shown(pages[0])
    assert len(shown) >= 3 and sum(map(len, shown.values())) > 0  # some rows list errors
    assert shown == _expected("text", shown, recorded)
    assert _shown(pages[1]) == shown  # the second run: every score and analysis from the cache


def test_correlate_domain_mt_report_shows_the_analyses(recorded, tmp_path):
    out = tmp_path / "report"
    ran = runner.invoke(app, ["correlate", "--domain", "mt", "--metrics", "tigerscore", "--k",
                              "10", "--coef", "pearson", "--level", "none", "--significance",
                              "none", "--format", "html", "--out", str(out), "--quiet"])
    assert ran.exit_code == 0, ran.output
    texts = study("mt").texts()
    assert len(set(recorded.prompts)) == len(texts.drop_duplicates(["hypothesis", "context"]))
    assert "Translate the following text from English to German.\n" in recorded.prompts[0]
    shown = _shown((out / "index.html").read_text(encoding="utf-8"))
    assert len(shown) >= 5 and shown == _expected("mt", shown, recorded)
    # the largest gaps here are cells TIGERScore found flawless: each row says so
    assert (out / "index.html").read_text(encoding="utf-8").count("no errors found") == \
        sum(not errors for errors in shown.values())


def test_details_reach_the_set_as_from_a_scores_file(recorded):
    js, _ = scored_domain("text", ["tigerscore"], cache_dir=None)
    assert list(js.details.columns) == ["item", "system", "details"] and len(js.details) == 1600
    cell = (js.details["item"].iloc[7], js.details["system"].iloc[7])
    row = study("text").texts().set_index(["item", "system"]).loc[cell]
    expected = parse(recorded.choose(prompt(row["instruction"], row["hypothesis"],
                                            row["context"]))).as_details()
    shown = with_details(ExplorerInputs(), js.details).details
    assert shown[cell] == {"tigerscore": json.loads(json.dumps(expected))}
    kept = with_details(ExplorerInputs(details={cell: {"tigerscore": {"errors": []}}}), js.details)
    assert kept.details[cell] == {"tigerscore": {"errors": []}}  # a --scores file's own wins


def test_without_tigerscore_nothing_changes(tmp_path):
    texts = study("mt").texts().head(26)
    assert {"instruction", "context"} <= set(texts.columns)
    cache = tmp_path / "cache"
    first = score_items(texts, ["chrf"], cache_dir=cache)
    plain = score_items(texts.drop(columns=["instruction", "context"]), ["chrf"], cache_dir=cache)
    assert plain.attrs["from_cache"] == 26 and plain.attrs["computed"] == 0  # the same keys
    pd.testing.assert_series_equal(first["chrf"], plain["chrf"])
    assert "details" not in first.columns
    js, _ = scored_domain("mt", ["chrf"], cache_dir=tmp_path / "cache")
    assert js.details is None
    inputs = ExplorerInputs()
    assert with_details(inputs, js.details) is inputs and with_details(None, None) is None
    page = tmp_path / "explain.html"
    ran = runner.invoke(app, ["explain", "--domain", "mt", "--metric", "chrf", "--top", "2",
                              "--html", str(page)])
    assert ran.exit_code == 0, ran.output
    text = page.read_text(encoding="utf-8")
    shown = _shown(text)
    assert shown and set(shown.values()) == {None} and 'class="analysis"' not in text
