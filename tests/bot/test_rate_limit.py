"""The one rate limiter (bot.rate_limit): Telegram's limits kept, so the server never says 429.

The local Bot API server counts messages in sliding windows the way the limiter must respect
them; these tests send through the real ExtBot and the limiter, and ask the server what it
answered.
"""

from __future__ import annotations

import asyncio
import collections
import math
from typing import Any

from telegram.ext import ExtBot

from bot.localapi.faults import Fault
from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi
from bot.rate_limit import (
    PER_CHAT,
    PER_GROUP,
    FloodBudget,
    FloodBudgetLimiter,
    Limit,
    Window,
    is_message,
)
from tests.bot.seeded_fixtures import timedelta_retry_after  # noqa: F401


def test_a_place_is_held_from_the_request_until_a_window_after_its_answer() -> None:
    window = Window(Limit(2, 1.0))
    assert window.wait(0.0) == 0.0
    window.in_flight = 2  # two requests on their way: when a place frees is not known yet
    assert window.wait(0.1) == math.inf
    window.in_flight, window.answered_at = 1, collections.deque([0.3])
    assert window.wait(0.5) == 0.8  # a second after that answer
    assert window.wait(1.3) == 0.0
    assert list(window.answered_at) == []  # forgotten once out of the window


def test_a_spread_window_gives_turns_one_gap_apart_and_a_late_one_does_not_push_the_rest() -> None:
    window = Window(Limit(8, 1.0, is_spread=True))  # a turn every 0.125 s
    window.take(10.0)  # after a quiet spell, one more may go with it
    assert window.wait(10.0) == 0.0
    window.take(10.0)
    assert (window.wait(10.0625), window.wait(10.125)) == (0.0625, 0.0)
    window.take(10.1875)  # half a gap late: the next turn is still 10.25
    assert window.wait(10.1875) == 0.0625
    window.take(11.0)  # long after: at most one more goes with it
    assert (window.wait(11.0), window.wait(11.0625)) == (0.0, 0.0)
    window.take(11.0)
    assert window.wait(11.0) == 0.125


def test_messages_are_what_sends_a_message() -> None:
    assert [is_message(m) for m in ("sendMessage", "sendPhoto", "sendChatAction", "getChat")] == [
        True,
        True,
        False,
        False,
    ]


BROADCAST = FloodBudget(is_broadcast=True)  # what digests and alerts pass


def limited_bot(api: LocalBotApi, limiter: FloodBudgetLimiter) -> ExtBot[Any]:
    return ExtBot(EXAMPLE_TOKEN, base_url=api.base_url, rate_limiter=limiter)


def statuses(api: LocalBotApi) -> list[int]:
    return [call["status"] for call in api.calls("sendMessage")]


async def test_a_burst_at_the_server_limits_meets_no_429(local_api: LocalBotApi) -> None:
    """More messages at once than a second allows, groups and a chat twice among them."""
    chats = [-(700 + n) if n % 5 == 0 else 700 + n for n in range(24)]
    for chat_id in chats:
        local_api.add_chat(chat_id)
    local_api.rate_limit(per_second=10, per_group_per_minute=20, per_chat_per_second=1)
    limiter = FloodBudgetLimiter(overall=Limit(10, 1.0), per_group=PER_GROUP, per_chat=PER_CHAT)
    async with limited_bot(local_api, limiter) as bot:
        await asyncio.gather(
            *(bot.send_message(chat_id, "news", rate_limit_args=BROADCAST) for chat_id in chats),
            # the same chat within the second
            bot.send_message(chats[1], "more news", rate_limit_args=BROADCAST),
        )
    assert statuses(local_api) == [200] * 25
    assert [len(local_api.messages(c)) for c in chats] == [1, 2] + [1] * 22


async def test_a_group_waits_for_its_own_window_and_holds_no_one_else(
    local_api: LocalBotApi,
) -> None:
    group, user = -710, 711
    local_api.add_chat(group)
    local_api.add_chat(user)
    limiter = FloodBudgetLimiter(per_group=Limit(2, 60.0))
    async with limited_bot(local_api, limiter) as bot:
        sends = [asyncio.create_task(bot.send_message(group, str(n))) for n in range(3)]
        await asyncio.wait(sends, timeout=2.0)
        await bot.send_message(user, "a private chat is not held")
        assert [s.done() for s in sends] == [True, True, False]
        assert (len(local_api.messages(group)), len(local_api.messages(user))) == (2, 1)
        sends[2].cancel()
        await asyncio.gather(sends[2], return_exceptions=True)


async def test_an_answer_in_parts_is_not_held_a_second_apart_but_a_429_is_waited_out(
    local_api: LocalBotApi,
) -> None:
    """Telegram lets an answer's short burst through; a server that does not is obeyed."""
    local_api.add_chat(730)
    local_api.rate_limit(per_second=30, per_group_per_minute=20, per_chat_per_second=1)
    floods: list[float] = []

    async def on_flood(seconds: float) -> None:
        floods.append(seconds)

    async with limited_bot(local_api, FloodBudgetLimiter()) as bot:
        await bot.send_message(730, "part 1")
        await bot.send_message(730, "part 2", rate_limit_args=FloodBudget(on_flood=on_flood))
    assert (statuses(local_api), floods) == ([200, 429, 200], [1.1])
    assert [m["text"] for m in local_api.messages(730)] == ["part 1", "part 2"]


async def test_a_flood_wait_holds_every_request_then_sends_again(local_api: LocalBotApi) -> None:
    flooded, other = 720, 721
    local_api.add_chat(flooded)
    local_api.add_chat(other)
    local_api.inject("sendMessage", Fault.flood(1), chat_id=flooded, count=1)
    told = asyncio.Event()

    async def on_flood(seconds: float) -> None:
        told.set()

    async with limited_bot(local_api, FloodBudgetLimiter()) as bot:
        first = asyncio.create_task(
            bot.send_message(
                flooded, "held back once", rate_limit_args=FloodBudget(on_flood=on_flood)
            )
        )
        await told.wait()  # the limiter has the 429's retry_after
        await bot.send_message(other, "sent after the wait")
        await first
    calls = local_api.calls("sendMessage")
    assert calls[0]["status"] == 429
    assert sorted((c["params"]["chat_id"], c["status"]) for c in calls) == [
        (flooded, 200),
        (flooded, 429),
        (other, 200),
    ]
    flood_at = calls[0]["time"]
    assert min(c["time"] for c in calls[1:]) >= flood_at + 1.0  # retry_after, for everyone
