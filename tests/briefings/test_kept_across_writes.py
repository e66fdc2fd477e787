"""What is kept of an event (its reading and cast: material.KEPT_EVENTS; whether a person
took part in it: compose.TOOK_PART_KEPT) outlives a write of the corpus that leaves the event
as it was, and only such a write (Store.until_event_changed): after every kind of write,
every briefing and card read through what was kept equals one worked out afresh, and the
events the write left alone are not read again."""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from briefings.brief import material
from briefings.engine import Engine
from briefings.errors import BriefingError
from briefings.index import corpus_version
from briefings.index import event_scores as scoring
from briefings.index.event_state import EventState
from briefings.models import Event

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "corpora"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason="../shared/corpora is not beside the project"
)


@pytest.fixture
def everything_kept(reads: Counter[int], monkeypatch: pytest.MonkeyPatch) -> Counter[int]:
    """How many times each event is read from the store (by id), every event's material
    kept."""
    monkeypatch.setattr(material, "KEPT_EVENTS", 10_000)
    return reads


@pytest.fixture
def recent_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the recent events' articles are read whole (their count), and a
    query's scores worked out anew (-1), with few recent events (so that a topic or query
    is scored among them) and every query's scores kept."""
    read: list[int] = []
    read_recent = scoring._read_recent_articles
    scores = scoring._scores

    def counting(store, count):  # type: ignore[no-untyped-def]
        read.append(count)
        return read_recent(store, count)

    def scoring_anew(store, query):  # type: ignore[no-untyped-def]
        read.append(-1)  # a query's scores worked out anew
        return scores(store, query)

    monkeypatch.setattr(scoring, "_read_recent_articles", counting)
    monkeypatch.setattr(scoring, "_scores", scoring_anew)
    monkeypatch.setattr(scoring, "RECENT_EVENTS", 6)
    monkeypatch.setattr(scoring, "WIDENING", 2)  # a wider window of fewer events than there are
    monkeypatch.setattr(scoring, "KEPT_QUERIES", 10_000)
    return read


QUERIES = ["talks", "visit", "sanctions", "minister", "president", "minist*", "war"]


def _names(events: list[Event]) -> list[str]:
    """A name from each event, as a user asks `who` for them."""
    return sorted({e.people[0] for e in events if e.people})


def _shown(engine: Engine, names: list[str]) -> list[str]:
    """Each event's briefing as HTML and JSON and as a digest's line, the card of each
    name; which events each topic, query and name is about, and its briefing; and the
    recent events' articles, as kept and as the table queries read them."""
    shown = []
    for query in [t.name for t in engine.topics()] + QUERIES + names:
        shown.append(f"{query}: {sorted(scoring.event_scores(engine.store, query).items())}")
        try:
            shown.append(engine.renderer.briefing(engine.brief(query), "html"))
        except BriefingError as error:
            shown.append(str(error))
    recent = scoring._recent_articles(engine.store, scoring.RECENT_EVENTS)
    assert recent is not None
    shown.append(f"{sorted(recent.events.items())} {sorted(recent.english)} {recent.event_ids}")
    table = engine.store.db.execute(f"SELECT id FROM {recent.table} ORDER BY id").fetchall()
    assert [r[0] for r in table] == sorted(recent.events)
    for event in engine.events():
        briefing = engine.brief(event_id=event.id)
        shown += [engine.renderer.briefing(briefing, f) for f in ("html", "json")]
        shown.append(engine.event_line(event.id) or "")  # as a digest tells it
    for name in names:
        shown.append(engine.renderer.people(engine.who(name), "html"))
    return shown


def _afresh(db: Path, names: list[str]) -> list[str]:
    with Engine(db) as fresh:  # nothing kept
        return _shown(fresh, names)


