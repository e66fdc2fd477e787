"""Digests: delivering one slot to many chats, each once.

Over 400 lines: the fan-out, its ledger marks and the messages a chat gets when its
digest cannot go (no match, a lost topic) are one exactly-once story, read in order.

The engine composes each digest (`Engine.digest`, briefings.brief.digest): the articles ingested
since a chat's watermark as one message, or, when nothing is new, what
NEWSBOT_DIGEST_WHEN_QUIET says.

`DigestService.deliver_due` is the exactly-once fan-out: it finds the slot each
subscription is owed (the latest one, if within the grace period), claims all of them in
the ledger in one transaction, composes one digest per distinct watermark, then sends them
through the application's rate limiter (`bot.rate_limit`), which keeps Telegram's limits
(30 messages/s, 20 a minute in a group, one a second in a chat). Each send is marked
"sending" in the ledger just before its request leaves (see bot.storage for what a crash
then leaves). A 429 holds every send for retry_after, the claim back to "claimed"
meanwhile, and the message is sent again (past the flood budget it is "failed", and the
retry sweep sends it later); a 403 or "chat not found" ends that subscription; a group upgraded to a supergroup keeps its
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
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
from bot.i18n import ENGLISH, N_, Translator, pick_language, translator
from bot.instance import process_owner
from bot.network import may_have_arrived, retry_seconds
from bot.rate_limit import FloodBudget, FloodBudgetLimiter
from bot.runtime import Gate
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
from briefings.engine import Digest, WhenQuiet, compose_digest, iso_seconds

logger = logging.getLogger(__name__)

GRACE = dt.timedelta(hours=6)
KEEP_LEDGER = dt.timedelta(days=7)
# Sends under way at once: the rate limiter (bot.rate_limit) sets the pace; these only keep
# it fed while each one also writes its ledger rows (30/s x Telegram's ~0.3 s round trip).
WORKERS = 8
MAX_ATTEMPTS = 8
BUTTON_PREFIX = "digest:"
TOPIC_LOST_HTML = N_(
    "The forum topic this chat's digest was posted in is closed or was deleted, so from now "
    "on it comes here, to the General topic. To move it, an admin sends /subscribe inside "
    "another topic."
)
MAX_MENTIONS = 10
ERROR = "error"  # a permanent failure of this one digest (e.g. Telegram refused the text)


def digest_keyboard(digest: Digest, translate: Translator = ENGLISH) -> InlineKeyboardMarkup | None:
    """Buttons under a digest: the full briefing and the people of its lead event."""
    if digest.event_id is None:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    translate("Full briefing"),
                    callback_data=f"{BUTTON_PREFIX}brief:{digest.event_id}",
                ),
                InlineKeyboardButton(
                    translate("Who"), callback_data=f"{BUTTON_PREFIX}who:{digest.event_id}"
                ),
            ]
        ]
    )


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


class DigestService:
    """Delivers the slots subscriptions are owed, each once, to as many chats as there are."""

    def __init__(
        self,
        store: SubscriptionStore,
        gate: Gate,
        bot: ExtBot[Any],
        *,
        when_quiet: WhenQuiet | str = WhenQuiet.BRIEF,
        grace: dt.timedelta = GRACE,
        workers: int = WORKERS,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        if not (isinstance(bot, ExtBot) and isinstance(bot.rate_limiter, FloodBudgetLimiter)):
            # The one limiter paces every send and waits out 429s; a bot without it would
            # flood Telegram (and a plain Bot cannot take the ledger's hooks).
            raise TypeError("DigestService sends through a bot with bot.rate_limit's limiter")
        self.store = store
        self.gate = gate
        self.bot = bot
        self.when_quiet = WhenQuiet(when_quiet)  # ValueError for a mode that is not one
        self.grace = grace
        self.workers = workers
        self.clock = clock or (lambda: dt.datetime.now(UTC))
        # Claims name their process: only a claim of a process no longer running is taken over.
        self.owner = process_owner()
        self._lock = asyncio.Lock()
        # Slots up to this instant have been looked at; the timer is armed from here, so a slot
        # falling due during a long fan-out is not stepped over.
        self.checked_until: dt.datetime | None = None
        # A chat's chosen language (/language), for the digest's own words; None: the
        # language of whoever subscribed it (`Subscription.language`), else English.
        self.language_of: Callable[[int], str | None] = lambda chat_id: None

    def language_for(self, chat_id: int, setter_language: str | None) -> str:
        """The language of what a chat gets unasked: its /language choice, else that of whoever
        set the digest (or alerts) up there, else English."""
        return pick_language(self.language_of(chat_id), setter_language)

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
            language = self.language_for(subscription.chat_id, subscription.language)
            key = (since, subscription.shown, chat_filter.include, chat_filter.exclude, language)
            groups[key].append((subscription, slot, chat_filter))
        queue: asyncio.Queue[tuple[Subscription, Slot, Digest, ChatFilter]] = asyncio.Queue()
        for (since, shown, include, exclude, language), members in groups.items():
            digest = await self.gate.call(
                functools.partial(
                    compose_digest,
                    since=since,
                    # The watermark is compared with `ingested_at`, which the engine writes at
                    # the wall clock's time; `self.clock` is the schedule's (faked in tests).
                    now=dt.datetime.now(UTC),
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
        translate = translator(self.language_for(subscription.chat_id, subscription.language))
        outcome = await self.send(
            subscription.chat_id,
            subscription.thread_id,
            digest.html,
            reply_markup=digest_keyboard(digest, translate),
            report=report,
            slot=slot.key,
            translate=translate,
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
        translate: Translator = ENGLISH,
    ) -> Outcome:
        """Send one message through the rate limiter, riding out 429s, migrations, lost topics.

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

        async def held_back(seconds: float) -> None:
            # Telegram took nothing: the claim is back to "claimed" while the limiter waits, so
            # a bot stopped meanwhile sends it after its restart rather than record it unknown.
            await mark(CLAIMED)
            report.retries_429 += 1

        # The application's rate limiter paces the send, waits out 429s and sends again; the
        # ledger row is "sending" (committed) only while a request is on its way.
        pacing = FloodBudget(
            is_broadcast=True, before_sending=functools.partial(mark, SENDING), on_flood=held_back
        )
        for attempt in range(MAX_ATTEMPTS):
            try:
                await self.bot.send_message(
                    chat_id=chat_id,
                    text=html,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    message_thread_id=thread_id,
                    reply_markup=reply_markup,
                    rate_limit_args=pacing,
                )
            except RetryAfter as flood:
                # Still asked to wait past the flood budget: the retry sweep tries again later.
                status = FAILED
                wait = retry_seconds(flood)
                error = f"Telegram still asked to wait {wait:.0f} s past the flood budget"
                break
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
                    if await self._topic_lost(chat_id, str(bad), translate):
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

    async def _topic_lost(self, chat_id: int, reason: str, translate: Translator) -> bool:
        """Move the chat to General and tell its admins there, once; whether this call did."""
        if not await asyncio.to_thread(self.store.forget_thread, chat_id):
            return False  # another send of this chat noticed first and told them
        logger.info("forum topic of chat %s lost (%s): posting to General", chat_id, reason)
        mentions = await self._admin_mentions(chat_id)
        html = translate(TOPIC_LOST_HTML) + (f"\n{mentions}" if mentions else "")
        try:
            await self.bot.send_message(
                chat_id=chat_id,
                text=html,
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                rate_limit_args=FloodBudget(is_broadcast=True),  # a second before the digest
            )
        except TelegramError as error:
            # The digest itself still goes out; the notice is a courtesy.
            logger.warning("could not tell chat %s its topic is gone: %s", chat_id, error)
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
