"""Whether the corpus changed since the store last looked, and which events and names it
changed: a number that every write to the tables briefings are made of raises, and a log of
the events and names written, kept by triggers.

The store keeps what it works out from the corpus until the corpus changes
(``Store.until_changed``). SQLite tells a connection when any other one has committed
(``PRAGMA data_version``), but the bot keeps its own tables in the same file: each feed
polled, digest delivered or chat subscribed made the engine work out every briefing it kept
again. The triggers raise ``corpus_version.version`` for every row written to the articles
(their sentences, mentions and topics are written with them), the events, and the persons
the names stand for; a commit that leaves the number as it was leaves what is kept. Triggers
fire whatever writes the rows (the bot, a command-line ingest in another process), so no
writer needs to know of them.

A running bot's corpus changes at every feed poll that brings an article, and most of those
touch one event or two. What was worked out of one event (its material, who took part in
it) is kept across a write that leaves it as it was (``Store.until_event_changed``): the
same triggers note, with the version that wrote them,
- each event written, and each event an article written belongs to or left
  (``corpus_event_changes``);
- each folded name whose person was written (``corpus_name_changes``): resolving a name to
  another person changes every event that names it.
The logs hold one row per event and per name, the latest write's: they grow with the corpus,
not with the writes.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

TABLES = ("articles", "events", "person_names")
"""What briefings, scores and cards are worked out from (with the rows written alongside)."""

_LOGGED = {
    "articles": ("event_id", "corpus_event_changes", "event_id"),
    "events": ("id", "corpus_event_changes", "event_id"),
    "person_names": ("key", "corpus_name_changes", "key"),
}
"""table → (its column logged, the log, the log's column)"""

_ROWS = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}


def _logged(row: str, column: str, log: str, log_column: str, *, unless: str = "") -> str:
    """The statements noting one row's value in a log, with the version just raised (one row
    a value: the latest write's)."""
    skip = f" AND {unless}" if unless else ""
    return (
        f"DELETE FROM {log} WHERE {log_column} = {row}.{column}{skip}; "
        f"INSERT INTO {log} ({log_column}, version) SELECT {row}.{column}, version "
        f"FROM corpus_version WHERE {row}.{column} IS NOT NULL{skip}; "
    )


def _trigger(table: str, operation: str) -> str:
    column, log, log_column = _LOGGED[table]
    body = "UPDATE corpus_version SET version = version + 1; "
    for row in _ROWS[operation]:
        # An update's old value is noted only when it is not the new one (an article
        # written again in its event notes the event once).
        unless = (
            f"OLD.{column} IS NOT NEW.{column}" if operation == "UPDATE" and row == "OLD" else ""
        )
        body += _logged(row, column, log, log_column, unless=unless)
    name = f"corpus_logged_{table}_{operation.lower()}"
    return f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {operation} ON {table} BEGIN {body}END"


_TRIGGERS = {
    f"corpus_logged_{table}_{operation.lower()}": _trigger(table, operation)
    for table in TABLES
    for operation in _ROWS
}
_TABLES = {
    "corpus_version": (
        "CREATE TABLE IF NOT EXISTS corpus_version "
        "(id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)"
    ),
    "corpus_event_changes": (
        "CREATE TABLE IF NOT EXISTS corpus_event_changes "
        "(event_id INTEGER PRIMARY KEY, version INTEGER NOT NULL)"
    ),
    "corpus_event_changes_version": (
        "CREATE INDEX IF NOT EXISTS corpus_event_changes_version ON corpus_event_changes(version)"
    ),
    "corpus_name_changes": (
        "CREATE TABLE IF NOT EXISTS corpus_name_changes "
        "(key TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID"
    ),
    "corpus_name_changes_version": (
        "CREATE INDEX IF NOT EXISTS corpus_name_changes_version ON corpus_name_changes(version)"
    ),
}
_EARLIER_TRIGGERS = "corpus_changed_%"
"""The triggers of an earlier layout, which raised the number alone."""


def ensure(conn: sqlite3.Connection) -> None:
    """Create the number, the logs and their triggers if the file has them not: once a file,
    and they fire for every writer after. Looked for first, so that opening a file that has
    them writes nothing (and never waits on another connection's long write)."""
    wanted = [*_TABLES, *_TRIGGERS]
    present = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE name IN (SELECT value FROM json_each(?)) "
        "OR (type = 'trigger' AND name LIKE ?)",
        [json.dumps(wanted), _EARLIER_TRIGGERS],
    ).fetchone()[0]
    if present == len(wanted):
        return
    with conn:
        for (earlier,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
            [_EARLIER_TRIGGERS],
        ).fetchall():
            conn.execute(f"DROP TRIGGER {earlier}")
        for statement in _TABLES.values():
            conn.execute(statement)
        conn.execute("INSERT OR IGNORE INTO corpus_version (id, version) VALUES (1, 0)")
        for trigger in _TRIGGERS.values():
            conn.execute(trigger)


def read(conn: sqlite3.Connection) -> int:
    """The corpus's version now."""
    row = conn.execute("SELECT version FROM corpus_version WHERE id = 1").fetchone()
    return int(row[0]) if row else -1


@dataclass(frozen=True)
class Changes:
    """What writes after a version changed."""

    events: frozenset[int]
    names: frozenset[str]

    def touch(self, event_id: int, names: frozenset[str]) -> bool:
        """Whether they changed this event, or a name it gives."""
        return event_id in self.events or not self.names.isdisjoint(names)


def changed_since(conn: sqlite3.Connection, version: int) -> Changes:
    """The events and names written after ``version`` (by the latest write of each)."""
    events = conn.execute(
        "SELECT event_id FROM corpus_event_changes WHERE version > ?", [version]
    ).fetchall()
    names = conn.execute(
        "SELECT key FROM corpus_name_changes WHERE version > ?", [version]
    ).fetchall()
    return Changes(frozenset(r[0] for r in events), frozenset(r[0] for r in names))
