"""Faults the local Bot API server injects per method and per chat, seen through PTB."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.request import HTTPXRequest

from bot.localapi.faults import Fault
from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi

CHAT = 5101
OTHER = 5102


@pytest.fixture(autouse=True)
def timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB warns when retry_after is read as int


@pytest.fixture
async def impatient_bot(local_api: LocalBotApi) -> AsyncIterator[Bot]:
    """A bot that waits a second for an answer."""
    request = HTTPXRequest(read_timeout=1.0, connect_timeout=1)
    async with Bot(EXAMPLE_TOKEN, base_url=local_api.base_url, request=request) as bot:
        local_api.add_chat(CHAT)
        local_api.add_chat(OTHER)
        yield bot


def texts(api: LocalBotApi, chat_id: int) -> list[str]:
    return [message["text"] for message in api.messages(chat_id)]


async def test_a_dropped_connection_carries_nothing_out(
    local_api: LocalBotApi, impatient_bot: Bot
) -> None:
    local_api.inject("sendMessage", Fault.drop())
    with pytest.raises(NetworkError) as caught:
        await impatient_bot.send_message(CHAT, "lost")
    assert not isinstance(caught.value, TimedOut)
    await impatient_bot.send_message(CHAT, "next")  # armed for one call only
    assert texts(local_api, CHAT) == ["next"]
    assert [c.get("fault") for c in local_api.calls("sendMessage")] == ["drop", None]


async def test_a_connection_dropped_after_accepting_leaves_the_message_sent(
    local_api: LocalBotApi, impatient_bot: Bot
) -> None:
    local_api.inject("sendMessage", Fault.drop(after_accepting=True))
    with pytest.raises(NetworkError):
        await impatient_bot.send_message(CHAT, "arrived, unconfirmed")
    assert texts(local_api, CHAT) == ["arrived, unconfirmed"]


async def test_accept_then_silence_times_out_with_the_message_sent(
    local_api: LocalBotApi, impatient_bot: Bot
) -> None:
    local_api.inject("sendMessage", Fault.accept_then_silence())
    with pytest.raises(TimedOut):
        await impatient_bot.send_message(CHAT, "arrived, never confirmed")
    assert texts(local_api, CHAT) == ["arrived, never confirmed"]


async def test_a_hang_longer_than_the_bot_waits_still_delivers_later(
    local_api: LocalBotApi, impatient_bot: Bot
) -> None:
    local_api.inject("sendMessage", Fault.hang(2.0))
    with pytest.raises(TimedOut):
        await impatient_bot.send_message(CHAT, "late")
    assert texts(local_api, CHAT) == []
    await local_api.await_messages(CHAT, 1, timeout=5)
    assert texts(local_api, CHAT) == ["late"]


async def test_a_short_hang_is_only_slow(local_api: LocalBotApi, impatient_bot: Bot) -> None:
    local_api.inject("sendMessage", Fault.hang(0.1))
    message = await impatient_bot.send_message(CHAT, "slow")
    assert (message.text, texts(local_api, CHAT)) == ("slow", ["slow"])


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (500, "Internal Server Error"),
        (502, "Bad Gateway"),
        (503, "Service Unavailable"),
    ],
)
async def test_a_server_error_is_a_network_error_and_nothing_is_sent(
    local_api: LocalBotApi, impatient_bot: Bot, status: int, expected: str
) -> None:
    local_api.inject("sendMessage", Fault.server_error(status))
    with pytest.raises(NetworkError, match=expected):
        await impatient_bot.send_message(CHAT, "refused")
    assert texts(local_api, CHAT) == []


async def test_a_429_storm_lasts_until_cleared_and_hits_one_chat_only(
    local_api: LocalBotApi, impatient_bot: Bot
) -> None:
    local_api.inject("sendMessage", Fault.flood(7), chat_id=CHAT, count=None)
    for _ in range(3):
        with pytest.raises(RetryAfter) as caught:
            await impatient_bot.send_message(CHAT, "flooded")
        assert caught.value.retry_after == dt.timedelta(seconds=7)
    await impatient_bot.send_message(OTHER, "another chat is not flooded")
    local_api.clear_faults()
    await impatient_bot.send_message(CHAT, "through")
    assert (texts(local_api, CHAT), texts(local_api, OTHER)) == (
        ["through"],
        ["another chat is not flooded"],
    )


async def test_refusals_and_migration_for_one_chat(
    local_api: LocalBotApi, impatient_bot: Bot
) -> None:
    local_api.inject("sendMessage", Fault.forbidden(), chat_id=CHAT)
    local_api.inject("sendMessage", Fault.chat_not_found(), chat_id=CHAT)
    local_api.inject("sendMessage", Fault.migrated(-1005101), chat_id=CHAT)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await impatient_bot.send_message(CHAT, "1")
    with pytest.raises(BadRequest, match="Chat not found"):
        await impatient_bot.send_message(CHAT, "2")
    with pytest.raises(ChatMigrated) as moved:
        await impatient_bot.send_message(CHAT, "3")
    assert moved.value.new_chat_id == -1005101
    await impatient_bot.send_message(CHAT, "4")
    assert texts(local_api, CHAT) == ["4"]


async def test_a_fault_on_get_updates(local_api: LocalBotApi, impatient_bot: Bot) -> None:
    local_api.inject("getUpdates", Fault.server_error(502), count=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await impatient_bot.get_updates(timeout=0)
    assert await impatient_bot.get_updates(timeout=0) == ()


async def test_a_silent_call_ends_when_the_server_stops() -> None:
    api = LocalBotApi()
    await api.start()
    api.add_chat(CHAT)
    api.inject("sendMessage", Fault.accept_then_silence())
    async with Bot(EXAMPLE_TOKEN, base_url=api.base_url) as bot:  # waits 5 s by default
        sending = asyncio.create_task(bot.send_message(CHAT, "held"))
        await api.await_calls("sendMessage", 1, timeout=5)
        await api.aclose()
        with pytest.raises(NetworkError):
            await asyncio.wait_for(sending, 3)
