"""Tokenizer parity with nlp-zero 0.1.6, the Viterbi optimum, Lexicon I/O and the scorer."""

from __future__ import annotations

import collections
import collections.abc
import itertools
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minent_fast as mf
from minent_fast.evaluate import read_lines, score

collections.Iterable = collections.abc.Iterable  # nlp-zero 0.1.6 needs this on Python >= 3.10
import nlp_zero  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NOVELS = ["三国演义.txt", "水浒传.txt", "红楼梦.txt", "西游记.txt"]


def need_shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED} (tests that need the real corpora are skipped)")
    return SHARED


@pytest.fixture(scope="module")
def nz_default():
    return nlp_zero.Tokenizer()


@pytest.fixture(scope="module")
def mf_default():
    return mf.Tokenizer.default()


def read(path: Path) -> list[str]:
    # nlp-zero users read files with open(); keep the line ends it would see, minus "\n"
    with open(path, encoding="utf-8", newline="") as f:
        return [line.rstrip("\n") for line in f]


# ------------------------------------------------------------------ parity with nlp-zero
def test_vectors_with_bundled_dictionary(mf_default):
    vec = json.loads((need_shared() / "nlpzero_test_vectors.json").read_text(encoding="utf-8"))
    lex = mf_default.lexicon
    assert (len(lex), lex.total) == (vec["default_dic"]["num_items"], vec["default_dic"]["total_items"])
    for sent, want in vec["tokenize_default"].items():
        assert mf_default.tokenize(sent) == want, sent


def test_vectors_word_finder_lexicon():
    vec = json.loads((need_shared() / "nlpzero_test_vectors.json").read_text(encoding="utf-8"))
    wf = vec["word_finder_pr7"]
    tok = mf.Tokenizer(dict(wf["words"]))
    for sent, want in wf["tokenize"].items():
        assert tok.tokenize(sent) == want


@pytest.mark.parametrize("name", ["cws/pku_test.utf8"] + [f"zh/{n}" for n in NOVELS])
def test_identical_to_nlp_zero_bundled_dictionary(name, nz_default, mf_default):
    lines = read(need_shared() / name)
    mine = mf_default.tokenize_batch(lines)
    for i, line in enumerate(lines):
        assert mine[i] == nz_default.tokenize(line), f"{name}:{i + 1}: {line!r}"


@pytest.fixture(scope="module")
def learned_lexicons():
    """Lexicons learned by nlp-zero's own Word_Finder (1e-6 on the novels, 1e-5 on PKU)."""
    data = need_shared()
    out = {}
    novels = [line for n in NOVELS for line in read(data / "zh" / n)]
    wf = nlp_zero.Word_Finder(min_proba=1e-6)
    wf.train(novels)
    wf.find(novels)
    out["novels"] = wf.words
    pku = read(data / "cws" / "pku_test.utf8")
    wf = nlp_zero.Word_Finder(min_proba=1e-5)
    wf.train(pku)
    wf.find(pku)
    out["pku"] = wf.words
    return out


@pytest.mark.parametrize("corpus", ["novels", "pku"])
def test_identical_to_nlp_zero_learned_lexicon(corpus, learned_lexicons):
    words = learned_lexicons[corpus]
    nz = nlp_zero.Tokenizer(nlp_zero.Trie(words.items()))
    tok = mf.Tokenizer(words)
    data = need_shared()
    files = [data / "zh" / n for n in NOVELS] if corpus == "novels" else [data / "cws" / "pku_test.utf8"]
    for path in files:
        lines = read(path)
        mine = tok.tokenize_batch(lines, num_threads=2)
        bad = [i for i, line in enumerate(lines) if mine[i] != nz.tokenize(line)]
        assert not bad, f"{path.name}: {len(bad)} lines differ, first {lines[bad[0]]!r}"


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet="中国人民大学生abc12.。， 😀𠀀\r", max_size=30),
    words=st.dictionaries(st.text(alphabet="中国人民大学生abc12.😀", min_size=1, max_size=4),
                          st.integers(1, 1000), max_size=25),
    null_score=st.sampled_from([-100.0, -20.0, -1.0]),
    combine=st.booleans(),
)
def test_random_text_matches_nlp_zero(text, words, null_score, combine):
    nz = nlp_zero.Tokenizer(nlp_zero.Trie(words.items()))
    want = nz.tokenize(text, combine_Aa123=combine) if null_score == -100.0 else None
    tok = mf.Tokenizer(words, null_score=null_score, combine_alnum=combine)
    got = tok.tokenize(text)
    assert "".join(got) == text
    if want is not None:
        assert got == want


