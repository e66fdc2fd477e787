"""Live sources: a feed served on 127.0.0.1 polled with conditional GET, failures, the folder."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.delivery.feeds import LiveSources, SourceCheck, changed_files, split_feed_urls
from bot.delivery.fetch import FetchLimits
from bot.runtime import EngineGate
from bot.storage import SubscriptionStore
from briefings.engine import Engine

ETAG = '"feed-v1"'
LOCAL = FetchLimits(allow_private=True)  # the test server is on 127.0.0.1
LAST_MODIFIED = "Wed, 01 May 2024 08:00:00 GMT"
FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Harbour Gazette</title>
<item><guid>ferry-1</guid><title>Harbour authority opens second ferry terminal</title>
<link>http://127.0.0.1/ferry-1</link><pubDate>Tue, 30 Apr 2024 10:00:00 GMT</pubDate>
<description>The regional harbour authority on Tuesday opened a second ferry terminal, doubling
the number of daily crossings to the islands, its director told reporters. Ferry operators
said they would add four crossings a day from next month.</description></item>
<item><guid>rail-2</guid><title>Night train returns to the coast line</title>
<link>http://127.0.0.1/rail-2</link><pubDate>Tue, 30 Apr 2024 12:00:00 GMT</pubDate>
<description>The state railway on Tuesday restored a night train on the coast line after a
four-year break, the operator said. Tickets went on sale on Monday and the first train
was fully booked, a spokeswoman said.</description></item>
</channel></rss>"""


class FeedServer:
    """A tiny HTTP server with one feed that honours If-None-Match / If-Modified-Since."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str | None]] = []
        self.status = 200
        self.body = FEED
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server.requests.append(
                    {
                        "If-None-Match": self.headers.get("If-None-Match"),
                        "If-Modified-Since": self.headers.get("If-Modified-Since"),
                    }
                )
                if server.status != 200:
                    self.send_error(server.status)
                    return
                if self.headers.get("If-None-Match") == ETAG:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("ETag", ETAG)
                self.send_header("Last-Modified", LAST_MODIFIED)
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/feed.xml"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


DEAD = "http://127.0.0.1:9/nothing-listens-here.xml"


@contextlib.asynccontextmanager
async def live_sources(
    store: SubscriptionStore, engine: Engine, feeds: list[str]
) -> AsyncIterator[LiveSources]:
    """The bot's live sources polling these feeds, closed after the block."""
    live = LiveSources(store, EngineGate(engine, is_owned=False), feeds=feeds, limits=LOCAL)
    try:
        yield live
    finally:
        await live.aclose()


@pytest.fixture
def store(db_path: Path, engine: Engine) -> Iterator[SubscriptionStore]:
    opened = SubscriptionStore.open(db_path)
    yield opened
    opened.close()


async def test_a_feed_is_ingested_then_fetched_conditionally(
    feed_server: FeedServer, store: SubscriptionStore, engine: Engine
) -> None:
    async with live_sources(store, engine, [feed_server.url]) as live:
        checks = [await live.poll(), await live.poll()]
    assert checks == [
        [SourceCheck(feed_server.url, "updated", added=2)],
        [SourceCheck(feed_server.url, "not modified")],
    ]
    assert feed_server.requests == [
        {"If-None-Match": None, "If-Modified-Since": None},
        {"If-None-Match": ETAG, "If-Modified-Since": LAST_MODIFIED},
    ]
    assert sorted(a.title for a in engine.articles()) == [
        "Harbour authority opens second ferry terminal",
        "Night train returns to the coast line",
    ]
    assert {a.outlet for a in engine.articles()} == {"Harbour Gazette"}


