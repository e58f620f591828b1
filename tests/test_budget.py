"""Discovery within a memory budget (issue 23): the candidates' table in Rust, the budget's
decision (indexes of the whole corpus, partitions of it, or every k-th line), the
partitioned statistics equal to the indexes', the temporary sample's lifetime, the tagger
sent to other processes and the Dask path."""

from __future__ import annotations

import errno
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minent_fast as mf
from minent_fast import _core
from minent_fast.discovery import budget, words
from minent_fast.discovery.words import autonomy_scores

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def old_tokenizer(auto: dict[str, float], ml: int, bonus: float, glue: bool) -> _core.Tokenizer:
    """The first segmentation's tokenizer as discover_words built it before the table: a
    lexicon trie over the candidates with explicit scores."""
    cand = [w for w in auto if len(w) <= ml]
    scores = [len(w) * auto[w] for w in cand]
    scores = [s + len(w) * bonus if len(w) > 1 else s for s, w in zip(scores, cand)]
    return _core.Tokenizer.with_scores(cand, scores, combine_alnum=glue, atomic_digits=True)


@pytest.mark.parametrize("symbols", ["han", "unicode"])
def test_table_tokenizer_segments_as_the_trie_of_the_same_scores(symbols):
    src = str(mf.sample_path())
    auto = autonomy_scores(src, 4, symbols=symbols)
    table = _core.autonomy_table([src], segmenter=symbols, max_len=4)
    w, a = table.items()
    assert len(table) == len(auto) and w == list(auto) and a.tolist() == list(auto.values())
    for ml in (1, 3, 4):
        for bonus in (2.0, 3.5):
            old = old_tokenizer(auto, ml, bonus, symbols == "han").count_tokens([src], symbols=symbols)
            new = table.tokenizer(ml, bonus, combine_alnum=symbols == "han", atomic_digits=True).count_tokens(
                [src], symbols=symbols)
            assert new[0] == old[0] and new[1].tolist() == old[1].tolist()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(alphabet="abcde中国人民 ,。\n1２ǅ\U00020000'", max_size=40), min_size=1, max_size=30))
def test_table_tokenizer_equals_trie_on_any_text(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("t") / "t.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    auto = autonomy_scores(str(path), 3, symbols="unicode")
    table = _core.autonomy_table([str(path)], segmenter="unicode", max_len=3)
    assert len(table) == len(auto)
    if not auto:
        return
    for ml in (1, 2, 3):
        old = old_tokenizer(auto, ml, 3.0, False).count_tokens([str(path)], symbols="unicode")
        new = table.tokenizer(ml, 3.0, combine_alnum=False, atomic_digits=True).count_tokens(
            [str(path)], symbols="unicode")
        assert new[0] == old[0] and new[1].tolist() == old[1].tolist()


def test_parse_memory():
    assert budget.parse_memory("6G") == 6 << 30
    assert budget.parse_memory("512 MiB") == 512 << 20
    assert budget.parse_memory("1.5gb") == 3 << 29
    assert budget.parse_memory(1 << 30) == 1 << 30
    for bad in ("six", "6Q", "-1G", ""):
        with pytest.raises(ValueError):
            budget.parse_memory(bad)
    with pytest.raises(ValueError, match="at least"):
        budget.parse_memory("1M")
    for bad in (6.0, True, None, b"6G"):
        with pytest.raises(TypeError):
            budget.parse_memory(bad)  # type: ignore[arg-type]
    assert budget.default_memory() >= 1 << 30


def test_the_whole_corpus_when_it_fits_every_kth_line_when_not(monkeypatch):
    src = [str(mf.sample_path())]
    size = os.path.getsize(src[0])
    assert budget.autonomy_fraction(src, 6 << 30, 4, "han", None) == 1.0
    # a budget the bound does not meet: the estimate from the two probes decides
    tight = int(budget.estimate_peak(size / 3 / 4, size / 3))
    q = budget.autonomy_fraction(src, tight, 4, "han", None)
    assert 0 < q < 1
    # more memory, a larger share; the estimate of that share fits the budget
    assert budget.autonomy_fraction(src, 2 * tight, 4, "han", None) >= q


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(alphabet="abcde中国人民 ,。\n1２ǅ\U00020000'ばカ한ไทยжЖ", max_size=40), min_size=1, max_size=30),
       st.sampled_from(["han", "unicode", "all"]), st.integers(1, 4), st.sampled_from([16, 4096, 1 << 30]),
       st.integers(1, 5))
