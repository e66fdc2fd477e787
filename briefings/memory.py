"""The objects a process keeps after an ingest are moved out of the garbage collector's way.

A full collection walks every object the collector tracks: after an ingest that is the
libraries, the word tables and the caches, tens of thousands of objects that live as long
as the process. A briefing allocates enough to set one off now and then, and that briefing
then waits for the walk (on the 10k bench, the few slowest answers were those). So once an
ingest is done, the collector frees what is garbage (all of it now and then, see settle), and
moves the survivors to its permanent generation (gc.freeze), which collections skip. Objects
settled so are still freed when their last reference goes; only a cycle among them waits
for the next full settle.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

FULL_SETTLE_GROWTH = 0.1
"""How much more a process may hold, frozen, than after its last full settle before the next
settle is a full one again (see settle)."""

_held_after_full = 0
"""How many objects were frozen after the last full settle (none yet: 0)."""


def settle() -> None:
    """Collect, then keep what survived out of later collections' walks.

    A full settle looks at every object again, those settled before too: a cache replaced
    since may hold cycles. That walk costs some 20 ms of CPU in a bot that holds a 100k
    corpus's caches, most of what it takes to add a feed's one article (after which little
    changed). So a settle collects only what was made since the last one, unless the process
    holds FULL_SETTLE_GROWTH more than after its last full settle: what a replaced cache left
    in cycles then waits, a tenth of what the process holds at most."""
    global _held_after_full
    gc.collect()  # frozen objects are not looked at: only those made since the last settle
    gc.freeze()
    if _held_after_full and gc.get_freeze_count() <= _held_after_full * (1 + FULL_SETTLE_GROWTH):
        return
    gc.unfreeze()  # what was settled before is looked at again: it may be garbage now
    gc.collect()
    gc.freeze()
    _held_after_full = gc.get_freeze_count()


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
