"""The exports load in the libraries they are for and segment the four novels as
``Tokenizer`` does; each difference is one docs/exports.md lists."""

from __future__ import annotations

import logging
import math
import subprocess
import sys
from pathlib import Path

import jieba
import pytest
import sentencepiece as spm
import tokenizers
import transformers

import minent_fast as mf
from minent_fast.evaluate import score

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="module")
def novels() -> list[str]:
    lines = []
    for p in sorted((SHARED / "zh").glob("*.txt")):
        lines += [line for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) > 100_000
    return lines


@pytest.fixture(scope="module")
def lexicon() -> mf.Lexicon:
    return mf.Lexicon.default()


def _reading_score(tokens: list[str], lex: mf.Lexicon, null_score: float = -100.0) -> float:
    """ln p of a segmentation under the lexicon's unigram model (a token that is no word
    costs null_score a character, as in Tokenizer)."""
    log_total = math.log(lex.total)
    return sum(math.log(lex[t]) - log_total if t in lex else null_score * len(t) for t in tokens)


def test_hf_tokenizer_json_loads_and_segments_as_the_tokenizer(tmp_path, novels, lexicon):
    path = tmp_path / "tokenizer.json"
    lexicon.to_hf_tokenizer(path)
    hf = tokenizers.Tokenizer.from_file(str(path))
    ours = mf.Tokenizer(lexicon).tokenize_batch(novels)
    theirs = [[line[s:e] for s, e in enc.offsets] for line, enc in zip(novels, hf.encode_batch(novels))]
    differ = [(a, b) for a, b in zip(ours, theirs) if a != b]
    # the only difference on this text: ties between two equally probable readings
    assert len(differ) <= len(novels) // 10_000, differ[:3]
    for a, b in differ:
        assert "".join(a) == "".join(b)
        assert _reading_score(a, lexicon) == pytest.approx(_reading_score(b, lexicon), abs=1e-9)
    # what transformers makes of the same file
    fast = transformers.PreTrainedTokenizerFast(tokenizer_file=str(path))
    for line in novels[:200]:
        assert fast.tokenize(line) == hf.encode(line).tokens


def test_hf_export_glues_ascii_runs_and_keeps_unknown_characters_apart(tmp_path):
    lex = mf.Lexicon({"手机": 5, "新": 3, "买": 2, "U盘": 1})
    lex.to_hf_tokenizer(tmp_path / "t.json")
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "t.json"))
    line = "买新iPhone12手机“甲乙”，好！"
    got = [line[s:e] for s, e in hf.encode(line).offsets]
    assert got == mf.Tokenizer(lex).tokenize(line)
    assert got == ["买", "新", "iPhone12", "手机", "“", "甲", "乙", "”", "，", "好", "！"]
    # without gluing the letters are the model's (unknown: one each)
    lex.to_hf_tokenizer(tmp_path / "n.json", combine_alnum=False)
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "n.json"))
    t = "买iPU盘"
    assert [t[s:e] for s, e in hf.encode(t).offsets] == ["买", "i", "P", "U盘"] == mf.Tokenizer(lex, combine_alnum=False).tokenize(t)
    # an empty lexicon still writes a file that loads
    mf.Lexicon({}).to_hf_tokenizer(tmp_path / "e.json")
    assert tokenizers.Tokenizer.from_file(str(tmp_path / "e.json")).encode("中文").offsets == [(0, 1), (1, 2)]


def test_sentencepiece_model_loads_and_segments_as_the_tokenizer(tmp_path, novels, lexicon):
    path = tmp_path / "lexicon.model"
    lexicon.to_sentencepiece(path)
    sp = spm.SentencePieceProcessor(model_file=str(path))
    assert sp.piece_to_id("<unk>") == 0 and sp.get_piece_size() > len(lexicon)
    ours = mf.Tokenizer(lexicon, combine_alnum=False).tokenize_batch(novels)
    theirs = [[p.replace("\u2581", " ") for p in x] for x in sp.encode(novels, out_type=str)]
    differ = [(a, b) for a, b in zip(ours, theirs) if a != b]
    assert len(differ) <= len(novels) // 1000, differ[:3]
    for a, b in differ:
        # sentencepiece reads characters it does not know, side by side, as one piece
        # (symbols such as □ or ─; every punctuation character is a piece of its own)
        split = [ch for p in b for ch in (list(p) if sp.piece_to_id(p.replace(" ", "\u2581")) == 0 else [p])]
        assert split == a or _reading_score(a, lexicon) == pytest.approx(_reading_score(b, lexicon), abs=1e-3), (a, b)


def test_jieba_dictionary_loads_and_agrees(tmp_path, novels, lexicon):
    jieba.setLogLevel(logging.WARNING)
    path = tmp_path / "user.dict"
    lexicon.to_jieba(path)
    lines = novels[::20]
    ours = [" ".join(t for t in toks if not t.isspace()) for toks in mf.Tokenizer(lexicon).tokenize_batch(lines)]
    # as jieba's main dictionary: the same unigram model, so nearly the same readings
    main = jieba.Tokenizer(dictionary=str(path))
    cut = [" ".join(t for t in main.lcut(line, HMM=False) if not t.isspace()) for line in lines]
    assert score(cut, ours)["f1"] >= 0.999
    # as a user dictionary over jieba's own: the lexicon's words are jieba's tokens too
    user = jieba.Tokenizer()
    lex = mf.Lexicon({"林黛玉葬花": 1000})
    lex.to_jieba(tmp_path / "one.dict")
    user.load_userdict(str(tmp_path / "one.dict"))
    assert "林黛玉葬花" in user.lcut("却说林黛玉葬花之后", HMM=False)


def test_discover_cli_writes_loadable_exports(tmp_path):
    src = tmp_path / "t.txt"
    src.write_text("我爱北京天安门\n天安门上太阳升\n" * 20, encoding="utf-8")
    for fmt, name in (("hf", "tokenizer.json"), ("sentencepiece", "lex.model"), ("jieba", "user.dict")):
        out = tmp_path / name
        r = subprocess.run([sys.executable, "-m", "minent_fast", "discover", str(src), "-o", str(out), "--format", fmt],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    lex = mf.discover_words(src)
    want = mf.Tokenizer(lex).tokenize("我爱北京天安门")
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    assert [("我爱北京天安门")[s:e] for s, e in hf.encode("我爱北京天安门").offsets] == want
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "lex.model"))
    assert sp.encode("我爱北京天安门", out_type=str) == want
