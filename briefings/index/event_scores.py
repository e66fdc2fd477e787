"""How much each event is about a topic or some words: read from the latest events first.

A briefing on a topic or a query is on the latest of the events substantially about it (see
compose.choose_event). Scoring every event of the corpus costs as much as the corpus when
the words are common (a topic most articles are filed under, a leader's name in four
articles of ten): every matching article is ranked or counted. So the scores are read first
among the articles of the latest RECENT_EVENTS events (by date, from the events' date index),
then among those of the latest RECENT_EVENTS × WIDENING, and over the whole corpus only when
none of those is about it at all: a common topic or name is answered from the recent events,
one of last year's news from the wider window, and a rare one, for which the whole corpus is
cheap to search, from all of them. (Ranking the corpus's matches costs what ranking
thousands of them costs: two words in one article of twenty of 100,000 took 8.3 ms to rank,
and 2.3 to count among the latest 800 events' 22,096 articles, which found the same event.)
Which articles are recent, and which of them are in English, are read once and kept until
the corpus changes (Store.until_changed); which of them a topic is filed under is read for
that topic (and its scores are kept as a query's are).

A bot's corpus changes at every feed poll that brings an article, which joins one recent
event or two, or makes a new one. So the recent articles are brought up to date after a
write rather than read again: only the articles of the events the write changed, and of
those that came among the latest or left them, are read (corpus_version lists the events
each write changed). A query's scores read among the recent events are brought up to date
the same way: those of the events that changed are worked out again, among their articles
alone. Scores read among the wider window or over the whole corpus are worked out again
(the recent events may be about the query now).

An event's score: two for each of its articles filed under the topic, and one for each of
its articles matching the words: among the recent events, every match; over the corpus, the
SEARCH_HITS best ranked.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import cast

from briefings.index.corpus_version import Changes
from briefings.index.store import Store, fts_query

RECENT_EVENTS = 200
"""Events read first, the latest by date: the shared corpora have far fewer (all are read)."""
WIDENING = 4
"""The wider window read next is of WIDENING times RECENT_EVENTS events (a window wider
still would keep most of a big corpus's articles in memory, for what ranking them costs)."""
SEARCH_HITS = 200


FEW_FILED_SHARE = 0.25
"""A topic filed under no more articles than this share of the recent ones is read from its
own index (see _filed_under): with a row of it dearer than a seek by article by half again,
reading it then costs less than half what the seeks would."""

KEPT_QUERIES = 64
"""How many queries' scores are kept, the latest asked for, until the corpus changes (then
those read among the recent events are brought up to date: see the module's docstring): a bot's
users ask about the same topics and names again and again (a topic button is one), and a
query the recent events do not answer ranks its matches over the whole corpus."""


def event_scores(store: Store, query: str) -> Counter[int]:
    """event id → how much it is about the query (see the module's docstring)."""
    # (kept by the count of recent events too, as the recent articles are: see below)
    found = store.until_changed_among(
        "event scores",
        (query, RECENT_EVENTS),
        KEPT_QUERIES,
        lambda: _scores(store, query),
        update=lambda kept, changes: _scores_updated(store, kept, changes),
    )
    return Counter(found.scores)  # a copy: what is kept stays as it was worked out


@dataclass(frozen=True)
class _Scores:
    """A query's scores, and the recent articles they were read among (None: the corpus)."""

    scores: Counter[int]
    among: RecentArticles | None


def _scores(store: Store, query: str) -> _Scores:
    for count in (RECENT_EVENTS, RECENT_EVENTS * WIDENING):
        recent = _recent_articles(store, count)
        if recent is None:
            break  # no more events than that: the whole corpus is read at once
        scores = _recent_scores(store, query, recent)
        if scores:
            return _Scores(scores, recent)
    scores = Counter(
        {event_id: 2 * count for event_id, count in store.event_ids_for_topic(query).items()}
    )
    hits = store.search_article_ids(query, limit=SEARCH_HITS)
    scores.update(store.event_ids_of_articles(hits).values())
    return _Scores(scores, None)


def _scores_updated(
    store: Store, kept: OrderedDict[Hashable, _Scores], changes: Changes
) -> OrderedDict[Hashable, _Scores]:
    """The queries' scores read among the recent events, brought up to date with a write's
    changes: the events the write changed, came among the latest or left them are scored
    again among their own articles. Scores read among the wider window or over the corpus
    are let go (worked out again when asked: the latest events may be about the query now),
    as are those no recent event scores any more."""
    recent = _recent_articles(store, RECENT_EVENTS)
    updated: OrderedDict[Hashable, _Scores] = OrderedDict()
    if recent is None:
        return updated
    for key, found in kept.items():
        query, count = cast(tuple[str, int], key)  # as event_scores keeps them
        if found.among is None or count != RECENT_EVENTS or found.among.count != count:
            continue  # (another count's, the wider window's or the corpus's: let go)
        before, now = set(found.among.event_ids), set(recent.event_ids)
        again = (before ^ now) | (changes.events & (before | now))
        scores = Counter({e: s for e, s in found.scores.items() if e not in again})
        articles = [a for a, e in recent.events.items() if e in again]
        scores.update(_recent_scores(store, query, recent, articles))
        if scores:
            updated[key] = _Scores(scores, recent)
    return updated


@dataclass(frozen=True)
class RecentArticles:
    """The articles of the latest ``count`` dated events."""

    count: int

    events: dict[int, int]
    """article id → its event's id"""
    english: frozenset[int]
    """those of them in English: the only ones words are matched in"""
    event_ids: tuple[int, ...]
    """the recent events, latest first"""

    @property
    def table(self) -> str:
        """The table of their ids, as queries read them: see _fill_table."""
        return _table_of(self.count)


def _table_of(count: int) -> str:
    """The temporary table of the ids of the latest ``count`` events' articles."""
    return f"temp.recent_articles_{count}"


def _recent_articles(store: Store, count: int) -> RecentArticles | None:
    """The articles of the latest ``count`` events (kept until the corpus changes, then
    brought up to date: every topic and query brief reads them, and reading whether each is
    in English costs more than a brief's search), or None when the corpus has no more
    events than that (then the whole corpus is read at once, as cheaply)."""
    return store.until_changed(
        f"articles of the latest {count} events",
        lambda: _read_recent_articles(store, count),
        update=lambda kept, changes: _recent_updated(store, count, kept, changes),
    )


def _latest_events(store: Store, count: int) -> list[int] | None:
    """The latest ``count`` dated events, latest first; None when there are no more."""
    rows = store.db.execute(
        "SELECT id FROM events WHERE date IS NOT NULL ORDER BY date DESC, id DESC LIMIT ?",
        [count + 1],
    ).fetchall()
    return None if len(rows) <= count else [r[0] for r in rows[:count]]


def _articles_of(store: Store, event_ids: Iterable[int]) -> list[tuple[int, int, bool]]:
    """(article id, event id, whether in English) of these events' articles."""
    rows = store.db.execute(
        "SELECT id, event_id, language = 'en' FROM articles "
        "WHERE event_id IN (SELECT value FROM json_each(?))",
        [json.dumps(list(event_ids))],
    ).fetchall()
    return [(a, e, bool(english)) for a, e, english in rows]


def _read_recent_articles(store: Store, count: int) -> RecentArticles | None:
    with store.lock:
        latest = _latest_events(store, count)
        if latest is None:
            return None
        rows = _articles_of(store, latest)
        _fill_table(store, _table_of(count), [r[0] for r in rows])
    return RecentArticles(
        count,
        {article_id: event_id for article_id, event_id, _ in rows},
        frozenset(article_id for article_id, _, english in rows if english),
        tuple(latest),
    )


def _recent_updated(
    store: Store, count: int, kept: RecentArticles | None, changes: Changes
) -> RecentArticles | None:
    """The recent articles after a write, from those kept before it: the articles of the
    events the write changed, and of those that came among the latest or left them, are
    read again; None (read them all) when there were none kept or none are now."""
    if kept is None:
        return None
    with store.lock:
        latest = _latest_events(store, count)
        if latest is None:
            return None
        before, now = set(kept.event_ids), set(latest)
        gone = (before - now) | (before & changes.events)
        came = (now - before) | (now & changes.events)
        if not gone and not came:
            return RecentArticles(count, kept.events, kept.english, tuple(latest))
        events = {a: e for a, e in kept.events.items() if e not in gone}
        english = {a for a in kept.english if a in events}
        rows = _articles_of(store, came)
        for article_id, event_id, is_english in rows:
            events[article_id] = event_id
            if is_english:
                english.add(article_id)
        _change_table(store, kept.table, set(kept.events) - set(events), [r[0] for r in rows])
    return RecentArticles(count, events, frozenset(english), tuple(latest))


def _fill_table(store: Store, table: str, ids: list[int]) -> None:
    """The recent articles' ids into a temporary table of the store's connection (its lock
    held), one table for each count of recent events (kept apart as the articles are).
    Handed to each query as a JSON list instead, SQLite built a table of the list anew every
    time (1.5 ms of a query's 2.9 over 100,000 articles). Filled in a transaction of its own,
    unless a write of the store's is under way (then it goes with that write: what was kept
    is read again after every write)."""
    _change_table(store, table, None, ids)


def _change_table(store: Store, table: str, gone: set[int] | None, came: list[int]) -> None:
    """Take ids out of the table of recent articles (all with None) and put others in, in a
    transaction as _fill_table says."""
    conn = store.db.conn
    within = conn.in_transaction
    conn.execute(f"CREATE TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY)")
    if gone is None:
        conn.execute(f"DELETE FROM {table}")
    else:
        conn.execute(
            f"DELETE FROM {table} WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(sorted(gone))],
        )
    conn.executemany(f"INSERT OR IGNORE INTO {table} (id) VALUES (?)", [(i,) for i in came])
    if not within:
        conn.commit()  # a temporary table's: the corpus's file is not written


def _recent_scores(
    store: Store, query: str, recent: RecentArticles, among: list[int] | None = None
) -> Counter[int]:
    """Two for each recent article filed under the topic, one for each recent English
    article matching the words: among a few thousand articles every match counts, unranked
    (ranking them all would cost what ranking the corpus's matches costs). ``among``: these
    of the recent articles only (those of the events a write changed: see _scores_updated)."""
    scores: Counter[int] = Counter()
    if among is not None and not among:
        return scores
    events = recent.events
    for article_id in _filed_under(store, query.lower(), recent, among):
        scores[events[article_id]] += 2
    match = fts_query(query)
    if not match:
        return scores
    with store.lock:
        try:
            if among is None:
                # The matches' ids alone, in the index's order: no rank is worked out. The
                # index reads every match in the corpus (a leader's name is in four articles
                # of ten), but only the recent ones become rows: the test is SQLite's, on
                # the table of their ids. The "+" keeps the table from being used as rowid
                # lookups instead (one search of the index for each recent article: a
                # hundred times slower, but the way for the few articles of a write).
                rows = store.db.execute(
                    "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? "
                    f"AND +rowid IN {recent.table}",
                    [match],
                )
            else:
                rows = store.db.execute(
                    "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? "
                    "AND rowid IN (SELECT value FROM json_each(?))",
                    [match, json.dumps(among)],
                )
            recent_matches = [r[0] for r in rows]
        except sqlite3.OperationalError:
            return scores  # words FTS5 cannot read as a query match nothing
    for article_id in recent_matches:
        if article_id in recent.english:
            scores[events[article_id]] += 1
    return scores


def _filed_under(
    store: Store, topic: str, recent: RecentArticles, among: list[int] | None = None
) -> list[int]:
    """The recent articles filed under a topic (``among`` these only, if given), in id
    order: looked up for each of them in the topics' index by article, and only for a topic
    some article is filed under (most queries are words, not a topic). Read for the one
    topic asked: reading every topic of the recent articles at once took 12.6 ms of the
    first topic brief after each write on the 100k bench (26,371 rows), and reading the
    most common topic's alone 5.4.

    A topic filed under no more articles than FEW_FILED_SHARE of the recent ones is read from
    its own index instead, every article filed under it, the recent ones kept: on the 100k
    bench a seek by article cost 0.3 µs a recent article (6.6 ms for the 22,096 of the wider
    window), and a row of a topic's index 0.5 µs (0.01 ms for a place in two articles, 44 for
    the most common topic's 91,406)."""
    with store.lock:
        conn = store.db.conn
        few = int(len(recent.events) * FEW_FILED_SHARE) if among is None else 0
        # (counted in the index, up to one more than few: no row made of any)
        (filed,) = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM article_topics WHERE topic = ? LIMIT ?)",
            [topic, few + 1],
        ).fetchone()
        if filed and filed <= few:
            rows = conn.execute(
                "SELECT article_id FROM article_topics WHERE topic = ?", [topic]
            ).fetchall()
            return sorted(r[0] for r in rows if r[0] in recent.events)
        if filed:
            # Read by article (CROSS JOIN: the recent ones first, a seek in the index by
            # article and topic for each), not from the topic's own index, which lists
            # every article of the corpus filed under it.
            if among is None:
                rows = conn.execute(
                    f"SELECT t.article_id FROM {recent.table} r CROSS JOIN article_topics t "
                    "ON t.article_id = r.id AND t.topic = ?",
                    [topic],
                ).fetchall()
            else:
                rows = conn.execute(
                    "SELECT t.article_id FROM json_each(?) r CROSS JOIN article_topics t "
                    "ON t.article_id = r.value AND t.topic = ?",
                    [json.dumps(sorted(among)), topic],
                ).fetchall()
            return [r[0] for r in rows]
    return []
