"""What event grouping keeps in the database between ingests, so that a new article is placed
against the events it could join instead of regrouping the corpus.

Over 400 lines: every table grouping keeps between ingests, with its reads and writes,
so that the schema and the code that relies on it are read together.

- ``report_features``: each English article's grouping features (``event_features``).
- ``event_members``: the group each article was placed in (by the group's *founder*, the
  report that started it), in which phase (1 dated, 2 undated joining a dated event, 3
  undated events of their own), and the date it was placed at.
- ``group_states``: each dated group as its dated reports made it — vocabulary (the sum of
  their vectors), people, dates, places, its place so far: what undated reports are
  compared with.
- ``joined_states``: each dated group with undated members, as all of them left it (the
  last member's id beside it): what a new undated report, whose step comes after them
  all, is compared with, without reading those members again.
- ``group_people``, ``undated_people``, ``top_terms``: the indexes candidates are found
  through (people of each group; people of each undated report; each report's most
  weighty words).
- ``undated_choices``: for each undated report, the dated groups it could join (as the
  reports before it left them) that fit it best, with their scores: a later change
  re-scores only the groups that changed and keeps the others' scores (``event_choices``).
- ``kept_reports``: each undated report as grouping built it from its features, read
  back at a fraction of the cost when it is decided again (``report_records``); and each
  dated one grouping built since it last regrouped.
- ``unplaced_articles``: articles deleted since the last placement (a trigger notes them).
- ``term_sample``, ``grouping_meta``: the document frequencies words are weighed by
  (``term_weights``) and the sample they were counted over.

All of it is derived: ``briefings regroup`` rebuilds it from the articles.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import cast

from briefings.extract.event_features import EncodedFeatures, ReportFeatures
from briefings.index import kept_values
from briefings.index.event_choices import Choices
from briefings.index.events import _Group, _Report
from briefings.index.term_weights import TermWeights

TOP_TERMS_BY_ARTICLE = "CREATE INDEX IF NOT EXISTS top_terms_article ON top_terms(article_id)"
"""The index of weighty words by article, as SCHEMA makes it (made again after a bulk
insert: ``add_staged_top_terms``)."""

_STAGED_TOP_TERMS = "CREATE TEMP TABLE IF NOT EXISTS staged_top_terms (term, article_id, is_dated)"
"""Where ``stage_top_terms`` keeps weighty words aside: the connection's own."""

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS report_features (
    article_id INTEGER PRIMARY KEY,
    happened TEXT,
    features TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS report_features_happened ON report_features(happened, article_id);
-- The ids alone: the weights' sample is the first thousand, read at every placement (from
-- the table, that is a thousand pages of features: 4 ms at 100,000 articles, against 0.4).
CREATE INDEX IF NOT EXISTS report_features_ids ON report_features(article_id);
CREATE TABLE IF NOT EXISTS event_members (
    article_id INTEGER PRIMARY KEY,
    founder INTEGER NOT NULL,
    phase INTEGER NOT NULL,
    happened TEXT
);
CREATE INDEX IF NOT EXISTS event_members_founder ON event_members(founder, phase);
-- The dated groups open around a day (a scan of every member otherwise, at each dated step).
CREATE INDEX IF NOT EXISTS event_members_dated ON event_members(phase, happened);
CREATE TABLE IF NOT EXISTS group_states (
    founder INTEGER PRIMARY KEY,
    last_day TEXT NOT NULL,
    state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS group_people (
    person TEXT NOT NULL,
    founder INTEGER NOT NULL,
    phase INTEGER NOT NULL,
    PRIMARY KEY (person, founder)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS group_people_founder ON group_people(founder);
CREATE TABLE IF NOT EXISTS undated_people (
    person TEXT NOT NULL,
    article_id INTEGER NOT NULL,
    PRIMARY KEY (person, article_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS undated_people_article ON undated_people(article_id);
CREATE TABLE IF NOT EXISTS top_terms (
    term TEXT NOT NULL,
    article_id INTEGER NOT NULL,
    is_dated INTEGER NOT NULL,
    PRIMARY KEY (term, article_id)
) WITHOUT ROWID;
{TOP_TERMS_BY_ARTICLE};
CREATE TABLE IF NOT EXISTS term_sample (
    term TEXT PRIMARY KEY,
    df INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS grouping_meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS undated_choices (
    article_id INTEGER PRIMARY KEY,
    complete INTEGER NOT NULL,
    choices BLOB NOT NULL
);
-- Who keeps a group among its choices: to be decided again when the group changes, even
-- once it shares no person or word with the group any more.
CREATE TABLE IF NOT EXISTS undated_choosing (
    founder INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    PRIMARY KEY (founder, article_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS undated_choosing_article ON undated_choosing(article_id);
CREATE TABLE IF NOT EXISTS unplaced_articles (
    article_id INTEGER PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS joined_states (
    founder INTEGER PRIMARY KEY,
    last_member INTEGER NOT NULL,
    state TEXT NOT NULL
);
-- Reports were kept as "undated_reports" when only undated ones were (records of a
-- layout no longer read): kept again as built, under their present name.
DROP TABLE IF EXISTS undated_reports;
CREATE TABLE IF NOT EXISTS kept_reports (
    article_id INTEGER PRIMARY KEY,
    report BLOB NOT NULL
);
-- An article deleted (by whatever code) leaves its features behind no longer, and waits
-- for the next placement to take it out of its event.
CREATE TRIGGER IF NOT EXISTS articles_gone_from_grouping AFTER DELETE ON articles BEGIN
    DELETE FROM report_features WHERE article_id = OLD.id;
    INSERT OR IGNORE INTO unplaced_articles (article_id) VALUES (OLD.id);
END;
"""

LAST_CREATED = (
    "joined_states",
    "kept_reports",
    "articles_gone_from_grouping",
    "undated_choices",
    "undated_choosing",
    "event_members_dated",
    "surname_blocks_block",
    "name_joins",
    "name_stats_surname_len",
    "name_stats_bones_len",
    "name_company",
    "report_features_ids",
)
"""The last things SCHEMA and ``person_map.SCHEMA`` create, then added to them: when they
are there, the rest is."""

DERIVED_TABLES = (
    "event_members",
    "group_states",
    "joined_states",
    "group_people",
    "undated_people",
    "top_terms",
    "undated_choices",
    "undated_choosing",
    "kept_reports",
)


def create_tables(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)


def _ids(ids: Iterable[int]) -> str:
    return json.dumps([int(i) for i in ids])


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Membership:
    """Where an article was placed: its group's founder, the phase, and the date then."""

    founder: int
    phase: int
    happened: dt.date | None


@dataclass
class GroupSummary:
    """A dated group as its dated reports made it (stored in ``group_states``)."""

    founder: int
    members: list[int]
    centroid: dict[str, float]
    norm2: float
    people: dict[str, int]
    prominent: dict[str, int]
    dates: list[dt.date]
    precise_dates: list[dt.date]
    places: list[str]
    lead_places: list[str]
    place: tuple[int, str | None] | None = None
    top: list[str] = field(default_factory=list)
    weightiest: list[str] | None = None
    """Its centroid's weightiest words (``events._Group.weightiest``), or None as states
    were stored first: every undated report that may join the group asks for them, and
    they take sorting its whole vocabulary to find."""
    unread_centroid: dict[str, object] | None = field(default=None, compare=False, repr=False)
    """The stored fields, when the state was read without its centroid (``from_json``):
    ``centroid`` is then empty, and ``vector_of`` reads it from these."""

    def to_json(self) -> str:
        return json.dumps(
            {
                "members": self.members,
                **vector_fields(self.centroid),
                "norm2": self.norm2,
                "people": self.people,
                "prominent": self.prominent,
                "dates": [d.isoformat() for d in self.dates],
                "precise": [d.isoformat() for d in self.precise_dates],
                "places": self.places,
                "lead_places": self.lead_places,
                "place": list(self.place) if self.place else None,
                "top": self.top,
                **({"weightiest": self.weightiest} if self.weightiest is not None else {}),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, founder: int, text: str, *, centroid: bool = True) -> GroupSummary:
        """The state ``to_json`` stored; without ``centroid``, its centroid left unread
        (``unread_centroid``)."""
        d = json.loads(text)
        return cls(
            founder=founder,
            members=d["members"],
            centroid=vector_of(d) if centroid else {},
            norm2=d["norm2"],
            people=d["people"],
            prominent=d["prominent"],
            dates=[dt.date.fromisoformat(x) for x in d["dates"]],
            precise_dates=[dt.date.fromisoformat(x) for x in d["precise"]],
            places=d["places"],
            lead_places=d["lead_places"],
            place=(d["place"][0], d["place"][1]) if d["place"] else None,
            top=d["top"],
            weightiest=d.get("weightiest"),
            unread_centroid=None if centroid else d,
        )


_TERM_BREAK = "\n"


def vector_fields(vector: dict[str, float]) -> dict[str, object]:
    """A vocabulary's words, and their weights as the bytes of 64-bit floats (little-endian,
    in base64): read back several times faster than a JSON object of decimals, the same
    floats exactly. A group is read again each time an undated report may join it."""
    if any(not term or _TERM_BREAK in term for term in vector):
        return {"centroid": vector}
    return {
        "terms": _TERM_BREAK.join(vector),
        "weights": base64.b64encode(kept_values.float_bytes(vector.values())).decode("ascii"),
    }


def vector_of(fields: dict[str, object]) -> dict[str, float]:
    """The vocabulary ``vector_fields`` wrote (or a JSON object, as states were stored first)."""
    if "centroid" in fields:
        return cast(dict[str, float], fields["centroid"])
    terms = cast(str, fields["terms"])
    if not terms:
        return {}
    weights = base64.b64decode(cast(str, fields["weights"]))
    return kept_values.vocabulary(terms.split(_TERM_BREAK), weights)


class EventState:
    """Reads and writes of the grouping tables, over the store's connection and lock."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    # -- features ---------------------------------------------------------------------------
    def save_features(self, features: Iterable[ReportFeatures]) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO report_features (article_id, happened, features) "
            "VALUES (?, ?, ?)",
            [(f.id, f.happened.isoformat() if f.happened else None, f.to_json()) for f in features],
        )

    def save_encoded_features(self, rows: Iterable[tuple[int, EncodedFeatures]]) -> None:
        """Features encoded where their articles were analysed, by article id."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO report_features (article_id, happened, features) "
            "VALUES (?, ?, ?)",
            [(article_id, e.happened, e.text) for article_id, e in rows],
        )

    def delete_features(self, ids: Iterable[int]) -> None:
        self.conn.execute(
            "DELETE FROM report_features WHERE article_id IN (SELECT value FROM json_each(?))",
            [_ids(ids)],
        )

    def features(self, ids: Sequence[int]) -> dict[int, ReportFeatures]:
        if not ids:
            return {}
        rows = self.conn.execute(
            "SELECT article_id, features FROM report_features "
            "WHERE article_id IN (SELECT value FROM json_each(?))",
            [_ids(ids)],
        )
        return {r[0]: ReportFeatures.from_json(r[0], r[1]) for r in rows}

    def feature_ids(self) -> list[int]:
        return [r[0] for r in self.conn.execute("SELECT article_id FROM report_features")]

    def feature_count(self, at_most: int) -> int:
        """How many reports have features, counted up to at_most: the count is only ever
        compared with a few changed articles, and counting all of a 100k corpus's reads
        its whole date index (14 ms, a twentieth of adding one article)."""
        row = self.conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM report_features LIMIT ?)", [at_most]
        ).fetchone()
        return int(row[0])

    def dated_keys(
        self, after: tuple[dt.date, int] | None, until: dt.date | None = None
    ) -> Iterator[tuple[dt.date, int]]:
        """(happened, id) of dated reports after a key (all, with None), in that order."""
        sql = "SELECT happened, article_id FROM report_features WHERE happened IS NOT NULL"
        params: list[object] = []
        if after is not None:
            # A row value: the date index is searched for the key. Written as "happened > ?
            # OR (happened = ? AND …)", it was read from its first date up to the key:
            # 6-10 ms of adding one article at 100,000, against 0.2 ms.
            sql += " AND (happened, article_id) > (?, ?)"
            params += [after[0].isoformat(), after[1]]
        if until is not None:
            sql += " AND happened <= ?"
            params.append(until.isoformat())
        sql += " ORDER BY happened, article_id"
        for day, article_id in self.conn.execute(sql, params):
            yield dt.date.fromisoformat(day), article_id

    def dated_between(self, first: dt.date, last: dt.date) -> list[tuple[dt.date, int]]:
        rows = self.conn.execute(
            "SELECT happened, article_id FROM report_features WHERE happened BETWEEN ? AND ? "
            "ORDER BY happened, article_id",
            [first.isoformat(), last.isoformat()],
        )
        return [(dt.date.fromisoformat(d), i) for d, i in rows]

    def undated_ids(self) -> list[int]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT article_id FROM report_features WHERE happened IS NULL ORDER BY article_id"
            )
        ]

    # -- membership -------------------------------------------------------------------------
    def memberships(self, ids: Iterable[int]) -> dict[int, Membership]:
        rows = self.conn.execute(
            "SELECT article_id, founder, phase, happened FROM event_members "
            "WHERE article_id IN (SELECT value FROM json_each(?))",
            [_ids(ids)],
        )
        return {r[0]: Membership(r[1], r[2], _day(r[3])) for r in rows}

    def members_of(
        self, founders: Iterable[int]
    ) -> dict[int, list[tuple[int, int, dt.date | None]]]:
        """founder → (article id, phase, happened) of its members, in the order they joined."""
        found: dict[int, list[tuple[int, int, dt.date | None]]] = {}
        rows = self.conn.execute(
            "SELECT founder, article_id, phase, happened FROM event_members "
            "WHERE founder IN (SELECT value FROM json_each(?))",
            [_ids(founders)],
        )
        for founder, article_id, phase, happened in rows:
            found.setdefault(founder, []).append((article_id, phase, _day(happened)))
        for members in found.values():
            members.sort(key=lambda m: (m[1], m[2] or dt.date.min, m[0]))
        return found

    def undated_members(self, founders: Iterable[int], phase: int) -> dict[int, list[int]]:
        """founder → the ids of its members of an undated phase, in order: from the index
        alone (``members_of`` reads every member, and a leader's groups have hundreds of
        dated ones)."""
        found: dict[int, list[int]] = {}
        rows = self.conn.execute(
            "SELECT founder, article_id FROM event_members "
            "WHERE founder IN (SELECT value FROM json_each(?)) AND phase = ?",
            [_ids(founders), phase],
        )
        for founder, article_id in rows:
            found.setdefault(founder, []).append(article_id)
        for members in found.values():
            members.sort()
        return found

    def founders_dated_between(self, first: dt.date, last: dt.date) -> dict[int, int]:
        """article id → founder, for dated members dated within [first, last]."""
        rows = self.conn.execute(
            "SELECT article_id, founder FROM event_members WHERE phase = 1 "
            "AND happened BETWEEN ? AND ?",
            [first.isoformat(), last.isoformat()],
        )
        return dict(rows.fetchall())

    def all_founders(self) -> list[int]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT founder FROM event_members")]

    def save_memberships(self, placed: dict[int, Membership]) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO event_members (article_id, founder, phase, happened) "
            "VALUES (?, ?, ?, ?)",
            [
                (i, m.founder, m.phase, m.happened.isoformat() if m.happened else None)
                for i, m in placed.items()
            ],
        )

    def delete_memberships(self, ids: Iterable[int]) -> None:
        self.conn.execute(
            "DELETE FROM event_members WHERE article_id IN (SELECT value FROM json_each(?))",
            [_ids(ids)],
        )

    # -- dated groups -----------------------------------------------------------------------
    def summaries(
        self, founders: Iterable[int], *, centroid: bool = True
    ) -> dict[int, GroupSummary]:
        """The dated groups' states (without ``centroid``, their centroids left unread:
        ``GroupSummary.unread_centroid``)."""
        rows = self.conn.execute(
            "SELECT founder, state FROM group_states "
            "WHERE founder IN (SELECT value FROM json_each(?))",
            [_ids(founders)],
        )
        return {r[0]: GroupSummary.from_json(r[0], r[1], centroid=centroid) for r in rows}

    def save_summaries(self, summaries: Iterable[GroupSummary]) -> None:
        self.save_summary_texts((s, s.to_json()) for s in summaries)

    def save_summary_texts(self, summaries: Iterable[tuple[GroupSummary, str]]) -> None:
        """Store states whose text (``to_json``) is made already."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO group_states (founder, last_day, state) VALUES (?, ?, ?)",
            [(s.founder, s.dates[-1].isoformat(), text) for s, text in summaries],
        )

    def delete_summaries(self, founders: Iterable[int]) -> None:
        self.conn.execute(
            "DELETE FROM group_states WHERE founder IN (SELECT value FROM json_each(?))",
            [_ids(founders)],
        )

    def joined_summaries(
        self, founders: Iterable[int], *, centroid: bool = True
    ) -> dict[int, tuple[int, GroupSummary]]:
        """Dated groups as all their undated members left them, each with the last one's id
        (without ``centroid``, as ``summaries``)."""
        rows = self.conn.execute(
            "SELECT founder, last_member, state FROM joined_states "
            "WHERE founder IN (SELECT value FROM json_each(?))",
            [_ids(founders)],
        )
        return {r[0]: (r[1], GroupSummary.from_json(r[0], r[2], centroid=centroid)) for r in rows}

    def save_joined_summaries(self, summaries: Iterable[tuple[int, GroupSummary]]) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO joined_states (founder, last_member, state) VALUES (?, ?, ?)",
            [(s.founder, last, s.to_json()) for last, s in summaries],
        )

    def delete_joined_summaries(self, founders: Iterable[int]) -> None:
        self.conn.execute(
            "DELETE FROM joined_states WHERE founder IN (SELECT value FROM json_each(?))",
            [_ids(founders)],
        )

    # -- indexes ----------------------------------------------------------------------------
    def founders_with_people(self, people: Iterable[str], phase: int) -> set[int]:
        """Founders of groups of a phase (1: dated, 3: undated) naming any of the people."""
        return set().union(*self.founders_by_person(people, phase).values())

    def founders_by_person(self, people: Iterable[str], phase: int) -> dict[str, set[int]]:
        """Each of the people → the founders of groups of a phase naming them."""
        found: dict[str, set[int]] = {}
        rows = self.conn.execute(
            "SELECT person, founder FROM group_people WHERE phase = ? "
            "AND person IN (SELECT value FROM json_each(?))",
            [phase, json.dumps(list(people))],
        )
        for person, founder in rows:
            found.setdefault(person, set()).add(founder)
        return found

    def people_in_group(self, founder: int, people: Iterable[str]) -> set[str]:
        """Those of the people a group has a row for (of any phase)."""
        rows = self.conn.execute(
            "SELECT person FROM group_people WHERE founder = ? "
            "AND person IN (SELECT value FROM json_each(?))",
            [founder, json.dumps(list(people))],
        )
        return {r[0] for r in rows}

    def founders_sharing(self, founders: Iterable[int], people: Iterable[str]) -> set[int]:
        """Those of the founders whose groups name any of the people."""
        rows = self.conn.execute(
            "SELECT DISTINCT founder FROM group_people WHERE founder IN "
            "(SELECT value FROM json_each(?)) AND person IN (SELECT value FROM json_each(?))",
            [_ids(founders), json.dumps(list(people))],
        )
        return {r[0] for r in rows}

    def people_of_group(self, founder: int) -> set[str]:
        rows = self.conn.execute("SELECT person FROM group_people WHERE founder = ?", [founder])
        return {r[0] for r in rows}

    def add_group_people(self, founder: int, phase: int, people: Iterable[str]) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO group_people (person, founder, phase) VALUES (?, ?, ?)",
            [(p, founder, phase) for p in people],
        )

    def set_group_people(self, founder: int, phase: int, people: Iterable[str]) -> None:
        self.conn.execute("DELETE FROM group_people WHERE founder = ?", [founder])
        self.conn.executemany(
            "INSERT OR IGNORE INTO group_people (person, founder, phase) VALUES (?, ?, ?)",
            [(p, founder, phase) for p in people],
        )

    def delete_group_people(self, founders: Iterable[int]) -> None:
        self.conn.execute(
            "DELETE FROM group_people WHERE founder IN (SELECT value FROM json_each(?))",
            [_ids(founders)],
        )

    def undated_with_people(self, people: Iterable[str], after: int) -> set[int]:
        rows = self.conn.execute(
            "SELECT DISTINCT article_id FROM undated_people WHERE article_id > ? "
            "AND person IN (SELECT value FROM json_each(?))",
            [after, json.dumps(list(people))],
        )
        return {r[0] for r in rows}

    def undated_sharing(self, people: Iterable[str], terms: Iterable[str], after: int) -> set[int]:
        """Undated reports after an id that name any of the people and have any of the
        words among their weighty ones."""
        rows = self.conn.execute(
            "SELECT article_id FROM undated_people WHERE article_id > ? "
            "AND person IN (SELECT value FROM json_each(?)) "
            "INTERSECT SELECT article_id FROM top_terms WHERE is_dated = 0 AND article_id > ? "
            "AND term IN (SELECT value FROM json_each(?))",
            [after, json.dumps(sorted(people)), after, json.dumps(sorted(terms))],
        )
        return {r[0] for r in rows}

    def set_undated_people(self, article_id: int, people: Iterable[str]) -> None:
        self.conn.execute("DELETE FROM undated_people WHERE article_id = ?", [article_id])
        self.conn.executemany(
            "INSERT OR IGNORE INTO undated_people (person, article_id) VALUES (?, ?)",
            [(p, article_id) for p in people],
        )

    def delete_undated_people(self, ids: Iterable[int]) -> None:
        self.conn.execute(
            "DELETE FROM undated_people WHERE article_id IN (SELECT value FROM json_each(?))",
            [_ids(ids)],
        )

    def kept_reports(self, ids: Iterable[int]) -> dict[int, bytes]:
        """The kept reports among these (``report_records``), by article id: every
        undated one, and the dated ones grouping built since it last regrouped or their
        records changed layout."""
        rows = self.conn.execute(
            "SELECT article_id, report FROM kept_reports "
            "WHERE article_id IN (SELECT value FROM json_each(?))",
            [_ids(ids)],
        )
        return dict(rows.fetchall())

    def save_kept_reports(self, rows: Iterable[tuple[int, bytes]]) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO kept_reports (article_id, report) VALUES (?, ?)", rows
        )

    def delete_kept_reports(self, ids: Iterable[int]) -> None:
        self.conn.execute(
            "DELETE FROM kept_reports WHERE article_id IN (SELECT value FROM json_each(?))",
            [_ids(ids)],
        )

    def delete_kept_dated_reports(self) -> None:
        """Forget every kept dated report (``report_records``): kept again as they are built."""
        self.conn.execute(
            "DELETE FROM kept_reports WHERE article_id IN "
            "(SELECT article_id FROM report_features WHERE happened IS NOT NULL)"
        )

    def set_top_terms(self, article_id: int, terms: Iterable[str], is_dated: bool) -> None:
        self.conn.execute("DELETE FROM top_terms WHERE article_id = ?", [article_id])
        self.conn.executemany(
            "INSERT OR IGNORE INTO top_terms (term, article_id, is_dated) VALUES (?, ?, ?)",
            [(t, article_id, int(is_dated)) for t in terms],
        )

    def stage_top_terms(self, rows: Iterable[tuple[int, Iterable[str], bool]]) -> None:
        """Index the weighty words of reports not indexed yet, (id, words, is dated), once
        ``add_staged_top_terms`` is called: until then they are kept aside (in a temporary
        table). A regroup from nothing indexes the weighty words of a whole corpus. Inserted
        in the walk's order, by date, each of them lands somewhere else in the index (at
        100,000 bench articles, 1.6 million rows: 16.6 s of CPU); sorted, and the index by
        article made again after, 4.4 s."""
        self.conn.execute(_STAGED_TOP_TERMS)
        self.conn.executemany(
            "INSERT INTO temp.staged_top_terms (term, article_id, is_dated) VALUES (?, ?, ?)",
            [(t, article_id, int(is_dated)) for article_id, terms, is_dated in rows for t in terms],
        )

    def add_staged_top_terms(self) -> None:
        """Index the weighty words ``stage_top_terms`` kept aside."""
        conn = self.conn
        conn.execute(_STAGED_TOP_TERMS)
        conn.execute("DROP INDEX IF EXISTS top_terms_article")
        conn.execute(
            "INSERT OR IGNORE INTO top_terms (term, article_id, is_dated) "
            "SELECT term, article_id, is_dated FROM temp.staged_top_terms "
            "ORDER BY term, article_id"
        )
        conn.execute(TOP_TERMS_BY_ARTICLE)
        conn.execute("DELETE FROM temp.staged_top_terms")

    def delete_top_terms(self, ids: Iterable[int]) -> None:
        self.conn.execute(
            "DELETE FROM top_terms WHERE article_id IN (SELECT value FROM json_each(?))",
            [_ids(ids)],
        )

    def articles_with_top_terms(self, terms: Iterable[str], *, dated: bool | None) -> set[int]:
        sql = "SELECT DISTINCT article_id FROM top_terms WHERE term IN (SELECT value FROM json_each(?))"
        params: list[object] = [json.dumps(list(terms))]
        if dated is not None:
            sql += " AND is_dated = ?"
            params.append(int(dated))
        return {r[0] for r in self.conn.execute(sql, params)}

    def top_terms_of(self, ids: Iterable[int]) -> dict[int, set[str]]:
        found: dict[int, set[str]] = {}
        rows = self.conn.execute(
            "SELECT article_id, term FROM top_terms WHERE article_id IN (SELECT value FROM json_each(?))",
            [_ids(ids)],
        )
        for article_id, term in rows:
            found.setdefault(article_id, set()).add(term)
        return found

    # -- the dated groups each undated report could join --------------------------------------
    def choices(self, ids: Iterable[int]) -> dict[int, Choices]:
        """article id → the choices kept for it, for the undated reports among the ids."""
        rows = self.conn.execute(
            "SELECT article_id, complete, choices FROM undated_choices "
            "WHERE article_id IN (SELECT value FROM json_each(?))",
            [_ids(ids)],
        )
        found = {r[0]: Choices.from_record(r[2], bool(r[1])) for r in rows}
        return {i: choices for i, choices in found.items() if choices is not None}

    def save_choices(self, decided: dict[int, Choices]) -> None:
        self.delete_choices(decided)
        self.conn.executemany(
            "INSERT INTO undated_choices (article_id, complete, choices) VALUES (?, ?, ?)",
            [(i, int(c.complete), c.to_record()) for i, c in decided.items()],
        )
        self.conn.executemany(
            "INSERT INTO undated_choosing (founder, article_id) VALUES (?, ?)",
            [(c.founder, i) for i, kept in decided.items() for c in kept.choices],
        )

    def choosing(self, founder: int, after: int) -> set[int]:
        """The undated reports after an id that keep the group among their choices."""
        rows = self.conn.execute(
            "SELECT article_id FROM undated_choosing WHERE founder = ? AND article_id > ?",
            [founder, after],
        )
        return {r[0] for r in rows}

    def delete_choices(self, ids: Iterable[int]) -> None:
        for table in ("undated_choices", "undated_choosing"):
            self.conn.execute(
                f"DELETE FROM {table} WHERE article_id IN (SELECT value FROM json_each(?))",
                [_ids(ids)],
            )

    # -- the sample words are weighed by ------------------------------------------------------
    def meta(self, name: str) -> str | None:
        row = self.conn.execute("SELECT value FROM grouping_meta WHERE name = ?", [name]).fetchone()
        return row[0] if row else None

    def set_meta(self, name: str, value: str) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO grouping_meta (name, value) VALUES (?, ?)", [name, value]
        )

    def weights(self) -> TermWeights:
        total = int(self.meta("sample_size") or 0)
        df = dict(self.conn.execute("SELECT term, df FROM term_sample").fetchall())
        return TermWeights(df, total)

    def weights_for(self, terms: Iterable[str]) -> TermWeights:
        """The weights of some words only (the sample's size with them)."""
        total = int(self.meta("sample_size") or 0)
        rows = self.conn.execute(
            "SELECT term, df FROM term_sample WHERE term IN (SELECT value FROM json_each(?))",
            [json.dumps(sorted(set(terms)))],
        )
        return TermWeights(dict(rows.fetchall()), total)

    def replace_sample(self, weights: TermWeights, members: Sequence[int]) -> None:
        self.conn.execute("DELETE FROM term_sample")
        self.conn.executemany(
            "INSERT INTO term_sample (term, df) VALUES (?, ?)", list(weights.df.items())
        )
        self.set_meta("sample_size", str(weights.total))
        self.set_meta("sample_members", json.dumps(list(members)))

    def unplaced(self) -> list[int]:
        """Articles removed since the last placement (see the trigger in SCHEMA)."""
        rows = self.conn.execute("SELECT article_id FROM unplaced_articles ORDER BY article_id")
        return [r[0] for r in rows]

    def clear_unplaced(self) -> None:
        self.conn.execute("DELETE FROM unplaced_articles")

    def sample_members(self) -> list[int]:
        members: list[int] = json.loads(self.meta("sample_members") or "[]")
        return members

    def clear_derived(self) -> None:
        for table in DERIVED_TABLES:
            self.conn.execute(f"DELETE FROM {table}")
        self.clear_unplaced()


def summary_of(group: _Group) -> GroupSummary:
    """The group's state to store: with where it happened as its reports stand, which an
    undated report that names a town of it asks (most do), and which a leader's big group
    would otherwise read its reports again to work out, for each."""
    group.place()
    return GroupSummary(
        founder=group.founder,
        members=list(group.members),
        centroid=dict(group.centroid),
        norm2=group.norm2,
        people=dict(group.people),
        prominent=dict(group.prominent),
        dates=list(group.dates),
        precise_dates=list(group.precise_dates),
        places=sorted(group.places),
        lead_places=sorted(group.lead_places),
        place=group._place,
        top=sorted(group.top),
        weightiest=sorted(group.weightiest),
    )


def group_of(
    summary: GroupSummary,
    loader: Callable[[Sequence[int]], dict[int, _Report]],
    places_known: dict[tuple[int, ...], str | None],
) -> _Group:
    """The group a stored state is (``summary_of`` the other way): its centroid read when
    first asked for, its reports through ``loader``."""
    group = _Group(
        founder=summary.founder,
        rank=(summary.dates[0], summary.members[0]),
        members=list(summary.members),
        loader=loader,
        _centroid=dict(summary.centroid),
        read_centroid=None
        if summary.unread_centroid is None
        else functools.partial(vector_of, summary.unread_centroid),
        norm2=summary.norm2,
        people=Counter(summary.people),
        prominent=Counter(summary.prominent),
        dates=list(summary.dates),
        precise_dates=list(summary.precise_dates),
        places=set(summary.places),
        lead_places=set(summary.lead_places),
        top=set(summary.top),
        places_known=places_known,
    )
    group._place = summary.place
    if summary.weightiest is not None:
        group._weightiest = frozenset(summary.weightiest)
    return group
