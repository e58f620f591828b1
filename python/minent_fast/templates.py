"""Sentence templates ("飞象过河", article 3) and template-based structure parsing.

``TemplateFinder`` reproduces nlp-zero's ``Template_Finder`` (same templates and counts);
``Parser`` its ``Parser`` (same trees wherever nlp-zero finishes), memoised so long
sentences parse in milliseconds. Matching uses the intended semantics by default (a
placeholder absorbs one or more consecutive words, a literal exactly one word);
``compat=True`` reproduces nlp-zero 0.1.6's over-matching (its XTrie lets any word be
skipped anywhere).
"""

from __future__ import annotations

import math
import os
import re
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Sequence, Union

from . import _core
from ._io import batches, items_checked
from .segment.tokenize import Tokenizer

PathLike = Union[str, "os.PathLike[str]"]
_PLACEHOLDERS = (None, "X", "[X]")
_FILTER = re.compile("[^\u4e00-\u9fa50-9a-zA-Z]+")


class Template:
    """A word sequence with placeholders (``None``; ``"X"`` and ``"[X]"`` are accepted when
    building one by hand). Consecutive placeholders collapse. Hashable and compared by
    content; ``str()`` shows placeholders as ``[X]``: ``Template(("X", "的", "X"))`` →
    ``[X] 的 [X]``."""

    __slots__ = ("words",)

    def __init__(self, words: Iterable[Optional[str]] = ()) -> None:
        out: list[Optional[str]] = []
        for w in words:
            if w in _PLACEHOLDERS:
                if not out or out[-1] is not None:
                    out.append(None)
            elif isinstance(w, str):
                out.append(w)
            else:
                raise TypeError(f"template elements are words (str) or None, not {type(w).__name__}")
        self.words: tuple[Optional[str], ...] = tuple(out)

    @classmethod
    def _raw(cls, words: Sequence[Optional[str]]) -> "Template":
        t = cls.__new__(cls)
        t.words = tuple(words)
        return t

    @property
    def length(self) -> int:
        """Number of words (placeholders not counted)."""
        return sum(w is not None for w in self.words)

    def is_trivial(self) -> bool:
        """``[X] w [X]``: one word between two placeholders (says nothing about structure)."""
        return len(self.words) == 3 and self.words[0] is None and self.words[2] is None

    def __iter__(self) -> Iterator[Optional[str]]:
        return iter(self.words)

    def __len__(self) -> int:
        return len(self.words)

    def __hash__(self) -> int:
        return hash(self.words)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Template):
            return self.words == other.words
        if isinstance(other, tuple):
            return self.words == other
        return NotImplemented

    def __str__(self) -> str:
        return " ".join("[X]" if w is None else w for w in self.words)

    def __repr__(self) -> str:
        return f"Template({str(self)!r})"

    @classmethod
    def parse(cls, text: str) -> "Template":
        """Inverse of ``str()``: words separated by spaces, ``[X]`` for a placeholder."""
        return cls(None if w == "[X]" else w for w in text.split(" ") if w)


def _fast_tokenizer(tokenize: Any) -> Optional[Tokenizer]:
    if isinstance(tokenize, Tokenizer):
        return tokenize
    owner = getattr(tokenize, "__self__", None)
    if isinstance(owner, Tokenizer) and getattr(tokenize, "__name__", "") in ("tokenize", "__call__"):
        return owner
    return None



