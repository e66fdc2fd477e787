"""The engine's public face: one object that ingests, indexes, briefs and renders.

The CLI and the bot use only this module (and the dataclasses in ``models``, the errors in
``errors``), so the rest of the package is free to change behind it. Besides `Engine`, it
exposes what a caller needs without opening a database: the article formats and files a
folder holds, a database's health, template problems, and the digest's types.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefings import memory
from briefings.brief import compose
from briefings.brief.digest import (
    EVENT_LINES_KEPT,
    UNMATCHED_HTML,
    Digest,
    DigestEntry,
    WhenQuiet,
    compose_digest,
    iso_seconds,
    one_line,
)
from briefings.errors import NothingToBrief, UnreadableArticle
from briefings.index import name_counts, topic_counts
from briefings.index.corpus_overview import CorpusFigures, SourcesOverview
from briefings.index.event_replay import ensure_tables, regroup
from briefings.index.event_scores import event_scores
from briefings.index.store import Store
from briefings.ingest import ingest_documents, ingest_paths
from briefings.models import (
    Briefing,
    Event,
    EventRoles,
    IngestProgress,
    IngestReport,
    PersonCard,
    SearchHit,
    StoredArticle,
    Topic,
)
from briefings.read import readers
from briefings.render import views as render
from briefings.render.views import visible_length

__all__ = [
    "ARTICLE_FORMATS",
    "UNMATCHED_HTML",
    "DatabaseHealth",
    "Digest",
    "DigestEntry",
    "Engine",
    "FeedIngest",
    "WhenQuiet",
    "article_files",
    "check_database",
    "compose_digest",
    "iso_seconds",
    "keep_what_is_built",
    "template_problems",
    "visible_length",
]

ARTICLE_FORMATS: dict[str, str] = readers.FORMATS
"""File suffixes the engine reads, and what each is."""


@dataclass(frozen=True)
class FeedIngest:
    """What one feed brought: the ingest's report, and why the feed itself is broken (if so)."""

    report: IngestReport
    problem: str | None = None
    """Set when the feed is not well-formed, even if some of its entries could be read."""


@dataclass(frozen=True)
class DatabaseHealth:
    """A database file as SQLite's quick_check finds it."""

    articles: int
    damage: str | None
    """quick_check's first finding, or None when the file is sound."""


def article_files(
    folders: Iterable[str | Path], *, refused: list[tuple[str, str]] | None = None
) -> Iterator[Path]:
    """The article files under folders (links leading out are left out, named in `refused`)."""
    return readers.iter_article_files(list(folders), refused=refused)


def check_database(path: str | Path) -> DatabaseHealth:
    """Open a database as the engine would and run SQLite's quick_check on it.

    Raises DatabaseError for a file that is not a usable newsbot database.
    """
    store = Store.open(path)
    try:
        # Opening reads the schema only: a damaged page elsewhere shows here, not mid-run.
        findings = [row[0] for row in store.db.execute("PRAGMA quick_check(1)").fetchall()]
        articles = store.article_count()
    except sqlite3.DatabaseError as error:
        findings, articles = [str(error)], 0
    finally:
        store.close()
    return DatabaseHealth(articles, None if findings == ["ok"] else findings[0])


def keep_what_is_built() -> None:
    """What the process holds now lasts: out of later garbage collections' walks (see
    briefings.memory; the CLI after start-up, the engine itself after an ingest)."""
    memory.keep()


def template_problems(templates_dir: str | Path) -> list[render.TemplateProblem]:
    """The user templates in a folder that fail to load, each with why."""
    return render.Renderer(templates_dir).problems


