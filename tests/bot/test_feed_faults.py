"""Feeds and the watched folder under the faults a deployment meets.

A slow feed holds up nothing else, private addresses are refused (also behind a redirect),
a huge feed is cut off while streaming, a malformed feed shows as failing, and a bad or
linked-out file in the watched folder stops nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import ipaddress
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from bot.delivery.feeds import LiveSources, SourceCheck
from bot.delivery.fetch import FetchError, FetchLimits, fetch, is_public_address
from bot.health import feed_health, open_read_only
from bot.runtime import EngineGate
from bot.storage import SubscriptionStore
from briefings.engine import Engine

ITEM = """<item><guid>{guid}</guid><title>{title}</title>
<description>The regional harbour authority on Tuesday opened a second ferry terminal, doubling
the number of daily crossings to the islands, its director told reporters ({guid}).</description>
</item>"""
FEED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Harbour Gazette'
    "</title>"
    + ITEM.format(guid="ferry-1", title="Second ferry terminal opens")
    + "</channel></rss>"
).encode()
ARTICLE = (
    "Night train returns to the coast line\n\nThe state railway on Tuesday restored a night "
    "train on the coast line after a four-year break, the operator said.\n"
)

Route = Callable[[http.server.BaseHTTPRequestHandler], None]


class Server:
    """An HTTP server on a loopback address, with a handler per path."""

    def __init__(self, routes: dict[str, Route], host: str = "127.0.0.1") -> None:
        self.requests: list[str] = []
        self.sent_bytes = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server.requests.append(self.path)
                route = routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                # The client may stop reading, as it should when a feed is too slow or big.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    route(self)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def feed(body: bytes) -> Route:
    def route(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return route


def trickle(stop: threading.Event) -> Route:
    """A feed that sends one byte a second, forever (until the test ends)."""

    def route(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.end_headers()
        for byte in FEED:
            if stop.wait(1.0):
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()

    return route


def redirect(to: str) -> Route:
    def route(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", to)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.close()


@pytest.fixture
def store(db_path: Path, engine: Engine) -> Iterator[SubscriptionStore]:
    opened = SubscriptionStore.open(db_path)
    yield opened
    opened.close()


def live_sources(
    store: SubscriptionStore, engine: Engine, limits: FetchLimits, **sources: object
) -> LiveSources:
    return LiveSources(store, EngineGate(engine, is_owned=False), limits=limits, **sources)  # type: ignore[arg-type]


# -- item 11: one slow feed stalls nothing ---------------------------------------------------------
async def test_a_trickling_feed_is_cut_at_its_deadline_and_holds_up_nothing_else(
    servers: list[Server], store: SubscriptionStore, engine: Engine, tmp_path: Path
) -> None:
    stop = threading.Event()
    server = Server({"/slow.xml": trickle(stop), "/good.xml": feed(FEED)})
    servers.append(server)
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "train.txt").write_text(ARTICLE, encoding="utf-8")
    slow, good = f"{server.base}/slow.xml", f"{server.base}/good.xml"
    limits = FetchLimits(deadline=4.0, allow_private=True)
    live = live_sources(store, engine, limits, feeds=[slow, good], folder=folder)
    try:
        polling = asyncio.create_task(live.poll_feeds())
        scanned = await live.scan_folder()  # while the slow feed is still being read
        assert not polling.done()
        started = time.monotonic()
        checks = await polling
        waited = time.monotonic() - started
    finally:
        stop.set()
        await live.aclose()
    assert scanned == [SourceCheck(str(folder), "updated", added=1)]
    assert checks == [
        SourceCheck(slow, "failed", error="took longer than 4 s: stopped"),
        SourceCheck(good, "updated", added=1),
    ]
    assert waited < 15  # the deadline, not the trickle (a whole feed would take minutes)
    assert store.feed_state(slow).last_error == "took longer than 4 s: stopped"


# -- item 12: no private addresses ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("host", "refusal"),
    [
        ("127.0.0.1", r"refused: 127\.0\.0\.1 is a loopback address"),
        # resolved first (to 127.0.0.1 or ::1, as the system answers)
        ("localhost", r"refused: localhost \((127\.0\.0\.1|::1)\) is a loopback address"),
    ],
)
async def test_a_feed_on_a_private_address_is_refused_unless_allowed(
    servers: list[Server], store: SubscriptionStore, engine: Engine, host: str, refusal: str
) -> None:
    server = Server({"/feed.xml": feed(FEED)})
    servers.append(server)
    url = f"{server.base.replace('127.0.0.1', host)}/feed.xml"
    refused = live_sources(store, engine, FetchLimits(), feeds=[url])
    allowed = live_sources(store, engine, FetchLimits(allow_private=True), feeds=[url])
    try:
        [check] = await refused.poll_feeds()
        assert (check.status, server.requests, engine.articles()) == ("failed", [], [])
        assert check.error is not None
        assert re.fullmatch(
            f"{refusal}; set NEWSBOT_FEEDS_ALLOW_PRIVATE=1 to allow feeds there", check.error
        )
        [check] = await allowed.poll_feeds()
        assert (check.status, check.added) == ("updated", 1)
    finally:
        await refused.aclose()
        await allowed.aclose()


async def test_feeds_admins_add_are_polled_with_the_configured_ones_under_the_same_rules(
    servers: list[Server], store: SubscriptionStore, engine: Engine
) -> None:
    server = Server({"/a.xml": feed(FEED), "/b.xml": feed(FEED)})
    servers.append(server)
    configured, added = f"{server.base}/a.xml", f"{server.base}/b.xml"
    managed: list[str] = []
    refused = live_sources(store, engine, FetchLimits(), feeds=[configured])
    allowed = live_sources(store, engine, FetchLimits(allow_private=True), feeds=[configured])
    for live in (refused, allowed):
        live.managed_feeds = lambda: tuple(managed)  # /feeds' list, read at every poll
    try:
        assert [c.source for c in await allowed.poll_feeds()] == [configured]
        managed += [added, configured]  # an admin adds one new feed and one configured already
        checks = await refused.poll_feeds()
        assert [(c.source, c.status) for c in checks] == [
            (configured, "failed"),
            (added, "failed"),
        ]
        assert all("loopback" in (c.error or "") for c in checks)
        assert server.requests == ["/a.xml"]  # the refused poll reached nothing
        checks = await allowed.poll_feeds()
        assert [(c.source, c.status) for c in checks] == [
            (configured, "updated"),
            (added, "updated"),
        ]
        assert sorted(server.requests) == ["/a.xml", "/a.xml", "/b.xml"]  # each once a poll
    finally:
        await refused.aclose()
        await allowed.aclose()


async def test_every_redirect_is_checked_after_resolution(servers: list[Server]) -> None:
    inside = Server({"/internal.xml": feed(FEED)}, host="127.0.0.2")  # stands for a LAN service
    servers.append(inside)
    outside = Server(
        {
            "/feed.xml": redirect(f"{inside.base}/internal.xml"),
            "/hop.xml": redirect("/feed.xml"),
            "/file.xml": redirect("file:///etc/passwd"),
        }
    )
    servers.append(outside)

    # For this test 127.0.0.1 stands for the open internet; 127.0.0.2 stays what it is.
    def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return ip == ipaddress.ip_address("127.0.0.1") or is_public_address(ip)

    async with httpx.AsyncClient() as client:
        for path in ("/feed.xml", "/hop.xml"):
            with pytest.raises(FetchError) as refused:
                await fetch(client, f"{outside.base}{path}", {}, FetchLimits(), is_public=is_public)
            assert str(refused.value).startswith("refused: 127.0.0.2 is a loopback address")
        with pytest.raises(FetchError, match="refused a redirect to file"):
            await fetch(client, f"{outside.base}/file.xml", {}, FetchLimits(), is_public=is_public)
        allowed = await fetch(
            client, f"{outside.base}/hop.xml", {}, FetchLimits(allow_private=True)
        )
    assert inside.requests == ["/internal.xml"]  # only when allowed
    assert (allowed.status, allowed.content) == (200, FEED)


@pytest.mark.parametrize(
    ("address", "is_public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata service
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("240.0.0.1", False),  # reserved
        ("224.0.0.1", False),  # multicast
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:93.184.216.34", True),
    ],
)
def test_which_addresses_feeds_may_reach(address: str, is_public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is is_public


# -- item 13: size is checked while streaming ----------------------------------------------------
async def test_a_huge_feed_is_cut_off_while_streaming(
    servers: list[Server], store: SubscriptionStore, engine: Engine
) -> None:
    chunk = b"<item>" + b"x" * 65536 + b"</item>"
    sent = [0]

    def endless(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.end_headers()  # no Content-Length: the size is only known by reading
        handler.wfile.write(b'<rss version="2.0"><channel>')
        while sent[0] < 200 * 2**20:
            handler.wfile.write(chunk)
            sent[0] += len(chunk)

    server = Server({"/huge.xml": endless, "/declared.xml": feed(b" " * 300_000)})
    servers.append(server)
    limits = FetchLimits(max_bytes=256 * 1024, allow_private=True)
    huge, declared = f"{server.base}/huge.xml", f"{server.base}/declared.xml"
    live = live_sources(store, engine, limits, feeds=[huge, declared])
    try:
        checks = await live.poll_feeds()
    finally:
        await live.aclose()
    assert [(c.status, c.error) for c in checks] == [
        ("failed", "the feed is larger than 0.25 MB: stopped reading"),
        ("failed", "the feed is 0.3 MB, over the 0.25 MB limit"),
    ]
    time.sleep(0.2)
    assert sent[0] < 16 * 2**20  # the server was stopped early, not read to the end


# -- item 14: a malformed feed is failing ----------------------------------------------------------
async def test_a_malformed_feed_is_recorded_failing_and_shown_so(
    servers: list[Server], store: SubscriptionStore, engine: Engine, db_path: Path
) -> None:
    truncated = FEED[: FEED.index(b"</channel>")] + ITEM.format(guid="x", title="cut").encode()[:40]
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    server = Server({"/broken.xml": feed(truncated), "/empty.xml": feed(empty)})
    servers.append(server)
    broken, quiet = f"{server.base}/broken.xml", f"{server.base}/empty.xml"
    live = live_sources(store, engine, FetchLimits(allow_private=True), feeds=[broken, quiet])
    try:
        checks = await live.poll_feeds()
    finally:
        await live.aclose()
    assert checks == [
        SourceCheck(
            broken,
            "failed",
            added=1,
            error="malformed feed: unclosed token at line 5 (1 entries read)",
        ),
        SourceCheck(quiet, "updated"),  # empty, but well-formed: quiet, not broken
    ]
    conn = open_read_only(db_path)
    try:
        health = {f.url: f for f in feed_health(conn, [broken, quiet])}
    finally:
        conn.close()
    assert (health[broken].is_failing, health[quiet].is_failing) == (True, False)
    assert store.feed_state(broken).etag is None  # read whole again next time


# -- items 1 and 2 in the watched folder -------------------------------------------------------------
async def test_a_bad_file_and_a_link_out_stop_nothing_in_the_watched_folder(
    store: SubscriptionStore, engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" * 20, encoding="utf-8")
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    (folder / "passwd.txt").symlink_to(secret)
    (folder / "train.txt").write_text(ARTICLE, encoding="utf-8")
    live = live_sources(store, engine, FetchLimits(), folder=folder)
    caplog.set_level(logging.INFO, logger="bot.delivery.feeds")
    try:
        first = await live.scan_folder()
        (folder / "ferry.txt").write_text(ARTICLE.replace("train", "ferry"), encoding="utf-8")
        second = await live.scan_folder()
    finally:
        await live.aclose()
    assert first == [SourceCheck(str(folder), "updated", added=1)]
    assert second == [SourceCheck(str(folder), "updated", added=1)]  # not blocked by deep.json
    assert sorted(a.title for a in engine.articles()) == [
        "Night ferry returns to the coast line",
        "Night train returns to the coast line",
    ]
    assert engine.search("nologin") == []
    logged = [r.getMessage() for r in caplog.records]
    assert (
        logged.count(
            f"watched file {folder / 'passwd.txt'}: a link to a file outside the folder: not followed"
        )
        == 1
    )  # said once, not every poll
    assert (
        f"watched file {folder / 'deep.json'} rejected: JSON nested too deeply to be an article"
        in logged
    )
