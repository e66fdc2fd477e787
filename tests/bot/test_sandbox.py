"""The sandbox over HTTP: the page's routes, chats kept across runs, and `python -m bot`."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.__main__ import parse_args
from bot.config import Settings
from bot.localapi.methods import TOKEN_PATTERN
from bot.sandbox.server import (
    SANDBOX_TOKEN,
    STATIC_DIR,
    YOU_ID,
    SandboxServer,
    run_sandbox,
    sandbox_settings,
)

PROJECT = Path(__file__).resolve().parents[2]
FIRST_GROUP = -4000000001


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SandboxServer]:
    """A sandbox server (no bot attached) on a free port, with its chats in `tmp_path`."""
    with SandboxServer(tmp_path / "newsbot.db", port=0) as running:
        yield running


def as_bot(server: SandboxServer, method: str, **params: Any) -> Any:
    """Call a Bot API method the way the bot would."""
    response = httpx.post(f"{server.base_url}{SANDBOX_TOKEN}/{method}", json=params)
    body = response.json()
    assert body["ok"], body
    return body["result"]


def get(server: SandboxServer, path: str) -> Any:
    response = httpx.get(f"{server.url}{path}", timeout=40)
    assert response.status_code == 200, response.text
    return response.json()


def post(server: SandboxServer, path: str, payload: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{server.url}{path}", json=payload)


def without_times(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if key not in ("date", "edit_date")}


# -- the page and its files -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html"),
        ("/static/chat.css", "text/css"),
        ("/static/chat.js", "text/javascript"),
    ],
)
def test_page_and_its_files_are_served_on_the_api_port(
    server: SandboxServer, path: str, content_type: str
) -> None:
    response = httpx.get(f"{server.url}{path}")
    assert (response.status_code, response.headers["Content-Type"].split(";")[0]) == (
        200,
        content_type,
    )


def test_page_loads_nothing_from_other_hosts() -> None:
    # Absolute URLs in src/href/url()/import would need a network; the SVG namespace in the
    # inline favicon is an identifier, not a fetch.
    external = re.compile(
        r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import|"""
        r"""fetch\(\s*["'`](?:https?:)?//"""
    )
    found = {
        path.name: external.findall(path.read_text(encoding="utf-8"))
        for path in sorted(STATIC_DIR.iterdir())
    }
    assert found == {"chat.css": [], "chat.js": [], "index.html": []}


def test_page_script_never_writes_markup_as_html() -> None:
    script = (STATIC_DIR / "chat.js").read_text(encoding="utf-8")
    sinks = ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("]
    assert [sink for sink in sinks if sink in script] == []


# -- chats --------------------------------------------------------------------------------------


def test_fresh_sandbox_offers_one_private_chat(server: SandboxServer) -> None:
    state = get(server, "/_sandbox/state")
    del state["epoch"]
    assert state == {
        "ok": True,
        "actions": 0,
        "you": YOU_ID,
        "bot": {"first_name": "Newsbot", "username": "newsbot_local_bot"},
        "chats": [{"id": YOU_ID, "type": "private", "title": "You", "language": "en"}],
    }


def test_new_chats_get_new_ids_and_default_titles(server: SandboxServer) -> None:
    created = [
        post(server, "/_sandbox/chats", {"type": kind, "title": title}).json()["result"]
        for kind, title in [
            ("private", "Alice"),
            ("group", "  Morning   news "),  # spaces tidied
            ("private", ""),
            ("group", ""),
        ]
    ]
    assert created == [
        {"id": YOU_ID + 1, "type": "private", "title": "Alice", "language": "en"},
        {"id": FIRST_GROUP, "type": "group", "title": "Morning news", "language": "en"},
        {"id": YOU_ID + 2, "type": "private", "title": f"User {YOU_ID + 2}", "language": "en"},
        {"id": FIRST_GROUP - 1, "type": "group", "title": "Group 2", "language": "en"},
    ]


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "supergroup", "title": "News"},  # groups are made as groups
        {"title": "News"},  # no type
    ],
)
def test_new_chat_refuses_unknown_kinds(server: SandboxServer, payload: dict[str, Any]) -> None:
    response = post(server, "/_sandbox/chats", payload)
    assert (response.status_code, response.json()) == (
        400,
        {"ok": False, "description": "type must be 'private', 'group' or 'channel'"},
    )


def test_chats_outlive_the_sandbox_so_digests_can_reach_them(tmp_path: Path) -> None:
    db = tmp_path / "newsbot.db"
    with SandboxServer(db, port=0) as first:
        post(first, "/_sandbox/chats", {"type": "group", "title": "Newsroom"})
    with SandboxServer(db, port=0) as second:
        chats = get(second, "/_sandbox/state")["chats"]
        sent = as_bot(second, "sendMessage", chat_id=FIRST_GROUP, text="digest")
    assert (chats, sent["chat"]) == (
        [
            {"id": YOU_ID, "type": "private", "title": "You", "language": "en"},
            {"id": FIRST_GROUP, "type": "group", "title": "Newsroom", "language": "en"},
        ],
        {"id": FIRST_GROUP, "type": "group", "title": "Newsroom"},
    )


