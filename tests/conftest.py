"""Shared pytest fixtures.

``shared_data`` is the read-only data directory that lives next to the repository
(``<repo>/../shared/data``). It is never copied into the repository; tests that need it
skip with a clear message when it is absent. Small inputs are generated into ``tmp_path``
by the tests themselves.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``<repo>/../shared/data``; skips the requesting test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"shared data directory not found at {SHARED_DATA} "
            "(expected ../shared/data next to the repository; it is not part of the repo)"
        )
    return SHARED_DATA
