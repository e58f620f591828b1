"""The bad-input suite: every entry point, every kind of broken input.

Contract (docs/reliability.md): bad text raises ``CorpusError`` (a ValueError) naming the
file and byte offset; malformed lexicon/template files raise ValueError naming file and
line; bad argument values raise ValueError, wrong types TypeError; the CLI prints one line
and exits 2. Never a PanicException, a segfault or a CLI traceback, and a failed call
leaves no output behind.
"""

from __future__ import annotations

import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

import minent_fast as mf
from minent_fast.errors import CorpusError
from minent_fast.templates import load_templates

TEXT = "宝玉笑道：我送妹妹一个妙字。\n黛玉笑道：什么？\n宝钗道：你们又说什么呢。\n"

# Every kind of invalid UTF-8, each after 6 bytes of valid text ("宝玉"), so the offset is 6.
INVALID_UTF8 = {
    "lone-continuation": b"\x80",
    "overlong-slash": b"\xc0\xaf",
    "overlong-3byte": b"\xe0\x80\xaf",
    "surrogate-d800": b"\xed\xa0\x80",
    "surrogate-dfff": b"\xed\xbf\xbf",
    "above-10ffff": b"\xf4\x90\x80\x80",
    "invalid-ff": b"\xff",
    "truncated-3byte-at-eof": b"\xe4\xb8",
    "truncated-4byte-at-eof": b"\xf0\x9f\x98",
}


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "minent_fast", *args], capture_output=True, text=True,
                          timeout=timeout)


