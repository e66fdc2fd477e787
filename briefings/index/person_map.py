"""Which person each folded name stands for, kept up to date one ingest at a time.

Over 400 lines: which name stands for whom is decided and kept up to date by the same
rules; apart, the incremental path could drift from the full one.

``identity`` decides who is who from what the corpus says of each name. Deciding it for
the whole corpus at every ingest would cost as much as the corpus; but only a few names
may come to stand for another person when what the corpus says of some names changes,
and what they resolve to depends on a few more (``name_families``). So:

- what the corpus says of each name (how many articles, nationalities, roles, the surnames
  named beside it) is kept per name in ``name_stats``, added to and taken from as articles
  come, change and go (``name_counted`` remembers what each article added);
- an ingest resolves again only the names that may change with those its articles give,
  found through the indexes of surnames, first names, consonant skeletons and close
  spellings, and writes only those; the full names of a block none of whose names changed
  join as ``person_names`` has them, not again (``_stored_joins``);
- ``person_names`` keeps, for every name, its person (the fullest, most used spelling,
  which may change) and its *anchor*: the spelling of that person seen first, which stays
  as long as the person does. Grouping compares reports by anchor, so an article must be
  placed again only when one of its names comes to stand for another person.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import cast

from briefings.index import kept_values
from briefings.index.identity import (
    NameEvidence,
    core_tokens,
    join_full_names,
    name_persons,
    skeleton,
)
from briefings.index.name_families import Families, is_full
from briefings.index.name_families_resolved import BlockResolver, GrownJoins, StoredJoins
from briefings.index.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS name_stats (
    key TEXT PRIMARY KEY,
    surname TEXT NOT NULL,
    first TEXT NOT NULL,
    core_len INTEGER NOT NULL,
    bones TEXT NOT NULL,
    first_article INTEGER NOT NULL,
    articles INTEGER NOT NULL,
    strong INTEGER NOT NULL,
    evidence TEXT NOT NULL
) WITHOUT ROWID;
DROP INDEX IF EXISTS name_stats_surname;
DROP INDEX IF EXISTS name_stats_bones;
CREATE INDEX IF NOT EXISTS name_stats_surname_len ON name_stats(surname, core_len);
CREATE INDEX IF NOT EXISTS name_stats_first ON name_stats(first);
CREATE INDEX IF NOT EXISTS name_stats_bones_len ON name_stats(bones, core_len, surname);
CREATE TABLE IF NOT EXISTS name_middles (
    token TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (token, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS name_company (
    key TEXT NOT NULL,
    surname TEXT NOT NULL,
    articles INTEGER NOT NULL,
    PRIMARY KEY (key, surname)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS name_counted (
    article_id INTEGER PRIMARY KEY,
    names TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS surname_blocks (
    surname TEXT PRIMARY KEY,
    block TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS surname_blocks_block ON surname_blocks(block);
CREATE TABLE IF NOT EXISTS name_joins (
    key TEXT PRIMARY KEY,
    joined TEXT NOT NULL
) WITHOUT ROWID;
"""
"""``name_joins``: full names no person stands for (only ever given without evidence of a
person), each with the first spelling of its join (``identity.join_full_names``), which
``person_names`` cannot give them: without it, every block holding one is joined again at
each ingest that comes near it (at 100,000 bench articles, 231 blocks for an article whose
one-word names bring in a few thousand full names).

``name_company``: the company of each name (``identity.NameEvidence.company``): each surname
named beside it, with how many articles do. Kept apart from the rest of what the corpus says
of a name (``name_stats.evidence``), which every ingest reads and writes again for each name
its articles give: a leader's company is tens of thousands of surnames (a quarter of a MB),
read and written again for each article naming the leader (at 100,000 bench articles, a
sixth of what adding one cost), to compare two names by their company about twice an
ingest. Now an article adds a row or one to each of its names' counts, and a name's company
is read only when compared (``_StoredCompany``).

``surname_blocks``: the blocks of close surnames (``name_families``), by their least
surname: all of them once the corpus is resolved from nothing; those the changed names may
have changed are let go at each ingest, and kept again as they are worked out.
Without them, each ingest walks again, by close spellings, the blocks of every full name
its one-word names may join (4,063 surnames for that article)."""


def create_tables(conn: sqlite3.Connection) -> None:
    had_company = _has_table(conn, "name_company")
    conn.executescript(SCHEMA)
    if not had_company:
        _move_company_out(conn)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(person_names)")}
    if "anchor" not in columns:
        conn.execute("ALTER TABLE person_names ADD COLUMN anchor TEXT")
        conn.execute("UPDATE person_names SET anchor = person")


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name])
    return found.fetchone() is not None


