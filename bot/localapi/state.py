"""The world behind the local Bot API server: users, chats, messages, updates and call log.

Over 400 lines: Telegram's state for one bot is one lock's worth of data, and splitting it
would split what the lock guards.

``BotApiState`` is what Telegram knows about one bot: who wrote to it, what it sent where,
which updates wait to be fetched, and every call it made. Tests read what the bot did
through it (``messages``, ``calls``, ``commands``, ``chat_actions``). Every access holds one
re-entrant lock; waiting for a change works from any thread (``wait_until_blocking``) or
event loop (``wait_until``). Users acting and chats changing are in
``bot.localapi.scenario``; the Bot API methods in ``bot.localapi.methods``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import hashlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")
# Files: what a bot may upload (sendDocument) and download (getFile), as Telegram limits them.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
# Telegram's default when a bot never chose allowed_updates
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class ApiError(Exception):
    """A Bot API error answer: HTTP status, Telegram's description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram answers with."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass(frozen=True)
class Upload:
    """A file in a multipart request: the part's file name, content type and bytes."""

    filename: str
    content_type: str
    body: bytes = field(repr=False)

    def summary(self) -> dict[str, Any]:
        """What the call log keeps of it (JSON, without the bytes)."""
        return {"upload": self.filename, "content_type": self.content_type, "size": len(self.body)}


@dataclass
class Chat:
    """One chat as Telegram sees it, with the switches tests flip."""

    id: int
    type: str
    title: str | None = None
    is_forum: bool = False
    creator_id: int | None = None
    admins: set[int] = field(default_factory=set)
    members: set[int] = field(default_factory=set)
    topics: dict[int, bool] = field(default_factory=dict)  # thread id -> is closed
    blocked: bool = False
    kicked: bool = False
    migrated_to: int | None = None
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_message_id: int = 1
    username: str | None = None  # a public channel or group: "@name" reaches it

    def json(self, users: dict[int, dict[str, Any]]) -> dict[str, Any]:
        """The Chat object of the Bot API."""
        if self.type == "private":
            user = users.get(self.id, {})
            chat = {"id": self.id, "type": "private", "first_name": user.get("first_name", "")}
            if user.get("username"):
                chat["username"] = user["username"]
            return chat
        chat = {"id": self.id, "type": self.type, "title": self.title or f"Chat {self.id}"}
        if self.is_forum:
            chat["is_forum"] = True
        if self.username:
            chat["username"] = self.username
        return chat


