"""Inputs and outputs the way people use them: pipes, stdin/stdout, compressed corpora,
devices as destinations, directories of many files replaced whole (docs/reliability.md).

Device nodes are made with mknod in a temporary directory (the tests run as root, as CI
does); the real /dev nodes are never touched."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest
import zstandard

import minent_fast as mf
from minent_fast import _io, shards
from minent_fast.errors import CorpusError, EmptyInputWarning

CLI = [sys.executable, "-m", "minent_fast"]
CODECS = {
    "gz": gzip.compress,
    "zst": lambda b: zstandard.ZstdCompressor().compress(b),
    "xz": lzma.compress,
    "bz2": bz2.compress,
}


@pytest.fixture(scope="module")
def text(tmp_path_factory) -> Path:
    """The first ~60 KB of the bundled sample, cut at a line end (plus a line without CR/LF)."""
    data = mf.sample_path().read_bytes()[:60_000]
    data = data[: data.rindex(b"\n") + 1] + "最后一行没有换行".encode()
    p = tmp_path_factory.mktemp("io") / "plain.txt"
    p.write_bytes(data)
    return p


@pytest.fixture(scope="module")
def packed(text) -> dict[str, Path]:
    """The same text in every codec, under names that do not say which (told by content)."""
    out = {}
    for ext, compress in CODECS.items():
        p = text.with_name(f"packed-{ext}.dat")
        p.write_bytes(compress(text.read_bytes()))
        out[ext] = p
    return out


def run(args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, timeout=300, **kw)


def bash(script: str, **kw) -> subprocess.CompletedProcess:
    """A bash command line (for process substitution), with this Python's CLI as $MF."""
    env = dict(os.environ, MF=" ".join(CLI))
    return subprocess.run(["bash", "-c", script], capture_output=True, timeout=300, env=env, **kw)


def mknod(path: Path, kind: int, major: int, minor: int) -> Path:
    os.mknod(path, kind | 0o600, os.makedev(major, minor))
    return path


# ------------------------------------------------------------------------- outputs
@pytest.mark.parametrize("command", ["segment", "discover", "ngrams", "templates"])
def test_a_null_device_destination_stays_a_device(text, tmp_path, command):
    null = mknod(tmp_path / "null", stat.S_IFCHR, 1, 3)
    full = mknod(tmp_path / "full", stat.S_IFCHR, 1, 7)
    idx = tmp_path / "idx"
    mf.CorpusIndex.build(text, idx)
    args = {
        "segment": ["segment", text],
        "discover": ["discover", text, "--iterations", "1"],
        "ngrams": ["ngrams", idx, "-n", "1:3"],
        "templates": ["templates", text],
    }[command]
    r = run(CLI + args + ["-o", null])
    assert r.returncode == 0, r.stderr
    assert stat.S_ISCHR(os.stat(null).st_mode) and os.stat(null).st_rdev == os.makedev(1, 3)
    # a full device: exit 2, one line naming it, nothing claimed, still a device
    r = run(CLI + args + ["-o", full])
    assert r.returncode == 2, r.stderr
    err = r.stderr.decode().strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0] and "full" in err[0], err
    assert "->" not in r.stdout.decode() + r.stderr.decode()
    assert stat.S_ISCHR(os.stat(full).st_mode) and os.stat(full).st_rdev == os.makedev(1, 7)
    assert sorted(os.listdir(tmp_path)) == ["full", "idx", "null"]  # no temporary left beside them


def test_a_block_device_destination_is_refused(text, tmp_path):
    blk = mknod(tmp_path / "blk", stat.S_IFBLK, 7, 200)
    r = run(CLI + ["segment", text, "-o", blk])
    assert r.returncode == 2 and b"block device" in r.stderr
    assert stat.S_ISBLK(os.stat(blk).st_mode)
    with pytest.raises(ValueError, match="block device"):
        with _io.atomic_output(blk) as f:
            f.write("x")