def _move_company_out(conn: sqlite3.Connection) -> None:
    """A file of an older newsbot kept each name's company in its evidence: moved to
    ``name_company``, once. Evidence that does not read is left as it is (the next ingest
    counts every name again, see ``resolve_identity``)."""
    rows = conn.execute("SELECT key, evidence FROM name_stats").fetchall()
    company = []
    rewritten = []
    for key, stored in rows:
        try:
            evidence = _stored_evidence(stored)
        except _DamagedStats:
            continue
        company += [(key, surname, n) for surname, n in evidence.pop("company", {}).items()]
        rewritten.append((kept_values.dumps((evidence,)), key))
    conn.executemany("INSERT INTO name_company (key, surname, articles) VALUES (?, ?, ?)", company)
    conn.executemany("UPDATE name_stats SET evidence = ? WHERE key = ?", rewritten)


class _StoredCompany(AbstractSet[str]):
    """A name's company as ``name_company`` keeps it, read when first asked: identity
    compares two names by their company only when neither their nationalities nor their
    roles settle it (about twice an ingest), and a leader's is tens of thousands of
    surnames. Asked within the ingest's transaction, as what it reads was written."""

    __slots__ = ("_articles", "_conn", "_key", "_surnames")

    def __init__(self, conn: sqlite3.Connection, key: str, articles: int) -> None:
        self._conn = conn
        self._key = key
        self._articles = articles
        """how many articles give the name: of two, the one given less names fewer"""
        self._surnames: frozenset[str] | None = None

    def _read(self) -> frozenset[str]:
        if self._surnames is None:
            rows = self._conn.execute("SELECT surname FROM name_company WHERE key = ?", [self._key])
            self._surnames = frozenset(r[0] for r in rows)
        return self._surnames

    def __contains__(self, surname: object) -> bool:
        return surname in self._read()

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())

    def isdisjoint(self, other: Iterable[object]) -> bool:
        if isinstance(other, _StoredCompany) and other._conn is self._conn:
            if self._surnames is None and other._surnames is None:
                # Neither read: the index answers, walking the company of the name given
                # less (a leader's is never read whole for it).
                few, many = sorted((self, other), key=lambda c: (c._articles, c._key))
                shared = self._conn.execute(
                    "SELECT 1 FROM name_company a WHERE a.key = ? AND EXISTS (SELECT 1 "
                    "FROM name_company b WHERE b.key = ? AND b.surname = a.surname) LIMIT 1",
                    [few._key, many._key],
                ).fetchone()
                return shared is None
            return self._read().isdisjoint(other._read())
        return self._read().isdisjoint(other)


class _StoredSaid:
    """What a name's evidence in ``name_stats`` says of it (its nationalities and roles),
    read when first asked: identity asks it of about two names an ingest, and reading it
    for every name an ingest weighs (a thousand near a leader) cost a tenth of adding one
    article at 100,000 bench articles. Asked within the ingest's transaction."""

    __slots__ = ("_conn", "_key", "_said")

    def __init__(
        self, conn: sqlite3.Connection, key: str, said: dict[str, dict[str, int]] | None = None
    ) -> None:
        self._conn = conn
        self._key = key
        self._said = said
        """as read (or as just counted)"""

    def table(self, name: str) -> dict[str, int]:
        if self._said is None:
            row = self._conn.execute(
                "SELECT evidence FROM name_stats WHERE key = ?", [self._key]
            ).fetchone()
            self._said = _empty() if row is None else _stored_evidence(row[0])
        return self._said[name]


class _SaidCounts(Mapping[str, int]):
    """One table of what is said of a name (nationalities or roles, each with how many
    articles give it), read when first asked (``_StoredSaid``)."""

    __slots__ = ("_name", "_said")

    def __init__(self, said: _StoredSaid, name: str) -> None:
        self._said = said
        self._name = name

    def __getitem__(self, item: str) -> int:
        return self._said.table(self._name)[item]

    def __iter__(self) -> Iterator[str]:
        return iter(self._said.table(self._name))

    def __len__(self) -> int:
        return len(self._said.table(self._name))


