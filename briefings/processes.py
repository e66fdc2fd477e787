"""Processes the engine starts beside the one it runs in: how many cores it may use, and how
a helper process starts."""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing.context import SpawnContext


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def helper_context() -> SpawnContext:
    """How helpers start: spawned, as a fork of a process running threads (the bot's) may
    inherit a lock some thread held, never to be released in the fork."""
    return multiprocessing.get_context("spawn")