def assert_one_line_error(r: subprocess.CompletedProcess, *mentions: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and "PanicException" not in r.stderr, r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("minent-fast") and "error" in lines[-1], r.stderr
    for m in mentions:
        assert m in lines[-1], (m, lines[-1])


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad-input")
    out = {}
    for name, tail in INVALID_UTF8.items():
        p = d / f"{name}.txt"
        p.write_bytes("宝玉".encode() + tail + (b"" if "at-eof" in name else "黛玉\n".encode()))
        out[name] = p
    out["good"] = d / "good.txt"
    out["good"].write_text(TEXT * 20, encoding="utf-8")
    out["empty"] = d / "empty.txt"
    out["empty"].write_bytes(b"")
    out["nul"] = d / "nul.txt"
    out["nul"].write_bytes("宝玉\0\0黛玉\n\0".encode())
    out["crlf-bom"] = d / "crlf-bom.txt"
    out["crlf-bom"].write_bytes(("\ufeff" + TEXT.replace("\n", "\r\n")).encode())
    out["punct"] = d / "punct.txt"
    out["punct"].write_text("。，！？\n……——\n《》「」\n" * 50, encoding="utf-8")
    rng = random.Random(7)
    out["random"] = d / "random.bin"
    out["random"].write_bytes(bytes(rng.randrange(256) for _ in range(20_000)))
    out["lexicon"] = d / "lex.tsv"
    mf.Lexicon({"宝玉": 5, "笑道": 3, "黛玉": 4, "宝钗": 2}).save(out["lexicon"])
    return out


# ----------------------------------------------------------------------- invalid UTF-8
@pytest.mark.parametrize("kind", list(INVALID_UTF8))
def test_invalid_utf8_of_every_kind_names_file_and_offset(files, kind):
    path = files[kind]
    calls = {
        "index": lambda: mf.CorpusIndex.build(path),
        "index-line": lambda: mf.CorpusIndex.build(path, segmenter="line"),
        "discover": lambda: mf.discover_words(path),
        "lexicon": lambda: mf.Lexicon.load(path),
        "templates": lambda: load_templates(path),
    }
    for what, call in calls.items():
        with pytest.raises(ValueError) as e:
            call()
        assert not isinstance(e.value, mf.errors.MinentError) or e.value.offset in (None, 6), what
        if isinstance(e.value, CorpusError):
            assert e.value.offset == 6 and Path(e.value.path).name == path.name, what


@pytest.mark.parametrize("kind", ["overlong-slash", "surrogate-d800", "truncated-4byte-at-eof"])
def test_invalid_utf8_in_tokenize_file_writes_nothing(files, tmp_path, kind):
    tok = mf.Tokenizer(mf.Lexicon.load(files["lexicon"]))
    dst = tmp_path / "out.txt"
    dst.write_text("precious\n")  # an existing output must survive a failed run
    with pytest.raises(CorpusError) as e:
        tok.tokenize_file(files[kind], dst)
    assert e.value.offset == 6
    assert dst.read_text() == "precious\n"
    assert os.listdir(tmp_path) == ["out.txt"]


CLI_ON_FILE = {
    "index": ["index", "build", "{f}", "-o", "{o}/idx", "-q"],
    "discover": ["discover", "{f}", "-o", "{o}/lex.tsv", "-q"],
    "discover-nlpzero": ["discover", "{f}", "-o", "{o}/lex.tsv", "--method", "nlpzero", "-q"],
    "segment": ["segment", "{f}", "-o", "{o}/seg.txt", "--lexicon", "{lex}", "-q"],
    "templates": ["templates", "{f}", "-o", "{o}/t.tsv", "--lexicon", "{lex}"],
    "score": ["score", "{f}", "{f}"],
    "segment-lexicon": ["segment", "{good}", "-o", "{o}/seg.txt", "--lexicon", "{f}", "-q"],
    "parse-templates": ["parse", "宝玉笑道", "--templates", "{f}", "--lexicon", "{lex}"],
}


@pytest.mark.parametrize("cmd", list(CLI_ON_FILE))
@pytest.mark.parametrize("kind", ["overlong-3byte", "random"])
def test_cli_on_bad_bytes_is_one_line_and_writes_nothing(files, tmp_path, cmd, kind):
    args = [a.format(f=files[kind], o=tmp_path, lex=files["lexicon"], good=files["good"]) for a in CLI_ON_FILE[cmd]]
    r = cli(*args)
    assert_one_line_error(r, files[kind].name)
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------- odd but valid inputs
@pytest.mark.parametrize("kind", ["empty", "nul", "crlf-bom", "punct"])
def test_odd_valid_files_work_everywhere(files, tmp_path, kind):
    path = files[kind]
    idx = mf.CorpusIndex.build(path)
    lex = mf.discover_words(path)
    assert all(w and "\n" not in w and "\0" not in w for w in lex)
    tok = mf.Tokenizer(mf.Lexicon.load(files["lexicon"]))
    stats = tok.tokenize_file(path, tmp_path / "seg.txt")
    text = path.read_bytes().decode("utf-8")
    assert stats["bytes_in"] == len(path.read_bytes())
    assert idx.num_chars <= len(text)
    for cmd in ("index", "discover", "discover-nlpzero", "segment", "templates", "score"):
        out = tmp_path / cmd
        out.mkdir()
        args = [a.format(f=path, o=out, lex=files["lexicon"], good=files["good"]) for a in CLI_ON_FILE[cmd]]
        r = cli(*args)
        assert r.returncode == 0 and "Traceback" not in r.stderr, (cmd, r.stderr)


def test_bom_and_crlf_do_not_leak_into_words(files):
    idx = mf.CorpusIndex.build(files["crlf-bom"], segmenter="line")
    assert idx.count("\ufeff") == 0 and idx.count("\r") == 0
    tok = mf.Tokenizer(mf.Lexicon.load(files["lexicon"]))
    assert tok.tokenize("宝玉笑道") == ["宝玉", "笑道"]


# ------------------------------------------------------------- malformed lexicon files
BAD_LEXICON_LINES = {
    "no-count": "宝玉\n",
    "text-count": "宝玉\tmany\n",
    "negative": "宝玉\t-3\n",
    "float": "宝玉\t1.5\n",
    "nan": "宝玉\tnan\n",
    "huge": f"宝玉\t{2**70}\n",
    "empty-word": "\t5\n",
    "empty-count": "宝玉\t\t5\n",
}


@pytest.mark.parametrize("case", list(BAD_LEXICON_LINES))
def test_malformed_lexicon_line_names_file_and_line(tmp_path, case):
    p = tmp_path / "lex.tsv"
    p.write_text("黛玉\t4\n" + BAD_LEXICON_LINES[case], encoding="utf-8")
    with pytest.raises(ValueError) as e:
        mf.Lexicon.load(p)
    assert "lex.tsv:2" in str(e.value), str(e.value)
    r = cli("segment", str(p), "-o", str(tmp_path / "o.txt"), "--lexicon", str(p), "-q")
    assert_one_line_error(r, "lex.tsv:2")
    assert not (tmp_path / "o.txt").exists()


def test_very_long_words_in_a_lexicon(tmp_path):
    long_word = "龘" * 100_000
    p = tmp_path / "lex.tsv"
    p.write_text(f"{long_word}\t3\n宝玉\t5\n", encoding="utf-8")
    lex = mf.Lexicon.load(p)
    assert lex[long_word] == 3 and lex.max_word_chars == 100_000
    tok = mf.Tokenizer(lex)
    assert tok.tokenize("宝玉" + long_word + "宝玉") == ["宝玉", long_word, "宝玉"]
    assert tok.tokenize(long_word[:-1]) == list(long_word[:-1])  # a near miss falls back to characters


BAD_TEMPLATE_LINES = {
    "fields": "3\tFalse\n",
    "count": "x\tFalse\t2\t[X] 的 [X]\n",
    "negative": "-1\tFalse\t1\t[X] 的 [X]\n",
    "no-word": "3\tTrue\t0\t[X] [X]\n",
}


@pytest.mark.parametrize("case", list(BAD_TEMPLATE_LINES))
def test_malformed_template_line_names_file_and_line(tmp_path, case):
    p = tmp_path / "t.tsv"
    p.write_text("5\tFalse\t1\t[X] 的 [X]\n" + BAD_TEMPLATE_LINES[case], encoding="utf-8")
    with pytest.raises(ValueError) as e:
        load_templates(p)
    assert "t.tsv:2" in str(e.value), str(e.value)


# ------------------------------------------------------------ out-of-range arguments
@pytest.fixture(scope="module")
def env(files):
    lex = mf.Lexicon.load(files["lexicon"])
    return {"mf": mf, "lex": lex, "tok": mf.Tokenizer(lex), "good": files["good"], "nan": math.nan,
            "inf": math.inf}


VALUE_ERRORS = [
    "mf.Lexicon({'宝玉': -1})", "mf.Lexicon({'': 1})", "mf.Lexicon([('宝玉', -5)])",
    "mf.WordFinder(min_proba=nan)", "mf.WordFinder(min_pmi=nan)", "mf.WordFinder(min_proba=-1e-6)",
    "mf.WordFinder(min_proba=inf)",
    "mf.TemplateFinder(tok, window=0)", "mf.TemplateFinder(tok, window=-2)", "mf.TemplateFinder(tok, min_proba=nan)",
    "mf.TemplateFinder(tok, min_pmi=nan)", "mf.TemplateFinder(tok, max_paths=0)",
    "mf.Parser({mf.Template(('宝玉', None)): 3}, tok, null_score=nan)",
    "mf.Parser({mf.Template(('宝玉', None)): -3}, tok)",
    "mf.Tokenizer(lex, null_score=nan)",
    "mf.discover_words(good, max_len=0)", "mf.discover_words(good, iterations=-1)",
    "mf.discover_words(good, length_bonus=nan)", "mf.discover_words(good, min_count=0)",
    "mf.discover_words(good, min_count=-1)", "mf.discover_words(good, num_threads=0)",
    "mf.discover_words([])", "tok.tokenize_batch(['宝玉'], num_threads=0)",
    "mf.evaluate.score(['a b'], ['a b', 'c'])",
]
TYPE_ERRORS = [
    "mf.Lexicon({'宝玉': 1.5})", "mf.Lexicon({5: 1})", "mf.Lexicon(5)", "mf.Tokenizer(lex, null_score='x')",
    "tok.tokenize(5)", "tok.tokenize(b'x')", "tok.tokenize_batch('宝玉')", "tok.tokenize_batch([5])",
    "mf.WordFinder(min_proba='x')", "mf.TemplateFinder(5)", "mf.TemplateFinder(tok, window=2.5)",
    "mf.Template((5,))", "lex[5]", "mf.discover_words(good, max_len=2.5)", "mf.discover_words(good, prune=1)",
]


@pytest.mark.parametrize("expr", VALUE_ERRORS)
def test_out_of_range_values_raise_value_error(env, expr):
    with pytest.raises(ValueError):
        eval(expr, dict(env))


@pytest.mark.parametrize("expr", TYPE_ERRORS)
def test_wrong_types_raise_type_error(env, expr):
    with pytest.raises(TypeError):
        eval(expr, dict(env))


# ------------------------------------------------------------------- CLI argument fuzz
def test_random_cli_arguments_never_trace_back(files, tmp_path):
    """Random argument lists over every subcommand: exit 0 or 2 (or argparse's 2), never a
    traceback or a panic."""
    rng = random.Random(2026)
    subcommands = [["index", "build"], ["index", "info"], ["count"], ["ngrams"], ["discover"], ["segment"],
                   ["templates"], ["parse"], ["score"]]
    idx_dir = tmp_path / "idx"
    mf.CorpusIndex.build(files["good"], idx_dir)
    pool = [str(files["good"]), str(files["random"]), str(files["empty"]), str(files["overlong-slash"]),
            str(idx_dir), str(tmp_path / "missing"), str(tmp_path), "", "-", "宝玉", "-n", "0", "-1", "3:1",
            "nan", "1e309", "--min-count", "--limit", "--threads", "0", "99999999", "--lexicon",
            str(files["lexicon"]), "--templates", "--window", "--method", "bogus", "--format", "hf", "-q",
            "--null-score", "inf", "-o", str(tmp_path / "out.x"), "--order", "ngram", "--max-len", "-5"]
    seen_codes = set()
    for _ in range(60):
        args = rng.choice(subcommands) + [rng.choice(pool) for _ in range(rng.randrange(0, 6))]
        r = cli(*args, timeout=60)
        seen_codes.add(r.returncode)
        assert r.returncode in (0, 2), (args, r.returncode, r.stderr[-2000:])
        assert "Traceback" not in r.stderr and "panicked" not in r.stderr, (args, r.stderr[-2000:])
    assert 2 in seen_codes


@pytest.mark.parametrize("args", [
    ["ngrams", "{idx}", "--limit", "-1"], ["ngrams", "{idx}", "--min-count", "-1"],
    ["ngrams", "{idx}", "--threads", "-1"], ["discover", "{good}", "-o", "{o}", "--max-len", "0"],
    ["discover", "{good}", "-o", "{o}", "--length-bonus", "nan"], ["discover", "{good}", "-o", "{o}", "--iterations", "-1"],
    ["discover", "{good}", "-o", "{o}", "--method", "nlpzero", "--min-pmi", "nan"],
    ["templates", "{good}", "-o", "{o}", "--window", "0"], ["templates", "{good}", "-o", "{o}", "--min-proba", "nan"],
    ["segment", "{good}", "-o", "{o}", "--null-score", "nan"], ["parse", "宝玉", "--templates", "{good}", "--null-score", "nan"],
])
def test_cli_out_of_range_options(files, tmp_path, args):
    idx_dir = tmp_path / "idx"
    mf.CorpusIndex.build(files["good"], idx_dir)
    out = tmp_path / "out.txt"
    r = cli(*(a.format(idx=idx_dir, good=files["good"], o=out) for a in args))
    assert_one_line_error(r)
    assert not out.exists()


# --------------------------------------------------------------- a single 200 MB line
def test_a_single_200_mb_line(tmp_path):
    """One line of 200 MB (the bundled sample with its newlines removed, repeated): the
    line segmenter indexes it as one segment with exact counts, and tokenize_file writes
    it as one line whose words are exactly the input. (Measured: 12 s / 0.94 GB and
    9 s / 1.3 GB peak RSS.)"""
    sample = Path(mf.sample_path()).read_text(encoding="utf-8").replace("\r", "").replace("\n", "")
    unit = sample.encode()
    size = 200_000_000
    data = (unit * (size // len(unit) + 1))[:size].decode("utf-8", "ignore")
    src = tmp_path / "line.txt"
    src.write_text(data, encoding="utf-8")
    assert src.stat().st_size > 199_999_990
    idx = mf.CorpusIndex.build(src, segmenter="line")
    assert idx.num_segments == 1 and idx.num_chars == len(data)
    for probe in ("宝玉", "黛玉笑道", sample[1000:1012]):
        assert idx.count(probe) == data.count(probe), probe
    del idx
    dst = tmp_path / "words.txt"
    stats = mf.Tokenizer.default().tokenize_file(src, dst)
    assert stats["lines"] == 1
    out = dst.read_text(encoding="utf-8")
    assert out.count("\n") <= 1
    assert out.rstrip("\n").replace(" ", "") == data.replace(" ", "")
