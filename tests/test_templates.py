"""Templates: parity with nlp-zero 0.1.6 Template_Finder, the matcher of §3.2, parser trees."""

from __future__ import annotations

import collections
import collections.abc
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

import minent_fast as mf
from minent_fast.templates import load_templates, save_templates

collections.Iterable = collections.abc.Iterable
import nlp_zero  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
README_TEMPLATES = {
    (None, "呢"): 10, (None, "可以", None, "吗"): 9, ("我", None): 8, (None, "的", None, "是", None): 7,
    (None, "的", None, "是", None, "呢"): 7, (None, "的", None): 12, (None, "和", None): 12,
}


def need_shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="module")
def tok():
    return mf.Tokenizer.default()


@pytest.fixture(scope="module")
def hongloumeng():
    return (need_shared() / "zh" / "红楼梦.txt").read_text(encoding="utf-8").split("\n")


def norm(p):
    return [list(p[0]), [norm(m) for m in p[1]]]


# ------------------------------------------------------------------ Template type
def test_template_type():
    t = mf.Template(("X", "的", "X"))
    assert t.words == (None, "的", None) and t.is_trivial() and str(t) == "[X] 的 [X]"
    assert mf.Template([None, None, "吗"]).words == (None, "吗")
    assert mf.Template(["我", None]) == mf.Template(("我", "[X]")) and mf.Template(["我", None]) == ("我", None)
    assert hash(mf.Template(["a", None])) == hash(mf.Template(["a", "X"]))
    assert mf.Template(["a", None]) != mf.Template([None, "a"])
    assert not mf.Template(["我", None]).is_trivial() and mf.Template(["a", None, "b"]).length == 2
    assert mf.Template.parse(str(mf.Template(["x", None, "y"]))) == mf.Template(["x", None, "y"])
    with pytest.raises(TypeError):
        mf.Template([1, 2])


# ------------------------------------------------------------------ discovery parity
@pytest.mark.parametrize("window", [3, 5])
def test_template_counts_equal_nlp_zero_on_hongloumeng(window, hongloumeng, tok):
    ref = nlp_zero.Template_Finder(nlp_zero.Tokenizer().tokenize, window=window)
    ref.train(hongloumeng)
    ref.find(hongloumeng)
    tf = mf.TemplateFinder(tok, window=window)
    tf.train(hongloumeng)
    tf.find(hongloumeng)
    want = {tuple(t.words): c for t, c in ref.templates.items()}
    got = {t.words: c for t, c in tf.templates.items()}
    assert got == want
    assert list(got) == list(want)  # same order as nlp-zero's dict
    assert tf.capped_chunks == 0


def test_python_tokenize_function_path_matches_fast_path(tok):
    sents = ["苹果可以吃吗", "我的苹果的颜色是什么呢", "香蕉和苹果都可以吃", "我想吃苹果"] * 20
    fast = mf.TemplateFinder(tok, window=3, min_pmi=1.0)
    fast.train(sents)
    slow = mf.TemplateFinder(lambda s: tok.tokenize(s), window=3, min_pmi=1.0)
    slow.train(sents)
    assert fast.find(sents) == slow.find(sents)
    ref = nlp_zero.Template_Finder(lambda s: tok.tokenize(s), window=3, min_pmi=1.0)
    ref.train(sents)
    ref.find(sents)
    assert {t.words: c for t, c in fast.templates.items()} == {tuple(t.words): c for t, c in ref.templates.items()}


def test_incremental_training_and_path_cap(tok):
    sents = ["我想吃苹果", "苹果可以吃吗"] * 10
    tf = mf.TemplateFinder(list, window=3, min_pmi=0.0)  # characters as words
    tf.train(sents)
    first = dict(tf.find(sents))
    tf.train(sents)  # nlp-zero raises KeyError here
    assert tf.find(sents)  # and keeps working
    dense = ["".join(random.Random(1).choice("ab") for _ in range(60))] * 50
    capped = mf.TemplateFinder(list, window=3, min_proba=1e-9, min_pmi=-10.0, max_paths=100)
    capped.train(dense)
    capped.find(dense)
    assert capped.capped_chunks > 0  # tribonacci many paths: enumeration is capped, not exploding
    assert sum(capped.templates.values()) <= 100 * len(dense)
    assert first


def test_save_and_load_templates(tmp_path):
    templates = {mf.Template([None, "的", None]): 12, mf.Template(["我", None]): 8}
    save_templates(templates, tmp_path / "t.tsv")
    assert load_templates(tmp_path / "t.tsv") == templates
    (tmp_path / "bad.tsv").write_text("count\ttrivial\tn_words\ttemplate\nx\t0\t1\t的\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.tsv:2"):
        load_templates(tmp_path / "bad.tsv")


# ------------------------------------------------------------------ matching (§3.2)
def test_matcher_intended_semantics():
    p = mf.Parser({(None, "呢"): 10, ("我", "好"): 5, ("X", "和", "X"): 3}, str.split)
    # X absorbs one or more words, a literal exactly one word
    assert p.search("A 呢".split()) == {(0, 2): {(1,): 10}}
    assert p.search("A B 呢".split()) == {(0, 3): {(2,): 10}, (1, 3): {(2,): 10}}
    assert p.search("A 呢 B".split()) == {(0, 2): {(1,): 10}}  # nothing may follow 呢
    assert p.search("你 我 Z 好".split()) == {}  # no placeholder between 我 and 好
    assert p.search("我 好".split()) == {(0, 2): {(0, 1): 5}}
    assert (0, 3) in p.search("a 和 b".split()) and (0, 2) not in p.search("a 和 b".split())
    assert p.search("和 b".split()) == {}  # a placeholder needs at least one word


