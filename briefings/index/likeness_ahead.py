"""Undated reports compared with dated groups ahead of the walk, in a second process.

A regroup from nothing spends most of its undated phase comparing words: an undated report
that names a leader is compared with hundreds of the leader's groups (at 100,000 bench
articles, about 1.7 million cosines, a quarter of the regroup, on one core while the other
idles). A comparison depends only on the report and on the group as it then stands, and
most groups are still as their dated reports left them when an undated report's step comes
(93% of the comparisons at 100,000 bench articles, 94% at 10,000): the undated reports that
join a group are few beside those that look at it.

So while the walk goes through the dated reports, a helper process is given each dated
group as the walk closes it (its stored state, the text already written for it) and
compares it with every undated report that may join it: one sharing a principal, not ruled
out by its dates, and in a big corpus sharing a telling word (the tests the walk makes
before it compares words, ``events._likeness``). When the undated phase begins, the walk
takes the helper's figures: for each group no undated report has joined before the step,
the report's likeness to it (the principals they share, the cosine, whether the report
names one of them with a happening word). The walk reads such a group only if its score
is wanted (the likeliest few of hundreds); the groups that changed it reads and compares
itself.

A figure is what the walk would work out: the cosine the very same float (the same words
and weights in the same order, from the report's kept record, ``report_records``, against
the same centroid and length, read from the same stored state). So the events are the same
with or without the helper (the tests compare both), and a helper that fails only leaves
the walk to compare everything itself. A regroup of the 100,000 bench articles took 142
to 150 s without it, 103 s with it (and 99 s once the weighty words were indexed sorted).
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
from array import array
from collections.abc import Mapping, Sequence
from multiprocessing.process import BaseProcess
from typing import Any

from briefings.index import report_records
from briefings.index.event_state import GroupSummary, group_of
from briefings.index.events import (
    MIN_SIMILARITY_FURTHER,
    KnownLikeness,
    ReportCore,
    _cosine_of,
    _dated_otherwise,
    _Report,
)
from briefings.processes import cores, helper_context

log = logging.getLogger(__name__)

AHEAD_UNDATED = 2000
"""Undated reports a regroup must have for a helper to be worth starting (a process costs
about half a second to start, in parallel with the walk; at 10,000 bench articles there
are 979 undated reports, and their comparisons take under two seconds)."""
WAIT_POLL_SECONDS = 1.0
"""How often the walk, waiting for the helper's figures, looks whether it is still alive;
and the helper, waiting for a group, whether the walk is."""

Figures = tuple[bytes, bytes, bytes]
"""One report's figures, for the groups alike enough to it (``events._likeness``): their
founders (64-bit ints), the cosines (64-bit floats), and the principals it shares with each
(twice their number, plus one when it names one with a happening word: 64-bit ints), in the
same order."""


def worth_starting(undated: int) -> bool:
    """Whether a regroup with this many undated reports starts a helper."""
    return undated >= AHEAD_UNDATED and cores() > 1


class LikenessAhead:
    """The walk's side of the helper: start it, give it groups, take its figures."""

    def __init__(self, records: Mapping[int, bytes], common: frozenset[str], narrow: bool) -> None:
        context = helper_context()
        self._inbox: multiprocessing.Queue[Any] = context.Queue()
        self._outbox: multiprocessing.Queue[Any] = context.Queue()
        self._process: BaseProcess | None = context.Process(
            target=_compare, args=(self._inbox, self._outbox), daemon=True
        )
        self._process.start()
        # A queue's put returns at once (a thread of this process writes to the pipe), so
        # the walk never waits on the helper while it gives it work.
        self._inbox.put((dict(records), common, narrow))

    def group_closed(self, founder: int, state_text: str) -> None:
        """A dated group as the dated reports left it: its stored state's text."""
        if self._process is not None:
            self._inbox.put((founder, state_text))

    def figures(self) -> dict[int, Figures]:
        """Every figure the helper worked out, by report (waiting for it to finish); none
        when it failed."""
        process = self._process
        if process is None:
            return {}
        self._inbox.put(None)
        found: dict[int, Figures] = {}
        try:
            while True:
                try:
                    answer = self._outbox.get(timeout=WAIT_POLL_SECONDS)
                    break
                except queue.Empty:
                    if not process.is_alive():
                        log.warning("the helper comparing reports stopped: compared here")
                        return {}
            if isinstance(answer, dict):
                found = answer
            else:
                log.warning("the helper comparing reports failed (%s): compared here", answer)
        finally:
            self.close()
        return found

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()
        for box in (self._inbox, self._outbox):
            box.close()
            box.cancel_join_thread()  # (what is left unread in a queue is of no use now)


