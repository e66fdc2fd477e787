"""The sandbox: the bot running against the local Bot API server, with a web chat page.

With no token, `python -m bot` calls `run_sandbox`: one process serves the fake Telegram
(`bot.localapi.server`), the chat page (`bot/static/`, same origin) and runs the real bot
application against them with long polling, exactly as it would run against Telegram.

The page talks to the control API of the local server (`/_local/send`, `press`,
`commands`) and to three routes added here:

* `GET /_sandbox/state`: the bot's name and the chats, for the sidebar;
* `POST /_sandbox/chats {type, title, language}`: "New chat": a private chat (as a new user
  speaking `language`), a group, or a channel you own with the bot as its administrator;
* `GET /_sandbox/feed?since=<seq>&actions=<n>&epoch=<e>&wait=<s>`: long poll for every message (the
  user's and the bot's, sent or edited) and "typing…" actions in any chat, so digests due in
  a chat that is not open still arrive;
* `GET /_sandbox/answer?id=<callback query id>&wait=<s>`: how the bot answered a button press;
* `POST /_sandbox/upload` (multipart: `chat_id`, `caption`, `file`): you send a file, as a
  Telegram user sends a document (an OPML for `/feeds import`);
* `GET /_sandbox/file?id=<file_id>`: a document's bytes, to save (the bot's OPML export).

Chats are remembered next to the bot's database (`<NEWSBOT_DB stem>.sandbox-chats.json`), so a
subscription made in one sandbox run still has its chat to be delivered to in the next.

Over 400 lines: the page's routes (chats, feed, answers, file upload and download) share the
server's lock and chat records; split, each would reach into the others' state.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import sys
import uuid
from pathlib import Path
from typing import Any

import tornado.web

from bot.config import Settings
from bot.localapi.server import LocalBotApi
from bot.logging_setup import install_token_filter

__all__ = ["DEFAULT_PORT", "SANDBOX_TOKEN", "SandboxServer", "run_sandbox", "sandbox_settings"]

logger = logging.getLogger(__name__)

DEFAULT_PORT = 8080
# The shape of a real token (digits, colon, 35 characters) so every client accepts it; it only
# ever reaches the local server.
SANDBOX_TOKEN = "123456:SANDBOX-newsbot-local-fake-token-00"
STATIC_DIR = Path(__file__).resolve().parent / "static"
# Who sits at the page: the first private chat's user, and the author of group messages.
YOU = "You"
YOU_ID = 424242
FIRST_GROUP_ID = -4000000001
FIRST_CHANNEL_ID = -1009000000001
MAX_WAIT = 30.0
GO_LIVE = (
    "To go live: get a token from @BotFather, put TELEGRAM_BOT_TOKEN=<token> in .env "
    "(see .env.example) and start newsbot again."
)


@dataclasses.dataclass(frozen=True)
class SandboxChat:
    """A chat opened on the page: private (as one user) or a group."""

    id: int
    type: str
    title: str  # the user's name for a private chat, the group's title otherwise
    language: str = "en"  # the user's Telegram language (private chats)

    def json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class SandboxChats:
    """The chats of the page, kept in a JSON file next to the bot's database across runs.

    Not a table in the database itself: the engine's store owns that file and refuses tables
    it does not know.
    """

    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(f"{db_path.stem}.sandbox-chats.json")

    def all(self) -> list[SandboxChat]:
        """Every remembered chat, in the order they were opened ([] if none or unreadable)."""
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
            return [
                SandboxChat(
                    int(row["id"]),
                    str(row["type"]),
                    str(row["title"]),
                    str(row.get("language") or "en"),
                )
                for row in rows
            ]
        except FileNotFoundError:
            return []
        except (ValueError, TypeError, KeyError) as error:
            # A damaged file costs the page its chat list, never the bot its start.
            logger.warning("ignoring %s: %s", self.path, error)
            return []

    def add(self, chat: SandboxChat) -> None:
        """Remember a chat (or its new title)."""
        chats = {known.id: known for known in self.all()}
        chats[chat.id] = chat
        text = json.dumps([known.json() for known in chats.values()], ensure_ascii=False, indent=1)
        # Written aside and renamed, so a crash never leaves half a file.
        partial = self.path.with_name(self.path.name + ".tmp")
        partial.write_text(text, encoding="utf-8")
        partial.replace(self.path)


class SandboxServer(LocalBotApi):
    """The local Bot API server plus the chat page and its routes, on one port."""

    def __init__(self, db_path: Path, *, port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> None:
        super().__init__(port=port, host=host, extra_handlers=page_routes(self))
        self.store = SandboxChats(db_path)
        self.epoch = uuid.uuid4().hex  # tells a page left open that the server restarted
        self.restore_chats()

    def __enter__(self) -> SandboxServer:
        self.start_in_thread()
        return self

    def restore_chats(self) -> None:
        """Recreate the remembered chats, or a first private chat on a fresh database."""
        chats = self.store.all()
        if not chats:
            chats = [SandboxChat(YOU_ID, "private", YOU)]
            self.store.add(chats[0])
        for chat in chats:
            self._open(chat)

    def _open(self, chat: SandboxChat) -> None:
        if chat.type == "private":
            self.add_user(chat.id, first_name=chat.title, language_code=chat.language)
            self.add_chat(chat.id, chat_type="private")
        elif chat.type == "channel":
            # You made the channel and added the bot as an administrator, as Telegram asks.
            self.add_user(YOU_ID, first_name=YOU)
            self.add_channel(chat.id, chat.title, owner_id=YOU_ID)
            self.set_admin(chat.id, self._bot_id())
        else:
            self.add_user(YOU_ID, first_name=YOU)
            self.add_chat(chat.id, chat_type=chat.type, title=chat.title, creator_id=YOU_ID)

    def _bot_id(self) -> int:
        # The bot's id is the token's number, known before the bot's first call.
        return int(SANDBOX_TOKEN.split(":", 1)[0])

    def new_chat(self, kind: str, title: str, language: str = "en") -> SandboxChat:
        """Open a private chat (as a new user named `title`, speaking `language`), a group
        or a channel titled `title`."""
        if kind not in ("private", "group", "channel"):
            raise ValueError("type must be 'private', 'group' or 'channel'")
        title = " ".join(title.split())[:64]
        language = language if re.fullmatch(r"[a-z]{2}", language or "") else "en"
        with self.lock:
            if kind == "private":
                taken = [chat_id for chat_id in self.chats if chat_id > 0]
                chat_id = max(taken, default=YOU_ID - 1) + 1
                chat = SandboxChat(chat_id, kind, title or f"User {chat_id}", language)
            elif kind == "channel":
                taken = [chat_id for chat_id in self.chats if chat_id <= FIRST_CHANNEL_ID]
                chat_id = min(taken, default=FIRST_CHANNEL_ID + 1) - 1
                chat = SandboxChat(
                    chat_id, kind, title or f"Channel {FIRST_CHANNEL_ID - chat_id + 1}"
                )
            else:
                taken = [
                    chat_id
                    for chat_id in self.chats
                    if FIRST_CHANNEL_ID < chat_id <= FIRST_GROUP_ID
                ]
                chat_id = min(taken, default=FIRST_GROUP_ID + 1) - 1
                number = FIRST_GROUP_ID - chat_id + 1
                chat = SandboxChat(chat_id, kind, title or f"Group {number}")
            self._open(chat)
        self.store.add(chat)
        return chat

    def chat_entries(self) -> list[dict[str, Any]]:
        """Every chat the server knows, as the sidebar shows them."""
        with self.lock:
            entries = []
            for chat in self.chats.values():
                language = "en"
                if chat.type == "private":
                    user = self.users.get(chat.id, {})
                    title = user.get("first_name") or f"User {chat.id}"
                    language = user.get("language_code") or "en"
                else:
                    title = chat.title or f"Chat {chat.id}"
                entries.append(SandboxChat(chat.id, chat.type, title, language).json())
            return entries

    def feed(self, since: int, actions: int) -> dict[str, Any]:
        """Messages changed after `since` and chat actions after index `actions` (lock held)."""
        messages = [
            _page_message(record, self.users)
            for chat in self.chats.values()
            for record in chat.messages.values()
            if record["seq"] > since
        ]
        messages.sort(key=lambda message: message["seq"])
        typing = sorted({action["chat_id"] for action in self.chat_actions[actions:]})
        return {
            "epoch": self.epoch,
            "seq": self.seq,
            "actions": len(self.chat_actions),
            "messages": messages,
            "typing": typing,
        }


def _page_message(record: dict[str, Any], users: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """A stored message as the page draws it."""
    sender = None if record["from_bot"] else users.get(record["user_id"], {}).get("first_name")
    return {
        "chat_id": record["chat_id"],
        "message_id": record["message_id"],
        "seq": record["seq"],
        "date": record["date"],
        "edit_date": record["edit_date"],
        "from_bot": record["from_bot"],
        "sender": sender,
        "text": record["text"],
        "visible_text": record["visible_text"],
        "is_html": str(record["parse_mode"] or "").lower() == "html",
        "reply_markup": record["reply_markup"],
        "via_bot": record.get("via_bot"),
        "document": _page_document(record.get("document")),
    }


def _page_document(document: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the page shows of a file: its name and size, and where to fetch it."""
    if document is None:
        return None
    return {
        "file_id": document["file_id"],
        "file_name": document.get("file_name") or "file",
        "file_size": document.get("file_size", 0),
    }


