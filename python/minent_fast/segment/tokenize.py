"""Tokenizer: unigram maximum-probability segmentation with nlp-zero ``Tokenizer`` semantics.

Identical tokens to nlp-zero 0.1.6 on the same dictionary: a sentence is cut at
``[。，、！？\\n ]`` (each separator is a token), each piece is segmented by Viterbi over
word scores ``ln(count / total)`` (nats) with ``null_score`` for a character no word
covers, and runs of ASCII letters/digits are glued back (``combine_alnum``).
"""

from __future__ import annotations

import functools
import os
from typing import Any, Iterable, Optional, Union

from .. import _core
from .._io import batches, items_checked, local_sources
from .._progress import ProgressArg, make_progress
from ..index.corpus import _check_threads
from .lexicon import Lexicon

PathLike = Union[str, "os.PathLike[str]"]


class Tokenizer:
    """Segment text with a :class:`Lexicon` (or a dict word -> count).

    ``symbols``: what cuts a sentence into the pieces Viterbi segments — ``"han"``
    (default, nlp-zero's ``[。，、！？\\n ]``, token-identical to nlp-zero), ``"unicode"``
    (every character that is not a letter, mark or digit of any script, or an apostrophe
    inside a word: spaces and punctuation of every script are tokens of their own) or
    ``"all"`` (whitespace only). ``combine_alnum`` (nlp-zero's gluing of ASCII letter and
    digit runs, for Chinese text) defaults to True for ``"han"`` and False otherwise.
    """

    __slots__ = ("_inner", "_lexicon")

    def __init__(self, lexicon: Any, *, null_score: float = -100.0, combine_alnum: Optional[bool] = None,
                 symbols: str = "han") -> None:
        lex = lexicon if isinstance(lexicon, Lexicon) else Lexicon(lexicon)
        if isinstance(null_score, bool) or not isinstance(null_score, (int, float)):
            raise TypeError("null_score must be a number")
        if symbols not in ("han", "unicode", "all"):
            raise ValueError(f"symbols must be 'han', 'unicode' or 'all', not {symbols!r}")
        if combine_alnum is None:
            combine_alnum = symbols == "han"
        self._lexicon = lex
        self._inner = _core.Tokenizer(lex._inner, null_score=float(null_score), combine_alnum=bool(combine_alnum),
                                      symbols=symbols)

    @classmethod
    def default(cls) -> "Tokenizer":
        """A tokenizer over the bundled general dictionary (nlp-zero's dic.txt, MIT).
        Built once per process (laying out its 495k-word trie takes ~50 ms); tokenizers
        are immutable, so the one instance is shared."""
        return _default() if cls is Tokenizer else cls(Lexicon.default())

    @property
    def lexicon(self) -> Lexicon:
        return self._lexicon

    @property
    def null_score(self) -> float:
        return self._inner.null_score

    @property
    def combine_alnum(self) -> bool:
        return self._inner.combine_alnum

    @property
    def symbols(self) -> str:
        return self._inner.symbols

    def tokenize(self, sent: str) -> list[str]:
        """Tokens of one sentence (their concatenation is ``sent``)."""
        if not isinstance(sent, str):
            raise TypeError(f"tokenize takes a str, not {type(sent).__name__}")
        return self._inner.tokenize(sent)

    __call__ = tokenize

    def tokenize_batch(self, lines: Iterable[str], num_threads: Optional[int] = None,
                       output: str = "list") -> Any:
        """Tokens of many sentences, in parallel with the GIL released (Ctrl-C stops it).

        ``lines``: a list, a tuple or any iterable of str (a generator, a re-iterable
        corpus object), read in batches, each str's characters in place. ``output``:

        * ``"list"`` — a list of lists of str. A lexicon word is always the same str
          object (kept with the tokenizer, made the first time it is needed), so a token
          costs a reference; other pieces are cut from the line itself.
        * ``"arrow"`` — a ``pyarrow.ListArray`` of strings, one list per line (a
          ``large_list<large_string>`` past 2 GiB), built from three buffers with no
          Python object per token.
        * ``"offsets"`` — ``(line_at, start, end)``, int64 numpy arrays: the tokens of
          line ``i`` are ``k in range(line_at[i], line_at[i + 1])``, each
          ``lines[i][start[k]:end[k]]``.
        * ``"ids"`` — ``(line_at, ids)``: each token's rank in ``self.lexicon`` (the row
          of ``lexicon.to_arrow()`` / ``lexicon.items()``), -1 for a piece that is no
          lexicon word.

        A str holding a lone surrogate raises ValueError (it is not text).
        """
        if isinstance(lines, str):
            raise TypeError("tokenize_batch takes a list of str; use tokenize() for one")
        if output not in _OUTPUTS:
            raise ValueError(f"output must be one of {', '.join(map(repr, _OUTPUTS))}, not {output!r}")
        threads = _check_threads(num_threads)
        parts = []
        for batch in batches(lines):
            with items_checked(batch):
                parts.append(self._inner.tokenize_batch(batch, num_threads=threads, output=output))
        return _joined(parts, output)

    def tokenize_file(
        self,
        src: PathLike,
        dst: PathLike,
        num_threads: Optional[int] = None,
        progress: ProgressArg = None,
    ) -> dict[str, int]:
        """Segment ``src`` line by line into ``dst``: words joined by one space.

        Streamed from a memory map in bounded windows. ``src`` may also be ``-`` (stdin), a
        pipe or a gzip/zstd/xz/bzip2 file (read through a temporary copy). A new or regular
        ``dst`` is written atomically (it appears only when complete); ``-`` (stdout), a
        device or a FIFO is written in place. Returns ``{"lines", "bytes_in", "bytes_out"}``
        (``bytes_in`` of the decompressed text).
        """
        if not isinstance(src, (str, os.PathLike)) or not isinstance(dst, (str, os.PathLike)):
            raise TypeError("tokenize_file takes two paths (str or os.PathLike)")
        cb, close = make_progress(progress)
        try:
            with local_sources([os.fspath(src)]) as inputs:
                lines, bytes_in, bytes_out = self._inner.tokenize_file(
                    inputs.paths[0], os.fspath(dst), num_threads=_check_threads(num_threads), progress=cb
                )
        finally:
            close()
        return {"lines": lines, "bytes_in": bytes_in, "bytes_out": bytes_out}

    def __repr__(self) -> str:
        return (f"<Tokenizer {self._lexicon!r}, null_score={self.null_score}, combine_alnum={self.combine_alnum}, "
                f"symbols={self.symbols!r}>")