# ------------------------------------------------------------------ Viterbi vs brute force
def _segmentations(s: str):
    for cuts in itertools.product([False, True], repeat=max(len(s) - 1, 0)):
        out, start = [], 0
        for i, cut in enumerate(cuts, 1):
            if cut:
                out.append(s[start:i])
                start = i
        out.append(s[start:])
        yield out


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet="abcd", min_size=1, max_size=9),
    words=st.dictionaries(st.text(alphabet="abcd", min_size=1, max_size=3), st.integers(1, 50), min_size=1, max_size=10),
)
def test_viterbi_equals_brute_force(text, words):
    """With every single character in the lexicon, the DAG holds every segmentation into
    dictionary words, and Viterbi must find the best total log-probability."""
    words = dict(words)
    for c in "abcd":
        words.setdefault(c, 1)
    tok = mf.Tokenizer(words, combine_alnum=False)
    total = sum(words.values())
    lp = {w: math.log(c) - math.log(total) for w, c in words.items()}
    best = max(sum(lp[w] for w in seg) for seg in _segmentations(text) if all(w in lp for w in seg))
    got = tok.tokenize(text)
    assert "".join(got) == text
    assert sum(lp[w] for w in got) == pytest.approx(best, abs=1e-9)


# ------------------------------------------------------------------ files, lexicons, errors
def test_tokenize_file_matches_tokenize_and_is_atomic(tmp_path, mf_default):
    src = tmp_path / "in.txt"
    src.write_text("扫描二维码，关注公众号\r\n今天天气不错\n\n买了3.5寸的U盘", encoding="utf-8")
    dst = tmp_path / "out.txt"
    dst.write_text("old content", encoding="utf-8")
    stats = mf_default.tokenize_file(src, dst)
    assert stats["lines"] == 4
    want = [" ".join(mf_default.tokenize(line)) for line in ["扫描二维码，关注公众号", "今天天气不错", "", "买了3.5寸的U盘"]]
    assert dst.read_text(encoding="utf-8").split("\n")[:-1] == want
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "out.txt"]
    bad = tmp_path / "bad.txt"
    bad.write_bytes("好的".encode() + b"\xff\n")
    with pytest.raises(mf.CorpusError) as e:
        mf_default.tokenize_file(bad, dst)
    assert e.value.offset == 6 and "bad.txt" in str(e.value)
    assert dst.read_text(encoding="utf-8").split("\n")[:-1] == want  # untouched
    with pytest.raises(FileNotFoundError):
        mf_default.tokenize_file(tmp_path / "missing.txt", dst)


def test_lexicon_round_trip_and_formats(tmp_path):
    lex = mf.Lexicon({"中国": 10, "人民": 7, "的": 100})
    assert (len(lex), lex.total, lex["中国"], lex["不在"]) == (3, 117, 10, 0)
    assert "人民" in lex and "人" not in lex
    assert lex.log_prob("中国") == pytest.approx(math.log(10 / 117))
    assert lex.log_prob("不在") == float("-inf")
    path = tmp_path / "lex.tsv"
    lex.save(path)
    assert path.read_text(encoding="utf-8") == "的\t100\n中国\t10\n人民\t7\n"
    assert mf.Lexicon.load(path) == lex
    jieba_style = tmp_path / "jieba.txt"
    jieba_style.write_text("中国 10 ns\n人民  7\n\n的 100 uj\n", encoding="utf-8")
    assert mf.Lexicon.load(jieba_style) == lex
    t = lex.to_arrow()
    assert t.column_names == ["word", "count"] and t.column("count").to_pylist() == [100, 10, 7]
    assert mf.Lexicon(t) == lex


