"""The local Bot API server, driven through the real python-telegram-bot stack and httpx."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import subprocess
import sys
from typing import Any

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi

USER = 5001
GROUP = -4001
SUPERGROUP = -1004001


def last_description(api: LocalBotApi, method: str) -> str:
    """Telegram's description of the last call of ``method`` (PTB rewrites it in errors)."""
    return api.calls(method)[-1]["description"]


def texts(update: Update) -> Any:
    """The text of an update's message."""
    return update.to_dict()["message"].get("text")


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(item, callback_data=item) for item in data]])


# -- identity and tokens -------------------------------------------------------------------


async def test_get_me_answers_a_bot_named_by_the_token(local_bot: Bot) -> None:
    me = await local_bot.get_me()
    assert (me.id, me.username, me.first_name, me.is_bot) == (
        123456789,
        "newsbot_local_bot",
        "Newsbot",
        True,
    )


@pytest.mark.parametrize(
    "token",
    [
        "123:short",  # malformed: Telegram knows no such bot
        "987654321:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # well-formed but revoked below
    ],
)
async def test_unknown_or_revoked_tokens_are_unauthorized(
    local_api: LocalBotApi, token: str
) -> None:
    local_api.invalidate_token("987654321:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    bot_with_bad_token = Bot(token, base_url=local_api.base_url)
    try:
        with pytest.raises(InvalidToken):
            await bot_with_bad_token.initialize()
    finally:
        await bot_with_bad_token.shutdown()
    assert [(call["method"], call["status"]) for call in local_api.calls()] == [
        ("getMe", 401),
    ]


async def test_token_placeholder_and_test_environment_urls_work(local_api: LocalBotApi) -> None:
    test_environment = f"{local_api.url}/bot{{token}}/test"
    async with Bot(EXAMPLE_TOKEN, base_url=test_environment) as bot:
        assert (await bot.get_me()).id == 123456789


def test_unknown_method_answers_404_like_telegram(local_api: LocalBotApi) -> None:
    response = httpx.post(f"{local_api.base_url}{EXAMPLE_TOKEN}/sendHologram", json={})
    assert (response.status_code, response.json()) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )


def test_method_names_are_case_insensitive_and_bodies_may_be_json_or_form(
    local_api: LocalBotApi,
) -> None:
    local_api.add_chat(USER)
    url = f"{local_api.base_url}{EXAMPLE_TOKEN}"
    as_json = httpx.post(f"{url}/sendmessage", json={"chat_id": USER, "text": "one"})
    as_form = httpx.post(f"{url}/SENDMESSAGE", data={"chat_id": str(USER), "text": "two"})
    as_query = httpx.get(f"{url}/sendMessage", params={"chat_id": USER, "text": "three"})
    assert [r.json()["result"]["text"] for r in (as_json, as_form, as_query)] == [
        "one",
        "two",
        "three",
    ]
    assert [call["params"] for call in local_api.calls("sendMessage")] == [
        {"chat_id": USER, "text": "one"},
        {"chat_id": USER, "text": "two"},
        {"chat_id": USER, "text": "three"},
    ]


