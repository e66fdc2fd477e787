"""The local Bot API server: a fake Telegram on 127.0.0.1 for tests, benchmarks and the sandbox.

Over 400 lines: the HTTP side and its fault injection in one place, so that what a fault
does to a request can be read in order.

``LocalBotApi`` serves the Bot API methods the bot uses (``bot.localapi.methods``) over HTTP
with tornado, on top of the world model in ``bot.localapi.state``. Point
python-telegram-bot at it with ``ApplicationBuilder().base_url(api.base_url)``; it builds
``{base_url}{token}/{method}`` and gets Telegram's answers, errors included.

Run it in a daemon thread with its own event loop (``start_in_thread`` / ``stop`` or
``with LocalBotApi() as api``) — then ``wait_for_messages`` may block the calling thread —
or inside a running loop (``await api.start()`` / ``await api.aclose()`` or ``async with``),
where only the ``await_…`` helpers may be used to wait.

Out-of-process users (the browser sandbox, tests running ``python -m bot``) drive it over
JSON under ``/_local/``: ``POST send`` and ``press``; ``GET chats``, ``commands``, ``calls``
and ``messages?chat_id=…&after=<message_id>&since=<seq>&wait=<seconds>`` (long poll; ``seq``
grows on every message sent or edited, so ``since`` also reports edits).

Tokens never reach the logs: requests are logged by method name only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import re
import socket
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.localapi.faults import DROP, DROP_AFTER, HANG, SILENT, Fault
from bot.localapi.methods import (
    TOKEN_PATTERN,
    begin_call,
    call_method,
    start_polling,
    take_updates,
)
from bot.localapi.params import normalise_params
from bot.localapi.scenario import ScenarioControls
from bot.localapi.state import ApiError, Upload

__all__ = ["EXAMPLE_TOKEN", "ApiError", "LocalBotApi"]

logger = logging.getLogger(__name__)

# A well-formed token for local runs; the server accepts any token of this shape.
EXAMPLE_TOKEN = "123456789:local-newsbot-token-0123456789abcde"
_MAX_CONTROL_WAIT = 60.0
_TOKEN_IN_PATH = re.compile(r"/bot[^/]*")


class LocalBotApi(ScenarioControls):
    """A fake Telegram Bot API server on 127.0.0.1 with the state it serves."""

    def __init__(
        self,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        bot_username: str = "newsbot_local_bot",
        bot_first_name: str = "Newsbot",
        extra_handlers: Sequence[Any] = (),
    ) -> None:
        super().__init__(bot_username=bot_username, bot_first_name=bot_first_name)
        self._requested_port = port
        # 0.0.0.0 only where the page must be reached from outside, e.g. a container's port.
        self._host = host
        self._extra_handlers = list(extra_handlers)  # e.g. the sandbox page, same origin
        self._port: int | None = None
        self._server: tornado.httpserver.HTTPServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # -- addresses -----------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port the server listens on (known once started)."""
        if self._port is None:
            raise RuntimeError("the local Bot API server is not started")
        return self._port

    @property
    def url(self) -> str:
        """The server's root URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The ``base_url`` for python-telegram-bot (the token and method are appended)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """The ``base_file_url`` for python-telegram-bot: files getFile gave a path to."""
        return f"{self.url}/file/bot"

    # -- lifecycle -----------------------------------------------------------------------

    def make_app(self) -> tornado.web.Application:
        """The tornado application: Bot API routes, the control API and extra handlers."""
        routes: list[Any] = [
            (r"/bot([^/]*)/(?:test/)?([A-Za-z0-9_]*)", _BotApiHandler, {"api": self}),
            (r"/file/bot([^/]*)/(.+)", _FileHandler, {"api": self}),
            (r"/_local/([a-z]+)", _ControlHandler, {"api": self}),
            *self._extra_handlers,
        ]
        return tornado.web.Application(
            routes, default_handler_class=_NotFoundHandler, log_function=_log_request
        )

    async def start(self) -> None:
        """Start serving inside the running event loop."""
        if self._server is not None:
            raise RuntimeError("the local Bot API server is already started")
        with self.lock:
            self.closing = False
        self._loop = asyncio.get_running_loop()
        sockets = tornado.netutil.bind_sockets(
            self._requested_port, self._host, family=socket.AF_INET
        )
        self._server = tornado.httpserver.HTTPServer(self.make_app())
        self._server.add_sockets(sockets)
        self._port = sockets[0].getsockname()[1]
        where = "" if self._host == "127.0.0.1" else f" (bound to {self._host})"
        logger.info("local Bot API listening on %s%s", self.url, where)

    async def aclose(self) -> None:
        """Stop serving (inside the loop it runs in); pending long polls answer at once."""
        server, self._server = self._server, None
        if server is None:
            return
        with self.lock:
            self.closing = True
            self.changed()
        server.stop()
        try:
            await asyncio.wait_for(server.close_all_connections(), 5)
        except TimeoutError:
            logger.warning("local Bot API: connections still open at shutdown")

    def start_in_thread(self) -> None:
        """Start serving from a daemon thread running its own event loop."""
        if self._thread is not None or self._server is not None:
            raise RuntimeError("the local Bot API server is already started")
        ready = threading.Event()
        failures: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as error:  # reported to the starting thread
                failures.append(error)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                pending = asyncio.all_tasks(loop)
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=serve, name="local-bot-api", daemon=True)
        self._thread.start()
        ready.wait()
        if failures:
            self._thread = None
            raise failures[0]

    def stop(self) -> None:
        """Stop the server started by ``start_in_thread`` (from any other thread)."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            if self._server is not None:
                raise RuntimeError("started with `await start()`: use `await aclose()`")
            return
        asyncio.run_coroutine_threadsafe(self.aclose(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> LocalBotApi:
        self.start_in_thread()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> LocalBotApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


class _JsonHandler(tornado.web.RequestHandler):
    """Shared plumbing: JSON answers, request parameters, no writes to closed connections."""

    api: LocalBotApi
    _gone = False

    def initialize(self, api: LocalBotApi) -> None:
        self.api = api
        self._closed = asyncio.Event()

    def on_connection_close(self) -> None:
        self._gone = True
        self._closed.set()

    def answer(self, status: int, body: Any) -> None:
        """Send ``body`` as JSON with ``status`` (skipped when the client went away)."""
        if self._gone:
            return
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False))

    def raw_params(self) -> dict[str, Any]:
        """Query, form, multipart and JSON parameters merged into one mapping."""
        params: dict[str, Any] = {
            name: values[-1].decode("utf-8", "replace")
            for source in (self.request.query_arguments, self.request.body_arguments)
            for name, values in source.items()
        }
        # Files of a multipart request (sendDocument's document), kept as bytes.
        for name, files in self.request.files.items():
            part = files[-1]
            params[name] = Upload(part.filename, part.content_type, part.body)
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and self.request.body:
            try:
                body = json.loads(self.request.body)
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON object") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: can't parse JSON object")
            params.update(body)
        return params


