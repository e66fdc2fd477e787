"""How often each name is given, kept as mentions come and go: what `who` reads of a person
named in thousands of articles without decoding every mention.

``name_counts`` holds, for each folded name, weak or not, and each way it is written: the
mentions, and their weight as a card counts them (the sentences naming the person, at least
one a mention). SQLite triggers on ``mentions`` add a row's counts when an ingest stores it and
take them back when it is deleted (an article changed or removed), so every path that writes
mentions keeps the counts, and no writer needs to know of them. A covering index of mentions
by name and article answers "the latest articles naming X" and "how many" from the index.

The table is created, and filled from the mentions already stored, the first time a database
is opened for it (`ensure`); from then on the triggers keep it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from briefings.index.store import Store, StoredMention

_WEIGHT = "max(coalesce(json_array_length({row}.sentences), 0), 1)"
_SURNAME = "substr({row}.key, length(rtrim({row}.key, replace({row}.key, ' ', ''))) + 1)"
"""A folded name's last word (as store's _surname_of): what is left once rtrim has taken off
the trailing run of the name's own letters. Worked out here, not read from the mentions'
surname column, which a database written by an older newsbot fills in later."""

SCHEMA = f"""
CREATE TABLE name_counts (
    key TEXT NOT NULL,
    weak INTEGER NOT NULL,
    name TEXT NOT NULL,
    surname TEXT NOT NULL,
    mentions INTEGER NOT NULL,
    weight INTEGER NOT NULL,
    PRIMARY KEY (key, weak, name)
) WITHOUT ROWID;
CREATE INDEX name_counts_surname ON name_counts(surname);
CREATE INDEX IF NOT EXISTS mentions_key_article ON mentions(key, article_id);
CREATE TRIGGER name_counts_add AFTER INSERT ON mentions BEGIN
    INSERT INTO name_counts (key, weak, name, surname, mentions, weight)
    VALUES (NEW.key, NEW.weak, NEW.name, {_SURNAME.format(row="NEW")}, 1, {_WEIGHT.format(row="NEW")})
    ON CONFLICT (key, weak, name) DO UPDATE SET
        mentions = mentions + 1, weight = weight + excluded.weight;
END;
CREATE TRIGGER name_counts_take AFTER DELETE ON mentions BEGIN
    UPDATE name_counts SET mentions = mentions - 1, weight = weight - {_WEIGHT.format(row="OLD")}
    WHERE key = OLD.key AND weak = OLD.weak AND name = OLD.name;
    DELETE FROM name_counts
    WHERE key = OLD.key AND weak = OLD.weak AND name = OLD.name AND mentions <= 0;
END;
CREATE TRIGGER name_counts_change AFTER UPDATE OF key, weak, name, sentences
ON mentions BEGIN
    UPDATE name_counts SET mentions = mentions - 1, weight = weight - {_WEIGHT.format(row="OLD")}
    WHERE key = OLD.key AND weak = OLD.weak AND name = OLD.name;
    DELETE FROM name_counts
    WHERE key = OLD.key AND weak = OLD.weak AND name = OLD.name AND mentions <= 0;
    INSERT INTO name_counts (key, weak, name, surname, mentions, weight)
    VALUES (NEW.key, NEW.weak, NEW.name, {_SURNAME.format(row="NEW")}, 1, {_WEIGHT.format(row="NEW")})
    ON CONFLICT (key, weak, name) DO UPDATE SET
        mentions = mentions + 1, weight = weight + excluded.weight;
END;
"""

FROM_SCRATCH = f"""
SELECT key, weak, name, {_SURNAME.format(row="mentions")} AS surname, count(*) AS mentions,
       sum({_WEIGHT.format(row="mentions")}) AS weight
FROM mentions GROUP BY key, weak, name
"""
"""The counts computed from every mention: what the triggers keep equal to."""

_COUNTED = "(weak = 0 OR key IN (SELECT key FROM person_names))"
"""A weak mention is a person only if the corpus resolved its name to one (as Store.mentions)."""


def ensure(store: Store) -> None:
    """Create the counts and their triggers, filled from the mentions stored so far."""
    if _exists(store):
        return
    # Looked at again once the write lock is held: another connection (an ingest's own
    # engine) may have created them meanwhile.
    with store.transaction():
        if _exists(store):
            return
        for statement in _statements(SCHEMA):
            store.db.execute(statement)
        store.db.execute(
            "INSERT INTO name_counts (key, weak, name, surname, mentions, weight) " + FROM_SCRATCH
        )


def _exists(store: Store) -> bool:
    with store.lock:
        found = store.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'name_counts'"
        ).fetchone()
    return found is not None


def _statements(script: str) -> list[str]:
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


def keys_ending(store: Store, wanted: str) -> list[str]:
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


def totals(store: Store, keys: list[str]) -> NameTotals:
    with store.lock:
        weight = store.db.execute(
            "SELECT coalesce(sum(weight), 0) FROM name_counts "
            f"WHERE key IN (SELECT value FROM json_each(?)) AND {_COUNTED}",
            [json.dumps(keys)],
        ).fetchone()[0]
        articles = store.db.execute(
            "SELECT count(DISTINCT article_id) FROM mentions "
            "WHERE key IN (SELECT value FROM json_each(?))",
            [json.dumps(keys)],
        ).fetchone()[0]
    return NameTotals(int(weight), int(articles))


def latest_mentions(store: Store, keys: list[str], limit: int) -> tuple[list[StoredMention], bool]:
    """The mentions of these names in the latest ``limit`` articles naming any of them (by
    when they were stored), and whether any article was left out."""
    latest: set[int] = set()
    with store.lock:
        for key in keys:  # each read backwards from the index, so as far as needed
            latest.update(
                r[0]
                for r in store.db.execute(
                    "SELECT article_id FROM mentions WHERE key = ? ORDER BY article_id DESC "
                    "LIMIT ?",
                    [key, limit + 1],
                )
            )
    chosen = sorted(latest, reverse=True)
    cut = len(chosen) > limit
    return store.mentions(sorted(chosen[:limit]), keys=keys), cut