def test_partitioned_statistics_equal_the_indexes(tmp_path_factory, lines, symbols, max_len, key_memory, k):
    """Rows for the n-grams of every k-th line, scored from the whole text in partitions of
    any size (16 bytes: one character a partition), are the whole table's rows for them."""
    d = tmp_path_factory.mktemp("p")
    corpus, sample = d / "c.txt", d / "s.txt"
    corpus.write_text("\n".join(lines), encoding="utf-8")
    sample.write_text("".join(line + "\n" for line in lines[::k]), encoding="utf-8")
    whole = dict(zip(*_core.autonomy_table([str(corpus)], segmenter=symbols, max_len=max_len).items()))
    of_sample = _core.autonomy_table([str(sample)], segmenter=symbols, max_len=max_len).items()[0]
    w, a = _core.autonomy_table([str(corpus)], segmenter=symbols, max_len=max_len, candidates=[str(sample)],
                                key_memory=key_memory).items()
    # the sample's n-grams, and those with an apostrophe the tokenizer may look up there (it
    # takes an apostrophe as a symbol wherever it is; in the corpus it may be inside a word)
    assert set(w) >= set(of_sample)
    assert all("'" in x for x in set(w) - set(of_sample))
    assert a.tolist() == [whole[x] for x in w]  # the same floats, not merely close ones


def test_partitioned_statistics_on_a_novel():
    src = str(SHARED / "zh" / "红楼梦.txt")
    whole = _core.autonomy_table([src], segmenter="unicode", max_len=4).items()
    part = _core.autonomy_table([src], segmenter="unicode", max_len=4, candidates=[src], key_memory=8 << 20).items()
    assert part[0] == whole[0] and part[1].tolist() == whole[1].tolist()
    with pytest.raises(ValueError, match="candidates"):
        _core.autonomy_table([src], key_memory=1 << 20)


def test_run_files_give_the_same_statistics_and_are_removed(tmp_path, monkeypatch):
    import tempfile

    src = str(SHARED / "zh" / "红楼梦.txt")
    whole = _core.autonomy_table([src], segmenter="unicode", max_len=4).items()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for free in (None, 1 << 20):  # room for the run files (written: the test below), none (re-read)
        with budget.key_runs() as runs:
            if free is not None:
                runs["spill_free"] = free
            part = _core.autonomy_table([src], segmenter="unicode", max_len=4, candidates=[src],
                                        key_memory=1 << 20, **runs).items()
            assert os.listdir(runs["spill_dir"]) == []  # each run file is deleted once read
        assert part[0] == whole[0] and part[1].tolist() == whole[1].tolist()
        assert list(tmp_path.iterdir()) == []


FULL = textwrap.dedent("""
    import resource, signal, sys, tempfile
    from minent_fast import _core
    from minent_fast.discovery import budget
    tempfile.tempdir = sys.argv[2]
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), as on a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 << 10, resource.RLIM_INFINITY))
    try:
        with budget.key_runs() as runs:
            if sys.argv[3] != "-":
                runs["spill_free"] = int(sys.argv[3])
            _core.autonomy_table([sys.argv[1]], segmenter="unicode", max_len=4, candidates=[sys.argv[1]],
                                 key_memory=1 << 20, **runs)
        print("finished")
    except OSError as e:
        print("OSError", e)
""")


def test_a_full_disk_while_writing_run_files_names_the_directory(tmp_path):
    src = str(SHARED / "zh" / "红楼梦.txt")
    spill = tmp_path / "spill"
    spill.mkdir()
    r = subprocess.run([sys.executable, "-c", FULL, src, str(spill), "-"], capture_output=True, text=True, timeout=300)
    assert r.stdout.startswith("OSError"), (r.stdout, r.stderr)
    assert str(spill) in r.stdout and ".run" in r.stdout  # the file being written, in the spill directory
    assert list(spill.iterdir()) == []  # removed after the failure
    # with no room for them the statistics re-read the corpus and write nothing: no error
    r = subprocess.run([sys.executable, "-c", FULL, src, str(spill), str(1 << 20)], capture_output=True, text=True,
                       timeout=300)
    assert r.stdout.strip() == "finished", (r.stdout, r.stderr)
    assert list(spill.iterdir()) == []


