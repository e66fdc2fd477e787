"""Digests: what was ingested since a reader's last digest, as one message.

`compose_digest` turns the articles ingested after a watermark into one message: each new
event with its one-line briefing and the outlets reporting it, the articles numbered as the
digest's sources. When nothing is new it follows the `WhenQuiet` mode: the current briefing
marked as such, a short note, or nothing. It reads the corpus through the Engine's own
methods (`DigestSource`), and takes the time from its caller: it never reads the clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from markupsafe import Markup

from briefings.errors import BriefingError
from briefings.models import Briefing, Citation, Event, StoredArticle
from briefings.render.trim import shrink_to_fit
from briefings.render.views import TELEGRAM_LIMIT, Renderer, visible_length

MAX_ENTRIES = 12
# Room for the "nothing new" line above a quiet digest's briefing.
QUIET_HEADER_CHARS = 120
UNMATCHED_HTML = (
    "<b>Your digest: nothing new matches your filter.</b>\n"
    "I'll stay quiet until something does. /filter shows the filter and how to change it."
)


class WhenQuiet(StrEnum):
    """What a digest says when nothing is new (NEWSBOT_DIGEST_WHEN_QUIET)."""

    BRIEF = "brief"
    """The current briefing, marked as such."""
    NOTE = "note"
    """A short "nothing new" note."""
    SKIP = "skip"
    """No message at all."""


class DigestSource(Protocol):
    """What a digest reads: the Engine's public methods (briefings.engine.Engine)."""

    renderer: Renderer

    def articles_ingested_since(self, since: str) -> list[StoredArticle]: ...

    def article_count(self) -> int: ...

    def events(self, ids: Sequence[int] | None = None) -> list[Event]: ...

    def event_line(self, event_id: int) -> str | None: ...

    def brief(
        self, query: str | None = None, *, event_id: int | None = None, on_date: Any = None
    ) -> Briefing: ...

    def filter_articles(
        self, article_ids: Iterable[int], include: Iterable[str], exclude: Iterable[str]
    ) -> set[int]: ...


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
    """A composed digest message and the content watermark it moves the reader to."""

    html: str
    watermark: str
    shown: tuple[int, ...]
    event_id: int | None = None
    """The lead event (its full briefing and people are a button away), if any."""
    is_quiet: bool = False
    is_unmatched: bool = False
    """Nothing matched the reader's filter: they are told once, then left in peace."""


def iso_seconds(at: dt.datetime) -> str:
    """An instant as the engine writes `ingested_at` (UTC, whole seconds), so strings compare."""
    return at.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def compose_digest(
    engine: DigestSource,
    *,
    since: str,
    now: dt.datetime,
    shown: Sequence[int] = (),
    when_quiet: WhenQuiet | str = WhenQuiet.BRIEF,
    max_chars: int = TELEGRAM_LIMIT,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    translate: Callable[[str], str] | None = None,
) -> Digest | None:
    """The digest of what was ingested after `since` (minus `shown`); None when quiet + skip.

    With filter terms (`include`, `exclude`), only matching articles are carried; when none
    match, the digest says so (`is_unmatched`). `now` is the instant of composing.
    """
    when_quiet = WhenQuiet(when_quiet)
    # The watermark trails the clock by a second and remembers the ids of that last second:
    # `ingested_at` has whole seconds, so an article saved later in this same second is
    # still new next time, and one shown now is not shown again.
    watermark = iso_seconds(now - dt.timedelta(seconds=1))
    skip = set(shown)
    fresh = [a for a in engine.articles_ingested_since(since) if a.id not in skip]
    boundary = tuple(a.id for a in engine.articles_ingested_since(watermark))
    if include or exclude:
        if not fresh and when_quiet is WhenQuiet.SKIP:
            return None
        matching = engine.filter_articles((a.id for a in fresh), include, exclude)
        fresh = [a for a in fresh if a.id in matching]
        if not fresh:
            # A filtered reader never gets the unfiltered current briefing as a stand-in.
            return Digest(UNMATCHED_HTML, watermark, boundary, is_unmatched=True)
    if not fresh:
        return _quiet_digest(engine, when_quiet, watermark, boundary, max_chars, translate)

    entries = _entries(engine, fresh)
    lead = next((e.event_id for e in entries if e.event_id is not None), None)

    def digest_html(shown_count: int) -> str:
        shown_entries = numbered(entries[:shown_count])
        return engine.renderer.render_template(
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

    html = shrink_to_fit(
        min(len(entries), MAX_ENTRIES),
        digest_html,
        visible_length,
        max_chars,
        lambda shown_count: shown_count - 1 if shown_count > 1 else None,
    )
    return Digest(html, watermark, boundary, lead)


def _entries(engine: DigestSource, fresh: Sequence[StoredArticle]) -> list[DigestEntry]:
    """The new articles by event, latest event first; articles of no event after them."""
    by_event: dict[int | None, list[StoredArticle]] = defaultdict(list)
    for article in fresh:
        by_event[article.event_id].append(article)
    entries: list[DigestEntry] = []
    # Latest first: the events of these articles alone (not every event of the corpus).
    for event in engine.events([e for e in by_event if e is not None]):
        articles = by_event.pop(event.id, None)
        if not articles:
            continue
        entries.append(
            DigestEntry(
                event.title,
                engine.event_line(event.id),
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
    return entries


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


EVENT_LINES_KEPT = 512
"""How many events' lines are kept (Engine.event_line), the latest asked for, until a write
changes the event or a name its articles give (Store.until_event_changed): a fan-out
composes a digest for each group of chats that got the same previous digest with the same
filter, and their digests tell the same latest events.
Briefing an event for its line is most of a digest's cost (a digest of 9 new events on the
100k bench: 525 to 584 ms, each event's line worked out anew)."""


def one_line(engine: DigestSource, event_id: int) -> tuple[str | None, tuple[int, ...]]:
    """The event's briefing in one line: its first item, else its headline (None when it
    cannot be briefed); and the articles the briefing was made from."""
    try:
        briefing = engine.brief(event_id=event_id)
    except BriefingError:
        return None, ()
    read = tuple(a.id for a in briefing.articles)
    for section in briefing.sections:
        for item in section.items:
            return item.text, read
    return briefing.headline, read


def _sources(articles: Sequence[StoredArticle]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(article.source_name for article in articles))


def _quiet_digest(
    engine: DigestSource,
    when_quiet: WhenQuiet,
    watermark: str,
    boundary: tuple[int, ...],
    max_chars: int,
    translate: Callable[[str], str] | None = None,
) -> Digest | None:
    if when_quiet is WhenQuiet.SKIP:
        return None
    briefing_html: str | None = None
    event_id: int | None = None
    if when_quiet is WhenQuiet.BRIEF:
        try:
            briefing = engine.brief()
        except BriefingError:
            briefing = None
        if briefing is not None:
            briefing_html = engine.renderer.briefing(
                briefing, "html", max_chars=max_chars - QUIET_HEADER_CHARS, translate=translate
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
        has_corpus=bool(engine.article_count()),
    )
    return Digest(html, watermark, boundary, event_id, is_quiet=True)