def known_likeness(
    figures: Figures, changed_since: Mapping[int, int], step: int
) -> list[KnownLikeness]:
    """A report's likeness to the groups that no undated report joined before its step
    (``changed_since``: founder → the first step at which the group changed)."""
    founders, cosines, shared = array("q"), array("d"), array("q")
    founders.frombytes(figures[0])
    cosines.frombytes(figures[1])
    shared.frombytes(figures[2])
    return [
        KnownLikeness(f, (s >> 1, c, bool(s & 1)))
        for f, c, s in zip(founders, cosines, shared, strict=True)
        if changed_since.get(f, step) >= step  # (one not there never changed)
    ]


# -- the helper ---------------------------------------------------------------------------------
def _compare(inbox: multiprocessing.Queue[Any], outbox: multiprocessing.Queue[Any]) -> None:
    """The helper's work: the reports first, then groups until None, then the figures."""
    try:
        records, common, narrow = _next(inbox)
        comparer = _Comparer(records, common, narrow)
        del records
        while (item := _next(inbox)) is not None:
            comparer.compare(*item)
        outbox.put(comparer.figures())
    except _WalkGone:
        return
    except BaseException as error:  # the walk compares for itself, whatever went wrong
        outbox.put(f"{type(error).__name__}: {error}")


class _WalkGone(Exception):
    """The process that started the helper ended without saying it was done (killed)."""


def _next(inbox: multiprocessing.Queue[Any]) -> Any:
    """The next item, or _WalkGone: this process holds both ends of the queue's pipe, so
    the walk's end would never be seen as the pipe's."""
    while True:
        try:
            return inbox.get(timeout=WAIT_POLL_SECONDS)
        except queue.Empty:
            parent = multiprocessing.parent_process()
            if parent is not None and not parent.is_alive():
                raise _WalkGone from None


class _Comparer:
    def __init__(self, records: Mapping[int, bytes], common: frozenset[str], narrow: bool):
        self.cores: dict[int, ReportCore] = {}
        for article_id, record in records.items():
            core = report_records.core_of(article_id, record)
            if core is not None:
                self.cores[article_id] = core
        self.telling = {i: core.top - common for i, core in self.cores.items()}
        self.narrow = narrow
        self.by_person: dict[str, list[int]] = {}
        for article_id, core in sorted(self.cores.items()):
            for person in core.people:
                self.by_person.setdefault(person, []).append(article_id)
        self.founders: dict[int, array[int]] = {}
        self.cosines: dict[int, array[float]] = {}
        self.shared: dict[int, array[int]] = {}

    def compare(self, founder: int, state_text: str) -> None:
        group = group_of(GroupSummary.from_json(founder, state_text), _no_reports, {})
        principals = group.principals
        reports: set[int] = set()
        for person in principals:
            reports.update(self.by_person.get(person, ()))
        weighty = group.weighty if self.narrow else None
        for article_id in sorted(reports):
            core = self.cores[article_id]
            if weighty is not None and weighty.isdisjoint(self.telling[article_id]):
                continue
            # (as ``events._likeness`` goes, from the shared principals on)
            if _dated_otherwise(core, group):
                continue
            cosine = _cosine_of(core.terms, core.weights, group.centroid, group.norm2)
            if cosine < MIN_SIMILARITY_FURTHER:
                continue
            shared = len(core.people & principals)
            linked = not principals.isdisjoint(core.referred)
            if article_id not in self.founders:
                self.founders[article_id] = array("q")
                self.cosines[article_id] = array("d")
                self.shared[article_id] = array("q")
            self.founders[article_id].append(founder)
            self.cosines[article_id].append(cosine)
            self.shared[article_id].append(2 * shared + linked)

    def figures(self) -> dict[int, Figures]:
        """Every report's figures: none, for one alike enough to no group."""
        empty = (b"", b"", b"")
        return {
            i: (founders.tobytes(), self.cosines[i].tobytes(), self.shared[i].tobytes())
            if (founders := self.founders.get(i)) is not None
            else empty
            for i in self.cores
        }


def _no_reports(ids: Sequence[int]) -> dict[int, _Report]:
    raise AssertionError("the helper compares groups by their stored state alone")