def test_matcher_compat_reproduces_nlp_zero_quirks():
    vec = json.loads((need_shared() / "nlpzero_test_vectors.json").read_text(encoding="utf-8"))["xtrie_search_quirk"]
    p = mf.Parser({tuple(t): c for t, c in vec["templates"]}, str.split, compat=True)
    for sent in ("A 呢 B", "你 我 Z 好"):
        got = {f"{a},{b}": [[list(k), v] for k, v in m.items()] for (a, b), m in p.search(sent.split()).items()}
        assert got == vec[sent]


def test_compat_search_equals_nlp_zero_xtrie_on_random_sentences():
    rng = random.Random(7)
    vocab = list("abcde")
    templates = {}
    for _ in range(40):
        t = [rng.choice(vocab + [None]) for _ in range(rng.randint(1, 4))]
        if any(w is not None for w in t):
            templates[mf.Template(t).words] = rng.randint(1, 9)
    trie = nlp_zero.XTrie()
    for t, c in templates.items():
        trie[t] = c
    p = mf.Parser(templates, str.split, compat=True)
    for _ in range(200):
        words = [rng.choice(vocab + ["z"]) for _ in range(rng.randint(1, 7))]
        want = {k: dict(v) for k, v in trie.search(words).items()}
        got = p.search(words)
        assert got == want
        assert [list(v) for v in got.values()] == [list(v) for v in want.values()]  # DFS order


# ------------------------------------------------------------------ parsing
@pytest.mark.parametrize("compat", [True, False])
def test_readme_parser_vectors(tok, compat):
    vec = json.loads((need_shared() / "nlpzero_test_vectors.json").read_text(encoding="utf-8"))["parser_readme"]
    p = mf.Parser(README_TEMPLATES, tok.tokenize, compat=compat)
    for sent, v in vec.items():
        parse, score = p.parse_words(tok.tokenize(sent))
        assert norm(parse) == v["parse"] and score == pytest.approx(v["score"], abs=1e-12)
        tree = p.parse(sent)
        assert tree.plot() == v["plot"] and str(tree) == v["plot"]
        assert tree.content == sent


def test_trees_equal_nlp_zero_on_1000_clauses(hongloumeng, tok):
    """Templates learned by nlp-zero on 红楼梦 (window 3); clauses of <= 12 words, where
    nlp-zero's unmemoised parser finishes quickly."""
    ref_finder = nlp_zero.Template_Finder(tok.tokenize, window=3)
    head = hongloumeng[:6000]
    ref_finder.train(head)
    ref_finder.find(head)
    trie = nlp_zero.XTrie()
    for t, c in ref_finder.templates.items():
        trie[t] = c
    ref = nlp_zero.Parser(trie, tok.tokenize)
    mine = mf.Parser({tuple(t.words): c for t, c in ref_finder.templates.items()}, tok.tokenize, compat=True)
    clauses = []
    for line in hongloumeng[6000:]:
        for c in mf.templates._FILTER.split(line):
            if c and 3 <= len(tok.tokenize(c)) <= 12:
                clauses.append(c)
        if len(clauses) >= 1000:
            break
    assert len(clauses) >= 1000
    for c in clauses:
        assert mine.parse(c).plot() == ref.parse(c).plot(), c


def test_long_sentence_parses_fast(hongloumeng, tok):
    tf = mf.TemplateFinder(tok, window=3)
    tf.train(hongloumeng)
    tf.find(hongloumeng)
    p = mf.Parser(tf.templates, tok.tokenize)
    words = [w for line in hongloumeng[100:400] for w in tok.tokenize(line) if w.strip() and w not in "，。"][:120]
    assert len(words) == 120
    parse, score = p.parse_words(words)
    covered = []

    def walk(node, start, end):
        pos, mods = node
        marks = (start - 1,) + tuple(pos) + (end,)
        covered.extend(pos)
        k = 0
        for a, b in zip(marks, marks[1:]):
            if a + 1 < b:
                walk(mods[k], a + 1, b)
                k += 1

    walk(parse, 0, 120)
    assert sorted(covered) == list(range(120))  # every word covered exactly once


def test_templates_and_parse_cli(tmp_path, hongloumeng):
    src = tmp_path / "hlm.txt"
    src.write_text("\n".join(hongloumeng[:3000]), encoding="utf-8")
    lex = tmp_path / "lex.tsv"
    mf.Lexicon.default().save(lex)
    out = tmp_path / "templates.tsv"
    r = subprocess.run([sys.executable, "-m", "minent_fast", "templates", str(src), "--lexicon", str(lex),
                        "-o", str(out), "--window", "3"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    templates = load_templates(out)
    assert templates and all(isinstance(c, int) for c in templates.values())
    r = subprocess.run([sys.executable, "-m", "minent_fast", "parse", "--templates", str(out), "--lexicon", str(lex),
                        "宝玉笑道：你们都来了"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("+---> ")
    r = subprocess.run([sys.executable, "-m", "minent_fast", "parse", "--templates", str(tmp_path / "nope.tsv"), "句子"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_a_callable_finder_shared_by_threads_does_not_deadlock():
    """A thread inside the tokenize callable may give up the GIL while it holds the
    finder: another thread's call must wait without holding the GIL."""
    import threading
    import time

    def tokenize(s):
        time.sleep(0)  # gives up the GIL inside the callable
        return list(s)

    lines = ["中国人民站起来了", "人民中国"] * 200
    tf = mf.TemplateFinder(tokenize, window=2, min_proba=0.0, min_pmi=-10.0)
    errors = []

    def work():
        try:
            tf.train(lines)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads) and not errors
    ref = mf.TemplateFinder(tokenize, window=2, min_proba=0.0, min_pmi=-10.0)
    for _ in range(4):
        ref.train(lines)
    assert tf.find(lines) == ref.find(lines)
