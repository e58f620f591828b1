"""CorpusIndex: every statistic checked against naive Python counting.

The reference model (``reference_segments``) is written from the documented contract, not
from the implementation: ``han`` keeps the runs of ``[\\u4e00-\\u9fa5 0-9 a-z A-Z]`` of each
line (nlp-zero's ``Word_Finder`` filter), ``line`` keeps every non-empty line with a CR
directly before its LF dropped, a leading BOM of each file is dropped, and no n-gram crosses
a segment or file boundary.
"""

from __future__ import annotations

import collections
import collections.abc
import hashlib
import math
import os
import random
import re
import tempfile
import threading
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import minent_fast as mf

NOVELS = ["三国演义.txt", "水浒传.txt", "红楼梦.txt", "西游记.txt"]
BOM = "\ufeff"
HAN_SEPARATORS = re.compile("[^\u4e00-\u9fa50-9a-zA-Z]+")
INDEX_FILE = "index.mfi"
NGRAM_SCHEMA = pa.schema([("ngram", pa.string()), ("count", pa.uint64())])


# --------------------------------------------------------------------------- reference model
def reference_segments(text: str, segmenter: str) -> list[str]:
    """The segments of one file's text, computed independently of the package."""
    if text.startswith(BOM):
        text = text[1:]
    lines = text.split("\n")
    if segmenter == "han":
        return [chunk for line in lines for chunk in HAN_SEPARATORS.split(line) if chunk]
    assert segmenter == "line"
    out = []
    for i, line in enumerate(lines):
        if i < len(lines) - 1 and line.endswith("\r"):  # the CR of a CR LF pair
            line = line[:-1]
        if line:
            out.append(line)
    return out


def reference_ngrams(segments: list[str], n: int) -> Counter:
    return Counter(s[i:i + n] for s in segments for i in range(len(s) - n + 1))


def occurrences_in(segment: str, p: str) -> int:
    """Overlapping occurrences of ``p`` in ``segment``."""
    count, i = 0, segment.find(p)
    while i >= 0:
        count, i = count + 1, segment.find(p, i + 1)
    return count


def occurrences(segments: list[str], p: str) -> int:
    return sum(occurrences_in(s, p) for s in segments)


def neighbours(segments: list[str], p: str, side: str) -> Counter:
    out: Counter = Counter()
    for s in segments:
        i = s.find(p)
        while i >= 0:
            if side == "right" and i + len(p) < len(s):
                out[s[i + len(p)]] += 1
            if side == "left" and i > 0:
                out[s[i - 1]] += 1
            i = s.find(p, i + 1)
    return out


def entropy(counts) -> float:
    counts = [c for c in counts if c]
    total = sum(counts)
    return -sum(c / total * math.log(c / total) for c in counts) if total else 0.0


def reference_pmi(segments: list[str], p: str, num_chars: int) -> float:
    c = occurrences(segments, p)
    if c == 0:
        return float("-inf")
    return min(
        math.log(c * num_chars / (occurrences(segments, p[:k]) * occurrences(segments, p[k:])))
        for k in range(1, len(p))
    )


def table_dict(table: pa.Table, key: str = "ngram") -> dict:
    keys, counts = table.column(key).to_pylist(), table.column("count").to_pylist()
    assert len(set(keys)) == len(keys), "duplicate rows"
    return dict(zip(keys, counts))