def test_the_token_never_reaches_the_logs(
    local_api: LocalBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    httpx.post(f"{local_api.base_url}{EXAMPLE_TOKEN}/getMe")
    httpx.post(f"{local_api.url}/file/bot{EXAMPLE_TOKEN}/photo.jpg")
    server_side = "\n".join(
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith(("httpx", "httpcore"))  # the client logs URLs itself
    )
    assert "/bot<token>/getMe" in server_side
    assert EXAMPLE_TOKEN not in server_side
    assert EXAMPLE_TOKEN not in repr(local_api.calls())


# -- sendMessage validation ----------------------------------------------------------------


async def test_sent_html_is_stored_as_sent_and_answered_as_parsed_text(
    local_api: LocalBotApi, local_bot: Bot
) -> None:
    local_api.add_chat(USER)
    message = await local_bot.send_message(
        USER, "<b>Top</b> &amp; <a href='https://e.org/?a=1&amp;b=2'>more</a>", parse_mode="HTML"
    )
    assert (message.message_id, message.text, message.chat.id) == (1, "Top & more", USER)
    stored = local_api.messages(USER)
    assert [(m["text"], m["visible_text"], m["parse_mode"], m["edited"]) for m in stored] == [
        (
            "<b>Top</b> &amp; <a href='https://e.org/?a=1&amp;b=2'>more</a>",
            "Top & more",
            "HTML",
            False,
        ),
    ]


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("a<br>b", 'Unsupported start tag "br" at byte offset 1'),
        ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("2 < 3", 'Unsupported start tag "" at byte offset 2'),
        ("Tom & Jerry", 'Unescaped "&" at byte offset 4; write "&amp;"'),
        ("é&nbsp;", 'Unsupported HTML entity "&nbsp;" at byte offset 2'),  # é is 2 bytes
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
async def test_invalid_html_is_rejected_with_telegrams_description(
    local_api: LocalBotApi, local_bot: Bot, text: str, description: str
) -> None:
    local_api.add_chat(USER)
    with pytest.raises(BadRequest):
        await local_bot.send_message(USER, text, parse_mode="HTML")
    assert last_description(local_api, "sendMessage") == (
        f"Bad Request: can't parse entities: {description}"
    )
    assert local_api.messages(USER) == []


@pytest.mark.parametrize(
    ("text", "parse_mode", "description"),
    [
        ("a" * 4097, None, "Bad Request: message is too long"),
        ("&amp;" * 4097, "HTML", "Bad Request: message is too long"),
        ("   \n ", None, "Bad Request: message text is empty"),
        ("<b> </b>", "HTML", "Bad Request: message text is empty"),
        ("x", "Textile", "Bad Request: unsupported parse_mode"),
    ],
)
async def test_text_must_hold_1_to_4096_characters_after_parsing(
    local_api: LocalBotApi, local_bot: Bot, text: str, parse_mode: str | None, description: str
) -> None:
    local_api.add_chat(USER)
    with pytest.raises(BadRequest):
        await local_bot.send_message(USER, text, parse_mode=parse_mode)
    assert last_description(local_api, "sendMessage") == description


@pytest.mark.parametrize(
    ("text", "parse_mode"),
    [("a" * 4096, None), ("&amp;" * 4096, "HTML"), ("<b>" + "é" * 4096 + "</b>", "HTML")],
)
async def test_4096_characters_after_parsing_are_accepted(
    local_api: LocalBotApi, local_bot: Bot, text: str, parse_mode: str | None
) -> None:
    local_api.add_chat(USER)
    message = await local_bot.send_message(USER, text, parse_mode=parse_mode)
    assert len(message.text or "") == 4096


@pytest.mark.parametrize(
    ("data", "accepted"), [("x" * 64, True), ("é" * 33, False), ("x" * 65, False)]
)
async def test_callback_data_holds_at_most_64_bytes(
    local_api: LocalBotApi, local_bot: Bot, data: str, accepted: bool
) -> None:
    local_api.add_chat(USER)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("go", callback_data=data)]])
    if accepted:
        message = await local_bot.send_message(USER, "pick", reply_markup=markup)
        assert message.reply_markup == markup
    else:
        with pytest.raises(BadRequest):
            await local_bot.send_message(USER, "pick", reply_markup=markup)
        assert last_description(local_api, "sendMessage") == "Bad Request: BUTTON_DATA_INVALID"


async def test_unknown_chat_is_not_found(local_api: LocalBotApi, local_bot: Bot) -> None:
    with pytest.raises(BadRequest):
        await local_bot.send_message(777, "hello")
    assert last_description(local_api, "sendMessage") == "Bad Request: chat not found"


# -- forum topics --------------------------------------------------------------------------


