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