class _BotApiHandler(_JsonHandler):
    """``/bot<token>/<method>``: the Bot API itself."""

    async def get(self, token: str, method: str) -> None:
        await self._call(token, method)

    async def post(self, token: str, method: str) -> None:
        await self._call(token, method)

    async def _call(self, token: str, method: str) -> None:
        name, params = method, {}
        description: str | None = None
        fault: Fault | None = None
        try:
            params = normalise_params(self.raw_params())
            name = begin_call(self.api, token, method)
            fault = self.api.take_fault(name, params)
            if fault is not None and not await self._meet(fault, name, params):
                return
            if name == "getUpdates":
                result = await self._get_updates(params)
            else:
                result = call_method(self.api, name, params)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as error:
            status, body, description = error.status, error.payload(), error.description
        except Exception:
            logger.exception("local Bot API: %s failed", name)
            failure = ApiError(500, "Internal Server Error")
            status, body, description = 500, failure.payload(), failure.description
        if fault is not None and fault.kind in (DROP_AFTER, SILENT):
            # The call was carried out; the bot never hears so.
            self.api.record_call(name, params, status, description, fault=fault.kind)
            if fault.kind == SILENT:
                await self._closed.wait()  # until the bot gives up, or the server stops
            self._hang_up()
            return
        self.api.record_call(name, params, status, description, fault=fault.kind if fault else None)
        self.answer(status, body)

    async def _meet(self, fault: Fault, name: str, params: dict[str, Any]) -> bool:
        """Apply a fault before the call; whether the call should still be carried out."""
        if fault.kind == DROP:
            self.api.record_call(name, params, 0, "connection dropped", fault=fault.kind)
            self._hang_up()
            return False
        if fault.kind == HANG:
            # Telegram carries out a request it received, whether or not the bot still waits.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping(), fault.seconds)
        if fault.error is not None:
            raise fault.error
        return True

    async def _stopping(self) -> None:
        while not self.api.closing:
            await asyncio.sleep(0.05)

    def _hang_up(self) -> None:
        """Close the connection without an answer, as a dropped network link does."""
        self._gone = True
        self.request.connection.stream.close()  # type: ignore[union-attr]
        # tornado finishes a handler that returns unfinished; make that a no-op.
        self._finished = True

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        generation, timeout = start_polling(self.api, params)
        return await self.api.wait_until(
            lambda: take_updates(self.api, params, generation), timeout
        )


