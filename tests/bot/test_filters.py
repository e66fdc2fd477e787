"""Keyword filters and instant alerts: parsing terms, storing them, narrowing digests, alerting.

Parsing and editing are pure; the digest tests drive `DigestService` with a controllable
clock against the local Bot API server; the command and alert tests run the real
application (real JobQueue polling a watched folder) on a copy of the seeded database.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application, ExtBot

from bot.delivery.filters import (
    MAX_TERMS,
    ChatFilter,
    FilterError,
    Term,
    add_terms,
    clear_terms,
    parse_terms,
    remove_terms,
)
from bot.delivery.jobs import DigestRuntime
from bot.localapi.server import LocalBotApi
from bot.runtime import DIGESTS_KEY
from bot.storage import SCHEMA_VERSION, Delivery, Subscription, SubscriptionStore
from briefings.engine import UNMATCHED_HTML, Engine
from tests.bot.seeded_fixtures import db, engine, store, timedelta_retry_after  # noqa: F401
from tests.bot.test_digests import (
    LONG_AGO,
    NEW_ARTICLE,
    NOW,
    Clock,
    ask,
    daily,
    running,
    service_for,
    settings_for,
)

DAY = dt.timedelta(days=1)
OTHER_ARTICLE = """\
City library extends its opening hours

The city library will open until ten in the evening from next month, its board said on
Monday, after a survey found that most readers could only visit after work.

"Students asked for this more than anything else," the head librarian said. The longer
hours will be paid for by closing one small branch that few people used, the board added.

