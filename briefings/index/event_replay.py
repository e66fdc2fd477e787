"""Placing articles among events without regrouping the corpus.

Over 400 lines: placement is one algorithm (find candidates, score, join or found an
event, decide again the undated reports a change touches) over one working state.

Grouping reads reports in a fixed order (see ``events``): dated ones by happening date, then
undated ones joining dated events, then the undated rest forming events of their own. Each
decision depends only on the groups as the reports before it left them. So when articles
are added, changed or removed, the order is gone through again from where they stand, and
only as far as their effects reach:

- a decision is taken again only for a changed report, or one whose candidates include a
  group that is no longer what it was (*divergent*): every other report keeps its group;
- a dated group can only be joined within ``LATE_DAYS`` of its last report, so a replay of
  the dated phase stops once the divergent groups are out of reach, or goes on from the
  next change (changes years apart leave the reports between them alone);
- undated reports that may be affected are found through the indexes (the people of a
  group, and in a big corpus the words that may be among its weightiest as the walk goes
  on, ``events.weighty_with``), never by reading every undated report;
- an undated report keeps its best choices of dated group with their scores
  (``event_choices``): decided again, it is scored only against the groups that
  changed before it, unless too little of what it kept stays known (or it kept nothing:
  a database written before the choices were kept gets them as its reports are decided
  again, or all at once from ``regroup``);
- a report is kept as built (``report_records``): decided again without having changed, it
  is read back rather than built again from its features; and when what bounds an undated
  report's score (its likeness, dates and towns) tells that no changed group can enter its
  choices, only that is read (``_keeps_choices``).

Groups are read back from the database as the decisions need them: a dated group from its
stored state, or from its members when a change falls within its span. ``regroup`` is the
same walk over every report, from nothing: the maintenance command (``briefings regroup``),
and what a change gets when it changes the word-weight sample (a corpus of FIRST_STEP
articles or fewer at every change, a bigger one as its sample grows a step: see
``term_weights``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import heapq
import itertools
import json
import sqlite3
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import cast

from briefings import memory
from briefings.extract.event_features import (
    EncodedFeatures,
    ReportFeatures,
    encoded_features_of,
    features_of,
)
from briefings.index import (
    event_choices,
    event_state,
    likeness_ahead,
    person_map,
    report_records,
    term_weights,
)
from briefings.index.event_choices import Choice, Choices
from briefings.index.event_state import (
    EventState,
    GroupSummary,
    Membership,
    group_of,
    summary_of,
)
from briefings.index.events import (
    LATE_DAYS,
    Alike,
    ReportCore,
    _Group,
    _principals,
    _Report,
    best_fitting_undated,
    best_group,
    best_undated_group,
    build_report,
    event_of,
    fitting_groups,
    undated_fitting_above,
    undated_may_fit_above,
    weighty_with,
)
from briefings.index.person_map import PersonMap, resolve_identity
from briefings.index.store import Store
from briefings.index.term_weights import SAMPLE_ARTICLES, TermWeights
from briefings.models import Article, Event

DATED, JOINED, ALONE = 1, 2, 3
FULL_REGROUP_SHARE = 0.5
"""When more than this share of the corpus changes at once, regrouping from nothing is cheaper."""
STATE_CACHE = 8000
"""Groups kept in memory while undated reports are placed; others are read again, and given
again the undated members they had gained: a cache smaller than the groups the undated
reports look at churns (at 100,000 bench articles, 3,684 dated groups: a regroup took
1,098 CPU s with 2,000 kept, 408 s with all of them, in the same peak memory once groups
no longer hold their reports)."""
REPORT_CACHE = 20000
FEW_CHANGED_GROUPS = 64
"""Up to this many changed groups, an undated report is scored against each of them; past
it, only against those of them the indexes find for it."""
READ_AHEAD = 256
"""Dated reports a regroup from nothing reads at once."""
READ_AHEAD_PLACING = 8
"""…and a walk placing a few articles: it may stop a few reports on (past the reach of the
changes), and a report read for nothing costs what a few queries do."""
RECORDS = ("kept_reports", "1")
"""The meta entry saying every undated report is kept as built (``report_records``), in the
records' present layout: a database written before is given them once, at its next
placement. (Dated reports are kept as a regroup or a placement builds them.)"""
NEVER = 1 << 62
LEFT_OVER = 0
"""The founder of an undated report that joined no dated event, until its own phase."""


def ensure_tables(store: Store) -> None:
    """Create what grouping keeps in the database, if it is not there (a new file, or one
    written before): once a connection, outside any transaction."""
    conn = store.db.conn
    present = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE name IN (SELECT value FROM json_each(?))",
        [json.dumps(event_state.LAST_CREATED)],
    ).fetchone()[0]
    if present < len(event_state.LAST_CREATED):
        with store.lock:
            event_state.create_tables(conn)
            person_map.create_tables(conn)
            conn.commit()


def keep_features(
    store: Store,
    saved: Sequence[tuple[int, Article]],
    encoded: Sequence[EncodedFeatures | None] | None = None,
) -> None:
    """Store what grouping reads of just-saved articles (in their transaction): the
    features of the English ones; the others are no report of any event. ``encoded``, when
    given, holds each one's features as its analysing process worked them out."""
    state = EventState(store.db.conn)
    if encoded is None:
        encoded = [encoded_features_of(a) for _, a in saved]
    state.save_encoded_features(
        (i, e) for (i, a), e in zip(saved, encoded, strict=True) if a.is_english and e
    )
    state.delete_features(i for i, a in saved if not a.is_english)


def regroup(store: Store, *, sample_size: int | None = None) -> None:
    """Group every English article into events from nothing (maintenance)."""
    with store.transaction(), memory.paused():
        state = EventState(store.db.conn)
        _complete_features(store, state)
        weights = _refresh_sample(state, sample_size, force=True)
        identity = resolve_identity(store, changed_articles=None)
        _regroup(store, state, weights, identity.map)


def place(store: Store, changed: Iterable[int], *, sample_size: int | None = None) -> None:
    """Place added, changed or removed articles (by id) among the events."""
    changed = set(changed)
    with store.transaction(), memory.paused():
        state = EventState(store.db.conn)
        changed |= _complete_features(store, state)
        changed |= set(state.unplaced())
        state.clear_unplaced()
        if not changed:
            return
        weights, resampled = _sample_weights(state, sample_size, changed)
        identity = resolve_identity(store, changed_articles=changed)
        if resampled:
            _regroup(store, state, weights, identity.map)
            return
        changed |= identity.changed_articles
        # Only whether the corpus is larger than the change's share of it matters.
        corpus = max(state.feature_count(at_most=int(len(changed) / FULL_REGROUP_SHARE) + 1), 1)
        if len(changed) > FULL_REGROUP_SHARE * corpus:
            _regroup(store, state, weights, identity.map)
            return
        Placement(store, state, identity.map, weights, narrow=_narrow(state, weights)).run(changed)


def _regroup(store: Store, state: EventState, weights: TermWeights, persons: PersonMap) -> None:
    # The events and the articles' places in them are left as they are until the walk
    # writes what changed (``Placement._write``): nothing the walk reads comes from them.
    state.clear_derived()
    Placement(store, state, persons, weights, narrow=_narrow(state, weights), full=True).run(
        set(state.feature_ids())
    )


def _narrow(state: EventState, weights: TermWeights) -> bool:
    # Weighty words find events once the sample is full: in a corpus that size, words
    # of one article alone stop being what its weights are made of.
    return weights.total >= int(state.meta("sample_limit") or SAMPLE_ARTICLES)


# -- the words' weights -------------------------------------------------------------------------
def _sample_weights(
    state: EventState, sample_size: int | None, changed: set[int]
) -> tuple[TermWeights, bool]:
    """The weights, and whether the sample they are counted over changed (then everything
    must be regrouped: every report's weights moved)."""
    size = sample_size or int(state.meta("sample_limit") or SAMPLE_ARTICLES)
    members = _sample_ids(state, size)
    stored = state.sample_members()
    if members == stored and not changed.intersection(members):
        return state.weights(), False
    return _refresh_sample(state, size, force=True), True


