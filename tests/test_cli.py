"""The command line (``python -m minent_fast``) against the Python API, and its error contract:
exit code 2, one line on stderr starting with ``minent-fast: error``, never a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import minent_fast as mf

TEXT = (
    "宝玉笑道：宝玉来了。\n"
    "黛玉道：宝玉呢？\n"
    "宝钗笑道：你们又来了。\n"
    "凤姐笑道：宝玉宝钗黛玉都来了。\n"
) * 3


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "minent_fast", *args], capture_output=True, text=True, encoding="utf-8",
        cwd=cwd, env=env, timeout=120,
    )


@pytest.fixture()
def built(tmp_path):
    src = tmp_path / "src.txt"
    src.write_bytes(TEXT.encode("utf-8"))
    out = tmp_path / "idx"
    r = cli("index", "build", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert sorted(os.listdir(out)) == ["index.mfi"]
    return src, out, mf.CorpusIndex.open(out)


def rows(table: pa.Table) -> list[tuple[str, int]]:
    return list(zip(table.column("ngram").to_pylist(), table.column("count").to_pylist()))


def test_index_build_matches_an_api_build(built):
    src, _, idx = built
    api = mf.CorpusIndex.build(src)
    assert (idx.num_chars, idx.num_segments) == (api.num_chars, api.num_segments)
    assert idx.ngrams((1, 4)).equals(api.ngrams((1, 4)))


def test_count(built):
    _, out, idx = built
    words = ["宝玉", "不存在", "笑道", "宝玉宝钗黛玉都来了", "。"]
    r = cli("count", str(out), *words)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [f"{w}\t{idx.count(w)}" for w in words]
    assert idx.count("宝玉") == 12 and idx.count("不存在") == 0  # by hand: 4 per repetition


def test_ngrams_to_parquet(built, tmp_path):
    _, out, idx = built
    dest = tmp_path / "out.parquet"
    r = cli("ngrams", str(out), "-n", "2:3", "--min-count", "2", "-o", str(dest), "-q")
    assert r.returncode == 0, r.stderr
    got = pq.read_table(dest)
    want = idx.ngrams((2, 3), min_count=2)
    assert want.num_rows > 10
    assert rows(got) == rows(want)
    assert got.schema.field("ngram").type in (pa.string(), pa.large_string())
    assert got.schema.field("count").type == pa.uint64()
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_ngrams_to_tsv_and_stdout(built, tmp_path):
    _, out, idx = built
    want = rows(idx.ngrams((2, 3), min_count=2))
    dest = tmp_path / "out.tsv"
    r = cli("ngrams", str(out), "-n", "2:3", "--min-count", "2", "-o", str(dest), "-q")
    assert r.returncode == 0, r.stderr
    lines = dest.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "ngram\tcount"
    assert [(g, int(c)) for g, c in (line.split("\t") for line in lines[1:])] == want
    r = cli("ngrams", str(out), "-n", "2:3", "--min-count", "2")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == lines
    # defaults: -n 2 --min-count 2; --order ngram; --limit
    r = cli("ngrams", str(out), "--order", "ngram", "--limit", "5")
    assert r.returncode == 0, r.stderr
    want2 = rows(idx.ngrams(2, min_count=2, order="ngram"))[:5]
    assert [tuple(line.split("\t")) for line in r.stdout.splitlines()[1:]] == [(g, str(c)) for g, c in want2]


def test_index_info(built):
    _, out, idx = built
    r = cli("index", "info", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert f"{idx.num_chars:,} chars" in r.stdout and "src.txt" in r.stdout


def test_demo():
    r = cli("demo", "-q")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "character entropy" in r.stdout
    assert "Traceback" not in r.stderr


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> Path:
    """A directory of bad inputs (and one good index), shared by the error cases."""
    d = tmp_path_factory.mktemp("bad")
    (d / "bad.txt").write_bytes("宝玉".encode() + b"\xc0\xaf rest")  # overlong '/' at byte 6
    (d / "good.txt").write_bytes(TEXT.encode())
    (d / "corrupt").mkdir()
    (d / "corrupt" / "index.mfi").write_bytes(b"MINENTIX" + b"\0" * 300)
    (d / "garbage").mkdir()
    (d / "garbage" / "index.mfi").write_bytes(b"")
    (d / "noindex").mkdir()
    r = cli("index", "build", str(d / "good.txt"), "-o", str(d / "idx"), "-q")
    assert r.returncode == 0, r.stderr
    return d


RUNTIME_ERRORS = {
    "missing-source": (["index", "build", "{d}/missing.txt", "-o", "{o}"], ["missing.txt"]),
    "invalid-utf8": (["index", "build", "{d}/good.txt", "{d}/bad.txt", "-o", "{o}"], ["bad.txt", r"(?<!\d)6(?!\d)"]),  # file and byte offset
    "directory-source": (["index", "build", "{d}/noindex", "-o", "{o}"], ["noindex"]),
    "count-corrupt-index": (["count", "{d}/corrupt", "宝玉"], ["corrupt"]),
    "count-empty-index-file": (["count", "{d}/garbage", "宝玉"], ["garbage"]),
    "count-no-index": (["count", "{d}/noindex", "宝玉"], ["noindex"]),
    "count-missing-dir": (["count", "{d}/nowhere", "宝玉"], ["nowhere"]),
    "count-empty-string": (["count", "{d}/idx", ""], []),
    "ngrams-corrupt-index": (["ngrams", "{d}/corrupt", "-n", "2"], ["corrupt"]),
    "info-corrupt-index": (["index", "info", "{d}/corrupt"], ["corrupt"]),
    "ngrams-n-reversed": (["ngrams", "{d}/idx", "-n", "3:2"], []),
    "ngrams-n-zero": (["ngrams", "{d}/idx", "-n", "0"], []),
    "ngrams-min-count-zero": (["ngrams", "{d}/idx", "--min-count", "0"], []),
    "build-threads-zero": (["index", "build", "{d}/good.txt", "-o", "{o}", "--threads", "0"], []),
}


@pytest.mark.parametrize("case", list(RUNTIME_ERRORS))
def test_bad_input_exits_2_with_one_error_line(bad, case):
    args, mentions = RUNTIME_ERRORS[case]
    out = bad / f"out-{case}"
    r = cli(*(a.format(d=bad, o=out) for a in args))
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("minent-fast: error"), r.stderr
    message = lines[0].replace(str(bad), "<dir>")
    for pattern in mentions:
        assert re.search(pattern, message), (pattern, message)
    assert not (out / "index.mfi").exists()  # a failed build writes nothing


@pytest.mark.parametrize("bad_n", ["x", "2:", "2:x", "1:2:3", ""])
def test_bad_n_value_is_a_usage_error(bad, bad_n):
    r = cli("ngrams", str(bad / "idx"), "-n", bad_n)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    errors = [i for i, line in enumerate(lines) if "error" in line]
    assert len(errors) == 1 and errors[0] == len(lines) - 1, r.stderr  # usage, then one error line
    assert lines[-1].startswith("minent-fast") and ": error: " in lines[-1]
    assert lines[0].startswith("usage: minent-fast")
    assert r.stdout == ""


def test_output_that_is_a_directory_is_reported_by_its_name(bad):
    dest = bad / "noindex"  # an existing directory
    r = cli("ngrams", str(bad / "idx"), "-o", str(dest), "-q")
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("minent-fast: error") and "Traceback" not in r.stderr
    # the message names the output the user gave, not an internal temporary file
    assert lines[0].rstrip().endswith(str(dest)) and ".tmp" not in lines[0], lines[0]
    assert not [n for n in os.listdir(bad) if n.endswith(".tmp")]  # and no temporary is left
