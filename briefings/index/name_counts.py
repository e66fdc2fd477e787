"""How often each name is given, kept as mentions come and go: what `who` reads of a person
named in thousands of articles without decoding every mention.

``name_counts`` holds, for each folded name, weak or not, each way it is written, and whether
its articles are in English: the mentions, and their weight as a card counts them (the
sentences naming the person, at least one a mention). SQLite triggers on ``mentions`` add a row's counts when an ingest stores it and
take them back when it is deleted (an article changed or removed), so every path that writes
mentions keeps the counts, and no writer needs to know of them. A covering index of mentions
by name and article answers "the latest articles naming X" and "how many" from the index.

``name_articles`` holds, for each folded name, how many articles give it: the same triggers
add one when a mention is the first of its name in its article and take one back when the
last goes. A card of a leader counts the articles naming them from it, not from the tens of
thousands of entries the index holds for their name (which grows with the corpus).

``name_key_changes`` lists, in order, each name whose place among the names `who` compares a
misspelling with may have changed: a way of writing it came or went (a row of the counts),
or the corpus resolved it to a person or stopped (a row of person_names, which decides
whether a weak name counts). The store's index of those names reads only the names listed
since it last looked (Store.person_name_index), not the tens of thousands of names of a big
corpus after each write. The list keeps its latest CHANGES_KEPT entries: an index further
behind is built again.

The tables are created, and filled from the mentions already stored, the first time a
database is opened for them (`ensure`); from then on the triggers keep them. The store reads
the names `who` compares a misspelling with from the counts (PERSON_KEYS) rather than from
every mention.
"""

from __future__ import annotations

import json
import re
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol


class CountedStore(Protocol):
    """What of the store these reads need (the store reads this module: no import back)."""

    lock: Any
    db: Any

    def transaction(self) -> AbstractContextManager[None]: ...


_WEIGHT = "max(coalesce(json_array_length({row}.sentences), 0), 1)"
_ENGLISH = "coalesce((SELECT language = 'en' FROM articles WHERE id = {row}.article_id), 0)"
"""Read when a mention is stored or deleted: an article's language changes only when it is
stored again, its mentions deleted before and inserted after."""
_SURNAME = "substr({key}, length(rtrim({key}, replace({key}, ' ', ''))) + 1)"
"""A folded name's last word (as store's _surname_of): what is left once rtrim has taken off
the trailing run of the name's own letters. Worked out here, not read from the mentions'
surname column, which a database written by an older newsbot fills in later."""

_COUNT_NEW = f"""
    INSERT INTO name_counts (key, weak, name, english, surname, mentions, weight)
    VALUES (coalesce(NEW.key, ''), NEW.weak, coalesce(NEW.name, ''), {_ENGLISH.format(row="NEW")},
            {_SURNAME.format(key="coalesce(NEW.key, '')")}, 1, {_WEIGHT.format(row="NEW")})
    ON CONFLICT (key, weak, name, english) DO UPDATE SET
        mentions = mentions + 1, weight = weight + excluded.weight;
"""
"""What a stored mention adds to its name's counts (a trigger's statement)."""
_ARTICLE_NEW = """
    INSERT INTO name_articles (key, articles)
    SELECT NEW.key, 1 WHERE NEW.key IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM mentions WHERE key = NEW.key AND article_id = NEW.article_id AND id != NEW.id)
    ON CONFLICT (key) DO UPDATE SET articles = articles + 1;
"""
"""An article more for the mention's name, unless another of its mentions gives it already.
(A mention whose key changes is taken back, then added: the other mentions are those of
other ids, so that an unchanged key comes out as it was.)"""
_ARTICLE_OLD = """
    UPDATE name_articles SET articles = articles - 1 WHERE key = OLD.key AND NOT EXISTS (
        SELECT 1 FROM mentions WHERE key = OLD.key AND article_id = OLD.article_id AND id != OLD.id);
    DELETE FROM name_articles WHERE key = OLD.key AND articles <= 0;
"""
"""An article fewer for the mention's name, once no other mention of its article gives it."""
_TAKE_OLD = f"""
    UPDATE name_counts SET mentions = mentions - 1, weight = weight - {_WEIGHT.format(row="OLD")}
    WHERE key = coalesce(OLD.key, '') AND weak = OLD.weak AND name = coalesce(OLD.name, '')
        AND english = {_ENGLISH.format(row="OLD")};
    DELETE FROM name_counts
    WHERE key = coalesce(OLD.key, '') AND weak = OLD.weak AND name = coalesce(OLD.name, '') AND mentions <= 0;
"""
"""What a deleted mention takes back, the name's row gone once nothing counts in it."""

CHANGES_KEPT = 50_000
"""The latest changes of names listed (see the module's docstring): an ingest of a few
thousand articles lists fewer, a regroup of a big corpus more (every resolved name twice)."""
_PRUNE_EVERY = 1_000