class BotApiState:
    """Everything the fake Telegram knows about one bot, guarded by one lock."""

    def __init__(self, *, bot_username: str = "newsbot_local_bot", bot_first_name: str = "Newsbot"):
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.bot_id = 0  # learnt from the token of the first call
        self.lock = threading.RLock()
        self._condition = threading.Condition(self.lock)
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self.closing = False
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, Chat] = {}
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = 1
        self.allowed_updates: list[str] | None = None
        self.poll_generation = 0
        self.webhook: dict[str, Any] | None = None
        self.invalid_tokens: set[str] = set()
        self.my_commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.chat_actions: list[dict[str, Any]] = []
        self.call_log: list[dict[str, Any]] = []
        self.limits: dict[str, float | None] = {}
        self.sent_at: dict[object, collections.deque[float]] = {}
        self.seq = 0  # bumps on every message created or edited, for change polling
        self.inline_queries: dict[str, dict[str, Any]] = {}  # id -> query and its answer
        self.supports_inline_queries = True  # as after /setinline at @BotFather
        self.files: dict[str, dict[str, Any]] = {}  # file_id -> Document and its bytes

    # -- waiting -------------------------------------------------------------------------

    def changed(self) -> None:
        """Wake everyone waiting for a change (call with the lock held)."""
        self._condition.notify_all()
        waiters, self._waiters = self._waiters, []
        for loop, event in waiters:
            # a closed loop raises RuntimeError: nobody is waiting there any more
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    async def wait_until(self, check: Callable[[], T], timeout: float) -> T:
        """Await until ``check()`` (run under the lock) is truthy or ``timeout`` passes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = asyncio.Event()
            with self.lock:
                result = check()
                remaining = deadline - loop.time()
                if result or self.closing or remaining <= 0:
                    return result
                self._waiters.append((loop, event))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def wait_until_blocking(self, check: Callable[[], T], timeout: float) -> T:
        """Block this thread until ``check()`` is truthy or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                result = check()
                remaining = deadline - time.monotonic()
                if result or self.closing or remaining <= 0:
                    return result
                self._condition.wait(remaining)

    # -- users and chats -----------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        """The User object of the bot."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        """Create or update a user; return its User object."""
        with self.lock:
            user = self.users.setdefault(
                user_id,
                {
                    "id": user_id,
                    "is_bot": False,
                    "first_name": f"User {user_id}",
                    "username": f"user{user_id}",
                    "language_code": language_code or "en",
                },
            )
            if language_code is not None:
                user["language_code"] = language_code
            if first_name is not None:
                user["first_name"] = first_name
            if username is not None:
                user["username"] = username
            return copy.deepcopy(user)

    def add_chat(
        self,
        chat_id: int,
        *,
        chat_type: str | None = None,
        title: str | None = None,
        is_forum: bool = False,
        creator_id: int | None = None,
    ) -> dict[str, Any]:
        """Create a chat (or return the existing one) as a Chat object."""
        with self.lock:
            return self.ensure_chat(chat_id, chat_type, title, is_forum, creator_id).json(
                self.users
            )

    def ensure_chat(
        self,
        chat_id: int,
        chat_type: str | None = None,
        title: str | None = None,
        is_forum: bool = False,
        creator_id: int | None = None,
    ) -> Chat:
        chat = self.chats.get(chat_id)
        if chat is None:
            kind = chat_type or _infer_chat_type(chat_id)
            if (kind == "private") != (chat_id > 0) or kind not in _CHAT_TYPES:
                raise ValueError(f"chat {chat_id} cannot be a {kind!r} chat")
            if kind == "private":
                self.add_user(chat_id)
            chat = Chat(id=chat_id, type=kind, title=title, is_forum=is_forum)
            self.chats[chat_id] = chat
        if title is not None:
            chat.title = title
        if is_forum:
            chat.is_forum = True
        if creator_id is not None:
            chat.creator_id = creator_id
            chat.members.add(creator_id)
        return chat

    # -- flood accounting ----------------------------------------------------------------

    def _flood_windows(self, chat_id: int) -> list[tuple[object, float | None, float]]:
        return [
            ("all", self.limits.get("per_second"), 1.0),
            (
                ("group", chat_id),
                self.limits.get("per_group_per_minute") if chat_id < 0 else None,
                60.0,
            ),
            (("chat", chat_id), self.limits.get("per_chat_per_second"), 1.0),
        ]

    def check_flood(self, chat_id: int) -> None:
        """Raise 429 if one more message to ``chat_id`` would exceed a limit."""
        now = time.monotonic()
        for key, limit, window in self._flood_windows(chat_id):
            if limit is None:
                continue
            stamps = self.sent_at.setdefault(key, collections.deque())
            while stamps and stamps[0] <= now - window:
                stamps.popleft()
            if len(stamps) >= limit:
                wait = max(1, math.ceil(stamps[0] + window - now))
                raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})

    def count_sent(self, chat_id: int) -> None:
        """Remember a message sent, for the flood limits."""
        now = time.monotonic()
        for key, limit, _window in self._flood_windows(chat_id):
            if limit is not None:
                self.sent_at.setdefault(key, collections.deque()).append(now)

    def queue_update(self, body: dict[str, Any]) -> dict[str, Any]:
        """Append an update to the queue (lock held)."""
        update = {"update_id": self.next_update_id, **body}
        self.next_update_id += 1
        self.updates.append(update)
        return update

    # -- files ---------------------------------------------------------------------------

    def store_file(
        self, content: bytes, file_name: str | None, mime_type: str | None
    ) -> dict[str, Any]:
        """Keep an uploaded file (lock held); return its Document object."""
        number = len(self.files) + 1
        file_id = f"BQACAgIAAxkBAAI{number:06d}"
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1][:16]
        document: dict[str, Any] = {
            "file_id": file_id,
            "file_unique_id": hashlib.sha256(content).hexdigest()[:16],
            "file_size": len(content),
        }
        if file_name:
            document["file_name"] = file_name
        if mime_type:
            document["mime_type"] = mime_type
        self.files[file_id] = {
            "document": document,
            "content": content,
            "file_path": f"documents/file_{number}{suffix}",
        }
        return copy.deepcopy(document)

    def file_content(self, file_path: str) -> bytes | None:
        """The bytes behind a ``file_path`` that getFile gave out (None: no such file)."""
        with self.lock:
            for stored in self.files.values():
                if stored["file_path"] == file_path:
                    return bytes(stored["content"])
            return None

    # -- messages ------------------------------------------------------------------------

    def new_message(
        self,
        chat: Chat,
        text: str | None,
        parse_mode: str | None,
        visible: str | None,
        reply_markup: dict[str, Any] | None,
        thread_id: int | None,
        *,
        user_id: int | None = None,
        document: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a message in ``chat`` (lock held); ``user_id`` None means the bot sent it.

        With a ``document``, ``text`` and ``visible_text`` are its caption (or None)."""
        self.seq += 1
        record: dict[str, Any] = {
            "message_id": chat.next_message_id,
            "chat_id": chat.id,
            "date": int(time.time()),
            "from_bot": user_id is None,
            "user_id": user_id,
            "text": text,
            "parse_mode": parse_mode,
            "visible_text": visible,
            "reply_markup": reply_markup,
            "message_thread_id": thread_id,
            "edited": False,
            "edit_date": None,
            "history": [],
            "seq": self.seq,
            "document": document,
        }
        chat.messages[chat.next_message_id] = record
        chat.next_message_id += 1
        return record

    def message_json(self, chat: Chat, record: dict[str, Any]) -> dict[str, Any]:
        """The Message object of the Bot API for a stored message."""
        if not record["from_bot"] and "json" in record:
            return copy.deepcopy(record["json"])
        sender = self.bot_user() if record["from_bot"] else self.users[record["user_id"]]
        message: dict[str, Any] = {
            "message_id": record["message_id"],
            "from": copy.deepcopy(sender),
            "chat": chat.json(self.users),
            "date": record["date"],
        }
        if record.get("document") is not None:
            message["document"] = copy.deepcopy(record["document"])
            if record["visible_text"] is not None:
                message["caption"] = record["visible_text"]
        elif record["visible_text"] is not None:
            message["text"] = record["visible_text"]
        if record["message_thread_id"] is not None:
            message["message_thread_id"] = record["message_thread_id"]
            if chat.is_forum:
                message["is_topic_message"] = True
        if record["edit_date"] is not None:
            message["edit_date"] = record["edit_date"]
        if record["reply_markup"] is not None:
            message["reply_markup"] = copy.deepcopy(record["reply_markup"])
        return message

    def messages(self, chat_id: int, *, after: int = 0, since: int = 0) -> list[dict[str, Any]]:
        """The bot's messages in a chat, oldest first, as stored records.

        ``after`` keeps those with a larger message id, ``since`` those sent or edited after
        that change number (``seq``).
        """
        with self.lock:
            chat = self.chats.get(chat_id)
            records = chat.messages.values() if chat else ()
            return [
                _public(record)
                for record in records
                if record["from_bot"] and record["message_id"] > after and record["seq"] > since
            ]

    def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 10
    ) -> list[dict[str, Any]]:
        """Block until the bot has sent ``count`` messages to a chat; ``TimeoutError`` if not."""
        found = self.wait_until_blocking(lambda: self._at_least(chat_id, count), timeout)
        return found or self._too_few(chat_id, count, timeout)

    async def await_messages(
        self, chat_id: int, count: int, timeout: float = 10
    ) -> list[dict[str, Any]]:
        """Await until the bot has sent ``count`` messages to a chat; ``TimeoutError`` if not."""
        found = await self.wait_until(lambda: self._at_least(chat_id, count), timeout)
        return found or self._too_few(chat_id, count, timeout)

    def _at_least(self, chat_id: int, count: int) -> list[dict[str, Any]]:
        chat = self.chats.get(chat_id)
        # counted before copying: this runs on every change while someone waits
        sent = sum(record["from_bot"] for record in chat.messages.values()) if chat else 0
        return self.messages(chat_id) if sent >= count else []

    def _too_few(self, chat_id: int, count: int, timeout: float) -> list[dict[str, Any]]:
        texts = [message["text"] for message in self.messages(chat_id)]
        raise TimeoutError(
            f"expected {count} bot messages in chat {chat_id} within {timeout}s, got {texts}"
        )

    def chat_list(self) -> list[dict[str, Any]]:
        """Every chat known, as Chat objects."""
        with self.lock:
            return [chat.json(self.users) for chat in self.chats.values()]

    # -- what the bot called -------------------------------------------------------------

    def record_call(
        self,
        method: str,
        params: dict[str, Any],
        status: int,
        description: str | None,
        *,
        fault: str | None = None,
    ) -> None:
        """Log one Bot API call (never its token), with the injected fault it met, if any."""
        with self.lock:
            params = {
                name: value.summary() if isinstance(value, Upload) else value
                for name, value in params.items()
            }
            entry = {"method": method, "params": params, "status": status, "time": time.time()}
            if description is not None:
                entry["description"] = description
            if fault is not None:
                entry["fault"] = fault
            self.call_log.append(entry)
            self.changed()

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """The log of Bot API calls, optionally only those of one method."""
        with self.lock:
            wanted = method.lower() if method else None
            return [
                copy.deepcopy(call)
                for call in self.call_log
                if wanted is None or call["method"].lower() == wanted
            ]

    def wait_for_calls(self, method: str, count: int = 1, timeout: float = 10) -> list[dict]:
        """Block until ``method`` was called ``count`` times; ``TimeoutError`` if not."""
        found = self.wait_until_blocking(lambda: self._calls_at_least(method, count), timeout)
        if not found:
            raise TimeoutError(f"{method} was not called {count} times within {timeout}s")
        return found

    async def await_calls(self, method: str, count: int = 1, timeout: float = 10) -> list[dict]:
        """Await until ``method`` was called ``count`` times; ``TimeoutError`` if not."""
        found = await self.wait_until(lambda: self._calls_at_least(method, count), timeout)
        if not found:
            raise TimeoutError(f"{method} was not called {count} times within {timeout}s")
        return found

    def _calls_at_least(self, method: str, count: int) -> list[dict[str, Any]]:
        found = self.calls(method)
        return found if len(found) >= count else []

    @property
    def commands(self) -> list[dict[str, str]]:
        """The commands set by setMyCommands for the default scope and no language."""
        return self.commands_for()

    def commands_for(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """The commands set by setMyCommands for one scope and language."""
        with self.lock:
            return copy.deepcopy(self.my_commands.get((scope_key(scope), language_code), []))

    def inline_answer(self, query_id: str) -> dict[str, Any] | None:
        """How the bot answered an inline query (``None`` while unanswered)."""
        with self.lock:
            return copy.deepcopy(self.inline_queries.get(query_id, {}).get("answer"))

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """How the bot answered a button press (``None`` while unanswered)."""
        with self.lock:
            return copy.deepcopy(self.callback_queries.get(query_id, {}).get("answer"))


def scope_key(scope: dict[str, Any] | None) -> str:
    """A hashable key for a BotCommandScope (absent and default are the same scope)."""
    if not scope or scope.get("type") == "default":
        return "default"
    return ",".join(f"{key}={scope[key]}" for key in sorted(scope))


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy({key: value for key, value in record.items() if key != "json"})


def _infer_chat_type(chat_id: int) -> str:
    if chat_id > 0:
        return "private"
    return "supergroup" if str(chat_id).startswith("-100") else "group"


_CHAT_TYPES = frozenset({"private", "group", "supergroup", "channel"})
