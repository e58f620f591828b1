"""CorpusIndex from Python: exact counts vs Counter, parity with nlp-zero's char/pair counts,
persistence, and every documented error."""

from __future__ import annotations

import collections
import collections.abc
import math
import os
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minent_fast as mf

collections.Iterable = collections.abc.Iterable
import nlp_zero  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NOVELS = ["三国演义.txt", "水浒传.txt", "红楼梦.txt", "西游记.txt"]
HAN = re.compile("[^\u4e00-\u9fa50-9a-zA-Z]+")


def chunks_of(text: str, segmenter: str) -> list[str]:
    text = text.removeprefix("\ufeff")
    if segmenter == "han":
        return [c for c in HAN.split(text) if c]
    # a CR LF ends a line; a CR ending the text stays a char, as in test_corpus_index's model
    lines = text.split("\n")
    lines = [line.removesuffix("\r") for line in lines[:-1]] + lines[-1:]
    return [line for line in lines if line]


def naive(chunks: list[str], n: int) -> Counter:
    return Counter(c[i:i + n] for c in chunks for i in range(len(c) - n + 1))


def as_dict(table: pa.Table) -> dict:
    return dict(zip(table.column("ngram").to_pylist(), table.column("count").to_pylist()))


def need_shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="module")
def novels_index():
    data = need_shared()
    paths = [data / "zh" / n for n in NOVELS]
    return mf.CorpusIndex.build(paths), paths


def test_counts_equal_counter_on_the_four_novels(novels_index):
    idx, paths = novels_index
    chunks = [c for p in paths for c in chunks_of(p.read_text(encoding="utf-8"), "han")]
    assert idx.num_segments == len(chunks) and idx.num_chars == sum(map(len, chunks))
    for n in (1, 2, 3):
        assert as_dict(idx.ngrams(n)) == naive(chunks, n)
    want = {g: c for n in (1, 2, 3, 4) for g, c in naive(chunks, n).items() if c >= 3}
    assert as_dict(idx.ngrams((1, 4), min_count=3)) == want
    rng = random.Random(0)
    joined = "\x00".join(chunks)
    probes = []
    for _ in range(300):
        i = rng.randrange(len(joined) - 8)
        probes.append(joined[i:i + rng.randint(1, 8)].split("\x00")[0] or "宝")
    probes += ["不存在的词语", "宝玉宝玉宝玉", "a"]

    def overlapping(p: str) -> int:
        n, i = 0, joined.find(p)
        while i >= 0:
            n, i = n + 1, joined.find(p, i + 1)
        return n

    assert idx.count_many(probes).tolist() == [overlapping(p) for p in probes]
    assert idx.count("。") == 0  # punctuation is never inside a segment
    assert idx.count_many(probes).dtype.name == "uint64"


@pytest.mark.parametrize("name", NOVELS)
def test_chars_and_pairs_equal_nlp_zero_word_finder(name):
    path = need_shared() / "zh" / name
    with open(path, encoding="utf-8") as f:
        lines = list(f)
    wf = nlp_zero.Word_Finder()
    wf.train(lines)
    idx = mf.CorpusIndex.build(path)
    assert as_dict(idx.ngrams(1)) == dict(wf.chars)
    assert as_dict(idx.ngrams(2)) == dict(wf.pairs)


texts = st.text(alphabet=st.sampled_from(list("中国人ab1。，\n \r😀𠀀ｘ")) | st.characters(), max_size=200)


@settings(max_examples=120, deadline=None)
@given(files=st.lists(texts, min_size=1, max_size=3), segmenter=st.sampled_from(["han", "line"]))
@example(files=["\r"], segmenter="line")  # a CR ending the text is a char of its last line
@example(files=["a\rb\r", "\r\n\r"], segmenter="line")
def test_random_texts_match_counter(tmp_path_factory, files, segmenter):
    d = tmp_path_factory.mktemp("h")
    paths = []
    for i, t in enumerate(files):
        p = d / f"{i}.txt"
        p.write_bytes(t.encode("utf-8", "surrogatepass") if not any(0xD800 <= ord(c) <= 0xDFFF for c in t) else b"")
        paths.append(p)
    chunks = [c for p in paths for c in chunks_of(p.read_bytes().decode("utf-8"), segmenter)]
    idx = mf.CorpusIndex.build(paths, segmenter=segmenter)
    assert idx.num_chars == sum(map(len, chunks)) and idx.num_segments == len(chunks)
    for n in (1, 2, 3):
        assert as_dict(idx.ngrams(n)) == naive(chunks, n)