class _FileHandler(tornado.web.RequestHandler):
    """``/file/bot<token>/<file_path>``: a file's bytes, as Telegram serves downloads."""

    api: LocalBotApi

    def initialize(self, api: LocalBotApi) -> None:
        self.api = api

    def get(self, token: str, file_path: str) -> None:
        with self.api.lock:
            authorised = TOKEN_PATTERN.fullmatch(token) and token not in self.api.invalid_tokens
        content = self.api.file_content(file_path) if authorised else None
        if content is None:
            self.set_status(404 if authorised else 401)
            self.set_header("Content-Type", "application/json")
            description = "Not Found" if authorised else "Unauthorized"
            code = 404 if authorised else 401
            self.finish(json.dumps({"ok": False, "error_code": code, "description": description}))
            return
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(content)


class _ControlHandler(_JsonHandler):
    """``/_local/<action>``: what the sandbox page and subprocess tests use."""

    async def get(self, action: str) -> None:
        await self._dispatch("GET", action)

    async def post(self, action: str) -> None:
        await self._dispatch("POST", action)

    async def _dispatch(self, verb: str, action: str) -> None:
        handler = _CONTROL_ROUTES.get((verb, action))
        if handler is None:
            self.answer(404, {"ok": False, "description": f"no {verb} /_local/{action}"})
            return
        try:
            params = self.raw_params()
            result = await handler(self.api, params)
        except (ApiError, ValueError, TypeError, KeyError) as error:
            self.answer(400, {"ok": False, "description": _reason(error)})
            return
        self.answer(200, {"ok": True, "result": result, "seq": self.api.seq})


