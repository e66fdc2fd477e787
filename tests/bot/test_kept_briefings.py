"""The bot's own tables share the engine's file, not its corpus: subscribing a chat, filing
a filter or polling a feed leaves what the engine worked out for its briefings kept, and an
ingest through another connection (the bot's writer, or a command line) is still seen."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.delivery.filters import ChatFilter
from bot.delivery.schedule import parse_plan
from bot.storage import Subscription, SubscriptionStore
from briefings.brief import material
from briefings.engine import Engine
from tests.bot.seeded_fixtures import db, engine, store, timedelta_retry_after  # noqa: F401


def test_the_bots_own_writes_leave_the_engines_briefings_kept(
    db: Path,  # noqa: F811
    engine: Engine,  # noqa: F811
    store: SubscriptionStore,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prepared: list[int] = []
    prepare = material._prepare

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        prepared.append(1)
        return prepare(*args, **kwargs)

    monkeypatch.setattr(material, "_prepare", counting)
    first = engine.renderer.briefing(engine.brief(), "html")
    assert prepared == [1]
    plan = parse_plan(["08:00", "UTC"], default_tz="UTC", default_time=dt.time(8))
    store.save(Subscription(chat_id=5, plan=plan, since=dt.datetime.now(dt.UTC)))
    store.save_filter(ChatFilter(5, ("visit",), ()))
    store.record_feed_ok("https://news.example.org/feed", '"v1"', None)
    store.record_feed_error("https://news.example.org/other", "timed out")
    assert engine.renderer.briefing(engine.brief(), "html") == first
    assert prepared == [1]  # kept through the bot's writes

    later = tmp_path / "later.txt"
    later.write_text(
        "Berg meets Sato\n\nOSLO, March 3, 2031 (Reuters) - Norwegian Prime Minister Anna "
        "Berg met Japanese Foreign Minister Kenji Sato in Oslo on Wednesday.\n",
        "utf-8",
    )
    with Engine(db) as writer:  # another connection's ingest
        writer.ingest([later])
    assert "Sato" in engine.renderer.briefing(engine.brief(), "html")
    assert prepared == [1, 1]