def _sample_ids(state: EventState, limit: int) -> list[int]:
    """The first articles (by id) of the sample a corpus this size has (``sample_size``)."""
    size = term_weights.sample_size(state.feature_count(at_most=limit), limit)
    rows = state.conn.execute(
        "SELECT article_id FROM report_features ORDER BY article_id LIMIT ?", [size]
    )
    return [r[0] for r in rows]


def _refresh_sample(state: EventState, sample_size: int | None, *, force: bool) -> TermWeights:
    size = sample_size or int(state.meta("sample_limit") or SAMPLE_ARTICLES)
    state.set_meta("sample_limit", str(size))
    members = _sample_ids(state, size)
    features = state.features(members)
    weights = TermWeights.counted(features[i].terms for i in members if i in features)
    state.replace_sample(weights, members)
    return weights


# -- features of articles stored before they were kept ------------------------------------------
def _complete_features(store: Store, state: EventState) -> set[int]:
    """Work out the features of English articles that have none (a database written by an
    older version), and forget those of articles that are gone or no longer English: once,
    after an upgrade (since, articles are saved with their features)."""
    conn = state.conn
    if state.meta("features") == "complete":
        return set()
    missing = [
        r[0]
        for r in conn.execute(
            "SELECT a.id FROM articles a LEFT JOIN report_features f ON f.article_id = a.id "
            "WHERE a.language = 'en' AND f.article_id IS NULL"
        )
    ]
    stale = [
        r[0]
        for r in conn.execute(
            "SELECT f.article_id FROM report_features f LEFT JOIN articles a ON a.id = f.article_id "
            "WHERE a.id IS NULL OR a.language IS NOT 'en'"
        )
    ]
    if stale:
        state.delete_features(stale)
    for start in range(0, len(missing), 500):
        state.save_features(features_from_store(store, missing[start : start + 500]))
    state.set_meta("features", "complete")
    return set(missing) | set(stale)


def features_from_store(store: Store, ids: Sequence[int]) -> list[ReportFeatures]:
    """Features of stored articles, from their rows (what ingest works out from the analysis)."""
    rows = {
        r["id"]: r
        for r in store._rows(
            "SELECT id, title, text, published, event_hints, partial_date, picture_dates "
            "FROM articles WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(list(ids))],
        )
    }
    mentions = store.raw_mentions(ids)
    places: dict[int, list[str]] = {}
    for article_id, name in store.entities(ids, "place"):
        places.setdefault(article_id, []).append(name)
    leads: dict[int, list[tuple[int, str]]] = {}
    for sentence in store.lead_sentences(ids, 3):
        leads.setdefault(sentence.article_id, []).append((sentence.index, sentence.text))
    found = []
    for article_id in ids:
        row = rows[article_id]
        partial = row["partial_date"]
        found.append(
            features_of(
                article_id,
                title=row["title"],
                text=row["text"],
                published=dt.date.fromisoformat(row["published"]) if row["published"] else None,
                hints=[dt.date.fromisoformat(d) for d in json.loads(row["event_hints"] or "[]")],
                partial=(int(partial[:2]), int(partial[3:])) if partial else None,
                pictures=[
                    dt.date.fromisoformat(d) for d in json.loads(row["picture_dates"] or "[]")
                ],
                mentions=mentions.get(article_id, []),
                places=places.get(article_id, []),
                lead=leads.get(article_id, []),
            )
        )
    return found


# -- the walk -----------------------------------------------------------------------------------
@dataclass
class _Progress:
    """A group as the undated reports before some step left it."""

    group: _Group
    cursor: int
    """The group holds the undated members with ids below this."""


