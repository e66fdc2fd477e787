"""Digests: composing what is new, exactly-once delivery, failures, restarts and commands.

Delivery tests drive `DigestService` with a controllable clock against the local Bot API
server; the restart, command and watched-folder tests run the real application (real
JobQueue, real waits of a second or two) on a copy of the seeded database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application, ExtBot

from bot.app import build_application
from bot.config import Settings
from bot.delivery.digests import DigestService, FanoutReport, digest_keyboard
from bot.delivery.jobs import DigestRuntime, arm
from bot.delivery.schedule import Plan, owed_slot
from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi
from bot.runtime import DIGESTS_KEY, EngineGate
from bot.storage import Delivery, Subscription, SubscriptionStore
from bot.telegram_html import validate_telegram_html
from briefings.engine import Engine
from tests.bot.seeded_fixtures import db, engine, store, timedelta_retry_after  # noqa: F401
from tests.bot.support import dead_owner

UTC = dt.UTC
NOW = dt.datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
LONG_AGO = dt.datetime(2024, 4, 1, tzinfo=UTC)
NEW_ARTICLE = """\
Harbour authority opens second ferry terminal

The regional harbour authority on Tuesday opened a second ferry terminal, doubling the
number of daily crossings to the islands, its director told reporters at the opening.

"Crossings were full every weekend last summer," the director said, adding that the new
terminal would also take freight. The terminal cost about 40 million euros and took two
years to build, according to the authority.

Local businesses welcomed the opening. Ferry operators said they would add four crossings
a day from next month. The old terminal will be renovated over the winter.
"""


class Clock:
    """A clock a test moves by hand."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


OWNER_THEN_SLEEP = (
    "from bot.instance import process_owner; print(process_owner(), flush=True); "
    "import time; time.sleep(30)"
)


def daily(at: str, tz: str = "UTC") -> Plan:
    return Plan(dt.time.fromisoformat(at), tz)


def service_for(
    store: SubscriptionStore, engine: Engine, bot: ExtBot[Any], clock: Clock, **options: Any
) -> DigestService:
    return DigestService(store, EngineGate(engine, is_owned=False), bot, clock=clock, **options)


# -- composing ----------------------------------------------------------------------------------
def test_a_digest_lists_new_stories_with_sources_and_buttons(engine: Engine) -> None:
    digest = engine.digest(now=dt.datetime.now(dt.UTC), since="")
    assert digest is not None and not digest.is_quiet
    validate_telegram_html(digest.html)
    assert digest.html.startswith("<b>Your digest: 5 new articles in 2 stories</b>")
    assert "Netanyahu" in digest.html and "[1]" in digest.html
    assert digest.html.count("\n[") == 5  # each new article once in the sources list
    keyboard = digest_keyboard(digest)
    assert keyboard is not None
    assert [button.text for button in keyboard.inline_keyboard[0]] == ["Full briefing", "Who"]