def test_a_small_budget_gives_the_same_lexicon(tmp_path, monkeypatch, caplog):
    import logging
    import tempfile

    src = str(mf.sample_path())
    default = mf.discover_words(src)
    assert mf.discover_words(src, memory_budget="64G") == default
    # candidates made costly: 256 MiB holds the indexes of about a tenth of the lines, so the
    # statistics are read in partitions, with rows for the settings' sample only
    monkeypatch.setattr(budget, "FIXED_BYTES", 0)
    monkeypatch.setattr(budget, "ROW_BYTES", 10_000)
    q = budget.autonomy_fraction([src], 256 << 20, 4, "unicode", None)
    assert 0.01 < q < 0.5
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with caplog.at_level(logging.INFO, logger="minent_fast"):
        small = mf.discover_words(src, memory_budget=256 << 20)
    assert "in partitions" in caplog.text
    assert small == default and list(small.items()) == list(default.items())  # words, counts and order
    # the settings' sample of a corpus above 64 MB: that sample is what the rows are kept for
    monkeypatch.setattr(words, "_SELF_TRAIN_SAMPLE", 100_000)
    assert mf.discover_words(src, memory_budget=256 << 20) == mf.discover_words(src, memory_budget="64G")
    assert list(tmp_path.iterdir()) == []


def test_without_self_training_a_small_budget_samples_lines(tmp_path, monkeypatch):
    import tempfile

    src = str(mf.sample_path())
    default = mf.discover_words(src, self_train=False)
    monkeypatch.setattr(budget, "FIXED_BYTES", 0)
    monkeypatch.setattr(budget, "ROW_BYTES", 10_000)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    sampled = mf.discover_words(src, memory_budget=256 << 20, self_train=False)
    assert list(tmp_path.iterdir()) == []
    assert sampled != default and len(sampled) > 0.3 * len(default)
    # most of what the whole corpus finds often is still found from a tenth of its lines (30 kB)
    frequent = [w for w, c in default.items() if c >= 20 and len(w) > 1]
    assert sum(w in sampled for w in frequent) > 0.5 * len(frequent)


def test_a_full_disk_while_writing_the_sample_names_the_directory(tmp_path, monkeypatch):
    src = [str(mf.sample_path())]
    real = os.fdopen

    class Full:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, mode="r", *a, **k: Full(real(fd, mode, *a, **k)))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(OSError, match="No space left on device") as e:
        with words._sample(src, 1000):
            pass
    assert str(tmp_path) in str(e.value)
    assert list(tmp_path.iterdir()) == []


CHILD = textwrap.dedent("""
    import signal, sys, tempfile
    import minent_fast as mf
    from minent_fast.discovery import budget
    signal.signal(signal.SIGINT, signal.default_int_handler)
    tempfile.tempdir = sys.argv[2]
    budget.FIXED_BYTES = 0
    print("ready", flush=True)
    try:
        mf.discover_words(sys.argv[1], memory_budget=256 << 20, self_train=False)
        print("finished", flush=True)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
""")


def test_ctrl_c_while_sampled_leaves_no_temporary_file(tmp_path):
    from test_reliability import make_corpus

    src = tmp_path / "big.txt"
    make_corpus(src, 6_000_000)
    spill = tmp_path / "spill"
    spill.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(src), str(spill)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 60
        while not list(spill.iterdir()) and time.monotonic() < deadline:  # the sample is being written or used
            time.sleep(0.02)
        assert list(spill.iterdir()), "the budget should have made a sample"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert "interrupted" in out, err
    assert list(spill.iterdir()) == []


def test_tagger_pickles_and_counts_the_same():
    src = str(mf.sample_path())
    lex = mf.discover_words(src, self_train=False)
    d = lex.to_dict()
    toks = [_core.Tokenizer(_core.Lexicon(list(d), list(d.values())), combine_alnum=False, atomic_digits=True)]
    tagger = _core.BoundaryTagger.train([src], toks, "unicode", epochs=1)
    back = pickle.loads(pickle.dumps(tagger))
    a, b = tagger.count_tokens([src]), back.count_tokens([src])
    assert a[0] == b[0] and a[1].tolist() == b[1].tolist()
    assert (back.trained_gaps, back.disputed_gaps) == (tagger.trained_gaps, tagger.disputed_gaps)
    with pytest.raises(ValueError, match="boundary tagger"):
        _core.BoundaryTagger.from_bytes(b"MFTAGR01" + bytes(10))


def test_dask_discovery_equals_one_process(tmp_path):
    from minent_fast import distributed

    src = str(mf.sample_path())
    from minent_fast.index import shards

    with distributed.connect(n_workers=2) as client:
        got = distributed.discover_words(src, client=client, shard_bytes=64 << 10)
        # the ranges' counts come back one at a time, in order; a failing task's error reaches
        # the caller (and the tasks after it are cancelled)
        assert list(shards._run_in_order(pow, [(2, k) for k in range(12)], client, 0)) == [2 ** k for k in range(12)]
        with pytest.raises(ZeroDivisionError):
            list(shards._run_in_order(divmod, [(1, 1), (1, 0), (2, 1)], client, 0))
    assert got == mf.discover_words(src)
    with pytest.raises(TypeError, match="Client"):
        distributed.discover_words(src, client=None)
