"""WordFinder: nlp-zero's ``Word_Finder`` (article 2, "当机立断"), same words and counts.

Lexicon construction by cutting every adjacent pair whose frequency or PMI is weak
(``ln p_ab <= ln min_proba`` or ``ln p_ab/(p_a p_b) <= min_pmi``, natural logs), keeping
pieces with ``ln p_w > ln min_proba``, then removing redundant long words (去冗).
Counting and the redundancy loop run in Rust.

Differences from nlp-zero 0.1.6 (results of one ``train`` + ``find`` are identical):
incremental use works — ``train`` may be called again after ``find`` (its counts are kept;
with ``remove_weak_pairs`` the weak pairs are dropped, as nlp-zero intended but its code
emptied the table), and each ``find`` recomputes ``words`` from the current counts.
Where nlp-zero raises ``KeyError`` (degenerate input: a piece of a removed word that is
no candidate), the piece is added after the other words.
Texts are read in place (no UTF-8 copy); a str holding a lone surrogate (e.g. decoded
with ``errors="surrogateescape"``) is counted as nlp-zero does when filtering (the filter
drops it), and refused with ``filtering=False``, where nlp-zero would count it as a char.
"""

from __future__ import annotations

from typing import Iterable

from .. import _core
from .._io import BATCH, batches, items_checked
from .._progress import ProgressArg, make_progress
from ..segment.lexicon import Lexicon
from ..segment.tokenize import Tokenizer




class WordFinder:
    """Unsupervised lexicon construction with nlp-zero ``Word_Finder`` semantics.

    ``min_proba``: frequency threshold (probability; the default 1e-7 suits corpora of
    millions of sentences — use ~1e-5..1e-6 on MB-scale text). ``min_pmi``: PMI threshold
    in nats. ``texts`` must be re-iterable when given to ``train`` and ``find``.
    """

    def __init__(self, min_proba: float = 1e-7, min_pmi: float = 1.0) -> None:
        for name, v in (("min_proba", min_proba), ("min_pmi", min_pmi)):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise TypeError(f"{name} must be a number")
        self._inner = _core.WordFinder(float(min_proba), float(min_pmi))
        self.words: dict[str, int] = {}

    @property
    def min_proba(self) -> float:
        return self._inner.min_proba

    @property
    def min_pmi(self) -> float:
        return self._inner.min_pmi

    def train(self, texts: Iterable[str], filtering: bool = True, remove_weak_pairs: bool = True) -> None:
        """Count characters and adjacent pairs (incremental). ``filtering`` keeps only runs of
        ``[\\u4e00-\\u9fa5 0-9 a-z A-Z]`` as chunks (nlp-zero's filter)."""
        # a list or tuple passed whole is kept (referenced) until find(): find() over the
        # same strs, nlp-zero's usage, reads them once instead of twice
        keep = isinstance(texts, (list, tuple)) and len(texts) <= BATCH
        for batch in batches(texts):
            with items_checked(batch):
                self._inner.train(batch, filtering=bool(filtering), keep=keep)

    def find(
        self,
        texts: Iterable[str],
        filtering: bool = True,
        remove_weak_pairs: bool = True,
        progress: ProgressArg = None,
    ) -> dict[str, int]:
        """Build ``self.words`` (word -> count, in nlp-zero's order) from ``texts``."""
        self._inner.begin_find(bool(remove_weak_pairs))
        for batch in batches(texts):
            with items_checked(batch):
                self._inner.cut(batch, filtering=bool(filtering))
        cb, close = make_progress(progress)
        try:
            self.words = self._inner.finish_find(progress=cb)
        finally:
            close()
        return self.words

    @property
    def chars(self) -> dict[str, int]:
        keys, counts = self._inner.chars()
        return dict(zip(keys, counts.tolist()))

    @property
    def pairs(self) -> dict[str, int]:
        keys, counts = self._inner.pairs()
        return dict(zip(keys, counts.tolist()))

    def export_lexicon(self) -> Lexicon:
        return Lexicon(self.words)

    def export_tokenizer(self, *, null_score: float = -100.0, combine_alnum: bool = True) -> Tokenizer:
        return Tokenizer(self.export_lexicon(), null_score=null_score, combine_alnum=combine_alnum)

    def __repr__(self) -> str:
        return f"<WordFinder min_proba={self.min_proba:g} min_pmi={self.min_pmi:g}, {len(self.words):,} words>"
