"""``minent-fast serve``: a local, read-only web explorer over an index.

One page (search box; count, KWIC lines with sorting and paging, the next-character
distribution, collocates; a sentence view with its branching-entropy curve, its
segmentation by the lexicon and its template parse as a tree) and a JSON API under
``/api`` with OpenAPI docs at ``/api/docs``. Every asset is inside the package and held
in memory: no request reaches the filesystem. Every query is bounded in length, limit and
time; a bad one gets a 4xx JSON error.
"""

from .app import DEFAULT_HOST, DEFAULT_PORT, load_app, make_app, run_app, run_workers, serve

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "load_app", "make_app", "run_app", "run_workers", "serve"]