class Placement:
    """One walk through the grouping order over the stored state (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        state: EventState,
        persons: PersonMap,
        weights: TermWeights,
        *,
        narrow: bool,
        full: bool = False,
    ) -> None:
        self.store = store
        self.state = state
        self.persons = persons
        self.weights = weights
        self.narrow = narrow
        """Undated reports look for events by their telling words (a corpus past the sample:
        see ``events.WEIGHTIEST_TERMS`` and ``term_weights.COMMON_SHARE``)."""
        self.full = full
        """Every report is placed again, from nothing."""
        self._reports: OrderedDict[int, _Report] = OrderedDict()
        self._records: dict[int, bytes] = {}
        """Kept records of undated reports read ahead, not yet read as reports: most of
        those an added article calls for need only their likeness (``_keeps_choices``)."""
        self._recorded: set[int] = set()
        """Reports whose kept record this walk wrote (see ``_record_holds``)."""
        self._places: dict[tuple[int, ...], str | None] = {}
        """Places of groups worked out in this walk (see ``_Group.places_known``)."""
        self._stored: dict[int, Membership] = {}
        self._members: dict[int, list[tuple[int, int, dt.date | None]]] = {}
        self.changed: set[int] = set()
        self.old: dict[int, Membership] = {}
        """Where the changed reports were."""
        self.gone: set[int] = set()
        """Changed articles no longer grouped (removed, or no longer English)."""
        self.decided: dict[int, Membership] = {}
        """The decisions taken again in this walk; every other report keeps its stored one."""
        self._decided_into: dict[tuple[int, int], set[int]] = {}
        """(founder, phase) → the reports decided into that group in this walk."""
        self.choices: dict[int, Choices] = {}
        """The dated groups each undated report decided again could join."""
        self._stored_choices: dict[int, Choices | None] = {}
        self._undated_members: dict[tuple[int, int], list[int]] = {}
        self._joined_in_order: dict[int, list[int]] = {}
        """From nothing: founder → the undated reports that joined the dated group, in the
        order they did (see ``_advance``)."""
        # Dated groups: those open around the walk's date, and those not what they were.
        self.open: dict[int, _Group] = {}
        self.divergent: set[int] = set()
        self.emptied: set[int] = set()
        self._stored_last: dict[int, dt.date] = {}
        self._dated_near: tuple[dt.date, list[tuple[tuple[dt.date, int], int]]] | None = None
        """The stored dated members near the last day the walk looked at (see
        ``_stored_dated_near``)."""
        self.reach = dt.date.min
        """The walk through dated reports can stop past this day."""
        # Undated reports: from which step on each group is not what it was.
        self.joined_from: dict[int, int] = {}
        self.alone_from: dict[int, int] = {}
        self._dated_prominent: dict[int, Counter[str] | None] = {}
        """Dated groups' people in titles and leads, as their dated reports left them (None:
        emptied), read once a walk for ``_principals_ever`` (they are stored as the dated
        phase closes each group, and do not change after it)."""
        self._near_asked: dict[int, tuple[int, frozenset[str], frozenset[str], set[int]]] = {}
        """Dated group → the last search of ``_undated_near`` for it: after which step, by
        which principals and words, and what it found (see there)."""
        self._joined: OrderedDict[int, _Progress] = OrderedDict()
        self._states_read: dict[int, tuple[GroupSummary | None, GroupSummary | None]] = {}
        """Dated groups' stored states, read ahead for ``_stored_state``: (as their dated
        reports left them, as all their undated members did when that is what is wanted)."""
        self._alone: OrderedDict[int, _Progress] = OrderedDict()
        self._alone_by_term: dict[str, set[int]] = {}
        """Weighty word → the members of groups of undated reports read so far that have it
        among theirs (``_alone_sharing``)."""
        self._alone_read: set[int] = set()
        self.touched: set[int] = set()
        """Founders of the groups whose events must be written again."""
        self._founders_by_person: dict[str, set[int]] = {}
        """From nothing: person → the dated groups naming them, as written to group_people
        so far (what ``founders_with_people`` would read, without a query per report)."""
        self._alone_naming: dict[str, set[int]] = {}
        """Person → the groups of undated reports group_people names them in, read once a
        person a walk and kept as the walk writes it (each step of that phase asks for its
        report's people, and a leader's are in thousands of groups)."""
        self._closed_events: dict[int, _ClosedEvent] = {}
        """From nothing: the event each dated group makes as the dated phase closes it, with
        its reports still in memory. One that no undated report joins is written as it is
        (most are: at 100,000 bench articles, 3,199 of 3,666), not built again from its
        reports read back (``_write``)."""
        self._ahead: likeness_ahead.LikenessAhead | None = None
        """From nothing, in a big corpus: the helper comparing undated reports with dated
        groups while the walk goes through the dated reports (``likeness_ahead``)."""
        self._figures: dict[int, likeness_ahead.Figures] = {}
        """What the helper worked out, by undated report, for the undated phase."""
        self._founders_by_term: dict[str, set[int]] = {}
        """From nothing: weighty word → the dated groups whose reports so far have it among
        theirs (what the top-terms index and the decisions say, without reading either;
        a regroup from nothing never takes back a report's dated group)."""

    # -- reading ---------------------------------------------------------------------------
    def reports(self, ids: Iterable[int]) -> dict[int, _Report]:
        """The reports, as kept (``report_records``) or built from their features (then
        kept: built, a report costs twice what reading it back does, and an added article
        decides again hundreds of dated reports near a leader's events, each time one is
        added)."""
        ids = list(ids)
        missing = [i for i in ids if i not in self._reports]
        self._read_records([i for i in missing if self._record_holds(i)])
        missing = [i for i in missing if i not in self._reports]
        if missing:
            features = self.state.features(missing)
            self.persons.prepare(n.key for f in features.values() for n in f.names)
            built = [
                build_report(f, self.persons.person_of, self.weights) for f in features.values()
            ]
            self._reports.update((r.id, r) for r in built)
            self._keep_records(built)
        found = {i: r for i in ids if (r := self._reports.get(i)) is not None}
        # Only then are the oldest forgotten: some of those just asked for may be among them.
        while len(self._reports) > REPORT_CACHE:
            self._reports.popitem(last=False)
        return found

    def _record_holds(self, article_id: int) -> bool:
        """Whether a kept record of the report is the report this walk would build: one
        written in this walk, or that of a report that did not change (kept records are
        written whenever a report is indexed, see ``report_records``)."""
        if article_id in self._recorded:
            return True
        return not self.full and article_id not in self.changed

    def _read_records(self, ids: Sequence[int]) -> None:
        """Read these reports as kept (``report_records``): those without a record, or
        with one that cannot be read, are left to be built (and kept again)."""
        records = {i: r for i in ids if (r := self._records.pop(i, None)) is not None}
        unread = [i for i in ids if i not in records]
        records.update(self.state.kept_reports(unread) if unread else {})
        for i, record in records.items():
            if (kept := report_records.report_of(i, record)) is not None:
                self._reports[i] = kept

    def _keep_records(self, reports: Iterable[_Report]) -> None:
        """Keep reports as built (``report_records``), once a walk."""
        rows = [(r.id, report_records.record_of(r)) for r in reports if r.id not in self._recorded]
        self.state.save_kept_reports(rows)
        self._recorded.update(i for i, _ in rows)

    def report(self, article_id: int) -> _Report | None:
        return self.reports([article_id]).get(article_id)

    def stored_of(self, article_id: int) -> Membership | None:
        """The stored decision of an unchanged report (None for a changed one)."""
        if self.full or article_id in self.changed:
            return None
        self._read_stored([article_id])
        return self._stored.get(article_id)

    def _read_stored(self, ids: Iterable[int]) -> None:
        """Read the stored decisions of these unchanged reports (``stored_of``) not read
        yet, in one query."""
        if self.full:
            return
        unread = [i for i in ids if i not in self._stored and i not in self.changed]
        if unread:
            self._stored.update(self.state.memberships(unread))

    def before_walk(self, article_id: int) -> Membership | None:
        """Where a report was before this walk."""
        if article_id in self.changed:
            return self.old.get(article_id)
        return self.stored_of(article_id)

    def members_of(self, founder: int) -> list[tuple[int, int, dt.date | None]]:
        """The stored members of a group: (id, phase, happened)."""
        if self.full:
            return []
        if founder not in self._members:
            self._members.update(self.state.members_of([founder]))
            self._members.setdefault(founder, [])
        return self._members[founder]

    def memberships(self, ids: Iterable[int]) -> dict[int, Membership]:
        """Where reports stand in this walk: decided now, else as stored."""
        found: dict[int, Membership] = {}
        rest = []
        for i in ids:
            if i in self.decided:
                found[i] = self.decided[i]
            elif i not in self.changed and not self.full:
                rest.append(i)
        if rest:
            missing = [i for i in rest if i not in self._stored]
            if missing:
                self._stored.update(self.state.memberships(missing))
            found.update((i, self._stored[i]) for i in rest if i in self._stored)
        return found

    def _loader(self, ids: Sequence[int]) -> dict[int, _Report]:
        return self.reports(ids)

    def _decide(self, article_id: int, membership: Membership) -> None:
        self._undecide(article_id)
        self.decided[article_id] = membership
        self._decided_into.setdefault((membership.founder, membership.phase), set()).add(article_id)
        if self.full and membership.phase == JOINED:
            in_order = self._joined_in_order.setdefault(membership.founder, [])
            assert not in_order or in_order[-1] < article_id, "decided out of order"
            in_order.append(article_id)
        if self.full and membership.phase in (DATED, JOINED):
            report = self.report(article_id)
            for term in report.top if report is not None else ():
                self._founders_by_term.setdefault(term, set()).add(membership.founder)

    def _undecide(self, article_id: int) -> None:
        old = self.decided.pop(article_id, None)
        assert not (self.full and old is not None and old.phase in (DATED, JOINED)), "undone"
        if old is not None:
            self._decided_into[(old.founder, old.phase)].discard(article_id)

    def stored_choices(self, article_id: int) -> Choices | None:
        """The stored choices of an unchanged undated report (None when they must be worked
        out from nothing)."""
        if self.full or article_id in self.changed:
            return None
        if article_id not in self._stored_choices:
            self._stored_choices.update(self.state.choices([article_id]))
            self._stored_choices.setdefault(article_id, None)
        return self._stored_choices[article_id]

    # -- the walk --------------------------------------------------------------------------
    def run(self, changed: set[int]) -> None:
        self.changed = set(changed)
        if not self.full:
            self.old = self.state.memberships(sorted(changed))
            self.touched |= {m.founder for m in self.old.values()}
        present = set(self.state.features(sorted(changed))) if not self.full else self.changed
        self.gone = self.changed - present
        # From nothing, the dated reports are indexed as the walk reads them (one reading
        # of the corpus fewer); the undated ones before it, as the walk's later phases find
        # them through the indexes.
        self._complete_records()
        undated = self.state.undated_ids() if self.full else []
        self._index_reports(undated if self.full else sorted(present))
        try:
            if self.full and likeness_ahead.worth_starting(len(undated)):
                # (their records were all just kept, by ``_index_reports``)
                records = self.state.kept_reports(undated)
                self._ahead = likeness_ahead.LikenessAhead(
                    records, self.weights.common, self.narrow
                )
            self._dated_phase(present)
            if self._ahead is not None:
                self._figures = self._ahead.figures()
            self._joined_phase(present)
        finally:
            self._figures = {}
            if self._ahead is not None:
                self._ahead.close()
                self._ahead = None
        self._alone_phase()
        self._write()
        self._forget()

    def _forget(self) -> None:
        """Let go of the groups and reports the walk read. Its groups read their reports
        through it (``_loader``): left to themselves, they and it are a cycle that only the
        collector frees, and its first collection after the walk (paused, see ``memory``)
        would go through every object the walk made (86 ms of adding one article at 100k)."""
        for cache in (
            self.open,
            self._joined,
            self._alone,
            self._reports,
            self._places,
            self._records,
            self._alone_naming,
            self._closed_events,
        ):
            cache.clear()

    def _index_reports(self, ids: Sequence[int]) -> None:
        """The indexes other reports find these through: their weighty words, and the
        people of the undated ones; and the undated ones kept as built."""
        state = self.state
        if self.gone:
            state.delete_undated_people(self.gone)
            state.delete_top_terms(self.gone)
            state.delete_kept_reports(self.gone)
        for chunk in range(0, len(ids), 500):
            reports = self.reports(ids[chunk : chunk + 500])
            for article_id, report in reports.items():
                state.set_top_terms(article_id, report.top, report.happened is not None)
                if report.happened is None:
                    state.set_undated_people(article_id, report.people)
                elif not self.full:
                    state.delete_undated_people([article_id])

    def _complete_records(self) -> None:
        """Keep every undated report as built, once, in a database written before they
        were kept or in another layout (a regroup from nothing has just kept them all); the
        dated ones kept in another layout are forgotten, to be kept again as built."""
        name, version = RECORDS
        if self.state.meta(name) == version:
            return
        if not self.full:
            self.state.delete_kept_dated_reports()
            unchanged = [i for i in self.state.undated_ids() if i not in self.changed]
            for chunk in range(0, len(unchanged), 500):
                self.reports(unchanged[chunk : chunk + 500])  # (built, when not kept, and kept)
        self.state.set_meta(name, version)

    # -- dated reports ---------------------------------------------------------------------
    def _dated_phase(self, present: set[int]) -> None:
        removals = sorted(
            (m.happened, i) for i, m in self.old.items() if m.phase == DATED and m.happened
        )
        if self.full:
            start: tuple[dt.date, int] | None = (dt.date.min, 0)
            added: list[tuple[dt.date, int]] = []
            pending: set[int] = set()
        else:
            added = sorted(
                r.key for r in self.reports(sorted(present)).values() if r.happened is not None
            )
            pending = {i for _, i in added}
            starts = removals[:1] + added[:1]
            start = min(starts) if starts else None
        if start is None:
            return
        removal_at = 0
        after: tuple[dt.date, int] | None = (start[0], start[1] - 1)
        while after is not None:
            resume, after = after, None
            for key in self._read_ahead(self.state.dated_keys(after=resume)):
                while removal_at < len(removals) and removals[removal_at] <= key:
                    self._diverge(self.old[removals[removal_at][1]].founder, removals[removal_at])
                    removal_at += 1
                self._close_groups(key[0])
                if not self.full and key[0] > self.reach:
                    if removal_at == len(removals) and not pending:
                        break
                    # Past the reach of every change so far, each report keeps its stored
                    # group until the next change: the walk goes on from there (changes
                    # far apart in time, as a renamed person's articles are, would
                    # otherwise have it read every report between them).
                    following = [removals[removal_at]] if removal_at < len(removals) else []
                    following += [next(k for k in added if k[1] in pending)] if pending else []
                    target = min(following)
                    if target > key:
                        self._skip_to(target)
                        after = (target[0], target[1] - 1)
                        break
                self._dated_step(key)
                pending.discard(key[1])
        while removal_at < len(removals):
            self._diverge(self.old[removals[removal_at][1]].founder, removals[removal_at])
            removal_at += 1
        self._close_groups(dt.date.max)
        if self.full:
            self.state.add_staged_top_terms()

    def _read_ahead(self, keys: Iterator[tuple[dt.date, int]]) -> Iterator[tuple[dt.date, int]]:
        """From nothing, the walk reads every dated report: a chunk at a time, ahead of it,
        each chunk's weighty words indexed at once (a few queries, not some for each).
        Placing a few, the reports next and where they are stored are read a few at a time
        (at 100,000 articles, a walk takes a hundred to three hundred steps)."""
        if not self.full:
            while chunk := list(itertools.islice(keys, READ_AHEAD_PLACING)):
                ids = [i for _, i in chunk]
                self.reports(ids)
                self._read_stored(ids)
                yield from chunk
            return
        while chunk := list(itertools.islice(keys, READ_AHEAD)):
            reports = self.reports([i for _, i in chunk])
            # (indexed all at once as the phase ends: nothing reads them before)
            self.state.stage_top_terms((i, r.top, True) for i, r in reports.items())
            yield from chunk

    def _skip_to(self, key: tuple[dt.date, int]) -> None:
        """Leave out the dated reports before ``key`` (past the reach of every change):
        the copies of stored groups in memory would miss them, so they are forgotten and
        read again as the walk needs them."""
        assert not self.divergent.intersection(self.open), "a changed group is still open"
        self.open.clear()

    def _dated_step(self, key: tuple[dt.date, int]) -> None:
        day, article_id = key
        report = self.reports([article_id]).get(article_id)
        if report is None:
            return
        stored = self.stored_of(article_id)
        if stored is not None and stored.phase != DATED:
            stored = None
        affected = stored is None or stored.founder in self.divergent
        if not affected:
            affected = any(
                f in self.open
                and self._is_open(self.open[f], day)
                and bool(report.people & self.open[f].people.keys())
                for f in self.divergent
            )
        if not affected:
            assert stored is not None
            group = self.open.get(stored.founder)
            if group is not None:
                group.add(report)
            return
        best = best_group(report, self._open_candidates(report, key))
        if best is None:
            best = self._start_group(article_id, key)
        best.add(report)
        self._decide(article_id, Membership(best.founder, DATED, day))
        if stored is None or stored.founder != best.founder or article_id in self.changed:
            self._diverge(best.founder, key)
            if stored is not None:
                self._diverge(stored.founder, key)

    def _start_group(self, founder: int, key: tuple[dt.date, int]) -> _Group:
        group = _Group(founder=founder, rank=key, loader=self._loader, places_known=self._places)
        self.open[founder] = group
        self.emptied.discard(founder)
        return group

    @staticmethod
    def _is_open(group: _Group, day: dt.date) -> bool:
        return bool(group.dates) and group.dates[-1] >= day - dt.timedelta(days=LATE_DAYS)

    def _open_candidates(self, report: _Report, key: tuple[dt.date, int]) -> list[_Group]:
        """The dated groups the report could join: open around its date, sharing a person."""
        day = key[0]
        found = {f: g for f, g in self.open.items() if g.members and self._is_open(g, day)}
        if not self.full:
            founders = {
                f
                for member, f in self._stored_dated_near(day)
                if f not in found
                and f not in self.divergent
                and member[1] not in self.changed
                and member < key
            }
            if founders and report.people:
                founders = self.state.founders_sharing(founders, report.people)
            else:
                founders = set()
            for founder in sorted(founders):
                group = self._materialise(founder, key)
                if group is not None and self._is_open(group, day):
                    found[founder] = group
        return list(found.values())

    def _stored_dated_near(self, day: dt.date) -> list[tuple[tuple[dt.date, int], int]]:
        """The stored dated members dated from ``LATE_DAYS`` before the day to the day:
        (their key, their founder). Read once a day (the walk goes through the days in
        order, and the members are written once it is done): a replay near a leader's
        events decides again hundreds of dated reports, most of them on the same few days."""
        if self._dated_near is None or self._dated_near[0] != day:
            since = day - dt.timedelta(days=LATE_DAYS)
            rows = self.state.conn.execute(
                "SELECT article_id, founder, happened FROM event_members WHERE phase = 1 "
                "AND happened BETWEEN ? AND ?",
                [since.isoformat(), day.isoformat()],
            )
            members = [((dt.date.fromisoformat(h), a), f) for a, f, h in rows]
            self._dated_near = (day, members)
        return self._dated_near[1]

    def _materialise(self, founder: int, key: tuple[dt.date, int]) -> _Group | None:
        """A stored dated group as it stood just before ``key``, open in memory from now on."""
        if founder in self.open:
            return self.open[founder]
        stored = [
            (happened, article_id)
            for article_id, phase, happened in self.members_of(founder)
            if phase == DATED and happened is not None
        ]
        if stored:
            self._stored_last[founder] = max(d for d, _ in stored)
        members = {
            m for m in stored if m < key and m[1] not in self.changed and m[1] not in self.decided
        }
        members |= {
            (m.happened, i)
            for i, m in self.decided.items()
            if m.founder == founder and m.phase == DATED and m.happened and (m.happened, i) < key
        }
        if not members:
            return None
        before = sorted(members)
        group = None
        if before == sorted(stored):
            summary = self.state.summaries([founder], centroid=False).get(founder)
            if summary is not None:
                group = group_of(summary, self._loader, self._places)
        if group is None:
            group = _Group(
                founder=founder, rank=before[0], loader=self._loader, places_known=self._places
            )
            reports = self.reports(i for _, i in before)
            for _, article_id in before:
                group.add(reports[article_id])
        self.open[founder] = group
        return group

    def _diverge(self, founder: int, key: tuple[dt.date, int]) -> None:
        """From ``key`` on, the dated group is not what it was."""
        self.touched.add(founder)
        if founder not in self.divergent:
            self.divergent.add(founder)
            if founder not in self.open and self._materialise(founder, key) is None:
                self._start_group(founder, key)
        group = self.open.get(founder)
        last = self._stored_last.get(founder, key[0])
        if group is not None and group.dates:
            last = max(last, group.dates[-1])
        self.reach = max(self.reach, last + dt.timedelta(days=LATE_DAYS))

    def _close_groups(self, day: dt.date) -> None:
        """Groups no dated report can join any more leave memory; a divergent one leaves
        its dated state in the database."""
        closing = [f for f, g in self.open.items() if not self._is_open(g, day)]
        for founder in closing:
            group = self.open.pop(founder)
            if founder not in self.divergent:
                continue
            self._dated_prominent.pop(founder, None)  # (stored again just below)
            if group.members:
                summary = summary_of(group)
                text = summary.to_json()
                self.state.save_summary_texts([(summary, text)])
                if self._ahead is not None:
                    self._ahead.group_closed(founder, text)
                if self.full:
                    event, inferred = event_of(group)
                    self._closed_events[founder] = _ClosedEvent(event, inferred, list(group.people))
                self._add_dated_people(founder, group.people)
            else:
                self.emptied.add(founder)
                self.state.delete_summaries([founder])

    # -- undated reports joining dated events -------------------------------------------------
    def _joined_phase(self, present: set[int]) -> None:
        work: list[int] = []
        if self.full:
            work = self.state.undated_ids()
        else:
            for i in present:
                heapq.heappush(work, i)
            for i, m in self.old.items():
                if m.phase == JOINED:
                    heapq.heappush(work, i)
            for founder in sorted(self.divergent):
                self.joined_from[founder] = 0
                for i in self._undated_near(founder, after=0, alone=False):
                    heapq.heappush(work, i)
            self._prefetch(work)
        done: set[int] = set()
        while work:
            i = heapq.heappop(work)
            if i not in done:
                done.add(i)
                self._joined_step(i, work)

    def _joined_step(self, article_id: int, work: list[int]) -> None:
        old = self.before_walk(article_id)
        if old is not None and old.phase == JOINED and self._keeps_choices(article_id, old):
            self._records.pop(article_id, None)
            return
        report = self.report(article_id)
        old_founder = old.founder if old is not None and old.phase == JOINED else None
        if report is None or report.happened is not None:
            if old_founder is not None:
                self._diverge_joined(old_founder, article_id, work)
            return
        stored = self.stored_choices(article_id) if old is not None else None
        choices = None
        if stored is not None:
            # Only groups that changed before this step can fit otherwise than stored.
            changed = self._changed_before(report, article_id, stored)
            if not changed:
                return
            groups = self._groups_among(report, article_id, changed)
            if stored.complete or not stored.choices:
                scored = fitting_groups(report, groups)
            else:
                # Only a group scoring at least the last kept one can be among those kept.
                scored = undated_fitting_above(report, groups, stored.last_score)
            choices = stored.rechosen(changed, [_choice(g, score) for g, score in scored])
        if choices is None:
            candidates = self._joined_candidates(report)
            choices = self._best_choices(report, article_id, candidates)
        if choices != stored:  # what is kept already need not be written again
            self.choices[article_id] = choices
        best = choices.best
        new_founder = best.founder if best is not None else None
        if best is not None:
            self._decide(article_id, Membership(best.founder, JOINED, None))
            if article_id in self.changed or new_founder != old_founder:
                # (a member staying where it was has its people there already)
                self._add_dated_people(best.founder, report.people)
        else:
            self._decide(article_id, Membership(LEFT_OVER, ALONE, None))
        if article_id in self.changed or new_founder != old_founder:
            for founder in sorted({f for f in (new_founder, old_founder) if f is not None}):
                self._diverge_joined(founder, article_id, work)

    def _keeps_choices(self, article_id: int, old: Membership) -> bool:
        """Whether an unchanged undated report that joined a dated group keeps its stored
        choices, and so its group, as what bounds its score against the groups that
        changed before it tells (``undated_may_fit_above``): none of them is among its
        choices, and none may score as much as the last of them, or fit it at all when
        they are complete. Worked out from what that needs of the report (its likeness,
        dates and towns: ``report_records.core_of``), without reading the rest of it:
        most of the reports an added article calls for are told so. Otherwise the step
        reads it in full."""
        stored = self.stored_choices(article_id)
        if stored is None or not stored.founders:
            return False
        if old.founder != stored.founders[0]:
            return False
        core = self._core(article_id)
        if core is None:
            return False
        changed = self._changed_before(core, article_id, stored)
        if not changed:
            return True  # as the step would find with the report read in full
        if not changed.isdisjoint(stored.founders):
            return False
        groups = self._groups_among(core, article_id, changed)
        # (complete choices are every group that fits it: one more would score above 0.0)
        floor = 0.0 if stored.complete else stored.last_score
        return not undated_may_fit_above(core, groups, floor)

    def _core(self, article_id: int) -> ReportCore | _Report | None:
        """What bounding the score of an unchanged undated report needs: the report, when
        read, or the first part of its kept record; None when that cannot be read."""
        report = self._reports.get(article_id)
        if report is not None:
            return report
        if not self._record_holds(article_id):
            return None
        record = self._records.get(article_id)
        if record is None:
            record = self.state.kept_reports([article_id]).get(article_id)
            if record is None:
                return None
            self._records[article_id] = record
        return report_records.core_of(article_id, record)

    def _changed_before(self, report: Alike, step: int, stored: Choices) -> set[int]:
        """The dated groups that may fit the report otherwise than when its choices were
        stored: those that changed before its step, among its choices and its candidates."""
        if len(self.joined_from) <= FEW_CHANGED_GROUPS:
            return {f for f, since in self.joined_from.items() if since < step}
        possible = self._joined_candidates(report) | set(stored.founders)
        return {f for f in possible if self.joined_from.get(f, NEVER) < step}

    def _best_choices(self, report: _Report, step: int, founders: Iterable[int]) -> Choices:
        """The report's choices among these groups, as the reports before it left them
        (only those that may be among the best are scored in full)."""
        figures = self._figures.pop(report.id, None) if self._figures else None
        if figures is None:
            groups = self._groups_among(report, step, founders)
            found, complete = best_fitting_undated(report, groups, event_choices.KEPT_CHOICES)
        else:
            # The groups no undated report joined before this step are as the helper
            # compared them: only the others are read and compared here, and of those only
            # the likeliest few are read, to be scored.
            changed = [f for f in founders if self.joined_from.get(f, NEVER) < step]
            found, complete = best_fitting_undated(
                report,
                self._groups_among(report, step, changed),
                event_choices.KEPT_CHOICES,
                likeness_ahead.known_likeness(figures, self.joined_from, step),
                functools.partial(self._joined_state, step=step),
            )
        return Choices.of((_choice(group, score) for group, score in found), complete=complete)

    def _groups_among(self, report: Alike, step: int, founders: Iterable[int]) -> list[_Group]:
        founders = sorted(founders)
        self._read_states(founders, step)
        groups = [g for f in founders if (g := self._joined_state(f, step))]
        self._states_read.clear()
        if self.narrow:
            telling = self._telling(report)
            groups = [g for g in groups if not g.weighty.isdisjoint(telling)]
        return groups

    def _telling(self, report: Alike) -> frozenset[str]:
        """A report's weighty words that are no common ones: by one of them, in a big
        corpus, it has a dated group as a candidate (``events.WEIGHTIEST_TERMS``)."""
        return report.top - self.weights.common

    def _diverge_joined(self, founder: int, step: int, work: list[int]) -> None:
        """From after ``step`` on, the group is not what it was: the undated reports that
        may have it as a candidate are taken again (looked for again at every change, as a
        new member brings people and words of its own)."""
        self.touched.add(founder)
        self.joined_from[founder] = min(step, self.joined_from.get(founder, NEVER))
        if not self.full:
            near = self._undated_near(founder, after=step, alone=False)
            self._prefetch(near)
            for i in near:
                heapq.heappush(work, i)

    def _prefetch(self, ids: Iterable[int]) -> None:
        """Read the reports, stored groups and stored choices of undated reports about to
        be decided again, a few queries for all of them rather than some for each."""
        wanted = sorted(
            i
            for i in set(ids)
            if (i not in self._reports and i not in self._records) or i not in self._stored_choices
        )[: REPORT_CACHE // 2]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            unread = [i for i in chunk if i not in self._reports and i not in self._records]
            kept = [i for i in unread if self._record_holds(i)]
            self._records.update(self.state.kept_reports(kept) if kept else {})
            self.reports(i for i in unread if i not in self._records)  # (none kept: built)
            self.memberships(chunk)
            unknown = [i for i in chunk if i not in self._stored_choices and i not in self.changed]
            found = self.state.choices(unknown)
            for i in unknown:
                self._stored_choices[i] = found.get(i)

    def _add_dated_people(self, founder: int, people: Iterable[str]) -> None:
        """Index the people of a dated group (``_dated_naming`` finds it by them)."""
        people = list(people)
        self.state.add_group_people(founder, DATED, people)
        if self.full:
            for person in people:
                self._founders_by_person.setdefault(person, set()).add(founder)

    def _dated_naming(self, people: Iterable[str]) -> set[int]:
        """Founders of the dated groups indexed with any of the people."""
        if self.full:
            return set().union(*(self._founders_by_person.get(p, ()) for p in people))
        return self.state.founders_with_people(people, DATED)

    def _joined_candidates(self, report: Alike) -> set[int]:
        """Founders of dated groups that may share a person (and, in a big corpus, a weighty
        word) with the report."""
        if not report.people:
            return set()
        founders = self._dated_naming(report.people) - self.emptied
        if self.narrow and founders:
            telling = self._telling(report)
            if self.full:
                near = set().union(*(self._founders_by_term.get(t, ()) for t in telling))
            else:
                articles = self.state.articles_with_top_terms(telling, dated=None)
                near = {
                    m.founder
                    for m in self.memberships(articles).values()
                    if m.phase in (DATED, JOINED)
                }
            founders &= near
        return founders

    def _joined_state(self, founder: int, step: int) -> _Group | None:
        """The dated group as the undated reports before ``step`` left it."""
        entry = self._joined.get(founder)
        if entry is None or entry.cursor > step:
            entry = self._stored_state(founder, step)
            if entry is None:
                return None
            self._joined[founder] = entry
            while len(self._joined) > STATE_CACHE:
                self._joined.popitem(last=False)
        self._joined.move_to_end(founder)
        self._advance(entry, founder, JOINED, step)
        return entry.group

    def _stored_state(self, founder: int, step: int) -> _Progress | None:
        """The dated group as stored, for a step: as all its undated members left it, when
        they all come before the step and the walk has not changed the group before it (a
        new undated report's case: no member of any group read again); otherwise as its
        dated reports left it, to be advanced to the step. None once it is emptied."""
        if founder not in self._states_read:
            self._read_states([founder], step)
        summary, joined = self._states_read.pop(founder)
        if joined is not None:
            return _Progress(group_of(joined, self._loader, self._places), step)
        if summary is None:
            return None
        return _Progress(group_of(summary, self._loader, self._places), 0)

    def _read_states(self, founders: Sequence[int], step: int) -> None:
        """Read what ``_stored_state`` needs of the groups without a state in this walk, a
        query or two for all of them."""
        wanted = [
            f
            for f in founders
            if f not in self._states_read
            and ((entry := self._joined.get(f)) is None or entry.cursor > step)
        ]
        if not wanted:
            return
        joined: dict[int, GroupSummary] = {}
        # A regroup from nothing has no stored state to read.
        unchanged = (
            []
            if self.full
            else [
                f
                for f in wanted
                if self.joined_from.get(f, NEVER) >= step
                and f not in self.divergent
                and f not in self.emptied
            ]
        )
        self._read_undated_members(unchanged, JOINED)
        # (their centroids read when asked for: the narrowing leaves out over half of a leader's)
        for founder, (last, summary) in self.state.joined_summaries(
            unchanged, centroid=False
        ).items():
            members = self._stored_undated(founder, JOINED)
            # The stored state is that of the stored members, all of them before the step.
            if members and members[-1] == last < step:
                joined[founder] = summary
        dated = self.state.summaries([f for f in wanted if f not in joined], centroid=False)
        for founder in wanted:
            self._states_read[founder] = (dated.get(founder), joined.get(founder))

    def _advance(self, entry: _Progress, founder: int, phase: int, step: int) -> None:
        """Add to a group the undated members it has, in this walk, below ``step``."""
        low = entry.cursor
        if low >= step:
            return
        if self.full and phase == JOINED:
            # From nothing, each undated report joins a dated group once, in order: a
            # group's undated members so far are those decided into it, in the order they
            # were (hundreds of groups are advanced for each report, some with hundreds
            # of members).
            joined = self._joined_in_order.get(founder, [])
            added = joined[bisect.bisect_left(joined, low) : bisect.bisect_left(joined, step)]
            if added:
                reports = self.reports(added)
                for i in added:
                    entry.group.add(reports[i])
            entry.cursor = step
            return
        stored = self._stored_undated(founder, phase)
        ids = {
            i
            for i in stored[bisect.bisect_left(stored, low) : bisect.bisect_left(stored, step)]
            if i not in self.changed and i not in self.decided
        }
        ids |= {i for i in self._decided_into.get((founder, phase), ()) if low <= i < step}
        if ids:
            reports = self.reports(sorted(ids))
            for i in sorted(ids):
                entry.group.add(reports[i])
        entry.cursor = step

    def _undated_members_now(self, founder: int, phase: int) -> set[int]:
        """A group's undated members of a phase as the walk stands: those stored and not
        decided again, and those decided into it."""
        members = {
            i
            for i in self._stored_undated(founder, phase)
            if i not in self.changed and i not in self.decided
        }
        return members | self._decided_into.get((founder, phase), set())

    def _stored_undated(self, founder: int, phase: int) -> list[int]:
        """The ids of a group's stored undated members of a phase, in order."""
        key = (founder, phase)
        if key not in self._undated_members:
            self._undated_members[key] = sorted(
                i for i, p, _ in self.members_of(founder) if p == phase
            )
        return self._undated_members[key]

    def _read_undated_members(self, founders: Iterable[int], phase: int) -> None:
        """Read what ``_stored_undated`` gives of these groups, one query for all of them
        (hundreds of groups are read for one undated report naming a leader)."""
        if self.full:
            return
        unread = [f for f in founders if (f, phase) not in self._undated_members]
        found = self.state.undated_members(unread, phase) if unread else {}
        for founder in unread:
            self._undated_members[(founder, phase)] = found.get(founder, [])

    def _undated_near(self, founder: int, *, after: int, alone: bool) -> set[int]:
        """Undated reports after a step that may have had, or may now have, the group as a
        candidate: they share a person (and, in a big corpus, a weighty word) with it; to
        join a dated group, one of its principals (see ``_principals_ever``) and a telling
        word that may be among its weightiest (``_weighty_after``). (One that had a dated
        group as a candidate without keeping it among its choices keeps them, unless the
        group may now be among them.)"""
        if alone:
            people = self.state.people_of_group(founder)
            progress = self._alone.get(founder)
            if progress is not None:
                people |= set(progress.group.people)
            group = self.open.get(founder)
            if group is not None:
                people |= set(group.people)
            found: set[int] = set()
        else:
            people = self._principals_ever(founder)
            # Those that kept it among their choices (its undated members among them),
            # whatever it has become: their choices change with it.
            found = set() if self.full else self.state.choosing(founder, after)
        if not people:
            return found
        if not self.narrow:
            return found | self.state.undated_with_people(people, after)
        if alone:
            return found | self.state.undated_sharing(people, self._members_weighty(founder), after)
        terms = self._weighty_after(founder, after) - self.weights.common
        # Undated reports that move one by one from one group into another call, at each
        # move, for both groups' reports after it: mostly by the principals and words of
        # the group's last search. Then that search, made at an earlier step, found every
        # report after this one that has them, and its finds after this step are the answer,
        # or a few reports more when the group lost some (those are only decided again, to
        # the same result). The indexes searched do not change while undated reports are
        # decided.
        last = self._near_asked.get(founder)
        if last is not None and last[0] <= after and people <= last[1] and terms <= last[2]:
            return found | {i for i in last[3] if i > after}
        sharing = self.state.undated_sharing(people, terms, after)
        self._near_asked[founder] = (after, frozenset(people), frozenset(terms), sharing)
        return found | sharing

    def _members_weighty(self, founder: int) -> set[str]:
        """The weighty words of a group's members, stored or decided into it in this walk."""
        members = {i for i, _, _ in self.members_of(founder)}
        for phase in (DATED, JOINED, ALONE):
            members |= self._decided_into.get((founder, phase), set())
        terms: set[str] = set()
        for tops in self.state.top_terms_of(members).values():
            terms |= tops
        return terms

    def _weighty_after(self, founder: int, after: int) -> set[str]:
        """Every word that may be among the dated group's weighty ones at a step after
        ``after``, as the walk stands (``weighty_with``): its undated members after the
        step may join it. (A report that joins it later in the walk calls for the reports
        after it again, ``_diverge_joined``.)"""
        group = self._joined_state(founder, after + 1)
        if group is None:
            return set()
        later = sorted(i for i in self._undated_members_now(founder, JOINED) if i > after)
        return weighty_with(group, self.reports(later).values())

    def _principals_ever(self, founder: int) -> set[str]:
        """Everyone who is a principal of the dated group at some step of the undated
        reports, as the walk stands: the group as its dated reports left it, then with
        each of its undated members in turn (``_joined_state``).

        An undated report that did not keep the group among its choices can take it only
        if it names one of the group's principals at its step (``events._join_score``:
        without a shared principal, no score): so only those that name one of these need
        be scored against it. Exact as the walk goes on: a report that joins or leaves the
        group later changes its principals only for the steps after it, and calls for the
        reports after it again (``_diverge_joined``)."""
        if founder not in self._dated_prominent:
            summary = self.state.summaries([founder], centroid=False).get(founder)
            self._dated_prominent[founder] = None if summary is None else Counter(summary.prominent)
        dated = self._dated_prominent[founder]
        if dated is None:
            return set()  # emptied: those that kept it are all it concerns
        prominent = Counter(dated)
        found = _principals(prominent)
        top = max(prominent.values(), default=0)
        members = self._undated_members_now(founder, JOINED)
        reports = self.reports(sorted(members))
        for article_id in sorted(members):
            report = reports.get(article_id)
            if report is not None and report.prominent:
                prominent.update(report.prominent)
                # Counts only grow: someone this report does not name counts as before
                # against a top count as high or higher, so is no new principal.
                top = max(top, *(prominent[p] for p in report.prominent))
                found.update(p for p in report.prominent if 2 * prominent[p] >= top)
        return found

    # -- undated reports in events of their own --------------------------------------------------
    def _alone_phase(self) -> None:
        work = sorted(
            {i for i, m in self.decided.items() if m.phase in (JOINED, ALONE)}
            | {i for i, m in self.old.items() if m.phase == ALONE}
        )
        heapq.heapify(work)
        done: set[int] = set()
        while work:
            i = heapq.heappop(work)
            if i not in done:
                done.add(i)
                self._alone_step(i, work)
        assert not any(m.founder == LEFT_OVER for m in self.decided.values())

    def _alone_step(self, article_id: int, work: list[int]) -> None:
        report = self.report(article_id)
        old = self.before_walk(article_id)
        old_founder = old.founder if old is not None and old.phase == ALONE else None
        now = self.memberships([article_id]).get(article_id)
        if report is None or report.happened is not None or now is None or now.phase != ALONE:
            if old_founder is not None:
                self._diverge_alone(old_founder, article_id, work)
            return
        candidates = self._alone_candidates(report, article_id)
        affected = (
            old_founder is None
            or article_id in self.changed
            or self.alone_from.get(old_founder, NEVER) < article_id
            or any(self.alone_from.get(f, NEVER) < article_id for f in candidates)
        )
        if not affected:
            self._undecide(article_id)  # left over as before, in the same group
            return
        groups = [g for f in sorted(candidates) if (g := self._alone_state(f, article_id)).members]
        if self.narrow:
            groups = [g for g in groups if not g.top.isdisjoint(report.top)]
        best = best_undated_group(report, groups)
        founder = best.founder if best is not None else article_id
        self._decide(article_id, Membership(founder, ALONE, None))
        self._add_alone_people(founder, report.people)
        if best is not None:
            best.add(report)
            self._alone[founder].cursor = article_id + 1
        if article_id in self.changed or founder != old_founder:
            for f in sorted({f for f in (founder, old_founder) if f is not None}):
                self._diverge_alone(f, article_id, work)

    def _diverge_alone(self, founder: int, step: int, work: list[int]) -> None:
        self.touched.add(founder)
        self.alone_from[founder] = min(step, self.alone_from.get(founder, NEVER))
        if not self.full:
            for i in self._undated_near(founder, after=step, alone=True):
                heapq.heappush(work, i)

    def _alone_candidates(self, report: _Report, step: int) -> set[int]:
        if not report.people:
            return set()
        founders = {f for f in self._alone_founders(report.people) if f < step}
        if self.narrow and founders:
            founders = self._alone_sharing(founders, report.top)
        return founders

    def _alone_founders(self, people: Iterable[str]) -> set[int]:
        """Founders of the groups of undated reports indexed with any of the people."""
        people = set(people)
        known = self._alone_naming
        unread = sorted(p for p in people if p not in known)
        if unread:
            found = self.state.founders_by_person(unread, ALONE)
            for person in unread:
                known[person] = found.get(person, set())
        return set().union(*(known[p] for p in people))

    def _add_alone_people(self, founder: int, people: Iterable[str]) -> None:
        """Index the people of a group of undated reports, and keep what ``_alone_founders``
        read up to date: a person's row for the group is added unless the group has one
        already, of whatever phase (then it stays as it was)."""
        people = sorted(people)
        known = self._alone_naming
        asked = [p for p in people if p in known and founder not in known[p]]
        there = self.state.people_in_group(founder, asked) if asked else set()
        self.state.add_group_people(founder, ALONE, people)
        for person in asked:
            if person not in there:
                known[person].add(founder)

    def _alone_sharing(self, founders: Iterable[int], terms: Iterable[str]) -> set[int]:
        """Those of the groups of undated reports with a member, as the walk stands, among
        whose weighty words is one of these: looked up among the groups' members (few),
        not among every undated report with one of the words (in a big corpus, thousands
        for a common word)."""
        group_of = {i: f for f in founders for i in self._undated_members_now(f, ALONE)}
        # (read once a walk: the same members are asked of by every report naming them,
        # and the walk indexed the changed reports' words before it began)
        unread = [i for i in group_of if i not in self._alone_read]
        if unread:
            self._alone_read.update(unread)
            for i, top in self.state.top_terms_of(unread).items():
                for term in top:
                    self._alone_by_term.setdefault(term, set()).add(i)
        having = set().union(*(self._alone_by_term.get(t, ()) for t in terms))
        return {group_of[i] for i in having if i in group_of}

    def _alone_state(self, founder: int, step: int) -> _Group:
        entry = self._alone.get(founder)
        if entry is None or entry.cursor > step:
            entry = _Progress(
                _Group(
                    founder=founder, rank=(founder,), loader=self._loader, places_known=self._places
                ),
                0,
            )
            self._alone[founder] = entry
            while len(self._alone) > STATE_CACHE:
                self._alone.popitem(last=False)
        self._alone.move_to_end(founder)
        self._advance(entry, founder, ALONE, step)
        return entry.group

    # -- writing -----------------------------------------------------------------------------
    def _write(self) -> None:
        state = self.state
        conn = state.conn
        if self.gone:
            state.delete_memberships(self.gone)
        # Most reports decided again stay where they were: those are not written again.
        state.save_memberships({i: m for i, m in self.decided.items() if m != self.before_walk(i)})
        state.delete_choices(self.changed - set(self.choices))
        state.save_choices(self.choices)
        touched = sorted(self.touched)
        written = _Written.read(conn, None if self.full else touched)
        members = state.members_of(touched)
        empty: list[int] = []
        # A group the walk changed keeps no stored state as its undated members left it
        # unless it is written again below (a regroup from nothing has none to take back).
        if not self.full:
            state.delete_joined_summaries(
                sorted(set(self.joined_from) | self.divergent | self.emptied | self.touched)
            )
        rows: list[_EventRow] = []
        assignments: dict[int, int] = {}
        inferred: dict[int, tuple[dt.date, str]] = {}
        for chunk in range(0, len(touched), 200):
            joined_states: list[tuple[int, GroupSummary]] = []
            for founder in touched[chunk : chunk + 200]:
                its = members.get(founder, [])
                closed = self._closed_events.pop(founder, None)
                if closed is not None and closed.event.article_ids == tuple(
                    sorted(i for i, _, _ in its)
                ):
                    # (as closed: no undated report joined it)
                    rows.append(self._event_row(closed.event, founder))
                    inferred.update(closed.inferred)
                    assignments.update((a, closed.event.id) for a in closed.event.article_ids)
                    state.set_group_people(founder, DATED, closed.people)
                    continue
                group = self._final_group(founder, [i for i, _, _ in its])
                joined = [i for i, phase, _ in its if phase == JOINED]
                if group is not None and group.dates and joined:
                    # Its dated reports by date, then its undated ones by id: the walk's
                    # order, so the same state as the walk's after the last of them.
                    joined_states.append((max(joined), summary_of(group)))
                if group is None:
                    empty.append(founder)
                    continue
                event, dates = event_of(group)
                inferred.update(dates)
                rows.append(self._event_row(event, founder))
                assignments.update((a, event.id) for a in event.article_ids)
                state.set_group_people(founder, DATED if group.dates else ALONE, group.people)
            state.save_joined_summaries(joined_states)
        written.write_changes(conn, rows, assignments, inferred)
        if empty:
            state.delete_group_people(empty)
            state.delete_summaries(empty)

    def _event_row(self, event: Event, founder: int) -> _EventRow:
        return (
            event.id,
            event.title,
            event.date.isoformat() if event.date else None,
            event.place,
            json.dumps(self.persons.display(event.people)),
            founder,
        )

    def _final_group(self, founder: int, ids: Sequence[int]) -> _Group | None:
        """A group with all its members, in the order they joined."""
        if not ids:
            return None
        reports = self.reports(ids)
        group = _Group(founder=founder, loader=self._loader, places_known=self._places)
        for report in sorted(
            reports.values(),
            key=lambda r: (r.happened is None, r.happened or dt.date.min, r.id),
        ):
            group.add(report)
        return group


_EventRow = tuple[int, str, str | None, str | None, str, int]
"""An event's row as written: id, title, date, place, people (JSON), founder."""
_Placed = tuple[int | None, str | None, str | None]
"""Where an article stands: its event's id, and the date inferred for it and how."""


@dataclass(frozen=True)
class _ClosedEvent:
    """The event a dated group made as the dated phase closed it (``_close_groups``)."""

    event: Event
    inferred: dict[int, tuple[dt.date, str]]
    """The dates it gives its articles published undated (``event_of``)."""
    people: list[str]


@dataclass
class _Written:
    """The events a walk writes again, and where their articles stood, as stored before it.

    Only what changed is written: every event written is logged as changed (corpus_version),
    and what the engine keeps of it is worked out again. A regroup of a corpus that did not
    change, or one at a step of the word-weight sample, leaves most events as they were."""

    events: dict[int, _EventRow]
    placed: dict[int, _Placed]
    """article id → where it stood, for the articles of those events"""
    whole: bool
    """Every event was read, and every article placed in one or given a date: any other
    article stood nowhere."""

    @classmethod
    def read(cls, conn: sqlite3.Connection, founders: Sequence[int] | None) -> _Written:
        """The events of the groups of these founders (every event, with None)."""
        columns = "id, title, date, place, people, founder"
        if founders is None:
            events = conn.execute(f"SELECT {columns} FROM events").fetchall()
            placed = conn.execute(
                "SELECT id, event_id, inferred_date, inferred_source FROM articles "
                "WHERE event_id IS NOT NULL OR inferred_date IS NOT NULL"
            ).fetchall()
        else:
            events = conn.execute(
                f"SELECT {columns} FROM events WHERE founder IN (SELECT value FROM json_each(?))",
                [json.dumps(list(founders))],
            ).fetchall()
            placed = conn.execute(
                "SELECT id, event_id, inferred_date, inferred_source FROM articles "
                "WHERE event_id IN (SELECT value FROM json_each(?))",
                [json.dumps([r[0] for r in events])],
            ).fetchall()
        return cls(
            {r[0]: tuple(r) for r in events},
            {r[0]: tuple(r[1:]) for r in placed},
            whole=founders is None,
        )

    def write_changes(
        self,
        conn: sqlite3.Connection,
        rows: Sequence[_EventRow],
        assignments: dict[int, int],
        inferred: dict[int, tuple[dt.date, str]],
    ) -> None:
        """Write the events as the walk made them (``rows``: those of the same groups), and
        each article's event and inferred date, where they differ from what was stored."""
        made = {row[0]: row for row in rows}
        gone = [event_id for event_id in self.events if event_id not in made]
        if gone:
            conn.execute(
                "DELETE FROM events WHERE id IN (SELECT value FROM json_each(?))",
                [json.dumps(gone)],
            )
        conn.executemany(
            "INSERT OR REPLACE INTO events (id, title, date, place, people, founder) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [row for row in rows if self.events.get(row[0]) != row],
        )
        # (an article the walk places that none of these events held: as stored)
        elsewhere = [] if self.whole else [a for a in assignments if a not in self.placed]
        before = dict(self.placed)
        for start in range(0, len(elsewhere), 10_000):
            before.update(
                (r[0], tuple(r[1:]))
                for r in conn.execute(
                    "SELECT id, event_id, inferred_date, inferred_source FROM articles "
                    "WHERE id IN (SELECT value FROM json_each(?))",
                    [json.dumps(elsewhere[start : start + 10_000])],
                )
            )
        changes = []
        for article_id in sorted(before.keys() | assignments.keys()):
            day, how = inferred.get(article_id, (None, None))
            now = (assignments.get(article_id), day.isoformat() if day else None, how)
            if before.get(article_id, (None, None, None)) != now:
                changes.append((*now, article_id))
        conn.executemany(
            "UPDATE articles SET event_id = ?, inferred_date = ?, inferred_source = ? WHERE id = ?",
            changes,
        )


def _choice(group: _Group, score: float) -> Choice:
    # A dated group ranks by its first report's (happening date, id).
    day, first = cast(tuple[dt.date, int], group.rank)
    return Choice(group.founder, score, day.toordinal(), first)
