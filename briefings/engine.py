"""The engine's public face: one object that ingests, indexes, briefs and renders.

The CLI and the bot use only this class (and the dataclasses in ``models``), so the rest of
the package is free to change behind it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

from briefings import compose, render
from briefings.errors import NothingToBrief
from briefings.ingest import ingest_paths
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
from briefings.store import Store


class Engine:
    """Briefings over one SQLite database file."""

    def __init__(self, db_path: str | Path, *, templates_dir: str | Path | None = None) -> None:
        self.store = Store.open(db_path)
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
        """
        return ingest_paths(self.store, paths, progress=progress)

    def regroup(self) -> None:
        """Group every English article into events again, from nothing.

        Ingest places new and changed articles among the events as they come; this is the
        maintenance command that rebuilds everything grouping keeps (and gives the same
        events, which the tests check)."""
        from briefings.event_replay import regroup

        regroup(self.store)

    def articles(self) -> list[StoredArticle]:
        return self.store.articles()

    def events(self) -> list[Event]:
        return self.store.events()

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

    # -- briefings ------------------------------------------------------------------------
    def brief(
        self,
        query: str | None = None,
        *,
        event_id: int | None = None,
        on_date: dt.date | None = None,
    ) -> Briefing:
        """A briefing on the latest event, or the event matching a query, id or date.

        It carries the event's articles, so that its items' sources can be numbered.
        """
        briefing = compose.compose_briefing(
            self.store, query=query, event_id=event_id, on_date=on_date
        )
        articles = tuple(self.store.articles(briefing.event.article_ids))
        return dataclasses.replace(briefing, articles=articles)

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
        scores: dict[int, float] = {}
        for event_id, count in self.store.event_ids_for_topic(query).items():
            scores[event_id] = scores.get(event_id, 0) + 2 * count
        hits = self.store.search_article_ids(query, limit=200)
        for event_id in self.store.event_ids_of_articles(hits).values():
            scores[event_id] = scores.get(event_id, 0) + 1
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
        events = self.store.events()
        if not events:
            raise NothingToBrief("The corpus has no English article yet: ingest some files first.")
        return events[0]
