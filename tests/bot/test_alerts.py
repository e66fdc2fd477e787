"""Instant alerts (bot.delivery.alerts) on their own: the message, the matching, the ledger."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from telegram.ext import ExtBot

from bot.delivery.alerts import MAX_ALERT_ITEMS, AlertService, alert_html, matching_articles
from bot.delivery.digests import DigestService
from bot.delivery.filters import ChatFilter
from bot.localapi.html import visible_text as server_visible_text
from bot.localapi.server import LocalBotApi
from bot.runtime import EngineGate
from bot.storage import SENT, SubscriptionStore
from bot.telegram_html import validate_telegram_html
from briefings.engine import Engine
from briefings.models import StoredArticle
from tests.bot.seeded_fixtures import db, engine, store, timedelta_retry_after  # noqa: F401

CHAT = 7101


def article(number: int, **changes: object) -> StoredArticle:
    plain = StoredArticle(
        id=number,
        path=f"/corpus/{number}.txt",
        title=f"Story {number}",
        outlet="Wire",
        published=dt.date(2024, 5, 1),
        date_source="dateline",
        language="en",
        event_id=None,
        topics=(),
        url=f"https://news.example/{number}",
    )
    return dataclasses.replace(plain, **changes)  # type: ignore[arg-type]


# -- the message ------------------------------------------------------------------------------
def test_one_article_is_one_linked_line_with_its_outlet() -> None:
    html = alert_html([article(1)], is_filtered=False)
    validate_telegram_html(html)
    assert html.splitlines() == [
        "<b>New: 1 article</b>",
        '• <a href="https://news.example/1">Story 1</a> <i>[Wire]</i>',
    ]


def test_a_filtered_alert_says_so_and_counts_in_the_plural() -> None:
    html = alert_html([article(1), article(2)], is_filtered=True)
    assert html.splitlines()[0] == "<b>New: 2 articles matching your filter</b>"


def test_titles_are_escaped_and_only_web_addresses_become_links() -> None:
    unsafe = article(3, title="Tom & <Jerry>", url="javascript:alert(1)", outlet=None)
    html = alert_html([unsafe], is_filtered=False)
    validate_telegram_html(html)
    # No outlet: the headline itself is the citation, with no bracket after it.
    assert html.splitlines()[1] == "• Tom &amp; &lt;Jerry&gt;"
    assert server_visible_text(html).splitlines()[1] == "• Tom & <Jerry>"


def test_a_long_alert_lists_the_first_articles_and_counts_the_rest() -> None:
    many = [article(n) for n in range(1, MAX_ALERT_ITEMS + 4)]
    html = alert_html(many, is_filtered=False)
    validate_telegram_html(html)
    lines = html.splitlines()
    assert len(lines) == 1 + MAX_ALERT_ITEMS + 1
    assert lines[-1] == "…and 3 more: your next digest has them all."


# -- what matches -----------------------------------------------------------------------------
def test_matching_articles_are_the_new_ones_narrowed_by_the_filter(engine: Engine) -> None:
    everything = matching_articles(engine, since="", include=(), exclude=())
    assert [a.id for a in everything] == [a.id for a in engine.articles_ingested_since("")]
    assert everything, "the seeded corpus has articles"
    tass = matching_articles(engine, since="", include=("TASS",), exclude=())
    assert 0 < len(tass) < len(everything)
    assert {a.id for a in tass} <= {a.id for a in everything}
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert matching_articles(engine, since=later.isoformat(), include=(), exclude=()) == []


# -- each article once ------------------------------------------------------------------------
async def test_each_new_article_is_alerted_to_a_chat_once(
    engine: Engine, store: SubscriptionStore, local_api: LocalBotApi, sending_bot: ExtBot[Any]
) -> None:
    local_api.add_chat(CHAT)
    store.save_filter(ChatFilter(CHAT, alerts=True, alerts_since=""))
    gate = EngineGate(engine, is_owned=False)
    alerts = AlertService(store, gate, DigestService(store, gate, sending_bot))

    first = await alerts.deliver_new()
    again = await alerts.deliver_new()

    count = len(engine.articles_ingested_since(""))
    assert (first.chats, first.sent, first.articles, first.failed) == (1, 1, count, 0)
    assert (again.sent, again.articles) == (0, 0)
    [message] = local_api.messages(CHAT)
    assert message["visible_text"].startswith(f"New: {count} articles")
    assert {status for _article, status in store.alert_ledger(CHAT)} == {SENT}
    assert len(store.alert_ledger(CHAT)) == count
    assert store.chat_filter(CHAT).alerts_since is not None


async def test_chats_with_alerts_off_get_nothing(
    engine: Engine, store: SubscriptionStore, local_api: LocalBotApi, sending_bot: ExtBot[Any]
) -> None:
    local_api.add_chat(CHAT)
    store.save_filter(ChatFilter(CHAT, include=("TASS",), alerts=False, alerts_since=""))
    gate = EngineGate(engine, is_owned=False)
    report = await AlertService(store, gate, DigestService(store, gate, sending_bot)).deliver_new()
    assert (report.chats, report.sent) == (0, 0)
    assert local_api.messages(CHAT) == []