class TemplateFinder:
    """Template discovery with nlp-zero ``Template_Finder`` semantics.

    ``tokenize``: a ``str -> list[str]`` function (jieba.lcut, pkuseg, your own), or a
    :class:`Tokenizer` (then chunking, tokenizing and counting all run in Rust). A
    function is called once per distinct chunk between ``train`` and the ``find`` that
    follows (it must be deterministic, as nlp-zero's calling it again on the same text
    presumes); its tokens are interned in Rust, where every later step runs. Long calls
    run with the GIL released and stop on Ctrl-C. ``window``: skip-gram distance; ``min_proba``
    and ``min_pmi`` (nats) the thresholds. ``max_paths``: a chunk whose graph has more
    maximal paths than this contributes only its first ``max_paths`` (DFS order) — nlp-zero
    enumerates them all, which explodes on long dense chunks; ``capped_chunks`` counts them.
    Unlike nlp-zero, ``train`` may be called again after ``find``. ``symbols``: what a
    chunk is made of — ``"han"`` (nlp-zero's ``[\u4e00-\u9fa5 0-9 a-z A-Z]`` with
    ``filtering``, else its separators), ``"unicode"`` or ``"all"`` (as
    :class:`Tokenizer`'s); None: the Tokenizer's own when ``tokenize`` is one, else ``"han"``.
    """

    def __init__(self, tokenize: Callable[[str], list[str]], window: int = 5, min_proba: float = 1e-5,
                 min_pmi: float = 2.0, max_paths: int = 10_000, symbols: Optional[str] = None) -> None:
        if not callable(tokenize):
            raise TypeError("tokenize must be callable (str -> list of words) or a Tokenizer")
        if symbols is not None and symbols not in ("han", "unicode", "all"):
            raise ValueError(f"symbols must be 'han', 'unicode' or 'all', not {symbols!r}")
        for name, v in (("window", window), ("max_paths", max_paths)):
            if isinstance(v, bool) or not isinstance(v, int):
                raise TypeError(f"{name} must be an int")
            if v < 1:
                raise ValueError(f"{name} must be at least 1, got {v}")
        self.tokenize = tokenize
        self._fast = _fast_tokenizer(tokenize)
        if self._fast is not None:
            if symbols is not None and symbols != self._fast.symbols:
                raise ValueError(f"symbols={symbols!r}, but the Tokenizer cuts by {self._fast.symbols!r}: "
                                 f"pass Tokenizer(..., symbols={symbols!r}) or leave symbols out")
            symbols = self._fast.symbols
        self.symbols = symbols or "han"
        self.window = window
        self._inner = _core.TemplateFinder(window, float(min_proba), float(min_pmi), max_paths)
        self.templates: dict[Template, int] = {}

    def train(self, texts: Iterable[str], filtering: bool = True) -> None:
        """Count words and ordered skip-grams within ``window`` (incremental)."""
        for batch in batches(texts):
            with items_checked(batch):
                if self._fast is not None:
                    self._inner.train_lines(batch, self._fast._inner, filtering=bool(filtering))
                else:
                    self._inner.train_callable(batch, self.tokenize, self.symbols, filtering=bool(filtering))

    def find(self, texts: Iterable[str], filtering: bool = True, remove_weak_grams: bool = True) -> dict[Template, int]:
        """Build ``self.templates`` (Template -> count, nlp-zero's order) from ``texts``."""
        self._inner.begin_find(bool(remove_weak_grams))
        for batch in batches(texts):
            with items_checked(batch):
                if self._fast is not None:
                    self._inner.find_lines(batch, self._fast._inner, filtering=bool(filtering))
                else:
                    self._inner.find_callable(batch, self.tokenize, self.symbols, filtering=bool(filtering))
        found, counts = self._inner.finish_find()
        self.templates = {Template._raw(t): c for t, c in zip(found, counts)}
        return self.templates

    @property
    def capped_chunks(self) -> int:
        return self._inner.capped_chunks

    def save(self, path: PathLike) -> None:
        """TSV ``count<TAB>trivial<TAB>n_words<TAB>template`` by count descending, atomically."""
        save_templates(self.templates, path)


def save_templates(templates: Mapping[Template, int], path: PathLike) -> None:
    from ._io import atomic_output

    with atomic_output(path) as f:
        f.write("count\ttrivial\tn_words\ttemplate\n")
        for t, c in sorted(templates.items(), key=lambda kv: -kv[1]):
            f.write(f"{c}\t{int(t.is_trivial())}\t{t.length}\t{t}\n")


