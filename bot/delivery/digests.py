"""Digests: what is new for a chat since its last digest, and delivering one slot to many chats.

`compose_digest` turns the articles ingested since a chat's watermark into one message:
each new event with its one-line briefing and the outlets reporting it. When nothing is
new it follows NEWSBOT_DIGEST_WHEN_QUIET: the current briefing marked as such ("brief"),
a short note ("note"), or nothing ("skip").

`DigestService.deliver_due` is the exactly-once fan-out: it finds the slot each
subscription is owed (the latest one, if within the grace period), claims all of them in
the ledger in one transaction, composes one digest per distinct watermark, then sends at a
steady pace just under Telegram's 30 messages/s. Each send is marked "sending" in the
ledger just before its request leaves (see bot.storage for what a crash then
leaves). A 429 pauses the whole fan-out for retry_after and the message is sent again; a
403 or "chat not found" ends that subscription; a group upgraded to a supergroup keeps its
subscription under the new id. A failure after the request left (a timeout waiting for the
answer) is never retried: the delivery is recorded "unknown" and logged
(`bot.network.may_have_arrived`), so a digest is never sent twice.

A chat's keyword filter (`bot.delivery.filters`) narrows its digest to the articles that match. When
nothing matches, the chat is told so once; later slots stay silent until something matches
or the filter changes. A forum topic that was closed or deleted is reported to the group's
admins once; the subscription then posts to the General topic, starting with that slot.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from markupsafe import Markup
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import MessageLimit, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot

from bot.delivery.filters import ChatFilter
from bot.delivery.schedule import UTC, Slot, next_slot, owed_slot
from bot.i18n import translator
from bot.instance import process_owner
from bot.network import NO_FLOOD_WAITS, may_have_arrived, retry_seconds
from bot.storage import (
    CLAIMED,
    FAILED,
    GONE,
    SENDING,
    SENT,
    SKIPPED,
    UNKNOWN,
    Subscription,
    SubscriptionStore,
)
from bot.telegram_html import escape
from briefings.errors import BriefingError
from briefings.models import Citation, StoredArticle
from briefings.render import visible_length

if TYPE_CHECKING:
    from briefings.engine import Engine

logger = logging.getLogger(__name__)
T = TypeVar("T")

WHEN_QUIET = ("brief", "skip", "note")
GRACE = dt.timedelta(hours=6)
KEEP_LEDGER = dt.timedelta(days=7)
# Under Telegram's 30/s, with room for jitter: arrivals bunch, and one 429 costs a second.
MESSAGES_PER_SECOND = 28.0
# Enough sends in flight for Telegram's round trip at that rate (28/s x ~0.3 s), and few
# enough that those held back by a flood wait cannot burst past the limit when it ends.
WORKERS = 8
MAX_ATTEMPTS = 8
MAX_ENTRIES = 12
BUTTON_PREFIX = "digest:"
UNMATCHED_HTML = (
    "<b>Your digest: nothing new matches your filter.</b>\n"
    "I'll stay quiet until something does. /filter shows the filter and how to change it."
)
TOPIC_LOST_HTML = (
    "The forum topic this chat's digest was posted in is closed or was deleted, so from now "
    "on it comes here, to the General topic. To move it, an admin sends /subscribe inside "
    "another topic."
)
MAX_MENTIONS = 10
ERROR = "error"  # a permanent failure of this one digest (e.g. Telegram refused the text)


class Gate(Protocol):
    """Runs blocking engine work off the event loop (bot.app.EngineGate)."""

    def call(self, work: Callable[[Engine], T]) -> Awaitable[T]: ...


# -- composing --------------------------------------------------------------------------------
@dataclass(frozen=True)
class DigestEntry:
    """One new story of a digest: an event's title and one-line briefing, or a lone article."""

    title: str
    line: str | None
    sources: tuple[str, ...]
    new_articles: int
    event_id: int | None = None
    articles: tuple[StoredArticle, ...] = ()
    citations: tuple[Citation, ...] = ()
    """The entry's articles as numbered sources of the digest ([1][2]), as briefings cite."""


@dataclass(frozen=True)
class Digest:
    """A composed digest message and the content watermark it moves the chat to."""

    html: str
    watermark: str
    shown: tuple[int, ...]
    event_id: int | None = None
    is_quiet: bool = False
    is_unmatched: bool = False
    """Nothing matched the chat's filter: the chat is told once, then left in peace."""

    def keyboard(self) -> InlineKeyboardMarkup | None:
        """Buttons under the digest: the full briefing and the people of its lead event."""
        if self.event_id is None:
            return None
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        "Full briefing", callback_data=f"{BUTTON_PREFIX}brief:{self.event_id}"
                    ),
                    InlineKeyboardButton(
                        "Who", callback_data=f"{BUTTON_PREFIX}who:{self.event_id}"
                    ),
                ]
            ]
        )


