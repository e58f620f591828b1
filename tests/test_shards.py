"""Sharded indexes, partitioned n-gram tables, and the Dask path: identical to one index."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import minent_fast as mf
from minent_fast import shards
from minent_fast.errors import CorpusError, IndexFormatError

NOVELS = Path(__file__).resolve().parents[2] / "shared" / "data" / "zh"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    """The four novels (or the bundled sample twice when they are absent), plus a CRLF
    file and an empty file, so shard cuts meet every kind of line end."""
    d = tmp_path_factory.mktemp("corpus")
    srcs = sorted(NOVELS.glob("*.txt")) or [mf.sample_path()]
    extra = d / "crlf.txt"
    extra.write_bytes(mf.sample_path().read_text(encoding="utf-8")[:70_000].replace("\n", "\r\n").encode())
    empty = d / "empty.txt"
    empty.write_bytes(b"")
    return [*srcs, extra, empty]


@pytest.fixture(scope="module")
def whole(corpus):
    return {seg: mf.CorpusIndex.build(corpus, segmenter=seg) for seg in ("han", "line")}


def shard_size(corpus) -> int:
    """About 13 shards whatever the corpus (the novels, or the bundled sample without them)."""
    return sum(p.stat().st_size for p in corpus) // 13 + 1


@pytest.fixture(scope="module")
def sharded(corpus, tmp_path_factory):
    d = tmp_path_factory.mktemp("sharded")
    size = shard_size(corpus)
    return {seg: mf.build_shards(corpus, d / seg, shard_bytes=size, segmenter=seg) for seg in ("han", "line")}


def test_plan_cuts_at_line_ends_and_covers_every_byte(corpus):
    size = shard_size(corpus)
    plan = shards.plan_shards(corpus, shard_bytes=size)
    assert len(plan) > 10
    covered: dict[str, list[tuple[int, int]]] = {}
    for pieces in plan:
        assert sum(b - a for _, a, b in pieces) <= size + 10_000  # one line past the target at most
        for path, a, b in pieces:
            covered.setdefault(path, []).append((a, b))
            data = Path(path).read_bytes()
            assert b == len(data) or data[b - 1:b] == b"\n"  # a piece ends after a newline or at EOF
    for path in map(str, corpus):
        ranges = sorted(covered[path])
        assert ranges[0][0] == 0 and ranges[-1][1] == os.path.getsize(path)
        assert all(x[1] == y[0] for x, y in zip(ranges, ranges[1:]))


@pytest.mark.parametrize("seg", ["han", "line"])
def test_sharded_answers_equal_one_index(whole, sharded, seg):
    one, many = whole[seg], sharded[seg]
    assert isinstance(many, mf.CorpusIndex) and len(many.shards) > 10
    assert (many.num_chars, many.num_segments, many.vocab_size) == (one.num_chars, one.num_segments, one.vocab_size)
    probes = ["宝玉", "道", "孙悟空", "林冲", "的", "了一", "\u3000", "zzz", "一个人"]
    assert list(many.count_many(probes)) == list(one.count_many(probes))
    for s in probes:
        assert many.count(s) == one.count(s), s
        for side in ("left", "right"):
            assert many.neighbors(s, side).equals(one.neighbors(s, side)), (s, side)
            assert many.branching_entropy(s, side) == one.branching_entropy(s, side), (s, side)
        if len(s) > 1:
            assert many.pmi(s) == one.pmi(s), s
    assert many.char_entropy() == one.char_entropy()
    assert many.char_counts().equals(one.char_counts())


@pytest.mark.parametrize("n, min_count, order", [((1, 3), 1, "count"), ((2, 4), 2, "ngram"), (2, 40, "count"),
                                                  ((1, 6), 17, "ngram")])
def test_sharded_ngrams_equal_one_index(whole, sharded, n, min_count, order):
    a = sharded["han"].ngrams(n, min_count, order=order)
    b = whole["han"].ngrams(n, min_count, order=order)
    assert a.num_rows > 0 and a.schema == b.schema and a.equals(b)


def test_reopen_and_rebuild_in_place(corpus, sharded, tmp_path):
    d = Path(sharded["han"].path)
    again = mf.CorpusIndex.open(d)
    assert isinstance(again, mf.ShardedIndex) and again.count("宝玉") == sharded["han"].count("宝玉")
    target = tmp_path / "rebuilt"
    mf.build_shards(corpus[:1], target, shard_bytes=2_000_000)
    first = set(os.listdir(target))
    idx = mf.build_shards(corpus[:2], target, shard_bytes=2_000_000)  # replaces it; old shards removed
    assert idx.num_chars == mf.CorpusIndex.build(corpus[:2]).num_chars
    assert not (first - {"shards.json"}) & set(os.listdir(target))


def test_tables_partitioned_and_exact(whole, sharded, tmp_path):
    names = mf.ngram_tables(sharded["han"].path, tmp_path / "t", (1, 4), min_count=2, partitions=7)
    assert sorted(os.listdir(tmp_path / "t")) == sorted(names) and len(names) == 7
    parts = [pq.read_table(tmp_path / "t" / n) for n in names]
    assert all(p.num_rows > 0 for p in parts)
    seen = set()
    for p in parts:  # each n-gram in exactly one partition, partitions sorted by n-gram
        grams = p.column("ngram").to_pylist()
        assert grams == sorted(grams, key=lambda s: s.encode())
        assert not seen & set(grams)
        seen |= set(grams)
    merged = pa.concat_tables(parts).sort_by("ngram")
    ref = whole["han"].ngrams((1, 4), 2, order="ngram")
    assert merged.column("ngram").equals(ref.column("ngram")) and merged.column("count").equals(ref.column("count"))


def test_bad_inputs(corpus, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("中国\n".encode() * 100_000 + b"\xff\n" + "人民\n".encode() * 10)
    with pytest.raises(CorpusError) as e:
        mf.build_shards([bad], tmp_path / "x", shard_bytes=100_000)
    assert e.value.offset == 700_000 and Path(e.value.path).name == "bad.txt"  # offset in the file, not the shard
    assert not (tmp_path / "x" / "shards.json").exists() and not [n for n in os.listdir(tmp_path / "x")]
    with pytest.raises(FileNotFoundError):
        mf.build_shards([tmp_path / "missing.txt"], tmp_path / "y")
    with pytest.raises(ValueError):
        mf.build_shards(corpus, tmp_path / "y", shard_bytes=0)
    with pytest.raises(TypeError):
        mf.build_shards(corpus, tmp_path / "y", shard_bytes=1.5)
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "shards.json").write_text("{not json")
    with pytest.raises(IndexFormatError):
        mf.CorpusIndex.open(tmp_path / "z")
    with pytest.raises(ValueError):
        mf.ngram_tables(tmp_path / "z", tmp_path / "t", 2, partitions=0)


# ------------------------------------------------------------------------------ Dask
@pytest.fixture(scope="module")
def client():
    from minent_fast import distributed

    c = distributed.connect(n_workers=2, threads_per_worker=1)
    yield c
    c.close()
    c.cluster.close()


def test_dask_cluster_gives_the_same_files(corpus, sharded, client, tmp_path):
    from minent_fast import distributed

    idx = distributed.build_shards(corpus, tmp_path / "idx", client=client, shard_bytes=shard_size(corpus))
    local = sharded["han"]
    assert [s.num_chars for s in idx.shards] == [s.num_chars for s in local.shards]
    for a, b in zip(idx.shards, local.shards):  # the shard files are identical but for their source names
        assert a.ngrams((1, 2), order="ngram").equals(b.ngrams((1, 2), order="ngram"))
    names = distributed.ngram_tables(tmp_path / "idx", tmp_path / "dask", (1, 3), 2, client=client, partitions=5)
    ref = mf.ngram_tables(local.path, tmp_path / "local", (1, 3), 2, partitions=5)
    assert names == ref
    for n in names:
        assert (tmp_path / "dask" / n).read_bytes() == (tmp_path / "local" / n).read_bytes()  # bit for bit


def test_a_failing_task_is_retried_and_leaves_nothing_partial(sharded, tmp_path, monkeypatch):
    """A map task that dies half-way through writing its partitions (first attempt of each
    shard) is retried by Dask; the tables equal an undisturbed run, no temporary is left."""
    from minent_fast import distributed

    real = shards.map_shard
    marks = tmp_path / "failed"  # files, not a set: Dask hands workers a pickled copy of the task
    marks.mkdir()

    def flaky(shard_dir, out_dir, *args):
        mark = marks / os.path.basename(shard_dir)
        if not mark.exists():
            mark.touch()
            os.makedirs(out_dir, exist_ok=True)
            with shards.atomic_output(os.path.join(out_dir, "part-00000.parquet"), "wb") as f:
                f.write(b"PAR1 half a file")
                raise OSError("worker lost mid-write")
        return real(shard_dir, out_dir, *args)

    monkeypatch.setattr(shards, "map_shard", flaky)
    c = distributed.connect(n_workers=1, threads_per_worker=2, processes=False)
    try:
        names = distributed.ngram_tables(sharded["han"].path, tmp_path / "t", 2, 3, client=c, partitions=3, retries=1)
    finally:
        c.close()
        c.cluster.close()
    assert len(os.listdir(marks)) == len(sharded["han"].shards)
    monkeypatch.setattr(shards, "map_shard", real)
    ref = mf.ngram_tables(sharded["han"].path, tmp_path / "ref", 2, 3, partitions=3)
    for n in names:
        assert (tmp_path / "t" / n).read_bytes() == (tmp_path / "ref" / n).read_bytes()
    assert sorted(os.listdir(tmp_path / "t")) == sorted(names)  # no temporaries, no map leftovers
    # without retries the failure reaches the caller and no table is published
    for m in marks.iterdir():
        m.unlink()
    monkeypatch.setattr(shards, "map_shard", flaky)
    c = distributed.connect(n_workers=1, threads_per_worker=2, processes=False)
    try:
        with pytest.raises(OSError):
            distributed.ngram_tables(sharded["han"].path, tmp_path / "t2", 2, 3, client=c, partitions=3, retries=0)
    finally:
        c.close()
        c.cluster.close()
    assert os.listdir(tmp_path / "t2") == []


def test_cli_sharded_build_count_and_partitioned_ngrams(corpus, whole, tmp_path):
    import subprocess
    import sys

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "minent_fast", *map(str, args)], capture_output=True, text=True,
                              timeout=300)

    r = cli("index", "build", *corpus, "-o", tmp_path / "idx", "--shard-mb", "0.5", "-q")
    assert r.returncode == 0, r.stderr
    assert "ShardedIndex" in r.stdout
    r = cli("count", tmp_path / "idx", "宝玉", "林冲")
    assert r.stdout.split() == ["宝玉", str(whole["han"].count("宝玉")), "林冲", str(whole["han"].count("林冲"))]
    r = cli("ngrams", tmp_path / "idx", "-n", "1:3", "--min-count", "3", "--partitions", "4", "-o", tmp_path / "t")
    assert r.returncode == 0, r.stderr
    parts = pa.concat_tables([pq.read_table(p) for p in sorted((tmp_path / "t").glob("part-*.parquet"))])
    assert parts.num_rows == whole["han"].ngrams((1, 3), 3).num_rows
    r = cli("index", "info", tmp_path / "idx")
    assert r.returncode == 0 and "ShardedIndex" in r.stdout, r.stderr
    for bad in (["index", "build", corpus[0], "-o", tmp_path / "x", "--shard-mb", "nan"],
                ["index", "build", corpus[0], "-o", tmp_path / "x", "--shard-mb", "-1"],
                ["index", "build", corpus[0], "-o", tmp_path / "x", "--shard-mb", "inf"],
                ["ngrams", tmp_path / "idx", "--partitions", "4"],
                ["ngrams", tmp_path / "idx", "--partitions", "0", "-o", tmp_path / "t0"]):
        r = cli(*bad)
        assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, (bad, r.stderr)


def test_discover_words_over_shards_equals_the_whole_corpus(corpus, sharded):
    """Autonomy from the shards' merged exact counts gives the same floats as the two LCP
    passes over whole-corpus indexes, so the discovered lexicons are identical."""
    from minent_fast.discover import autonomy_from_index, autonomy_scores

    texts = [p for p in corpus if p.stat().st_size][:2]
    small = mf.build_shards(texts, Path(sharded["han"].path).parent / "two", shard_bytes=400_000)
    assert autonomy_from_index(small, 3) == autonomy_scores(texts, 3)
    assert mf.discover_words(small.path) == mf.discover_words(texts, symbols="han")  # the index's symbols
    uni = mf.build_shards(texts, Path(sharded["han"].path).parent / "two-u", shard_bytes=400_000, segmenter="unicode")
    assert mf.discover_words(uni.path) == mf.discover_words(texts)  # discovery's default symbols
    with pytest.raises(ValueError):
        autonomy_from_index(sharded["line"], 3)


@pytest.mark.parametrize("seed", range(30))
def test_autonomy_from_counts_equals_index_passes_on_random_text(tmp_path, seed):
    import random

    from minent_fast.discover import autonomy_from_index, autonomy_scores

    rng = random.Random(seed)
    alphabet = "中国人民的了一是不在" [: rng.randint(2, 10)] + "。\n"
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 3000)))
    src = tmp_path / "t.txt"
    src.write_text(text, encoding="utf-8")
    for max_len in (1, 2, 3, 4):
        assert autonomy_from_index(mf.CorpusIndex.build(src), max_len) == autonomy_scores(src, max_len), max_len


def test_cli_discover_from_a_sharded_index(corpus, tmp_path):
    import subprocess
    import sys

    texts = [p for p in corpus if p.stat().st_size][-2:]
    mf.build_shards(texts, tmp_path / "idx", shard_bytes=100_000)
    r = subprocess.run([sys.executable, "-m", "minent_fast", "discover", str(tmp_path / "idx"), "-o",
                        str(tmp_path / "lex.tsv"), "-q"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert mf.Lexicon.load(tmp_path / "lex.tsv") == mf.discover_words(texts, symbols="han")  # the index's


def test_a_bom_inside_a_file_is_kept_by_the_shard_that_starts_with_it(tmp_path):
    src = tmp_path / "bom.txt"
    src.write_text("\ufeff第一行\n" + "中国人民\n" * 50 + "\ufeff中间的行\n" + "人民中国\n" * 50, encoding="utf-8")
    cut = len(("\ufeff第一行\n" + "中国人民\n" * 50).encode())
    plan = mf.shards.plan_shards(src, shard_bytes=cut)
    assert plan[1][0][1] == cut  # the second shard starts with the mid-file U+FEFF
    one = mf.CorpusIndex.build(src, segmenter="line")
    many = mf.build_shards(src, tmp_path / "idx", shard_bytes=cut, segmenter="line")
    assert len(many.shards) >= 2
    assert many.count("\ufeff") == one.count("\ufeff") == 1
    assert many.ngrams((1, 3), order="ngram").equals(one.ngrams((1, 3), order="ngram"))