SCHEMA = f"""
CREATE TABLE name_counts (
    key TEXT NOT NULL,
    weak INTEGER NOT NULL,
    name TEXT NOT NULL,
    english INTEGER NOT NULL,
    surname TEXT NOT NULL,
    mentions INTEGER NOT NULL,
    weight INTEGER NOT NULL,
    PRIMARY KEY (key, weak, name, english)
) WITHOUT ROWID;
CREATE INDEX name_counts_surname ON name_counts(surname);
CREATE TABLE name_articles (
    key TEXT PRIMARY KEY,
    articles INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mentions_key_article ON mentions(key, article_id);
CREATE TRIGGER name_counts_add AFTER INSERT ON mentions BEGIN
{_COUNT_NEW}{_ARTICLE_NEW}END;
CREATE TRIGGER name_counts_take AFTER DELETE ON mentions BEGIN
{_TAKE_OLD}{_ARTICLE_OLD}END;
CREATE TRIGGER name_counts_change AFTER UPDATE OF key, weak, name, sentences, article_id
ON mentions BEGIN
{_TAKE_OLD}{_ARTICLE_OLD}{_COUNT_NEW}{_ARTICLE_NEW}END;
CREATE TABLE name_key_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL
);
CREATE TRIGGER name_counts_key_added AFTER INSERT ON name_counts BEGIN
    INSERT INTO name_key_changes (key) VALUES (NEW.key);
END;
CREATE TRIGGER name_counts_key_taken AFTER DELETE ON name_counts BEGIN
    INSERT INTO name_key_changes (key) VALUES (OLD.key);
END;
CREATE TRIGGER name_counts_person_added AFTER INSERT ON person_names BEGIN
    INSERT INTO name_key_changes (key) VALUES (NEW.key);
END;
CREATE TRIGGER name_counts_person_taken AFTER DELETE ON person_names BEGIN
    INSERT INTO name_key_changes (key) VALUES (OLD.key);
END;
CREATE TRIGGER name_counts_changes_pruned AFTER INSERT ON name_key_changes
WHEN NEW.seq % {_PRUNE_EVERY} = 0 BEGIN
    DELETE FROM name_key_changes WHERE seq <= NEW.seq - {CHANGES_KEPT};
END;
"""
_TRIGGERS = tuple(re.findall(r"CREATE TRIGGER (\w+)", SCHEMA))

FROM_SCRATCH = f"""
SELECT coalesce(key, '') AS key, weak, coalesce(name, '') AS name,
       {_ENGLISH.format(row="mentions")} AS english,
       {_SURNAME.format(key="coalesce(mentions.key, '')")} AS surname, count(*) AS mentions,
       sum({_WEIGHT.format(row="mentions")}) AS weight
FROM mentions GROUP BY 1, weak, 3, english
"""
"""The counts computed from every mention: what the triggers keep equal to."""

ARTICLES_FROM_SCRATCH = """
SELECT key, count(DISTINCT article_id) AS articles FROM mentions WHERE key IS NOT NULL
GROUP BY key
"""
"""The articles giving each name, counted from every mention."""

_COUNTED = "(weak = 0 OR key IN (SELECT key FROM person_names))"
"""A weak mention is a person only if the corpus resolved its name to one (as Store.mentions)."""

PERSON_KEYS = f"""
SELECT key, min(name) FROM name_counts WHERE english = 1 AND key != '' AND {_COUNTED}
GROUP BY key
"""
"""Every folded name English articles give a person, with one way they write it."""


def ensure(store: CountedStore) -> None:
    """Create the counts and their triggers, filled from the mentions stored so far."""
    if _exists(store):
        return
    # Looked at again once the write lock is held: another connection (an ingest's own
    # engine) may have created them meanwhile.
    with store.transaction():
        if _exists(store):
            return
        # An earlier layout of them (without the language, or without the articles) goes
        # first.
        for trigger in _TRIGGERS:
            store.db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for table in ("name_counts", "name_articles", "name_key_changes"):
            store.db.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in statements(SCHEMA):
            store.db.execute(statement)
        store.db.execute(
            "INSERT INTO name_counts (key, weak, name, english, surname, mentions, weight) "
            + FROM_SCRATCH
        )
        store.db.execute("INSERT INTO name_articles (key, articles) " + ARTICLES_FROM_SCRATCH)
        # Counted from scratch: an index of names is built from them, not from changes.
        store.db.execute("DELETE FROM name_key_changes")


