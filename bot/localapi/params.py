"""How the local Bot API reads and checks call parameters, with Telegram's error answers.

Parameters arrive as JSON or as form fields (python-telegram-bot sends forms, with objects
such as ``reply_markup`` as JSON strings); ``normalise_params`` gives both the same types.
The ``read_…`` functions then take one parameter each and raise the ``ApiError`` Telegram
gives for it: unknown, blocked or upgraded chats, closed topics, over-long or badly
formatted text, invalid inline buttons.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from typing import Any

from bot.localapi.html import MESSAGE_LIMIT, HtmlRejected, visible_text
from bot.localapi.state import ApiError, BotApiState, Chat

Params = dict[str, Any]

_INT_PARAMS = frozenset(
    {
        "chat_id",
        "message_id",
        "message_thread_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "reply_to_message_id",
        "cache_time",
        "max_connections",
    }
)
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "link_preview_options",
        "reply_parameters",
        "results",
        "button",
        "input_message_content",
    }
)
_BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "drop_pending_updates",
        "show_alert",
        "allow_sending_without_reply",
        "is_personal",
    }
)


def normalise_params(raw: Mapping[str, Any]) -> Params:
    """Give form and JSON parameters the same types: ints, decoded JSON objects, booleans."""
    params: Params = {}
    for name, value in raw.items():
        if isinstance(value, str):
            if name in _INT_PARAMS and re.fullmatch(r"-?[0-9]+", value.strip()):
                value = int(value)
            elif name in _JSON_PARAMS and value.strip():
                # left as a string when broken: the method answers "can't parse"
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            elif name in _BOOL_PARAMS and value.lower() in ("true", "false", "1", "0"):
                value = value.lower() in ("true", "1")
        params[name] = value
    return params


def read_number(params: Params, name: str, default: int) -> int:
    """An integer parameter, or ``default`` when absent."""
    value = params.get(name, default)
    if value in (None, ""):
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(400, f"Bad Request: invalid {name} specified")
    return int(value)


def read_chat(state: BotApiState, params: Params, *, sending: bool = False) -> Chat:
    """The chat a call is about, with Telegram's answers for gone, blocked or moved chats."""
    chat_id = params.get("chat_id")
    if chat_id in (None, ""):
        raise ApiError(400, "Bad Request: chat_id is empty")
    if isinstance(chat_id, str) and chat_id.startswith("@"):
        wanted = chat_id[1:].lower()
        chat_id = next(
            (
                user_id
                for user_id, user in state.users.items()
                if str(user.get("username")).lower() == wanted and user_id in state.chats
            ),
            None,
        ) or next(
            (
                known.id
                for known in state.chats.values()
                if (known.username or "").lower() == wanted
            ),
            None,
        )
    chat = state.chats.get(chat_id) if isinstance(chat_id, int) else None
    if chat is None:
        raise ApiError(400, "Bad Request: chat not found")
    if chat.kicked:
        raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
    if chat.migrated_to is not None:
        raise ApiError(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": chat.migrated_to},
        )
    if sending and chat.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    if sending and chat.type == "channel" and state.bot_id not in chat.admins:
        # Only a channel's administrators post there, bots included.
        raise ApiError(403, "Forbidden: bot is not a member of the channel chat")
    return chat


def read_thread(chat: Chat, params: Params) -> int | None:
    """The forum topic (or reply thread) a message goes to, if it exists and is open."""
    thread_id = params.get("message_thread_id")
    if thread_id in (None, ""):
        return None
    known = thread_id in chat.topics if chat.is_forum else thread_id in chat.messages
    if not known:
        raise ApiError(400, "Bad Request: message thread not found")
    if chat.topics.get(thread_id):
        raise ApiError(400, "Bad Request: TOPIC_CLOSED")
    return int(thread_id)


def read_text(params: Params) -> tuple[str, str | None, str]:
    """(text as sent, parse mode, text after entity parsing), checked like Telegram does."""
    text = params.get("text")
    if isinstance(text, int | float):
        text = str(text)
    if not isinstance(text, str) or not text:
        raise ApiError(400, "Bad Request: message text is empty")
    parse_mode = params.get("parse_mode") or None
    visible = text
    if parse_mode is not None:
        mode = str(parse_mode).lower()
        if mode not in ("html", "markdown", "markdownv2"):
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        if mode == "html":  # Markdown modes are stored unchecked
            try:
                visible = visible_text(text)
            except HtmlRejected as error:
                raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
    if not visible.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if len(visible) > MESSAGE_LIMIT:
        raise ApiError(400, "Bad Request: message is too long")
    return text, parse_mode, visible


def read_markup(params: Params) -> dict[str, Any] | None:
    """The reply markup of a message, with inline buttons checked like Telegram does."""
    markup = params.get("reply_markup")
    if markup in (None, ""):
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, "Bad Request: can't parse inline keyboard button: field must be Array")
    for button in (button for row in rows for button in row):
        if not isinstance(button, dict) or not button.get("text"):
            raise ApiError(400, "Bad Request: can't parse inline keyboard button: Text is empty")
        if "callback_data" in button:
            size = len(str(button["callback_data"]).encode("utf-8"))
            if not 1 <= size <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        elif len(button) == 1:
            raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
    return markup


def read_own_message(chat: Chat, params: Params) -> dict[str, Any]:
    """The bot's message an edit is about."""
    if params.get("inline_message_id"):
        raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
    message_id = params.get("message_id")
    if message_id in (None, ""):
        raise ApiError(400, "Bad Request: message identifier is not specified")
    record = chat.messages.get(message_id)
    if record is None:
        raise ApiError(400, "Bad Request: message to edit not found")
    if not record["from_bot"]:
        raise ApiError(400, "Bad Request: message can't be edited")
    return record
