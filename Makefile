# Two commands do all set-up on a fresh machine:
#   make demo   # creates .venv, installs metaeval, runs the main job on a real listening test
#   make test   # creates .venv, installs metaeval[dev], runs the test suite
# Real data: ../shared/datasets next to the checkout when it exists (development, CI); elsewhere
# metaeval's registry downloads what a run needs into ~/.cache/metaeval on first use.
SHARED_DATA := $(abspath ../shared/datasets)
ifneq ($(wildcard $(SHARED_DATA)),)
export METAEVAL_DATA_DIR ?= $(SHARED_DATA)
endif
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: demo test test-fast bench lint clean

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# the demo needs metaeval's core only (the study's metric scores are in its data set)
$(DEMO_STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q .
	touch $(DEMO_STAMP)

$(STAMP): pyproject.toml requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(STAMP) $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(VENV)/bin/metaeval correlate --domain audio

# --dist loadgroup: the README's examples (tests/test_readme.py) run in order on one worker
test: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadgroup

# the inner loop: everything but the tests marked slow (over ~15 s: end-to-end model runs,
# real-data command-line runs, most README examples)
test-fast: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadgroup -m "not slow"

bench: $(STAMP)
	$(PY) bench/engine.py
	$(PY) bench/text.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