def test_each_events_line_is_worked_out_once_for_every_digest_until_the_event_changes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fan-out composes a digest for each group of chats: they tell the same events, each
    briefed once for its line while the event stays as it is."""
    briefed: list[int | None] = []
    brief = Engine.brief

    def counted(self: Engine, *args: Any, **kwargs: Any) -> Any:
        briefed.append(kwargs.get("event_id"))
        return brief(self, *args, **kwargs)

    monkeypatch.setattr(Engine, "brief", counted)
    first = engine.digest(now=dt.datetime.now(dt.UTC), since="")
    events = len(briefed)
    assert first is not None and events == len(set(briefed)) > 1
    again = engine.digest(now=dt.datetime.now(dt.UTC), since="", include=["Netanyahu"])
    assert again is not None and len(briefed) == events  # no event briefed again
    with engine.store.transaction():  # a write that leaves every event as it was
        pass
    same = engine.digest(now=dt.datetime.now(dt.UTC), since="")
    assert same is not None and same.html == first.html and len(briefed) == events
    changed = briefed[0]
    with engine.store.transaction():  # a write of one event
        engine.store.db.execute("UPDATE events SET title = title WHERE id = ?", [changed])
    last = engine.digest(now=dt.datetime.now(dt.UTC), since="")
    assert last is not None and last.html == first.html
    assert briefed[events:] == [changed]  # that event alone briefed again


@pytest.mark.parametrize(
    ("when_quiet", "lead"),
    [
        ("brief", "<b>Your digest: nothing new since the last one.</b>\nHere is the current"),
        ("note", "<b>Your digest: nothing new since the last one.</b>\n"),
    ],
)
def test_a_quiet_digest_follows_the_setting(engine: Engine, when_quiet: str, lead: str) -> None:
    first = engine.digest(now=dt.datetime.now(dt.UTC), since="")
    assert first is not None
    quiet = engine.digest(
        now=dt.datetime.now(dt.UTC), since=first.watermark, shown=first.shown, when_quiet=when_quiet
    )
    assert quiet is not None and quiet.is_quiet
    assert quiet.html.startswith(lead)
    assert ("Netanyahu" in quiet.html) == (when_quiet == "brief")
    skipped = engine.digest(
        now=dt.datetime.now(dt.UTC), since=first.watermark, shown=first.shown, when_quiet="skip"
    )
    assert skipped is None


def test_only_articles_after_the_watermark_are_new(engine: Engine, tmp_path: Path) -> None:
    first = engine.digest(now=dt.datetime.now(dt.UTC), since="")
    assert first is not None
    (tmp_path / "ferry.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    engine.ingest([tmp_path / "ferry.txt"])
    second = engine.digest(now=dt.datetime.now(dt.UTC), since=first.watermark, shown=first.shown)
    assert second is not None
    assert second.html.startswith("<b>Your digest: 1 new article</b>")
    assert "ferry terminal" in second.html and "Netanyahu" not in second.html


# -- delivering ---------------------------------------------------------------------------------
async def test_a_missed_slot_within_grace_is_sent_once_and_older_ones_skipped(
    store: SubscriptionStore, engine: Engine, local_api: LocalBotApi, sending_bot: ExtBot[Any]
) -> None:
    for chat_id in (11, 12):
        local_api.add_chat(chat_id)
    store.save(Subscription(11, daily("08:00"), LONG_AGO))  # 1 h 30 late: within grace
    store.save(Subscription(12, daily("02:00"), LONG_AGO))  # 7 h 30 late: skipped
    service = service_for(store, engine, sending_bot, Clock(NOW))
    reports = [await service.deliver_due(), await service.deliver_due()]
    assert [(r.due, r.sent) for r in reports] == [(1, 1), (0, 0)]
    assert [len(local_api.messages(11)), len(local_api.messages(12))] == [1, 0]
    assert store.deliveries() == [
        Delivery(11, "2024-05-01T08:00", "2024-05-01T08:00:00+00:00", "sent")
    ]


async def test_a_restart_resends_what_a_crash_left_claimed_but_not_what_it_was_sending(
    store: SubscriptionStore, engine: Engine, local_api: LocalBotApi, sending_bot: ExtBot[Any]
) -> None:
    for chat_id in (13, 113):
        local_api.add_chat(chat_id)
        store.save(Subscription(chat_id, daily("08:00"), LONG_AGO))
    slot = owed_slot(daily("08:00"), since=LONG_AGO, now=NOW, grace=dt.timedelta(hours=6))
    assert slot is not None
    crashed = dead_owner()  # a process that claimed both, marked one sending, then died
    store.claim([(13, slot), (113, slot)], owner=crashed)
    store.mark(113, slot.key, "sending")
    restarted = service_for(store, engine, sending_bot, Clock(NOW))
    report = await restarted.deliver_due()
    assert (report.sent, report.abandoned) == (1, 1)
    assert (len(local_api.messages(13)), len(local_api.messages(113))) == (1, 0)
    assert [(d.chat_id, d.status) for d in store.deliveries()] == [(13, "sent"), (113, "unknown")]
    assert (await restarted.deliver_due()).due == 0  # the unknown one is never sent again


async def test_the_claims_of_a_running_process_are_never_taken_over(
    store: SubscriptionStore, engine: Engine, local_api: LocalBotApi, sending_bot: ExtBot[Any]
) -> None:
    local_api.add_chat(213)
    store.save(Subscription(213, daily("08:00"), LONG_AGO))
    slot = owed_slot(daily("08:00"), since=LONG_AGO, now=NOW, grace=dt.timedelta(hours=6))
    assert slot is not None
    alive = subprocess.Popen(
        [sys.executable, "-c", OWNER_THEN_SLEEP], stdout=subprocess.PIPE, text=True
    )
    try:
        assert alive.stdout is not None
        owner = alive.stdout.readline().strip()
        store.claim([(213, slot)], owner=owner)  # that process is sending it right now
        report = await service_for(store, engine, sending_bot, Clock(NOW)).deliver_due()
        assert (report.due, local_api.messages(213)) == (0, [])
    finally:
        alive.kill()
        alive.wait()
    report = await service_for(store, engine, sending_bot, Clock(NOW)).deliver_due()
    assert (report.sent, len(local_api.messages(213))) == (1, 1)  # once it has died


async def test_a_429_is_waited_out_and_the_digest_sent_once(
    store: SubscriptionStore, engine: Engine, local_api: LocalBotApi, sending_bot: ExtBot[Any]
) -> None:
    local_api.add_chat(14)
    local_api.fail_next("sendMessage", status=429, retry_after=1)
    store.save(Subscription(14, daily("09:00"), LONG_AGO))
    report = await service_for(store, engine, sending_bot, Clock(NOW)).deliver_due()
    assert (report.retries_429, report.sent, len(local_api.messages(14))) == (1, 1, 1)


@pytest.mark.parametrize(
    ("chat_id", "lose_it"),
    [
        (15, lambda api, chat: api.block_chat(chat)),  # the user blocked the bot
        (-16, lambda api, chat: api.kick_from_chat(chat)),  # the bot was removed from a group
    ],
)
async def test_a_403_ends_the_subscription(
    store: SubscriptionStore,
    engine: Engine,
    local_api: LocalBotApi,
    sending_bot: ExtBot[Any],
    chat_id: int,
    lose_it: Any,
) -> None:
    local_api.add_chat(chat_id)
    lose_it(local_api, chat_id)
    store.save(Subscription(chat_id, daily("09:00"), LONG_AGO))
    report = await service_for(store, engine, sending_bot, Clock(NOW)).deliver_due()
    assert (report.gone, store.get(chat_id)) == (1, None)
    assert [d.status for d in store.deliveries()] == ["gone"]


async def test_a_group_migrated_to_a_supergroup_keeps_its_digest(
    store: SubscriptionStore, engine: Engine, local_api: LocalBotApi, sending_bot: ExtBot[Any]
) -> None:
    local_api.add_chat(-17, chat_type="group")
    local_api.migrate_chat(-17, -100017, notify=False)
    store.save(Subscription(-17, daily("09:00"), LONG_AGO))
    report = await service_for(store, engine, sending_bot, Clock(NOW)).deliver_due()
    assert (report.migrated, report.sent) == (1, 1)
    assert len(local_api.messages(-100017)) == 1
    assert [s.chat_id for s in store.all()] == [-100017]
    assert store.deliveries() == [
        Delivery(-100017, "2024-05-01T09:00", "2024-05-01T09:00:00+00:00", "sent")
    ]


async def test_nothing_new_and_skip_sends_nothing_but_records_the_slot(
    store: SubscriptionStore, engine: Engine, local_api: LocalBotApi, sending_bot: ExtBot[Any]
) -> None:
    local_api.add_chat(18)
    # The chat has seen everything ingested so far.
    seen_all = dt.datetime.now(UTC).replace(microsecond=0).isoformat()
    store.save(Subscription(18, daily("09:00"), LONG_AGO, watermark=seen_all))
    service = service_for(store, engine, sending_bot, Clock(NOW), when_quiet="skip")
    report = await service.deliver_due()
    assert (report.skipped, local_api.messages(18)) == (1, [])
    assert [d.status for d in store.deliveries()] == ["skipped"]


async def test_fan_out_is_paced_and_complete(
    store: SubscriptionStore, engine: Engine, local_api: LocalBotApi, sending_bot: ExtBot[Any]
) -> None:
    chats = range(100, 160)
    for chat_id in chats:
        local_api.add_chat(chat_id)
        store.save(Subscription(chat_id, daily("09:00"), LONG_AGO))
    local_api.rate_limit(per_second=30)
    report = await service_for(store, engine, sending_bot, Clock(NOW)).deliver_due()
    # Whatever 429s a loaded machine provokes, every chat gets its digest exactly once.
    assert (report.due, report.sent) == (60, 60)
    assert [len(local_api.messages(chat_id)) for chat_id in chats] == [1] * 60


# -- the real application -------------------------------------------------------------------------
def settings_for(api: LocalBotApi, db: Path, **changes: Any) -> Settings:
    return Settings(
        token=EXAMPLE_TOKEN,
        api_url=api.base_url,
        file_url=api.base_file_url,
        db_path=db,
        corpus=(),
        **changes,
    )


@asynccontextmanager
async def running(settings: Settings, *, poll: bool = False) -> AsyncIterator[Application]:
    """Start the bot like run_polling does (post_init included), in the test's loop."""
    application = build_application(settings)
    async with application:
        assert application.post_init is not None and application.post_shutdown is not None
        await application.post_init(application)
        if poll:
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0, timeout=1)
        await application.start()
        try:
            yield application
        finally:
            if poll:
                assert application.updater is not None
                await application.updater.stop()
            await application.stop()
    await application.post_shutdown(application)