class _SandboxHandler(tornado.web.RequestHandler):
    """JSON plumbing for the page's routes."""

    server: SandboxServer

    def initialize(self, server: SandboxServer) -> None:
        self.server = server

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")

    def answer(self, body: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False))

    def number(self, name: str, default: float = 0) -> float:
        value = self.get_query_argument(name, "")
        try:
            return float(value) if value else default
        except ValueError:
            raise tornado.web.HTTPError(400, f"{name} must be a number") from None


class _StateHandler(_SandboxHandler):
    def get(self) -> None:
        bot = self.server.bot_user()
        self.answer(
            {
                "ok": True,
                "epoch": self.server.epoch,
                "actions": len(self.server.chat_actions),
                "you": YOU_ID,
                "bot": {"first_name": bot["first_name"], "username": bot["username"]},
                "chats": self.server.chat_entries(),
            }
        )


class _ChatsHandler(_SandboxHandler):
    def post(self) -> None:
        try:
            body = json.loads(self.request.body or b"{}")
            chat = self.server.new_chat(
                str(body.get("type", "")),
                str(body.get("title") or ""),
                str(body.get("language") or "en"),
            )
        except (ValueError, AttributeError) as error:
            self.answer({"ok": False, "description": str(error)}, 400)
            return
        self.answer({"ok": True, "result": chat.json()})


