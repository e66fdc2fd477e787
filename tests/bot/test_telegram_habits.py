"""Telegram habits, end to end through the real application and the local Bot API server:
deep links and sharing, inline mode, channels, /language, /events, cards by event, /feeds."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from telegram.ext import Application

from bot.app import build_application
from bot.commands.feeds import from_opml, to_opml
from bot.commands.inline import PAGE_SIZE
from bot.commands.links import brief_payload, parse_payload, who_payload
from bot.delivery.schedule import Plan
from bot.localapi.server import LocalBotApi
from bot.runtime import DIGESTS_KEY
from bot.telegram_html import validate_telegram_html
from briefings.engine import Engine
from tests.bot.support import running
from tests.bot.test_feeds import FeedServer
from tests.bot.test_handlers import ADMIN, USER, ask, settings_for

CHANNEL = -1001500000001
OWNER = 5151


@pytest.fixture
def engine(seeded_db: Path, tmp_path: Path) -> Iterator[Engine]:
    copy = tmp_path / "news.db"
    shutil.copy(seeded_db, copy)
    with Engine(copy) as opened:
        yield opened


@pytest.fixture
async def app(local_api: LocalBotApi, engine: Engine, tmp_path: Path) -> AsyncIterator[Application]:
    application = build_application(settings_for(local_api, tmp_path), engine=engine)
    async with running(application):
        yield application


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    rows = (message["reply_markup"] or {}).get("inline_keyboard", [])
    return [button for row in rows for button in row]


def shared_link(message: dict[str, Any]) -> str:
    """The deep link a message's Share button shares."""
    [share] = [b for b in buttons(message) if b["text"] in ("Share", "Поделиться")]
    return parse_qs(urlsplit(share["url"]).query)["url"][0]


# -- deep links and sharing ----------------------------------------------------------------------
async def test_share_button_shares_a_deep_link_that_opens_the_same_briefing(
    local_api: LocalBotApi, app: Application
) -> None:
    [briefing] = await ask(local_api, USER, "/brief")
    link = shared_link(briefing)
    assert link.startswith("https://t.me/newsbot_local_bot?start=brief_")
    payload = parse_qs(urlsplit(link).query)["start"][0]
    # Whoever opens the link sends /start <payload>, and gets the same briefing.
    [opened] = await ask(local_api, USER + 1, f"/start {payload}")
    assert opened["text"] == briefing["text"]


async def test_who_deep_link_opens_a_card_with_roles_per_event(
    local_api: LocalBotApi, app: Application
) -> None:
    [card] = await ask(local_api, USER, f"/start {who_payload('Aviv Kochavi')}")
    text = card["visible_text"]
    assert text.startswith("Aviv Kochavi")
    assert "By event\n• 2019-09-12 · " in text and "Air Force chief" in text
    assert shared_link(card).endswith("start=who_Aviv_Kochavi")


def test_payloads_are_telegrams_alphabet() -> None:
    assert who_payload("Recep Tayyip Erdoğan") == "who_Recep_Tayyip_Erdogan"
    assert parse_payload("who_Recep_Tayyip_Erdogan") == ("who", "Recep Tayyip Erdogan")
    assert (parse_payload("brief_12"), parse_payload("brief_x"), parse_payload("x")) == (
        ("brief", "12"),
        None,
        None,
    )
    assert len(who_payload("A" * 100)) == 64


# -- inline mode ---------------------------------------------------------------------------------
async def test_inline_query_offers_matching_briefings_sent_as_the_briefing(
    local_api: LocalBotApi, app: Application
) -> None:
    update = local_api.send_inline_query(USER, "annex")
    query_id = update["inline_query"]["id"]
    answer = await local_api.wait_until(lambda: local_api.inline_answer(query_id), 15)
    assert answer is not None and answer["results"]
    first = answer["results"][0]
    assert first["id"].startswith("brief_") and "Sochi" in first["title"]
    assert "2019-09-12" in first["description"]
    posted = local_api.choose_inline_result(-100777, query_id, first["id"])
    validate_telegram_html(posted["text"])
    assert posted["via_bot"] == "newsbot_local_bot"
    assert "Sources" in posted["visible_text"] and "[1]" in posted["visible_text"]
    # Nothing matches: no results, and no error.
    update = local_api.send_inline_query(USER, "zzzqqq")
    empty = await local_api.wait_until(
        lambda: local_api.inline_answer(update["inline_query"]["id"]), 15
    )
    assert empty is not None and empty["results"] == []


# Eight small stories of a ferry line opening, each in a town and on a day of its own: eight
# events, more than one page of inline results.
FERRY_TOWNS = ("Arlen", "Brova", "Corvik", "Dunmere", "Eskhol", "Falbrook", "Gessa", "Hollin")
FERRY_MAYORS = (
    "Mara Quillon", "Tobin Reyes", "Ilse Varga", "Oren Haldt",
    "Pia Sorrel", "Cato Lindqvist", "Nell Ambrose", "Rafe Dunmore",
)  # fmt: skip


