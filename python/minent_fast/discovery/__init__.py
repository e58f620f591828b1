"""Stage 2, index → lexicon: the words of a corpus found without supervision.

- :mod:`.words`: :func:`discover_words` (branching-entropy autonomy, minimum-entropy
  re-estimation, MDL pruning) and :func:`entropy_report` (article 2's figures).
- :mod:`.wordfinder`: :class:`WordFinder`, nlp-zero 0.1.6's ``Word_Finder`` with
  identical output.

Both give a :class:`~minent_fast.Lexicon`; they segment with :mod:`minent_fast.segment`.
"""

from .wordfinder import WordFinder
from .words import autonomy_scores, discover_words, entropy_report

__all__ = ["WordFinder", "autonomy_scores", "discover_words", "entropy_report"]
