"""Lexicon: an immutable word -> count table backed by a Rust double-array trie.

File format: UTF-8 TSV ``word<TAB>count``, one per line, count descending. Loading also
accepts nlp-zero / jieba dictionaries (``word count [tag]`` separated by spaces).
"""

from __future__ import annotations

import functools
import math
import os
from typing import Any, Iterable, Iterator, Mapping, Tuple, Union

import numpy as np
import pyarrow as pa

from .. import _core

PathLike = Union[str, "os.PathLike[str]"]


def _pairs_from(words: Any) -> tuple[list[str], list[int]]:
    if isinstance(words, pa.Table):
        names = words.column_names
        if len(names) < 2:
            raise ValueError("a lexicon table needs a word column and a count column")
        w = words.column("word" if "word" in names else names[0]).to_pylist()
        c = words.column("count" if "count" in names else names[1]).to_pylist()
        items: Iterable[Tuple[Any, Any]] = zip(w, c)
    elif isinstance(words, Mapping):
        items = words.items()
    else:
        items = words
    out_w: list[str] = []
    out_c: list[int] = []
    for pair in items:
        try:
            w, c = pair
        except (TypeError, ValueError):
            raise TypeError("a lexicon is built from a dict word -> count or (word, count) pairs") from None
        if not isinstance(w, str):
            raise TypeError(f"lexicon words must be str, not {type(w).__name__}")
        if not w:
            raise ValueError("a lexicon word cannot be empty")
        if isinstance(c, bool) or not isinstance(c, (int, np.integer)):
            raise TypeError(f"count of {w!r} must be an int, not {type(c).__name__}")
        if c < 0:
            raise ValueError(f"count of {w!r} is negative ({c})")
        out_w.append(w)
        out_c.append(int(c))
    return out_w, out_c


