"""Stage 3, lexicon → segmentation: word counts in, words of every sentence out.

- :mod:`.lexicon`: :class:`Lexicon` (word → count; TSV, jieba and Unigram exports).
- :mod:`.tokenize`: :class:`Tokenizer`, unigram Viterbi with nlp-zero ``Tokenizer``
  semantics, for strings, batches and whole files.
- :mod:`._default`: the bundled general dictionary and its on-disk trie cache.
"""

from .lexicon import Lexicon
from .tokenize import Tokenizer

__all__ = ["Lexicon", "Tokenizer"]
