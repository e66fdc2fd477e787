"""Whether the corpus changed since the store last looked: a number that every write to the
tables briefings are made of raises, kept by triggers.

The store keeps what it works out from the corpus until the corpus changes
(``Store.until_changed``). SQLite tells a connection when any other one has committed
(``PRAGMA data_version``), but the bot keeps its own tables in the same file: each feed
polled, digest delivered or chat subscribed made the engine work out every briefing it kept
again. The triggers raise ``corpus_version.version`` for every row written to the articles
(their sentences, mentions and topics are written with them), the events, and the persons
the names stand for; a commit that leaves the number as it was leaves what is kept. Triggers
fire whatever writes the rows (the bot, a command-line ingest in another process), so no
writer needs to know of them.
"""

from __future__ import annotations

import json
import sqlite3

TABLES = ("articles", "events", "person_names")
"""What briefings, scores and cards are worked out from (with the rows written alongside)."""
OPERATIONS = ("INSERT", "UPDATE", "DELETE")
_TRIGGERS = {
    f"corpus_changed_{table}_{operation.lower()}": (
        f"CREATE TRIGGER IF NOT EXISTS corpus_changed_{table}_{operation.lower()} "
        f"AFTER {operation} ON {table} BEGIN "
        "UPDATE corpus_version SET version = version + 1; END"
    )
    for table in TABLES
    for operation in OPERATIONS
}


def ensure(conn: sqlite3.Connection) -> None:
    """Create the number and its triggers if the file has them not: once a file, and they
    fire for every writer after. Looked for first, so that opening a file that has them
    writes nothing (and never waits on another connection's long write)."""
    wanted = ["corpus_version", *_TRIGGERS]
    present = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE name IN (SELECT value FROM json_each(?))",
        [json.dumps(wanted)],
    ).fetchone()[0]
    if present == len(wanted):
        return
    with conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS corpus_version "
            "(id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)"
        )
        conn.execute("INSERT OR IGNORE INTO corpus_version (id, version) VALUES (1, 0)")
        for trigger in _TRIGGERS.values():
            conn.execute(trigger)


def read(conn: sqlite3.Connection) -> int:
    """The corpus's version now."""
    row = conn.execute("SELECT version FROM corpus_version WHERE id = 1").fetchone()
    return int(row[0]) if row else -1