@needs_shared
def test_kept_briefings_and_cards_read_as_afresh_after_every_kind_of_write(
    tmp_path: Path, everything_kept: Counter[int], recent_read: list[int]
) -> None:
    corpus = tmp_path / "corpus"
    files = []
    for n, path in enumerate(sorted(SHARED.rglob("*.txt"))):
        files.append(corpus / f"{n:03d}_{path.name}")
        files[-1].parent.mkdir(exist_ok=True)
        shutil.copy(path, files[-1])
    random.Random(11).shuffle(files)
    first, later = files[:-6], files[-6:]
    db = tmp_path / "kept.db"
    with Engine(db) as engine, engine.store.transaction():
        # A small sample of word weights, as a big corpus has: an article added is placed
        # among the events it may join, not the whole corpus regrouped with the weights.
        EventState(engine.store.db.conn).set_meta("sample_limit", "10")
    with Engine(db) as kept:
        kept.ingest(first)
        names = _names(kept.events())
        assert len(names) > 10
        asked = len(kept.topics()) + len(QUERIES) + len(names)
        before = _shown(kept, names)
        assert _shown(kept, names) == before == _afresh(db, names)
        conn = kept.store.db.conn

        def write_then_compare(write) -> tuple[int, int]:  # type: ignore[no-untyped-def]
            """(events changed, events read again) by a write, once shown through what was
            kept and compared with the same worked out afresh."""
            wider = scoring.RECENT_EVENTS * scoring.WIDENING
            # (kept before the write, as a query leaves it; None: no more events than that)
            wider_kept = scoring._recent_articles(kept.store, wider) is not None
            widened.append(wider_kept)
            version = corpus_version.read(conn)
            write()
            changed = corpus_version.changed_since(conn, version).events
            everything_kept.clear()
            recent_read.clear()
            shown = _shown(kept, names)
            read_again = len(everything_kept)
            # The recent events' articles are brought up to date, not read whole again, and
            # so are the scores read among them (those read over the corpus are not).
            assert recent_read.count(scoring.RECENT_EVENTS) == 0
            assert not wider_kept or recent_read.count(wider) == 0
            anew.append(recent_read.count(-1))
            assert shown == _afresh(db, names)
            return len(changed), read_again

        def persons() -> set[tuple[str, str, str]]:
            return set(conn.execute("SELECT key, person, anchor FROM person_names").fetchall())

        kept_through = 0
        anew: list[int] = []
        widened: list[bool] = []
        for path in later[:4]:  # added one at a time, as feeds bring them
            version, was = corpus_version.read(conn), persons()
            changed, read_again = write_then_compare(lambda path=path: kept.ingest([path]))
            assert read_again <= len(kept.events())
            kept_through += len(kept.events()) - read_again
            # Only the names resolved otherwise are written (and so noted as changed).
            now = persons()
            assert corpus_version.changed_since(conn, version).names == {
                key for key, _, _ in was ^ now
            }

        # An article's text changes (its lead paragraph cut), and it is stored again.
        cut = first[3]
        cut.write_text("\n".join(cut.read_text("utf-8").split("\n")[2:]), "utf-8")
        write_then_compare(lambda: kept.ingest([cut]))

        # An article removed, placed by the next ingest.
        def removed() -> None:
            kept.store.delete_paths([str(first[5])])
            kept.ingest([later[4]])

        write_then_compare(removed)

        # Another connection's ingest (a command line beside the bot).
        def elsewhere() -> None:
            with Engine(db) as other:
                other.ingest([later[5]])

        write_then_compare(elsewhere)
        # The bot's own table: nothing of the corpus changes, nothing is read again.
        bot = sqlite3.connect(db)
        try:
            with bot:
                bot.execute("CREATE TABLE chats_of_a_bot (chat_id INTEGER)")
            assert write_then_compare(lambda: None) == (0, 0)
        finally:
            bot.close()
    # Most events were left as they were by the articles added, and kept through them; and
    # each write's scores were worked out anew for fewer queries than were asked.
    assert kept_through > 0
    assert anew and max(anew) < asked
    assert any(widened)  # the wider window was kept, and brought up to date after writes
