"""The facts the engine works with: documents, articles, people, events and briefings.

Every stage of the pipeline takes and returns these frozen dataclasses, so that each stage
can be tested on its own and nothing downstream depends on how a fact was found.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceDocument:
    """One article as a reader found it in a file, before any cleaning.

    Fields other than ``path`` and ``text`` are filled only when the file format carries
    them explicitly (a JSON field, an RSS element, an HTML meta tag).
    """

    path: str
    text: str
    title: str | None = None
    url: str | None = None
    published: str | None = None
    outlet: str | None = None
    format: str = "text"


@dataclass(frozen=True)
class CleanText:
    """An article's text with boilerplate removed, and what the boilerplate told us."""

    title: str | None
    paragraphs: tuple[str, ...]
    dateline: str | None = None
    """The dateline as written ("MOSCOW, September 12. /TASS/"), if the text has one."""
    metadata_lines: tuple[str, ...] = ()
    """Removed lines that carry facts: date lines, footers, credits, "with reporting by"."""
    outlet: str | None = None
    contributors: tuple[str, ...] = ()
    """Agencies credited for contributing ("With reporting by dpa, AFP...")."""


@dataclass(frozen=True)
class DateFinding:
    """An article's publication date and how it was found.

    ``source`` is one of: "field" (explicit metadata field or date line), "dateline",
    "footer", "header", "relative weekday", "inferred from event", "none".
    """

    published: dt.date | None
    source: str
    partial: tuple[int, int] | None = None
    """(month, day) when the evidence gives no year ("MOSCOW, December 22."): the year is
    taken later from the article's event, or the article stays undated."""
    picture_dates: tuple[dt.date, ...] = ()
    """Dates printed in photo captions: when the pictured scene happened, never when the
    article was published. Evidence of which happening the article shows."""


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article's body, with its position."""

    index: int
    paragraph: int
    text: str
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class PersonMention:
    """A person named in one article, with what that article says they are."""

    name: str
    """The fullest form of the name the article gives ("Anna Maria Berg")."""
    roles: tuple[str, ...] = ()
    """Titles and roles as the article words them ("Russian Defense Minister")."""
    nationality: str | None = None
    sentences: tuple[int, ...] = ()
    """Indexes of the sentences that mention the person (full name or surname)."""
    quotes: tuple[str, ...] = ()
    """Direct quotes the article attributes to the person, verbatim."""

    @property
    def surname(self) -> str:
        return self.name.split()[-1]


@dataclass(frozen=True)
class Entities:
    """What an article names: people with roles, places and organisations."""

    people: tuple[PersonMention, ...] = ()
    places: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Article:
    """An analysed article, ready to be indexed."""

    path: str
    title: str
    text: str
    checksum: str
    outlet: str | None
    published: dt.date | None
    date_source: str
    language: str
    sentences: tuple[Sentence, ...] = ()
    entities: Entities = field(default_factory=Entities)
    topics: tuple[str, ...] = ()
    contributors: tuple[str, ...] = ()
    url: str | None = None
    dateline: str | None = None
    event_hints: tuple[dt.date, ...] = ()
    """Dates the text gives for what it reports (resolved weekdays, "on September 12")."""
    partial_date: tuple[int, int] | None = None
    """(month, day) of a publication date written without its year."""
    picture_dates: tuple[dt.date, ...] = ()
    """Dates of the scenes its photo captions show."""

    @property
    def is_english(self) -> bool:
        return self.language == "en"

    @property
    def word_count(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class StoredArticle:
    """An article as the index returns it: its row, not its analysis."""

    id: int
    path: str
    title: str
    outlet: str | None
    published: dt.date | None
    date_source: str
    language: str
    event_id: int | None
    topics: tuple[str, ...]
    url: str | None = None

    @property
    def source_name(self) -> str:
        """How a briefing cites the article: its outlet, else its file name without extension."""
        if self.outlet:
            return self.outlet
        name = self.path.replace("\\", "/").rsplit("/", 1)[-1]
        return name.rsplit(".", 1)[0] if "." in name and "#" not in name else name


@dataclass(frozen=True)
class Event:
    """Articles that report the same happening."""

    id: int
    title: str
    date: dt.date | None
    place: str | None
    article_ids: tuple[int, ...]
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class Topic:
    name: str
    article_count: int
    first: dt.date | None
    last: dt.date | None


@dataclass(frozen=True)
class SearchHit:
    article_id: int
    path: str
    title: str
    published: dt.date | None
    snippet: str
    score: float


@dataclass(frozen=True)
class Item:
    """One line of a briefing and the outlets and articles that report it."""

    text: str
    sources: tuple[str, ...]
    articles: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    facet: str
    heading: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class EventRole:
    """What one person is in an event, and the sentences that decided it."""

    name: str
    role: str
    """principal, participant, reactor, commentator or mentioned."""
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Briefing:
    event: Event
    headline: str
    sections: tuple[Section, ...]
    query: str | None = None
    people: tuple[EventRole, ...] = ()
    """Everyone the event's articles name, with their role in it."""


@dataclass(frozen=True)
class RoleClaim:
    role: str
    sources: tuple[str, ...]
    articles: tuple[str, ...]


@dataclass(frozen=True)
class PersonCard:
    """Everything the corpus says about one person."""

    name: str
    roles: tuple[RoleClaim, ...]
    is_participant: bool
    articles: tuple[str, ...]
    mentions: int
    events: tuple[int, ...] = ()
    quote: Item | None = None


@dataclass(frozen=True)
class IngestReport:
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    rejected: tuple[tuple[str, str], ...] = ()
    """(path, reason) for every file that was not indexed."""


@dataclass(frozen=True)
class IngestProgress:
    """How far an ingest has got, for a progress bar or a log line."""

    files_done: int
    files_total: int
    """Article files found in the given paths, known before the first one is read."""
    articles: int
    """Articles read so far: added, updated or found unchanged."""
    rejected: int
    stage: str = "reading"
    """"reading" the files, then "grouping" events once every file is read."""
