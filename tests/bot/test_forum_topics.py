"""Forum topics: a digest subscribed from inside a topic goes there; a lost topic falls back.

The subscription test runs the real application (the /subscribe update comes from a topic
of a forum supergroup on the local Bot API server); the fallback tests drive
`DigestService` with a controllable clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import ExtBot

from bot.delivery.digests import TOPIC_LOST_HTML
from bot.delivery.filters import ChatFilter
from bot.delivery.jobs import DigestRuntime
from bot.localapi.server import LocalBotApi
from bot.runtime import DIGESTS_KEY
from bot.storage import Subscription, SubscriptionStore
from briefings.engine import Engine
from tests.bot.seeded_fixtures import db, engine, store, timedelta_retry_after  # noqa: F401
from tests.bot.test_digests import (
    LONG_AGO,
    NOW,
    Clock,
    ask,
    daily,
    running,
    service_for,
    settings_for,
)

FORUM = -1001234
TOPIC = 7
ADMIN = 1
DAY = dt.timedelta(days=1)


@pytest.fixture
def forum(local_api: LocalBotApi) -> LocalBotApi:
    """A forum supergroup with one open topic, made by ADMIN, with a second admin (5)."""
    local_api.add_chat(FORUM, chat_type="supergroup", is_forum=True, creator_id=ADMIN)
    local_api.add_user(ADMIN, first_name="Ada")
    local_api.add_user(5, first_name="<Bo>")
    local_api.set_admin(FORUM, 5)
    local_api.add_topic(FORUM, TOPIC)
    return local_api


async def test_subscribing_inside_a_topic_delivers_into_it(
    db: Path, engine: Engine, forum: LocalBotApi
) -> None:
    async with running(settings_for(forum, db), poll=True) as application:
        answer = await ask(forum, FORUM, "/subscribe 09:00", user_id=ADMIN, message_thread_id=TOPIC)
        assert answer.startswith("Digest every day at 09:00 UTC")
        runtime: DigestRuntime = application.bot_data[DIGESTS_KEY]
        assert runtime.store.get(FORUM) is not None
        assert runtime.store.get(FORUM).thread_id == TOPIC  # type: ignore[union-attr]
        # The next 09:01 after subscribing: today's 09:00 may already be past.
        tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        runtime.service.clock = lambda: tomorrow.replace(hour=9, minute=1)
        report = await runtime.service.deliver_due()
    messages = forum.messages(FORUM)
    assert report.sent == 1
    # The answer to /subscribe and the digest, both in the topic.
    assert [m["message_thread_id"] for m in messages] == [TOPIC, TOPIC]
    assert messages[-1]["text"].startswith("<b>Your digest")


def close(api: LocalBotApi) -> None:
    api.close_topic(FORUM, TOPIC)


def delete(api: LocalBotApi) -> None:
    with api.lock:  # the fake server has no deleteForumTopic: forget the topic
        del api.chats[FORUM].topics[TOPIC]


@pytest.mark.parametrize("lose_topic", [close, delete], ids=["closed", "deleted"])
async def test_a_lost_topic_is_reported_once_and_digests_go_to_general(
    store: SubscriptionStore,
    engine: Engine,
    forum: LocalBotApi,
    sending_bot: ExtBot[Any],
    lose_topic: Callable[[LocalBotApi], None],
) -> None:
    store.save(Subscription(FORUM, daily("09:00"), LONG_AGO, thread_id=TOPIC))
    store.save_filter(ChatFilter(FORUM, alerts=True, alerts_thread_id=TOPIC))
    lose_topic(forum)
    clock = Clock(NOW)
    service = service_for(store, engine, sending_bot, clock)
    first = await service.deliver_due()
    clock.now = NOW + DAY
    second = await service.deliver_due()
    messages = forum.messages(FORUM)
    assert [(r.sent, r.topics_lost) for r in (first, second)] == [(1, 1), (1, 0)]
    # Notice, then the slot's digest, then the next slot's: all in General (no thread).
    assert [m["message_thread_id"] for m in messages] == [None, None, None]
    assert messages[0]["text"] == (
        f"{TOPIC_LOST_HTML}\n"
        f'<a href="tg://user?id={ADMIN}">Ada</a>, <a href="tg://user?id=5">&lt;Bo&gt;</a>'
    )
    assert [m["text"].startswith("<b>Your digest") for m in messages[1:]] == [True, True]
    subscription = store.get(FORUM)
    assert subscription is not None and subscription.thread_id is None
    assert store.chat_filter(FORUM).alerts_thread_id is None  # alerts follow to General
    assert [d.status for d in store.deliveries(FORUM)] == ["sent", "sent"]
