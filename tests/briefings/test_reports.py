"""Which articles a big event's briefing reads (brief.reports)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from briefings.brief.reports import MAX_REPORTS, representative
from briefings.models import StoredArticle


def article(n: int, title: str, day: int) -> StoredArticle:
    return StoredArticle(
        id=n,
        path=f"a/{n:04d}.txt",
        title=title,
        outlet=f"Outlet {n % 7}",
        published=dt.date(2020, 1, day),
        date_source="stated",
        language="en",
        event_id=1,
        topics=(),
    )


def event_of(copies: dict[str, int]) -> list[StoredArticle]:
    """Articles carrying each headline as many times as asked, days spread over a month."""
    found, n = [], 0
    for title, count in copies.items():
        for c in range(count):
            found.append(article(n, title, 1 + (c * 7 + n) % 28))
            n += 1
    return found


def test_a_small_event_is_read_whole() -> None:
    articles = event_of({"Talks in the capital": MAX_REPORTS})
    assert representative(articles) == articles


def test_every_headline_is_read_and_the_widely_carried_keep_more_copies() -> None:
    articles = event_of(
        {"Leaders meet": 80, "Leaders meet, talk trade": 40, "A minister reacts": 3}
    )
    # The same headline written otherwise (case, punctuation) is the same report.
    articles.append(article(999, "LEADERS MEET!", 2))
    chosen = representative(articles)
    assert len(chosen) == MAX_REPORTS
    by_title = Counter(a.title.lower().strip("!") for a in chosen)
    assert set(by_title) == {"leaders meet", "leaders meet, talk trade", "a minister reacts"}
    assert (
        by_title["leaders meet"]
        > by_title["leaders meet, talk trade"]
        > by_title["a minister reacts"]
    )
    # In the order given, as the event lists them.
    assert [a.id for a in chosen] == sorted(a.id for a in chosen)


def test_the_earliest_copies_are_read() -> None:
    articles = event_of({"Leaders meet": 60})
    chosen = representative(articles)
    latest_read = max(a.published for a in chosen if a.published)
    unread = [a for a in articles if a not in chosen]
    assert all(a.published and a.published >= latest_read for a in unread)


def test_more_headlines_than_slots_reads_the_most_carried() -> None:
    copies = {f"Report number {n}": 1 + n for n in range(MAX_REPORTS * 2)}
    chosen = representative(event_of(copies))
    assert len(chosen) == MAX_REPORTS
    wanted = sorted(copies, key=lambda t: -copies[t])[:MAX_REPORTS]
    assert {a.title for a in chosen} == set(wanted)
