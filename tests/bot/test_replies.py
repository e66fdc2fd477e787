"""Replies (bot.replies) on their own: splitting to Telegram's limit, threads, typing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Defaults, ExtBot

from bot import replies
from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi
from bot.replies import reply, send_html, typing
from bot.telegram_html import MESSAGE_LIMIT

CHAT = 7201
BUTTONS = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more")]])


@pytest.fixture
async def html_bot(local_api: LocalBotApi) -> AsyncIterator[Bot]:
    """A bot sending HTML by default, as the application builds it (bot.app)."""
    defaults = Defaults(parse_mode=ParseMode.HTML)
    async with ExtBot(EXAMPLE_TOKEN, base_url=local_api.base_url, defaults=defaults) as bot:
        yield bot


async def test_a_short_message_goes_out_whole_with_its_buttons(
    local_api: LocalBotApi, html_bot: Bot
) -> None:
    local_api.add_chat(CHAT)
    sent = await send_html(html_bot, CHAT, "<b>Hello</b> &amp; welcome", reply_markup=BUTTONS)
    assert len(sent) == 1
    [message] = local_api.messages(CHAT)
    assert message["visible_text"] == "Hello & welcome"
    assert message["reply_markup"]["inline_keyboard"][0][0]["text"] == "More"


async def test_a_long_message_is_split_on_paragraphs_and_the_buttons_go_under_the_last(
    local_api: LocalBotApi, html_bot: Bot
) -> None:
    local_api.add_chat(CHAT)
    paragraph = "<b>Heading</b>\n" + "word " * 300
    html = "\n\n".join(f"{number}. {paragraph}" for number in range(1, 9))
    sent = await send_html(html_bot, CHAT, html, reply_markup=BUTTONS)
    messages = local_api.messages(CHAT)
    assert len(sent) == len(messages) > 1
    assert all(len(m["visible_text"]) <= MESSAGE_LIMIT for m in messages)
    # Each part starts a paragraph: a cut never falls inside one.
    assert all(m["visible_text"].lstrip()[:2].rstrip(".").isdigit() for m in messages)
    assert [m["reply_markup"] is not None for m in messages] == [False] * (len(messages) - 1) + [
        True
    ]
    assert sum(m["visible_text"].count("Heading") for m in messages) == 8


async def test_a_reply_stays_in_the_forum_topic_it_answers(
    local_api: LocalBotApi, html_bot: Bot
) -> None:
    group = -1007201
    local_api.add_chat(group, chat_type="supergroup", is_forum=True)
    local_api.add_topic(group, 5)
    update = Update.de_json(
        {
            "update_id": 1,
            "message": {
                "message_id": 9,
                "date": 0,
                "chat": {"id": group, "type": "supergroup", "is_forum": True},
                "message_thread_id": 5,
                "is_topic_message": True,
                "text": "/brief",
            },
        },
        html_bot,
    )
    await reply(update, html_bot, "in the topic")
    [message] = local_api.messages(group)
    assert (message["visible_text"], message["message_thread_id"]) == ("in the topic", 5)


async def test_an_update_without_a_chat_gets_no_reply(html_bot: Bot) -> None:
    assert await reply(Update(update_id=2), html_bot, "nowhere to go") == []


async def test_typing_is_shown_first_and_kept_up_while_the_work_runs(
    local_api: LocalBotApi, html_bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    local_api.add_chat(CHAT)
    monkeypatch.setattr(replies, "TYPING_REFRESH_SECONDS", 0.05)
    async with typing(html_bot, CHAT):
        assert len(local_api.calls("sendChatAction")) == 1, "the first hint before any work"
        await asyncio.sleep(0.3)
    shown = len(local_api.calls("sendChatAction"))
    assert shown >= 3
    await asyncio.sleep(0.3)
    # A hint already on its way when the work ended may reach the server after it (on a
    # loaded machine); a refresh every 0.05 s that went on would send six more.
    assert len(local_api.calls("sendChatAction")) <= shown + 1, "no typing once the work is done"


async def test_a_failed_typing_hint_never_costs_the_answer(
    local_api: LocalBotApi, html_bot: Bot
) -> None:
    local_api.add_chat(CHAT)
    local_api.fail_next("sendChatAction", status=400, description="Bad Request: not allowed")
    async with typing(html_bot, CHAT):
        await send_html(html_bot, CHAT, "the answer")
    assert [m["visible_text"] for m in local_api.messages(CHAT)] == ["the answer"]