def _reason(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"missing parameter {error.args[0]!r}"
    return str(error)


def _int_or_none(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


async def _control_send(api: LocalBotApi, params: dict[str, Any]) -> Any:
    chat_id = int(params["chat_id"])
    with api.lock:
        known = api.chats.get(chat_id)
    if known is not None and known.type == "channel":
        return api.send_channel_post(chat_id, str(params["text"]))
    return api.send_user_message(
        chat_id,
        str(params["text"]),
        user_id=_int_or_none(params.get("user_id")),
        chat_type=params.get("chat_type") or None,
        chat_title=params.get("chat_title") or None,
        message_thread_id=_int_or_none(params.get("message_thread_id")),
        is_forum=params.get("is_forum") in (True, "true", "1"),
        language_code=params.get("language_code") or None,
    )


async def _control_inline(api: LocalBotApi, params: dict[str, Any]) -> Any:
    """POST inline {user_id, query[, chat_type][, offset][, wait]}: the query and the bot's
    answer (``offset``: the ``next_offset`` of the previous answer, for the next page)."""
    update = api.send_inline_query(
        int(params["user_id"]), str(params.get("query") or ""),
        chat_type=str(params.get("chat_type") or "private"),
        offset=str(params.get("offset") or ""),
    )  # fmt: skip
    query_id = update["inline_query"]["id"]
    wait = min(float(params.get("wait") or 0), _MAX_CONTROL_WAIT)
    answer = await api.wait_until(lambda: api.inline_answer(query_id), wait)
    return {"id": query_id, "answer": answer}


async def _control_choose(api: LocalBotApi, params: dict[str, Any]) -> Any:
    """POST choose {chat_id, query_id, result_id}: post the chosen result in the chat."""
    return api.choose_inline_result(
        int(params["chat_id"]), str(params["query_id"]), str(params["result_id"])
    )


async def _control_press(api: LocalBotApi, params: dict[str, Any]) -> Any:
    return api.press_button(
        int(params["chat_id"]),
        int(params["message_id"]),
        str(params["data"]),
        user_id=_int_or_none(params.get("user_id")),
    )


async def _control_chats(api: LocalBotApi, params: dict[str, Any]) -> Any:
    return api.chat_list()


async def _control_commands(api: LocalBotApi, params: dict[str, Any]) -> Any:
    scope = params.get("scope") or None
    if isinstance(scope, str):
        scope = json.loads(scope)
    language = str(params.get("language_code") or "")
    found = api.commands_for(scope, language)
    # As Telegram does: no list for the user's language means the list for all languages.
    return found if found or not language else api.commands_for(scope, "")


async def _control_calls(api: LocalBotApi, params: dict[str, Any]) -> Any:
    return api.calls(params.get("method") or None)


async def _control_messages(api: LocalBotApi, params: dict[str, Any]) -> Any:
    chat_id = int(params["chat_id"])
    after = int(params.get("after") or 0)
    since = int(params.get("since") or 0)
    wait = min(float(params.get("wait") or 0), _MAX_CONTROL_WAIT)

    return await api.wait_until(lambda: api.messages(chat_id, after=after, since=since), wait)


_CONTROL_ROUTES = {
    ("POST", "send"): _control_send,
    ("POST", "press"): _control_press,
    ("POST", "inline"): _control_inline,
    ("POST", "choose"): _control_choose,
    ("GET", "chats"): _control_chats,
    ("GET", "commands"): _control_commands,
    ("GET", "calls"): _control_calls,
    ("GET", "messages"): _control_messages,
}


class _NotFoundHandler(tornado.web.RequestHandler):
    """Any other path answers like Telegram does for an unknown one."""

    def prepare(self) -> None:
        self.set_status(404)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}))


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """Access log without tokens: ``/bot<token>/…`` paths are redacted."""
    request = handler.request
    path = _TOKEN_IN_PATH.sub("/bot<token>", request.path)
    elapsed = 1000.0 * request.request_time()
    logger.debug("%d %s %s %.1fms", handler.get_status(), request.method, path, elapsed)


async def _serve_forever(port: int, bot_username: str) -> None:
    api = LocalBotApi(port=port, bot_username=bot_username)
    async with api:
        print(f"Local Bot API on {api.url}", flush=True)
        print(f"  base_url: {api.base_url}  (any token like {EXAMPLE_TOKEN})", flush=True)
        print(
            "  control:  /_local/send, /_local/press, /_local/messages, /_local/chats", flush=True
        )
        while True:
            await asyncio.sleep(3600)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the local Bot API server in the foreground until interrupted."""
    parser = argparse.ArgumentParser(description="Run a local fake Telegram Bot API server.")
    parser.add_argument("--port", type=int, default=8081, help="TCP port (0: any free port)")
    parser.add_argument("--bot-username", default="newsbot_local_bot")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    options = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if options.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    logging.getLogger("tornado.access").setLevel(logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_forever(options.port, options.bot_username))


if __name__ == "__main__":
    main()
