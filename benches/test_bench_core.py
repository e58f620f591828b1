"""pytest-benchmark micro-benchmarks on the bundled sample (no wall-clock asserts).

    .venv/bin/python -m pytest benches/test_bench_core.py --benchmark-only
"""

from __future__ import annotations

import pytest

import minent_fast as mf

SAMPLE = mf.sample_path()


@pytest.fixture(scope="module")
def index():
    return mf.CorpusIndex.build(SAMPLE)


@pytest.fixture(scope="module")
def lines():
    return SAMPLE.read_text(encoding="utf-8").splitlines()


def test_build_index(benchmark):
    idx = benchmark(mf.CorpusIndex.build, SAMPLE)
    assert idx.num_chars > 0


def test_count(benchmark, index):
    assert benchmark(index.count, "宝玉") > 0


def test_ngrams_1_to_6(benchmark, index):
    assert benchmark(index.ngrams, (1, 6), 2).num_rows > 0


def test_tokenize_batch(benchmark, lines):
    tok = mf.Tokenizer.default()
    assert len(benchmark(tok.tokenize_batch, lines)) == len(lines)


def test_discover_words(benchmark):
    assert len(benchmark.pedantic(mf.discover_words, args=(SAMPLE,), rounds=3)) > 0