def test_save_open_round_trip_and_atomic_replace(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("中国人民站起来了\n人民日报社论。中国\n", encoding="utf-8")
    built = mf.CorpusIndex.build(src, path=tmp_path / "idx")
    assert built.path and Path(built.path).name == "index.mfi"
    opened = mf.CorpusIndex.open(tmp_path / "idx")
    assert opened.ngrams((1, 5)).equals(built.ngrams((1, 5)))
    assert opened.count("人民") == 2 and opened.sources == [str(src)]
    src.write_text("完全不同的文本\n", encoding="utf-8")
    mf.CorpusIndex.build(src, path=tmp_path / "idx")  # replaces the old index
    assert mf.CorpusIndex.open(tmp_path / "idx").count("人民") == 0
    assert sorted(os.listdir(tmp_path / "idx")) == ["index.mfi"]  # no temporary left behind
    # an index directory opened while being replaced keeps answering from its old map
    assert opened.count("人民") == 2


def test_query_semantics_on_a_toy_corpus(tmp_path):
    src = tmp_path / "t.txt"
    src.write_text("中国人。中国队，美国人\n中国", encoding="utf-8")
    idx = mf.CorpusIndex.build(src)
    assert idx.count("中国") == 3
    right = idx.neighbors("中国", "right")
    assert right.column_names == ["char", "count"]
    assert dict(zip(right.column("char").to_pylist(), right.column("count").to_pylist())) == {"人": 1, "队": 1}
    assert idx.branching_entropy("中国", "right") == pytest.approx(math.log(2))
    assert idx.branching_entropy("中国", "left") == 0.0  # no left neighbours inside segments
    n = idx.num_chars  # 11
    assert idx.pmi("中国") == pytest.approx(math.log(3 * n / (3 * 4)))
    assert idx.pmi("国中") == float("-inf")
    counts = Counter("中国人中国队美国人中国")
    assert idx.char_entropy() == pytest.approx(-sum(c / n * math.log(c / n) for c in counts.values()))
    t = idx.ngrams((1, 2), order="count")
    c = t.column("count").to_pylist()
    g = t.column("ngram").to_pylist()
    assert c == sorted(c, reverse=True)
    assert all(g[i] < g[i + 1] for i in range(len(g) - 1) if c[i] == c[i + 1])
    assert idx.ngrams((1, 2), order="ngram").column("ngram").to_pylist() == sorted(g)
    assert t.schema.field("count").type == pa.uint64() and t.schema.field("ngram").type == pa.string()


@pytest.mark.parametrize(
    "payload, offset",
    [(b"ok\x80rest", 2), (b"abc\xc0\xaf", 3), (b"\xe4\xb8\xad\xed\xa0\x80", 3), (b"\xe4\xb8\xad\xe4\xb8", 3)],
)
def test_invalid_utf8_names_file_and_offset(tmp_path, payload, offset):
    p = tmp_path / "bad.txt"
    p.write_bytes(payload)
    with pytest.raises(mf.CorpusError) as e:
        mf.CorpusIndex.build(p)
    assert e.value.offset == offset and str(p) in str(e.value) and f"offset {offset}" in str(e.value)


def test_input_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        mf.CorpusIndex.build(tmp_path / "missing.txt")
    with pytest.raises(OSError):
        mf.CorpusIndex.build(tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    idx = mf.CorpusIndex.build(empty)
    assert (idx.num_chars, idx.num_segments, idx.ngrams(1).num_rows) == (0, 0, 0)
    good = tmp_path / "g.txt"
    good.write_text("中国人", encoding="utf-8")
    idx = mf.CorpusIndex.build(good)
    for bad in (lambda: idx.count(5), lambda: idx.ngrams("x"), lambda: idx.count_many("中国"),
                lambda: mf.CorpusIndex.build(good, segmenter=3), lambda: mf.CorpusIndex.build([good, 5])):
        with pytest.raises(TypeError):
            bad()
    for bad in (lambda: idx.count(""), lambda: idx.ngrams(0), lambda: idx.ngrams((3, 2)),
                lambda: idx.ngrams(2, min_count=0), lambda: idx.ngrams(2, min_count=-1),
                lambda: idx.ngrams(2, num_threads=0), lambda: mf.CorpusIndex.build(good, segmenter="bogus"),
                lambda: idx.neighbors("中", side="up"), lambda: idx.pmi("中"), lambda: idx.ngrams(2, order="x")):
        with pytest.raises(ValueError):
            bad()


def test_corrupt_indexes(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("中国人民站起来了\n" * 50, encoding="utf-8")
    mf.CorpusIndex.build(src, path=tmp_path / "idx")
    f = tmp_path / "idx" / "index.mfi"
    good = f.read_bytes()
    for damaged in (good[:100], good[: len(good) // 2], b"", b"garbage" * 100,
                    good[:300] + bytes([good[300] ^ 1]) + good[301:], good + b"\0"):
        f.write_bytes(damaged)
        with pytest.raises(mf.IndexFormatError):
            mf.CorpusIndex.open(tmp_path / "idx")
    f.write_bytes(good)
    assert mf.CorpusIndex.open(tmp_path / "idx").count("人民") == 50
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(FileNotFoundError):
        mf.CorpusIndex.open(tmp_path / "empty_dir")
    with pytest.raises(FileNotFoundError):
        mf.CorpusIndex.open(tmp_path / "no_such_dir")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "minent_fast", *args], capture_output=True, text=True)


def test_cli_index_count_ngrams(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("宝玉笑道：宝玉来了。\n黛玉道：宝玉呢？\n", encoding="utf-8")
    r = cli("index", "build", str(src), "-o", str(tmp_path / "idx"))
    assert r.returncode == 0, r.stderr
    idx = mf.CorpusIndex.open(tmp_path / "idx")
    r = cli("count", str(tmp_path / "idx"), "宝玉", "不存在")
    assert r.stdout.splitlines() == [f"宝玉\t{idx.count('宝玉')}", "不存在\t0"]
    r = cli("ngrams", str(tmp_path / "idx"), "-n", "2:3", "--min-count", "2", "-o", str(tmp_path / "g.parquet"))
    assert r.returncode == 0, r.stderr
    assert pq.read_table(tmp_path / "g.parquet").equals(idx.ngrams((2, 3), min_count=2))
    r = cli("ngrams", str(tmp_path / "idx"), "-n", "2", "-o", str(tmp_path / "g.tsv"))
    rows = (tmp_path / "g.tsv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "ngram\tcount" and len(rows) - 1 == idx.ngrams(2, min_count=2).num_rows
    r = cli("demo")
    assert r.returncode == 0 and "character entropy" in r.stdout


@pytest.mark.parametrize("make_args", [
    lambda d: ["index", "build", str(d / "missing.txt"), "-o", str(d / "o")],
    lambda d: ["index", "build", str(d / "bad.txt"), "-o", str(d / "o")],
    lambda d: ["count", str(d / "corrupt"), "x"],
    lambda d: ["ngrams", str(d / "corrupt"), "-n", "x"],
])
def test_cli_bad_input_exits_2_with_one_line(tmp_path, make_args):
    (tmp_path / "bad.txt").write_bytes(b"ok\xff")
    (tmp_path / "corrupt").mkdir()
    (tmp_path / "corrupt" / "index.mfi").write_bytes(b"MINENTIX" + b"\0" * 300)
    r = cli(*make_args(tmp_path))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith("minent-fast") and "error:" in errors[0]


def test_core_stub_is_complete_and_honest():
    """python/minent_fast/_core.pyi against the compiled module (mypy's stubtest)."""
    allow = Path(__file__).with_name("stubtest_allowlist.txt")
    r = subprocess.run([sys.executable, "-m", "mypy.stubtest", "minent_fast._core", "--allowlist", str(allow)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
