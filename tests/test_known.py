"""New-word discovery against a known dictionary: discover_words(known=...), CLI --known/--union."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minent_fast as mf
from minent_fast.evaluate import read_lines, score

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CHARS = "天地人和日月山水风云花草木石金火土春秋"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    rng = random.Random(3)
    words = sorted({rng.choice(CHARS) + rng.choice(CHARS) for _ in range(30)}) + list("的了是在")
    path = tmp_path_factory.mktemp("known") / "t.txt"
    path.write_text("".join("".join(rng.choice(words) for _ in range(8)) + "\n" for _ in range(400)),
                    encoding="utf-8")
    return path, words


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_known_words_never_come_back(corpus, data):
    path, _ = corpus
    found = sorted(mf.discover_words(path))
    known = data.draw(st.lists(st.sampled_from(found), unique=True, max_size=len(found)))
    new = mf.discover_words(path, known=known)
    assert not set(new) & set(known)
    counts = [c for _, c in new.items()]
    assert counts == sorted(counts, reverse=True)  # ranked, most frequent first
    union = mf.discover_words(path, known=known, union=True)
    assert set(known) | set(new) <= set(union)


def test_known_formats_and_errors(corpus, tmp_path):
    path, words = corpus
    known = words[:10]
    expected = mf.discover_words(path, known=known)
    assert len(expected) > 0
    # a word list, a TSV with counts, a jieba dictionary and a Lexicon are the same dictionary
    (tmp_path / "list.txt").write_text("\n".join(known) + "\n\n", encoding="utf-8")
    (tmp_path / "dict.tsv").write_text("".join(f"{w}\t{i + 1}\n" for i, w in enumerate(known)), encoding="utf-8")
    (tmp_path / "jieba.txt").write_text("# comment\n" + "".join(f"{w} 5 n\n" for w in known), encoding="utf-8")
    for k in (tmp_path / "list.txt", str(tmp_path / "dict.tsv"), tmp_path / "jieba.txt",
              mf.Lexicon({w: 3 for w in known}), {w: 1 for w in known}, tuple(known)):
        assert mf.discover_words(path, known=k) == expected, k
    with pytest.raises(TypeError):
        mf.discover_words(path, known=42)
    with pytest.raises(TypeError):
        mf.discover_words(path, known=["ok", 7])
    with pytest.raises(ValueError):
        mf.discover_words(path, union=True)
    (tmp_path / "empty.txt").write_text("\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no words"):
        mf.discover_words(path, known=tmp_path / "empty.txt")
    with pytest.raises(OSError):
        mf.discover_words(path, known=tmp_path / "missing.txt")


def test_known_cli(corpus, tmp_path):
    path, words = corpus
    (tmp_path / "base.dict").write_text("\n".join(words[:10]) + "\n", encoding="utf-8")
    out, union = tmp_path / "new.tsv", tmp_path / "union.tsv"
    cli = [sys.executable, "-m", "minent_fast", "discover", str(path), "-q", "--known", str(tmp_path / "base.dict")]
    r = subprocess.run(cli + ["-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert mf.Lexicon.load(out) == mf.discover_words(path, known=words[:10])
    r = subprocess.run(cli + ["--union", "-o", str(union)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert set(words[:10]) <= set(mf.Lexicon.load(union))
    # the same output whatever the process's string hashing (sets of words are ordered)
    import os

    outs = []
    for seed in ("1", "2", "3"):
        r = subprocess.run(cli + ["--union", "-o", "-"], capture_output=True, text=True,
                           env=dict(os.environ, PYTHONHASHSEED=seed))
        assert r.returncode == 0, r.stderr
        outs.append(r.stdout)
    assert outs[0] == outs[1] == outs[2] and outs[0]
    for bad in (["--union"], ["--known", str(tmp_path / "base.dict"), "--method", "nlpzero"]):
        r = subprocess.run([sys.executable, "-m", "minent_fast", "discover", str(path), "-o", str(out), *bad],
                           capture_output=True, text=True)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_pku_new_words_raise_oov_recall():
    """PKU with its training word list as the known dictionary (benches/eval_cws.py)."""
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    src, gold = SHARED / "cws" / "pku_test.utf8", SHARED / "cws" / "pku_test_gold.utf8"
    vocab_path = SHARED / "cws" / "pku_training_words.utf8"
    raw, gold_lines, vocab = read_lines(src), read_lines(gold), read_lines(vocab_path)

    def evaluate(lex):
        tok = mf.Tokenizer(lex)
        pred = [" ".join(t for t in toks if not t.isspace()) for toks in tok.tokenize_batch(raw)]
        return score(pred, gold_lines, words=vocab)

    base = evaluate(mf.Lexicon({w: 1 for w in vocab if w}))
    union = evaluate(mf.discover_words(src, known=vocab_path, union=True))
    # measured: OOV recall 0.193 -> 0.382, F1 0.898 -> 0.886
    assert union["oov_recall"] >= 0.35 and union["oov_recall"] > base["oov_recall"] + 0.15, (base, union)
    assert union["f1"] >= 0.87, union
    new = mf.discover_words(src, known=vocab_path)
    assert not set(new) & set(vocab)
    gold_oov = {w for line in gold_lines for w in line.split()} - set(vocab)
    assert sum(w in gold_oov for w in new) >= 200  # measured 225 of 812 (numbers left out)
