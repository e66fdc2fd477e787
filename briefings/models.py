"""The facts the engine works with: documents, articles, people, events and briefings.

Every stage of the pipeline takes and returns these frozen dataclasses, so that each stage
can be tested on its own and nothing downstream depends on how a fact was found.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property


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
    metadata_kinds: tuple[str | None, ...] = field(default=(), compare=False)
    """What each metadata line is ("caption", "footer", "date"…, None when unknown), as
    cleaning classified it: readers of the lines do not classify them again."""
    outlet: str | None = None
    contributors: tuple[str, ...] = ()
    """Agencies credited for contributing ("With reporting by dpa, AFP...")."""
    url: str | None = None
    """The article's address, when the text carries it on a line of its own ("url: …")."""


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


INFERRED_DATE_SOURCES = frozenset({"inferred from event", "caption"})
"""Date sources that are the engine's guess, not the article's word: shown as inferred."""
INFERRED_OUTLET_SOURCES = frozenset({"photo credit", "web address"})
"""Outlet sources that are a guess (a picture's credit, a site's address): shown as inferred."""
SHORT_HEADLINE_CHARS = 60
"""A headline standing in for an outlet, or in a sources list, is cut to about this length."""


def is_inferred_date(date_source: str) -> bool:
    """Whether a date found this way is the engine's guess rather than the article's word."""
    return date_source in INFERRED_DATE_SOURCES or date_source.startswith("inferred")


def short_headline(title: str, limit: int = SHORT_HEADLINE_CHARS) -> str:
    """A headline cut at a word boundary to about ``limit`` characters, marked when cut."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title.rfind(" ", 0, limit)
    return title[: cut if cut > limit // 2 else limit].rstrip(",;:–—-|· ") + "…"


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
    weak: bool = False
    """A name the article gives no evidence for ("after Berg's visit"): a person only if the
    corpus knows one by that name from other articles."""

    @property
    def surname(self) -> str:
        return self.name.split()[-1]


@dataclass(frozen=True)
class Entities:
    """What an article names: people with roles, places and organisations."""

    people: tuple[PersonMention, ...] = ()
    places: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    unconfirmed: tuple[PersonMention, ...] = ()
    """Names the article gives no evidence for (``weak``): people only if the corpus knows
    one by that name from other articles."""


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
    outlet_source: str = "none"
    """How the outlet was found ("field", "dateline", "masthead", "photo credit"…)."""

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
    outlet_source: str = "none"

    @property
    def is_outlet_inferred(self) -> bool:
        """The outlet is a guess (from a photo credit or the address), not stated."""
        return bool(self.outlet) and self.outlet_source in INFERRED_OUTLET_SOURCES

    @property
    def is_date_inferred(self) -> bool:
        """The date is a guess (from the event or a caption), not the article's own."""
        return self.published is not None and is_inferred_date(self.date_source)

    @property
    def short_title(self) -> str:
        return short_headline(self.title)

    @property
    def source_name(self) -> str:
        """How a briefing cites the article: its outlet (marked when inferred), else its
        headline. Never its file name: a reader cannot look a file name up."""
        if self.outlet:
            return f"{self.outlet} (inferred)" if self.is_outlet_inferred else self.outlet
        return short_headline(self.title)


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
class Citation:
    """One numbered entry of a briefing's sources: the article behind markers like [2]."""

    number: int
    article: StoredArticle

    @property
    def outlet(self) -> str | None:
        return self.article.outlet

    @property
    def headline(self) -> str:
        return self.article.short_title

    @property
    def url(self) -> str | None:
        return self.article.url


@dataclass(frozen=True)
class Briefing:
    event: Event
    headline: str
    sections: tuple[Section, ...]
    query: str | None = None
    people: tuple[EventRole, ...] = ()
    """Everyone the event's articles name, with their role in it."""
    articles: tuple[StoredArticle, ...] = ()
    """The articles it was made from (see brief.reports), numbering the items' sources."""

    @cached_property  # asked for by every item's markers, in each rendering of the briefing
    def citations(self) -> tuple[Citation, ...]:
        """The articles the items cite, once each, numbered in the order a reader meets them."""
        by_path = {a.path: a for a in self.articles}
        numbered: dict[str, Citation] = {}
        for section in self.sections:
            for item in section.items:
                for path in item.articles:
                    if path in by_path and path not in numbered:
                        numbered[path] = Citation(len(numbered) + 1, by_path[path])
        return tuple(numbered.values())

    def markers(self, item: Item) -> tuple[Citation, ...]:
        """The numbered sources of one item, in number order."""
        by_path = {c.article.path: c for c in self.citations}
        found = {by_path[p].number: by_path[p] for p in item.articles if p in by_path}
        return tuple(found[n] for n in sorted(found))

    def item_text(self, section: Section, item: Item) -> str:
        """An item's text, its composed "(outlet, outlet)" asides as numbered markers.

        Only the lines the engine writes itself (who took part, with the roles each
        source gives) have such asides; sentences of articles are never rewritten.
        """
        if section.facet != "participants":
            return item.text
        numbers: dict[str, list[int]] = {}
        for citation in self.markers(item):
            numbers.setdefault(citation.article.source_name, []).append(citation.number)
        if not numbers:
            return item.text
        # The sources' own names may hold commas and brackets ("Reuters (inferred)", a
        # headline): asides are matched as lists of these names, not split on commas.
        name = "|".join(re.escape(n) for n in sorted(numbers, key=len, reverse=True))
        aside = re.compile(rf"\(((?:{name})(?:, (?:{name}))*)\)")
        names = re.compile(name)

        def as_markers(match: re.Match[str]) -> str:
            found = sorted({n for found in names.findall(match.group(1)) for n in numbers[found]})
            return "".join(f"[{n}]" for n in found)

        return aside.sub(as_markers, item.text)


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
    spellings: tuple[str, ...] = ()
    """The other spellings of the name the card gathers as one person, most used first."""
    article_total: int | None = None  # articles naming them, if ``articles`` lists the latest

    @property
    def article_count(self) -> int:
        return len(self.articles) if self.article_total is None else self.article_total


@dataclass(frozen=True)
class EventRoles:
    """What the articles of one event call a person, and when that event was."""

    event_id: int
    title: str
    date: dt.date | None
    place: str | None
    roles: tuple[str, ...]


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