_OUTPUTS = ("list", "arrow", "offsets", "ids")


def _joined(parts: list, output: str) -> Any:
    """The batches' results of :meth:`Tokenizer.tokenize_batch` as one."""
    if output == "list":
        if len(parts) == 1:
            return parts[0]
        return [row for part in parts for row in part]
    if output == "arrow":
        import pyarrow as pa

        arrays = []
        for large, list_at, value_at, data in parts:
            values = (pa.LargeStringArray if large else pa.StringArray).from_buffers(
                len(value_at) - 1, pa.py_buffer(value_at), pa.py_buffer(data))
            arrays.append(pa.Array.from_buffers(pa.large_list(values.type) if large else pa.list_(values.type),
                                                len(list_at) - 1, [None, pa.py_buffer(list_at)], children=[values]))
        if not arrays:
            return pa.array([], pa.list_(pa.string()))
        if len(arrays) > 1 and len({a.type for a in arrays}) > 1:
            arrays = [a.cast(pa.large_list(pa.large_string())) for a in arrays]
        return arrays[0] if len(arrays) == 1 else pa.concat_arrays(arrays)
    import numpy as np

    if not parts:
        empty = np.zeros(0, np.int64)
        return (np.zeros(1, np.int64), empty, empty) if output == "offsets" else (np.zeros(1, np.int64), empty)
    if len(parts) == 1:
        return parts[0]
    line_at, base = [parts[0][0]], parts[0][0][-1]
    for p in parts[1:]:
        line_at.append(p[0][1:] + base)
        base += p[0][-1]
    return (np.concatenate(line_at),) + tuple(np.concatenate([p[j] for p in parts]) for j in range(1, len(parts[0])))


@functools.lru_cache(maxsize=1)
def _default() -> Tokenizer:
    return Tokenizer(Lexicon.default())
