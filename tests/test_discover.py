"""discover_words, entropy_report, lexicon exports and the discover CLI."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import minent_fast as mf
from minent_fast.discover import autonomy_scores
from minent_fast.evaluate import read_lines, score

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def test_entropy_report_by_hand():
    # tokens: ab x2, c x1 -> p(ab)=2/3, p(c)=1/3
    r = mf.entropy_report(["ab c", ["ab"]])
    h = -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3))
    length = 5 / 3  # 5 characters in 3 tokens
    assert r["H"] == pytest.approx(h) and r["l"] == pytest.approx(length)
    assert r["L"] == pytest.approx(h / length)
    # characters: a 2, b 2, c 1
    hc = -(2 * (2 / 5) * math.log(2 / 5) + (1 / 5) * math.log(1 / 5))
    assert r["H_c"] == pytest.approx(hc)
    assert r["L_bits"] == pytest.approx(r["L"] / math.log(2))
    pa, pb, pc_ = 2 / 5, 2 / 5, 1 / 5
    lex_cost = (-math.log(pa) - math.log(pb) + math.log(3)) + (-math.log(pc_) + math.log(3))
    assert r["L_total"] == pytest.approx((3 * h + lex_cost) / 5)
    assert (r["words"], r["chars"], r["vocab"]) == (3, 5, 2)
    # reading by characters: L equals H_c
    r = mf.entropy_report([list("abcab")])
    assert r["L"] == pytest.approx(r["H_c"])
    assert mf.entropy_report([])["L"] == 0.0


def test_autonomy_prefers_the_real_word(tmp_path):
    # "天气" always together in varied contexts; "气很" crosses a word boundary
    text = "\n".join(f"{a}天气{b}" for a in "今明昨后每" for b in ["很好", "不错", "晴朗", "多变", "寒冷"])
    src = tmp_path / "t.txt"
    src.write_text(text, encoding="utf-8")
    auto = autonomy_scores(src, max_len=3)
    assert auto["天气"] > auto["气很"]
    assert auto["天气"] > auto["今天"]


def test_discover_words_on_pku_beats_the_baseline():
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    src, gold = SHARED / "cws" / "pku_test.utf8", SHARED / "cws" / "pku_test_gold.utf8"
    lex = mf.discover_words(src)
    tok = mf.Tokenizer(lex)
    raw = read_lines(src)
    pred = [" ".join(t for t in toks if not t.isspace()) for toks in tok.tokenize_batch(raw)]
    r = score(pred, read_lines(gold))
    assert r["f1"] >= 0.75, r  # nlp-zero's Word_Finder reaches 0.52-0.67 here
    assert {"中国", "经济", "发展"} <= set(lex)


def test_discover_words_edge_cases(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert len(mf.discover_words(empty)) == 0
    punct = tmp_path / "p.txt"
    punct.write_text("。。，！\n\n", encoding="utf-8")
    assert len(mf.discover_words(punct)) == 0
    small = tmp_path / "s.txt"
    small.write_text("我爱北京天安门\n天安门上太阳升\n", encoding="utf-8")
    lex = mf.discover_words(small)
    assert lex.total == sum(c for _, c in lex.items()) and len(lex) > 0
    with pytest.raises(ValueError):
        mf.discover_words(small, max_len=0)
    with pytest.raises(ValueError):
        mf.discover_words(small, max_len=5)
    with pytest.raises(ValueError):
        mf.discover_words(small, min_count=0)
    with pytest.raises(FileNotFoundError):
        mf.discover_words(tmp_path / "missing.txt")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe")
    with pytest.raises(mf.CorpusError):
        mf.discover_words(bad)


def test_exports(tmp_path):
    lex = mf.Lexicon({"中国": 6, "人民": 3, "的": 1})
    lex.to_jieba(tmp_path / "user.dict")
    assert (tmp_path / "user.dict").read_text(encoding="utf-8") == "中国 6\n人民 3\n的 1\n"
    lex.to_unigram_vocab(tmp_path / "hf.json", format="hf")
    model = json.loads((tmp_path / "hf.json").read_text(encoding="utf-8"))
    assert model["type"] == "Unigram" and model["unk_id"] == 0
    assert model["vocab"][0][0] == "<unk>"
    assert model["vocab"][1] == ["中国", pytest.approx(math.log(0.6))]
    assert model["vocab"][0][1] < min(s for _, s in model["vocab"][1:])
    lex.to_unigram_vocab(tmp_path / "spm.vocab", format="sentencepiece")
    lines = (tmp_path / "spm.vocab").read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["<unk>\t0", "<s>\t0", "</s>\t0"] and lines[3].startswith("中国\t")
    with pytest.raises(ValueError):
        lex.to_unigram_vocab(tmp_path / "x", format="bogus")


def test_discover_cli(tmp_path):
    src = tmp_path / "t.txt"
    src.write_text("我爱北京天安门\n天安门上太阳升\n" * 5, encoding="utf-8")
    out = tmp_path / "lex.tsv"
    for method in ("minent", "nlpzero"):
        r = subprocess.run([sys.executable, "-m", "minent_fast", "discover", str(src), "-o", str(out),
                            "--method", method], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        lex = mf.Lexicon.load(out)
        assert len(lex) > 0
    r = subprocess.run([sys.executable, "-m", "minent_fast", "discover", str(tmp_path / "nope.txt"), "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr
