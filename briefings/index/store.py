"""The index: one SQLite file (through sqlite-utils) holding articles, sentences, people and events.

Over 400 lines: the engine's one connection, its schema and migrations, and every query it
makes: the SQL sits beside the indexes it relies on.

Full-text search uses FTS5 with the porter stemmer over articles and over sentences, kept in
step by triggers. The schema is created and upgraded here, at open time.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from briefings import memory
from briefings.errors import DatabaseError
from briefings.index import corpus_version, name_counts, topic_counts
from briefings.index.article_rows import ArticleRows
from briefings.index.corpus_overview import CorpusFigures, OutletArticles, SourcesOverview
from briefings.index.lean_sqlite_utils import sqlite_utils
from briefings.index.name_index import NameIndex
from briefings.models import (
    INFERRED_OUTLET_SOURCES,
    Article,
    Event,
    PersonMention,
    SearchHit,
    StoredArticle,
    Topic,
)

SCHEMA_VERSION = 6
APPLICATION_ID = 0x4E455753  # "NEWS": marks the file as ours, so a foreign database is refused


@dataclass(frozen=True)
class StoredSentence:
    article_id: int
    index: int
    paragraph: int
    text: str


@dataclass(frozen=True)
class ArticleHead:
    """What choosing among an event's articles reads of each (see brief.reports)."""

    id: int
    path: str
    title: str
    published: dt.date | None
    """The article's date, or the one inferred for it (as StoredArticle.published)."""


@dataclass(frozen=True)
class StoredMention:
    article_id: int
    mention: PersonMention
    key: str = ""
    """The name folded for matching (see person_key), stored at ingest."""
    person: str = ""
    """The folded name of the person this name stands for in the corpus (see identity)."""


def _cited_outlet(outlet: str | None, source: str | None) -> str | None:
    """An outlet as StoredArticle.source_name cites it (None when the article names none),
    from its row's columns without making the article (a test holds the two alike)."""
    if not outlet:
        return None
    return f"{outlet} (inferred)" if source in INFERRED_OUTLET_SOURCES else outlet


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _json_ids(ids: Iterable[int]) -> str:
    """Ids as one JSON parameter: ``IN (SELECT value FROM json_each(?))`` has no variable limit."""
    return json.dumps([int(i) for i in ids])


def fts_query(text: str) -> str:
    """Turn user text into a safe FTS5 query: words and quoted phrases, all required.

    Users type plain words; FTS5 syntax characters in their text must never raise.
    """
    phrases = re.findall(r'"([^"]+)"', text)
    rest = re.sub(r'"[^"]*"', " ", text)
    terms = [f'"{p.strip()}"' for p in phrases if p.strip()]
    for word in re.findall(r"[\w'-]+\*?", rest):
        cleaned = word.rstrip("*").strip("'-")
        if cleaned:
            star = "*" if word.endswith("*") else ""
            terms.append(f'"{cleaned}"{star}')
    return " ".join(terms)


_Kept = TypeVar("_Kept")


@dataclass(frozen=True)
class _OfEvent:
    """What is kept of one event, with what it was read from."""

    found: Any
    event_id: int
    names: frozenset[str]


def _untouched_events(
    kept: OrderedDict[Hashable, _OfEvent], changes: corpus_version.Changes
) -> OrderedDict[Hashable, _OfEvent]:
    """What is kept of events that the changes left as they were (see until_event_changed)."""
    return OrderedDict((k, e) for k, e in kept.items() if not changes.touch(e.event_id, e.names))


def _latest(
    kept: OrderedDict[Hashable, Any], key: Hashable, limit: int, work_out: Callable[[], _Kept]
) -> _Kept:
    """``kept[key]``, worked out if missing, for the latest ``limit`` keys asked for: what
    was asked for longest ago goes first."""
    while len(kept) > limit:  # (the limit may have been lowered since)
        kept.popitem(last=False)
    if key in kept:
        kept.move_to_end(key)
        return kept[key]  # type: ignore[no-any-return]
    found = work_out()
    if limit > 0:
        kept[key] = found
        while len(kept) > limit:
            kept.popitem(last=False)
    return found


class Store:
    """All reads and writes of the index. Takes an open sqlite-utils Database."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        # One connection shared by the bot's worker threads: serialise access to it.
        self.lock = threading.RLock()
        self._kept: dict[str, Any] = {}
        """What is worked out from the corpus and read by many calls (see until_changed)."""
        self._kept_version = -1
        """SQLite's data_version when the kept was last looked at: another connection's commit
        changes it (this one's never do)."""
        self._kept_corpus: int | None = None
        """The corpus's version what is kept was worked out from (see corpus_version)."""
        self._kept_stale: dict[str, tuple[Any, int]] = {}
        """What was kept under a name that can be brought up to date with a write's changes
        (see until_changed's ``update``), with the corpus's version it was of."""
        self._updated_by: dict[str, Callable[[Any, corpus_version.Changes], Any]] = {}
        """The names so kept, and how each is brought up to date."""
        self._name_index: NameIndex | None = None
        self._name_index_of: dict[str, str] | None = None
        """The names the index was last brought up to date with (see person_name_index)."""
        self._name_index_change = 0
        """The latest change of names the index holds (name_counts.latest_change)."""
        self._migrate()
        self._add_lookup_indexes()
        corpus_version.ensure(self.db.conn)

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open or create the database file; refuse a damaged or foreign one with a clear error."""
        path = Path(path)
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(str(path), check_same_thread=False)
            db = sqlite_utils.Database(conn)
            return cls(db)
        except sqlite3.DatabaseError as error:
            raise DatabaseError(
                f"{path} is not a usable newsbot database ({error}). "
                "Move it away or point NEWSBOT_DB / --db at another file."
            ) from error

    def close(self) -> None:
        self.db.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction, holding the write lock from its start.

        Another connection to the file (the bot's own tables) may commit meanwhile: a
        transaction that read first and wrote later would then fail at once with "database
        is locked", where one taken at once just waits its turn.
        """
        with self.lock:
            with self.db.conn:
                if not self.db.conn.in_transaction:
                    self.db.conn.execute("BEGIN IMMEDIATE")
                # Every write may change the corpus: what was worked out from it is read
                # again (or brought up to date), and not kept from the middle of the write.
                self._let_go()
                try:
                    yield
                finally:
                    self._kept.clear()  # (what was set aside before the write stays so)
            # What is kept from now on is of the corpus as written (or as another
            # connection left it since: then that is what will be read).
            self._kept_corpus = corpus_version.read(self.db.conn)

    def until_changed(
        self,
        name: str,
        work_out: Callable[[], _Kept],
        *,
        update: Callable[[_Kept, corpus_version.Changes], _Kept | None] | None = None,
    ) -> _Kept:
        """What ``work_out`` reads of the corpus, kept under ``name`` until the corpus may
        have changed: until this store's next write, or another connection's commit that
        wrote the corpus (a CLI ingest; not the bot's own tables in the same file, which
        leave the corpus's version as it was: see corpus_version).

        With ``update``, what was kept is not dropped then but brought up to date when next
        asked for: ``update`` is given it and the changes of the writes since (the events
        and names they changed), and gives it as it now is, or None to work it out anew."""
        with self.lock:
            self._look_for_changes()
            if update is not None:
                self._updated_by[name] = update
            if name not in self._kept:
                stale = self._kept_stale.pop(name, None)
                found = None
                if stale is not None and update is not None and not self.db.conn.in_transaction:
                    kept, since = stale
                    found = update(kept, corpus_version.changed_since(self.db.conn, since))
                self._kept[name] = work_out() if found is None else found
            return self._kept[name]  # type: ignore[no-any-return]

    def _let_go(self) -> None:
        """Drop what is kept of the corpus as a whole; what can be brought up to date is
        set aside with the version it was of (the earliest, if it was set aside before)."""
        if self._kept_corpus is not None:
            for name, kept in self._kept.items():
                if name in self._updated_by and name not in self._kept_stale:
                    self._kept_stale[name] = (kept, self._kept_corpus)
        else:
            self._kept_stale.clear()
        self._kept.clear()

    def _look_for_changes(self) -> None:
        """Let go what another connection's commit to the corpus may have changed."""
        # data_version changes when another connection commits, never for this one's.
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        if version != self._kept_version:
            corpus = corpus_version.read(self.db.conn)
            if corpus != self._kept_corpus:
                self._let_go()
                self._kept_corpus = corpus
            self._kept_version = version

    def until_changed_among(
        self,
        name: str,
        key: Hashable,
        limit: int,
        work_out: Callable[[], _Kept],
        *,
        update: Callable[
            [OrderedDict[Hashable, _Kept], corpus_version.Changes], OrderedDict[Hashable, _Kept]
        ]
        | None = None,
    ) -> _Kept:
        """What ``work_out`` reads of the corpus for one key of many (an event, a query),
        kept as ``until_changed`` keeps it, for the latest ``limit`` keys asked for: what
        was asked for longest ago goes first. ``update`` brings all the keys' up to date
        at once (see until_changed)."""
        kept: OrderedDict[Hashable, Any] = self.until_changed(name, OrderedDict, update=update)
        with self.lock:
            return _latest(kept, key, limit, work_out)

    def until_event_changed(
        self,
        name: str,
        key: Hashable,
        limit: int,
        event_id: int,
        work_out: Callable[[], tuple[_Kept, frozenset[str]]],
    ) -> _Kept:
        """What ``work_out`` reads of one event, kept as ``until_changed_among`` keeps it
        but across writes of the corpus that leave the event as it was: neither the event
        nor any of its articles written, and none of the names ``work_out`` gives with what
        it found (the folded names its articles give) resolved to another person. A bot's
        feed poll adds an article to one event or two: the others' briefings stay kept."""

        def work_out_of_event() -> _OfEvent:
            found, names = work_out()
            return _OfEvent(found, event_id, names)

        kept: _OfEvent = self.until_changed_among(
            name, key, limit, work_out_of_event, update=_untouched_events
        )
        return kept.found  # type: ignore[no-any-return]

    # -- schema -----------------------------------------------------------------------------
    def _migrate(self) -> None:
        conn = self.db.conn
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = set(self.db.table_names())
        # The bot keeps its own tables in the same file (marked by "bot_schema"): not foreign.
        is_ours = bool(tables & {"articles", "bot_schema"})
        if app_id not in (0, APPLICATION_ID) or (app_id == 0 and tables and not is_ours):
            raise sqlite3.DatabaseError("the file holds another application's tables")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"it was written by a newer newsbot (schema {version}, this one knows {SCHEMA_VERSION})"
            )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        steps = (
            self._create_v1,
            self._upgrade_to_v2,
            self._upgrade_to_v3,
            self._upgrade_to_v4,
            self._upgrade_to_v5,
            self._upgrade_to_v6,
        )
        # Each step takes the schema one version up; the version is recorded after each.
        for number, step in enumerate(steps, start=1):
            if version < number:
                step()
                if number == 1:
                    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version={number}")
        conn.commit()

    def _add_lookup_indexes(self) -> None:
        """Indexes that keep lookups from scanning the corpus, derived from what is stored (so
        they need no schema version of their own): each mention's surname (the last word of
        its folded name) for `who`, the events by date for the latest one, and the articles
        by event (with their language), outlet, language and when they came in."""
        with self.db.conn:
            if "surname" not in self.db.table("mentions").columns_dict:
                self.db.execute("ALTER TABLE mentions ADD COLUMN surname TEXT")
            self.db.execute("CREATE INDEX IF NOT EXISTS mentions_surname ON mentions(surname)")
            # Rows written before the column, or by a newsbot that does not know it.
            missing = self.db.execute(
                "SELECT id, key FROM mentions WHERE surname IS NULL"
            ).fetchall()
            self.db.conn.executemany(
                "UPDATE mentions SET surname = ? WHERE id = ?",
                [(_surname_of(key or ""), row_id) for row_id, key in missing],
            )
            self.db.execute("CREATE INDEX IF NOT EXISTS events_date ON events(date)")
            # The outlets' counts and latest articles (sources_overview), without reading
            # every article's row (its text comes before its outlet).
            self.db.execute(
                "CREATE INDEX IF NOT EXISTS articles_outlet ON articles(outlet, outlet_source)"
            )
            self.db.execute("CREATE INDEX IF NOT EXISTS articles_language ON articles(language)")
            # An event's articles with their language, read from the index alone: a topic or
            # query brief reads those of the latest events whenever the corpus changed, and
            # the language comes after the text in each row (4,624 articles of the 100k
            # bench: 8.1 ms read from the rows, 1.6 from this index). It takes the place of
            # the index by event alone, which it begins with.
            self.db.execute(
                "CREATE INDEX IF NOT EXISTS articles_event_language ON articles(event_id, language)"
            )
            self.db.execute("DROP INDEX IF EXISTS idx_articles_event_id")
            # What came in since an instant (digests, alerts, filters): read from the instant
            # on, not by a scan of every article (99 ms on the 100k bench, a filter each).
            self.db.execute("CREATE INDEX IF NOT EXISTS articles_ingested ON articles(ingested_at)")

    def _upgrade_to_v4(self) -> None:
        """Derived facts get columns and tables of their own, apart from what articles say.

        - A date inferred from an article's event lives in ``inferred_date`` (with how it was
          inferred), never over ``published``; a dateline's month and day without a year is
          kept in ``partial_date``; caption dates in ``picture_dates``.
        - ``person_names`` maps every folded name to the one person it names in the corpus.
        """
        columns = self.db.table("articles").columns_dict
        for column in ("partial_date", "picture_dates", "inferred_date", "inferred_source"):
            if column not in columns:
                self.db.execute(f"ALTER TABLE articles ADD COLUMN {column} TEXT")
        self.db.execute(
            "UPDATE articles SET inferred_date = published, inferred_source = date_source, "
            "published = NULL, date_source = 'none' WHERE date_source = 'inferred from event'"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS person_names (key TEXT PRIMARY KEY, person TEXT NOT NULL)"
        )
        self.db.execute("CREATE INDEX IF NOT EXISTS person_names_person ON person_names(person)")

    def _upgrade_to_v5(self) -> None:
        """How each article's outlet was found, so that a guessed one is shown as a guess; and
        which mentions are weak (a name with no evidence in its article, a person only if the
        corpus knows one by that name)."""
        if "outlet_source" not in self.db.table("articles").columns_dict:
            self.db.execute("ALTER TABLE articles ADD COLUMN outlet_source TEXT")
        if "weak" not in self.db.table("mentions").columns_dict:
            self.db.execute("ALTER TABLE mentions ADD COLUMN weak INTEGER NOT NULL DEFAULT 0")

    def _upgrade_to_v6(self) -> None:
        """Each event knows the report that started it. What grouping keeps between
        ingests lives in tables of its own, created by ``event_replay.ensure_tables`` (the
        engine and ingest call it), so that the store needs nothing of grouping."""
        if "founder" not in self.db.table("events").columns_dict:
            self.db.execute("ALTER TABLE events ADD COLUMN founder INTEGER")
        self.db.execute("CREATE INDEX IF NOT EXISTS events_founder ON events(founder)")
        self.db.execute("CREATE INDEX IF NOT EXISTS events_date ON events(date)")

    def _upgrade_to_v3(self) -> None:
        """Re-index an article's text only when its title or text changes.

        The trigger sqlite-utils creates fires on any update, so setting an article's event
        re-indexed its whole text: most of the time event grouping took.
        """
        self.db.execute('DROP TRIGGER IF EXISTS "articles_au"')
        self.db.execute(
            'CREATE TRIGGER "articles_au" AFTER UPDATE OF "title", "text" ON "articles" BEGIN\n'
            '  INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text") '
            'VALUES(\'delete\', old.rowid, old."title", old."text");\n'
            '  INSERT INTO "articles_fts" (rowid, "title", "text") '
            'VALUES (new.rowid, new."title", new."text");\n'
            "END"
        )

    def _upgrade_to_v2(self) -> None:
        """Sentences get their topics, so a briefing on a topic can focus on its sentences."""
        if "topics" not in self.db.table("sentences").columns_dict:
            self.db.execute("ALTER TABLE sentences ADD COLUMN topics TEXT")

    def _create_v1(self) -> None:
        db = self.db
        db.table("articles").create(
            {
                "id": int,
                "path": str,
                "title": str,
                "text": str,
                "checksum": str,
                "outlet": str,
                "published": str,
                "date_source": str,
                "language": str,
                "url": str,
                "dateline": str,
                "contributors": str,
                "topics": str,
                "event_hints": str,
                "event_id": int,
                "word_count": int,
                "ingested_at": str,
            },
            pk="id",
            not_null={"path", "title", "text", "checksum"},
            if_not_exists=True,
        )
        db.table("articles").create_index(["path"], unique=True, if_not_exists=True)
        db.table("articles").create_index(["published"], if_not_exists=True)
        db.table("sentences").create(
            {
                "id": int,
                "article_id": int,
                "idx": int,
                "paragraph": int,
                "text": str,
            },
            pk="id",
            foreign_keys=[("article_id", "articles", "id")],
            if_not_exists=True,
        )
        db.table("sentences").create_index(["article_id", "idx"], unique=True, if_not_exists=True)
        db.table("mentions").create(
            {
                "id": int,
                "article_id": int,
                "name": str,
                "key": str,
                "roles": str,
                "nationality": str,
                "sentences": str,
                "quotes": str,
            },
            pk="id",
            foreign_keys=[("article_id", "articles", "id")],
            if_not_exists=True,
        )
        db.table("mentions").create_index(["article_id"], if_not_exists=True)
        db.table("mentions").create_index(["key"], if_not_exists=True)
        db.table("entities").create(
            {"id": int, "article_id": int, "kind": str, "name": str},
            pk="id",
            foreign_keys=[("article_id", "articles", "id")],
            if_not_exists=True,
        )
        db.table("entities").create_index(["article_id"], if_not_exists=True)
        db.table("article_topics").create(
            {"article_id": int, "topic": str},
            pk=("article_id", "topic"),
            foreign_keys=[("article_id", "articles", "id")],
            if_not_exists=True,
        )
        db.table("article_topics").create_index(["topic"], if_not_exists=True)
        db.table("events").create(
            {"id": int, "title": str, "date": str, "place": str, "people": str},
            pk="id",
            if_not_exists=True,
        )
        db.table("ingest_log").create(
            {
                "id": int,
                "at": str,
                "added": int,
                "updated": int,
                "unchanged": int,
                "rejected": int,
                "errors": str,
            },
            pk="id",
            if_not_exists=True,
        )
        db.table("articles").enable_fts(
            ["title", "text"], fts_version="FTS5", tokenize="porter", create_triggers=True
        )
        db.table("sentences").enable_fts(
            ["text"], fts_version="FTS5", tokenize="porter", create_triggers=True
        )

    # -- writes -----------------------------------------------------------------------------
    def checksum_of(self, path: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT checksum FROM articles WHERE path = ?", [path]).fetchone()
        return row[0] if row else None

    def paths_by_prefix(self, prefix: str) -> list[str]:
        with self.lock:
            rows = self.db.execute(
                "SELECT path FROM articles WHERE path = ? OR path LIKE ? ESCAPE '\\'",
                [prefix, prefix.replace("%", "\\%").replace("_", "\\_") + "#%"],
            ).fetchall()
        return [r[0] for r in rows]

    def save_articles(
        self,
        articles: Sequence[Article],
        after: Callable[[list[tuple[int, Article]]], None] | None = None,
    ) -> list[int]:
        """Insert or replace analysed articles (matched by path) in one transaction and
        return their ids; ``after`` is called with (id, article) of each, inside the same
        transaction (ingest stores what grouping reads of them)."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        saved = []
        with self.transaction():
            rows = ArticleRows(self.db.conn, person_key, _surname_of)
            for article in articles:
                saved.append((rows.save(article, now), article))
            rows.write()
            if after is not None:
                after(saved)
        return [article_id for article_id, _ in saved]

    def delete_paths(self, paths: Iterable[str]) -> None:
        with self.transaction():
            for path in paths:
                row = self.db.execute("SELECT id FROM articles WHERE path = ?", [path]).fetchone()
                if row:
                    for table in ("sentences", "mentions", "entities", "article_topics"):
                        self.db.execute(f"DELETE FROM {table} WHERE article_id = ?", [row[0]])
                    self.db.execute("DELETE FROM articles WHERE id = ?", [row[0]])

    def replace_events(
        self, events: Sequence[Event], inferred_dates: dict[int, tuple[dt.date, str]]
    ) -> None:
        """Store a fresh grouping of articles into events, and dates inferred from them
        (article id → (date, how it was inferred))."""
        with self.transaction():
            self.db.execute("DELETE FROM events")
            self.db.execute(
                "UPDATE articles SET event_id = NULL, inferred_date = NULL, inferred_source = NULL"
            )
            self.db.table("events").insert_all(
                {
                    "id": e.id,
                    "title": e.title,
                    "date": _iso(e.date),
                    "place": e.place,
                    "people": json.dumps(list(e.people)),
                }
                for e in events
            )
            self.db.conn.executemany(
                "UPDATE articles SET event_id = ? WHERE id = ?",
                [(e.id, a) for e in events for a in e.article_ids],
            )
            self.db.conn.executemany(
                "UPDATE articles SET inferred_date = ?, inferred_source = ? WHERE id = ?",
                [(d.isoformat(), how, a) for a, (d, how) in inferred_dates.items()],
            )

    def replace_person_names(self, names: dict[str, str]) -> None:
        """Store which person each folded name stands for (name key → person key)."""
        with self.transaction():
            self.db.execute("DELETE FROM person_names")
            self.db.conn.executemany(
                "INSERT INTO person_names (key, person) VALUES (?, ?)", list(names.items())
            )

    def log_ingest(self, added: int, updated: int, unchanged: int, errors: list[str]) -> None:
        with self.transaction():
            self.db.table("ingest_log").insert(
                {
                    "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "added": added,
                    "updated": updated,
                    "unchanged": unchanged,
                    "rejected": len(errors),
                    "errors": json.dumps(errors[:50]),
                }
            )

    # -- reads ------------------------------------------------------------------------------
    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
        with self.lock:
            cursor = self.db.execute(sql, list(params))
            columns = [c[0] for c in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    @staticmethod
    def _article(row: dict[str, Any]) -> StoredArticle:
        return StoredArticle(
            id=row["id"],
            path=row["path"],
            title=row["title"],
            outlet=row["outlet"],
            published=_date(row["published"] or row["inferred_date"]),
            date_source=(
                row["date_source"]
                if row["published"]
                else row["inferred_source"] or row["date_source"] or "none"
            ),
            language=row["language"] or "und",
            event_id=row["event_id"],
            topics=tuple(json.loads(row["topics"] or "[]")),
            url=row["url"],
            outlet_source=row.get("outlet_source") or "none",
        )

    _ARTICLE_COLUMNS = (
        "id, path, title, outlet, published, date_source, language, event_id, topics, url, "
        "inferred_date, inferred_source, outlet_source"
    )

    def articles(self, ids: Iterable[int] | None = None) -> list[StoredArticle]:
        sql = f"SELECT {self._ARTICLE_COLUMNS} FROM articles"
        params: Sequence[object] = []
        if ids is not None:
            id_list = list(ids)
            sql += " WHERE id IN (SELECT value FROM json_each(?))"
            params = [_json_ids(id_list)]
        sql += " ORDER BY path"
        return [self._article(r) for r in self._rows(sql, params)]

    def sources_overview(self, outlets: int, articles: int) -> SourcesOverview:
        """The ``outlets`` outlets most articles come from, each with its count and its
        latest ``articles`` articles stored; and how many outlets and articles that leaves
        out. Articles naming no outlet are counted as one outlet (None), always shown."""
        with self.lock:
            groups = self.db.execute(
                "SELECT outlet, outlet_source, count(*) FROM articles "
                "GROUP BY outlet, outlet_source"
            ).fetchall()
        # As briefings cite them: an outlet and the same outlet inferred are apart.
        by_name: dict[str | None, list[tuple[str | None, str | None, int]]] = {}
        for outlet, source, count in groups:
            name = _cited_outlet(outlet, source)
            by_name.setdefault(name, []).append((outlet, source, count))
        counts = {name: sum(c for _, _, c in rows) for name, rows in by_name.items()}
        named = sorted((n for n in counts if n is not None), key=lambda n: (-counts[n], n))
        shown = sorted(named[:outlets]) + ([None] if None in counts else [])
        left_out = named[outlets:]
        overview = []
        for name in shown:
            latest_ids: list[int] = []
            for outlet, source, _ in by_name[name]:
                with self.lock:
                    latest_ids += [
                        r[0]
                        for r in self.db.execute(
                            "SELECT id FROM articles WHERE outlet IS ? AND outlet_source IS ? "
                            "ORDER BY id DESC LIMIT ?",
                            [outlet, source, articles],
                        )
                    ]
            chosen = sorted(latest_ids, reverse=True)[:articles]
            found = {a.id: a for a in self.articles(chosen)}
            latest = tuple(found[i] for i in chosen if i in found)
            overview.append(OutletArticles(name, counts[name], latest))
        return SourcesOverview(tuple(overview), len(left_out), sum(counts[n] for n in left_out))

    def english_article_heads(self, ids: Iterable[int]) -> list[ArticleHead]:
        """Id, path, title and date of these articles in English, in path order: what
        choosing a big event's representative articles reads, without making whole articles
        of the hundreds it leaves out."""
        with self.lock:
            rows = self.db.execute(
                "SELECT id, path, title, coalesce(nullif(published, ''), inferred_date) "
                "FROM articles WHERE language = 'en' "
                "AND id IN (SELECT value FROM json_each(?)) ORDER BY path",
                [_json_ids(ids)],
            ).fetchall()
        return [ArticleHead(r[0], r[1], r[2], _date(r[3])) for r in rows]

    def articles_by_paths(self, paths: Iterable[str]) -> list[StoredArticle]:
        """The articles stored under these paths (those that are)."""
        wanted = list(dict.fromkeys(paths))
        if not wanted:
            return []
        return [
            self._article(r)
            for r in self._rows(
                f"SELECT {self._ARTICLE_COLUMNS} FROM articles "
                "WHERE path IN (SELECT value FROM json_each(?)) ORDER BY path",
                [json.dumps(wanted)],
            )
        ]

    def article_count(self) -> int:
        return int(self._rows("SELECT count(*) AS n FROM articles")[0]["n"])

    def corpus_figures(self) -> CorpusFigures:
        """Articles, English ones, outlets, events and topics, each counted from an index
        or a table of its own (not from every article's row: 2 s on the 100k bench)."""
        with self.lock:
            db = self.db
            articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
            (english,) = db.execute(
                "SELECT count(*) FROM articles WHERE language = 'en'"
            ).fetchone()
            outlets = {
                _cited_outlet(outlet, source)
                for outlet, source in db.execute(
                    "SELECT DISTINCT outlet, outlet_source FROM articles"
                ).fetchall()
            }
        return CorpusFigures(
            int(articles),
            int(english),
            len(outlets - {None}),
            self.event_count(),
            len(self.topics()),
        )

    def event_count(self) -> int:
        """Events with articles (as `events` lists them)."""
        with self.lock:
            return int(
                self.db.execute(
                    "SELECT count(*) FROM events e "
                    "WHERE EXISTS (SELECT 1 FROM articles a WHERE a.event_id = e.id)"
                ).fetchone()[0]
            )

    def grouping_rows(self) -> list[dict[str, Any]]:
        """What event grouping needs of every English article, without its text."""
        return self._rows(
            "SELECT id, title, published, date_source, event_hints, partial_date, picture_dates "
            "FROM articles "
            "WHERE language = 'en' ORDER BY id"
        )

    def sentences(self, article_ids: Sequence[int]) -> list[StoredSentence]:
        if not article_ids:
            return []
        rows = self._rows(
            "SELECT article_id, idx, paragraph, text FROM sentences WHERE article_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY article_id, idx",
            [_json_ids(article_ids)],
        )
        return [StoredSentence(r["article_id"], r["idx"], r["paragraph"], r["text"]) for r in rows]

    def texts(self, article_ids: Sequence[int]) -> list[tuple[int, str]]:
        """(article id, title and text) for each article."""
        if not article_ids:
            return []
        rows = self._rows(
            "SELECT id, title || ' ' || text AS t FROM articles WHERE id IN (SELECT value FROM json_each(?))",
            [_json_ids(article_ids)],
        )
        return [(r["id"], r["t"]) for r in rows]

    def lead_sentences(self, article_ids: Sequence[int], count: int) -> list[StoredSentence]:
        """The first ``count`` sentences of each article."""
        if not article_ids:
            return []
        rows = self._rows(
            "SELECT article_id, idx, paragraph, text FROM sentences WHERE idx < ? AND article_id "
            "IN (SELECT value FROM json_each(?)) ORDER BY article_id, idx",
            [count, _json_ids(article_ids)],
        )
        return [StoredSentence(r["article_id"], r["idx"], r["paragraph"], r["text"]) for r in rows]

    def mentions(
        self, article_ids: Sequence[int] | None = None, *, keys: Sequence[str] | None = None
    ) -> list[StoredMention]:
        """The mentions of these articles (all, if None), of these folded names only if given."""
        sql = (
            "SELECT m.article_id, m.name, m.key, m.roles, m.nationality, m.sentences, m.quotes, "
            "coalesce(p.person, m.key) AS person FROM mentions m "
            "LEFT JOIN person_names p ON p.key = m.key "
            # A weak mention is a person only if the corpus resolved its name to one.
            "WHERE (m.weak = 0 OR p.person IS NOT NULL)"
        )
        params: Sequence[object] = ()
        if article_ids is not None:
            if not article_ids:
                return []
            sql += " AND m.article_id IN (SELECT value FROM json_each(?))"
            params = [_json_ids(article_ids)]
        if keys is not None:
            sql += " AND m.key IN (SELECT value FROM json_each(?))"
            params = [*params, json.dumps(list(keys))]
        with self.lock:
            rows = self.db.execute(sql + " ORDER BY m.article_id, m.id", list(params)).fetchall()
        # A card reads thousands of these: rows as tuples, and no decoding of an empty list.
        return [
            StoredMention(
                article_id,
                PersonMention(
                    name=name,
                    roles=() if roles == "[]" else tuple(json.loads(roles)),
                    nationality=nationality,
                    sentences=tuple(json.loads(sentences)),
                    quotes=() if quotes == "[]" else tuple(json.loads(quotes)),
                ),
                key,
                person,
            )
            for article_id, name, key, roles, nationality, sentences, quotes, person in rows
        ]

    def mention_keys(self, article_ids: Sequence[int]) -> frozenset[str]:
        """The folded names these articles give, weak ones included (whether the corpus
        resolves a weak name to a person decides whether it is one)."""
        rows = self._rows(
            "SELECT DISTINCT key FROM mentions WHERE key IS NOT NULL "
            "AND article_id IN (SELECT value FROM json_each(?))",
            [_json_ids(article_ids)],
        )
        return frozenset(r["key"] for r in rows)

    def raw_mentions(
        self, article_ids: Sequence[int]
    ) -> dict[int, list[tuple[str, PersonMention]]]:
        """article id → (folded name, mention) of every mention, weak ones included."""
        found: dict[int, list[tuple[str, PersonMention]]] = {}
        rows = self._rows(
            "SELECT article_id, name, key, roles, nationality, sentences, quotes, weak FROM mentions "
            "WHERE article_id IN (SELECT value FROM json_each(?)) ORDER BY article_id, id",
            [_json_ids(article_ids)],
        )
        for r in rows:
            found.setdefault(r["article_id"], []).append(
                (
                    r["key"],
                    PersonMention(
                        name=r["name"],
                        roles=tuple(json.loads(r["roles"])),
                        nationality=r["nationality"],
                        sentences=tuple(json.loads(r["sentences"])),
                        quotes=tuple(json.loads(r["quotes"])),
                        weak=bool(r["weak"]),
                    ),
                )
            )
        return found

    def name_evidence(self) -> list[tuple[str, int, str | None, str, bool]]:
        """(folded name, article id, nationality, roles as JSON, weak) of every English
        mention."""
        rows = self.db.execute(
            "SELECT m.key, m.article_id, m.nationality, m.roles, m.weak FROM mentions m "
            "JOIN articles a ON a.id = m.article_id WHERE a.language = 'en'"
        ).fetchall()
        return [(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]

    def persons_of_keys(self, keys: Sequence[str]) -> list[str]:
        """The people the folded names stand for (a name not yet resolved stands for itself)."""
        rows = self._rows(
            "SELECT DISTINCT coalesce(p.person, k.value) AS person FROM json_each(?) k "
            "LEFT JOIN person_names p ON p.key = k.value",
            [json.dumps(list(keys))],
        )
        return [r["person"] for r in rows]

    def keys_of_persons(self, persons: Sequence[str]) -> list[str]:
        """Every folded name that stands for one of these people."""
        rows = self._rows(
            "SELECT key FROM person_names WHERE person IN (SELECT value FROM json_each(?)) "
            "UNION SELECT value FROM json_each(?)",
            [json.dumps(list(persons)), json.dumps(list(persons))],
        )
        return [r["key"] for r in rows]

    def person_keys(self) -> dict[str, str]:
        """Every distinct folded name, with one way an English article writes it (kept until
        the corpus changes)."""
        return self.until_changed("person keys", self._load_person_keys)

    def _load_person_keys(self) -> dict[str, str]:
        if name_counts.exists(self.db.conn):  # one row a spelling, not one a mention
            with self.lock:
                return dict(self.db.execute(name_counts.PERSON_KEYS).fetchall())
        rows = self._rows(
            "SELECT m.key, min(m.name) AS name FROM mentions m "
            "JOIN articles a ON a.id = m.article_id LEFT JOIN person_names p ON p.key = m.key "
            "WHERE a.language = 'en' AND (m.weak = 0 OR p.person IS NOT NULL) GROUP BY m.key"
        )
        return {r["key"]: r["name"] for r in rows}

    def person_name_index(self) -> NameIndex:
        """The folded names indexed for `who` (see name_index): built once, then brought up
        to date for the names a change of the corpus added or took away. Read it holding
        the lock: another thread's call may update it.

        Which names changed is read from the list the name counts' triggers keep (see
        name_counts): a write to a big corpus changes a few of its tens of thousands of
        names, and reading them all again after each one cost more than a card."""
        with self.lock:
            conn = self.db.conn
            if not name_counts.has_changes(conn):  # a store without the counts (tests)
                return self._name_index_of_every_key()
            if self._name_index is not None:
                changes = name_counts.keys_changed_since(conn, self._name_index_change)
                if changes is not None:
                    self._name_index_change, changed = changes
                    if changed:
                        now = name_counts.person_keys_among(conn, changed)
                        self._name_index.update_names(changed, now)
                        memory.keep()
                    return self._name_index
            # Built from every name, as they are from this change on (changes made while
            # they are read are read again next time: bringing a name up to date twice
            # leaves it as once).
            self._name_index_change = name_counts.latest_change(conn)
            self._name_index = NameIndex.of(self.person_keys())
            memory.keep()  # it lasts until the corpus changes
            return self._name_index

    def _name_index_of_every_key(self) -> NameIndex:
        keys = self.person_keys()
        if self._name_index is None:
            self._name_index = NameIndex.of(keys)
            memory.keep()
        elif self._name_index_of is not keys:
            self._name_index.update(keys)
            memory.keep()
        self._name_index_of = keys
        return self._name_index

    def person_keys_ending(self, wanted: str) -> list[str]:
        """Folded names equal to ``wanted`` or ending with it as whole words ("ben shabbat"):
        found through the index of surnames, which such a name shares with ``wanted``."""
        escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._rows(
            "SELECT DISTINCT m.key FROM mentions m LEFT JOIN person_names p ON p.key = m.key "
            "WHERE m.surname = ? AND (m.key = ? OR m.key LIKE ? ESCAPE '\\') "
            "AND (m.weak = 0 OR p.person IS NOT NULL)",
            [_surname_of(wanted), wanted, f"% {escaped}"],
        )
        return [r["key"] for r in rows]

    def mentions_by_keys(self, keys: Sequence[str]) -> list[StoredMention]:
        if not keys:
            return []
        return self.mentions(keys=keys)

    def entities(self, article_ids: Sequence[int], kind: str) -> list[tuple[int, str]]:
        if not article_ids:
            return []
        rows = self._rows(
            "SELECT article_id, name FROM entities WHERE kind = ? AND article_id "
            "IN (SELECT value FROM json_each(?)) ORDER BY id",
            [kind, _json_ids(article_ids)],
        )
        return [(r["article_id"], r["name"]) for r in rows]

    _EVENT_SQL = (
        "SELECT e.id, e.title, e.date, e.place, e.people, group_concat(a.id) AS ids "
        "FROM events e JOIN articles a ON a.event_id = e.id "
    )
    _LATEST_FIRST = " ORDER BY e.date IS NULL, e.date DESC, e.id DESC"

    def events(self, ids: Sequence[int] | None = None, *, limit: int | None = None) -> list[Event]:
        """Events (all, or those with the given ids), latest first and undated last."""
        sql, params = self._EVENT_SQL, []
        if ids is not None:
            if not ids:
                return []
            sql += "WHERE e.id IN (SELECT value FROM json_each(?)) "
            params = [_json_ids(ids)]
        if limit is not None:
            # The latest few chosen first from the events' own rows: grouped first, every
            # event's articles would be listed (a leader's card asks for five of hundreds).
            sql += (
                ("AND " if ids is not None else "WHERE ")
                + "e.id IN (SELECT id FROM events e WHERE "
                + ("id IN (SELECT value FROM json_each(?)) AND " if ids is not None else "")
                + "EXISTS (SELECT 1 FROM articles a WHERE a.event_id = e.id)"
                + self._LATEST_FIRST
                + f" LIMIT {int(limit)}) "
            )
            params = params * 2
        sql += "GROUP BY e.id" + self._LATEST_FIRST
        return [self._event(r) for r in self._rows(sql, params)]

    @staticmethod
    def _event(row: dict[str, Any]) -> Event:
        return Event(
            id=row["id"],
            title=row["title"],
            date=_date(row["date"]),
            place=row["place"],
            article_ids=tuple(sorted(int(i) for i in str(row["ids"]).split(","))),
            people=tuple(json.loads(row["people"] or "[]")),
        )

    def event(self, event_id: int) -> Event | None:
        found = self.events([event_id])
        return found[0] if found else None

    def latest_event(self) -> Event | None:
        """The event with the latest date (events are never empty of articles)."""
        # In two steps, each read from an index: the latest dated event, else the last undated
        # (as `events` orders them, and like it skipping an event left without articles).
        has_articles = "EXISTS (SELECT 1 FROM articles a WHERE a.event_id = e.id)"
        rows = self._rows(
            f"SELECT id FROM events e WHERE e.date IS NOT NULL AND {has_articles} "
            "ORDER BY e.date DESC, e.id DESC LIMIT 1"
        ) or self._rows(f"SELECT id FROM events e WHERE {has_articles} ORDER BY e.id DESC LIMIT 1")
        return self.event(rows[0]["id"]) if rows else None

    def events_near(self, day: dt.date, days: int) -> list[Event]:
        """Events dated within ``days`` of a day."""
        rows = self._rows(
            "SELECT id FROM events WHERE date BETWEEN ? AND ?",
            [
                (day - dt.timedelta(days=days)).isoformat(),
                (day + dt.timedelta(days=days)).isoformat(),
            ],
        )
        return self.events([r["id"] for r in rows])

    def event_ids_of_articles(self, article_ids: Sequence[int]) -> dict[int, int]:
        """article id → event id, for articles that belong to an event."""
        if not article_ids:
            return {}
        rows = self._rows(
            "SELECT id, event_id FROM articles WHERE event_id IS NOT NULL AND id IN (SELECT value FROM json_each(?))",
            [_json_ids(article_ids)],
        )
        return {r["id"]: r["event_id"] for r in rows}

    def event_ids_for_topic(self, topic: str) -> dict[int, int]:
        """event id → number of its articles filed under a topic."""
        rows = self._rows(
            "SELECT a.event_id, count(*) AS n FROM article_topics t JOIN articles a "
            "ON a.id = t.article_id WHERE t.topic = ? AND a.event_id IS NOT NULL GROUP BY a.event_id",
            [topic.lower()],
        )
        return {r["event_id"]: r["n"] for r in rows}

    def topics(self) -> list[Topic]:
        """Every topic English articles are filed under, with how many and their first and
        last day, the most filed first (read from topic_counts where they are kept)."""
        with self.lock:
            kept = topic_counts.exists(self.db.conn)
            sql = topic_counts.TOPICS if kept else topic_counts.TOPICS_FROM_ARTICLES
            rows = self.db.execute(sql).fetchall()
        return [Topic(topic, n, _date(first), _date(last)) for topic, n, first, last in rows]

    def article_ids_for_topic(self, topic: str) -> list[int]:
        return [
            r["article_id"]
            for r in self._rows(
                "SELECT article_id FROM article_topics WHERE topic = ?", [topic.lower()]
            )
        ]

    def search(
        self,
        query: str,
        *,
        topic: str | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        limit: int = 10,
        english_only: bool = False,
    ) -> list[SearchHit]:
        """BM25-ranked articles matching the query, with a highlighted snippet.

        Without a topic or dates, the matches are ranked in the full-text index alone and
        only the best are read with their snippets (see _best_matches): on the 100k bench,
        two to three times as fast for most of the ingest bench's queries. A topic or dates
        may keep few of the matches, so they are filtered first, with the articles joined
        to the index.
        """
        match = fts_query(query)
        if not match:
            return []
        if topic or since or until:
            return self._filtered_search(match, topic, since, until, limit, english_only)
        best = dict(self._best_matches(match, limit, english_only=english_only))
        try:
            rows = self._rows(
                f"SELECT {self._HIT_COLUMNS} FROM articles_fts "
                "JOIN articles a ON a.rowid = articles_fts.rowid "
                "WHERE articles_fts MATCH ? AND articles_fts.rowid IN (SELECT value FROM json_each(?))",
                [match, _json_ids(best.keys())],
            )
        except sqlite3.OperationalError:
            return []
        rows.sort(key=lambda r: (best[r["id"]], r["id"]))
        return [self._hit(r, best[r["id"]]) for r in rows]

    _HIT_COLUMNS = (
        "a.id, a.path, a.title, coalesce(a.published, a.inferred_date) AS published, "
        "snippet(articles_fts, 1, '[', ']', '…', 16) AS snippet"
    )

    @staticmethod
    def _hit(row: dict[str, Any], score: float) -> SearchHit:
        return SearchHit(
            row["id"], row["path"], row["title"], _date(row["published"]), row["snippet"], score
        )

    def _filtered_search(
        self,
        match: str,
        topic: str | None,
        since: dt.date | None,
        until: dt.date | None,
        limit: int,
        english_only: bool,
    ) -> list[SearchHit]:
        where = ["articles_fts MATCH ?"]
        params: list[object] = [match]
        if topic:
            where.append("a.id IN (SELECT article_id FROM article_topics WHERE topic = ?)")
            params.append(topic.lower())
        if since:
            where.append("coalesce(a.published, a.inferred_date) >= ?")
            params.append(since.isoformat())
        if until:
            where.append("coalesce(a.published, a.inferred_date) <= ?")
            params.append(until.isoformat())
        if english_only:
            where.append("a.language = 'en'")
        params.append(limit)
        sql = (
            f"SELECT {self._HIT_COLUMNS}, bm25(articles_fts) AS score "
            "FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
            f"WHERE {' AND '.join(where)} ORDER BY score, a.id LIMIT ?"
        )
        try:
            rows = self._rows(sql, params)
        except sqlite3.OperationalError:
            return []
        return [self._hit(r, r["score"]) for r in rows]

    def sentences_on_topic(self, topic: str, article_ids: Sequence[int]) -> set[tuple[int, int]]:
        """(article id, sentence index) of the sentences filed under a topic."""
        if not article_ids:
            return set()
        rows = self._rows(
            "SELECT article_id, idx FROM sentences WHERE (' ' || topics || ' ') LIKE ? "
            "AND article_id IN (SELECT value FROM json_each(?))",
            [f"% {topic.lower()} %", _json_ids(article_ids)],
        )
        return {(r["article_id"], r["idx"]) for r in rows}

    def search_article_ids(self, query: str, *, limit: int = 200) -> list[int]:
        """English articles matching the query, best first: search without snippets."""
        match = fts_query(query)
        if not match:
            return []
        return [article_id for article_id, _ in self._best_matches(match, limit, english_only=True)]

    def _best_matches(
        self, match: str, limit: int, *, english_only: bool
    ) -> list[tuple[int, float]]:
        """(article id, BM25 score) of the best matches, best first, equal scores by id.

        They are ranked by the full-text index alone, and the best are looked up for their
        language after: joined to the articles in one query, SQLite ranks every match
        through FTS5's own sorter, twice as slow (a two-word query over 4,689 of 100,000
        articles: 14 ms against 6.5).
        """
        wanted = limit
        while True:  # more ranked when some of the best are not in English (rare)
            try:
                ranked = [
                    (r["id"], r["score"])
                    for r in self._rows(
                        "SELECT rowid AS id, bm25(articles_fts) AS score FROM articles_fts "
                        "WHERE articles_fts MATCH ? ORDER BY score, rowid LIMIT ?",
                        [match, wanted],
                    )
                ]
            except sqlite3.OperationalError:
                return []
            if not english_only:
                return ranked
            english = {
                r["id"]
                for r in self._rows(
                    "SELECT id FROM articles WHERE language = 'en' "
                    "AND id IN (SELECT value FROM json_each(?))",
                    [_json_ids(article_id for article_id, _ in ranked)],
                )
            }
            best = [hit for hit in ranked if hit[0] in english]
            if len(best) >= limit or len(ranked) < wanted:
                return best[:limit]
            wanted *= 2

    def matching_sentences(self, query: str, article_ids: Sequence[int]) -> set[tuple[int, int]]:
        """(article_id, sentence index) pairs whose text matches the query.

        The full-text index is read over these articles' rows of sentences, not over every
        match in the corpus: an article's sentences are stored one after another, so the
        articles are read range by range (a briefing's 24 at most), and very many from the
        first of their sentences to the last. An event's articles are not always stored
        together: on the 100k bench a briefing's 24 spread over the whole corpus, and one
        range from the first to the last read every match of a leader's name in it.
        """
        match = fts_query(query)
        if not match or not article_ids:
            return set()
        ids = _json_ids(article_ids)
        spans = self._rows(
            "SELECT min(id) AS first, max(id) AS last FROM sentences "
            "WHERE article_id IN (SELECT value FROM json_each(?)) GROUP BY article_id ORDER BY first",
            [ids],
        )
        ranges: list[list[int]] = []
        for span in spans:  # articles stored one after the other make one range
            if ranges and span["first"] == ranges[-1][1] + 1:
                ranges[-1][1] = span["last"]
            else:
                ranges.append([span["first"], span["last"]])
        if not ranges:
            return set()
        if len(ranges) > _RANGES_READ_APART:
            ranges = [[ranges[0][0], max(last for _, last in ranges)]]
        matching = " UNION ALL ".join(
            "SELECT rowid AS id FROM sentences_fts WHERE sentences_fts MATCH ? "
            "AND rowid BETWEEN ? AND ?"
            for _ in ranges
        )
        try:
            rows = self._rows(
                f"SELECT s.article_id, s.idx FROM ({matching}) f JOIN sentences s ON s.id = f.id "
                "WHERE s.article_id IN (SELECT value FROM json_each(?))",
                [value for first, last in ranges for value in (match, first, last)] + [ids],
            )
        except sqlite3.OperationalError:
            return set()
        return {(r["article_id"], r["idx"]) for r in rows}

    def filter_article_ids(
        self, article_ids: Sequence[int], include: Sequence[str], exclude: Sequence[str]
    ) -> set[int]:
        """The articles that match any include term (all, when there are none) and no exclude term.

        Terms are words or phrases, matched through the FTS5 index: stemmed, case-insensitive,
        never a user's regular expression.
        """
        kept = set(article_ids)
        if not kept:
            return kept
        include_query = " OR ".join(q for q in (fts_query(t) for t in include) if q)
        exclude_query = " OR ".join(q for q in (fts_query(t) for t in exclude) if q)
        if include_query:
            kept &= self._fts_article_ids(include_query, kept)
        if exclude_query and kept:
            kept -= self._fts_article_ids(exclude_query, kept)
        return kept

    def _fts_article_ids(self, match: str, among: set[int]) -> set[int]:
        try:
            rows = self._rows(
                "SELECT rowid AS id FROM articles_fts WHERE articles_fts MATCH ? AND rowid IN (SELECT value FROM json_each(?))",
                [match, _json_ids(among)],
            )
        except sqlite3.OperationalError:
            return set()
        return {r["id"] for r in rows}

    def last_ingest(self) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM ingest_log ORDER BY id DESC LIMIT 1")
        return rows[0] if rows else None

    def articles_ingested_since(self, since: str) -> list[StoredArticle]:
        # "+id": sorted after, so that SQLite reads the instants' index from ``since`` on
        # rather than every article in id order (not knowing how few came in since).
        return [
            self._article(r)
            for r in self._rows(
                f"SELECT {self._ARTICLE_COLUMNS} FROM articles WHERE ingested_at > ? ORDER BY +id",
                [since],
            )
        ]


_RANGES_READ_APART = 64
"""Up to this many ranges of sentences, each is read on its own; more are read as one range
from the first to the last. Measured on the 100k bench, a briefing's 24 articles spread over
the corpus: 24 ranges read apart 1.7 ms, as one range 71 ms (a leader's name, matched in
sentences all over the corpus); where the articles lie together, both cost the same."""


def _surname_of(key: str) -> str:
    """A folded name's last word: what `who` looks a surname up by."""
    return key.rsplit(" ", 1)[-1]


@functools.lru_cache(maxsize=8192)
def person_key(name: str) -> str:
    """A name folded for matching: lower case, no accents, no punctuation.

    Cached: an ingest folds the same names again and again (each mention is stored, and
    grouping reads it): the 10,000-article bench gives 54,000 mentions of 6,000 names."""
    import unicodedata

    folded = "".join(
        c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)
    ).lower()
    return re.sub(r"[^a-z0-9]+", " ", folded).strip()