class PersonMap:
    """Folded name → the anchor of its person, read from ``person_names`` as needed."""

    def __init__(self, store: Store) -> None:
        self.conn = store.db.conn
        self._anchor: dict[str, str | None] = {}

    def prepare(self, keys: Iterable[str]) -> None:
        """Read the anchors of these names in one query."""
        wanted = sorted({k for k in keys if k not in self._anchor})
        if not wanted:
            return
        rows = self.conn.execute(
            "SELECT k.value, p.anchor FROM json_each(?) k "
            "LEFT JOIN person_names p ON p.key = k.value",
            [json.dumps(wanted)],
        )
        self._anchor.update(rows.fetchall())

    def person_of(self, key: str, weak: bool) -> str | None:
        """The person a name stands for (by anchor); a name the corpus did not resolve
        stands for itself, unless it was only ever given without evidence of a person."""
        if key not in self._anchor:
            self.prepare([key])
        anchor = self._anchor.get(key)
        if anchor is not None:
            return anchor
        return None if weak else key

    def display(self, anchors: Sequence[str]) -> list[str]:
        """People as events list them: each by its person's fullest spelling."""
        rows = dict(
            self.conn.execute(
                "SELECT key, person FROM person_names WHERE key IN (SELECT value FROM json_each(?))",
                [json.dumps(list(anchors))],
            ).fetchall()
        )
        return [rows.get(a, a) for a in anchors]


@dataclass
class Identity:
    """The corpus's persons after an ingest, and the articles whose persons changed."""

    map: PersonMap
    changed_articles: set[int] = field(default_factory=set)
    renamed: dict[str, str] = field(default_factory=dict)
    """Anchors whose person is now spelt another way: anchor → the new spelling."""


def resolve_identity(store: Store, *, changed_articles: set[int] | None) -> Identity:
    """Resolve who is who for the names that may change with those the changed articles
    give (all names with None), store it, and say which articles' persons changed."""
    conn = store.db.conn
    incremental = None
    damaged = False
    if changed_articles is not None and _counted_anything(conn):
        try:
            counted = _count(conn, sorted(changed_articles))
            new_names = None if counted.taken_back else counted.new
            incremental = _resolve_targets(conn, counted, new_names)
        except _DamagedStats:
            # A name's kept evidence does not read: it is counted again from the articles,
            # with every other name's (the whole corpus's names, resolved from nothing); the
            # articles whose persons changed are said as an incremental ingest says them.
            damaged = True
    if incremental is None:
        conn.execute("DELETE FROM name_stats")
        conn.execute("DELETE FROM name_company")
        conn.execute("DELETE FROM name_middles")
        conn.execute("DELETE FROM name_counted")
        conn.execute("DELETE FROM surname_blocks")
        articles = [r[0] for r in conn.execute("SELECT article_id FROM report_features")]
        counted = _count(conn, articles)
        touched = counted.touched
        family = set(_all_keys(conn))
        full = True
        evidence = _evidence(conn, family, counted.stats)
        joins = join_full_names(evidence.values())
        resolved = name_persons(evidence.values(), joins)
        Families(conn).keep_every_block()
    else:
        family, evidence, resolved, joins = incremental
        touched = counted.touched
        full = False
    anchors = _anchors(resolved, evidence)
    stored = _stored_names(conn, None if full else family)
    old = {k: (p, p if a is None else a) for k, (p, a) in stored.items()}
    new = {k: (resolved[k], anchors[k]) for k in resolved if k in family}
    changed_keys = {
        k
        for k in set(old) | set(new)
        if (old.get(k) or (None, None))[1] != (new.get(k) or (None, None))[1]
    }
    renamed = {
        anchor: person
        for k, (person, anchor) in new.items()
        if k == anchor and k in old and old[k][0] != person
    }
    # Only the names resolved otherwise are written: each write tells the store that every
    # event giving the name may read otherwise (corpus_version), and an article's family of
    # names takes in the names of leaders, given across most of the corpus's events.
    conn.execute(
        "DELETE FROM person_names WHERE key IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(set(stored) - set(new)))],
    )
    conn.executemany(
        "INSERT OR REPLACE INTO person_names (key, person, anchor) VALUES (?, ?, ?)",
        [(k, p, a) for k, (p, a) in new.items() if stored.get(k) != (p, a)],
    )
    _keep_joins(conn, joins, None if full else family | touched)
    affected: set[int] = set()
    if changed_keys and (not full or damaged):
        rows = conn.execute(
            "SELECT DISTINCT m.article_id FROM mentions m JOIN report_features f "
            "ON f.article_id = m.article_id WHERE m.key IN (SELECT value FROM json_each(?))",
            [json.dumps(sorted(changed_keys))],
        )
        affected = {r[0] for r in rows}
    if renamed and (not full or damaged):
        _rename_in_events(conn, renamed, old)
    return Identity(PersonMap(store), affected, renamed)


