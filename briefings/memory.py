"""The objects a process keeps after an ingest are moved out of the garbage collector's way.

A full collection walks every object the collector tracks: after an ingest that is the
libraries, the word tables and the caches, tens of thousands of objects that live as long
as the process. A briefing allocates enough to set one off now and then, and that briefing
then waits for the walk (on the 10k bench, the few slowest answers were those). So once an
ingest is done, the collector frees what is garbage, all of it (the objects settled before
too: a cache replaced since may hold cycles), and moves the survivors to its permanent
generation (gc.freeze), which collections skip. Objects settled so are still freed when
their last reference goes; only a cycle among them waits for the next settle.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def settle() -> None:
    """Collect everything, then keep what survived out of later collections' walks."""
    gc.unfreeze()  # what was settled before is looked at again: it may be garbage now
    gc.collect()
    gc.freeze()


def keep() -> None:
    """Move what the process holds now out of later collections' walks, without collecting:
    for what was just built to last (a command line's start-up, the name index of a corpus,
    tens of thousands of objects at 100k articles). Cheap; what it moves that turns out to be
    garbage in a cycle waits for the next settle."""
    gc.freeze()


@contextmanager
def paused() -> Iterator[None]:
    """No collection while the block runs: for a walk that builds what it keeps to the end
    (grouping's reports and groups, hundreds of thousands of objects at 10k articles). Each
    full collection in it would walk all of that again, about a tenth of a regroup's time;
    and the cycles such a walk leaves are few (on the 10k bench, 2% more unreachable objects
    at its end than with the collector on), so they wait for the settle that follows."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