def iso_seconds(at: dt.datetime) -> str:
    """An instant as the engine writes `ingested_at` (UTC, whole seconds), so strings compare."""
    return at.astimezone(UTC).replace(microsecond=0).isoformat()


def compose_digest(
    engine: Engine,
    *,
    since: str,
    shown: Sequence[int] = (),
    when_quiet: str = "brief",
    max_chars: int = MessageLimit.MAX_TEXT_LENGTH,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    translate: Callable[[str], str] | None = None,
) -> Digest | None:
    """The digest of what was ingested after `since` (minus `shown`); None when quiet + skip.

    With filter terms (`include`, `exclude`), only matching articles are carried; when none
    match, the digest says so (`is_unmatched`).
    """
    # The watermark trails the clock by a second and remembers the ids of that last second:
    # `ingested_at` has whole seconds, so an article saved later in this same second is
    # still new next time, and one shown now is not shown again.
    watermark = iso_seconds(dt.datetime.now(UTC) - dt.timedelta(seconds=1))
    store = engine.store
    skip = set(shown)
    fresh = [a for a in store.articles_ingested_since(since) if a.id not in skip]
    boundary = tuple(a.id for a in store.articles_ingested_since(watermark))
    if include or exclude:
        if not fresh and when_quiet == "skip":
            return None
        matching = engine.filter_articles((a.id for a in fresh), include, exclude)
        fresh = [a for a in fresh if a.id in matching]
        if not fresh:
            # A filtered chat never gets the unfiltered current briefing as a stand-in.
            return Digest(UNMATCHED_HTML, watermark, boundary, is_unmatched=True)
    if not fresh:
        return _quiet_digest(engine, when_quiet, watermark, boundary, max_chars, translate)

    by_event: dict[int | None, list] = defaultdict(list)
    for article in fresh:
        by_event[article.event_id].append(article)
    entries: list[DigestEntry] = []
    for event in engine.events():  # latest first
        articles = by_event.pop(event.id, None)
        if not articles:
            continue
        entries.append(
            DigestEntry(
                event.title,
                _one_line(engine, event.id),
                _sources(articles),
                len(articles),
                event.id,
                tuple(articles),
            )
        )
    for articles in by_event.values():  # not grouped into an event (other languages…)
        for article in articles:
            entries.append(
                DigestEntry(article.title, None, _sources([article]), 1, articles=(article,))
            )

    lead = next((e.event_id for e in entries if e.event_id is not None), None)
    shown_count = min(len(entries), MAX_ENTRIES)
    while True:
        shown_entries = numbered(entries[:shown_count])
        html = engine.renderer.render_template(
            "digest.html.j2",
            translate=translate,
            entries=shown_entries,
            citations=[c for entry in shown_entries for c in entry.citations],
            more=len(entries) - shown_count,
            article_count=len(fresh),
            story_count=len(entries),
            is_quiet=False,
            briefing=None,
            has_corpus=True,
        )
        if visible_length(html) <= max_chars or shown_count <= 1:
            break
        shown_count -= 1
    return Digest(html, watermark, boundary, lead)


def numbered(entries: Sequence[DigestEntry]) -> list[DigestEntry]:
    """Entries whose articles are numbered as the digest's sources, in reading order."""
    count = 0
    result = []
    for entry in entries:
        citations = []
        for article in entry.articles:
            count += 1
            citations.append(Citation(count, article))
        result.append(dataclasses.replace(entry, citations=tuple(citations)))
    return result


def _one_line(engine: Engine, event_id: int) -> str | None:
    """The event's briefing in one line: its first item, else its headline."""
    try:
        briefing = engine.brief(event_id=event_id)
    except BriefingError:
        return None
    for section in briefing.sections:
        for item in section.items:
            return item.text
    return briefing.headline


def _sources(articles: Sequence[Any]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(article.source_name for article in articles))


