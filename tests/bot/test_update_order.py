"""Updates: different chats side by side, one chat's in the order they came."""

from __future__ import annotations

import asyncio
import datetime as dt

from telegram import Chat, Message, Update

from bot.update_order import PerChatOrder, order_key


def update_in(chat_id: int, update_id: int) -> Update:
    chat = Chat(id=chat_id, type=Chat.PRIVATE)
    message = Message(message_id=update_id, date=dt.datetime.now(dt.UTC), chat=chat, text="/x")
    return Update(update_id=update_id, message=message)


async def test_a_slow_chat_holds_up_its_own_updates_only() -> None:
    processor = PerChatOrder(max_concurrent_updates=4)
    release = asyncio.Event()
    done: list[str] = []

    async def slow() -> None:
        await release.wait()
        done.append("A1")

    async def quick(name: str) -> None:
        done.append(name)

    async with processor:
        first = asyncio.create_task(processor.process_update(update_in(1, 1), slow()))
        await asyncio.sleep(0)
        second = asyncio.create_task(processor.process_update(update_in(1, 2), quick("A2")))
        other = asyncio.create_task(processor.process_update(update_in(2, 3), quick("B1")))
        await asyncio.wait_for(other, 5)
        await second  # queued behind A1: returns at once, handled later
        assert done == ["B1"]
        release.set()
        await asyncio.wait_for(first, 5)
    assert done == ["B1", "A1", "A2"]


async def test_a_chat_sending_many_updates_takes_one_place() -> None:
    # Two places: chat 1's slow update holds one, and its 48 later updates only pass
    # through the other on their way into chat 1's queue, which leaves it free for chat 2.
    processor = PerChatOrder(max_concurrent_updates=2)
    release = asyncio.Event()
    done: list[int] = []

    async def handled(n: int, wait: bool = False) -> None:
        if wait:
            await release.wait()
        done.append(n)

    async with processor:
        first = asyncio.create_task(processor.process_update(update_in(1, 1), handled(1, True)))
        await asyncio.sleep(0)
        for n in range(2, 50):
            await asyncio.wait_for(processor.process_update(update_in(1, n), handled(n)), 5)
        await asyncio.wait_for(processor.process_update(update_in(2, 99), handled(99)), 5)
        assert done == [99]
        release.set()
        await asyncio.wait_for(first, 5)
    assert done == [99, *range(1, 50)]


async def test_a_failing_update_does_not_cost_the_next() -> None:
    processor = PerChatOrder()
    done: list[int] = []
    release = asyncio.Event()

    async def fails() -> None:
        await release.wait()
        raise RuntimeError("boom")

    async def works() -> None:
        done.append(2)

    async with processor:
        first = asyncio.create_task(processor.process_update(update_in(1, 1), fails()))
        await asyncio.sleep(0)
        await processor.process_update(update_in(1, 2), works())
        release.set()
        await asyncio.wait_for(first, 5)
    assert done == [2]


def test_updates_without_a_chat_are_ordered_by_user_or_not_at_all() -> None:
    assert order_key(update_in(5, 1)) == ("chat", 5)
    assert order_key(Update(update_id=9)) is None
    assert order_key(object()) is None