class Lexicon:
    """Word -> count. ``lex[w]`` is 0 for an absent word (like ``Counter`` and nlp-zero's Trie).

    Build from a dict, (word, count) pairs or a pyarrow table (``word``, ``count``); later
    duplicates win and zero counts drop the word.
    """

    __slots__ = ("_inner",)

    def __init__(self, words: Any = None) -> None:
        if isinstance(words, _core.Lexicon):
            self._inner = words
            return
        if isinstance(words, Lexicon):
            self._inner = words._inner
            return
        w, c = _pairs_from(words or {})
        self._inner = _core.Lexicon(w, c)

    @classmethod
    def load(cls, path: PathLike) -> "Lexicon":
        """Read a TSV (``word<TAB>count``) or nlp-zero/jieba (``word count [tag]``) file
        (also ``-``, a pipe or a compressed file)."""
        from .._io import local_sources

        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or os.PathLike, not {type(path).__name__}")
        with local_sources([os.fspath(path)]) as src:
            return cls(_core.Lexicon.load(src.paths[0]))

    @classmethod
    def default(cls) -> "Lexicon":
        """nlp-zero 0.1.6's bundled general dictionary (494,936 words, MIT licence)."""
        return _default_lexicon()

    def save(self, path: PathLike) -> None:
        """Write UTF-8 TSV ``word<TAB>count``, count descending, atomically."""
        self._inner.save(os.fspath(path))

    @property
    def total(self) -> int:
        """Sum of all counts."""
        return self._inner.total

    @property
    def max_word_chars(self) -> int:
        return self._inner.max_word_chars

    def __len__(self) -> int:
        return len(self._inner)

    def __getitem__(self, word: str) -> int:
        if not isinstance(word, str):
            raise TypeError("lexicon keys are str")
        return self._inner.get(word)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._inner.contains(word)

    def __iter__(self) -> Iterator[str]:
        return iter(self._inner.items()[0])

    def items(self) -> list[tuple[str, int]]:
        """(word, count) pairs, count descending."""
        words, counts = self._inner.items()
        return list(zip(words, counts.tolist()))

    def to_dict(self) -> dict[str, int]:
        return dict(self.items())

    def log_prob(self, word: str) -> float:
        """ln(count / total) in nats; ``-inf`` for an absent word."""
        c = self[word]
        return math.log(c) - math.log(self.total) if c else float("-inf")

    def to_arrow(self) -> pa.Table:
        """``pyarrow.Table(word: string, count: uint64)``, count descending."""
        words, counts = self._inner.items()
        return pa.table({"word": pa.array(words, type=pa.string()), "count": pa.array(counts, type=pa.uint64())})

    # ------------------------------------------------------------------ exports
    def to_jieba(self, path: PathLike) -> None:
        """Write a jieba user dictionary (``word count`` per line; ``jieba.load_userdict``).

        Words containing spaces cannot be expressed in that format and are skipped.
        """
        from .._io import atomic_output

        with atomic_output(path) as f:
            for w, c in self.items():
                if " " not in w and "\t" not in w:
                    f.write(f"{w} {c}\n")

    def _tokenizer_vocab(self, combine_alnum: bool, null_score: float) -> list[tuple[str, float]]:
        """The pieces of an exported unigram tokenizer: every word with the score
        ``Tokenizer`` gives it (ln count − ln total), then each character of those words
        that is no word itself at ``null_score`` (``Tokenizer``'s score of a lone character).
        With ``combine_alnum``, words with an ASCII letter or digit are left out: such runs
        are glued whole, which the exported pre-tokenizer does instead."""
        items = self.items()
        if not items:
            return []
        log_total = math.log(self.total)
        vocab = [(w, math.log(c) - log_total) for w, c in items
                 if w != _UNK and not (combine_alnum and any(ch.isascii() and ch.isalnum() for ch in w))]
        words = {w for w, _ in vocab}
        chars = sorted({ch for w in words for ch in w} - words)
        return vocab + [(ch, float(null_score)) for ch in chars]

    def to_hf_tokenizer(self, path: PathLike, *, combine_alnum: bool = True, null_score: float = -100.0) -> None:
        """Write a complete HF ``tokenizer.json`` (a ``Unigram`` model and its
        pre-tokenizer) that ``tokenizers.Tokenizer.from_file`` and
        ``transformers.PreTrainedTokenizerFast(tokenizer_file=...)`` load, segmenting as
        ``Tokenizer(lexicon, combine_alnum=...)`` (the default ``symbols="han"``) does.

        The pre-tokenizer isolates nlp-zero's separators ``[。，、！？\\n ]``, each
        character no word contains, and (``combine_alnum``) every run of ASCII letters and
        digits; the Unigram model then finds the most probable reading of the rest. Known
        differences (docs/exports.md): a glued ASCII run comes out whole but as the unknown
        token's id, words that mix ASCII and other characters (``U盘``) are not pieces, and
        nlp-zero's gluing of a Unicode digit or a lexicon word onto an ASCII run is not made.
        """
        import json

        from .._io import atomic_output

        vocab = self._tokenizer_vocab(combine_alnum, null_score)
        unk_score = min((sc for _, sc in vocab), default=0.0) - 10.0
        chars = sorted({ord(ch) for w, _ in vocab for ch in w})
        pattern = "[。，、！？\n ]" + ("|[A-Za-z0-9]+" if combine_alnum else "") + "|" + _not_in_class(chars)
        spec = {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [{"id": 0, "content": _UNK, "single_word": False, "lstrip": False, "rstrip": False,
                              "normalized": False, "special": True}],
            "normalizer": None,
            "pre_tokenizer": {"type": "Split", "pattern": {"Regex": pattern}, "behavior": "Isolated", "invert": False},
            "post_processor": None,
            "decoder": {"type": "Fuse"},
            "model": {"type": "Unigram", "unk_id": 0, "vocab": [[_UNK, unk_score]] + [[w, sc] for w, sc in vocab],
                      "byte_fallback": False},
        }
        with atomic_output(path) as f:
            json.dump(spec, f, ensure_ascii=False)

    def to_sentencepiece(self, path: PathLike, *, null_score: float = -100.0) -> None:
        """Write a sentencepiece ``.model`` (a serialized ``ModelProto``, unigram, identity
        normalization, no dummy prefix) that ``sentencepiece.SentencePieceProcessor(
        model_file=...)`` loads; it reads each line as ``Tokenizer(lexicon,
        combine_alnum=False)`` does, up to the differences in docs/exports.md (scores are
        float32 there; sentencepiece has no pre-tokenizer, so characters unknown to the
        lexicon next to each other come out as one piece: every punctuation character is
        therefore a piece too, at ``null_score``). Needs the ``protobuf`` package
        (the message classes are those sentencepiece ships)."""
        try:
            from sentencepiece import sentencepiece_model_pb2 as pb
        except ImportError as e:  # protobuf or sentencepiece missing
            raise ImportError(f"to_sentencepiece needs the sentencepiece and protobuf packages ({e})") from None

        from .._io import atomic_output

        vocab = [(w, sc) for w, sc in self._tokenizer_vocab(False, null_score) if not any(ch.isspace() for ch in w)]
        # sentencepiece reads a run of unknown characters as one piece, Tokenizer each on its
        # own: punctuation (every Unicode P character) and the space (▁) are pieces at
        # null_score, so that "”。" is two pieces, as it is two tokens
        have = {w for w, _ in vocab}
        vocab += [(ch, float(null_score)) for ch in _punctuation() if ch not in have]
        m = pb.ModelProto()
        unk = m.pieces.add()
        unk.piece, unk.type = _UNK, pb.ModelProto.SentencePiece.UNKNOWN
        unk.score = min((sc for _, sc in vocab), default=0.0) - 10.0
        for w, sc in vocab:
            piece = m.pieces.add()
            piece.piece, piece.score = w, sc
        t = m.trainer_spec
        t.model_type = pb.TrainerSpec.UNIGRAM
        t.vocab_size = len(m.pieces)
        t.unk_id, t.bos_id, t.eos_id, t.pad_id = 0, -1, -1, -1
        n = m.normalizer_spec
        n.name, n.add_dummy_prefix, n.remove_extra_whitespaces, n.escape_whitespaces = "identity", False, False, True
        with atomic_output(path, "wb") as f:
            f.write(m.SerializeToString())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Lexicon):
            return NotImplemented
        return self.items() == other.items()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Lexicon {len(self):,} words, total {self.total:,}>"


_UNK = "<unk>"


@functools.lru_cache(maxsize=1)
def _punctuation() -> tuple[str, ...]:
    """Every character of a Unicode punctuation category (P*), then sentencepiece's space."""
    import sys
    import unicodedata

    return tuple(chr(u) for u in range(sys.maxunicode + 1) if unicodedata.category(chr(u))[0] == "P") + ("\u2581",)


def _not_in_class(codes: list[int]) -> str:
    """An Oniguruma class of the code points not in ``codes`` (sorted), as ranges."""
    if not codes:
        return "[\\s\\S]"
    ranges: list[list[int]] = []
    for c in codes:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return f"[^{body}]"


@functools.lru_cache(maxsize=1)
def _default_lexicon() -> Lexicon:
    """One Lexicon over the bundled dictionary per process (its trie is cached on disk)."""
    from ._default import default_lexicon

    return Lexicon(default_lexicon())