def _quiet_digest(
    engine: Engine,
    when_quiet: str,
    watermark: str,
    boundary: tuple[int, ...],
    max_chars: int,
    translate: Callable[[str], str] | None = None,
) -> Digest | None:
    if when_quiet == "skip":
        return None
    briefing_html: str | None = None
    event_id: int | None = None
    if when_quiet == "brief":
        try:
            briefing = engine.brief()
        except BriefingError:
            briefing = None
        if briefing is not None:
            # Room for the "nothing new" line above the briefing.
            briefing_html = engine.renderer.briefing(
                briefing, "html", max_chars=max_chars - 120, translate=translate
            )
            event_id = briefing.event.id
    html = engine.renderer.render_template(
        "digest.html.j2",
        translate=translate,
        entries=[],
        citations=[],
        more=0,
        article_count=0,
        story_count=0,
        is_quiet=True,
        briefing=Markup(briefing_html) if briefing_html else None,  # already escaped
        has_corpus=bool(engine.store.article_count()),
    )
    return Digest(html, watermark, boundary, event_id, is_quiet=True)


# -- delivering -------------------------------------------------------------------------------
@dataclass
class FanoutReport:
    """What one fan-out did."""

    due: int = 0
    sent: int = 0
    skipped: int = 0
    gone: int = 0
    failed: int = 0
    errors: int = 0
    unknown: int = 0
    """Sends that failed after the request left: they may or may not have arrived."""
    abandoned: int = 0
    """Sends a stopped process left "sending", recorded unknown at this run's start."""
    migrated: int = 0
    retries_429: int = 0
    topics_lost: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)