def _exists(store: CountedStore) -> bool:
    with store.lock:
        tables = {
            r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        return "name_articles" in tables and exists(store.db.conn) and has_changes(store.db.conn)


def has_changes(conn: Any) -> bool:
    """Whether the names' changes are listed in this database (see the module's docstring)."""
    return any(r[1] == "seq" for r in conn.execute("PRAGMA table_info(name_key_changes)"))


def latest_change(conn: Any) -> int:
    """The number of the latest change of names (0 before the first), listed or let go:
    AUTOINCREMENT keeps it when the list is emptied."""
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'name_key_changes'").fetchone()
    return int(row[0]) if row else 0


def keys_changed_since(conn: Any, seen: int) -> tuple[int, set[str]] | None:
    """The latest change, and the names changed after change ``seen``; None when the list
    no longer reaches back to it (what was changed since is then unknown)."""
    latest = latest_change(conn)
    if latest <= seen:
        return seen, set()
    oldest = conn.execute("SELECT min(seq) FROM name_key_changes").fetchone()[0]
    if oldest is None or oldest > seen + 1:  # numbered one after another: some let go
        return None
    rows = conn.execute(
        "SELECT key FROM name_key_changes WHERE seq > ? AND seq <= ?", [seen, latest]
    ).fetchall()
    return int(latest), {r[0] for r in rows}


def person_keys_among(conn: Any, keys: set[str]) -> dict[str, str]:
    """PERSON_KEYS of these names alone: those of them `who` compares, with one way an
    English article writes each."""
    rows = conn.execute(
        "SELECT key, min(name) FROM name_counts WHERE key IN (SELECT value FROM json_each(?)) "
        f"AND english = 1 AND key != '' AND {_COUNTED} GROUP BY key",
        [json.dumps(sorted(keys))],
    ).fetchall()
    return dict(rows)


def exists(conn: Any) -> bool:
    """Whether the counts are kept in this database (for the store's reads)."""
    return any(r[1] == "english" for r in conn.execute("PRAGMA table_info(name_counts)"))


def statements(script: str) -> list[str]:
    """The script's statements, a trigger's body kept whole (it holds semicolons)."""
    found, current = [], ""
    for line in script.strip().splitlines():
        current += line + "\n"
        stripped = line.strip()
        if stripped.endswith(";") and (
            not current.lstrip().startswith("CREATE TRIGGER") or stripped == "END;"
        ):
            found.append(current.strip().rstrip(";"))
            current = ""
    return found


def keys_ending(store: CountedStore, wanted: str) -> list[str]:
    """Folded names equal to ``wanted`` or ending with it as whole words ("ben shabbat"),
    as Store.person_keys_ending finds them, read from the counts (one row a spelling)."""
    escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = store.db.execute(
        "SELECT DISTINCT key FROM name_counts WHERE surname = ? "
        f"AND (key = ? OR key LIKE ? ESCAPE '\\') AND {_COUNTED}",
        [wanted.rsplit(" ", 1)[-1], wanted, f"% {escaped}"],
    ).fetchall()
    return [r[0] for r in rows]


@dataclass(frozen=True)
class NameTotals:
    """What the corpus gives of some names together."""

    mentions: int
    """Mentions weighted as a card counts them (see Person.mention_count)."""
    articles: int


def totals(store: CountedStore, keys: list[str]) -> NameTotals:
    with store.lock:
        weight = store.db.execute(
            "SELECT coalesce(sum(weight), 0) FROM name_counts "
            f"WHERE key IN (SELECT value FROM json_each(?)) AND {_COUNTED}",
            [json.dumps(keys)],
        ).fetchone()[0]
        articles = _articles_naming(store, keys)
    return NameTotals(int(weight), int(articles))


def _articles_naming(store: CountedStore, keys: list[str]) -> int:
    """How many articles name any of these names: those naming the most given one, as
    name_articles counts them, then those naming the others but not it. A leader's name is
    in tens of thousands of articles, each under one of its spellings mostly: only the
    articles of the other spellings are read (on the 100k bench, an eighth of them)."""
    most = store.db.execute(
        "SELECT key FROM name_counts WHERE key IN (SELECT value FROM json_each(?)) "
        "GROUP BY key ORDER BY sum(mentions) DESC, key LIMIT 1",
        [json.dumps(keys)],
    ).fetchone()
    if most is None:
        return int(
            store.db.execute(
                "SELECT count(DISTINCT article_id) FROM mentions "
                "WHERE key IN (SELECT value FROM json_each(?))",
                [json.dumps(keys)],
            ).fetchone()[0]
        )
    counted = store.db.execute(
        "SELECT articles FROM name_articles WHERE key = ?", [most[0]]
    ).fetchone()
    naming_it = counted[0] if counted else 0
    naming_others = store.db.execute(
        "SELECT count(DISTINCT m.article_id) FROM mentions m "
        "WHERE m.key IN (SELECT value FROM json_each(?)) AND NOT EXISTS "
        "(SELECT 1 FROM mentions x WHERE x.key = ? AND x.article_id = m.article_id)",
        [json.dumps([k for k in keys if k != most[0]]), most[0]],
    ).fetchone()[0]
    return int(naming_it) + int(naming_others)


def latest_articles(store: CountedStore, keys: list[str], limit: int) -> tuple[list[int], bool]:
    """The latest ``limit`` articles naming any of these names (by when they were stored,
    oldest first), and whether any article naming them was left out."""
    latest: set[int] = set()
    with store.lock:
        for key in keys:  # each read backwards from the index, so far as needed
            latest.update(
                r[0]
                for r in store.db.execute(
                    "SELECT article_id FROM mentions WHERE key = ? ORDER BY article_id DESC "
                    "LIMIT ?",
                    [key, limit + 1],
                )
            )
    chosen = sorted(latest, reverse=True)
    return sorted(chosen[:limit]), len(chosen) > limit
