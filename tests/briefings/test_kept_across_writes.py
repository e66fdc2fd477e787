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

from briefings.brief import compose, material
from briefings.engine import Engine
from briefings.index import corpus_version
from briefings.index.event_state import EventState
from briefings.models import Event

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "corpora"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason="../shared/corpora is not beside the project"
)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[int]:
    """How many times each event is read from the store (by id), everything kept."""
    counted: Counter[int] = Counter()
    read_event = material.read_event

    def counting(store, event):  # type: ignore[no-untyped-def]
        counted[event.id] += 1
        return read_event(store, event)

    monkeypatch.setattr(material, "read_event", counting)
    monkeypatch.setattr(compose, "read_event", counting)
    monkeypatch.setattr(material, "KEPT_EVENTS", 10_000)
    return counted


def _names(events: list[Event]) -> list[str]:
    """A name from each event, as a user asks `who` for them."""
    return sorted({e.people[0] for e in events if e.people})


def _shown(engine: Engine, names: list[str]) -> list[str]:
    """Each event's briefing as HTML and JSON and as a digest's line, and the card of each
    name."""
    shown = []
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
    tmp_path: Path, reads: Counter[int]
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
        before = _shown(kept, names)
        assert _shown(kept, names) == before == _afresh(db, names)
        conn = kept.store.db.conn

        def write_then_compare(write) -> tuple[int, int]:  # type: ignore[no-untyped-def]
            """(events changed, events read again) by a write, once shown through what was
            kept and compared with the same worked out afresh."""
            version = corpus_version.read(conn)
            write()
            changed = corpus_version.changed_since(conn, version).events
            reads.clear()
            shown = _shown(kept, names)
            read_again = len(reads)
            assert shown == _afresh(db, names)
            return len(changed), read_again

        def persons() -> set[tuple[str, str, str]]:
            return set(conn.execute("SELECT key, person, anchor FROM person_names").fetchall())

        kept_through = 0
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
    # Most events were left as they were by the articles added, and kept through them.
    assert kept_through > 0
