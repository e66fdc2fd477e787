"""Writing a batch of analysed articles: their rows, each table's written in one statement.

The articles, sentences and mentions tables have triggers (the two full-text indexes, the
name counts). SQLite runs each statement that fires a trigger in a savepoint of its own, and
FTS5 writes its pending terms out as a new segment at every savepoint: rows inserted one
statement each made one small segment a row, to be merged again later, most of the cost of
saving an article. So the rows of a batch are staged in temporary tables (no triggers) and
copied into their tables by one INSERT … SELECT each: the triggers fire for every row as
before, and FTS5 writes one segment a batch.

The rows stored are the ones writing each article on its own gave, ids included: a new
article's id is the next after the largest stored (as SQLite picks a rowid), and rows are
copied in the order they were staged. Before an article already stored is replaced (its
rows deleted first), what was staged is written, so that ids come in the same order.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable

from briefings.models import Article

ARTICLE_COLUMNS = (
    "path",
    "title",
    "text",
    "checksum",
    "outlet",
    "outlet_source",
    "published",
    "date_source",
    "language",
    "url",
    "dateline",
    "contributors",
    "topics",
    "event_hints",
    "partial_date",
    "picture_dates",
    "word_count",
    "ingested_at",
)
SENTENCE_COLUMNS = ("article_id", "idx", "paragraph", "text", "topics")
MENTION_COLUMNS = (
    "article_id",
    "name",
    "key",
    "surname",
    "roles",
    "nationality",
    "sentences",
    "quotes",
    "weak",
)
CHILD_TABLES = ("sentences", "mentions", "entities", "article_topics")
"""The tables holding an article's rows by its id."""

_STAGED = {
    "articles": ("id", *ARTICLE_COLUMNS),
    "sentences": SENTENCE_COLUMNS,
    "mentions": MENTION_COLUMNS,
}
"""The tables with triggers, staged: their columns as staged and copied."""

Row = tuple[object, ...]


class ArticleRows:
    """The rows of the articles of one write transaction, staged and then written together.

    ``person_key`` and ``surname_of`` fold a mention's name as the store reads it (passed
    in: the store owns them, and reads this module)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        person_key: Callable[[str], str],
        surname_of: Callable[[str], str],
    ) -> None:
        self.conn = conn
        self.person_key = person_key
        self.surname_of = surname_of
        self.staged: dict[str, list[Row]] = {name: [] for name in (*_STAGED, *CHILD_TABLES)}
        self.next_id: int | None = None
        self.paths: set[str] = set()
        for table, columns in _STAGED.items():
            # Temporary: the connection's own, never in the file, no triggers.
            conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS staged_{table} ({', '.join(columns)})")

    def save(self, article: Article, now: str) -> int:
        """Stage an article's rows (an article stored under its path is replaced); its id."""
        if article.path in self.paths:  # twice in a batch: the first is stored before the second
            self.write()
        existing = self.conn.execute(
            "SELECT id FROM articles WHERE path = ?", [article.path]
        ).fetchone()
        values = _article_values(article, now)
        if existing:
            self.write()
            article_id = int(existing[0])
            for table in CHILD_TABLES:
                self.conn.execute(f"DELETE FROM {table} WHERE article_id = ?", [article_id])
            self.conn.execute(
                f"UPDATE articles SET {', '.join(f'{c} = ?' for c in ARTICLE_COLUMNS)} "
                "WHERE id = ?",
                [*values, article_id],
            )
        else:
            if self.next_id is None:
                row = self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM articles").fetchone()
                self.next_id = int(row[0])
            article_id = self.next_id
            self.next_id += 1
            self.staged["articles"].append((article_id, *values))
        self.paths.add(article.path)
        self._stage_children(article, article_id)
        return article_id

    def _stage_children(self, article: Article, article_id: int) -> None:
        self.staged["sentences"].extend(
            (article_id, s.index, s.paragraph, s.text, " ".join(s.topics))
            for s in article.sentences
        )
        self.staged["mentions"].extend(
            (
                article_id,
                p.name,
                key,
                self.surname_of(key),
                json.dumps(list(p.roles)),
                p.nationality,
                json.dumps(list(p.sentences)),
                json.dumps(list(p.quotes)),
                int(p.weak),
            )
            for p in (*article.entities.people, *article.entities.unconfirmed)
            for key in (self.person_key(p.name),)
        )
        self.staged["entities"].extend(
            [(article_id, "place", n) for n in article.entities.places]
            + [(article_id, "organisation", n) for n in article.entities.organisations]
        )
        self.staged["article_topics"].extend((article_id, t) for t in dict.fromkeys(article.topics))

    def write(self) -> None:
        """Write what is staged: articles first (the name counts read their language)."""
        conn = self.conn
        for table, columns in _STAGED.items():
            rows = self.staged[table]
            if not rows:
                continue
            names = ", ".join(columns)
            conn.executemany(
                f"INSERT INTO staged_{table} VALUES ({', '.join('?' for _ in columns)})", rows
            )
            conn.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM staged_{table} ORDER BY rowid"
            )
            conn.execute(f"DELETE FROM staged_{table}")
            rows.clear()
        # No triggers on these: one statement a row costs no more than one a batch.
        conn.executemany(
            "INSERT INTO entities (article_id, kind, name) VALUES (?, ?, ?)",
            self.staged["entities"],
        )
        conn.executemany(
            "INSERT INTO article_topics (article_id, topic) VALUES (?, ?)",
            self.staged["article_topics"],
        )
        self.staged["entities"].clear()
        self.staged["article_topics"].clear()
        self.next_id = None
        self.paths.clear()


def _article_values(article: Article, now: str) -> Row:
    """An article's row, in the order of ARTICLE_COLUMNS."""
    return (
        article.path,
        article.title,
        article.text,
        article.checksum,
        article.outlet,
        article.outlet_source,
        _iso(article.published),
        article.date_source,
        article.language,
        article.url,
        article.dateline,
        json.dumps(list(article.contributors)),
        json.dumps(list(article.topics)),
        json.dumps([d.isoformat() for d in article.event_hints]),
        (
            f"{article.partial_date[0]:02d}-{article.partial_date[1]:02d}"
            if article.partial_date
            else None
        ),
        json.dumps([d.isoformat() for d in article.picture_dates]),
        article.word_count,
        now,
    )


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