def _resolve_targets(
    conn: sqlite3.Connection, counted: _Counted, new_names: set[str] | None
) -> tuple[set[str], dict[str, NameEvidence], dict[str, str], dict[str, str]]:
    """The names that may stand for another person now that these names' evidence changed
    (see ``name_families``), what is said of them and their context, who they are, and
    the joins of the whole blocks joined anew (``_keep_joins``). ``new_names``: the names
    the corpus did not know before, when the evidence changed only by articles added
    (see ``_Narrowing``); else None."""
    touched = counted.touched
    families = Families(conn)
    families.forget_blocks(touched)
    targets = families.targets_of(touched)
    narrow = None if new_names is None else _Narrowing(conn, new_names)
    evidence: dict[str, NameEvidence] = {}
    # Each round adds a few names to thousands: the blocks of full names they leave alone
    # are not joined again, and those whose names' evidence did not change are joined as
    # stored.
    changed = {families.block_of(core_tokens(k)[-1]) for k in touched if len(core_tokens(k)) > 1}
    grown = None if new_names is None else _grown_joins(conn, families, touched, new_names)
    resolver = BlockResolver(families.block_of, _stored_joins(conn, families, changed), grown)
    while True:
        names = targets | families.context_of(targets, narrow)
        evidence.update(_evidence(conn, names - evidence.keys(), counted.stats))
        resolved = resolver.resolve(evidence[k] for k in names if k in evidence)
        if narrow is not None and narrow.unsettled(resolved):
            continue
        # A person some target joins or leaves, or one of whose names' evidence changed,
        # as it is and as it was, is a target whole: its spelling and its anchor may change
        # with its names. Any other person of a target keeps the same names, said the same
        # of: it stands as stored, and is not written again.
        was = {k: person for k, (person, _) in _stored_names(conn, targets).items()}
        moved = {k for k in targets if resolved.get(k) != was.get(k)} | touched
        persons = {resolved[k] for k in moved if k in resolved}
        persons |= {was[k] for k in moved if k in was}
        more = {k for k, p in resolved.items() if p in persons}
        more |= _names_of(conn, persons)
        if more <= targets:
            written = {k for k in targets if resolved.get(k) in persons or was.get(k) in persons}
            joins: dict[str, str] = {}
            for block, joined in resolver.joined_anew.items():
                if families.is_whole(block):
                    joins.update(joined)
            return written, evidence, resolved, joins
        targets |= families.targets_of(more - targets)


class _Narrowing:
    """Which of the full names a one-word name may join by one of their words to weigh,
    besides the targets, when articles were only added: those of the person it stood for.

    A one-word name joins the most reported person among those full names (``identity.
    name_persons``): a common first name may be the first word of thousands, and weighing
    them all means joining all their blocks (at 100,000 bench articles, 6,600 names for an
    article naming a leader). But when articles are only added, a person's count only
    grows, and only for a person some of whose names' evidence changed: all its names are
    in the blocks of those names (full names join only within a block), which are targets
    already. Every other person is as it was, and so no more reported than the person the
    name stood for: only that one can win it besides the targets. (Should the name come
    to stand for another, both persons' names become targets in the next round anyway.)

    A name that stood for no one (none of the names of what it joined was ever given with
    evidence of a person) and is given with none itself weighs only the targets, as it
    keeps standing for no one unless it joins one of them that is someone: should it come
    to stand for someone among them, it weighs every full name it may join in the next
    round (``unsettled``). A name new to the corpus, a name given with evidence that stood
    for no one, or a name that joins by a close spelling (the closest few among those
    weighed) weighs them all; so does every name once an article is changed or removed, as
    a person's count may then shrink below another's."""

    def __init__(self, conn: sqlite3.Connection, new_names: set[str]) -> None:
        self.conn = conn
        self.new_names = new_names
        """Names the corpus did not know before: they stood for no one, nor joined anyone."""
        self._stood_for: dict[str, set[str] | None] = {}
        self._no_one: set[str] = set()
        """Names that stood for no one and weigh only the targets."""

    def __call__(self, key: str, names: set[str]) -> set[str]:
        if key not in self._stood_for:
            stored = _stored_names(self.conn, {key}).get(key)
            if stored is not None:
                person = _names_of(self.conn, {stored[0]})
                self._stood_for[key] = {k for k in person if is_full(k)}
            elif key not in self.new_names and not self._given_as_someone(key):
                self._stood_for[key] = set()
                self._no_one.add(key)
            else:
                self._stood_for[key] = None
        before = self._stood_for[key]
        return names if before is None else before

    def unsettled(self, resolved: dict[str, str]) -> bool:
        """Whether a name that stood for no one came to stand for someone among the targets:
        then it weighs every full name it may join, and is resolved again."""
        now_someone = {k for k in self._no_one if k in resolved}
        for key in now_someone:
            self._stood_for[key] = None
        self._no_one -= now_someone
        return bool(now_someone)

    def _given_as_someone(self, key: str) -> bool:
        row = self.conn.execute("SELECT strong FROM name_stats WHERE key = ?", [key]).fetchone()
        return row is None or bool(row[0])


