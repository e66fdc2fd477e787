"""A one-line progress bar for `ingest` on a terminal: files, articles per second, rejected.

Drawn on a stream that is a terminal (the CLI passes stderr, so stdout keeps only the
summary line); redrawn at most a few times a second so a fast ingest is not slowed by it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TextIO

from briefings.models import IngestProgress

# Redraws a second at most: smooth to the eye, invisible in the ingest's own time.
REDRAWS_PER_SECOND = 10
BAR_MIN_WIDTH = 10


class ProgressBar:
    """Draws IngestProgress on one terminal line, then erases it when done."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.started = clock()
        self._drawn_at = float("-inf")
        self._is_drawn = False

    def __call__(self, progress: IngestProgress) -> None:
        now = self.clock()
        is_last = progress.stage != "reading" or progress.files_done == progress.files_total
        if not is_last and now - self._drawn_at < 1 / REDRAWS_PER_SECOND:
            return
        self._drawn_at = now
        width = _columns(self.stream)
        self.stream.write("\r" + self.line(progress, now - self.started, width) + "\x1b[K")
        self.stream.flush()
        self._is_drawn = True

    def line(self, progress: IngestProgress, elapsed: float, width: int) -> str:
        """The bar and its figures, cut to `width` characters."""
        rate = progress.articles / elapsed if elapsed > 0 else 0.0
        figures = (
            f" {progress.files_done}/{progress.files_total} files"
            f"  {rate:,.1f} articles/s  {progress.rejected} rejected"
        )
        if progress.stage == "grouping":
            figures += "  grouping events…"
        room = width - len(figures) - 3
        if room < BAR_MIN_WIDTH:
            return figures.strip()[: width - 1]
        share = progress.files_done / progress.files_total if progress.files_total else 1.0
        filled = round(room * share)
        return f"[{'#' * filled}{'-' * (room - filled)}]{figures}"

    def close(self) -> None:
        """Erase the bar, leaving the line for what is printed next."""
        if self._is_drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._is_drawn = False


def _columns(stream: TextIO) -> int:
    """The width of the terminal `stream` writes to (80 when it cannot be told)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 80
