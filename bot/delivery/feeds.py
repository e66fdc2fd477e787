"""Live sources: RSS/Atom feeds and a watched folder, polled for new articles.

Feeds are fetched with conditional GET — the ETag and Last-Modified of the last answer go
back as If-None-Match / If-Modified-Since, so an unchanged feed costs a 304 and nothing
else. Validators and failures are kept in SQLite (`feed_state`): a failing feed is
recorded with the time it started failing and its latest error, for /status to show. A
feed that is not well-formed XML counts as failing, even when some entries could be read.

Feeds are fetched a few at a time (`FEED_CONCURRENCY`), each within a total deadline, a
size cap and the address rules of `bot.delivery.fetch`; the folder is scanned on its own
(`LiveSources.scan_folder`), so a slow feed never holds it up.

The watched folder is scanned for article files whose size or modification time changed
since they were last ingested (`watched_files`); only those are read. A link in it that
leads out of the folder is never followed (logged once).

New articles go through the engine's ordinary ingest, so they show up in /brief and in the
next digest (which picks up everything ingested after a chat's last one).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from bot.delivery.fetch import FetchError, FetchLimits, fetch
from bot.i18n import N_, Translatable
from bot.storage import SubscriptionStore
from briefings.engine import article_files
from briefings.errors import BriefingError

if TYPE_CHECKING:
    from bot.runtime import Gate

logger = logging.getLogger(__name__)

POLL_SECONDS = 300
# Per network operation (connect, each read); the whole fetch has FetchLimits.deadline.
FETCH_TIMEOUT_SECONDS = 20.0
FEED_CONCURRENCY = 4
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
    """Why it failed, in English (logs, /status)."""
    reason: Translatable | None = field(default=None, compare=False)
    """Why it failed, for a reader in any language (/feeds add); None: only `error` says."""


def split_feed_urls(value: str | None) -> tuple[str, ...]:
    """NEWSBOT_FEEDS as a tuple of URLs (comma- or space-separated, duplicates dropped)."""
    return tuple(dict.fromkeys(part for part in _SEPARATORS.split(value or "") if part))


async def check_feed(
    client: httpx.AsyncClient,
    store: SubscriptionStore,
    gate: Gate,
    url: str,
    limits: FetchLimits | None = None,
) -> SourceCheck:
    """Fetch one feed if it changed, ingest its entries, and record the outcome."""
    state = await asyncio.to_thread(store.feed_state, url)
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    try:
        fetched = await fetch(client, url, headers, limits or FetchLimits())
        if fetched.status == httpx.codes.NOT_MODIFIED:
            await asyncio.to_thread(store.record_feed_ok, url, state.etag, state.last_modified)
            return SourceCheck(url, "not modified")
        content = fetched.content
        read = await gate.write(lambda engine: engine.ingest_feed(content, url))
        report, problem = read.report, read.problem
    except (httpx.HTTPError, httpx.InvalidURL, FetchError, BriefingError) as error:
        # (httpx refuses some addresses, a tab or a NUL in them, without an HTTPError)
        return await _failed(store, url, _describe(error), _reason(error))
    if problem is not None:
        # What could be read is in; the feed is still broken, and its validators are not
        # kept, so that the next poll reads it whole again.
        failed = await _failed(store, url, problem)
        return SourceCheck(url, "failed", len(report.added), len(report.updated), failed.error)
    await asyncio.to_thread(store.record_feed_ok, url, fetched.etag, fetched.last_modified)
    return SourceCheck(url, "updated", len(report.added), len(report.updated))


async def _failed(
    store: SubscriptionStore, url: str, message: str, reason: Translatable | None = None
) -> SourceCheck:
    logger.warning("feed %s failed: %s", url, message)
    await asyncio.to_thread(store.record_feed_error, url, message)
    return SourceCheck(url, "failed", error=message, reason=reason)


def changed_files(
    folder: Path,
    known: dict[str, tuple[int, int]],
    refused: list[tuple[str, str]] | None = None,
) -> dict[str, tuple[int, int]]:
    """Article files in `folder` that are new or changed: path → (size, mtime_ns).

    Links leading out of the folder are left out, and named in `refused` when given.
    """
    changed: dict[str, tuple[int, int]] = {}
    for path in article_files([folder], refused=refused):
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
    refused: list[tuple[str, str]] = []
    changed = await asyncio.to_thread(changed_files, folder, known, refused)
    new_refusals = {path: _link_signature(path) for path, _ in refused}
    new_refusals = {p: sig for p, sig in new_refusals.items() if known.get(p) != sig}
    for path, reason in refused:
        if path in new_refusals:
            logger.warning("watched file %s: %s", path, reason)
    if new_refusals:
        await asyncio.to_thread(store.record_watched, new_refusals)  # told once, not every poll
    if not changed:
        return SourceCheck(str(folder), "not modified")
    paths = sorted(changed)
    try:
        report = await gate.write(lambda engine: engine.ingest(paths))
    except Exception as error:  # a poll must never die: the next one tries again
        logger.exception("watched folder %s: ingest failed", folder)
        return SourceCheck(str(folder), "failed", error=_describe(error))
    # Rejected files are remembered too: retrying them unchanged would only fail again.
    await asyncio.to_thread(store.record_watched, changed)
    for path, reason in report.rejected:
        logger.info("watched file %s rejected: %s", path, reason)
    return SourceCheck(str(folder), "updated", len(report.added), len(report.updated))


def _link_signature(path: str) -> tuple[int, int]:
    try:
        stat = Path(path).lstat()
    except OSError:
        return (0, 0)
    return (stat.st_size, stat.st_mtime_ns)


class LiveSources:
    """The feeds and folder one bot polls, and the HTTP client it polls them with."""

    def __init__(
        self,
        store: SubscriptionStore,
        gate: Gate,
        *,
        feeds: Sequence[str] = (),
        folder: Path | None = None,
        limits: FetchLimits | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.store = store
        self.gate = gate
        self.feeds = tuple(feeds)
        self.folder = folder
        self.limits = limits or FetchLimits()
        # Feeds admins added with /feeds (bot.commands.feeds), read afresh at every poll; they go
        # through the same fetcher, limits and address rules as NEWSBOT_FEEDS.
        self.managed_feeds: Callable[[], Sequence[str]] = tuple
        self.client = httpx.AsyncClient(
            timeout=FETCH_TIMEOUT_SECONDS,
            follow_redirects=False,  # bot.delivery.fetch follows them, checking each hop
            headers={"User-Agent": USER_AGENT},
            transport=transport,
        )
        # A slow poll and the next tick must not overlap; feeds and folder never wait on
        # each other.
        self._feeds_lock = asyncio.Lock()
        self._folder_lock = asyncio.Lock()

    @property
    def is_empty(self) -> bool:
        return not self.feeds and self.folder is None and not self.managed_feeds()

    async def poll(self) -> list[SourceCheck]:
        """Check every source once: the feeds and the folder side by side."""
        feeds, folder = await asyncio.gather(self.poll_feeds(), self.scan_folder())
        return feeds + folder

    async def poll_feeds(self) -> list[SourceCheck]:
        """Fetch every feed, configured or added by admins, a few at a time, within limits."""
        slots = asyncio.Semaphore(FEED_CONCURRENCY)

        async def one(url: str) -> SourceCheck:
            async with slots:
                return await check_feed(self.client, self.store, self.gate, url, self.limits)

        async with self._feeds_lock:
            managed = await asyncio.to_thread(self.managed_feeds)
            feeds = tuple(dict.fromkeys((*self.feeds, *managed)))
            checks = list(await asyncio.gather(*(one(url) for url in feeds)))
        _log_news(checks)
        return checks

    async def scan_folder(self) -> list[SourceCheck]:
        """Ingest what is new or changed in the watched folder."""
        if self.folder is None:
            return []
        async with self._folder_lock:
            checks = [await check_folder(self.store, self.gate, self.folder)]
        _log_news(checks)
        return checks

    async def aclose(self) -> None:
        await self.client.aclose()


def _log_news(checks: list[SourceCheck]) -> None:
    for check in checks:
        if check.added or check.updated:
            logger.info("%s: %d new, %d changed articles", check.source, check.added, check.updated)


def _reason(error: Exception) -> Translatable | None:
    """Why a fetch failed, in words a catalog translates (None: the English text only: an
    HTTP library's or the engine's detail)."""
    if isinstance(error, FetchError):
        return error.message
    if isinstance(error, httpx.TimeoutException):
        return Translatable(N_("timed out"))
    return None


def _describe(error: Exception) -> str:
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code} {error.response.reason_phrase}".strip()
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    if isinstance(error, httpx.HTTPError):
        return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    if isinstance(error, FetchError | BriefingError):
        return str(error)
    return f"{type(error).__name__}: {error}"


__all__ = [
    "FEED_CONCURRENCY",
    "POLL_SECONDS",
    "LiveSources",
    "SourceCheck",
    "changed_files",
    "check_feed",
    "check_folder",
    "split_feed_urls",
]