The library also plans a reading room for children on the ground floor next year.
"""


# -- parsing and editing --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "terms"),
    [
        # words, a quoted phrase, an exclusion
        (
            'election "West Bank" -sport',
            [Term("election"), Term("West Bank", is_phrase=True), Term("sport", is_excluded=True)],
        ),
        # phones type curly quotes
        ("“Gaza Strip”", [Term("Gaza Strip", is_phrase=True)]),
        # an excluded phrase, spaces inside squeezed
        ('-"Black   Sea"', [Term("Black Sea", is_phrase=True, is_excluded=True)]),
        # one quoted word is a word
        ('"Sochi"', [Term("Sochi")]),
        # an unclosed quote runs to the end
        ('talks "prime minister', [Term("talks"), Term("prime minister", is_phrase=True)]),
        # the same term twice counts once, on the side given last
        ("Poll poll -POLL", [Term("POLL", is_excluded=True)]),
        # HTML is just text: kept as typed, escaped when echoed
        ("<b>bold</b>", [Term("<b>bold</b>")]),
        # a prefix, and a lone minus that means nothing
        ("annex* -", [Term("annex*")]),
    ],
)
def test_terms_are_words_phrases_and_exclusions(text: str, terms: list[Term]) -> None:
    assert parse_terms(text) == terms


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", 'Give some words, e.g. /filter add election "climate summit" -sport'),
        ('"" -', 'Give some words, e.g. /filter add election "climate summit" -sport'),
        ("*** ok", "“***” has no letters or digits to look for."),
        ("<<>>", "“<<>>” has no letters or digits to look for."),
        ("x" * 51, f"“{'x' * 50}…” is too long: a term has at most 50 characters."),
    ],
)
def test_unusable_terms_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(FilterError) as error:
        parse_terms(text)
    assert str(error.value) == message


def test_adding_removing_and_clearing_terms() -> None:
    empty = ChatFilter(7, told_nothing_matched=True)
    added = add_terms(empty, parse_terms('election "West Bank" -sport'))
    assert added == ChatFilter(7, include=("election", '"West Bank"'), exclude=("sport",))
    moved = add_terms(added, parse_terms("-election"))  # given again: changes side
    assert (moved.include, moved.exclude) == (('"West Bank"',), ("sport", "election"))
    removed, missing = remove_terms(moved, parse_terms('"west bank" sport tennis'))
    assert removed == ChatFilter(7, exclude=("election",))
    assert missing == [Term("tennis")]
    assert clear_terms(dataclasses.replace(removed, alerts=True)) == ChatFilter(7, alerts=True)


def test_a_filter_holds_at_most_twenty_terms() -> None:
    full = add_terms(ChatFilter(7), parse_terms(" ".join(f"w{n}" for n in range(MAX_TERMS))))
    assert len(full.include) == MAX_TERMS
    with pytest.raises(FilterError) as error:
        add_terms(full, parse_terms("-one_more"))
    assert str(error.value) == (
        "A filter holds at most 20 terms; this would make it 21. "
        "Remove some first with /filter remove."
    )


# -- storing --------------------------------------------------------------------------------------
def test_filters_are_stored_and_old_tables_migrated(db: Path, engine: Engine) -> None:
    store = SubscriptionStore.open(db)
    # A database of the first schema: no filter tables yet.
    store.db.execute("DROP TABLE chat_filters")
    store.db.execute("DROP TABLE alert_deliveries")
    store.db.execute("UPDATE bot_schema SET version = 1")
    store.close()
    store = SubscriptionStore.open(db)
    try:
        assert store.db.execute("SELECT version FROM bot_schema").fetchone()[0] == SCHEMA_VERSION
        saved = ChatFilter(9, ('"West Bank"',), ("sport",), alerts=True, alerts_since="x")
        store.save_filter(saved)
        assert (store.chat_filter(9), store.chat_filter(10)) == (saved, ChatFilter(10))
        assert store.alert_chats() == [saved]
        assert store.claim_alerts(9, [1, 2]) == [1, 2]
        assert store.claim_alerts(9, [2, 3]) == [3]  # each article once per chat
    finally:
        store.close()


# -- digests ---------------------------------------------------------------------------------------
def test_a_filtered_digest_carries_only_matching_articles(engine: Engine) -> None:
    digest = engine.digest(
        now=dt.datetime.now(dt.UTC), since="", include=['"West Bank"'], exclude=["TASS"]
    )
    assert digest is not None and not digest.is_unmatched
    # Of the five seeds, three mention the West Bank, and one of those also TASS.
    assert digest.html.startswith("<b>Your digest: 2 new articles</b>\n")
    assert "• <b>Netanyahu in Russia to meet Putin ahead of Israeli elections</b>" in digest.html
    # Its sources are numbered as a briefing's are: outlets or headlines, never file names.
    body, _, sources = digest.html.partition("\n\n<b>Sources</b>\n")
    assert body.endswith(" [1][2]")
    assert sources == (
        "[1] Netanyahu in Russia to meet Putin ahead of Israeli elections · 2019-09-12 "
        "<i>(date inferred)</i>\n[2] <b>AFP</b> · Israel&#39;s Netanyahu in Russia to meet Putin "
        "ahead of polls · 2019-09-12 <i>(date inferred)</i>\n"
    )
    assert "Sochi Wednesday" not in digest.html
    unmatched = engine.digest(now=dt.datetime.now(dt.UTC), since="", include=["ferry"])
    assert unmatched is not None and unmatched.is_unmatched and unmatched.html == UNMATCHED_HTML


async def test_a_filter_matching_nothing_is_told_once_across_slots(
    store: SubscriptionStore,
    engine: Engine,
    local_api: LocalBotApi,
    sending_bot: ExtBot[Any],
    tmp_path: Path,
) -> None:
    local_api.add_chat(61)
    store.save(Subscription(61, daily("09:00"), LONG_AGO))
    store.save_filter(ChatFilter(61, include=("ferry",)))
    clock = Clock(NOW)
    service = service_for(store, engine, sending_bot, clock)
    statuses = []
    for day in range(4):
        clock.now = NOW + day * DAY
        if day == 2:  # something matching arrives before the third slot
            (tmp_path / "ferry.txt").write_text(NEW_ARTICLE, encoding="utf-8")
            engine.ingest([tmp_path / "ferry.txt"])
        report = await service.deliver_due()
        statuses.append((report.sent, report.skipped))
    texts = [message["text"] for message in local_api.messages(61)]
    assert statuses == [(1, 0), (0, 1), (1, 0), (1, 0)]
    assert texts[0] == UNMATCHED_HTML
    assert texts[1].startswith("<b>Your digest: 1 new article</b>\n")
    assert "• <b>Harbour authority opens second ferry terminal</b>" in texts[1]
    assert texts[2] == UNMATCHED_HTML  # told again: something had matched in between
    assert [d.status for d in store.deliveries(61)] == ["sent", "skipped", "sent", "sent"]
    assert store.chat_filter(61).told_nothing_matched


async def test_changing_the_filter_lets_the_chat_be_told_again(
    store: SubscriptionStore, engine: Engine, local_api: LocalBotApi, sending_bot: ExtBot[Any]
) -> None:
    local_api.add_chat(62)
    store.save(Subscription(62, daily("09:00"), LONG_AGO))
    store.save_filter(ChatFilter(62, exclude=("Netanyahu",), told_nothing_matched=True))
    clock = Clock(NOW)
    service = service_for(store, engine, sending_bot, clock)
    assert (await service.deliver_due()).skipped == 1  # told before: silent
    store.save_filter(add_terms(store.chat_filter(62), parse_terms("-Putin")))
    clock.now = NOW + DAY
    assert (await service.deliver_due()).sent == 1
    assert [message["text"] for message in local_api.messages(62)] == [UNMATCHED_HTML]
    assert store.deliveries(62) == [
        Delivery(62, "2024-05-01T09:00", "2024-05-01T09:00:00+00:00", "skipped"),
        Delivery(62, "2024-05-02T09:00", "2024-05-02T09:00:00+00:00", "sent"),
    ]


# -- commands -------------------------------------------------------------------------------------
@pytest.fixture
async def bot_app(db: Path, engine: Engine, local_api: LocalBotApi) -> AsyncIterator[Application]:
    async with running(settings_for(local_api, db), poll=True) as app:
        yield app


async def test_filter_add_show_remove_clear(bot_app: Application, local_api: LocalBotApi) -> None:
    assert (await ask(local_api, 71, "/filter")).startswith(
        "This chat has no filter: its digest carries every new article.\n"
        'Narrow it down, e.g. /filter add election "climate summit" -sport.'
    )
    added = await ask(local_api, 71, "/filter add election “West Bank” -sport")
    assert added == (
        "Filter changed.\n"
        "Filter\n"
        'Only articles with any of: election, "West Bank"\n'
        "Never articles with: -sport\n"
        "3 of at most 20 terms. Words match whatever their ending (elect, elected, election…) "
        "and case.\n"
        "Instant alerts: off (/alerts on)"
    )
    removed = await ask(local_api, 71, "/filter remove election tennis")
    assert removed.startswith(
        'Filter changed. Not in the filter: tennis.\nFilter\nOnly articles with any of: "West Bank"'
    )
    assert (await ask(local_api, 71, "/filter clear")).startswith(
        "Filter cleared.\nThis chat has no filter"
    )
    runtime: DigestRuntime = bot_app.bot_data[DIGESTS_KEY]
    assert runtime.store.chat_filter(71) == ChatFilter(71, language="en")  # who cleared it


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/filter add", 'Give some words, e.g. /filter add election "climate summit" -sport'),
        ("/filter add ***", "“***” has no letters or digits to look for."),
        ("/filter add " + "y" * 60, f"“{'y' * 50}…” is too long"),
        (
            "/filter add " + " ".join(f"t{n}" for n in range(21)),
            "A filter holds at most 20 terms; this would make it 21.",
        ),
        ("/filter sharpen knives", "Say what to do with the filter: add, remove or clear"),
        ("/alerts maybe", "Usage: /alerts on or /alerts off."),
    ],
)
async def test_filter_explains_unusable_input(
    bot_app: Application, local_api: LocalBotApi, command: str, answer: str
) -> None:
    assert (await ask(local_api, 72, command)).startswith(answer)
    runtime: DigestRuntime = bot_app.bot_data[DIGESTS_KEY]
    assert runtime.store.chat_filter(72) == ChatFilter(72)


async def test_html_in_terms_is_escaped_when_echoed(
    bot_app: Application, local_api: LocalBotApi
) -> None:
    visible = await ask(local_api, 73, '/filter add <b>x</b> -"<i>a & b</i>"')
    assert 'Only articles with any of: <b>x</b>\nNever articles with: -"<i>a & b</i>"' in visible
    sent = local_api.messages(73)[-1]["text"]
    assert "<code>&lt;b&gt;x&lt;/b&gt;</code>" in sent
    assert '<code>-"&lt;i&gt;a &amp; b&lt;/i&gt;"</code>' in sent


async def test_only_group_admins_change_the_filter_and_alerts(
    bot_app: Application, local_api: LocalBotApi
) -> None:
    local_api.add_chat(-74, chat_type="group", creator_id=1)
    for command, what in (("/filter add ferry", "filter"), ("/alerts on", "alerts")):
        refused = await ask(local_api, -74, command, user_id=2)
        assert refused == f"Only this group's administrators can change its {what}."
    assert (await ask(local_api, -74, "/filter", user_id=2)).startswith("This chat has no filter")
    assert (await ask(local_api, -74, "/filter add ferry", user_id=1)).startswith("Filter changed.")
    runtime: DigestRuntime = bot_app.bot_data[DIGESTS_KEY]
    # kept with the language of the admin who set it, for alerts in a chat that chose none
    assert runtime.store.chat_filter(-74) == ChatFilter(-74, include=("ferry",), language="en")


# -- instant alerts -------------------------------------------------------------------------------
async def test_alerts_bring_new_matching_files_once(
    db: Path, engine: Engine, local_api: LocalBotApi, tmp_path: Path
) -> None:
    watched = tmp_path / "incoming"
    watched.mkdir()
    settings = settings_for(local_api, db, watch=watched, poll_seconds=1)
    async with running(settings, poll=True) as application:
        runtime: DigestRuntime = application.bot_data[DIGESTS_KEY]
        await ask(local_api, 81, "/filter add ferry")
        assert (await ask(local_api, 81, "/alerts on")).startswith(
            "Instant alerts are on: new articles matching this chat's /filter come here"
        )
        assert (await ask(local_api, 82, "/alerts on")).startswith(
            "Instant alerts are on: new articles (every one: no /filter)"
        )
        await ask(local_api, 83, "/filter add ferry")  # alerts off: never alerted
        before = {chat: len(local_api.messages(chat)) for chat in (81, 82, 83)}
        (watched / "ferry.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        (watched / "library.txt").write_text(OTHER_ARTICLE, encoding="utf-8")
        # The poll job (every second) ingests both files and sends the alerts.
        filtered = await local_api.await_messages(81, before[81] + 1, timeout=5)
        unfiltered = await local_api.await_messages(82, before[82] + 1, timeout=5)
        # However often it looks again, and from however far back, nothing is sent twice.
        assert runtime.live is not None
        await runtime.live.poll()
        await asyncio.to_thread(
            runtime.store.save_filter,
            dataclasses.replace(runtime.store.chat_filter(81), alerts_since=""),
        )
        assert runtime.alerts is not None
        assert (await runtime.alerts.deliver_new()).sent == 0
        await asyncio.sleep(1.2)
        ledger = runtime.store.alert_ledger(81)
    assert filtered[before[81] :][0]["text"] == (
        "<b>New: 1 article matching your filter</b>\n"
        "• Harbour authority opens second ferry terminal"
    )
    assert unfiltered[before[82]]["text"].splitlines() == [
        "<b>New: 2 articles</b>",
        "• Harbour authority opens second ferry terminal",
        "• City library extends its opening hours",
    ]
    assert [len(local_api.messages(chat)) - before[chat] for chat in (81, 82, 83)] == [1, 1, 0]
    [ferry] = [a.id for a in engine.store.articles_ingested_since("") if "ferry" in a.title]
    # (Seeds ingested in the second before /alerts on are entered as "skipped".)
    assert [entry for entry in ledger if entry[1] != "skipped"] == [(ferry, "sent")]


async def test_alerts_off_stops_them(bot_app: Application, local_api: LocalBotApi) -> None:
    await ask(local_api, 84, "/alerts on")
    assert (await ask(local_api, 84, "/alerts")).startswith("Instant alerts are on")
    assert (await ask(local_api, 84, "/alerts off")).startswith("Instant alerts are off here.")
    runtime: DigestRuntime = bot_app.bot_data[DIGESTS_KEY]
    assert runtime.store.alert_chats() == []