def write_text(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


# --------------------------------------------------------------------------- the four novels
def novel_paths(shared_data: Path) -> list[Path]:
    paths = [shared_data / "zh" / name for name in NOVELS]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        pytest.skip(f"novels not found in the shared data: {', '.join(missing)}")
    return paths


@pytest.fixture(scope="module")
def all_novels(shared_data):
    """One index of the four novels, with the reference segmentation and lazily built
    reference n-gram counters."""
    paths = novel_paths(shared_data)
    texts = [p.read_text(encoding="utf-8") for p in paths]
    segments = [s for t in texts for s in reference_segments(t, "han")]
    cache: dict[int, Counter] = {}

    def ref(n: int) -> Counter:
        if n not in cache:
            cache[n] = reference_ngrams(segments, n)
        return cache[n]

    return SimpleNamespace(paths=paths, texts=texts, segments=segments, ref=ref, idx=mf.CorpusIndex.build(paths))


def test_all_novels_sizes(all_novels):
    idx, segs = all_novels.idx, all_novels.segments
    assert idx.num_chars == sum(map(len, segs))
    assert idx.num_segments == len(segs)
    assert idx.vocab_size == len(all_novels.ref(1))
    assert idx.segmenter == "han"
    assert idx.sources == [str(p) for p in all_novels.paths]
    assert idx.path is None
    assert idx.num_chars > 2_000_000  # really the four novels


@pytest.mark.parametrize("n", [1, 2, 3])
def test_all_novels_ngrams_equal_counter(all_novels, n):
    table = all_novels.idx.ngrams(n, min_count=1)
    assert table.schema == NGRAM_SCHEMA
    assert table_dict(table) == all_novels.ref(n)


def test_all_novels_ngram_range_with_min_count(all_novels):
    want = {}
    for n in (1, 2, 3, 4):
        counter = all_novels.ref(n) if n < 4 else reference_ngrams(all_novels.segments, 4)
        want.update((g, c) for g, c in counter.items() if c >= 3)
        assert any(len(g) == n for g in want)
    assert table_dict(all_novels.idx.ngrams((1, 4), min_count=3)) == want


def test_all_novels_count_many_random_substrings(all_novels):
    segs, texts = all_novels.segments, all_novels.texts
    assert not any("\x00" in t for t in texts)
    haystack = "\x00".join(segs)  # a separator that no probe contains
    rng = random.Random(20240607)
    probes = []
    for _ in range(1500):  # substrings of the raw text, often with punctuation or newlines
        t = rng.choice(texts)
        i = rng.randrange(len(t))
        probes.append(t[i:i + rng.randint(1, 12)])
    for _ in range(700):  # substrings of segments: always present
        s = rng.choice(segs)
        i = rng.randrange(len(s))
        probes.append(s[i:i + rng.randint(1, 12)])
    vocab = sorted(all_novels.ref(1))
    for _ in range(500):  # random strings of corpus characters: mostly absent
        probes.append("".join(rng.choice(vocab) for _ in range(rng.randint(2, 6))))
    longest = max(segs, key=len)
    probes += [longest, longest + longest[0], "宝玉", "宝玉。", "😀", "ｘ", "\n", "。", "哈哈", "哈哈哈"]

    ref = all_novels.ref

    def expected(p: str) -> int:
        if len(p) <= 3:
            return ref(len(p)).get(p, 0)
        if not any(p[:k] == p[-k:] for k in range(1, len(p))):  # no self-overlap: str.count is exact
            return haystack.count(p)
        return occurrences_in(haystack, p)

    want = [expected(p) for p in probes]
    got = all_novels.idx.count_many(probes)
    assert isinstance(got, np.ndarray) and got.dtype == np.uint64 and got.shape == (len(probes),)
    assert got.tolist() == want
    assert sum(w == 0 for w in want) > 300 and sum(w > 0 for w in want) > 1000  # both kinds tested
    for p, w in list(zip(probes, want))[::25]:
        c = all_novels.idx.count(p)
        assert type(c) is int and c == w, p


@pytest.fixture(scope="module", params=NOVELS)
def novel(request, shared_data):
    path = shared_data / "zh" / request.param
    if not path.is_file():
        pytest.skip(f"novel not found in the shared data: {path}")
    text = path.read_text(encoding="utf-8")
    return SimpleNamespace(path=path, segments=reference_segments(text, "han"), idx=mf.CorpusIndex.build(path))


def test_novel_counts_equal_counter(novel):
    assert novel.idx.num_chars == sum(map(len, novel.segments))
    assert novel.idx.num_segments == len(novel.segments)
    for n in (1, 2):
        assert table_dict(novel.idx.ngrams(n)) == reference_ngrams(novel.segments, n)


@pytest.fixture(scope="module")
def nlp_zero():
    collections.Iterable = collections.abc.Iterable  # nlp-zero 0.1.6 imports it from collections
    import nlp_zero

    return nlp_zero


def test_novel_chars_and_pairs_equal_nlp_zero(novel, nlp_zero):
    with open(novel.path, encoding="utf-8") as f:
        lines = list(f)
    wf = nlp_zero.Word_Finder()
    wf.train(lines)
    assert len(wf.pairs) > 10_000
    assert table_dict(novel.idx.ngrams(1, min_count=1)) == dict(wf.chars)
    assert table_dict(novel.idx.ngrams(2, min_count=1)) == dict(wf.pairs)


def test_line_segmenter_on_a_crlf_corpus(shared_data):
    path = shared_data / "cws" / "pku_test.utf8"
    if not path.is_file():
        pytest.skip(f"PKU test file not found in the shared data: {path}")
    raw = path.read_bytes()
    assert b"\r\n" in raw  # the point of this input
    segs = reference_segments(raw.decode("utf-8"), "line")
    idx = mf.CorpusIndex.build(path, segmenter="line")
    assert (idx.num_chars, idx.num_segments, idx.segmenter) == (sum(map(len, segs)), len(segs), "line")
    assert idx.count("\r") == 0 and idx.count("\n") == 0
    for n in (1, 2, 3):
        assert table_dict(idx.ngrams(n)) == reference_ngrams(segs, n)


# --------------------------------------------------------------------------- large inputs
def test_a_segment_longer_than_the_internal_chunks_stays_one_segment(tmp_path):
    # ~17 MB on one line: crosses the core's 8 MiB work chunks and 16 MiB validation blocks
    pattern = "甲乙丙丁戊己庚"
    for shift in ("", "a"):  # moves every internal cut by one byte
        text = shift + pattern * (17_000_000 // 21)
        idx = mf.CorpusIndex.build(write_text(tmp_path / "long.txt", text))
        body = text[len(shift):]
        assert (idx.num_chars, idx.num_segments) == (len(text), 1)
        span = pattern * 3
        assert idx.count(span) == len(range(0, len(body) - len(span) + 1, len(pattern)))
        assert idx.count(pattern[-1] + pattern[0]) == len(body) // len(pattern) - 1
        if shift:
            assert idx.count("a" + pattern[0]) == 1


def test_many_crlf_lines_across_internal_chunks(tmp_path):
    rng = random.Random(7)
    alphabet = "中国人民abc \r"  # a lone CR inside a line is an ordinary character
    block = ["".join(rng.choices(alphabet, k=rng.randint(0, 40))) for _ in range(5_000)]
    lines = block * 52
    text = "\r\n".join(lines) + "\r\n"
    assert len(text.encode()) > 9 << 20
    idx = mf.CorpusIndex.build(write_text(tmp_path / "crlf.txt", text), segmenter="line")
    want_chars = {c: text.count(c) for c in alphabet if c != "\r"}
    want_chars["\r"] = text.count("\r") - text.count("\r\n")
    assert table_dict(idx.char_counts(), "char") == {c: n for c, n in want_chars.items() if n}
    nonempty = [ln for ln in lines if ln]  # a line's own trailing CR is not the CR of its CR LF
    assert idx.num_segments == len(nonempty)
    assert idx.num_chars == sum(map(len, nonempty))
    assert idx.count("\n") == 0


# --------------------------------------------------------------------------- random texts
PIECES = [
    "中", "国", "人", "甲", "乙", "中国", "中国人", "a", "Z", "7", "ab", " ", "\t", "\n", "\r\n", "\r",
    "\r\r\n", "。", "，", "😀", "𠀀", "𪚥", BOM, "é", "\x00", "Ａ", "ｘ", "\u4e00", "\u9fa5", "\u9fa6",
    "\u4dff", "\u3000", "\u2028", "\x85", "\x0b", "\x0c",
]
file_texts = st.builds(
    lambda start, body, end: start + "".join(body) + end,
    st.sampled_from(["", "", BOM, "\n", "\r\n"]),
    st.lists(st.sampled_from(PIECES) | st.characters(exclude_categories=("Cs",)), max_size=50),
    st.sampled_from(["", "", "\n", "\r\n", "\r", "\r\r\n", " ", "中"]),
)


def write_files(d: str, texts: list[str]) -> list[Path]:
    return [write_text(Path(d) / f"{i}.txt", t) for i, t in enumerate(texts)]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(texts=["中国\r"], segmenter="line", threads=None, seed=0)
@example(texts=["a\r\r\nb\rc\n\r"], segmenter="line", threads=1, seed=1)
@example(texts=[BOM + BOM + "a\n" + BOM + "b", BOM + "c"], segmenter="line", threads=None, seed=2)
@example(texts=["甲乙", "丙丁"], segmenter="han", threads=2, seed=3)
@example(texts=["\u4dff\u4e00\u9fa5\u9fa6𠀀😀Ａz9"], segmenter="han", threads=None, seed=4)
@example(texts=["", "\n\r\n", BOM], segmenter="line", threads=None, seed=5)
@given(
    texts=st.lists(file_texts, min_size=1, max_size=3),
    segmenter=st.sampled_from(["han", "line"]),
    threads=st.sampled_from([None, 1, 2]),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_texts_match_reference(texts, segmenter, threads, seed):
    with tempfile.TemporaryDirectory() as d:
        paths = write_files(d, texts)
        idx = mf.CorpusIndex.build(paths, segmenter=segmenter, num_threads=threads)
        segs = [s for t in texts for s in reference_segments(t, segmenter)]
        n_chars = sum(map(len, segs))
        assert (idx.num_chars, idx.num_segments) == (n_chars, len(segs))
        assert idx.vocab_size == len(set("".join(segs)))
        refs = {n: reference_ngrams(segs, n) for n in (1, 2, 3)}
        for n in (1, 2, 3):
            assert table_dict(idx.ngrams(n, num_threads=threads)) == refs[n]
        assert table_dict(idx.ngrams((1, 3), min_count=2)) == {
            g: c for n in (1, 2, 3) for g, c in refs[n].items() if c >= 2
        }
        chars = idx.char_counts()
        assert chars.column("char").to_pylist() == sorted(refs[1])
        assert table_dict(chars, "char") == refs[1]
        assert idx.char_entropy() == pytest.approx(entropy(refs[1].values()), rel=1e-9, abs=1e-12)

        rng = random.Random(seed)
        probes = []
        for t in texts + segs:
            for _ in range(3):
                if t:
                    i = rng.randrange(len(t))
                    probes.append(t[i:i + rng.randint(1, 6)])
        probes.append("".join(texts))  # crosses file boundaries
        probes = [p for p in probes if p]
        assert idx.count_many(probes).tolist() == [occurrences(segs, p) for p in probes]

        for p in [p for p in probes if occurrences(segs, p)][:4]:
            for side in ("left", "right"):
                want = neighbours(segs, p, side)
                table = idx.neighbors(p, side=side)
                assert table_dict(table, "char") == want
                counts = table.column("count").to_pylist()
                assert counts == sorted(counts, reverse=True)
                assert idx.branching_entropy(p, side=side) == pytest.approx(entropy(want.values()), abs=1e-12)
            if len(p) >= 2:
                assert idx.pmi(p) == pytest.approx(reference_pmi(segs, p, n_chars), rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(file_texts, min_size=1, max_size=2), segmenter=st.sampled_from(["han", "line"]))
def test_random_texts_survive_save_and_open(texts, segmenter):
    with tempfile.TemporaryDirectory() as d:
        paths = write_files(d, texts)
        mem = mf.CorpusIndex.build(paths, segmenter=segmenter)
        disk = mf.CorpusIndex.build(paths, path=Path(d) / "idx", segmenter=segmenter)
        again = mf.CorpusIndex.open(Path(d) / "idx")
        for idx in (disk, again):
            assert (idx.num_chars, idx.num_segments, idx.vocab_size, idx.segmenter, idx.sources) == (
                mem.num_chars, mem.num_segments, mem.vocab_size, segmenter, [str(p) for p in paths])
            assert idx.ngrams((1, 4)).equals(mem.ngrams((1, 4)))
            assert idx.char_counts().equals(mem.char_counts())
        assert sorted(os.listdir(Path(d) / "idx")) == [INDEX_FILE]


def test_segmenter_details(tmp_path):
    a = write_text(tmp_path / "a.txt", BOM + "甲乙\r\n\r\n丙\r丁\n\n" + BOM + "戊 己\u2028庚")
    b = write_text(tmp_path / "b.txt", BOM + "辛")  # each file's own leading BOM is dropped
    # by hand: CR LF and LF end lines, a lone CR, a BOM inside a file and U+2028 are characters
    segs = ["甲乙", "丙\r丁", BOM + "戊 己\u2028庚", "辛"]
    line = mf.CorpusIndex.build([a, b], segmenter="line")
    assert (line.num_segments, line.num_chars) == (4, 2 + 3 + 6 + 1)
    want = {g: c for n in range(1, 10) for g, c in reference_ngrams(segs, n).items()}
    assert table_dict(line.ngrams((1, 9))) == want
    assert line.count("庚辛") == 0  # the end of a file ends a segment, even without a newline
    assert line.count("乙丙") == 0 and line.count("\r") == 1
    han = mf.CorpusIndex.build([a, b])
    assert sorted(table_dict(han.ngrams((1, 9)))) == sorted(["甲", "乙", "甲乙", "丙", "丁", "戊", "己", "庚", "辛"])
    assert (han.num_segments, han.num_chars) == (7, 8)
    assert han.count("\r") == 0 and han.count(BOM) == 0


# --------------------------------------------------------------------------- save / open
def test_save_open_round_trip(tmp_path):
    src = write_text(tmp_path / "src.txt", "中国人民站起来了\n人民日报社论。中国\n宝玉笑道：宝玉来了\n" * 20)
    d = tmp_path / "idx"
    calls = []
    built = mf.CorpusIndex.build(src, path=d, progress=lambda *a: calls.append(a))
    assert calls and all(isinstance(s, str) and isinstance(x, int) and isinstance(t, int) for s, x, t in calls)
    assert built.path is not None and Path(built.path).resolve() == (d / INDEX_FILE).resolve()
    assert sorted(os.listdir(d)) == [INDEX_FILE]
    memory = mf.CorpusIndex.build(src)
    assert memory.path is None
    probes = ["中国", "人民", "宝玉", "不存在", "了", "中国人民站起来了"]
    for opened in (mf.CorpusIndex.open(d), mf.CorpusIndex.open(str(d)), mf.CorpusIndex.open(d / INDEX_FILE)):
        assert Path(opened.path).resolve() == (d / INDEX_FILE).resolve()
        assert (opened.num_chars, opened.num_segments, opened.vocab_size) == (
            memory.num_chars, memory.num_segments, memory.vocab_size)
        assert opened.sources == [str(src)] and opened.segmenter == "han"
        for n in (1, 2, 3, (1, 6)):
            assert opened.ngrams(n).equals(memory.ngrams(n))
            assert opened.ngrams(n, order="ngram").equals(memory.ngrams(n, order="ngram"))
        assert opened.count_many(probes).tolist() == memory.count_many(probes).tolist() == [40, 40, 40, 0, 40, 20]
        assert opened.neighbors("人民").equals(memory.neighbors("人民"))
        assert opened.pmi("宝玉") == memory.pmi("宝玉")
        assert opened.char_entropy() == memory.char_entropy()
    # save() of an in-memory index, into nested directories that do not exist yet
    out = memory.save(tmp_path / "a" / "b")
    assert Path(out).resolve() == (tmp_path / "a" / "b" / INDEX_FILE).resolve()
    assert mf.CorpusIndex.open(tmp_path / "a" / "b").ngrams((1, 3)).equals(memory.ngrams((1, 3)))
    # an index mapped from a directory can be saved over that same directory
    mapped = mf.CorpusIndex.open(d)
    mapped.save(d)
    assert mf.CorpusIndex.open(d).ngrams((1, 4)).equals(memory.ngrams((1, 4)))
    assert mapped.ngrams((1, 4)).equals(memory.ngrams((1, 4)))
    assert sorted(os.listdir(d)) == [INDEX_FILE]


def test_line_segmenter_survives_save(tmp_path):
    src = write_text(tmp_path / "s.txt", "a b\r\nc\r\n\r\n中 国\n")
    idx = mf.CorpusIndex.build(src, path=tmp_path / "i", segmenter="line")
    again = mf.CorpusIndex.open(tmp_path / "i")
    assert again.segmenter == "line" and again.count("a b") == 1 and again.count(" ") == 2
    assert again.ngrams((1, 3)).equals(idx.ngrams((1, 3)))


def _synthetic_text(seed: int, chars: int) -> str:
    rng = random.Random(seed)
    alphabet = [chr(0x4E00 + i) for i in range(3000)]
    out, n = [], 0
    while n < chars:
        k = rng.randint(5, 60)
        out.append("".join(rng.choices(alphabet, k=k)))
        n += k
    return "\n".join(out) + "\n"


def test_saving_over_an_existing_index_is_atomic(tmp_path):
    d = tmp_path / "idx"
    old_src = write_text(tmp_path / "old.txt", "旧旧旧\n" + _synthetic_text(1, 600_000))
    new_src = write_text(tmp_path / "new.txt", "新新\n" + _synthetic_text(2, 700_000))
    old = mf.CorpusIndex.build(old_src, path=d)
    old_table = old.ngrams(2)
    old_bytes = (d / INDEX_FILE).read_bytes()
    old_n = old.num_chars

    observations: list = []
    problems: list = []
    ready, stop = threading.Event(), threading.Event()

    def watch() -> None:
        try:
            while True:
                last = stop.is_set()
                names = os.listdir(d)
                if INDEX_FILE not in names:
                    problems.append(f"{INDEX_FILE} missing; directory: {names}")
                data = (d / INDEX_FILE).read_bytes()
                observations.append("old" if data == old_bytes else hashlib.blake2b(data).hexdigest())
                n = mf.CorpusIndex.open(d).num_chars  # verify=True: a torn file would fail
                if n not in (old_n, new_n):
                    problems.append(f"opened an index with {n} chars")
                ready.set()
                if last:
                    return
        except Exception as e:  # noqa: BLE001 - reported below
            problems.append(repr(e))
            ready.set()

    new_n = sum(map(len, reference_segments(new_src.read_text(encoding="utf-8"), "han")))
    watcher = threading.Thread(target=watch)
    watcher.start()
    assert ready.wait(30)
    new = mf.CorpusIndex.build(new_src, path=d)
    stop.set()
    watcher.join(30)
    assert not watcher.is_alive()
    assert problems == []
    new_bytes = (d / INDEX_FILE).read_bytes()
    assert new_bytes != old_bytes and observations[0] == "old"
    new_hash = hashlib.blake2b(new_bytes).hexdigest()
    assert all(o in ("old", new_hash) for o in observations)  # never a partial or missing file
    assert observations[-1] == new_hash
    assert sorted(os.listdir(d)) == [INDEX_FILE]  # no temporary left behind
    assert new.num_chars == new_n and new.count("新新") == 1 and new.count("旧旧旧") == 0
    # the old index, mapped before the replacement, still answers from the old file
    assert old.count("旧旧旧") == 1 and old.num_chars == old_n
    assert old.ngrams(2).equals(old_table)


def test_a_failed_build_leaves_the_existing_index_alone(tmp_path):
    d = tmp_path / "idx"
    src = write_text(tmp_path / "a.txt", "中国人民\n")
    mf.CorpusIndex.build(src, path=d)
    before = (d / INDEX_FILE).read_bytes()

    class Stop(Exception):
        pass

    def progress(stage, done, total):
        raise Stop

    other = write_text(tmp_path / "b.txt", "完全不同的文本\n")
    with pytest.raises(Stop):
        mf.CorpusIndex.build(other, path=d, progress=progress)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff")
    with pytest.raises(mf.CorpusError):
        mf.CorpusIndex.build([other, bad], path=d)
    assert (d / INDEX_FILE).read_bytes() == before
    assert sorted(os.listdir(d)) == [INDEX_FILE]
    assert mf.CorpusIndex.open(d).count("人民") == 1


# --------------------------------------------------------------------------- query semantics
TOY = "甲乙丙，甲乙丁。甲乙丙 戊乙丙\n甲乙\r\n乙丙乙丙 甲"
# han segments: 甲乙丙 甲乙丁 甲乙丙 戊乙丙 甲乙 乙丙乙丙 甲  -> 19 characters
# counts: 甲 5, 乙 7, 丙 5, 丁 1, 戊 1; 甲乙 4, 乙丙 5, 乙丁 1, 戊乙 1, 丙乙 1; 甲乙丙 2


@pytest.fixture()
def toy(tmp_path):
    return mf.CorpusIndex.build(write_text(tmp_path / "toy.txt", TOY))


def test_toy_counts(toy):
    assert (toy.num_chars, toy.num_segments, toy.vocab_size) == (19, 7, 5)
    assert table_dict(toy.ngrams(1)) == {"甲": 5, "乙": 7, "丙": 5, "丁": 1, "戊": 1}
    assert table_dict(toy.ngrams(2)) == {"甲乙": 4, "乙丙": 5, "乙丁": 1, "戊乙": 1, "丙乙": 1}
    assert toy.count("甲乙丙") == 2 and toy.count("乙丙乙丙") == 1 and toy.count("丙甲") == 0
    assert toy.count("甲乙丙，") == 0 and toy.count("乙丙乙丙乙") == 0


def test_toy_neighbors_and_branching_entropy(toy):
    right = toy.neighbors("乙", side="right")
    assert right.schema == pa.schema([("char", pa.string()), ("count", pa.uint64())])
    assert right.to_pylist() == [{"char": "丙", "count": 5}, {"char": "丁", "count": 1}]
    left = toy.neighbors("乙", side="left")
    assert left.to_pylist()[0] == {"char": "甲", "count": 4}
    assert table_dict(left, "char") == {"甲": 4, "戊": 1, "丙": 1}
    assert toy.neighbors("乙").equals(right)  # side defaults to right
    # the segment "甲乙" ends: its end is not a neighbour
    assert table_dict(toy.neighbors("甲乙"), "char") == {"丙": 2, "丁": 1}
    assert toy.neighbors("丁").num_rows == 0 and toy.neighbors("不在").num_rows == 0
    assert toy.branching_entropy("乙", "right") == pytest.approx(-(5 / 6 * math.log(5 / 6) + 1 / 6 * math.log(1 / 6)))
    assert toy.branching_entropy("乙", "left") == pytest.approx(
        -(4 / 6 * math.log(4 / 6) + 2 * (1 / 6) * math.log(1 / 6)))
    assert toy.branching_entropy("甲乙", "right") == pytest.approx(math.log(3) - 2 / 3 * math.log(2))
    assert toy.branching_entropy("丁", "right") == 0.0
    assert toy.branching_entropy("甲", "left") == 0.0
    assert toy.branching_entropy("不在", "left") == 0.0


def test_toy_pmi_and_entropy(toy):
    n = 19
    # 甲|乙丙: ln((2/19) / ((5/19)(5/19))) = ln(38/25);  甲乙|丙: ln((2/19) / ((4/19)(5/19))) = ln(38/20)
    assert toy.pmi("甲乙丙") == pytest.approx(math.log(2 * n / 25))
    assert toy.pmi("乙丙") == pytest.approx(math.log(5 * n / (7 * 5)))
    assert toy.pmi("丙乙") == pytest.approx(math.log(n / 35)) and toy.pmi("丙乙") < 0
    assert toy.pmi("甲乙") == pytest.approx(math.log(4 * n / (5 * 7)))
    assert toy.pmi("甲丙") == float("-inf")
    assert toy.pmi("不在这里") == float("-inf")
    with pytest.raises(ValueError):
        toy.pmi("甲")
    with pytest.raises(ValueError):
        toy.pmi("")
    counts = Counter("甲乙丙甲乙丁甲乙丙戊乙丙甲乙乙丙乙丙甲")
    assert sum(counts.values()) == n
    assert toy.char_entropy() == pytest.approx(-sum(c / n * math.log(c / n) for c in counts.values()))
    assert table_dict(toy.char_counts(), "char") == counts


def test_ngram_order_and_schema():
    idx = mf.CorpusIndex.build(mf.sample_path())
    by_count = idx.ngrams((1, 3), min_count=2)
    by_ngram = idx.ngrams((1, 3), min_count=2, order="ngram")
    assert by_count.schema == NGRAM_SCHEMA and by_ngram.schema == NGRAM_SCHEMA
    rows = list(zip(by_count.column("ngram").to_pylist(), by_count.column("count").to_pylist()))
    assert len(rows) > 1000 and len({c for _, c in rows}) > 10
    assert rows == sorted(rows, key=lambda r: (-r[1], r[0]))
    rows2 = list(zip(by_ngram.column("ngram").to_pylist(), by_ngram.column("count").to_pylist()))
    assert rows2 == sorted(rows)
    assert min(c for _, c in rows) == 2
    empty = idx.ngrams(40, min_count=10**6)
    assert empty.num_rows == 0 and empty.schema == NGRAM_SCHEMA
    assert idx.ngrams(np.int64(2)).equals(idx.ngrams(2)) and idx.ngrams([2, 2]).equals(idx.ngrams(2))


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "payload, offset",
    [
        pytest.param(b"ok\x80rest", 2, id="lone-continuation"),
        pytest.param("中国".encode() + b"\xc0\xaf" + b"x", 6, id="overlong"),
        pytest.param(b"ab\xed\xa0\x80cd", 2, id="surrogate"),
        pytest.param("中国".encode() + b"\xe4\xb8", 6, id="truncated-at-eof"),
        pytest.param(b"\xf4\x90\x80\x80", 0, id="beyond-U+10FFFF"),
        pytest.param(b"\xff", 0, id="ff"),
    ],
)
def test_invalid_utf8_names_file_and_offset(tmp_path, payload, offset):
    good = write_text(tmp_path / "good.txt", "中国人民\n")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(payload)
    with pytest.raises(mf.CorpusError) as e:
        mf.CorpusIndex.build([good, bad])
    err = e.value
    assert isinstance(err, ValueError) and isinstance(err, mf.MinentError)
    assert err.offset == offset and err.path == str(bad)
    msg = str(err)
    assert str(bad) in msg
    assert re.search(rf"(?<!\d){offset}(?!\d)", msg.replace(str(bad), "")), msg


def test_invalid_utf8_offset_beyond_the_first_block(tmp_path):
    base = bytearray(b"a" * ((16 << 20) + 100))
    for pos, bad in [((16 << 20) + 5, b"\x80"), ((16 << 20) - 1, b"\xe4\xb8")]:
        data = bytearray(base)
        data[pos:pos + len(bad)] = bad
        p = tmp_path / "big.txt"
        p.write_bytes(bytes(data))
        with pytest.raises(mf.CorpusError) as e:
            mf.CorpusIndex.build(p)
        assert e.value.offset == pos and str(pos) in str(e.value)


def test_input_file_errors(tmp_path):
    good = write_text(tmp_path / "g.txt", "中国")
    with pytest.raises(FileNotFoundError) as e:
        mf.CorpusIndex.build([good, tmp_path / "missing.txt"])
    assert "missing.txt" in str(e.value)
    with pytest.raises(OSError):
        mf.CorpusIndex.build(tmp_path)  # a directory is not a text file
    with pytest.raises(OSError):
        mf.CorpusIndex.build(good, path=good)  # the index directory is an existing file


@pytest.mark.parametrize("content", [b"", BOM.encode(), "。，！\n\n  \r\n".encode()])
def test_empty_corpus_is_an_empty_index(tmp_path, content):
    p = tmp_path / "e.txt"
    p.write_bytes(content)
    idx = mf.CorpusIndex.build(p)
    assert (idx.num_chars, idx.num_segments, idx.vocab_size) == (0, 0, 0)
    assert idx.ngrams((1, 3)).num_rows == 0 and idx.ngrams(1).schema == NGRAM_SCHEMA
    assert idx.count("中") == 0 and idx.count_many(["中", "国人"]).tolist() == [0, 0]
    assert idx.neighbors("中").num_rows == 0 and idx.branching_entropy("中") == 0.0
    assert idx.pmi("中国") == float("-inf")
    assert idx.char_entropy() == 0.0 and idx.char_counts().num_rows == 0
    idx.save(tmp_path / "i")
    again = mf.CorpusIndex.open(tmp_path / "i")
    assert (again.num_chars, again.num_segments) == (0, 0) and again.ngrams(2).num_rows == 0


def test_missing_index(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError):
        mf.CorpusIndex.open(tmp_path / "empty")
    with pytest.raises(FileNotFoundError):
        mf.CorpusIndex.open(tmp_path / "does-not-exist")


@pytest.fixture()
def small_index_file(tmp_path):
    src = write_text(tmp_path / "a.txt", "中国人民站起来了\n人民日报社论。宝玉笑道\n")
    mf.CorpusIndex.build(src, path=tmp_path / "idx")
    f = tmp_path / "idx" / INDEX_FILE
    return f, f.read_bytes()


def _assert_corrupt(f: Path, data: bytes) -> None:
    f.write_bytes(data)
    with pytest.raises(mf.IndexFormatError) as e:
        mf.CorpusIndex.open(f.parent)
    assert isinstance(e.value, ValueError) and INDEX_FILE in str(e.value)


def test_truncated_padded_garbage_and_empty_index_files(small_index_file):
    f, good = small_index_file
    assert len(good) > 512
    for cut in sorted({0, 1, 8, 100, 255, 256, 257, 300, len(good) // 2, len(good) - 64, len(good) - 1}):
        _assert_corrupt(f, good[:cut])
    _assert_corrupt(f, good + b"\0")
    _assert_corrupt(f, good + bytes(64))
    rng = random.Random(3)
    _assert_corrupt(f, bytes(rng.randrange(256) for _ in range(len(good))))
    _assert_corrupt(f, b"MINENTIX" + bytes(len(good) - 8))
    _assert_corrupt(f, good[:256] + bytes(rng.randrange(256) for _ in range(len(good) - 256)))
    f.write_bytes(good)
    assert mf.CorpusIndex.open(f.parent).count("人民") == 2


def test_every_single_bit_flip_is_detected(small_index_file):
    f, good = small_index_file
    rng = random.Random(11)
    for pos in range(len(good)):
        damaged = bytearray(good)
        damaged[pos] ^= 1 << rng.randrange(8)
        _assert_corrupt(f, bytes(damaged))
    f.write_bytes(good)
    assert mf.CorpusIndex.open(f.parent).count("中国") == 1


def test_a_text_file_is_not_an_index(tmp_path):
    p = write_text(tmp_path / "t.txt", "中国人民站起来了\n" * 100)
    with pytest.raises(mf.IndexFormatError):
        mf.CorpusIndex.open(p)


TYPE_ERRORS = [
    "idx.count(5)", "idx.count(None)", "idx.count(b'x')", "idx.count_many('中国')", "idx.count_many(['中', 5])",
    "idx.ngrams('x')", "idx.ngrams(2.0)", "idx.ngrams(True)", "idx.ngrams((1, 2, 3))", "idx.ngrams(None)",
    "idx.ngrams(2, min_count=2.5)", "idx.ngrams(2, min_count=None)", "idx.ngrams(2, num_threads='2')",
    "idx.neighbors(5)", "idx.pmi(5)", "mf.CorpusIndex.build(good, segmenter=3)", "mf.CorpusIndex.build([good, 5])",
    "mf.CorpusIndex.build(5)", "mf.CorpusIndex.build(str(good).encode())",
    "mf.CorpusIndex.build(good, num_threads=1.5)", "mf.CorpusIndex.build(good, progress=5)",
    "mf.CorpusIndex.open(5)", "mf.CorpusIndex('not an index')",
]
VALUE_ERRORS = [
    "idx.count('')", "idx.count_many(['中', ''])", "idx.ngrams(0)", "idx.ngrams(-1)", "idx.ngrams((3, 2))",
    "idx.ngrams((0, 2))", "idx.ngrams(2, min_count=0)", "idx.ngrams(2, min_count=-1)",
    "idx.ngrams(2, num_threads=0)", "idx.ngrams(2, num_threads=-3)", "idx.ngrams(2, order='bogus')",
    "idx.ngrams(mf._core.MAX_NGRAM + 1)", "idx.neighbors('中', side='up')",
    "idx.branching_entropy('中', side='down')", "idx.neighbors('')", "idx.pmi('中')",
    "mf.CorpusIndex.build(good, segmenter='bogus')", "mf.CorpusIndex.build(good, segmenter='HAN')",
    "mf.CorpusIndex.build(good, num_threads=0)", "mf.CorpusIndex.build([])",
]


@pytest.fixture(scope="module")
def arg_env(tmp_path_factory):
    good = write_text(tmp_path_factory.mktemp("args") / "g.txt", "中国人民\n")
    return {"mf": mf, "good": good, "idx": mf.CorpusIndex.build(good)}


@pytest.mark.parametrize("expr", TYPE_ERRORS)
def test_wrong_argument_types_raise_type_error(arg_env, expr):
    with pytest.raises(TypeError):
        eval(expr, dict(arg_env))
    assert arg_env["idx"].count("人民") == 1  # and the index still works


@pytest.mark.parametrize("expr", VALUE_ERRORS)
def test_bad_argument_values_raise_value_error(arg_env, expr):
    with pytest.raises(ValueError):
        eval(expr, dict(arg_env))
    assert arg_env["idx"].ngrams(2).num_rows == 3  # and the index still works


def test_huge_min_count_is_not_an_overflow(tmp_path):
    """Documented contract: bad arguments raise ValueError or TypeError. A min_count beyond
    2**64 is either an empty result (nothing occurs that often) or a ValueError."""
    idx = mf.CorpusIndex.build(write_text(tmp_path / "g.txt", "中国人民\n"))
    assert idx.ngrams(2, min_count=2**63).num_rows == 0
    try:
        table = idx.ngrams(2, min_count=2**70)
    except ValueError:
        return
    assert table.num_rows == 0