def subscribe_soon(db: Path, chat_id: int, seconds: float) -> None:
    """Subscribe a chat directly in the store to a slot `seconds` from now."""
    now = dt.datetime.now(UTC)
    at = (now + dt.timedelta(seconds=seconds)).time().replace(microsecond=0)
    store = SubscriptionStore.open(db)
    store.save(Subscription(chat_id, Plan(at, "UTC"), now - dt.timedelta(seconds=1)))
    store.close()


def ledger(db: Path) -> list[str]:
    store = SubscriptionStore.open(db)
    try:
        return [d.status for d in store.deliveries()]
    finally:
        store.close()


async def test_a_slot_survives_a_restart_between_subscribe_and_delivery(
    db: Path, engine: Engine, local_api: LocalBotApi
) -> None:
    local_api.add_chat(21)
    subscribe_soon(db, 21, seconds=2.5)
    settings = settings_for(local_api, db)
    async with running(settings):
        await asyncio.sleep(0.2)  # stopped before the slot
    assert local_api.messages(21) == []
    async with running(settings):  # a new application on the same database
        await local_api.await_messages(21, 1, timeout=5)
        await asyncio.sleep(0.3)
    async with running(settings):  # and another one after the slot: nothing is re-sent
        await asyncio.sleep(0.3)
    assert (len(local_api.messages(21)), ledger(db)) == (1, ["sent"])