def load_templates(path: PathLike) -> dict[Template, int]:
    """Read a file written by :func:`save_templates` (or ``template<TAB>count`` lines)."""
    from ._io import read_utf8

    out: dict[Template, int] = {}
    for n, line in enumerate(read_utf8(path).split("\n"), 1):
        line = line.rstrip("\r\n")
        if not line or line.startswith("count\t"):
            continue
        parts = line.split("\t")
        try:
            if len(parts) == 4:
                count, text = int(parts[0]), parts[3]
            elif len(parts) == 2:
                text, count = parts[0], int(parts[1])
            else:
                raise ValueError
        except ValueError:
            raise ValueError(f"{path}:{n}: expected 'count<TAB>trivial<TAB>n_words<TAB>template': {line!r}") from None
        t = Template.parse(text)
        if count < 0 or not t.length:
            raise ValueError(f"{path}:{n}: a template needs a word and a count >= 0: {line!r}")
        out[t] = count
    return out


class SentTree:
    """A parse tree: ``template`` (main template, placeholders for the blocks), ``content``
    (the words it covers, joined), ``modules`` (one SentTree per placeholder)."""

    def __init__(self, parsing: tuple, words: Sequence[str], start: int, end: int) -> None:
        positions, subs = parsing
        pos = set(positions)
        self.template = Template([words[i] if i in pos else None for i in range(start, end)])
        self.content = "".join(words[start:end])
        self.modules: list[SentTree] = []
        marks = (start - 1,) + tuple(positions) + (end,)
        k = 0
        for a, b in zip(marks, marks[1:]):
            if a + 1 < b:
                self.modules.append(SentTree(subs[k], words, a + 1, b))
                k += 1

    def plot(self, prefix: str = "+---> ") -> str:
        """nlp-zero's text drawing of the tree."""
        lines, head, k = [], "", 0
        for w in self.template:
            if w is None:
                lines.append(self.modules[k].plot("|     " + prefix))
                head += "(" + self.modules[k].content + ")"
                k += 1
            else:
                head += w
                lines.append("|     " + prefix + w)
        return "\n".join([prefix + head] + lines)

    def __str__(self) -> str:
        return self.plot()

    __repr__ = __str__

    def to_svg(self) -> str:
        """The tree as an SVG picture (see :func:`minent_fast.pictures.tree_svg`)."""
        from .pictures import tree_svg

        return tree_svg(self)

    def _repr_svg_(self) -> str:
        return self.to_svg()

    def save(self, path: PathLike) -> str:
        """Save the picture as .svg or .png (PNG needs the ``pictures`` extra)."""
        from .pictures import save

        return save(self.to_svg(), path)


class Parser:
    """Hierarchical decomposition of sentences by nested templates (article 3).

    ``templates``: a mapping Template/tuple -> count (e.g. ``TemplateFinder.templates``).
    Each span takes the template match maximising ln(count/total) plus the best scores of
    its blocks; a span no template matches is a flat run scored ``null_score`` per extra
    word. ``compat=True`` uses nlp-zero 0.1.6's over-matching XTrie.
    """

    def __init__(self, templates: Mapping[Any, int], tokenize: Callable[[str], list[str]],
                 null_score: float = -20.0, compat: bool = False) -> None:
        if not callable(tokenize):
            raise TypeError("tokenize must be callable (str -> list of words)")
        self._trie = _core.TemplateTrie()
        for t, c in templates.items():
            words = t.words if isinstance(t, Template) else Template(t).words
            if isinstance(c, bool) or not isinstance(c, int) or c < 0:
                raise ValueError(f"template count must be an int >= 0, got {c!r} for {t!r}")
            self._trie.set(list(words), c)
        self.tokenize = tokenize
        if not math.isfinite(null_score):
            raise ValueError("null_score must be finite")
        self.null_score = float(null_score)
        self.compat = bool(compat)

    @property
    def total(self) -> int:
        return self._trie.total

    def search(self, words: Sequence[str]) -> dict:
        """{(start, end): {literal positions: count}} — nlp-zero's ``XTrie.search`` output."""
        return self._trie.search(list(words), compat=self.compat)

    def parse_words(self, words: Sequence[str]) -> tuple[tuple, float]:
        """((positions, [sub-parses]), score) for already-tokenized words."""
        return self._trie.parse(list(words), null_score=self.null_score, compat=self.compat)

    def parse(self, sent: str) -> SentTree:
        words = list(self.tokenize(sent))
        parsing, _ = self.parse_words(words)
        return SentTree(parsing, words, 0, len(words))