class Pacer:
    """Spaces sends evenly at `rate` per second; a flood wait pauses every sender."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0

    async def wait(self) -> None:
        now = time.monotonic()
        at = max(now, self._next)
        self._next = at + self.interval
        if at > now:
            await asyncio.sleep(at - now)

    def pause(self, seconds: float) -> None:
        self._next = max(self._next, time.monotonic() + seconds)


class DigestService:
    """Delivers the slots subscriptions are owed, each once, to as many chats as there are."""

    def __init__(
        self,
        store: SubscriptionStore,
        gate: Gate,
        bot: Bot,
        *,
        when_quiet: str = "brief",
        grace: dt.timedelta = GRACE,
        rate: float = MESSAGES_PER_SECOND,
        workers: int = WORKERS,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        if when_quiet not in WHEN_QUIET:
            raise ValueError(f"when_quiet must be one of {WHEN_QUIET}, got {when_quiet!r}")
        self.store = store
        self.gate = gate
        self.bot = bot
        self.when_quiet = when_quiet
        self.grace = grace
        self.workers = workers
        self.pacer = Pacer(rate)
        self.clock = clock or (lambda: dt.datetime.now(UTC))
        # Claims name their process: only a claim of a process no longer running is taken over.
        self.owner = process_owner()
        self._lock = asyncio.Lock()
        # Slots up to this instant have been looked at; the timer is armed from here, so a slot
        # falling due during a long fan-out is not stepped over.
        self.checked_until: dt.datetime | None = None
        # A chat's chosen language (/language), for the digest's own words; None: English.
        self.language_of: Callable[[int], str | None] = lambda chat_id: None

    async def deliver_due(self) -> FanoutReport:
        """Claim and send every slot owed now (including ones missed within the grace period)."""
        async with self._lock:
            now = self.clock()
            self.checked_until = now
            abandoned = await asyncio.to_thread(self.store.settle_abandoned, self.owner)
            if abandoned:
                chats = ", ".join(f"{d.chat_id} ({d.slot})" for d in abandoned[:20])
                more = f" and {len(abandoned) - 20} more" if len(abandoned) > 20 else ""
                logger.warning(
                    "%d digest(s) were being sent when the bot stopped; they may or may not "
                    "have arrived and are not sent again (recorded as unknown): %s%s",
                    len(abandoned),
                    chats,
                    more,
                )
            subscriptions = await asyncio.to_thread(self.store.all)
            owed = [
                (subscription, slot)
                for subscription in subscriptions
                if (
                    slot := owed_slot(
                        subscription.plan, since=subscription.since, now=now, grace=self.grace
                    )
                )
            ]
            held = await asyncio.to_thread(
                self.store.claim, [(s.chat_id, slot) for s, slot in owed], self.owner
            )
            # The ledger only needs to outlive the grace period; a week is plenty.
            await asyncio.to_thread(self.store.prune, now - KEEP_LEDGER)
            keys = {(chat_id, slot.key) for chat_id, slot in held}
            work = [(s, slot) for s, slot in owed if (s.chat_id, slot.key) in keys]
            chat_filters = await asyncio.to_thread(self.store.chat_filters) if work else {}
            report = await self._deliver(work, chat_filters)
            report.abandoned = len(abandoned)
            return report

    async def next_due_at(self) -> dt.datetime | None:
        """The earliest slot after the last check (None without subscriptions); may be past."""
        after = self.checked_until or self.clock()
        subscriptions = await asyncio.to_thread(self.store.all)
        slots = [next_slot(s.plan, after).at for s in subscriptions]
        return min(slots) if slots else None

    async def _deliver(
        self,
        work: Sequence[tuple[Subscription, Slot]],
        chat_filters: dict[int, ChatFilter],
    ) -> FanoutReport:
        report = FanoutReport(due=len(work))
        started = time.monotonic()
        # Chats that got the same previous digest and filter share one composition.
        groups: dict[tuple[Any, ...], list[tuple[Subscription, Slot, ChatFilter]]] = defaultdict(
            list
        )
        for subscription, slot in work:
            since = subscription.watermark or iso_seconds(subscription.since)
            chat_filter = chat_filters.get(subscription.chat_id) or ChatFilter(subscription.chat_id)
            language = self.language_of(subscription.chat_id)
            key = (since, subscription.shown, chat_filter.include, chat_filter.exclude, language)
            groups[key].append((subscription, slot, chat_filter))
        queue: asyncio.Queue[tuple[Subscription, Slot, Digest, ChatFilter]] = asyncio.Queue()
        for (since, shown, include, exclude, language), members in groups.items():
            digest = await self.gate.call(
                functools.partial(
                    compose_digest,
                    since=since,
                    shown=shown,
                    when_quiet=self.when_quiet,
                    include=include,
                    exclude=exclude,
                    translate=translator(language),
                )
            )
            for subscription, slot, chat_filter in members:
                if digest is None:
                    await asyncio.to_thread(
                        self.store.finish, subscription.chat_id, slot.key, SKIPPED
                    )
                    report.skipped += 1
                elif digest.is_unmatched and chat_filter.told_nothing_matched:
                    # Told once already: stay silent, but the articles are behind the chat now.
                    await asyncio.to_thread(
                        self.store.finish,
                        subscription.chat_id,
                        slot.key,
                        SKIPPED,
                        watermark=digest.watermark,
                        shown=digest.shown,
                    )
                    report.skipped += 1
                else:
                    queue.put_nowait((subscription, slot, digest, chat_filter))

        async def worker() -> None:
            while True:
                try:
                    subscription, slot, digest, chat_filter = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await self._send(subscription, slot, digest, chat_filter, report)

        await asyncio.gather(*(worker() for _ in range(min(self.workers, queue.qsize()))))
        report.seconds = time.monotonic() - started
        if work:
            logger.info("digest fan-out: %s", report)
        return report

    async def _send(
        self,
        subscription: Subscription,
        slot: Slot,
        digest: Digest,
        chat_filter: ChatFilter,
        report: FanoutReport,
    ) -> None:
        outcome = await self.send(
            subscription.chat_id,
            subscription.thread_id,
            digest.html,
            reply_markup=digest.keyboard(),
            report=report,
            slot=slot.key,
        )
        if outcome.status != SENT:
            logger.warning(
                "digest for chat %s, slot %s: %s", outcome.chat_id, slot.key, outcome.error
            )
        elif digest.is_unmatched != chat_filter.told_nothing_matched:
            # Told now that nothing matched, or something matched again: tell again next time.
            await asyncio.to_thread(
                self.store.set_told_nothing_matched, outcome.chat_id, digest.is_unmatched
            )
        await asyncio.to_thread(
            self.store.finish,
            outcome.chat_id,
            slot.key,
            outcome.status,
            error=outcome.error,
            watermark=digest.watermark,
            shown=digest.shown,
        )
        field = {SENT: "sent", GONE: "gone", FAILED: "failed", ERROR: "errors", UNKNOWN: "unknown"}[
            outcome.status
        ]
        setattr(report, field, getattr(report, field) + 1)

    async def send(
        self,
        chat_id: int,
        thread_id: int | None,
        html: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
        report: FanoutReport | None = None,
        slot: str | None = None,
    ) -> Outcome:
        """Send one message at the shared pace, riding out 429s, migrations and lost topics.

        The delivery path of digests and alerts alike: a chat that is gone ends its
        subscription, a forum topic that is gone falls back to General (admins told once).
        With `slot`, the digest ledger row (chat, slot) is marked "sending" before each
        request and "claimed" again whenever an answer proves nothing was sent.
        """
        report = report if report is not None else FanoutReport()
        status = FAILED
        error: str | None = "gave up after repeated network errors"
        is_marked = False

        async def mark(new_status: str) -> None:
            nonlocal is_marked
            if slot is not None and is_marked != (new_status == SENDING):
                await asyncio.to_thread(self.store.mark, chat_id, slot, new_status)
                is_marked = new_status == SENDING

        # 429s are waited out here, the claim back to "claimed" meanwhile, not in the rate
        # limiter (bot.network.FloodBudgetLimiter) with the claim still "sending".
        limited = isinstance(self.bot, ExtBot) and self.bot.rate_limiter is not None
        no_flood_waits: dict[str, Any] = {"rate_limit_args": NO_FLOOD_WAITS} if limited else {}
        for attempt in range(MAX_ATTEMPTS):
            await self.pacer.wait()
            await mark(SENDING)  # committed before the request leaves
            try:
                await self.bot.send_message(
                    chat_id=chat_id,
                    text=html,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    message_thread_id=thread_id,
                    reply_markup=reply_markup,
                    **no_flood_waits,
                )
            except RetryAfter as flood:
                # Telegram's flood wait holds for the whole bot: everyone pauses, then resends.
                await mark(CLAIMED)
                report.retries_429 += 1
                self.pacer.pause(retry_seconds(flood))
                continue
            except ChatMigrated as moved:
                await mark(CLAIMED)
                await asyncio.to_thread(self.store.move, chat_id, moved.new_chat_id)
                chat_id, thread_id = moved.new_chat_id, None
                report.migrated += 1
                continue
            except Forbidden as refused:  # blocked, kicked, user deactivated
                status, error = GONE, str(refused)
                break
            except BadRequest as bad:
                text = str(bad).lower()
                if "chat not found" in text:
                    status, error = GONE, str(bad)
                    break
                if thread_id is not None and ("thread" in text or "topic" in text):
                    # The forum topic is gone or closed: this message and the next go to General.
                    await mark(CLAIMED)
                    thread_id = None
                    if await self._topic_lost(chat_id, str(bad)):
                        report.topics_lost += 1
                    continue
                status, error = ERROR, str(bad)
                break
            except NetworkError as network:  # includes TimedOut
                if may_have_arrived(network):
                    # Telegram may have the message: sending it again could show it twice.
                    status = UNKNOWN
                    error = (
                        f"{str(network) or type(network).__name__}: it may or may not have arrived"
                    )
                    break
                # Never reached Telegram, or Telegram refused it (5xx): safe to send again.
                await mark(CLAIMED)
                error = str(network)
                await asyncio.sleep(min(2.0**attempt, 30.0))
                continue
            except TelegramError as other:
                status, error = ERROR, str(other)
                break
            else:
                status, error = SENT, None
                break
        if status == GONE:
            logger.info("chat %s is gone (%s): ending its subscription", chat_id, error)
            await asyncio.to_thread(self.store.forget_chat, chat_id)
        return Outcome(chat_id, status, error)

    async def _topic_lost(self, chat_id: int, reason: str) -> bool:
        """Move the chat to General and tell its admins there, once; whether this call did."""
        if not await asyncio.to_thread(self.store.forget_thread, chat_id):
            return False  # another send of this chat noticed first and told them
        logger.info("forum topic of chat %s lost (%s): posting to General", chat_id, reason)
        mentions = await self._admin_mentions(chat_id)
        html = TOPIC_LOST_HTML + (f"\n{mentions}" if mentions else "")
        for _ in range(MAX_ATTEMPTS):
            await self.pacer.wait()
            try:
                await self.bot.send_message(
                    chat_id=chat_id,
                    text=html,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
            except RetryAfter as flood:
                self.pacer.pause(retry_seconds(flood))
                continue
            except TelegramError as error:
                # The digest itself still goes out; the notice is a courtesy.
                logger.warning("could not tell chat %s its topic is gone: %s", chat_id, error)
            break
        return True

    async def _admin_mentions(self, chat_id: int) -> str:
        """The chat's human administrators as mention links (empty when unknown)."""
        try:
            members = await self.bot.get_chat_administrators(chat_id)
        except TelegramError as error:
            logger.info("getChatAdministrators failed in chat %s: %s", chat_id, error)
            return ""
        links = [
            f'<a href="tg://user?id={member.user.id}">{escape(member.user.full_name)}</a>'
            for member in members
            if not member.user.is_bot
        ]
        return ", ".join(links[:MAX_MENTIONS])


@dataclass(frozen=True)
class Outcome:
    """How sending one message ended, and the chat id it ended in (after a migration)."""

    chat_id: int
    status: str
    error: str | None = None
