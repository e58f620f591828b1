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

    def unigram_vocab(self, unk: str = "<unk>") -> list[tuple[str, float]]:
        """``[(piece, ln p)]``, most probable first, led by ``(unk, min ln p - 10)``: the
        vocabulary of a unigram tokenizer (HF tokenizers ``Unigram``, sentencepiece)."""
        items = self.items()
        if not items:
            return [(unk, 0.0)]
        log_total = math.log(self.total)
        vocab = [(w, math.log(c) - log_total) for w, c in items if w != unk]
        return [(unk, min(s for _, s in vocab) - 10.0)] + vocab

    def to_unigram_vocab(self, path: PathLike, format: str = "hf") -> None:
        """Export as a unigram-LM vocabulary.

        ``format="hf"``: JSON of a HF tokenizers ``Unigram`` model
        (``{"type": "Unigram", "unk_id": 0, "vocab": [[piece, score], ...]}``, loadable with
        ``tokenizers.models.Unigram(vocab, unk_id=0)``); ``"sentencepiece"``: a
        sentencepiece ``.vocab`` text file (``piece<TAB>score``), with ``<unk>``, ``<s>`` and
        ``</s>`` first as sentencepiece writes them.
        """
        import json

        from .._io import atomic_output

        vocab = self.unigram_vocab()
        if format == "hf":
            with atomic_output(path) as f:
                json.dump({"type": "Unigram", "unk_id": 0, "vocab": [[w, s] for w, s in vocab]}, f, ensure_ascii=False)
        elif format == "sentencepiece":
            with atomic_output(path) as f:
                f.write(f"{vocab[0][0]}\t0\n<s>\t0\n</s>\t0\n")
                for w, s in vocab[1:]:
                    if "\t" not in w and "\n" not in w:
                        f.write(f"{w}\t{s:.6f}\n")
        else:
            raise ValueError(f"format must be 'hf' or 'sentencepiece', not {format!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Lexicon):
            return NotImplemented
        return self.items() == other.items()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Lexicon {len(self):,} words, total {self.total:,}>"


@functools.lru_cache(maxsize=1)
def _default_lexicon() -> Lexicon:
    """One Lexicon over the bundled dictionary per process (its trie is cached on disk)."""
    from ._default import default_lexicon

    return Lexicon(default_lexicon())