class _FeedHandler(_SandboxHandler):
    async def get(self) -> None:
        server = self.server
        since, actions = int(self.number("since")), int(self.number("actions"))
        wait = min(self.number("wait"), MAX_WAIT)
        # A page from before a restart must hear of it at once, not after a long poll.
        is_stale = self.get_query_argument("epoch", server.epoch) != server.epoch
        if actions > len(server.chat_actions):
            actions = 0

        def news() -> dict[str, Any] | None:
            feed = server.feed(since, actions)
            return feed if feed["messages"] or feed["typing"] or is_stale else None

        found = await server.wait_until(news, wait)
        with server.lock:
            self.answer({"ok": True, **(found or server.feed(since, actions))})


class _AnswerHandler(_SandboxHandler):
    async def get(self) -> None:
        query_id = self.get_query_argument("id")
        wait = min(self.number("wait"), MAX_WAIT)
        answer = await self.server.wait_until(lambda: self.server.callback_answer(query_id), wait)
        self.answer({"ok": True, "result": answer})


class _UploadHandler(_SandboxHandler):
    def post(self) -> None:
        files = self.request.files.get("file")
        try:
            if not files:
                raise ValueError("no file in the request")
            chat_id = int(self.get_body_argument("chat_id"))
            caption = self.get_body_argument("caption", "").strip() or None
            with self.server.lock:
                chat = self.server.chats.get(chat_id)
                is_group = chat is not None and chat.type != "private"
            update = self.server.send_user_document(
                chat_id,
                files[0].filename or "file",
                files[0].body,
                caption=caption,
                mime_type=files[0].content_type or None,
                user_id=YOU_ID if is_group else None,
            )
        except (ValueError, tornado.web.MissingArgumentError) as error:
            self.answer({"ok": False, "description": str(error)}, 400)
            return
        self.answer({"ok": True, "result": update})