def test_fifo_process_substitution_and_stdout_destinations(text, tmp_path):
    ref = tmp_path / "ref.seg"
    mf.Tokenizer.default().tokenize_file(text, ref)
    r = bash(f'$MF segment "{text}" -o >(gzip > "{tmp_path}/out.gz"); sleep 0.3')
    assert r.returncode == 0, r.stderr
    for _ in range(50):  # the gzip of the substitution may finish just after the command
        if (tmp_path / "out.gz").exists() and gzip.decompress((tmp_path / "out.gz").read_bytes()):
            break
        time.sleep(0.1)
    assert gzip.decompress((tmp_path / "out.gz").read_bytes()) == ref.read_bytes()
    r = run(CLI + ["segment", text, "-o", "-"])
    assert r.returncode == 0 and r.stdout == ref.read_bytes()
    # a FIFO made by mkfifo, read by a thread
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    mf.Tokenizer.default().tokenize_file(text, fifo)
    reader.join(10)
    assert got == [ref.read_bytes()] and stat.S_ISFIFO(os.stat(fifo).st_mode)
    # a lexicon to stdout, from the Rust writer, and a Python-written export
    lex = mf.Lexicon({"中国": 3, "人民": 2})
    r = run(CLI + ["discover", text, "--iterations", "0", "-o", "-", "--format", "jieba"])
    assert r.returncode == 0 and r.stdout.decode().count("\n") > 100
    lex.save(tmp_path / "lex.tsv")
    assert mf.Lexicon.load(tmp_path / "lex.tsv") == lex


def test_python_outputs_to_sockets_and_symlinks(tmp_path):
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    got: list[bytes] = []

    def serve():
        conn, _ = server.accept()
        with conn:
            chunks = []
            while piece := conn.recv(65536):
                chunks.append(piece)
            got.append(b"".join(chunks))

    t = threading.Thread(target=serve)
    t.start()
    with _io.atomic_output(path) as f:
        f.write("甲\t1\n")
    t.join(10)
    server.close()
    assert got == ["甲\t1\n".encode()]
    # a symlink to a regular file: replaced by the new file, as before; the target kept
    target, link = tmp_path / "target", tmp_path / "link"
    target.write_text("old")
    link.symlink_to(target)
    with _io.atomic_output(link) as f:
        f.write("new")
    assert not link.is_symlink() and link.read_text() == "new" and target.read_text() == "old"


# -------------------------------------------------------------------------- inputs
def test_compressed_inputs_equal_the_plain_file_in_the_library(text, packed, tmp_path):
    plain_idx = mf.CorpusIndex.build(text)
    plain_lex = mf.discover_words(text)
    tok = mf.Tokenizer.default()
    tok.tokenize_file(text, tmp_path / "plain.seg")
    for ext, p in packed.items():
        idx = mf.CorpusIndex.build(p)
        assert idx.num_chars == plain_idx.num_chars and idx.sources == [str(p)]
        assert idx.ngrams((1, 4)).equals(plain_idx.ngrams((1, 4)))
        assert mf.discover_words(p) == plain_lex, ext
        stats = tok.tokenize_file(p, tmp_path / f"{ext}.seg")
        assert (tmp_path / f"{ext}.seg").read_bytes() == (tmp_path / "plain.seg").read_bytes(), ext
        assert stats["bytes_in"] == text.stat().st_size  # of the decompressed text
        assert mf.evaluate.read_lines(p) == mf.evaluate.read_lines(text)
    lex_gz = tmp_path / "lex.tsv.gz"
    plain_lex.save(tmp_path / "lex.tsv")
    lex_gz.write_bytes(gzip.compress((tmp_path / "lex.tsv").read_bytes()))
    assert mf.Lexicon.load(lex_gz) == plain_lex


