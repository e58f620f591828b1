"""Any script: the symbol models "han", "unicode" and "all" (issue 18, part 2).

A symbol class is decided by Unicode properties (general categories L, M, N for
"unicode"), so text in any script goes through the index, discovery and the tokenizer
with nothing dropped silently; discovery finds words in kana, hangul, Thai, Cyrillic and
CJK Extension B, and in unspaced English (the 1993 experiment article 1 opens with)."""

from __future__ import annotations

import random
import subprocess
import sys
import unicodedata
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minent_fast as mf
from minent_fast.evaluate import score

WORDS = {
    "kana": ["ありがとう", "さくら", "カタカナ", "ねこ", "やま", "ひかり"],
    "hangul": ["감사합니다", "사랑", "학교", "바다", "하늘", "친구"],
    "thai": ["สวัสดี", "ขอบคุณ", "ภาษา", "แมว", "บ้าน", "น้ำ"],
    "cyrillic": ["привет", "спасибо", "книга", "город", "вода", "солнце"],
    "ext_b": ["\U00020000\U00020001", "\U00020002\U00020003", "\U00020004\U00020005\U00020006",
              "\U00020007\U00020008", "\U00020009\U0002000a", "\U0002000b\U0002000c"],
}


def _unicode_symbol(c: str) -> bool:
    return unicodedata.category(c)[0] in "LMN"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cn")), max_size=40), min_size=1, max_size=20))
def test_unicode_symbols_are_counted_exactly_in_any_script(tmp_path, lines):
    """Every letter, mark and digit of the text is in the index with its exact count; an
    apostrophe only between two of them; nothing else."""
    text = "\n".join(line.replace("\n", " ").replace("\r", " ") for line in lines)
    p = tmp_path / "t.txt"
    p.write_text(text, encoding="utf-8")
    idx = mf.CorpusIndex.build(p, segmenter="unicode")
    want: Counter[str] = Counter()
    for line in text.split("\n"):
        for i, c in enumerate(line):
            if i == 0 and c == "\ufeff" and line is text.split("\n")[0]:
                continue
            if _unicode_symbol(c):
                want[c] += 1
            elif c in "'\u2019" and 0 < i < len(line) - 1 and _unicode_symbol(line[i - 1]) and _unicode_symbol(line[i + 1]):
                want[c] += 1
    got = dict(zip(idx.char_counts().column("char").to_pylist(), idx.char_counts().column("count").to_pylist()))
    if text.startswith("\ufeff"):  # a leading BOM is dropped as in every segmenter
        want["\ufeff"] -= 1
        want += Counter()
    assert got == dict(want)


@pytest.mark.parametrize("script", sorted(WORDS))
def test_words_of_every_script_are_discovered(tmp_path, script):
    rng = random.Random(7)
    words = WORDS[script]
    lines = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 8))).replace(" ", "") for _ in range(600)]
    p = tmp_path / f"{script}.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # default symbols: "unicode"; merge=True for the words longer than max_len (4 here)
    lex = mf.discover_words(p, merge=True)
    found = {w for w in words if w in lex}
    assert len(found) >= len(words) - 1, (script, sorted(lex.to_dict(), key=lambda w: -lex[w])[:20])
    # and with the han filter of nlp-zero, none of these scripts but Han would be seen
    if script != "ext_b":
        assert len(mf.discover_words(p, symbols="han")) == 0


def test_apostrophes_inside_words_and_all_symbols(tmp_path):
    p = tmp_path / "en.txt"
    p.write_text("don't stop\nit's 'quoted' here\n", encoding="utf-8")
    idx = mf.CorpusIndex.build(p, segmenter="unicode")
    assert idx.count("don't") == 1 and idx.count("it's") == 1 and idx.count("'q") == 0 and idx.count("d'") == 0
    p.write_text("D&t wAz\nyEs%\n", encoding="utf-8")
    idx = mf.CorpusIndex.build(p, segmenter="all")
    assert idx.count("D&twAz") == 1 and idx.count("yEs%") == 1 and idx.num_segments == 2
    with pytest.raises(ValueError, match="unknown symbols"):
        mf.discover_words(p, symbols="latin")