def test_damaged_chat_file_starts_afresh(tmp_path: Path) -> None:
    (tmp_path / "newsbot.sandbox-chats.json").write_text("{not json", encoding="utf-8")
    with SandboxServer(tmp_path / "newsbot.db", port=0) as server:
        assert get(server, "/_sandbox/state")["chats"] == [
            {"id": YOU_ID, "type": "private", "title": "You", "language": "en"}
        ]


# -- the feed -----------------------------------------------------------------------------------


def test_feed_has_the_users_and_the_bots_messages_of_every_chat(server: SandboxServer) -> None:
    post(server, "/_sandbox/chats", {"type": "group", "title": "Newsroom"})
    post(server, "/_local/send", {"chat_id": YOU_ID, "text": "/brief"})
    keyboard = {"inline_keyboard": [[{"text": "More", "callback_data": "more"}]]}
    as_bot(server, "sendMessage", chat_id=FIRST_GROUP, text="<b>Digest</b>", parse_mode="HTML",
           reply_markup=keyboard)  # fmt: skip
    feed = get(server, "/_sandbox/feed?since=0")
    assert [without_times(message) for message in feed["messages"]] == [
        {
            "chat_id": YOU_ID,
            "message_id": 1,
            "seq": 1,
            "from_bot": False,
            "sender": "You",
            "text": "/brief",
            "visible_text": "/brief",
            "is_html": False,
            "reply_markup": None,
            "via_bot": None,
            "document": None,
        },
        {
            "chat_id": FIRST_GROUP,
            "message_id": 1,
            "seq": 2,
            "from_bot": True,
            "sender": None,
            "text": "<b>Digest</b>",
            "visible_text": "Digest",
            "is_html": True,
            "reply_markup": keyboard,
            "via_bot": None,
            "document": None,
        },
    ]
    assert (feed["seq"], feed["typing"]) == (2, [])


def test_feed_reports_an_edit_as_the_same_message(server: SandboxServer) -> None:
    sent = as_bot(server, "sendMessage", chat_id=YOU_ID, text="page 1")
    seq = get(server, "/_sandbox/feed?since=0")["seq"]
    as_bot(server, "editMessageText", chat_id=YOU_ID, message_id=sent["message_id"],
           text="<i>page 2</i>", parse_mode="HTML")  # fmt: skip
    [edited] = get(server, f"/_sandbox/feed?since={seq}")["messages"]
    assert (edited["message_id"], edited["text"], edited["edit_date"] is not None) == (
        sent["message_id"],
        "<i>page 2</i>",
        True,
    )


def test_a_file_sent_from_the_page_reaches_the_bot_and_its_files_can_be_saved(
    server: SandboxServer,
) -> None:
    content = b"<opml version='2.0'><body/></opml>"
    response = httpx.post(
        f"{server.url}/_sandbox/upload",
        data={"chat_id": str(YOU_ID), "caption": "/feeds import"},
        files={"file": ("mine.opml", content, "text/x-opml")},
    )
    assert response.status_code == 200, response.text
    # The bot gets it as Telegram delivers a document: captioned, with the command's entity.
    [update] = as_bot(server, "getUpdates", timeout=0)
    message = update["message"]
    assert (message["caption"], message["caption_entities"][0]["type"]) == (
        "/feeds import",
        "bot_command",
    )
    assert (message["document"]["file_name"], message["document"]["file_size"]) == (
        "mine.opml",
        len(content),
    )
    # The bot's own file (an export) shows on the page with its name, and the page saves it.
    sent = as_bot(server, "sendDocument", chat_id=YOU_ID, document=message["document"]["file_id"])
    feed = get(server, "/_sandbox/feed?since=0")
    [shown] = [m for m in feed["messages"] if m["from_bot"]]
    assert shown["document"]["file_name"] == "mine.opml"
    saved = httpx.get(f"{server.url}/_sandbox/file?id={sent['document']['file_id']}")
    assert saved.content == content
    assert saved.headers["Content-Disposition"] == 'attachment; filename="mine.opml"'
    # No file in the form: refused, and nothing reaches the bot.
    refused = httpx.post(f"{server.url}/_sandbox/upload", data={"chat_id": str(YOU_ID)})
    assert (refused.status_code, refused.json()["description"]) == (400, "no file in the request")
    assert as_bot(server, "getUpdates", offset=update["update_id"] + 1, timeout=0) == []


def test_feed_waits_for_the_next_message(server: SandboxServer) -> None:
    seq = get(server, "/_sandbox/feed?since=0")["seq"]
    later = threading.Timer(0.3, as_bot, (server, "sendMessage"), {"chat_id": YOU_ID, "text": "hi"})
    later.start()
    feed = get(server, f"/_sandbox/feed?since={seq}&wait=20")
    later.join()
    assert [message["text"] for message in feed["messages"]] == ["hi"]


def test_feed_tells_a_page_from_before_a_restart_at_once(server: SandboxServer) -> None:
    feed = get(server, "/_sandbox/feed?since=99&epoch=before-the-restart&wait=20")
    assert (feed["epoch"], feed["messages"]) == (server.epoch, [])