def _stored_joins(conn: sqlite3.Connection, families: Families, changed: set[str]) -> StoredJoins:
    """The joins of full names (``identity.join_full_names``) of blocks none of whose names'
    evidence changed, read from ``person_names``: it holds what resolving the corpus gave
    each name, and the full names a person has are those of one join (one-word names join
    persons, never two persons), which is named by its first spelling; or, for a name no
    person stands for (never shown to be one), from ``name_joins``. A block that changed (a
    name's evidence, or a name come or gone: those are the changed names), that is not
    whole, or that has a name neither table holds is joined again."""

    def stored(blocks: Sequence[frozenset[str]]) -> dict[frozenset[str], dict[str, str]]:
        whole = [
            block
            for block in blocks
            if families.block_of(core_tokens(next(iter(block)))[-1]) not in changed
            and families.is_whole(block)
        ]
        joins = _joins_as_stored(conn, set().union(*whole))
        return {block: joins for block in whole if block <= joins.keys()}

    return stored


def _joins_as_stored(conn: sqlite3.Connection, keys: set[str]) -> dict[str, str]:
    """How these full names (whole blocks) were last joined, as ``_stored_joins`` reads it:
    each → its person's first spelling among them; a name neither table holds, left out."""
    listed = json.dumps(sorted(keys))
    persons = dict(
        conn.execute(
            "SELECT key, person FROM person_names WHERE key IN (SELECT value FROM json_each(?))",
            [listed],
        ).fetchall()
    )
    unnamed = dict(
        conn.execute(
            "SELECT key, joined FROM name_joins WHERE key IN (SELECT value FROM json_each(?))",
            [listed],
        ).fetchall()
    )
    first: dict[str, str] = {}
    for key in sorted(persons):
        first.setdefault(persons[key], key)
    joins = {k: first[p] for k, p in persons.items()}
    joins.update((k, j) for k, j in unnamed.items() if k not in persons)
    return joins


def _grown_joins(
    conn: sqlite3.Connection, families: Families, touched: set[str], new_names: set[str]
) -> GrownJoins:
    """For a block of full names some of whose evidence changed, with articles only added:
    how its names were joined before, and those whose evidence grew
    (``identity.join_full_names_again``); None unless its surnames are those it had
    (its kept block was read) and every name of it but those new to the corpus
    (``new_names``) is stored."""

    def grown(block: frozenset[str]) -> tuple[dict[str, str], set[str]] | None:
        if not families.is_whole(block) or not families.kept_as_read(block):
            return None
        joins = _joins_as_stored(conn, set(block))
        if not block - new_names <= joins.keys():
            return None
        return joins, set(block & touched)

    return grown


def _keep_joins(conn: sqlite3.Connection, joins: dict[str, str], written: set[str] | None) -> None:
    """Keep the joins of the full names no person stands for (``name_joins``; after
    ``person_names`` is written): of every name, with the corpus resolved (``written`` is
    None); else of the whole blocks joined anew, whose joins are all known again, and none
    of a name written or gone (it may now have a person)."""
    if written is None:
        conn.execute("DELETE FROM name_joins")
    else:
        conn.execute(
            "DELETE FROM name_joins WHERE key IN (SELECT value FROM json_each(?))",
            [json.dumps(sorted(joins.keys() | written))],
        )
    conn.execute(
        "INSERT INTO name_joins (key, joined) SELECT j.key, j.value FROM json_each(?) j "
        "WHERE j.key NOT IN (SELECT key FROM person_names)",
        [json.dumps(joins)],
    )


def _names_of(conn: sqlite3.Connection, persons: set[str]) -> set[str]:
    rows = conn.execute(
        "SELECT key FROM person_names WHERE person IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(persons))],
    )
    return {r[0] for r in rows}


def _counted_anything(conn: sqlite3.Connection) -> bool:
    counted = conn.execute("SELECT 1 FROM name_counted LIMIT 1").fetchone() is not None
    grouped = conn.execute("SELECT 1 FROM report_features LIMIT 1").fetchone() is not None
    return counted or not grouped


