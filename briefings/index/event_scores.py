"""How much each event is about a topic or some words: read from the latest events first.

A briefing on a topic or a query is on the latest of the events substantially about it (see
compose.choose_event). Scoring every event of the corpus costs as much as the corpus when
the words are common (a topic most articles are filed under, a leader's name in four
articles of ten): every matching article is ranked or counted. So the scores are read first
among the articles of the latest RECENT_EVENTS events (by date, from the events' date index),
and over the whole corpus only when none of those is about it at all: a common topic or name
is answered from the recent events, and a rare one, for which the whole corpus is cheap to
search, from all of them. Which articles are recent, and which of them are in English, are
read once and kept until the corpus changes (Store.until_changed); which of them a topic is
filed under is read for that topic (and its scores are kept as a query's are).

An event's score: two for each of its articles filed under the topic, and one for each of
its articles matching the words: among the recent events, every match; over the corpus, the
SEARCH_HITS best ranked.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass

from briefings.index.store import Store, fts_query

RECENT_EVENTS = 200
"""Events read first, the latest by date: the shared corpora have far fewer (all are read)."""
SEARCH_HITS = 200


KEPT_QUERIES = 64
"""How many queries' scores are kept, the latest asked for, until the corpus changes: a bot's
users ask about the same topics and names again and again (a topic button is one), and a
query the recent events do not answer ranks its matches over the whole corpus."""


def event_scores(store: Store, query: str) -> Counter[int]:
    """event id → how much it is about the query (see the module's docstring)."""
    # (kept by the count of recent events too, as the recent articles are: see below)
    scores = store.until_changed_among(
        "event scores", (query, RECENT_EVENTS), KEPT_QUERIES, lambda: _scores(store, query)
    )
    return Counter(scores)  # a copy: what is kept stays as it was worked out


def _scores(store: Store, query: str) -> Counter[int]:
    recent = _recent_articles(store)
    if recent is not None:
        scores = _recent_scores(store, query, recent)
        if scores:
            return scores
    scores = Counter(
        {event_id: 2 * count for event_id, count in store.event_ids_for_topic(query).items()}
    )
    hits = store.search_article_ids(query, limit=SEARCH_HITS)
    scores.update(store.event_ids_of_articles(hits).values())
    return scores


@dataclass(frozen=True)
class RecentArticles:
    """The articles of the latest RECENT_EVENTS dated events."""

    events: dict[int, int]
    """article id → its event's id"""
    english: frozenset[int]
    """those of them in English: the only ones words are matched in"""
    table: str
    """the table of their ids, as queries read them: see _fill_table"""


def _recent_articles(store: Store) -> RecentArticles | None:
    """The recent articles (kept until the corpus changes: every topic and query brief reads
    them, and reading whether each is in English costs more than a brief's search), or None
    when the corpus has no more events than RECENT_EVENTS (then the whole corpus is read at
    once, as cheaply)."""
    count = RECENT_EVENTS
    return store.until_changed(
        f"articles of the latest {count} events", lambda: _read_recent_articles(store, count)
    )


def _read_recent_articles(store: Store, count: int) -> RecentArticles | None:
    with store.lock:
        events = store.db.execute(
            "SELECT id FROM events WHERE date IS NOT NULL ORDER BY date DESC, id DESC LIMIT ?",
            [count + 1],
        ).fetchall()
        if len(events) <= count:
            return None
        rows = store.db.execute(
            "SELECT id, event_id, language = 'en' FROM articles "
            "WHERE event_id IN (SELECT value FROM json_each(?))",
            [json.dumps([e[0] for e in events[:count]])],
        ).fetchall()
        table = f"temp.recent_articles_{count}"
        _fill_table(store, table, [r[0] for r in rows])
    return RecentArticles(
        {article_id: event_id for article_id, event_id, _ in rows},
        frozenset(article_id for article_id, _, english in rows if english),
        table,
    )


def _fill_table(store: Store, table: str, ids: list[int]) -> None:
    """The recent articles' ids into a temporary table of the store's connection (its lock
    held), one table for each count of recent events (kept apart as the articles are).
    Handed to each query as a JSON list instead, SQLite built a table of the list anew every
    time (1.5 ms of a query's 2.9 over 100,000 articles). Filled in a transaction of its own,
    unless a write of the store's is under way (then it goes with that write: what was kept
    is read again after every write)."""
    conn = store.db.conn
    within = conn.in_transaction
    conn.execute(f"CREATE TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY)")
    conn.execute(f"DELETE FROM {table}")
    conn.executemany(f"INSERT INTO {table} (id) VALUES (?)", [(i,) for i in ids])
    if not within:
        conn.commit()  # a temporary table's: the corpus's file is not written


def _recent_scores(store: Store, query: str, recent: RecentArticles) -> Counter[int]:
    """Two for each recent article filed under the topic, one for each recent English
    article matching the words: among a few thousand articles every match counts, unranked
    (ranking them all would cost what ranking the corpus's matches costs)."""
    scores: Counter[int] = Counter()
    events = recent.events
    for article_id in _filed_under(store, query.lower(), recent):
        scores[events[article_id]] += 2
    match = fts_query(query)
    if not match:
        return scores
    with store.lock:
        try:
            # The matches' ids alone, in the index's order: no rank is worked out. The index
            # reads every match in the corpus (a leader's name is in four articles of ten),
            # but only the recent ones become rows: the test is SQLite's, on the table of
            # their ids. The "+" keeps the table from being used as rowid lookups instead
            # (one search of the index for each recent article: a hundred times slower).
            recent_matches = [
                r[0]
                for r in store.db.execute(
                    "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? "
                    f"AND +rowid IN {recent.table}",
                    [match],
                )
            ]
        except sqlite3.OperationalError:
            return scores  # words FTS5 cannot read as a query match nothing
    for article_id in recent_matches:
        if article_id in recent.english:
            scores[events[article_id]] += 1
    return scores


def _filed_under(store: Store, topic: str, recent: RecentArticles) -> list[int]:
    """The recent articles filed under a topic: looked up for each of them in the topics'
    index by article, and only for a topic some article is filed under (most queries are
    words, not a topic). Read for the one topic asked: reading every topic of the recent
    articles at once took 12.6 ms of the first topic brief after each write on the 100k
    bench (26,371 rows), and reading the most common topic's alone 5.4."""
    with store.lock:
        conn = store.db.conn
        if conn.execute("SELECT 1 FROM article_topics WHERE topic = ? LIMIT 1", [topic]).fetchone():
            # Read by article (CROSS JOIN: the recent ones first, a seek in the index by
            # article and topic for each), never from the topic's own index, which lists
            # every article of the corpus filed under it (eight times as slow).
            rows = conn.execute(
                f"SELECT t.article_id FROM {recent.table} r CROSS JOIN article_topics t "
                "ON t.article_id = r.id AND t.topic = ?",
                [topic],
            ).fetchall()
            return [r[0] for r in rows]
    return []