@pytest.mark.parametrize("content", ["词\n", "词\t-3\n", "词 x\n", "\t5\n"])
def test_malformed_lexicon_lines_are_errors(tmp_path, content):
    p = tmp_path / "bad.tsv"
    p.write_text("好\t1\n" + content, encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.tsv:2"):
        mf.Lexicon.load(p)


def test_bad_arguments():
    with pytest.raises(TypeError):
        mf.Lexicon({"a": "1"})
    with pytest.raises(ValueError):
        mf.Lexicon({"a": -1})
    with pytest.raises(ValueError):
        mf.Lexicon({"": 1})
    tok = mf.Tokenizer({"a": 1})
    with pytest.raises(TypeError):
        tok.tokenize(5)
    with pytest.raises(TypeError):
        tok.tokenize_batch("abc")
    with pytest.raises(ValueError):
        tok.tokenize_batch(["a"], num_threads=0)
    with pytest.raises(ValueError):
        mf.Tokenizer({"a": 1}, null_score=float("nan"))
    assert mf.Tokenizer({}).tokenize("abc。") == ["abc", "。"]


# ------------------------------------------------------------------ scorer
def test_score_hand_cases():
    r = score(["中国 人民 银行"], ["中国人民 银行"])
    # pred spans (0,2)(2,4)(4,6); gold (0,4)(4,6): one correct
    assert (r["words_pred"], r["words_gold"], r["words_correct"]) == (3, 2, 1)
    assert r["precision"] == pytest.approx(1 / 3) and r["recall"] == pytest.approx(1 / 2)
    assert r["f1"] == pytest.approx(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))
    r = score(["a b c", "xy"], ["a bc", "x y"], words=["a", "x"])
    # gold words: a, bc, x, y; correct: a; OOV gold words: bc, y -> none recovered
    assert r["words_correct"] == 1 and r["oov_gold"] == 2 and r["oov_recall"] == 0.0
    with pytest.raises(ValueError, match="line 1"):
        score(["ab"], ["ac"])
    with pytest.raises(ValueError):
        score(["a", "b"], ["a"])
    assert score([], [])["f1"] == 0.0


def test_score_gold_against_itself_and_cli(tmp_path):
    gold = need_shared() / "cws" / "pku_test_gold.utf8"
    r = score(read_lines(gold), read_lines(gold))
    assert r["f1"] == 1.0 and r["words_gold"] == 104372
    out = subprocess.run(
        [sys.executable, "-m", "minent_fast", "score", str(gold), str(gold)], capture_output=True, text=True
    )
    assert out.returncode == 0 and "f1\t1.0000" in out.stdout


def test_segment_cli_matches_api(tmp_path, mf_default):
    src = tmp_path / "in.txt"
    src.write_text("扫描二维码，关注公众号\n中外科学名著\n", encoding="utf-8")
    lexf = tmp_path / "lex.tsv"
    mf.Lexicon({"扫描": 5, "二维码": 3, "关注": 4, "公众号": 2}).save(lexf)
    for extra, tok in (([], mf_default), (["--lexicon", str(lexf)], mf.Tokenizer(mf.Lexicon.load(lexf)))):
        dst = tmp_path / "out.txt"
        r = subprocess.run([sys.executable, "-m", "minent_fast", "segment", str(src), "-o", str(dst), *extra],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert dst.read_text(encoding="utf-8").splitlines() == [
            " ".join(tok.tokenize(s)) for s in ["扫描二维码，关注公众号", "中外科学名著"]
        ]
    r = subprocess.run([sys.executable, "-m", "minent_fast", "segment", str(tmp_path / "nope.txt"), "-o", "x"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.startswith("minent-fast: error")


def test_default_tokenizer_is_built_once_and_shared():
    a, b = mf.Tokenizer.default(), mf.Tokenizer.default()
    assert a is b  # immutable, so one instance per process
    assert a.tokenize("我爱北京天安门") == ["我", "爱", "北京", "天安门"]
    with pytest.raises(AttributeError):
        a.null_score = 0.0  # type: ignore[misc]