def test_discovery_is_deterministic(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(mf.sample_path().read_bytes()[:80_000].rsplit(b"\n", 1)[0])
    a, b = mf.discover_words(p), mf.discover_words(p)
    assert a == b and a.items() == b.items()


def _unspaced(shared_data, name):
    gold = [line.rstrip("\n") for line in open(shared_data / "en" / name, encoding="utf-8") if line.strip()]
    return gold, [line.replace(" ", "") for line in gold]


@pytest.mark.parametrize("name,symbols,floor", [("childes_cds.phono", "all", 0.83), ("childes_cds.txt", "unicode", 0.76)])
def test_unspaced_english_quality_floor(shared_data, tmp_path, name, symbols, floor):
    """The 1993 experiment: English child-directed speech with its spaces removed. Token F1
    against the spaced lines (phonemic: the issue's target 0.75; measured 0.8425, spelled 0.7765)."""
    gold, raw = _unspaced(shared_data, name)
    p = tmp_path / "raw.txt"
    p.write_text("\n".join(raw) + "\n", encoding="utf-8")
    lex = mf.discover_words(p, symbols=symbols)
    tok = mf.Tokenizer(lex, combine_alnum=False)
    r = score([" ".join(tok.tokenize(line)) for line in raw], gold)
    assert r["f1"] >= floor, r


def test_cli_symbols(tmp_path):
    p = tmp_path / "ru.txt"
    rng = random.Random(3)
    p.write_text("\n".join("".join(rng.choice(WORDS["cyrillic"]) for _ in range(5)) for _ in range(400)) + "\n",
                 encoding="utf-8")
    out = tmp_path / "lex.tsv"
    r = subprocess.run([sys.executable, "-m", "minent_fast", "discover", str(p), "-o", str(out)], capture_output=True)
    assert r.returncode == 0, r.stderr
    assert mf.Lexicon.load(out) == mf.discover_words(p)
    r = subprocess.run([sys.executable, "-m", "minent_fast", "discover", str(p), "--symbols", "han", "-o", str(out)],
                       capture_output=True)
    assert r.returncode == 0 and len(mf.Lexicon.load(out)) == 0
    r = subprocess.run([sys.executable, "-m", "minent_fast", "index", "build", str(p), "--symbols", "unicode",
                        "-o", str(tmp_path / "idx")], capture_output=True)
    assert r.returncode == 0 and mf.CorpusIndex.open(tmp_path / "idx").segmenter == "unicode"


def test_a_sharded_index_brings_its_symbols(tmp_path):
    p = tmp_path / "ru.txt"
    rng = random.Random(5)
    p.write_text("\n".join("".join(rng.choice(WORDS["cyrillic"][3:]) for _ in range(5)) for _ in range(300)) + "\n",
                 encoding="utf-8")
    sh = mf.build_shards(p, tmp_path / "sh", shard_bytes=4_000, segmenter="unicode")
    assert mf.discover_words(sh.path) == mf.discover_words(p) == mf.discover_words(sh.path, symbols="unicode")
    with pytest.raises(ValueError, match="sharded index was built with"):
        mf.discover_words(sh.path, symbols="han")


@settings(max_examples=80, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cn")), max_size=60),
       symbols=st.sampled_from(["han", "unicode", "all"]))
def test_tokenizer_symbols_cut_at_non_symbols_and_drop_nothing(text, symbols):
    """Tokenizer(symbols=...): the tokens are the text (nothing dropped); under "unicode"
    and "all" a character that is not a symbol is a token of its own, so no word ever
    holds one."""
    words = {"ab": 5, "a-b": 4, "привет": 3, "\u3042\u3044": 2, "x y": 1}
    tok = mf.Tokenizer(words, symbols=symbols)
    toks = tok.tokenize(text)
    assert "".join(toks) == text
    assert tok.combine_alnum == (symbols == "han")
    if symbols != "han":
        is_symbol = (lambda c: _unicode_symbol(c) or c in "'\u2019") if symbols == "unicode" else (lambda c: not c.isspace())
        for t in toks:
            assert len(t) == 1 or all(is_symbol(c) for c in t), (t, toks)
    assert tok.tokenize_batch([text, text]) == [toks, toks]


def test_tokenizer_and_template_finder_symbols():
    lex = {"привет": 9, "мир": 9, "как": 5, "дела": 5, "ab": 3}
    tok = mf.Tokenizer(lex, symbols="unicode")
    assert tok.tokenize("привет,мир!как-дела") == ["привет", ",", "мир", "!", "как", "-", "дела"]
    assert mf.Tokenizer(lex).tokenize("abab-ab") == ["abab", "-", "ab"]  # han: nlp-zero glues ASCII runs
    assert mf.Tokenizer(lex, symbols="unicode").tokenize("abab-ab") == ["ab", "ab", "-", "ab"]
    assert mf.Tokenizer(lex, symbols="all").tokenize("ab-ab ab") == ["ab", "-", "ab", " ", "ab"]
    with pytest.raises(ValueError):
        mf.Tokenizer(lex, symbols="line")
    rng = random.Random(5)
    texts = [" ".join(rng.choice(["привет", "мир", "как", "дела"]) for _ in range(6)) + rng.choice([".", "!", ","])
             for _ in range(400)]
    # the Rust path (a Tokenizer) and a Python callable chunk the same way
    fast = mf.TemplateFinder(tok, window=3, min_proba=1e-4, min_pmi=0.5)
    slow = mf.TemplateFinder(lambda s: tok.tokenize(s), window=3, min_proba=1e-4, min_pmi=0.5, symbols="unicode")
    assert fast.symbols == slow.symbols == "unicode"
    for tf in (fast, slow):
        tf.train(texts)
        tf.find(texts)
    assert fast.templates == slow.templates and fast.templates
    assert all("," not in str(t) and "." not in str(t) for t in fast.templates)
    with pytest.raises(ValueError, match="cuts by 'han'"):
        mf.TemplateFinder(mf.Tokenizer(lex), symbols="unicode")
    with pytest.raises(ValueError):
        mf.TemplateFinder(tok.tokenize, symbols="bogus")


def test_cli_segment_symbols(tmp_path):
    src, lex = tmp_path / "en.txt", tmp_path / "lex.tsv"
    src.write_text("thedog\nthecat\n" * 50, encoding="utf-8")
    lex.write_text("the\t100\ndog\t50\ncat\t50\n", encoding="utf-8")
    cli = [sys.executable, "-m", "minent_fast", "segment", "-q", "--lexicon", str(lex), str(src), "-o", "-"]
    han = subprocess.run(cli, capture_output=True, text=True)
    uni = subprocess.run(cli + ["--symbols", "unicode"], capture_output=True, text=True)
    assert han.returncode == uni.returncode == 0, (han.stderr, uni.stderr)
    assert han.stdout.splitlines()[0] == "thedog"  # ASCII runs glued back (nlp-zero)
    assert uni.stdout.splitlines()[:2] == ["the dog", "the cat"]
