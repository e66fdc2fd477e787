"""Digest delivery under the faults a deployment meets: nothing duplicated, no silent loss.

In-process tests drive `DigestService` against the local Bot API server with injected
faults; the crash test runs the real `python -m bot`, kills it with SIGKILL in the middle of
a fan-out and starts it again (the harness is bench/faults.py's, which prints the full table).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Bot
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bench.faults import Scenario, run_scenario
from bot.delivery.digests import DigestService
from bot.delivery.schedule import Plan
from bot.localapi.faults import Fault
from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi
from bot.network import may_have_arrived
from bot.rate_limit import FloodBudgetLimiter
from bot.runtime import EngineGate
from bot.storage import Subscription, SubscriptionStore
from briefings.engine import Engine
from tests.bot.seeded_fixtures import db, engine, store, timedelta_retry_after  # noqa: F401

UTC = dt.UTC
NOW = dt.datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
LONG_AGO = dt.datetime(2024, 4, 1, tzinfo=UTC)
PLAN = Plan(dt.time(9, 0), "UTC")


@pytest.fixture
async def impatient_bot(local_api: LocalBotApi) -> AsyncIterator[ExtBot[Any]]:
    """The application's bot (its rate limiter too), waiting a second for Telegram's answer
    (PTB's default is 5 s)."""
    request = HTTPXRequest(read_timeout=1.0, connect_timeout=1)
    async with ExtBot(
        EXAMPLE_TOKEN,
        base_url=local_api.base_url,
        request=request,
        rate_limiter=FloodBudgetLimiter(),
    ) as bot:
        yield bot


def subscribe(api: LocalBotApi, store: SubscriptionStore, chats: list[int]) -> None:
    for chat_id in chats:
        api.add_chat(chat_id)
    store.save_all(Subscription(chat_id, PLAN, LONG_AGO) for chat_id in chats)


def service(store: SubscriptionStore, engine: Engine, bot: ExtBot[Any]) -> DigestService:
    return DigestService(store, EngineGate(engine, is_owned=False), bot, clock=lambda: NOW)


def received(api: LocalBotApi, chats: list[int]) -> list[int]:
    return [len(api.messages(chat_id)) for chat_id in chats]


# -- item 5: a send Telegram took but never confirmed is not sent again ---------------------------
async def test_a_send_accepted_but_unanswered_is_recorded_unknown_not_resent(
    store: SubscriptionStore,
    engine: Engine,
    local_api: LocalBotApi,
    impatient_bot: ExtBot[Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    chats = [301, 302, 303, 304, 305]
    subscribe(local_api, store, chats)
    for chat_id in chats:
        local_api.inject("sendMessage", Fault.accept_then_silence(), chat_id=chat_id)
    with caplog.at_level(logging.WARNING, logger="bot.delivery.digests"):
        report = await service(store, engine, impatient_bot).deliver_due()
    assert received(local_api, chats) == [1, 1, 1, 1, 1]  # once each: never twice
    assert (report.sent, report.unknown) == (0, 5)
    assert [d.status for d in store.deliveries()] == ["unknown"] * 5
    warned = [
        r.getMessage() for r in caplog.records if "may or may not have arrived" in r.getMessage()
    ]
    assert [line.split(",")[0] for line in warned] == [f"digest for chat {c}" for c in chats]
    # Nothing is owed any more: the sweep does not send them again either.
    assert (await service(store, engine, impatient_bot).deliver_due()).due == 0


@pytest.mark.parametrize(
    ("fault", "delivered", "status"),
    [
        # The connection died before Telegram took the request: a visible loss.
        (Fault.drop(), 0, "unknown"),
        # Telegram took it, then the connection died: delivered, the bot cannot know.
        (Fault.drop(after_accepting=True), 1, "unknown"),
        # Telegram took it after the bot stopped waiting.
        (Fault.hang(2.0), 1, "unknown"),
        # Slow, but within the bot's patience.
        (Fault.hang(0.1), 1, "sent"),
        # Telegram answered an error: it did not take it, so it is sent again, once.
        (Fault.server_error(502), 1, "sent"),
        (Fault.server_error(500), 1, "sent"),
    ],
)
async def test_what_a_failed_send_proves_decides_whether_it_is_sent_again(
    store: SubscriptionStore,
    engine: Engine,
    local_api: LocalBotApi,
    impatient_bot: ExtBot[Any],
    fault: Fault,
    delivered: int,
    status: str,
) -> None:
    subscribe(local_api, store, [311])
    local_api.inject("sendMessage", fault, chat_id=311)
    await service(store, engine, impatient_bot).deliver_due()
    if delivered:  # a hung request is carried out after the bot stopped waiting
        await local_api.await_messages(311, delivered, timeout=5)
    assert (received(local_api, [311]), [d.status for d in store.deliveries()]) == (
        [delivered],
        [status],
    )


async def test_one_fan_out_through_every_kind_of_fault(
    store: SubscriptionStore, engine: Engine, local_api: LocalBotApi, impatient_bot: ExtBot[Any]
) -> None:
    chats = list(range(321, 331))
    subscribe(local_api, store, chats)
    local_api.add_chat(-1000000000329, chat_type="supergroup")
    faults = {
        321: (Fault.flood(1), 3),  # a 429 storm on one chat
        322: (Fault.server_error(503), 2),
        323: (Fault.drop(), 1),
        324: (Fault.accept_then_silence(), 1),
        325: (Fault.forbidden(), 1),
        326: (Fault.chat_not_found(), 1),
        329: (Fault.migrated(-1000000000329), 1),
    }
    for chat_id, (fault, count) in faults.items():
        local_api.inject("sendMessage", fault, chat_id=chat_id, count=count)
    report = await service(store, engine, impatient_bot).deliver_due()
    outcome = {d.chat_id: d.status for d in store.deliveries()}
    assert outcome == {
        321: "sent",
        322: "sent",
        323: "unknown",
        324: "unknown",
        325: "gone",
        326: "gone",
        327: "sent",
        328: "sent",
        -1000000000329: "sent",
        330: "sent",
    }
    delivered = received(local_api, chats) + received(local_api, [-1000000000329])
    assert delivered == [1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1]
    assert (report.sent, report.unknown, report.gone, report.migrated) == (6, 2, 2, 1)
    assert report.retries_429 >= 3
    assert [s.chat_id for s in store.all()] == [-1000000000329, 321, 322, 323, 324, 327, 328, 330]


async def test_may_have_arrived_reads_real_failures(
    local_api: LocalBotApi, impatient_bot: ExtBot[Any]
) -> None:
    """Which failures prove nothing was sent, as PTB reports them from real connections."""
    local_api.add_chat(341)
    seen: dict[str, bool] = {}
    for name, fault in [
        ("5xx answer", Fault.server_error(502)),
        ("dropped", Fault.drop()),
        ("timed out waiting for the answer", Fault.accept_then_silence()),
    ]:
        local_api.inject("sendMessage", fault, chat_id=341)
        with pytest.raises(NetworkError) as caught:
            await impatient_bot.send_message(341, name)
        seen[name] = may_have_arrived(caught.value)
    # Nothing listens on port 9: the connection is refused before any request leaves.
    nowhere = Bot(EXAMPLE_TOKEN, base_url="http://127.0.0.1:9/bot")
    with pytest.raises(NetworkError) as caught:
        await nowhere.send_message(341, "refused")
    await nowhere.shutdown()
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    seen["connection refused"] = may_have_arrived(caught.value)
    seen["a refusal by Telegram"] = may_have_arrived(TelegramError("Forbidden"))
    assert seen == {
        "5xx answer": False,
        "dropped": True,
        "timed out waiting for the answer": True,
        "connection refused": False,
        "a refusal by Telegram": False,
    }
    assert isinstance(TimedOut(), NetworkError)


# -- 429s: one limiter waits them out, for digests and answers alike ----------------------------
async def test_a_flood_wait_holds_the_digest_claimed_and_any_other_request_waits_too(
    store: SubscriptionStore,
    engine: Engine,
    local_api: LocalBotApi,
    impatient_bot: ExtBot[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The application's limiter waits out a digest's 429s (its claim back to "claimed"
    meanwhile, "sending" again as it is resent), and any other request's within the budget."""
    subscribe(local_api, store, [351, 352])
    local_api.inject("sendMessage", Fault.flood(1), chat_id=351, count=2)
    marks: list[str] = []
    mark = store.mark

    def recorded_mark(chat_id: int, slot: str, status: str) -> None:
        if chat_id == 351:
            marks.append(status)
        mark(chat_id, slot, status)

    monkeypatch.setattr(store, "mark", recorded_mark)
    report = await service(store, engine, impatient_bot).deliver_due()
    assert (report.sent, report.retries_429) == (2, 2)
    assert marks == [
        "sending",
        "claimed",
        "sending",
        "claimed",
        "sending",
    ]
    local_api.inject("sendMessage", Fault.flood(1), chat_id=352, count=2)
    await impatient_bot.send_message(352, "an answer")  # waited out by the limiter: no error
    assert received(local_api, [351, 352]) == [1, 2]
    assert [d.status for d in store.deliveries()] == ["sent", "sent"]


async def test_a_flood_wait_past_the_budget_leaves_the_digest_failed_for_the_sweep(
    store: SubscriptionStore, engine: Engine, local_api: LocalBotApi
) -> None:
    subscribe(local_api, store, [353])
    local_api.inject("sendMessage", Fault.flood(1), chat_id=353, count=2)
    limiter = FloodBudgetLimiter(budget=1.5)  # one wait of 1.1 s fits, the second does not
    async with ExtBot(EXAMPLE_TOKEN, base_url=local_api.base_url, rate_limiter=limiter) as bot:
        report = await service(store, engine, bot).deliver_due()
        assert (report.failed, report.retries_429, received(local_api, [353])) == (1, 2, [0])
        [failed] = store.deliveries()
        assert failed.status == "failed"
        assert failed.error == "Telegram still asked to wait 1 s past the flood budget"
        # The next sweep claims it again, and Telegram takes it now.
        report = await service(store, engine, bot).deliver_due()
    assert (report.sent, received(local_api, [353])) == (1, [1])


async def test_a_digest_service_needs_the_application_limiter(
    store: SubscriptionStore, engine: Engine, local_api: LocalBotApi
) -> None:
    async with Bot(EXAMPLE_TOKEN, base_url=local_api.base_url) as bot:
        with pytest.raises(TypeError, match="rate_limit"):
            service(store, engine, bot)  # type: ignore[arg-type]


# -- item 6: kill -9 during a fan-out, then restart ------------------------------------------------
def test_kill_9_in_the_middle_of_a_fan_out_then_restart(seeded_db: Path, tmp_path: Path) -> None:
    """Duplicates 0; whatever did not arrive is recorded unknown; the restart logs it."""
    count, kill_at = 40, 20

    def hold(api: LocalBotApi, chats: list[int]) -> None:
        api.inject("sendMessage", Fault.accept_then_silence(), chat_id=chats[kill_at - 1])

    scenario = Scenario("kill -9 at the 20th send", arm=hold, kill_at=kill_at)
    tally = run_scenario(scenario, count, seeded_db, tmp_path)
    assert (tally.duplicated, tally.silent, tally.lost) == (0, 0, 0)
    assert tally.delivered == count
    assert tally.unknown >= 1  # at least the send held in flight when the bot was killed
    assert tally.ledger == {"sent": count - tally.unknown, "unknown": tally.unknown}
    log = (tmp_path / "bot.log").read_text()
    assert "were being sent when the bot stopped; they may or may not have arrived" in log
    assert "Traceback" not in log