async def test_a_slot_missed_while_down_is_sent_at_start(
    db: Path, engine: Engine, local_api: LocalBotApi
) -> None:
    local_api.add_chat(22)
    subscribe_soon(db, 22, seconds=-3600)  # an hour ago, subscribed just before that
    store = SubscriptionStore.open(db)
    [subscription] = store.all()
    store.save(Subscription(22, subscription.plan, subscription.since - dt.timedelta(hours=2)))
    store.close()
    async with running(settings_for(local_api, db)):
        [message] = await local_api.await_messages(22, 1, timeout=5)
    assert message["text"].startswith("<b>Your digest")


async def test_a_new_file_in_the_watched_folder_is_in_the_next_digest(
    db: Path, engine: Engine, local_api: LocalBotApi, tmp_path: Path
) -> None:
    watched = tmp_path / "incoming"
    watched.mkdir()
    local_api.add_chat(23)
    settings = settings_for(local_api, db, watch=watched, poll_seconds=1)
    async with running(settings) as application:
        subscribe_soon(db, 23, seconds=2.5)
        await arm(application)
        (watched / "ferry.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        runtime: DigestRuntime = application.bot_data[DIGESTS_KEY]
        assert runtime.live is not None
        await runtime.live.poll()  # as the poll job does every NEWSBOT_POLL_SECONDS
        [message] = await local_api.await_messages(23, 1, timeout=5)
    assert message["text"].startswith("<b>Your digest: 1 new article</b>")
    assert "ferry terminal" in message["text"]


# -- commands -----------------------------------------------------------------------------------
async def ask(api: LocalBotApi, chat_id: int, text: str, **user: Any) -> str:
    before = len(api.messages(chat_id))
    api.send_user_message(chat_id, text, **user)
    messages = await api.await_messages(chat_id, before + 1, timeout=5)
    validate_telegram_html(messages[before]["text"])
    return str(messages[before]["visible_text"])


@pytest.fixture
async def bot_app(db: Path, engine: Engine, local_api: LocalBotApi) -> AsyncIterator[Application]:
    async with running(settings_for(local_api, db, tz="Europe/Berlin"), poll=True) as app:
        yield app


async def test_subscribe_settings_unsubscribe(bot_app: Application, local_api: LocalBotApi) -> None:
    answer = await ask(local_api, 31, "/subscribe 07:30 Europe/Moscow")
    assert re.fullmatch(
        r"Digest every day at 07:30 Europe/Moscow; next one in (\d+ h \d+ min|\d+ h|\d+ min|\d+ s) "
        r"\(\w{3} \d\d \w{3} 07:30\)\.\n/settings shows it, /unsubscribe stops it\.",
        answer,
    ), answer
    assert (await ask(local_api, 31, "/settings")).startswith(
        "Digest every day at 07:30 Europe/Moscow\nNext one in "
    )
    changed = await ask(local_api, 31, "/subscribe weekdays")  # defaults: NEWSBOT_TZ, 08:00
    assert changed.startswith(
        "Digest changed: now every weekday (Monday to Friday) at 08:00 Europe/Berlin; next one in"
    )
    assert (await ask(local_api, 31, "/unsubscribe")).startswith("Digest stopped")
    assert (await ask(local_api, 31, "/settings")).startswith("This chat has no digest.")


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/subscribe 25:00", "“25:00” is not a time of day"),
        ("/subscribe 07:30 Moon/Base", "“Moon/Base” is not a time zone I know"),
        ("/subscribe soon", "I don't understand “soon”"),
    ],
)
async def test_subscribe_explains_invalid_input(
    bot_app: Application, local_api: LocalBotApi, command: str, answer: str
) -> None:
    reply = await ask(local_api, 32, command)
    assert answer in reply and "/subscribe 07:30 Europe/Berlin weekdays" in reply
    runtime: DigestRuntime = bot_app.bot_data[DIGESTS_KEY]
    assert runtime.store.get(32) is None


