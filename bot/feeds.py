"""Live sources: RSS/Atom feeds and a watched folder, polled for new articles.

Feeds are fetched with conditional GET — the ETag and Last-Modified of the last answer go
back as If-None-Match / If-Modified-Since, so an unchanged feed costs a 304 and nothing
else. Validators and failures are kept in SQLite (`feed_state`): a failing feed is
recorded with the time it started failing and its latest error, for /status to show.

The watched folder is scanned for article files whose size or modification time changed
since they were last ingested (`watched_files`); only those are read.

New articles go through the engine's ordinary ingest, so they show up in /brief and in the
next digest (which picks up everything ingested after a chat's last one).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from bot.subscriptions import SubscriptionStore
from briefings.errors import BriefingError, UnreadableArticle
from briefings.ingest import ingest_documents
from briefings.readers import iter_article_files, parse_feed

if TYPE_CHECKING:
    from bot.digests import Gate

logger = logging.getLogger(__name__)

POLL_SECONDS = 300
FETCH_TIMEOUT_SECONDS = 20.0
MAX_FEED_BYTES = 10 * 1024 * 1024
USER_AGENT = "newsbot (feed digest bot)"
_SEPARATORS = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class SourceCheck:
    """The outcome of polling one feed or the watched folder."""

    source: str
    status: str  # "updated", "not modified", "failed"
    added: int = 0
    updated: int = 0
    error: str | None = None


def split_feed_urls(value: str | None) -> tuple[str, ...]:
    """NEWSBOT_FEEDS as a tuple of URLs (comma- or space-separated, duplicates dropped)."""
    return tuple(dict.fromkeys(part for part in _SEPARATORS.split(value or "") if part))


async def check_feed(
    client: httpx.AsyncClient, store: SubscriptionStore, gate: Gate, url: str
) -> SourceCheck:
    """Fetch one feed if it changed, ingest its entries, and record the outcome."""
    state = await asyncio.to_thread(store.feed_state, url)
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    try:
        response = await client.get(url, headers=headers)
        if response.status_code == httpx.codes.NOT_MODIFIED:
            await asyncio.to_thread(store.record_feed_ok, url, state.etag, state.last_modified)
            return SourceCheck(url, "not modified")
        response.raise_for_status()
        if len(response.content) > MAX_FEED_BYTES:
            raise UnreadableArticle(f"the feed is larger than {MAX_FEED_BYTES // 2**20} MB")
        try:
            documents = parse_feed(response.content, url)
        except UnreadableArticle as error:
            if "no entries" not in str(error):  # an empty feed is quiet, not broken
                raise
            documents = []
        report = await gate.call(lambda engine: ingest_documents(engine.store, documents))
    except (httpx.HTTPError, BriefingError) as error:
        message = _describe(error)
        logger.warning("feed %s failed: %s", url, message)
        await asyncio.to_thread(store.record_feed_error, url, message)
        return SourceCheck(url, "failed", error=message)
    await asyncio.to_thread(
        store.record_feed_ok,
        url,
        response.headers.get("etag"),
        response.headers.get("last-modified"),
    )
    return SourceCheck(url, "updated", len(report.added), len(report.updated))


def changed_files(folder: Path, known: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """Article files in `folder` that are new or changed: path → (size, mtime_ns)."""
    changed: dict[str, tuple[int, int]] = {}
    for path in iter_article_files([folder]):
        try:
            stat = path.stat()
        except OSError:
            continue  # deleted between listing and stat
        signature = (stat.st_size, stat.st_mtime_ns)
        if known.get(str(path)) != signature:
            changed[str(path)] = signature
    return changed


async def check_folder(store: SubscriptionStore, gate: Gate, folder: Path) -> SourceCheck:
    """Ingest the files of the watched folder that are new or changed since the last check."""
    if not folder.is_dir():
        return SourceCheck(str(folder), "failed", error="no such folder")
    known = await asyncio.to_thread(store.watched_files)
    changed = await asyncio.to_thread(changed_files, folder, known)
    if not changed:
        return SourceCheck(str(folder), "not modified")
    paths = sorted(changed)
    report = await gate.call(lambda engine: engine.ingest(paths))
    # Rejected files are remembered too: retrying them unchanged would only fail again.
    await asyncio.to_thread(store.record_watched, changed)
    for path, reason in report.rejected:
        logger.info("watched file %s rejected: %s", path, reason)
    return SourceCheck(str(folder), "updated", len(report.added), len(report.updated))


class LiveSources:
    """The feeds and folder one bot polls, and the HTTP client it polls them with."""

    def __init__(
        self,
        store: SubscriptionStore,
        gate: Gate,
        *,
        feeds: Sequence[str] = (),
        folder: Path | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.store = store
        self.gate = gate
        self.feeds = tuple(feeds)
        self.folder = folder
        # Feeds admins added with /feeds (bot.feed_admin), read afresh at every poll.
        self.managed_feeds: Callable[[], Sequence[str]] = tuple
        self.client = httpx.AsyncClient(
            timeout=FETCH_TIMEOUT_SECONDS,
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT},
            transport=transport,
        )
        self._lock = asyncio.Lock()

    @property
    def is_empty(self) -> bool:
        return not self.feeds and self.folder is None and not self.managed_feeds()

    async def poll(self) -> list[SourceCheck]:
        """Check every source once; feeds concurrently, then the folder."""
        async with self._lock:  # a slow poll and the next tick must not overlap
            managed = await asyncio.to_thread(self.managed_feeds)
            feeds = tuple(dict.fromkeys((*self.feeds, *managed)))
            checks = list(
                await asyncio.gather(
                    *(check_feed(self.client, self.store, self.gate, url) for url in feeds)
                )
            )
            if self.folder is not None:
                checks.append(await check_folder(self.store, self.gate, self.folder))
        for check in checks:
            if check.added or check.updated:
                logger.info(
                    "%s: %d new, %d changed articles", check.source, check.added, check.updated
                )
        return checks

    async def aclose(self) -> None:
        await self.client.aclose()


def _describe(error: Exception) -> str:
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code} {error.response.reason_phrase}".strip()
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    if isinstance(error, httpx.HTTPError):
        return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return str(error)


__all__ = [
    "POLL_SECONDS",
    "LiveSources",
    "SourceCheck",
    "changed_files",
    "check_feed",
    "check_folder",
    "split_feed_urls",
]
