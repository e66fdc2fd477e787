"""What tests and the sandbox make happen on the local Bot API: users and chats acting.

``ScenarioControls`` adds to the recorded world (``bot.localapi.state``) the things a
person or Telegram itself does: a user writes or presses a button, blocks the bot, a group
is upgraded to a supergroup, a forum topic closes, flood limits apply, and calls meet
injected faults (``bot.localapi.faults``: dropped connections, hangs, silence, 5xx, 429
storms, 403, 400). Each returns or queues exactly what Telegram would deliver to the bot.

Over 400 lines: every act of a user or of Telegram (messages, documents, buttons, inline
queries, channels, members) builds updates through the same helpers under one lock.
"""

from __future__ import annotations

import copy
from typing import Any

from bot.localapi.faults import Fault, FaultPlan
from bot.localapi.state import BotApiState, Chat

DEFAULT_USER_ID = 424242  # who writes in a group when a test does not say


class ScenarioControls(BotApiState):
    """The recorded world plus the switches and user actions that change it."""

    def __init__(self, **names: str) -> None:
        super().__init__(**names)
        self.faults = FaultPlan()  # see bot.localapi.faults

    # -- chats changing ------------------------------------------------------------------

    def set_admin(self, chat_id: int, user_id: int, is_admin: bool = True) -> None:
        """Make ``user_id`` (the bot's id included) an administrator of a chat, or not."""
        with self.lock:
            chat = self.ensure_chat(chat_id)
            if is_admin:
                chat.admins.add(user_id)
                chat.members.add(user_id)
            else:
                chat.admins.discard(user_id)

    def block_chat(self, chat_id: int, blocked: bool = True) -> None:
        """The user blocks the bot: sending there answers 403."""
        with self.lock:
            self.ensure_chat(chat_id).blocked = blocked

    def kick_from_chat(self, chat_id: int, kicked: bool = True) -> None:
        """The bot is removed from a group: every call about it answers 403."""
        with self.lock:
            self.ensure_chat(chat_id).kicked = kicked

    def migrate_chat(self, old_id: int, new_id: int, *, notify: bool = True) -> None:
        """Upgrade a group to a supergroup; with ``notify``, queue Telegram's service messages."""
        with self.lock:
            old = self.ensure_chat(old_id)
            new = self.ensure_chat(new_id, "supergroup", old.title, creator_id=old.creator_id)
            new.admins |= old.admins
            new.members |= old.members
            old.migrated_to = new_id
            if notify:
                user_id = old.creator_id or DEFAULT_USER_ID
                self._user_message(old, user_id, None, None, {"migrate_to_chat_id": new_id})
                self._user_message(new, user_id, None, None, {"migrate_from_chat_id": old_id})
            self.changed()

    def add_topic(self, chat_id: int, thread_id: int) -> None:
        """Open a forum topic the bot may post into."""
        with self.lock:
            self.ensure_chat(chat_id, is_forum=True).topics[thread_id] = False

    def close_topic(self, chat_id: int, thread_id: int) -> None:
        """Close a forum topic: posting into it answers 400 TOPIC_CLOSED."""
        with self.lock:
            self.ensure_chat(chat_id, is_forum=True).topics[thread_id] = True

    def invalidate_token(self, token: str) -> None:
        """Make every call with ``token`` answer 401 Unauthorized."""
        with self.lock:
            self.invalid_tokens.add(token)

    # -- failures and limits -------------------------------------------------------------

    def inject(
        self,
        method: str,
        fault: Fault,
        *,
        chat_id: int | str | None = None,
        count: int | None = 1,
    ) -> None:
        """Make the next ``count`` calls of ``method`` (to ``chat_id``, or any chat) meet
        ``fault``; ``count=None`` keeps it armed until ``clear_faults``: a storm."""
        with self.lock:
            self.faults.add(method, fault, chat_id=chat_id, count=count)

    def clear_faults(self, method: str | None = None) -> None:
        """Disarm every injected fault (of one method)."""
        with self.lock:
            self.faults.clear(method)

    def take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        """The fault armed for this call, if any (used by the server for each call)."""
        with self.lock:
            return self.faults.take(method, params.get("chat_id"))

    def fail_next(
        self,
        method: str,
        count: int = 1,
        status: int = 429,
        retry_after: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` answer an error instead."""
        fault = Fault.status(status, description, retry_after=retry_after)
        self.inject(method, fault, count=count)

    def rate_limit(
        self,
        per_second: float | None = 30,
        per_group_per_minute: float | None = 20,
        per_chat_per_second: float | None = None,
    ) -> None:
        """Enforce Telegram's flood limits on sendMessage (``None`` switches one off)."""
        with self.lock:
            self.limits = {
                "per_second": per_second,
                "per_group_per_minute": per_group_per_minute,
                "per_chat_per_second": per_chat_per_second,
            }
            self.sent_at.clear()

    # -- what users do -------------------------------------------------------------------

    def send_user_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        chat_title: str | None = None,
        message_thread_id: int | None = None,
        is_forum: bool = False,
        language_code: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """A user writes ``text`` in a chat; return the queued Update.

        ``chat_type`` defaults from the id: positive → private, ``-100…`` → supergroup,
        other negative → group. A leading ``/command`` gets its bot_command entity. With
        ``reply_to_message_id``, the message replies to that one (``reply_to_message``).
        """
        if not text:
            raise ValueError("a user message needs text")
        with self.lock:
            chat, user_id = self._speaker(chat_id, user_id, chat_type, chat_title, is_forum)
            if language_code is not None:
                self.add_user(user_id, language_code=language_code)
            extra: dict[str, Any] = {"text": text}
            command = _command_length(text)
            if command:
                extra["entities"] = [{"type": "bot_command", "offset": 0, "length": command}]
            if reply_to_message_id is not None:
                extra["reply_to_message"] = self._replied(chat, reply_to_message_id)
            if message_thread_id is not None and chat.is_forum:
                chat.topics.setdefault(message_thread_id, False)
            update = self._user_message(chat, user_id, message_thread_id, text, extra)
            self.changed()
            return copy.deepcopy(update)

    def send_user_document(
        self,
        chat_id: int,
        file_name: str,
        content: bytes,
        *,
        caption: str | None = None,
        mime_type: str | None = None,
        user_id: int | None = None,
        chat_type: str | None = None,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        """A user sends a file (a Document) in a chat, with an optional caption; return the
        queued Update. The bot may then getFile it and download its bytes. A caption that
        starts with ``/command`` gets its bot_command caption entity, as on Telegram."""
        if not content:
            raise ValueError("Telegram does not send empty files")
        with self.lock:
            chat, user_id = self._speaker(chat_id, user_id, chat_type, None, False)
            if language_code is not None:
                self.add_user(user_id, language_code=language_code)
            document = self.store_file(content, file_name, mime_type)
            extra: dict[str, Any] = {"document": document}
            if caption:
                extra["caption"] = caption
                command = _command_length(caption)
                if command:
                    extra["caption_entities"] = [
                        {"type": "bot_command", "offset": 0, "length": command}
                    ]
            update = self._user_message(chat, user_id, None, caption, extra, document=document)
            self.changed()
            return copy.deepcopy(update)

    def _speaker(
        self,
        chat_id: int,
        user_id: int | None,
        chat_type: str | None,
        chat_title: str | None,
        is_forum: bool,
    ) -> tuple[Chat, int]:
        """The chat a user writes in, and who writes (lock held)."""
        chat = self.ensure_chat(chat_id, chat_type, chat_title, is_forum)
        if chat.type == "private":
            if user_id not in (None, chat_id):
                raise ValueError("in a private chat the user id is the chat id")
            user_id = chat_id
        elif user_id is None:
            user_id = DEFAULT_USER_ID
        if chat.type == "channel":
            raise ValueError("in a channel, post with send_channel_post")
        if chat.type != "private" and chat.creator_id is None:
            chat.creator_id = user_id  # whoever speaks first made the group
        return chat, user_id

    def _replied(self, chat: Chat, message_id: int) -> dict[str, Any]:
        """The Message a reply quotes (lock held), as Telegram nests it: one level deep."""
        record = chat.messages.get(message_id)
        if record is None:
            raise ValueError(f"no message {message_id} in chat {chat.id} to reply to")
        replied = self.message_json(chat, record)
        replied.pop("reply_to_message", None)
        return replied

    def _user_message(
        self,
        chat: Chat,
        user_id: int,
        thread_id: int | None,
        text: str | None,
        extra: dict[str, Any],
        *,
        document: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        self.add_user(user_id)
        chat.members.add(user_id)
        record = self.new_message(
            chat, text, None, text, None, thread_id, user_id=user_id, document=document
        )
        message = self.message_json(chat, record)
        message.update(extra)
        record["json"] = message
        return self.queue_update({"message": message})

    def press_button(
        self, chat_id: int, message_id: int, data: str, user_id: int | None = None
    ) -> dict[str, Any]:
        """A user presses the inline button carrying ``data``; return the queued Update."""
        with self.lock:
            chat = self.chats.get(chat_id)
            record = chat.messages.get(message_id) if chat else None
            if chat is None or record is None or not record["from_bot"]:
                raise ValueError(f"the bot sent no message {message_id} in chat {chat_id}")
            rows = (record["reply_markup"] or {}).get("inline_keyboard", [])
            if not any(button.get("callback_data") == data for row in rows for button in row):
                raise ValueError(f"message {message_id} has no button with data {data!r}")
            if user_id is None:
                user_id = chat_id if chat.type == "private" else DEFAULT_USER_ID
            user = self.add_user(user_id)
            query_id = str(len(self.callback_queries) + 1)
            self.callback_queries[query_id] = {"id": query_id, "answer": None}
            query = {
                "id": query_id,
                "from": user,
                "message": self.message_json(chat, record),
                "chat_instance": str(abs(chat_id)),
                "data": data,
            }
            update = self.queue_update({"callback_query": query})
            self.changed()
            return copy.deepcopy(update)

    def press_forged_button(
        self,
        data: str,
        *,
        chat_id: int | None = None,
        message_id: int | None = None,
        inline_message_id: str | None = None,
        user_id: int = DEFAULT_USER_ID,
    ) -> dict[str, Any]:
        """A button press the bot never offered: any data, under a message of the bot's in a
        chat, or under an inline message (``inline_message_id``); return the queued Update."""
        with self.lock:
            user = self.add_user(user_id)
            query_id = str(len(self.callback_queries) + 1)
            self.callback_queries[query_id] = {"id": query_id, "answer": None}
            query: dict[str, Any] = {"id": query_id, "from": user, "data": data}
            if inline_message_id is not None:
                query.update(inline_message_id=inline_message_id, chat_instance="inline")
            else:
                chat = self.chats.get(chat_id) if chat_id is not None else None
                record = chat.messages.get(message_id or 0) if chat else None
                if chat is None or record is None:
                    raise ValueError(f"no message {message_id} in chat {chat_id}")
                query.update(
                    message=self.message_json(chat, record), chat_instance=str(abs(chat.id))
                )
            update = self.queue_update({"callback_query": query})
            self.changed()
            return copy.deepcopy(update)

    def send_inline_query(
        self, user_id: int, query: str, *, chat_type: str = "private", offset: str = ""
    ) -> dict[str, Any]:
        """A user types "@bot query" in some chat; return the queued Update."""
        with self.lock:
            user = self.add_user(user_id)
            query_id = f"iq{len(self.inline_queries) + 1}"
            self.inline_queries[query_id] = {"id": query_id, "user_id": user_id, "answer": None}
            body = {
                "id": query_id,
                "from": user,
                "query": query[:256],  # Telegram cuts inline queries at 256 characters
                "offset": offset,
                "chat_type": chat_type,
            }
            update = self.queue_update({"inline_query": body})
            self.changed()
            return copy.deepcopy(update)

    def choose_inline_result(self, chat_id: int, query_id: str, result_id: str) -> dict[str, Any]:
        """The user picks one of the bot's inline results: it is posted in ``chat_id`` as the
        user's message "via @bot"; return that message's record."""
        with self.lock:
            query = self.inline_queries.get(query_id)
            answer = query["answer"] if query else None
            if answer is None:
                raise ValueError(f"inline query {query_id!r} has no answer to choose from")
            result = next((r for r in answer["results"] if str(r["id"]) == result_id), None)
            if result is None or result["type"] != "article":
                raise ValueError(f"no article result {result_id!r} in the answer")
            content = result["input_message_content"]
            chat = self.ensure_chat(chat_id)
            user_id = query["user_id"] if query else DEFAULT_USER_ID
            self.add_user(user_id)
            chat.members.add(user_id)
            record = self.new_message(
                chat,
                content["message_text"],
                content.get("parse_mode"),
                content["visible_text"],
                result.get("reply_markup"),
                None,
                user_id=user_id,
            )
            record["via_bot"] = self.bot_username
            self.changed()
            return copy.deepcopy({k: v for k, v in record.items() if k != "json"})

    def add_channel(
        self, chat_id: int, title: str, *, username: str | None = None, owner_id: int | None = None
    ) -> dict[str, Any]:
        """A channel (id -100…) owned by ``owner_id``; the bot posts once made an admin."""
        with self.lock:
            chat = self.ensure_chat(chat_id, "channel", title, creator_id=owner_id)
            if username:
                chat.username = username.lstrip("@")
            return chat.json(self.users)

    def send_channel_post(self, chat_id: int, text: str) -> dict[str, Any]:
        """An administrator posts ``text`` in a channel; return the queued Update.

        A channel post has no sender: ``sender_chat`` is the channel itself.
        """
        with self.lock:
            chat = self.chats.get(chat_id)
            if chat is None or chat.type != "channel":
                raise ValueError(f"chat {chat_id} is not a channel")
            record = self.new_message(chat, text, None, text, None, None, user_id=0)
            message = {
                "message_id": record["message_id"],
                "sender_chat": chat.json(self.users),
                "chat": chat.json(self.users),
                "date": record["date"],
                "text": text,
            }
            command = _command_length(text)
            if command:
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": command}]
            record["json"] = message
            update = self.queue_update({"channel_post": message})
            self.changed()
            return copy.deepcopy(update)

    def inject_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue any Update body (without ``update_id``); return it with its id."""
        with self.lock:
            queued = self.queue_update(copy.deepcopy(update))
            self.changed()
            return copy.deepcopy(queued)


def _command_length(text: str) -> int:
    """Length of a leading ``/command[@bot]`` (0 if none), as Telegram marks it."""
    if not text.startswith("/"):
        return 0
    end = 1
    while end < len(text) and (text[end].isalnum() or text[end] in "_@"):
        end += 1
    return end if end > 1 else 0