async def test_only_group_admins_change_the_group_digest(
    bot_app: Application, local_api: LocalBotApi
) -> None:
    local_api.add_chat(-33, chat_type="group", creator_id=1)
    refused = await ask(local_api, -33, "/subscribe 09:00", user_id=2)
    assert refused == "Only this group's administrators can change its digest."
    accepted = await ask(local_api, -33, "/subscribe 09:00", user_id=1)
    assert accepted.startswith("Digest every day at 09:00 Europe/Berlin")
    refused = await ask(local_api, -33, "/unsubscribe", user_id=2)
    assert refused == "Only this group's administrators can change its digest."


async def test_the_migration_service_message_moves_the_subscription(
    bot_app: Application, local_api: LocalBotApi
) -> None:
    local_api.add_chat(-34, chat_type="group", creator_id=1)
    await ask(local_api, -34, "/subscribe 09:00", user_id=1)
    local_api.migrate_chat(-34, -100034)
    runtime: DigestRuntime = bot_app.bot_data[DIGESTS_KEY]
    for _ in range(50):
        if runtime.store.get(-100034) is not None:
            break
        await asyncio.sleep(0.05)
    assert [s.chat_id for s in runtime.store.all()] == [-100034]


async def test_digest_buttons_open_the_briefing_and_the_people(
    bot_app: Application, local_api: LocalBotApi
) -> None:
    runtime: DigestRuntime = bot_app.bot_data[DIGESTS_KEY]
    local_api.add_chat(35)
    runtime.store.save(Subscription(35, daily("00:00"), LONG_AGO, watermark=""))
    runtime.service.clock = lambda: dt.datetime.now(UTC).replace(hour=0, minute=1)
    report: FanoutReport = await runtime.service.deliver_due()
    assert report.sent == 1
    [digest] = local_api.messages(35)
    buttons = digest["reply_markup"]["inline_keyboard"][0]
    for button, expected in zip(buttons, ("Who took part", "Who:"), strict=True):
        local_api.press_button(35, digest["message_id"], button["callback_data"])
        messages = await local_api.await_messages(35, len(local_api.messages(35)) + 1, timeout=5)
        assert expected in messages[-1]["visible_text"]