@pytest.mark.parametrize("ext", sorted(CODECS))
def test_compressed_inputs_equal_the_plain_file_on_the_command_line(text, packed, tmp_path, ext):
    p = packed[ext]
    for src, tag in ((text, "plain"), (p, ext)):
        assert run(CLI + ["segment", src, "-o", tmp_path / f"{tag}.seg"]).returncode == 0
        assert run(CLI + ["discover", src, "-o", tmp_path / f"{tag}.tsv"]).returncode == 0
        assert run(CLI + ["templates", src, "-o", tmp_path / f"{tag}.tpl"]).returncode == 0
        assert run(CLI + ["index", "build", src, "-o", tmp_path / f"{tag}.idx"]).returncode == 0
        r = run(CLI + ["count", tmp_path / f"{tag}.idx", "宝玉", "道"])
        (tmp_path / f"{tag}.count").write_bytes(r.stdout)
    for suffix in ("seg", "tsv", "tpl", "count"):
        assert (tmp_path / f"plain.{suffix}").read_bytes() == (tmp_path / f"{ext}.{suffix}").read_bytes(), suffix
    gold = tmp_path / "plain.seg"
    gold_packed = tmp_path / "gold.dat"
    gold_packed.write_bytes(CODECS[ext](gold.read_bytes()))
    r = run(CLI + ["score", gold_packed, gold])
    assert r.returncode == 0 and b"f1\t1.0000" in r.stdout


def test_pipes_fifos_and_stdin_equal_the_file(text, tmp_path):
    ref_seg = tmp_path / "ref.seg"
    mf.Tokenizer.default().tokenize_file(text, ref_seg)
    ref_lex = tmp_path / "ref.tsv"
    assert run(CLI + ["discover", text, "-o", ref_lex]).returncode == 0
    ref_count = run(CLI + ["index", "build", text, "-o", tmp_path / "ref.idx"])
    assert ref_count.returncode == 0
    # process substitution
    r = bash(f'$MF segment <(cat "{text}") -o "{tmp_path}/ps.seg" && '
             f'$MF discover <(cat "{text}") -o "{tmp_path}/ps.tsv" && '
             f'$MF index build <(gzip -c "{text}") -o "{tmp_path}/ps.idx"')
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "ps.seg").read_bytes() == ref_seg.read_bytes()
    assert (tmp_path / "ps.tsv").read_bytes() == ref_lex.read_bytes()
    a, b = mf.CorpusIndex.open(tmp_path / "ps.idx"), mf.CorpusIndex.open(tmp_path / "ref.idx")
    assert a.num_chars == b.num_chars and a.ngrams((1, 3)).equals(b.ngrams((1, 3)))
    assert a.sources[0].startswith("/dev/fd/")  # the name given, not the temporary copy
    # stdin, in and out
    r = run(CLI + ["segment", "-", "-o", "-"], input=text.read_bytes())
    assert r.returncode == 0 and r.stdout == ref_seg.read_bytes()
    r = run(CLI + ["discover", "-", "-o", "-"], input=gzip.compress(text.read_bytes()))
    assert r.returncode == 0 and r.stdout == ref_lex.read_bytes()
    r = run(CLI + ["index", "build", "-", "-o", tmp_path / "stdin.idx"], input=text.read_bytes())
    assert r.returncode == 0 and mf.CorpusIndex.open(tmp_path / "stdin.idx").sources == ["<stdin>"]
    # a FIFO made with mkfifo, fed by a thread, through the library
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    feeder = threading.Thread(target=lambda: fifo.write_bytes(text.read_bytes()))
    feeder.start()
    idx = mf.CorpusIndex.build(fifo)
    feeder.join(10)
    assert idx.num_chars == b.num_chars and idx.sources == [str(fifo)]
    with pytest.raises(ValueError, match="only once"):
        mf.CorpusIndex.build(["-", "-"])