@pytest.fixture
def ferry_engine(tmp_path: Path) -> Iterator[Engine]:
    folder = tmp_path / "ferries"
    folder.mkdir()
    for number, (town, mayor) in enumerate(zip(FERRY_TOWNS, FERRY_MAYORS, strict=True)):
        day = dt.date(2023, number + 1, 10 + number).isoformat()
        (folder / f"ferry{number}.txt").write_text(
            f"Ferry line opens in {town}\n{day}\n\n"
            f"{town.upper()}, {day} (Wire) - Mayor {mayor} opened a new ferry line in {town} "
            "on Tuesday, officials said.\n"
            f"The ferry will carry commuters across the bay, {mayor.split()[1]} told reporters.\n",
            encoding="utf-8",
        )
    with Engine(tmp_path / "ferries.db") as opened:
        opened.ingest([folder])
        yield opened


async def inline_page(local_api: LocalBotApi, query: str, offset: str = "") -> dict[str, Any]:
    update = local_api.send_inline_query(USER, query, offset=offset)
    answer = await local_api.wait_until(
        lambda: local_api.inline_answer(update["inline_query"]["id"]), 15
    )
    assert answer is not None
    return answer


async def test_inline_results_come_a_page_at_a_time(
    local_api: LocalBotApi, ferry_engine: Engine, tmp_path: Path
) -> None:
    events = ferry_engine.event_ids_matching("ferry", limit=50)
    assert len(events) == len(FERRY_TOWNS) > PAGE_SIZE
    application = build_application(settings_for(local_api, tmp_path), engine=ferry_engine)
    async with running(application):
        first = await inline_page(local_api, "ferry")
        assert len(first["results"]) == PAGE_SIZE
        assert first["next_offset"] == str(PAGE_SIZE)
        # Telegram asks again with that offset as the user scrolls: the rest, and no more.
        second = await inline_page(local_api, "ferry", offset=first["next_offset"])
        assert len(second["results"]) == len(events) - PAGE_SIZE
        assert second["next_offset"] is None
        shown = [result["id"] for result in first["results"] + second["results"]]
        assert shown == [brief_payload(event_id) for event_id in events]
        # An offset the bot never gave starts over.
        forged = await inline_page(local_api, "ferry", offset="x1")
        assert [r["id"] for r in forged["results"]] == [r["id"] for r in first["results"]]


