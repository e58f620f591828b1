"""Progress reporting: turns the core's (stage, done, total) callbacks into tqdm bars."""

from __future__ import annotations

import sys
from typing import Any, Callable, Optional, Union

ProgressArg = Union[None, bool, Callable[[str, int, int], Any]]

# Stages whose units are bytes (shown as MB/s); the others count symbols or rows.
_BYTE_STAGES = {"validate", "count chars", "encode", "write", "verify", "spill keys"}


class _TqdmProgress:
    """One tqdm bar per stage; closed when the stage changes or on close()."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._stage: Optional[str] = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm.auto import tqdm

        if stage != self._stage:
            self.close()
            self._stage = stage
            if stage == "idle":
                return
            unit = "B" if stage in _BYTE_STAGES else "it"
            self._bar = tqdm(
                total=total or None, desc=stage, unit=unit, unit_scale=True, leave=False, file=sys.stderr
            )
        if self._bar is not None:
            self._bar.n = done
            self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def make_progress(progress: ProgressArg) -> tuple[Optional[Callable[[str, int, int], Any]], Callable[[], None]]:
    """Map the public ``progress=`` argument to (callback or None, close function).

    ``None``/``False``: silent. ``True``: a tqdm bar on stderr. A callable is called as
    ``progress(stage, done, total)`` about ten times a second during long work.
    """
    if progress is None or progress is False:
        return None, lambda: None
    if progress is True:
        bar = _TqdmProgress()
        return bar, bar.close
    if callable(progress):
        return progress, lambda: None
    raise TypeError(f"progress must be None, a bool or a callable, not {type(progress).__name__}")
