"""Instant alerts: new articles matching a chat's filter, pushed as live sources bring them.

After a poll of the feeds and the watched folder added or changed articles, every chat with
alerts on (`/alerts on`) gets one short message listing the new articles that match its
filter (all new articles when it has none). Each chat has an alert watermark, like a
digest's: articles ingested after it are candidates. The `alert_deliveries` ledger is the
exactly-once guard: an article is claimed for a chat before the message goes out, and an
article already in the ledger is never alerted to that chat again (the watermark's last
second is looked at twice, so this matters).

Messages go through `DigestService.send`: the same pace, flood waits, migrations and forum
topic fallback as digests.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import html
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.delivery.digests import DigestService
from bot.delivery.filters import ChatFilter
from bot.delivery.schedule import UTC
from bot.i18n import ENGLISH, Translator, translator
from bot.runtime import Gate
from bot.storage import SENT, SubscriptionStore
from bot.telegram_html import escape
from briefings.engine import iso_seconds

if TYPE_CHECKING:
    from briefings.engine import Engine
    from briefings.models import StoredArticle

logger = logging.getLogger(__name__)

MAX_ALERT_ITEMS = 10
WORKERS = 8


@dataclass
class AlertReport:
    """What one round of alerts did."""

    chats: int = 0
    sent: int = 0
    articles: int = 0
    failed: int = 0


def alert_html(
    articles: Sequence[StoredArticle], *, is_filtered: bool, translate: Translator = ENGLISH
) -> str:
    """One alert message: a line per new article, with its source (and link, if it has one)."""
    count = len(articles)
    if is_filtered:
        heading = translate.ngettext(
            "New: {count} article matching your filter",
            "New: {count} articles matching your filter",
            count,
        )
    else:
        heading = translate.ngettext("New: {count} article", "New: {count} articles", count)
    lines = [f"<b>{heading.format(count=count)}</b>"]
    for article in articles[:MAX_ALERT_ITEMS]:
        title = escape(article.title)
        url = article.url or ""
        if url.startswith(("https://", "http://")):
            title = f'<a href="{html.escape(url, quote=True)}">{title}</a>'
        # An article without an outlet is cited by its headline: here, the line itself.
        source = f" <i>[{escape(article.source_name)}]</i>" if article.outlet else ""
        lines.append(f"• {title}{source}")
    if count > MAX_ALERT_ITEMS:
        lines.append(
            translate("…and {count} more: your next digest has them all.").format(
                count=count - MAX_ALERT_ITEMS
            )
        )
    return "\n".join(lines)


def matching_articles(
    engine: Engine, *, since: str, include: Sequence[str], exclude: Sequence[str]
) -> list[StoredArticle]:
    """Articles ingested after `since` that match a filter (every one, without terms)."""
    fresh = engine.articles_ingested_since(since)
    if not fresh or not (include or exclude):
        return fresh
    keep = engine.filter_articles((a.id for a in fresh), include, exclude)
    return [a for a in fresh if a.id in keep]


class AlertService:
    """Sends each chat with alerts on the new articles matching its filter, once each."""

    def __init__(
        self,
        store: SubscriptionStore,
        gate: Gate,
        sender: DigestService,
        *,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.store = store
        self.gate = gate
        self.sender = sender
        self.clock = clock or (lambda: dt.datetime.now(UTC))
        self._lock = asyncio.Lock()

    async def deliver_new(self) -> AlertReport:
        """Alert every chat with alerts on about what is new since its last alert."""
        async with self._lock:  # two polls must not claim and send the same batch
            chats = await asyncio.to_thread(self.store.alert_chats)
            report = AlertReport(chats=len(chats))
            if not chats:
                return report
            # Like a digest's watermark: a second behind, the ledger catches that second twice.
            watermark = iso_seconds(self.clock() - dt.timedelta(seconds=1))
            groups: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[ChatFilter]] = (
                defaultdict(list)
            )
            for chat in chats:
                # None: alerts just came on (nothing before now); "" is the very beginning.
                since = watermark if chat.alerts_since is None else chat.alerts_since
                groups[(since, chat.include, chat.exclude)].append(chat)
            work: list[tuple[ChatFilter, list[StoredArticle]]] = []
            for (since, include, exclude), members in groups.items():
                found = await self.gate.call(
                    functools.partial(
                        matching_articles, since=since, include=include, exclude=exclude
                    )
                )
                work += [(chat, found) for chat in members]
            semaphore = asyncio.Semaphore(WORKERS)

            async def one(chat: ChatFilter, found: list[StoredArticle]) -> None:
                async with semaphore:
                    await self._alert(chat, found, watermark, report)

            await asyncio.gather(*(one(chat, found) for chat, found in work))
        if report.sent:
            logger.info("alerts: %s", report)
        return report

    async def _alert(
        self,
        chat: ChatFilter,
        found: list[StoredArticle],
        watermark: str,
        report: AlertReport,
    ) -> None:
        held = await asyncio.to_thread(self.store.claim_alerts, chat.chat_id, [a.id for a in found])
        if not held:
            await asyncio.to_thread(self.store.finish_alerts, chat.chat_id, [], SENT, watermark)
            return
        wanted = set(held)
        articles = [a for a in found if a.id in wanted]
        translate = translator(self.sender.language_for(chat.chat_id, chat.language))
        outcome = await self.sender.send(
            chat.chat_id,
            chat.alerts_thread_id,
            alert_html(articles, is_filtered=chat.is_active, translate=translate),
            translate=translate,
        )
        if outcome.status == SENT:
            report.sent += 1
            report.articles += len(held)
        else:
            # Not retried: the digest still carries these articles.
            report.failed += 1
            logger.warning("alert for chat %s: %s", outcome.chat_id, outcome.error)
        await asyncio.to_thread(
            self.store.finish_alerts, outcome.chat_id, held, outcome.status, watermark
        )


__all__ = ["MAX_ALERT_ITEMS", "AlertReport", "AlertService", "alert_html", "matching_articles"]