class Engine:
    """Briefings over one SQLite database file."""

    def __init__(self, db_path: str | Path, *, templates_dir: str | Path | None = None) -> None:
        self.store = Store.open(db_path)
        ensure_tables(self.store)  # what event grouping keeps, beside the store's tables
        name_counts.ensure(self.store)  # how often each name is given, for `who`
        topic_counts.ensure(self.store)  # each topic's articles and days, for `topics`
        self.renderer = render.Renderer(templates_dir)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- corpus ---------------------------------------------------------------------------
    def ingest(
        self,
        paths: Iterable[str | Path],
        *,
        progress: Callable[[IngestProgress], None] | None = None,
    ) -> IngestReport:
        """Read, analyse and index files or folders; regroup events.

        `progress` is called after each file (see ingest_paths), e.g. for a progress bar.
        What the process keeps then is settled out of the collector's way (see memory).
        """
        report = ingest_paths(self.store, paths, progress=progress)
        memory.settle()
        return report

    def regroup(self) -> None:
        """Group every English article into events again, from nothing.

        Ingest places new and changed articles among the events as they come; this is the
        maintenance command that rebuilds everything grouping keeps (and gives the same
        events, which the tests check)."""
        regroup(self.store)
        memory.settle()

    def ingest_feed(self, content: bytes, url: str) -> FeedIngest:
        """Read an RSS/Atom feed's bytes and ingest its entries; an empty feed is no error."""
        try:
            result = readers.read_feed(content, url)
        except UnreadableArticle as error:
            if str(error) != "the feed has no entries":  # an empty feed is quiet, not broken
                raise
            return FeedIngest(ingest_documents(self.store, []))
        problem = next((why for label, why in result.rejected if label == url), None)
        report = ingest_documents(self.store, list(result.documents))
        memory.settle()
        return FeedIngest(report, problem)

    def articles(self) -> list[StoredArticle]:
        return self.store.articles()

    def article_count(self) -> int:
        return self.store.article_count()

    def corpus_figures(self) -> CorpusFigures:
        """How big the corpus is: articles, English ones, outlets, events and topics."""
        return self.store.corpus_figures()

    def event_count(self) -> int:
        return self.store.event_count()

    def sources_overview(self, outlets: int, articles: int) -> SourcesOverview:
        """The outlets most articles come from, with their counts and latest articles (see
        Store.sources_overview): what a chat is shown of the sources, whatever the size of
        the corpus."""
        return self.store.sources_overview(outlets, articles)

    def articles_ingested_since(self, since: str) -> list[StoredArticle]:
        """Articles ingested after an ISO instant (`iso_seconds`), oldest first."""
        return self.store.articles_ingested_since(since)

    def last_ingest(self) -> dict[str, Any] | None:
        """The ingest log's latest row (at, added, updated, unchanged, rejected, errors)."""
        return self.store.last_ingest()

    def events(self, ids: Sequence[int] | None = None) -> list[Event]:
        """Events (all, or those with these ids), latest first and undated last."""
        return self.store.events(ids)

    def topics(self) -> list[Topic]:
        return self.store.topics()

    def search(
        self,
        query: str,
        *,
        topic: str | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        limit: int = 10,
    ) -> list[SearchHit]:
        return self.store.search(query, topic=topic, since=since, until=until, limit=limit)

    def filter_articles(
        self, article_ids: Iterable[int], include: Iterable[str], exclude: Iterable[str]
    ) -> set[int]:
        """Articles matching a chat's keyword filter (see Store.filter_article_ids)."""
        return self.store.filter_article_ids(list(article_ids), list(include), list(exclude))

    # -- digests --------------------------------------------------------------------------
    def digest(
        self,
        *,
        since: str,
        now: dt.datetime,
        shown: Sequence[int] = (),
        when_quiet: WhenQuiet | str = WhenQuiet.BRIEF,
        max_chars: int = render.TELEGRAM_LIMIT,
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
        translate: Callable[[str], str] | None = None,
    ) -> Digest | None:
        """What was ingested after `since`, as one message (see briefings.brief.digest)."""
        return compose_digest(
            self,
            since=since,
            now=now,
            shown=shown,
            when_quiet=when_quiet,
            max_chars=max_chars,
            include=include,
            exclude=exclude,
            translate=translate,
        )

    def event_line(self, event_id: int) -> str | None:
        """An event's briefing in one line, as a digest tells it (None when it cannot be
        briefed), kept until a write changes the event (see briefings.brief.digest)."""

        def work_out() -> tuple[str | None, frozenset[str]]:
            line, read = one_line(self, event_id)
            return line, self.store.mention_keys(read)

        return self.store.until_event_changed(
            "event lines", event_id, EVENT_LINES_KEPT, event_id, work_out
        )

    # -- briefings ------------------------------------------------------------------------
    def brief(
        self,
        query: str | None = None,
        *,
        event_id: int | None = None,
        on_date: dt.date | None = None,
    ) -> Briefing:
        """A briefing on the latest event, or the event matching a query, id or date.

        It carries the articles it was made from, so that its items' sources can be numbered.
        """
        return compose.compose_briefing(self.store, query=query, event_id=event_id, on_date=on_date)

    def event(self, event_id: int) -> Event | None:
        """One event by id, or None."""
        return self.store.event(event_id)

    def recent_events(self, limit: int = 10) -> list[Event]:
        """The latest events first (undated ones last)."""
        return self.store.events(limit=limit)

    def event_ids_matching(self, query: str, *, limit: int = 5) -> list[int]:
        """Events the words are about, best first (the latest events for no words)."""
        if not query.strip():
            return [e.id for e in self.store.events(limit=limit)]
        scores = event_scores(self.store, query)
        return sorted(scores, key=lambda e: -scores[e])[:limit]

    def roles_by_event(self, card: PersonCard) -> list[EventRoles]:
        """What each event's articles call a person, latest event first."""
        articles = {a.path: a for a in self.store.articles_by_paths(card.articles)}
        for claim in card.roles:
            articles.update((a.path, a) for a in self.store.articles_by_paths(claim.articles))
        roles: dict[int, list[str]] = {}
        for claim in card.roles:
            for path in claim.articles:
                article = articles.get(path)
                if article is not None and article.event_id is not None:
                    found = roles.setdefault(article.event_id, [])
                    if claim.role not in found:
                        found.append(claim.role)
        event_ids = set(roles) | {a.event_id for a in articles.values() if a.event_id is not None}
        return [
            EventRoles(e.id, e.title, e.date, e.place, tuple(roles.get(e.id, ())))
            for e in self.store.events(sorted(event_ids))
        ]

    def who(self, name: str | None = None) -> list[PersonCard]:
        """People of the latest event (no name), or the cards matching a name (best first).

        Raises PersonNotFound when a name matches no one.
        """
        return compose.people_cards(self.store, name)

    def latest_event(self) -> Event:
        latest = self.store.latest_event()
        if latest is None:
            raise NothingToBrief("The corpus has no English article yet: ingest some files first.")
        return latest