class _FileHandler(_SandboxHandler):
    def get(self) -> None:
        file_id = self.get_query_argument("id", "")
        with self.server.lock:
            stored = self.server.files.get(file_id)
            content = bytes(stored["content"]) if stored else None
            name = stored["document"].get("file_name", "file") if stored else ""
        if content is None:
            self.answer({"ok": False, "description": "no such file"}, 404)
            return
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name) or "file"
        self.set_header("Content-Type", "application/octet-stream")
        self.set_header("Content-Disposition", f'attachment; filename="{safe}"')
        self.finish(content)


def page_routes(server: SandboxServer) -> list[Any]:
    """Tornado routes for the page and its JSON routes."""
    static = {"path": str(STATIC_DIR), "default_filename": "index.html"}
    own = {"server": server}
    return [
        (r"/()", tornado.web.StaticFileHandler, static),
        (r"/static/(.*)", tornado.web.StaticFileHandler, static),
        (r"/_sandbox/state", _StateHandler, own),
        (r"/_sandbox/chats", _ChatsHandler, own),
        (r"/_sandbox/feed", _FeedHandler, own),
        (r"/_sandbox/answer", _AnswerHandler, own),
        (r"/_sandbox/upload", _UploadHandler, own),
        (r"/_sandbox/file", _FileHandler, own),
    ]


def sandbox_settings(settings: Settings, server: LocalBotApi) -> Settings:
    """`settings` pointed at the local server with the fake token; no webhook."""
    return dataclasses.replace(
        settings,
        token=SANDBOX_TOKEN,
        api_url=server.base_url,
        file_url=server.base_file_url,
        is_test_env=False,
        webhook_url=None,
    )


def run_sandbox(settings: Settings, port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> int:
    """Serve the chat page and run the bot against the local server until interrupted.

    `host` is the address the page listens on: 127.0.0.1, or 0.0.0.0 in a container.
    """
    from telegram import Update

    from bot.app import build_application  # late: the engine loads only when it is needed

    install_token_filter(SANDBOX_TOKEN)  # the token is fake, but it stays out of logs anyway
    try:
        server = SandboxServer(settings.db_path, port=port, host=host)
    except OSError as error:
        print(f"newsbot: cannot keep the sandbox chats next to {settings.db_path}: {error}")
        return 1
    try:
        server.start_in_thread()
    except OSError as error:
        print(
            f"newsbot: cannot serve the sandbox on {host}:{port} ({error.strerror or error}); "
            "choose another port with --port.",
            file=sys.stderr,
        )
        return 1
    try:
        application = build_application(sandbox_settings(settings, server))
        print(f"newsbot sandbox: chat with the bot at {server.url}/  (Ctrl+C to stop)")
        print(GO_LIVE, flush=True)
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    finally:
        server.stop()
    return 0
