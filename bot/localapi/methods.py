"""The Bot API methods of the local server, with Telegram's validation and error answers.

Over 400 lines: one short function a Bot API method the bot uses, kept side by side so that
their validation reads alike.

Each method is a function ``(state, params) -> result`` run under the state's lock, raising
``ApiError`` with the status and description Telegram would give. Parameters arrive as JSON
or as form fields (python-telegram-bot sends forms, with objects such as ``reply_markup`` as
JSON strings); ``bot.localapi.params`` reads and checks them.
"""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable
from typing import Any

from bot.localapi.params import (
    Params,
    read_chat,
    read_markup,
    read_number,
    read_own_message,
    read_text,
    read_thread,
)
from bot.localapi.state import (
    MAX_DOWNLOAD_BYTES,
    MAX_UPLOAD_BYTES,
    ApiError,
    BotApiState,
    Chat,
    Upload,
    scope_key,
)

TOKEN_PATTERN = re.compile(r"[0-9]+:[A-Za-z0-9_-]{35}")
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_WEBHOOK_PORTS = frozenset({None, 80, 88, 443, 8443})
_MAX_UPDATES_TIMEOUT = 50  # seconds; Telegram caps long polling too
CAPTION_LIMIT = 1024


def begin_call(state: BotApiState, token: str, method: str) -> str:
    """Authenticate a call and name its method; raise 401 or 404."""
    with state.lock:
        if not TOKEN_PATTERN.fullmatch(token) or token in state.invalid_tokens:
            raise ApiError(401, "Unauthorized")
        state.bot_id = int(token.split(":", 1)[0])
        canonical = _CANONICAL.get(method.lower())
        if canonical is None:
            raise ApiError(404, "Not Found: method not found")
        return canonical


def call_method(state: BotApiState, method: str, params: Params) -> Any:
    """Run one (canonically named) method other than getUpdates."""
    with state.lock:
        return METHODS[method](state, params)


# -- getUpdates ----------------------------------------------------------------------------


def start_polling(state: BotApiState, params: Params) -> tuple[int, float]:
    """Begin a getUpdates call: (poll generation, seconds to wait); ends older polls."""
    with state.lock:
        if state.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            if not isinstance(allowed, list):
                raise ApiError(400, "Bad Request: can't parse allowed updates JSON array")
            state.allowed_updates = [str(kind) for kind in allowed] or None
        timeout = read_number(params, "timeout", 0)
        state.poll_generation += 1
        state.changed()  # an older poll still waiting must now give up, as on Telegram
        return state.poll_generation, max(0.0, min(float(timeout), _MAX_UPDATES_TIMEOUT))


def take_updates(state: BotApiState, params: Params, generation: int) -> list[dict[str, Any]]:
    """Confirm updates below ``offset`` and return the next batch (lock held)."""
    if generation != state.poll_generation:
        raise ApiError(
            409,
            "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running",
        )
    offset = read_number(params, "offset", 0)
    limit = max(1, min(100, read_number(params, "limit", 100)))
    if offset < 0:
        state.updates = state.updates[offset:]
    elif offset:
        state.updates = [update for update in state.updates if update["update_id"] >= offset]
    wanted = state.allowed_updates
    kept = [update for update in state.updates if _is_allowed(update, wanted)]
    state.updates = kept  # Telegram never delivers an update type the bot did not allow
    return [json.loads(json.dumps(update)) for update in kept[:limit]]


def _is_allowed(update: dict[str, Any], wanted: list[str] | None) -> bool:
    kind = next(key for key in update if key != "update_id")
    if wanted is None:
        return kind not in {"chat_member", "message_reaction", "message_reaction_count"}
    return kind in wanted


def _edit(state: BotApiState, chat: Chat, record: dict[str, Any], **changes: Any) -> Any:
    """Apply an edit, keeping the previous version in the message's history."""
    if all(record[key] == value for key, value in changes.items()):
        raise ApiError(
            400,
            "Bad Request: message is not modified: specified new message content and reply "
            "markup are exactly the same as a current content and reply markup of the message",
        )
    kept = ("text", "parse_mode", "visible_text", "reply_markup", "date", "edit_date")
    record["history"].append({key: record[key] for key in kept})
    record.update(changes, edited=True, edit_date=int(time.time()))
    state.seq += 1
    record["seq"] = state.seq
    state.changed()
    return state.message_json(chat, record)