def test_a_sharded_index_keeps_the_text_of_a_pipe(text, packed, tmp_path):
    ref = mf.discover_words(text, symbols="han")  # build_shards' default segmenter
    sh = mf.build_shards(packed["zst"], tmp_path / "sh", shard_bytes=20_000)
    copies = [n for n in os.listdir(tmp_path / "sh") if n.startswith("source-")]
    assert len(copies) == 1 and len(sh.shards) > 1
    assert mf.discover_words(tmp_path / "sh") == ref  # reads the kept copy
    mf.build_shards(packed["xz"], tmp_path / "sh", shard_bytes=20_000)  # a rebuild replaces the copy
    new = [n for n in os.listdir(tmp_path / "sh") if n.startswith("source-")]
    assert len(new) == 1 and new != copies
    mf.build_shards(text, tmp_path / "sh", shard_bytes=20_000)  # a plain file needs none
    assert not [n for n in os.listdir(tmp_path / "sh") if n.startswith("source-")]


def test_bad_compressed_inputs_name_the_file(text, packed, tmp_path):
    for ext, p in packed.items():
        data = p.read_bytes()
        trunc = tmp_path / f"trunc-{ext}"
        trunc.write_bytes(data[: len(data) // 2])
        corrupt = tmp_path / f"corrupt-{ext}"
        corrupt.write_bytes(data[:20] + bytes(b ^ 0x5A for b in data[20:200]) + data[200:])
        for bad in (trunc, corrupt):
            for call in (lambda: mf.CorpusIndex.build(bad), lambda: mf.discover_words(bad),
                         lambda: mf.Tokenizer.default().tokenize_file(bad, tmp_path / "out"),
                         lambda: mf.evaluate.read_lines(bad)):
                with pytest.raises(CorpusError) as e:
                    call()
                assert str(bad) in str(e.value) and e.value.path == str(bad), (ext, str(e.value))
            r = run(CLI + ["segment", bad, "-o", tmp_path / "out"])
            assert r.returncode == 2 and str(bad).encode() in r.stderr and len(r.stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists()
    # invalid UTF-8 inside a valid gzip stream: the offset is in the decompressed text
    bad = tmp_path / "bad-utf8"
    bad.write_bytes(gzip.compress("中国".encode() + b"\xff" + "人民\n".encode()))
    with pytest.raises(CorpusError) as e:
        mf.CorpusIndex.build(bad)
    assert e.value.offset == 6 and e.value.path == str(bad) and "decompressed" in str(e.value)


def test_text_that_only_looks_like_a_magic_number_stays_text(tmp_path):
    p = tmp_path / "bz.txt"
    p.write_bytes("BZh9 is not a bzip2 stream 中国\n".encode())
    assert _io.codec_of(p.read_bytes()[:10]) is None
    assert mf.CorpusIndex.build(p).count("中国") == 1


def test_what_is_not_text_is_an_error_and_empty_input_is_reported(tmp_path):
    sock_path = tmp_path / "sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(sock_path))
    blk = mknod(tmp_path / "blk", stat.S_IFBLK, 7, 200)
    for src, msg in ((tmp_path, b"directory"), (sock_path, b"socket"), (blk, b"block device")):
        for args in (["segment", src, "-o", tmp_path / "o"], ["index", "build", src, "-o", tmp_path / "i"],
                     ["discover", src, "-o", tmp_path / "l"]):
            r = run(CLI + args)
            assert r.returncode == 2 and msg in r.stderr.lower() and len(r.stderr.splitlines()) == 1, (args, r.stderr)
    s.close()
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    r = run(CLI + ["segment", empty, "-o", tmp_path / "e.seg"])
    assert r.returncode == 0 and f"0 chars read from {empty}".encode() in r.stderr
    r = run(CLI + ["index", "build", "-", "-o", tmp_path / "e.idx"], input=b"")
    assert r.returncode == 0 and b"0 chars read from <stdin>" in r.stderr
    with pytest.warns(EmptyInputWarning, match="0 chars read from"):
        mf.CorpusIndex.build(empty)
    # the core itself refuses a FIFO rather than mapping it as empty
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        mf._core.CorpusIndex.build([str(fifo)])


def test_ctrl_c_during_a_spooled_read_leaves_no_temporary(text, tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    env = dict(os.environ, TMPDIR=str(spool))
    # SIGINT as a terminal gives it: earlier tests of the suite (Dask) may leave it ignored,
    # and a child inherits that (Python then installs no handler at all)
    proc = subprocess.Popen(CLI + ["index", "build", str(fifo), "-o", str(tmp_path / "idx")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    with open(fifo, "wb") as w:  # keep the pipe open: the copy waits for more
        w.write(text.read_bytes())
        w.flush()
        for _ in range(100):
            if os.listdir(spool):
                break
            time.sleep(0.05)
        assert os.listdir(spool), "no temporary copy was started"
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert os.listdir(spool) == [] and not (tmp_path / "idx").exists()


# ------------------------------------------------------------- multi-file outputs
def test_ngram_tables_are_replaced_as_a_whole(text, tmp_path):
    sh = mf.build_shards(text, tmp_path / "sh", shard_bytes=20_000)
    out = tmp_path / "parts"
    assert len(mf.ngram_tables(sh.path if hasattr(sh, "path") else tmp_path / "sh", out, (1, 2), partitions=8)) == 8
    assert len(os.listdir(out)) == 8
    r = run(CLI + ["ngrams", tmp_path / "sh", "-n", "1:2", "--partitions", "3", "-o", out])
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(out)) == [f"part-{i:05d}.parquet" for i in range(3)]  # no stale parts
    before = {n: (out / n).read_bytes() for n in os.listdir(out)}
    # a reduce that fails half-way leaves the old set exactly as it was
    real = shards.reduce_partition
    calls = []

    def failing(map_dirs, partition, dest, min_count):
        calls.append(partition)
        if len(calls) == 3:
            raise OSError("disk gone")
        return real(map_dirs, partition, dest, min_count)

    shards.reduce_partition = failing
    try:
        with pytest.raises(OSError, match="disk gone"):
            mf.ngram_tables(tmp_path / "sh", out, (1, 3), partitions=5)
    finally:
        shards.reduce_partition = real
    assert {n: (out / n).read_bytes() for n in os.listdir(out)} == before
    assert sorted(os.listdir(tmp_path)) == ["parts", "sh"]  # no temporary directory left
    # a directory holding anything else is refused, untouched
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    r = run(CLI + ["ngrams", tmp_path / "sh", "-n", "1:2", "--partitions", "2", "-o", mine])
    assert r.returncode == 2 and b"refusing" in r.stderr
    assert os.listdir(mine) == ["notes.txt"] and (mine / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize("exchange", [True, False])
def test_replaced_directory_swaps_whole_sets(tmp_path, monkeypatch, exchange):
    if not exchange:  # the two-rename fallback for file systems without RENAME_EXCHANGE
        monkeypatch.setattr(_io, "_exchange", lambda a, b: False)
    dest = tmp_path / "out"
    ours = lambda n: n.startswith("f")  # noqa: E731
    with _io.replaced_directory(dest, ours) as d:
        for i in range(4):
            (d / f"f{i}").write_text("old")
    with _io.replaced_directory(dest, ours) as d:
        assert not dest.joinpath("new").exists()
        (d / "f0").write_text("new")
        assert sorted(os.listdir(dest)) == ["f0", "f1", "f2", "f3"]  # the old set until the swap
    assert os.listdir(dest) == ["f0"] and (dest / "f0").read_text() == "new"
    with pytest.raises(RuntimeError):
        with _io.replaced_directory(dest, ours) as d:
            (d / "f9").write_text("half")
            raise RuntimeError("failed")
    assert os.listdir(dest) == ["f0"] and sorted(os.listdir(tmp_path)) == ["out"]
    (dest / "user").write_text("x")
    with pytest.raises(FileExistsError):
        with _io.replaced_directory(dest, ours):
            pass
    assert sorted(os.listdir(dest)) == ["f0", "user"]


def test_no_warning_for_nonempty_inputs(text):
    with warnings.catch_warnings():
        warnings.simplefilter("error", EmptyInputWarning)
        mf.CorpusIndex.build(text)