def _all_keys(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT key FROM name_stats")]


def _stored_names(
    conn: sqlite3.Connection, keys: set[str] | None
) -> dict[str, tuple[str, str | None]]:
    """Each stored name's person and anchor, as stored (a file of an older newsbot may lack
    the anchor)."""
    if keys is None:
        rows = conn.execute("SELECT key, person, anchor FROM person_names")
    else:
        rows = conn.execute(
            "SELECT key, person, anchor FROM person_names "
            "WHERE key IN (SELECT value FROM json_each(?))",
            [json.dumps(sorted(keys))],
        )
    return {k: (p, a) for k, p, a in rows}


def _anchors(resolved: dict[str, str], evidence: dict[str, NameEvidence]) -> dict[str, str]:
    """Each resolved name's anchor: the spelling of its person that the corpus gave first."""
    members: dict[str, list[str]] = defaultdict(list)
    for key, person in resolved.items():
        members[person].append(key)
    anchors = {}
    for keys in members.values():
        anchor = min(keys, key=lambda k: (evidence[k].first_article, k))
        for k in keys:
            anchors[k] = anchor
    return anchors


def _rename_in_events(
    conn: sqlite3.Connection, renamed: dict[str, str], old: dict[str, tuple[str, str]]
) -> None:
    """Events list people by their fullest spelling: write the new one where it changed."""
    rows = conn.execute(
        "SELECT DISTINCT e.id, e.people FROM group_people g JOIN events e ON e.founder = g.founder "
        "WHERE g.person IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(renamed))],
    ).fetchall()
    spelt = {old[a][0]: new for a, new in renamed.items() if a in old}
    updates = []
    for event_id, people in rows:
        listed = json.loads(people or "[]")
        fresh = [spelt.get(p, p) for p in listed]
        if fresh != listed:
            updates.append((json.dumps(fresh), event_id))
    conn.executemany("UPDATE events SET people = ? WHERE id = ?", updates)


# -- what the corpus says of each name ----------------------------------------------------------
COUNT_CHUNK = 1000


_Stats = dict[str, dict[str, object]]
"""What the corpus says of each name being counted: its name_stats row, as read and added
to (first, articles, strong, evidence)."""


@dataclass
class _Counted:
    """What counting some articles changed in the names' evidence."""

    touched: set[str] = field(default_factory=set)
    """The names whose evidence changed."""
    new: set[str] = field(default_factory=set)
    """Those of them the corpus did not know before."""
    taken_back: bool = False
    """Whether any of the articles had been counted already (changed or removed since)."""
    stats: _Stats = field(default_factory=dict)
    """The rows of the names counted, as written (not read again)."""
    company: dict[str, dict[str, int]] = field(default_factory=dict)
    """How the names' companies changed: name → surname → articles added (or taken back,
    below zero), written to ``name_company`` with the rows."""


def _count(conn: sqlite3.Connection, articles: Sequence[int]) -> _Counted:
    """Take back what these articles added to the names' evidence, add what they say now,
    and say what changed (``_Counted``). Each name's row is read once and written
    once, whatever the chunks: a leader's evidence names thousands of others (hundreds of
    KB), and the corpus counted from nothing is a hundred chunks at 100,000 articles."""
    counted = _Counted()
    stats = counted.stats
    refirst: set[str] = set()
    for start in range(0, len(articles), COUNT_CHUNK):
        _count_chunk(conn, articles[start : start + COUNT_CHUNK], stats, refirst, counted)
    _write_stats(conn, stats, refirst)
    _write_company(conn, counted.company, stats)
    return counted


def _count_chunk(
    conn: sqlite3.Connection,
    articles: Sequence[int],
    stats: _Stats,
    refirst: set[str],
    counted: _Counted,
) -> None:
    """Count a chunk of articles into ``stats`` and ``counted`` (see ``_count``);
    ``refirst``: the names whose first article was one of them."""
    from briefings.index.people_index import role_key

    touched = counted.touched
    if not articles:
        return
    ids = json.dumps(list(articles))
    previous = dict(
        conn.execute(
            "SELECT article_id, names FROM name_counted WHERE article_id IN (SELECT value FROM json_each(?))",
            [ids],
        ).fetchall()
    )
    english = {
        r[0]
        for r in conn.execute(
            "SELECT article_id FROM report_features WHERE article_id IN (SELECT value FROM json_each(?))",
            [ids],
        )
    }
    current: dict[int, dict[str, list[object]]] = defaultdict(dict)
    rows = conn.execute(
        "SELECT article_id, key, nationality, roles, weak FROM mentions "
        "WHERE article_id IN (SELECT value FROM json_each(?)) ORDER BY article_id, id",
        [ids],
    )
    for article_id, key, nationality, roles, weak in rows:
        if article_id not in english or not core_tokens(key):
            continue
        entry = current[article_id].setdefault(key, [{}, {}, 0, []])
        nationality_counts = cast(dict[str, int], entry[0])
        role_counts = cast(dict[str, int], entry[1])
        if nationality:
            nationality_counts[nationality] = nationality_counts.get(nationality, 0) + 1
        for role in json.loads(roles) if roles and roles != "[]" else ():
            if folded := role_key(role):
                role_counts[folded] = role_counts.get(folded, 0) + 1
        if not weak:
            entry[2] += 1  # type: ignore[operator]
    for names in current.values():
        surnames = {k.rsplit(" ", 1)[-1] for k in names}
        for key, entry in names.items():
            entry[3] = sorted(surnames - {key.rsplit(" ", 1)[-1]})

    def stat(key: str) -> dict[str, object]:
        if key not in stats:
            row = conn.execute(
                "SELECT first_article, articles, strong, evidence FROM name_stats WHERE key = ?",
                [key],
            ).fetchone()
            if row is None:
                stats[key] = {"first": None, "articles": 0, "strong": 0, "evidence": _empty()}
                counted.new.add(key)
            else:
                stats[key] = {
                    "first": row[0],
                    "articles": row[1],
                    "strong": row[2],
                    "evidence": _stored_evidence(row[3]),
                }
        return stats[key]

    counted.taken_back = counted.taken_back or bool(previous)
    for article_id, text in previous.items():
        for key, (nationalities, roles, strong, company) in json.loads(text).items():
            s = stat(key)
            s["articles"] = int(s["articles"]) - 1  # type: ignore[call-overload]
            s["strong"] = int(s["strong"]) - strong  # type: ignore[call-overload]
            _subtract(s["evidence"], nationalities, roles)  # type: ignore[arg-type]
            changes = counted.company.setdefault(key, {})
            for surname in company:
                changes[surname] = changes.get(surname, 0) - 1
            if s["first"] == article_id:
                refirst.add(key)
            touched.add(key)
    for article_id, names in current.items():
        for key, (nationalities, roles, strong, company) in names.items():
            s = stat(key)
            s["articles"] = int(s["articles"]) + 1  # type: ignore[call-overload]
            s["strong"] = int(s["strong"]) + strong  # type: ignore[call-overload]
            _add(s["evidence"], nationalities, roles)  # type: ignore[arg-type]
            changes = counted.company.setdefault(key, {})
            for surname in cast(list[str], company):
                changes[surname] = changes.get(surname, 0) + 1
            if s["first"] is None or article_id < int(s["first"]):  # type: ignore[call-overload]
                s["first"] = article_id
            touched.add(key)
    conn.execute(
        "DELETE FROM name_counted WHERE article_id IN (SELECT value FROM json_each(?))", [ids]
    )
    conn.executemany(
        "INSERT INTO name_counted (article_id, names) VALUES (?, ?)",
        [(a, json.dumps(current.get(a, {}), separators=(",", ":"))) for a in sorted(english)],
    )


def _write_stats(conn: sqlite3.Connection, stats: _Stats, refirst: set[str]) -> None:
    """Write the names' rows as counted: drop those no article gives any more, and find
    the first article again of those whose first one was taken back."""
    gone = [k for k, s in stats.items() if int(s["articles"]) <= 0]  # type: ignore[call-overload]
    for key in refirst - set(gone):
        row = conn.execute(
            "SELECT min(m.article_id) FROM mentions m JOIN report_features f "
            "ON f.article_id = m.article_id WHERE m.key = ?",
            [key],
        ).fetchone()
        stats[key]["first"] = row[0]
    conn.execute(
        "DELETE FROM name_stats WHERE key IN (SELECT value FROM json_each(?))", [json.dumps(gone)]
    )
    conn.execute(
        "DELETE FROM name_middles WHERE key IN (SELECT value FROM json_each(?))",
        [json.dumps(gone)],
    )
    rows_out = []
    middles = []
    for key, s in stats.items():
        if int(s["articles"]) <= 0:  # type: ignore[call-overload]
            continue
        core = core_tokens(key)
        rows_out.append(
            (
                key,
                core[-1],
                core[0],
                len(core),
                core[-1][0] + skeleton(core[-1]),
                s["first"],
                s["articles"],
                s["strong"],
                kept_values.dumps((s["evidence"],)),
            )
        )
        middles += [(t, key) for t in core[1:-1]]
    conn.executemany(
        "INSERT OR REPLACE INTO name_stats (key, surname, first, core_len, bones, first_article, "
        "articles, strong, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows_out,
    )
    conn.executemany("INSERT OR IGNORE INTO name_middles (token, key) VALUES (?, ?)", middles)


def _write_company(
    conn: sqlite3.Connection, changes: dict[str, dict[str, int]], stats: _Stats
) -> None:
    """Add the counted changes to ``name_company``; drop the surnames no article names
    beside a name any more, and the company of the names no article gives."""
    rows = [(k, s, n) for k, counts in changes.items() for s, n in counts.items() if n]
    conn.executemany(
        "INSERT INTO name_company (key, surname, articles) VALUES (?, ?, ?) "
        "ON CONFLICT (key, surname) DO UPDATE SET articles = articles + excluded.articles",
        rows,
    )
    conn.executemany(
        "DELETE FROM name_company WHERE key = ? AND surname = ? AND articles <= 0",
        [(k, s) for k, s, n in rows if n < 0],
    )
    gone = [k for k, s in stats.items() if int(s["articles"]) <= 0]  # type: ignore[call-overload]
    conn.execute(
        "DELETE FROM name_company WHERE key IN (SELECT value FROM json_each(?))",
        [json.dumps(gone)],
    )


def _empty() -> dict[str, dict[str, int]]:
    return {"nationalities": {}, "roles": {}}


def _add(evidence: dict[str, dict[str, int]], nationalities, roles) -> None:  # type: ignore[no-untyped-def]
    for table, counts in (("nationalities", nationalities), ("roles", roles)):
        for name, n in counts.items():
            evidence[table][name] = evidence[table].get(name, 0) + n


def _subtract(evidence: dict[str, dict[str, int]], nationalities, roles) -> None:  # type: ignore[no-untyped-def]
    for table, counts in (("nationalities", nationalities), ("roles", roles)):
        for name, n in counts.items():
            left = evidence[table].get(name, 0) - n
            if left > 0:
                evidence[table][name] = left
            else:
                evidence[table].pop(name, None)


class _DamagedStats(Exception):
    """A name's kept evidence does not read back (its record is damaged)."""


def _stored_evidence(stored: object) -> dict[str, dict[str, int]]:
    """A name's evidence as ``_write_stats`` keeps it: a sealed marshal (``kept_values``),
    which reads back several times faster than JSON and writes ten times faster; or JSON,
    as written before. One written before ``name_company`` also holds its company."""
    if isinstance(stored, str):
        try:
            value: object = json.loads(stored)
        except ValueError:
            value = None
    else:
        kept = kept_values.loads(stored)
        value = kept[0] if isinstance(kept, tuple) and len(kept) == 1 else None
    if not isinstance(value, dict) or not all(
        isinstance(value.get(table), dict) for table in ("nationalities", "roles")
    ):
        raise _DamagedStats
    return value


def _evidence(
    conn: sqlite3.Connection, keys: set[str], counted: _Stats | None = None
) -> dict[str, NameEvidence]:
    """What the corpus says of these names; of those just ``counted``, from their rows as
    written. Their nationalities, roles and company are read when first asked
    (``_StoredSaid``, ``_StoredCompany``)."""
    counted = counted or {}
    known = keys & counted.keys()
    rows: list[tuple[str, object, object, object, dict[str, dict[str, int]] | None]] = [
        (
            key,
            s["first"],
            s["articles"],
            s["strong"],
            cast(dict[str, dict[str, int]], s["evidence"]),
        )
        for key in known
        if cast(int, (s := counted[key])["articles"]) > 0
    ]
    stored = conn.execute(
        "SELECT key, first_article, articles, strong FROM name_stats "
        "WHERE key IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(keys - known))],
    )
    rows += [(key, first, articles, strong, None) for key, first, articles, strong in stored]
    found = {}
    for key, first, articles, strong, said in rows:
        told = _StoredSaid(conn, key, said)
        found[key] = NameEvidence(
            key,
            articles=cast(int, articles),
            nationalities=_SaidCounts(told, "nationalities"),
            roles=_SaidCounts(told, "roles").keys(),
            strong=cast(int, strong) > 0,
            company=_StoredCompany(conn, key, cast(int, articles)),
            first_article=cast(int, first),
        )
    return found