def test_feed_reports_typing_once(server: SandboxServer) -> None:
    as_bot(server, "sendChatAction", chat_id=YOU_ID, action="typing")
    first = get(server, "/_sandbox/feed?since=0&actions=0")
    again = get(server, f"/_sandbox/feed?since=0&actions={first['actions']}")
    assert (first["typing"], first["actions"], again["typing"]) == ([YOU_ID], 1, [])


def test_answer_route_tells_how_the_bot_answered_a_press(server: SandboxServer) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Energy", "callback_data": "topic:energy"}]]}
    sent = as_bot(server, "sendMessage", chat_id=YOU_ID, text="topics", reply_markup=keyboard)
    press = {"chat_id": YOU_ID, "message_id": sent["message_id"], "data": "topic:energy"}
    pressed = post(server, "/_local/press", press)
    query_id = pressed.json()["result"]["callback_query"]["id"]
    before = get(server, f"/_sandbox/answer?id={query_id}")["result"]
    as_bot(server, "answerCallbackQuery", callback_query_id=query_id, text="Briefing on energy")
    after = get(server, f"/_sandbox/answer?id={query_id}&wait=5")["result"]
    # the page reads only these two fields
    assert (before, after["text"], bool(after["show_alert"])) == (None, "Briefing on energy", False)


# -- settings, token, command line ------------------------------------------------------------


def test_sandbox_settings_point_the_bot_at_the_local_server(server: SandboxServer) -> None:
    settings = Settings(db_path=Path("kept.db"), webhook_url="https://example.org/hook")
    local = sandbox_settings(settings, server)
    assert (local.token, local.api_url, local.file_url, local.webhook_url, local.db_path) == (
        SANDBOX_TOKEN,
        f"{server.url}/bot",
        f"{server.url}/file/bot",
        None,
        Path("kept.db"),
    )


def test_sandbox_token_has_the_shape_of_a_real_token() -> None:
    environ = {"TELEGRAM_BOT_TOKEN": SANDBOX_TOKEN}
    assert (Settings.from_env(environ).token, bool(TOKEN_PATTERN.fullmatch(SANDBOX_TOKEN))) == (
        SANDBOX_TOKEN,
        True,
    )


@pytest.mark.parametrize(
    ("argv", "port"),
    [
        ([], 8080),
        (["--port", "9000"], 9000),
    ],
)
def test_port_option(argv: list[str], port: int) -> None:
    assert parse_args(argv).port == port


def test_busy_port_is_reported_not_raised(
    server: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = run_sandbox(Settings(db_path=tmp_path / "other.db"), port=server.port)
    assert (status, capsys.readouterr().err) == (
        1,
        f"newsbot: cannot serve the sandbox on 127.0.0.1:{server.port} (Address already in use); "
        "choose another port with --port.\n",
    )


# -- the real thing: `python -m bot` without a token -----------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sandbox_environment(tmp_path: Path) -> dict[str, str]:
    """The environment of a newcomer: no token, a database of their own."""
    environ = {key: value for key, value in os.environ.items() if key != "TELEGRAM_BOT_TOKEN"}
    environ["NEWSBOT_DB"] = str(tmp_path / "newsbot.db")
    # Run from tmp_path (no developer .env there), importing this checkout.
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT), environ.get("PYTHONPATH")]))
    return environ


def start_sandbox(tmp_path: Path, port: int) -> subprocess.Popen[str]:
    """`python -m bot --port <port>`, answering once its page does."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "--port", str(port)],
        cwd=tmp_path,
        env=sandbox_environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the sandbox exited: {process.communicate()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/_local/commands").json()["result"]:
                return process  # the bot ran post_init: it is polling
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError("the sandbox did not answer within 60 s")


def stop_sandbox(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    return process.returncode, out, err


def test_python_m_bot_without_token_serves_the_sandbox(tmp_path: Path) -> None:
    port = free_port()
    process = start_sandbox(tmp_path, port)
    try:
        base = f"http://127.0.0.1:{port}"
        httpx.post(f"{base}/_local/send", json={"chat_id": YOU_ID, "text": "/brief"})
        replies = httpx.get(
            f"{base}/_local/messages", params={"chat_id": YOU_ID, "wait": 30}, timeout=40
        ).json()["result"]
        page = httpx.get(f"{base}/")
    finally:
        status, out, err = stop_sandbox(process)
    assert (status, out.splitlines()) == (
        0,
        [
            f"newsbot sandbox: chat with the bot at {base}/  (Ctrl+C to stop)",
            "To go live: get a token from @BotFather, put TELEGRAM_BOT_TOKEN=<token> in .env "
            "(see .env.example) and start newsbot again.",
        ],
    )
    secret = SANDBOX_TOKEN.split(":")[1]
    assert (secret in out, secret in err) == (False, False)
    assert (page.status_code, replies[0]["parse_mode"], replies[0]["text"].startswith("<b>")) == (
        200,
        "HTML",
        True,
    )
    assert (tmp_path / "newsbot.db").exists()