async def test_messages_go_to_open_forum_topics_only(
    local_api: LocalBotApi, local_bot: Bot
) -> None:
    local_api.send_user_message(SUPERGROUP, "/start", message_thread_id=7, is_forum=True)
    local_api.close_topic(SUPERGROUP, 9)
    sent = await local_bot.send_message(SUPERGROUP, "in topic", message_thread_id=7)
    assert (sent.message_thread_id, sent.is_topic_message) == (7, True)
    for thread_id, description in [
        (8, "Bad Request: message thread not found"),
        (9, "Bad Request: TOPIC_CLOSED"),
    ]:
        with pytest.raises(BadRequest):
            await local_bot.send_message(SUPERGROUP, "lost", message_thread_id=thread_id)
        assert last_description(local_api, "sendMessage") == description
    assert [(m["text"], m["message_thread_id"]) for m in local_api.messages(SUPERGROUP)] == [
        ("in topic", 7)
    ]


# -- failures, flood control, blocked and moved chats --------------------------------------


async def test_injected_429_raises_retry_after_once(
    local_api: LocalBotApi, local_bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB warns when retry_after is read as int
    local_api.add_chat(USER)
    local_api.fail_next("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await local_bot.send_message(USER, "first")
    assert caught.value.retry_after == dt.timedelta(seconds=3)
    await local_bot.send_message(USER, "second")
    assert [(c["status"], c.get("description")) for c in local_api.calls("sendMessage")] == [
        (429, "Too Many Requests: retry after 3"),
        (200, None),
    ]


async def test_injected_server_errors_use_the_status_given(
    local_api: LocalBotApi, local_bot: Bot
) -> None:
    local_api.fail_next("getChat", status=400, description="Bad Request: chat not found")
    local_api.add_chat(USER)
    with pytest.raises(BadRequest, match="Chat not found"):
        await local_bot.get_chat(USER)
    assert (await local_bot.get_chat(USER)).id == USER


async def test_rate_limit_answers_429_beyond_the_per_second_budget(
    local_api: LocalBotApi, local_bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    local_api.rate_limit(per_second=2, per_group_per_minute=None)
    local_api.add_chat(USER)
    await local_bot.send_message(USER, "1")
    await local_bot.send_message(USER, "2")
    with pytest.raises(RetryAfter) as caught:
        await local_bot.send_message(USER, "3")
    assert caught.value.retry_after == dt.timedelta(seconds=1)


async def test_rate_limit_counts_each_group_per_minute(
    local_api: LocalBotApi, local_bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    local_api.rate_limit(per_second=30, per_group_per_minute=2)
    local_api.add_chat(GROUP, title="Readers")
    local_api.add_chat(USER)
    for text in ("1", "2"):
        await local_bot.send_message(GROUP, text)
    with pytest.raises(RetryAfter) as caught:
        await local_bot.send_message(GROUP, "3")
    assert caught.value.retry_after in (dt.timedelta(seconds=59), dt.timedelta(seconds=60))
    for text in ("1", "2", "3"):  # private chats have no per-minute budget
        await local_bot.send_message(USER, text)
    assert description_of_last_group_send(local_api) == "Too Many Requests: retry after 60"


async def test_rate_limit_allows_one_message_a_second_in_a_chat(
    local_api: LocalBotApi, local_bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    local_api.rate_limit(per_second=30, per_group_per_minute=20, per_chat_per_second=1)
    local_api.add_chat(USER)
    local_api.add_chat(USER + 1)
    await local_bot.send_message(USER, "1")
    with pytest.raises(RetryAfter) as caught:
        await local_bot.send_message(USER, "2")
    assert caught.value.retry_after == dt.timedelta(seconds=1)
    await local_bot.send_message(USER + 1, "another chat has its own second")
    assert [m["text"] for m in local_api.messages(USER)] == ["1"]


def description_of_last_group_send(api: LocalBotApi) -> str:
    return next(
        call["description"]
        for call in reversed(api.calls("sendMessage"))
        if call["params"]["chat_id"] == GROUP
    )


@pytest.mark.parametrize(
    ("chat_id", "switch", "description"),
    [
        (USER, LocalBotApi.block_chat, "Forbidden: bot was blocked by the user"),
        (GROUP, LocalBotApi.kick_from_chat, "Forbidden: bot was kicked from the group chat"),
        (
            SUPERGROUP,
            LocalBotApi.kick_from_chat,
            "Forbidden: bot was kicked from the supergroup chat",
        ),
    ],
)
async def test_blocked_and_kicked_chats_answer_403(
    local_api: LocalBotApi, local_bot: Bot, chat_id: int, switch: Any, description: str
) -> None:
    local_api.add_chat(chat_id)
    switch(local_api, chat_id)
    with pytest.raises(Forbidden):
        await local_bot.send_message(chat_id, "news")
    assert last_description(local_api, "sendMessage") == description


async def test_migrated_group_answers_chat_migrated_and_the_supergroup_works(
    local_api: LocalBotApi, local_bot: Bot
) -> None:
    local_api.send_user_message(GROUP, "/start", chat_title="Readers")
    local_api.migrate_chat(GROUP, SUPERGROUP)
    with pytest.raises(ChatMigrated) as caught:
        await local_bot.send_message(GROUP, "news")
    assert caught.value.new_chat_id == SUPERGROUP
    await local_bot.send_message(SUPERGROUP, "news")
    chat = await local_bot.get_chat(SUPERGROUP)
    assert (chat.type, chat.title, [m["text"] for m in local_api.messages(SUPERGROUP)]) == (
        "supergroup",
        "Readers",
        ["news"],
    )
    updates = await local_bot.get_updates()
    service = [update.to_dict()["message"] for update in updates[1:]]
    assert [
        (m["chat"]["id"], m.get("migrate_to_chat_id"), m.get("migrate_from_chat_id"))
        for m in service
    ] == [(GROUP, SUPERGROUP, None), (SUPERGROUP, None, GROUP)]


# -- edits, buttons, actions, members, commands, webhooks ----------------------------------


async def test_editing_text_keeps_history_and_drops_the_keyboard_unless_resent(
    local_api: LocalBotApi, local_bot: Bot
) -> None:
    local_api.add_chat(USER)
    sent = await local_bot.send_message(USER, "draft", reply_markup=keyboard("a"))
    await local_bot.edit_message_text("final", USER, sent.message_id)
    with pytest.raises(BadRequest):
        await local_bot.edit_message_text("final", USER, sent.message_id)
    assert last_description(local_api, "editMessageText").startswith(
        "Bad Request: message is not modified"
    )
    await local_bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard("b"))
    [message] = local_api.messages(USER)
    assert (message["text"], message["edited"], message["reply_markup"]) == (
        "final",
        True,
        keyboard("b").to_dict(),
    )
    assert [(old["text"], old["reply_markup"]) for old in message["history"]] == [
        ("draft", keyboard("a").to_dict()),
        ("final", None),
    ]


async def test_user_messages_cannot_be_edited_and_missing_ones_are_not_found(
    local_api: LocalBotApi, local_bot: Bot
) -> None:
    local_api.send_user_message(USER, "hello")
    for message_id, description in [
        (1, "Bad Request: message can't be edited"),
        (99, "Bad Request: message to edit not found"),
    ]:
        with pytest.raises(BadRequest):
            await local_bot.edit_message_text("x", USER, message_id)
        assert last_description(local_api, "editMessageText") == description


async def test_chat_actions_are_recorded_and_unknown_actions_rejected(
    local_api: LocalBotApi, local_bot: Bot
) -> None:
    local_api.add_chat(USER)
    await local_bot.send_chat_action(USER, "typing")
    with pytest.raises(BadRequest):
        await local_bot.send_chat_action(USER, "dancing")
    assert local_api.chat_actions == [
        {"chat_id": USER, "action": "typing", "message_thread_id": None}
    ]


async def test_group_creator_is_admin_by_default_and_admins_are_configurable(
    local_api: LocalBotApi, local_bot: Bot
) -> None:
    local_api.send_user_message(GROUP, "/start", user_id=11, chat_title="Readers")
    local_api.send_user_message(GROUP, "hi", user_id=12)
    local_api.send_user_message(GROUP, "hi", user_id=13)
    local_api.set_admin(GROUP, 12)
    statuses = [(await local_bot.get_chat_member(GROUP, user)).status for user in (11, 12, 13, 14)]
    assert statuses == ["creator", "administrator", "member", "left"]
    admins = await local_bot.get_chat_administrators(GROUP)
    assert [admin.user.id for admin in admins] == [11, 12]
    local_api.set_admin(GROUP, 12, is_admin=False)
    assert (await local_bot.get_chat_member(GROUP, 12)).status == "member"


async def test_commands_are_set_read_and_deleted_per_scope(
    local_api: LocalBotApi, local_bot: Bot
) -> None:
    await local_bot.set_my_commands([("start", "Start"), ("brief", "Latest briefing")])
    await local_bot.set_my_commands([("help", "Help")], language_code="de")
    assert local_api.commands == [
        {"command": "start", "description": "Start"},
        {"command": "brief", "description": "Latest briefing"},
    ]
    assert [c.command for c in await local_bot.get_my_commands(language_code="de")] == ["help"]
    await local_bot.delete_my_commands()
    assert (local_api.commands, await local_bot.get_my_commands()) == ([], ())
    with pytest.raises(BadRequest):
        await local_bot.set_my_commands([("Brief", "Capital letters are not allowed")])
    assert last_description(local_api, "setMyCommands") == "Bad Request: BOT_COMMAND_INVALID"


async def test_an_active_webhook_forbids_get_updates(
    local_api: LocalBotApi, local_bot: Bot
) -> None:
    await local_bot.set_webhook("https://bot.example.org/hook", secret_token="s3cret")
    assert (await local_bot.get_webhook_info()).url == "https://bot.example.org/hook"
    with pytest.raises(Conflict):
        await local_bot.get_updates()
    await local_bot.delete_webhook()
    assert await local_bot.get_updates() == ()


async def test_get_updates_confirms_with_offset_and_filters_allowed_types(
    local_api: LocalBotApi, local_bot: Bot
) -> None:
    local_api.send_user_message(USER, "one")
    local_api.send_user_message(USER, "two")
    first = await local_bot.get_updates()
    assert [texts(u) for u in first] == ["one", "two"]
    again = await local_bot.get_updates(offset=first[1].update_id)
    assert [texts(u) for u in again] == ["two"]
    sent = await local_bot.send_message(USER, "pick", reply_markup=keyboard("a"))
    local_api.press_button(USER, sent.message_id, "a")
    local_api.send_user_message(USER, "three")
    only_buttons = await local_bot.get_updates(
        offset=first[1].update_id + 1, allowed_updates=["callback_query"]
    )
    assert [u.to_dict()["callback_query"]["data"] for u in only_buttons] == ["a"]


async def test_get_updates_long_polls_until_an_update_arrives(
    local_api: LocalBotApi, local_bot: Bot
) -> None:
    poll = asyncio.create_task(local_bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    local_api.send_user_message(USER, "late")
    updates = await asyncio.wait_for(poll, 3)
    assert [texts(u) for u in updates] == ["late"]


async def test_a_second_poller_terminates_the_first_with_conflict(
    local_api: LocalBotApi, local_bot: Bot
) -> None:
    first = asyncio.create_task(local_bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    async with Bot(EXAMPLE_TOKEN, base_url=local_api.base_url) as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict):
        await asyncio.wait_for(first, 3)


# -- a whole Application -------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet with a button."""
    assert update.effective_message is not None
    await update.effective_message.reply_html("<b>Welcome</b>", reply_markup=keyboard("more"))


async def more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the button and replace the text."""
    query = update.callback_query
    assert query is not None
    await query.answer("Loading")
    await query.edit_message_text(f"You chose {query.data}")


async def test_application_answers_commands_and_buttons_through_polling(
    local_api: LocalBotApi,
) -> None:
    app = ApplicationBuilder().token(EXAMPLE_TOKEN).base_url(local_api.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(more))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        local_api.send_user_message(USER, "/start")
        [welcome] = await local_api.await_messages(USER, 1)
        update = local_api.press_button(USER, welcome["message_id"], "more")
        await local_api.await_calls("editMessageText")
        await app.updater.stop()
        await app.stop()
    [message] = local_api.messages(USER)
    assert (message["text"], message["reply_markup"], message["history"][0]["text"]) == (
        "You chose more",
        None,
        "<b>Welcome</b>",
    )
    assert local_api.callback_answer(update["callback_query"]["id"]) == {
        "text": "Loading",
        "show_alert": False,
        "url": None,
        "cache_time": None,
    }


async def test_server_also_runs_inside_the_current_event_loop() -> None:
    async with LocalBotApi(bot_username="other_bot") as api:
        api.add_chat(USER)
        async with Bot(EXAMPLE_TOKEN, base_url=api.base_url) as bot:
            assert (await bot.get_me()).username == "other_bot"
            waiting = asyncio.create_task(api.await_messages(USER, 1, timeout=3))
            await bot.send_message(USER, "same loop")
            assert [m["text"] for m in await waiting] == ["same loop"]


def test_wait_for_messages_blocks_until_they_arrive_or_times_out(local_api: LocalBotApi) -> None:
    local_api.add_chat(USER)
    url = f"{local_api.base_url}{EXAMPLE_TOKEN}/sendMessage"
    with pytest.raises(TimeoutError, match=r"expected 1 bot messages in chat 5001 .*got \[\]"):
        local_api.wait_for_messages(USER, 1, timeout=0.1)
    httpx.post(url, json={"chat_id": USER, "text": "hi"})
    assert [m["text"] for m in local_api.wait_for_messages(USER, 1, timeout=1)] == ["hi"]


# -- control API ---------------------------------------------------------------------------


async def test_control_api_lets_another_process_chat_with_the_bot(local_api: LocalBotApi) -> None:
    async with httpx.AsyncClient(base_url=f"{local_api.url}/_local") as control:
        sent = await control.post("/send", json={"chat_id": USER, "text": "/start"})
        assert sent.json()["result"]["message"]["entities"] == [
            {"type": "bot_command", "offset": 0, "length": 6}
        ]
        waiting = asyncio.create_task(
            control.get("/messages", params={"chat_id": USER, "after": 1, "wait": 5})
        )
        await asyncio.sleep(0.1)
        async with Bot(EXAMPLE_TOKEN, base_url=local_api.base_url) as bot:
            await bot.set_my_commands([("start", "Start")])
            await bot.send_message(USER, "Pick one", reply_markup=keyboard("x"))
        answer = (await waiting).json()
        assert [(m["message_id"], m["text"]) for m in answer["result"]] == [(2, "Pick one")]
        pressed = await control.post("/press", json={"chat_id": USER, "message_id": 2, "data": "x"})
        chats = await control.get("/chats")
        commands = await control.get("/commands")
        unknown_button = await control.post(
            "/press", json={"chat_id": USER, "message_id": 2, "data": "nope"}
        )
    assert pressed.json()["result"]["callback_query"]["data"] == "x"
    assert chats.json()["result"] == [
        {"id": USER, "type": "private", "first_name": "User 5001", "username": "user5001"}
    ]
    assert commands.json()["result"] == [{"command": "start", "description": "Start"}]
    assert (unknown_button.status_code, unknown_button.json()) == (
        400,
        {"ok": False, "description": "message 2 has no button with data 'nope'"},
    )


def test_control_messages_since_reports_edits(local_api: LocalBotApi) -> None:
    local_api.add_chat(USER)
    api_url = f"{local_api.base_url}{EXAMPLE_TOKEN}"
    httpx.post(f"{api_url}/sendMessage", json={"chat_id": USER, "text": "v1"})
    seen = httpx.get(f"{local_api.url}/_local/messages", params={"chat_id": USER}).json()
    httpx.post(f"{api_url}/editMessageText", json={"chat_id": USER, "message_id": 1, "text": "v2"})
    changed = httpx.get(
        f"{local_api.url}/_local/messages", params={"chat_id": USER, "since": seen["seq"]}
    ).json()
    assert [(m["text"], m["edited"]) for m in changed["result"]] == [("v2", True)]


def test_cli_serves_in_the_foreground() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "bot.localapi.server", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().rsplit(" ", 1)[-1].strip()
            response = httpx.get(f"{url}/bot{EXAMPLE_TOKEN}/getMe")
            assert response.json()["result"]["username"] == "newsbot_local_bot"
        finally:
            process.terminate()
