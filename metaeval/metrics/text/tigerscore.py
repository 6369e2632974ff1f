"""TIGERScore (Jiang, Li, Zhang, Chen, Chen, TMLR 2024): an LLM writes an error analysis of the
output for an instruction; the score is minus the sum of its per-error score reductions.

- :data:`TEMPLATE` / :func:`prompt`: the input format the TIGERScore checkpoints were trained on
  (``string.Template``; trailing spaces after ``Instruction:``, ``Output:`` and ``("Major" or
  "Minor").``; the result stripped of leading/trailing newlines and spaces).
- :func:`parse`: the model's text -> :class:`Analysis` with ``score`` and ``errors``.
  score = -(sum of the per-error ``Score reduction i``), not the stated total (they differ in
  21 of 502 real outputs) and not the integer-only regex of the public scorer (5.5 stays 5.5).
  Tolerant of leading spaces, ``4`` vs ``4.0`` and a value that starts on the next line. A
  missing header, an error block without one of its five fields, a count that differs from the
  header, a severity other than Major/Minor or a reduction that is not a number make the score
  NaN with the raw text kept (``problem`` says why), never 0.
- :class:`TIGERScore`: the metric; greedy decoding, ``max_new_tokens`` 1024, batched, through a
  local transformers model or an OpenAI-compatible endpoint (:mod:`.generation`). Every analysis
  is kept with its score (the ``details`` of the score table).
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import asdict, dataclass

import numpy as np

from metaeval.metrics.base import Batch, Metric, MetricConfig, option, package_versions
from metaeval.metrics.text import text_inputs
from metaeval.metrics.text.generation import BACKENDS, make_generator
from metaeval.metrics.valid import at_least, greater_than, one_of

TIGERSCORE_2024 = ("D. Jiang, Y. Li, G. Zhang, W. Huang, B. Y. Lin, W. Chen, TIGERScore: Towards "
                   "Building Explainable Metric for All Text Generation Tasks, TMLR 2024.")
TEMPLATE = string.Template(
    "You are evaluating errors in a model-generated output for a given instruction.\n"
    "Instruction: \n${generation_instruction}\n${input_context}\n\n"
    "Model-generated Output: \n${hypothesis_output}\n\n"
    "For each error you give in the response, please also elaborate the following information:\n"
    "- error location (the words that are wrong in the output)\n"
    "- error aspect it belongs to.\n"
    "- explanation why it's an error, and the correction suggestions.\n"
    "- severity of the error (\"Major\" or \"Minor\"). \n"
    "- reduction of score (between 0.5 and 5 given the severity of the error)\n\n"
    "Your evaluation output:")
HEADER = re.compile(r"The model-generated output contains\s+(\d+)\s+errors?,?\s+with a total score "
                    r"reduction of\s+(-?\d+(?:\.\d+)?)", re.I)
FIELDS = {"error location": "location", "error aspect": "aspect", "explanation": "explanation",
          "severity": "severity", "score reduction": "reduction"}
LABEL = re.compile(r"^[ \t]*(error location|error aspect|explanation|severity|score reduction)"
                   r"[ \t]+(\d+)[ \t]*:[ \t]*", re.I | re.M)
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def prompt(instruction: str, hypothesis: str, context: str = "") -> str:
    """The TIGERScore input for one output (as the checkpoints expect it)."""
    return TEMPLATE.substitute(generation_instruction=instruction, input_context=context,
                               hypothesis_output=hypothesis).strip("\n ")


@dataclass(frozen=True)
class ErrorAnalysis:
    """One error the model found."""

    location: str
    aspect: str
    explanation: str
    severity: str
    reduction: float


@dataclass(frozen=True)
class Analysis:
    """A parsed TIGERScore output: ``score`` (NaN when unparseable, with ``problem``)."""

    score: float
    errors: tuple[ErrorAnalysis, ...] = ()
    stated_count: int | None = None
    stated_total: float | None = None
    raw: str = ""
    problem: str = ""

    def as_details(self) -> dict:
        """JSON-able form kept with the score; ``error`` is the reason of a missing score."""
        out = {"errors": [asdict(e) for e in self.errors], "stated_count": self.stated_count,
               "stated_total": self.stated_total, "raw": self.raw}
        if self.problem:
            out["error"] = f"unparseable TIGERScore output: {self.problem} (raw text kept)"
        return out


def _blocks(text: str) -> dict[int, dict[str, str]]:
    """{error index: {field: value}}; a value runs to the next field label (next-line values)."""
    labels = list(LABEL.finditer(text))
    blocks: dict[int, dict[str, str]] = {}
    for here, after in zip(labels, labels[1:] + [None]):
        value = text[here.end():after.start() if after else len(text)].strip()
        name = FIELDS[here.group(1).lower()]
        blocks.setdefault(int(here.group(2)), {}).setdefault(name, value)
    return blocks


def _error(index: int, fields: dict[str, str]) -> ErrorAnalysis | str:
    missing = [name for name in FIELDS.values() if name not in fields]
    if missing:
        return f"error {index} has no {', '.join(missing)}"
    severity = fields["severity"].split()[0].strip(".").capitalize() if fields["severity"] else ""
    if severity not in ("Major", "Minor"):
        return f"error {index} has severity {fields['severity']!r} (not Major or Minor)"
    number = NUMBER.match(fields["reduction"])
    if number is None:
        return f"error {index} has score reduction {fields['reduction']!r} (not a number)"
    return ErrorAnalysis(fields["location"].strip().strip('"'), fields["aspect"],
                         fields["explanation"], severity, float(number.group()))


def parse(text: str) -> Analysis:
    """Parse the text a TIGERScore model generated after ``Your evaluation output:``."""
    raw = str(text)
    header = HEADER.search(raw)
    if header is None:
        return Analysis(math.nan, raw=raw, problem="no 'The model-generated output contains N "
                                                   "errors' header")
    count, total = int(header.group(1)), float(header.group(2))
    blocks = _blocks(raw[header.end():])
    errors = []
    for index in sorted(blocks):
        found = _error(index, blocks[index])
        if isinstance(found, str):
            return Analysis(math.nan, stated_count=count, stated_total=total, raw=raw,
                            problem=found)
        errors.append(found)
    if len(errors) != count or sorted(blocks) != list(range(1, len(errors) + 1)):
        return Analysis(math.nan, tuple(errors), count, total, raw,
                        f"the header states {count} error(s), the output has {len(errors)}")
    score = -sum(e.reduction for e in errors)
    return Analysis(score + 0.0, tuple(errors), count, total, raw)


@dataclass(frozen=True)
class TIGERScoreConfig(MetricConfig):
    model: str = option("TIGER-Lab/TIGERScore-7B", "hub name or local folder (transformers), or "
                                                   "the served model's name (http)")
    gguf_file: str = option("", "GGUF file inside the model folder (transformers gguf_file=)")
    backend: str = option("transformers", "transformers (local causal LM) or http "
                                          "(OpenAI-compatible completions endpoint)",
                          one_of(*BACKENDS))
    url: str = option("", "http: base URL, e.g. http://127.0.0.1:8000/v1")
    api_key_env: str = option("", "http: environment variable holding the API key")
    max_new_tokens: int = option(1024, "largest analysis length in tokens (TIGERScore: 1024)",
                                 at_least(1))
    batch_size: int = option(4, "prompts per generate call (transformers)", at_least(1))
    dtype: str = option("auto", "transformers dtype: auto, float32, bfloat16, float16",
                        one_of("auto", "float32", "bfloat16", "float16"))
    stop: tuple[str, ...] = option(("\n\n\n",), "stop strings; the text is cut at the first")
    timeout_s: float = option(120.0, "http: seconds per request", greater_than(0))
    retries: int = option(3, "http: retries of a failed request (exponential back-off)",
                          at_least(0))
    concurrency: int = option(4, "http: requests in flight at once", at_least(1))


class TIGERScore(Metric):
    """-(sum of score reductions) of the model's error analysis; higher (closer to 0) is better."""

    name = "tigerscore"
    backends = ("torch", "transformers", "gguf")
    domain = "text"
    inputs = ("hypothesis", "instruction")
    optional_inputs = ("context",)
    citation = TIGERSCORE_2024
    description = ("TIGERScore: an LLM's error analysis of the output for the instruction; "
                   "score = -(sum of per-error reductions), 0 = no error.")
    Config = TIGERScoreConfig

    def __init__(self, *args, generator=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._generator = generator  # an object with generate(prompts) -> texts (tests, reuse)

    def backend_versions(self) -> dict[str, str]:
        """torch and transformers (and gguf for a GGUF file) when the model runs here; none
        for ``backend=http`` (the server's software is outside this process: name the served
        model in ``model``)."""
        if self.config.backend == "http":
            return {}
        used = [p for p in self.backends if p != "gguf" or self.config.gguf_file]
        return package_versions(used)

    @property
    def generator(self):
        if self._generator is None:
            self._generator = make_generator(self.config, self.device)
        return self._generator

    def prompts(self, batch: Batch) -> list[str]:
        texts = text_inputs(batch, self.inputs)
        contexts = batch.inputs.get("context") or [""] * len(batch)
        return [prompt(i, h, c or "") for i, h, c in zip(texts["instruction"],
                                                          texts["hypothesis"], contexts)]

    def score_with_details(self, batch: Batch) -> tuple[np.ndarray, list[dict]]:
        analyses = [parse(text) for text in self.generator.generate(self.prompts(batch))]
        return np.array([a.score for a in analyses]), [a.as_details() for a in analyses]

    def score(self, batch: Batch) -> np.ndarray:
        return self.score_with_details(batch)[0]
