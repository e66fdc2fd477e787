"""The topics' English articles and days, kept as articles come, change and go: what
`topics` lists (the bot's /topics, and each topic button, which finds its topic among them)
without reading every article filed under a topic.

Listing the topics from ``article_topics`` joined to ``articles`` read each of the 570,000
rows of the 100k bench and its article: two seconds, after every write, with the engine's
lock held. ``topic_days`` holds, for each topic, its English articles with their day (the
date published, else the one grouping inferred), and ``topic_counts`` how many they are:
the list reads a count and two ends of an index a topic.

SQLite triggers on ``articles`` keep both, read from the row they fire for (its topics, as a
JSON list, its language and its day): as an ingest stores an article, or stores it again
changed, as grouping infers or clears a day, and as an article goes. Every path that writes
articles keeps the counts, and no writer needs to know of them. They are created, and filled from what is
stored, the first time a database is opened for them (`ensure`).
"""

from __future__ import annotations

import re
from typing import Any

from briefings.index.name_counts import CountedStore, statements

_DAY = "coalesce({row}.published, {row}.inferred_date)"
_TOPICS = "(SELECT value FROM json_each({row}.topics))"
"""An article's topics, from its own row (article_topics holds the same, a row each): the
triggers read nothing but the row they fire for. Looked up in an article's row, the
language and day come after its text: reading them for each topic an ingest files made
storing an article a third dearer."""

_ADD = f"""
    INSERT INTO topic_counts (topic, articles)
    SELECT DISTINCT value, 1 FROM json_each(NEW.topics) WHERE NEW.language = 'en'
    ON CONFLICT (topic) DO UPDATE SET articles = articles + 1;
    INSERT OR IGNORE INTO topic_days (topic, article_id, day)
    SELECT value, NEW.id, {_DAY.format(row="NEW")} FROM json_each(NEW.topics)
    WHERE NEW.language = 'en';
"""
"""An article's topics, if it is in English (a trigger's statements)."""
_TAKE = f"""
    UPDATE topic_counts SET articles = articles - 1 WHERE topic IN (
        SELECT topic FROM topic_days WHERE topic IN {_TOPICS.format(row="OLD")}
        AND article_id = OLD.id);
    DELETE FROM topic_counts WHERE topic IN {_TOPICS.format(row="OLD")} AND articles <= 0;
    DELETE FROM topic_days WHERE topic IN {_TOPICS.format(row="OLD")} AND article_id = OLD.id;
"""
"""An article's topics taken back (as they were: before they are added as they are)."""

SCHEMA = f"""
CREATE TABLE topic_days (
    topic TEXT NOT NULL,
    article_id INTEGER NOT NULL,
    day TEXT,
    PRIMARY KEY (topic, article_id)
) WITHOUT ROWID;
CREATE INDEX topic_days_day ON topic_days(topic, day);
CREATE TABLE topic_counts (
    topic TEXT PRIMARY KEY,
    articles INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER topic_counts_stored AFTER INSERT ON articles BEGIN
{_ADD}END;
CREATE TRIGGER topic_counts_changed AFTER UPDATE OF topics, language ON articles
WHEN OLD.topics IS NOT NEW.topics OR OLD.language IS NOT NEW.language BEGIN
{_TAKE}{_ADD}END;
CREATE TRIGGER topic_counts_redated AFTER UPDATE OF published, inferred_date ON articles
WHEN OLD.topics IS NEW.topics AND OLD.language IS NEW.language
    AND {_DAY.format(row="OLD")} IS NOT {_DAY.format(row="NEW")} BEGIN
    UPDATE topic_days SET day = {_DAY.format(row="NEW")}
    WHERE topic IN {_TOPICS.format(row="NEW")} AND article_id = NEW.id;
END;
CREATE TRIGGER topic_counts_gone AFTER DELETE ON articles BEGIN
{_TAKE}END;
"""
"""(An article's day changes most: grouping clears and sets again the days it inferred of
the articles of each event it writes. Its own trigger moves the day alone.)"""
_TRIGGERS = tuple(re.findall(r"CREATE TRIGGER (\w+)", SCHEMA))

DAYS_FROM_SCRATCH = f"""
SELECT DISTINCT t.value, a.id, {_DAY.format(row="a")} FROM articles a, json_each(a.topics) t
WHERE a.language = 'en'
"""
"""Each topic's English articles and their days, read from every article."""

TOPICS_FROM_ARTICLES = """
SELECT t.topic, count(*) AS n, min(coalesce(a.published, a.inferred_date)) AS first,
       max(coalesce(a.published, a.inferred_date)) AS last
FROM article_topics t JOIN articles a ON a.id = t.article_id
WHERE a.language = 'en' GROUP BY t.topic ORDER BY n DESC, t.topic
"""
"""The topics listed from every article filed under them: what TOPICS reads alike."""

TOPICS = """
SELECT c.topic, c.articles,
       (SELECT min(day) FROM topic_days d WHERE d.topic = c.topic AND d.day IS NOT NULL),
       (SELECT max(day) FROM topic_days d WHERE d.topic = c.topic)
FROM topic_counts c ORDER BY c.articles DESC, c.topic
"""
"""Topic, its English articles, their first and last day, the most filed first."""


def ensure(store: CountedStore) -> None:
    """Create the topics' days and counts and their triggers, filled from what is stored."""
    if exists(store.db.conn):
        return
    with store.transaction():  # looked at again once the write lock is held
        if exists(store.db.conn):
            return
        for trigger in _TRIGGERS:
            store.db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for table in ("topic_days", "topic_counts"):
            store.db.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in statements(SCHEMA):
            store.db.execute(statement)
        store.db.execute("INSERT INTO topic_days (topic, article_id, day) " + DAYS_FROM_SCRATCH)
        store.db.execute(
            "INSERT INTO topic_counts (topic, articles) "
            "SELECT topic, count(*) FROM topic_days GROUP BY topic"
        )


def exists(conn: Any) -> bool:
    """Whether the topics' counts are kept in this database (with every trigger)."""
    found = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'topic_%'")}
    return {"topic_days", "topic_counts", *_TRIGGERS} <= found