async def test_a_feed_its_parser_fails_on_is_recorded_and_the_poll_goes_on(
    feed_server: FeedServer, store: SubscriptionStore, engine: Engine
) -> None:
    # The feed parser raised on these, and the error ended the whole poll of every feed.
    feed_server.body = b"<rss version='2.0'><channel><item><link>x</item></link></channel></rss>"
    async with live_sources(store, engine, [feed_server.url, DEAD]) as live:
        broken = await live.poll()
        recorded = store.feed_state(feed_server.url).last_error
        feed_server.body = FEED.replace(b"the islands", b"the islands&#xD800;")
        read = await live.poll()
    assert [(c.status, c.error) for c in broken] == [
        ("failed", "malformed feed: the feed parser failed (KeyError)"),
        ("failed", "ConnectError: All connection attempts failed"),
    ]
    assert recorded == "malformed feed: the feed parser failed (KeyError)"
    assert [(c.status, c.added) for c in read] == [("updated", 2), ("failed", 0)]
    stored = engine.store.db.execute("SELECT text FROM articles WHERE text LIKE '%islands%'")
    assert ["the islands\ufffd" in text for (text,) in stored] == [True]


async def test_an_address_httpx_refuses_fails_that_feed_only(
    feed_server: FeedServer, store: SubscriptionStore, engine: Engine
) -> None:
    # httpx refuses it without an HTTPError, and the error ended the whole poll.
    refused = "http://127.0.0.1\x00/feed.xml"
    async with live_sources(store, engine, [refused, feed_server.url]) as live:
        checks = await live.poll()
    assert [c.status for c in checks] == ["failed", "updated"]
    assert (checks[0].error or "").startswith("InvalidURL: ")
    assert store.feed_state(refused).failing_since is not None


async def test_a_failing_feed_is_recorded_until_it_recovers(
    feed_server: FeedServer, store: SubscriptionStore, engine: Engine
) -> None:
    feed_server.status = 500
    async with live_sources(store, engine, [feed_server.url, DEAD]) as live:
        failed = await live.poll()
        first_failure = store.feed_state(feed_server.url).failing_since
        feed_server.status = 200
        recovered = await live.poll()
    assert [(c.status, c.error) for c in failed] == [
        ("failed", "HTTP 500 Internal Server Error"),
        ("failed", "ConnectError: All connection attempts failed"),
    ]
    assert first_failure is not None
    assert [c.status for c in recovered] == ["updated", "failed"]
    states = {s.url: s for s in store.feed_states()}
    assert (states[feed_server.url].failing_since, states[feed_server.url].etag) == (None, ETAG)
    assert states[DEAD].failing_since is not None
    assert states[DEAD].last_error == "ConnectError: All connection attempts failed"


async def test_the_watched_folder_ingests_new_and_changed_files_only(
    tmp_path: Path, store: SubscriptionStore, engine: Engine
) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    article = folder / "ferry.txt"
    article.write_text(
        "Harbour authority opens second ferry terminal\n\n"
        "The regional harbour authority on Tuesday opened a second ferry terminal, its "
        "director said. Ferry operators said they would add four crossings a day.\n",
        encoding="utf-8",
    )
    live = LiveSources(store, EngineGate(engine, is_owned=False), folder=folder)
    try:
        checks = [await live.poll(), await live.poll()]
        article.write_text(article.read_text() + "\nThe old terminal will be renovated.\n")
        checks.append(await live.poll())
    finally:
        await live.aclose()
    assert checks == [
        [SourceCheck(str(folder), "updated", added=1)],
        [SourceCheck(str(folder), "not modified")],
        [SourceCheck(str(folder), "updated", updated=1)],
    ]
    assert changed_files(folder, store.watched_files()) == {}


@pytest.mark.parametrize(
    ("value", "urls"),
    [
        (None, ()),
        ("", ()),
        ("http://a/x.xml", ("http://a/x.xml",)),
        ("http://a/x.xml, http://b/y.xml\nhttp://a/x.xml", ("http://a/x.xml", "http://b/y.xml")),
    ],
)
def test_split_feed_urls(value: str | None, urls: tuple[str, ...]) -> None:
    assert split_feed_urls(value) == urls