# -- channels ------------------------------------------------------------------------------------
async def deliver_now(application: Application, chat_id: int) -> None:
    """Make the chat's next slot due now and deliver it (the ledger as for any slot)."""
    runtime = application.bot_data[DIGESTS_KEY]
    subscription = runtime.store.get(chat_id)
    now = dt.datetime.now(dt.UTC)
    earlier = (now - dt.timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    runtime.store.save(
        dataclasses.replace(
            subscription,
            plan=Plan(at=earlier, tz="UTC"),
            since=now - dt.timedelta(hours=1),
        )
    )
    await runtime.service.deliver_due()


async def test_channel_subscribed_from_a_private_chat_gets_its_digest(
    local_api: LocalBotApi, app: Application
) -> None:
    local_api.add_user(OWNER)
    local_api.add_channel(CHANNEL, "Desk", username="desk_news", owner_id=OWNER)
    # The bot is not an administrator yet: it says what to do.
    [refused] = await ask(local_api, OWNER, "/subscribe @desk_news 07:30,19:00 Europe/Berlin")
    assert "Make me an administrator of @desk_news" in refused["visible_text"]
    local_api.set_admin(CHANNEL, local_api.bot_id)
    # Someone who does not administer the channel cannot subscribe it.
    [stranger] = await ask(local_api, USER, "/subscribe @desk_news")
    assert "Only administrators of @desk_news" in stranger["visible_text"]
    [done] = await ask(local_api, OWNER, "/subscribe @desk_news 07:30,19:00 Europe/Berlin")
    assert "every day at 07:30 and 19:00 Europe/Berlin" in done["visible_text"]
    checks = [c["params"]["user_id"] for c in local_api.calls("getChatMember")]
    assert OWNER in checks and local_api.bot_id in checks
    [settings] = await ask(local_api, OWNER, "/settings @desk_news")
    assert "07:30 and 19:00" in settings["visible_text"]
    await deliver_now(app, CHANNEL)
    [digest] = local_api.messages(CHANNEL)
    assert digest["text"].startswith("<b>Your digest")


async def test_in_a_channel_only_the_digest_commands_are_answered(
    local_api: LocalBotApi, app: Application
) -> None:
    local_api.add_channel(CHANNEL, "Desk", owner_id=OWNER)
    local_api.set_admin(CHANNEL, local_api.bot_id)
    local_api.send_channel_post(CHANNEL, "Good morning, readers")
    local_api.send_channel_post(CHANNEL, "/brief")
    local_api.send_channel_post(CHANNEL, "/subscribe 08:00 UTC")
    [answer] = await local_api.await_messages(CHANNEL, 1, timeout=15)
    assert answer["visible_text"].startswith("Digest for Desk: every day at 08:00 UTC")
    await asyncio.sleep(0.5)
    assert len(local_api.messages(CHANNEL)) == 1  # the post and /brief were ignored
    assert app.bot_data[DIGESTS_KEY].store.get(CHANNEL) is not None


# -- the bot's own language ----------------------------------------------------------------------
async def test_a_russian_user_gets_russian_headings_over_english_items(
    local_api: LocalBotApi, app: Application
) -> None:
    answer = await ask(local_api, USER, "/brief", language_code="ru")
    text = answer[0]["visible_text"]
    assert "\nУчастники\n" in text and "\nИсточники\n" in text
    assert "Vladimir Putin, Russian President" in text  # article text is never translated
    assert buttons(answer[0])[0]["text"] == "Поделиться"
    # /language overrides what Telegram says of the user.
    [chosen] = await ask(local_api, USER, "/language en", language_code="ru")
    assert chosen["visible_text"] == "From now on I answer here in English."
    answer = await ask(local_api, USER, "/brief", language_code="ru")
    assert "\nWho took part\n" in answer[0]["visible_text"]
    [unknown] = await ask(local_api, USER, "/language xx")
    assert unknown["visible_text"].startswith("I speak: en (English), ru (Русский)")


async def test_engine_errors_are_told_in_the_readers_language_with_what_they_typed(
    local_api: LocalBotApi, app: Application
) -> None:
    [nobody] = await ask(local_api, USER, "/who Zebulon Quartz", language_code="ru")
    assert nobody["visible_text"] == "В корпусе нет никого по имени «Zebulon Quartz»."
    [no_date] = await ask(local_api, USER, "/brief 1999-01-01", language_code="ru")
    assert no_date["visible_text"] == "В корпусе нет сюжетов около 1999-01-01."
    [no_event] = await ask(local_api, USER, "/start brief_999", language_code="ru")
    assert no_event["visible_text"].startswith("Сюжета 999 нет. Есть сюжеты: ")


async def test_sources_in_russian_name_the_articles_without_an_outlet_in_russian(
    local_api: LocalBotApi, app: Application
) -> None:
    [listing] = await ask(local_api, USER, "/sources", language_code="ru")
    assert "\nИздание не указано\n" in listing["visible_text"]
    assert "TASS" in listing["visible_text"]  # outlets are named as the articles name them


async def test_a_chat_that_chose_russian_gets_its_digest_in_russian(
    local_api: LocalBotApi, app: Application
) -> None:
    await ask(local_api, USER, "/language ru")
    await ask(local_api, USER, "/subscribe 08:00 UTC")
    before = len(local_api.messages(USER))
    await deliver_now(app, USER)
    digest = local_api.messages(USER)[before]
    assert digest["text"].startswith("<b>Ваша сводка: новых статей — 5, сюжетов — 2</b>")
    assert "\n<b>Источники</b>\n" in digest["text"]


async def test_a_russian_subscribers_digest_and_alerts_are_in_russian(
    local_api: LocalBotApi, app: Application
) -> None:
    # No /language here: Telegram says the subscriber speaks Russian, and that is kept.
    [done] = await ask(local_api, USER, "/subscribe 08:00 UTC", language_code="ru")
    assert done["visible_text"].startswith("Сводка ")
    runtime = app.bot_data[DIGESTS_KEY]
    assert runtime.store.get(USER).language == "ru"
    before = len(local_api.messages(USER))
    await deliver_now(app, USER)
    digest = local_api.messages(USER)[before]
    assert digest["text"].startswith("<b>Ваша сводка: новых статей — 5, сюжетов — 2</b>")
    assert "\n<b>Источники</b>\n" in digest["text"]
    assert [b["text"] for b in buttons(digest)] == ["Полная справка", "Кто есть кто"]

    [alerts_on] = await ask(local_api, USER, "/alerts on", language_code="ru")
    assert alerts_on["visible_text"].startswith("Мгновенные оповещения включены")
    assert runtime.store.chat_filter(USER).language == "ru"
    # As if the seed articles had just come in from a feed: alerts on since before they were read.
    long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat(timespec="seconds")
    runtime.store.save_filter(
        dataclasses.replace(runtime.store.chat_filter(USER), alerts_since=long_ago)
    )
    before = len(local_api.messages(USER))
    report = await runtime.alerts.deliver_new()
    assert report.sent == 1
    [alert] = local_api.messages(USER)[before:]
    validate_telegram_html(alert["text"])
    assert alert["visible_text"].startswith("Новое: 5 статей\n")


async def test_a_channel_gets_the_language_of_the_admin_who_subscribed_it(
    local_api: LocalBotApi, app: Application
) -> None:
    local_api.add_user(OWNER, language_code="ru")
    local_api.add_channel(CHANNEL, "Desk", username="desk_news", owner_id=OWNER)
    local_api.set_admin(CHANNEL, local_api.bot_id)
    [done] = await ask(local_api, OWNER, "/subscribe @desk_news 08:00 UTC")
    assert done["visible_text"].startswith("Сводка для @desk_news: каждый день в 08:00 UTC")
    await deliver_now(app, CHANNEL)
    [digest] = local_api.messages(CHANNEL)
    assert digest["text"].startswith("<b>Ваша сводка")


# -- events --------------------------------------------------------------------------------------
async def test_events_lists_recent_events_as_buttons(
    local_api: LocalBotApi, app: Application
) -> None:
    [listing] = await ask(local_api, USER, "/events")
    keys = buttons(listing)
    assert keys[0]["text"].startswith("2019-09-12 · Sochi")
    before = len(local_api.messages(USER))
    local_api.press_button(USER, listing["message_id"], keys[0]["callback_data"])
    found = await local_api.await_messages(USER, before + 1, timeout=15)
    assert "Sources" in found[-1]["visible_text"]


# -- feeds from the chat -------------------------------------------------------------------------
async def test_an_admins_feed_meets_the_address_rules(
    local_api: LocalBotApi, app: Application
) -> None:
    server = FeedServer()  # on 127.0.0.1, and the operator did not allow private addresses
    try:
        [refused] = await ask(local_api, ADMIN, f"/feeds add {server.url}")
        assert refused["visible_text"].startswith(f"✗ {server.url}: refused: ")
        assert "loopback" in refused["visible_text"]
        assert server.requests == []  # never fetched
        [listing] = await ask(local_api, ADMIN, "/feeds")
        assert server.url not in listing["visible_text"]
    finally:
        server.close()


async def test_admins_manage_feeds_and_opml(
    local_api: LocalBotApi, engine: Engine, tmp_path: Path
) -> None:
    # The test's feed server is on 127.0.0.1: allowed here as an operator would allow it.
    settings = dataclasses.replace(settings_for(local_api, tmp_path), feeds_allow_private=True)
    server = FeedServer()
    try:
        async with running(build_application(settings, engine=engine)):
            await manage_feeds(local_api, server)
    finally:
        server.close()


async def manage_feeds(local_api: LocalBotApi, server: FeedServer) -> None:
    """The /feeds conversation of an admin, with the feed at `server` reachable."""
    [refused] = await ask(local_api, USER, f"/feeds add {server.url}")
    assert refused["visible_text"] == "Sorry, this command is for admins."
    [added] = await ask(local_api, ADMIN, f"/feeds add {server.url}")
    assert added["visible_text"].startswith(f"✓ {server.url}: ")
    [bad] = await ask(local_api, ADMIN, "/feeds add ftp://example.org/feed")
    assert "not an http(s) address" in bad["visible_text"]
    # No URL at all: urlsplit raised on it, and the command failed.
    [unreadable] = await ask(local_api, ADMIN, "/feeds add https://[example.org/feed")
    assert "not an http(s) address" in unreadable["visible_text"]
    [listing] = await ask(local_api, ADMIN, "/feeds")
    assert f"1. {server.url}" in listing["visible_text"]
    [removed] = await ask(local_api, ADMIN, "/feeds remove 1")
    assert removed["visible_text"] == f"Removed {server.url}."
    # An OPML pasted after the command is read too.
    opml = to_opml([(server.url, "Example feed")])
    [imported] = await ask(local_api, ADMIN, f"/feeds import {opml}")
    assert imported["visible_text"].startswith(f"✓ {server.url}")
    [listing] = await ask(local_api, ADMIN, "/feeds")
    assert f"1. Example feed — {server.url}" in listing["visible_text"]
    [broken] = await ask(local_api, ADMIN, "/feeds import <opml><body>")
    assert broken["visible_text"].startswith("Nothing imported: not OPML")


def test_opml_round_trip_and_refusals() -> None:
    feeds = [("https://example.org/a.xml", "A & B"), ("https://example.org/b.xml", None)]
    assert from_opml(to_opml(feeds)) == feeds
    with pytest.raises(ValueError, match="entity"):
        from_opml('<!DOCTYPE x [<!ENTITY a "b">]><opml/>')
