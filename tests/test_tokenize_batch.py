"""tokenize_batch: every input kind and every output agree with tokenize(), line by line."""

from __future__ import annotations

import gc

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minent_fast as mf

# Latin-1, BMP (UCS-2) and astral (UCS-4) characters, separators, digits, Thai, a word joiner
ALPHABET = "中国人民大学生abc12 .。，é\u00ff😀𠀀กขคあア한\r\u200d"
WORDS = st.dictionaries(st.text(alphabet=ALPHABET, min_size=1, max_size=4), st.integers(1, 1000), max_size=25)


def via_offsets(lines, out):
    line_at, start, end = out
    return [[lines[i][start[k]:end[k]] for k in range(line_at[i], line_at[i + 1])] for i in range(len(lines))]


def via_ids(tok, lines, out):
    line_at, ids = out
    items = [w for w, _ in tok.lexicon.items()]
    return [[items[ids[k]] if ids[k] >= 0 else None for k in range(line_at[i], line_at[i + 1])]
            for i in range(len(lines))]


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(st.text(alphabet=ALPHABET, max_size=30), max_size=12), words=WORDS,
       symbols=st.sampled_from(["han", "unicode", "all"]))
def test_every_output_is_tokenize_line_by_line(lines, words, symbols):
    tok = mf.Tokenizer(words, symbols=symbols)
    want = [tok.tokenize(s) for s in lines]
    assert tok.tokenize_batch(lines) == want
    assert tok.tokenize_batch(tuple(lines), num_threads=1) == want
    assert tok.tokenize_batch(s for s in lines) == want  # a generator
    arrow = tok.tokenize_batch(lines, output="arrow")
    assert isinstance(arrow, pa.ListArray) and arrow.type == pa.list_(pa.string())
    assert arrow.to_pylist() == want
    offsets = tok.tokenize_batch(lines, output="offsets")
    assert all(a.dtype == np.int64 for a in offsets)
    assert via_offsets(lines, offsets) == want
    ids = tok.tokenize_batch(lines, output="ids")
    assert via_ids(tok, lines, ids) == [[w if w in tok.lexicon else None for w in row] for row in want]


def test_a_lexicon_word_is_one_str_object(tmp_path):
    tok = mf.Tokenizer({"中国": 3, "人民": 2})
    a, b = tok.tokenize_batch(["中国人民", "人民中国"])
    assert a == ["中国", "人民"] and a[0] is b[1] and a[1] is b[0]
    # the rows are out of the cycle collector's sets (strs only) and still ordinary lists
    assert not gc.is_tracked(a)
    a.append("x")
    assert a[-1] == "x"
    again = tok.tokenize_batch(["中国"])[0][0]
    assert again is b[1]


def test_a_re_iterable_object_and_more_lines_than_a_batch():
    class Corpus:
        def __iter__(self):
            for i in range(250_000):  # more than one batch of 200,000 lines
                yield "中国人民" if i % 3 else f"学生{i % 7}"

    tok = mf.Tokenizer({"中国": 3, "人民": 2, "学生": 1})
    want = [tok.tokenize(s) for s in Corpus()]
    assert tok.tokenize_batch(Corpus()) == want
    arrow = tok.tokenize_batch(Corpus(), output="arrow")
    assert len(arrow) == 250_000 and arrow.to_pylist() == want
    lines = list(Corpus())
    assert via_offsets(lines, tok.tokenize_batch(Corpus(), output="offsets")) == want
    line_at, ids = tok.tokenize_batch(Corpus(), output="ids")
    assert line_at[-1] == len(ids) == sum(map(len, want))


def test_empty_inputs_and_bad_arguments():
    tok = mf.Tokenizer({"中国": 3})
    assert tok.tokenize_batch([]) == []
    assert tok.tokenize_batch([""]) == [[]]
    assert tok.tokenize_batch([], output="arrow").to_pylist() == []
    line_at, start, end = tok.tokenize_batch([], output="offsets")
    assert line_at.tolist() == [0] and len(start) == len(end) == 0
    with pytest.raises(ValueError, match="output must be"):
        tok.tokenize_batch(["中国"], output="pandas")
    with pytest.raises(TypeError, match="not int"):
        tok.tokenize_batch(["中国", 5])
    with pytest.raises(TypeError, match="not int"):
        tok.tokenize_batch(iter(["中国", 5]))
    with pytest.raises(ValueError, match="surrogate"):
        tok.tokenize_batch(["中国", "a\udc80b"])