# -- methods -------------------------------------------------------------------------------


def get_me(state: BotApiState, params: Params) -> Any:
    return {
        **state.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": state.supports_inline_queries,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def send_message(state: BotApiState, params: Params) -> Any:
    chat = read_chat(state, params, sending=True)
    thread_id = read_thread(chat, params)
    text, parse_mode, visible = read_text(params)
    markup = read_markup(params)
    state.check_flood(chat.id)
    record = state.new_message(chat, text, parse_mode, visible, markup, thread_id)
    state.count_sent(chat.id)
    state.changed()
    return state.message_json(chat, record)


def send_document(state: BotApiState, params: Params) -> Any:
    """A file: uploaded in the request (multipart), or a file_id the server already holds."""
    chat = read_chat(state, params, sending=True)
    thread_id = read_thread(chat, params)
    document = params.get("document")
    if isinstance(document, Upload):
        if not document.body:
            raise ApiError(400, "Bad Request: file must be non-empty")
        if len(document.body) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        content_type = document.content_type
        mime_type = None if content_type == "application/octet-stream" else content_type
        stored = state.store_file(document.body, document.filename or None, mime_type)
    elif isinstance(document, str) and document in state.files:
        stored = copy.deepcopy(state.files[document]["document"])
    elif document in (None, ""):
        raise ApiError(400, "Bad Request: there is no document in the request")
    else:
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
    caption, parse_mode, visible = None, None, None
    if params.get("caption"):
        caption, parse_mode, visible = read_text(
            {"text": params["caption"], "parse_mode": params.get("parse_mode")}
        )
        if len(visible) > CAPTION_LIMIT:
            raise ApiError(400, "Bad Request: message caption is too long")
    markup = read_markup(params)
    state.check_flood(chat.id)
    record = state.new_message(
        chat, caption, parse_mode, visible, markup, thread_id, document=stored
    )
    state.count_sent(chat.id)
    state.changed()
    return state.message_json(chat, record)


def get_file(state: BotApiState, params: Params) -> Any:
    """A file's path for downloading (``/file/bot<token>/<file_path>``), up to 20 MB."""
    stored = state.files.get(str(params.get("file_id") or ""))
    if stored is None:
        raise ApiError(400, "Bad Request: invalid file_id")
    document = stored["document"]
    if document["file_size"] > MAX_DOWNLOAD_BYTES:
        raise ApiError(400, "Bad Request: file is too big")
    return {
        "file_id": document["file_id"],
        "file_unique_id": document["file_unique_id"],
        "file_size": document["file_size"],
        "file_path": stored["file_path"],
    }


def edit_message_text(state: BotApiState, params: Params) -> Any:
    chat = read_chat(state, params)
    record = read_own_message(chat, params)
    text, parse_mode, visible = read_text(params)
    # as on Telegram, an edit without reply_markup removes the inline keyboard
    markup = read_markup(params)
    return _edit(
        state,
        chat,
        record,
        text=text,
        parse_mode=parse_mode,
        visible_text=visible,
        reply_markup=markup,
    )


def edit_message_reply_markup(state: BotApiState, params: Params) -> Any:
    chat = read_chat(state, params)
    record = read_own_message(chat, params)
    return _edit(state, chat, record, reply_markup=read_markup(params))


def answer_callback_query(state: BotApiState, params: Params) -> Any:
    query = state.callback_queries.get(str(params.get("callback_query_id", "")))
    if query is None or query["answer"] is not None:
        raise ApiError(
            400,
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
        )
    if len(str(params.get("text") or "")) > 200:
        raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
    query["answer"] = {
        "text": params.get("text"),
        "show_alert": params.get("show_alert") is True,
        "url": params.get("url"),
        "cache_time": params.get("cache_time"),
    }
    state.changed()
    return True


def send_chat_action(state: BotApiState, params: Params) -> Any:
    chat = read_chat(state, params, sending=True)
    thread_id = read_thread(chat, params)
    action = params.get("action")
    if action not in _CHAT_ACTIONS:
        raise ApiError(400, "Bad Request: wrong parameter action in request")
    state.chat_actions.append(
        {"chat_id": chat.id, "action": action, "message_thread_id": thread_id}
    )
    state.changed()
    return True


def get_chat(state: BotApiState, params: Params) -> Any:
    chat = read_chat(state, params)
    gifts = (
        "unlimited_gifts",
        "limited_gifts",
        "unique_gifts",
        "premium_subscription",
        "gifts_from_channels",
    )
    return {
        **chat.json(state.users),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": dict.fromkeys(gifts, False),
    }


def _member(state: BotApiState, chat: Chat, user_id: int) -> dict[str, Any]:
    """The ChatMember object for a user (or the bot) in a chat."""
    if user_id == state.bot_id:
        user = state.bot_user()
    elif user_id in state.users:
        user = dict(state.users[user_id])
    elif chat.type == "private":
        raise ApiError(400, "Bad Request: user not found")
    else:
        user = state.add_user(user_id)
    if chat.type == "private":
        return {"status": "member", "user": user}
    if user_id == chat.creator_id:
        return {"status": "creator", "user": user, "is_anonymous": False}
    if user_id in chat.admins:
        rights = (
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_change_info",
            "can_invite_users",
            "can_pin_messages",
        )
        return {
            "status": "administrator",
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
            **dict.fromkeys(rights, True),
            **dict.fromkeys(
                (
                    "can_promote_members",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                ),
                False,
            ),
        }
    if user_id in chat.members or user_id == state.bot_id:
        return {"status": "member", "user": user}
    return {"status": "left", "user": user}


def get_chat_member(state: BotApiState, params: Params) -> Any:
    chat = read_chat(state, params)
    user_id = params.get("user_id")
    if not isinstance(user_id, int):
        raise ApiError(400, "Bad Request: invalid user_id specified")
    return _member(state, chat, user_id)


def get_chat_administrators(state: BotApiState, params: Params) -> Any:
    chat = read_chat(state, params)
    if chat.type == "private":
        raise ApiError(400, "Bad Request: there are no administrators in the private chat")
    ids = ([chat.creator_id] if chat.creator_id is not None else []) + sorted(chat.admins)
    return [_member(state, chat, user_id) for user_id in dict.fromkeys(ids)]


def set_webhook(state: BotApiState, params: Params) -> Any:
    url = str(params.get("url") or "")
    if not url:
        state.webhook = None
        return True
    match = re.match(r"https://[^/:]+(?::([0-9]+))?", url)
    if match is None:
        raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    if (int(match.group(1)) if match.group(1) else None) not in _WEBHOOK_PORTS:
        raise ApiError(
            400, "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
        )
    secret = params.get("secret_token")
    if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
        raise ApiError(400, "Bad Request: secret token contains unallowed characters")
    if params.get("drop_pending_updates"):
        state.updates.clear()
    state.webhook = {
        "url": url,
        "secret_token": secret,
        "allowed_updates": params.get("allowed_updates"),
    }
    return True


def delete_webhook(state: BotApiState, params: Params) -> Any:
    state.webhook = None
    if params.get("drop_pending_updates"):
        state.updates.clear()
    return True


def get_webhook_info(state: BotApiState, params: Params) -> Any:
    info: dict[str, Any] = {
        "url": state.webhook["url"] if state.webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    if state.webhook:
        info["max_connections"] = 40
        if state.webhook["allowed_updates"]:
            info["allowed_updates"] = state.webhook["allowed_updates"]
    return info


_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)


def _commands_key(state: BotApiState, params: Params) -> tuple[str, str]:
    scope = params.get("scope")
    if scope is not None and not isinstance(scope, dict):
        raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
    if scope is not None:
        kind = scope.get("type")
        if kind not in _SCOPES:
            raise ApiError(400, "Bad Request: wrong BotCommandScope type specified")
        if kind in ("chat", "chat_administrators", "chat_member"):
            # Telegram refuses a chat the bot never met ("chat not found"), and a group's
            # admin scope in a private chat.
            chat = read_chat(state, {"chat_id": scope.get("chat_id")})
            if kind == "chat_administrators" and chat.type == "private":
                raise ApiError(400, "Bad Request: can't use chat_administrators in private chats")
            if kind == "chat_member" and not isinstance(scope.get("user_id"), int):
                raise ApiError(400, "Bad Request: invalid user_id specified")
    language = str(params.get("language_code") or "")
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise ApiError(400, "Bad Request: invalid language code specified")
    return scope_key(scope), language


def set_my_commands(state: BotApiState, params: Params) -> Any:
    commands = params.get("commands")
    if not isinstance(commands, list):
        raise ApiError(400, "Bad Request: can't parse commands JSON object")
    if len(commands) > 100:
        raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
    cleaned = []
    for command in commands:
        name = str(command.get("command", "")) if isinstance(command, dict) else ""
        description = str(command.get("description", "")).strip() if name else ""
        if not _COMMAND.fullmatch(name):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": name, "description": description})
    key = _commands_key(state, params)
    if cleaned:
        state.my_commands[key] = cleaned
    else:
        state.my_commands.pop(key, None)
    state.changed()
    return True


def get_my_commands(state: BotApiState, params: Params) -> Any:
    return [dict(command) for command in state.my_commands.get(_commands_key(state, params), [])]


def delete_my_commands(state: BotApiState, params: Params) -> Any:
    state.my_commands.pop(_commands_key(state, params), None)
    state.changed()
    return True


def close(state: BotApiState, params: Params) -> Any:
    return True


_INLINE_RESULT_TYPES = frozenset(
    {"article", "photo", "gif", "mpeg4_gif", "video", "audio", "voice", "document"}
)


def answer_inline_query(state: BotApiState, params: Params) -> Any:
    """Telegram's checks: a live query answered once, ≤ 50 results, unique ids ≤ 64 bytes,
    articles with a title and a message whose text parses."""
    query = state.inline_queries.get(str(params.get("inline_query_id", "")))
    if query is None or query["answer"] is not None:
        raise ApiError(
            400,
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
        )
    results = params.get("results")
    if not isinstance(results, list):
        raise ApiError(400, "Bad Request: can't parse inline query results JSON object")
    next_offset = params.get("next_offset")
    if next_offset is not None and len(str(next_offset).encode("utf-8")) > 64:
        raise ApiError(400, "Bad Request: NEXT_OFFSET_INVALID")
    if len(results) > 50:
        raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
    seen: set[str] = set()
    checked = []
    for result in results:
        if not isinstance(result, dict) or result.get("type") not in _INLINE_RESULT_TYPES:
            raise ApiError(400, "Bad Request: RESULT_TYPE_INVALID")
        result_id = str(result.get("id", ""))
        if not 1 <= len(result_id.encode("utf-8")) <= 64 or result_id in seen:
            raise ApiError(400, "Bad Request: RESULT_ID_INVALID" if result_id not in seen
                           else "Bad Request: RESULT_ID_DUPLICATE")  # fmt: skip
        seen.add(result_id)
        result = dict(result)
        if result["type"] == "article":
            if not str(result.get("title") or "").strip():
                raise ApiError(400, "Bad Request: RESULT_TITLE_EMPTY")
            content = result.get("input_message_content")
            if not isinstance(content, dict):
                raise ApiError(400, "Bad Request: MESSAGE_EMPTY")
            text, parse_mode, visible = read_text(
                {"text": content.get("message_text"), "parse_mode": content.get("parse_mode")}
            )
            result["input_message_content"] = {
                **content, "message_text": text, "parse_mode": parse_mode, "visible_text": visible
            }  # fmt: skip
        if "reply_markup" in result:
            result["reply_markup"] = read_markup({"reply_markup": result["reply_markup"]})
        checked.append(result)
    query["answer"] = {
        "results": checked,
        "cache_time": params.get("cache_time"),
        "is_personal": params.get("is_personal") is True,
        # Telegram treats an empty next_offset as "no more results", as it does an absent one.
        "next_offset": str(next_offset) if next_offset not in (None, "") else None,
    }
    state.changed()
    return True


METHODS: dict[str, Callable[[BotApiState, Params], Any]] = {
    "getMe": get_me,
    "sendMessage": send_message,
    "sendDocument": send_document,
    "getFile": get_file,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "answerCallbackQuery": answer_callback_query,
    "sendChatAction": send_chat_action,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getChatAdministrators": get_chat_administrators,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "close": close,
    "logOut": close,
    "answerInlineQuery": answer_inline_query,
}
# Telegram matches method names case-insensitively
_CANONICAL = {name.lower(): name for name in [*METHODS, "getUpdates"]}
