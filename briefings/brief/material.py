"""What an event's briefing is made from: its English articles, their sentences, the people
they name with their roles in the event, and the sentences that read as prose.

Gathered once a briefing (or a card) and read by every facet: purpose, participants,
reactions, context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from briefings.brief.facets import FacetRules, load_rules
from briefings.brief.names import Names
from briefings.brief.reports import MAX_REPORTS, representative
from briefings.brief.roles import Cast, assign_roles, is_subject_of, speech_pattern
from briefings.index.people_index import Person, merge_people
from briefings.index.store import Store, StoredSentence
from briefings.models import Event, StoredArticle

REFERENT_REACH = 3
"""How many sentences back a pronoun opening a sentence may find its person."""
SAID_BY_PRONOUN = re.compile(r"[,”\"]\s*\b(he|she)\s+(?:said|added|says|told)\b")
OPENING_PRONOUN = re.compile(r"^[\"“‘']?(?:He|She|His|Her)\b")


@dataclass(frozen=True)
class Material:
    """Everything an event's briefing is made from: of a big event, a bounded and
    representative set of its articles (see reports)."""

    event: Event
    articles: dict[int, StoredArticle]
    sentences: list[StoredSentence]
    people: list[Person]
    cast: Cast
    prose: list[StoredSentence]
    """The sentences that read as sentences: what items are made of (not headlines, bullets,
    link lines or page furniture that the text kept)."""
    names: Names
    """Where each of the people is named in a text (shared by roles and every facet: it keeps
    each text it has looked at)."""
    dated_elsewhere: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)
    """Whether each sentence's text writes out another date than the event's (is_elsewhere):
    roles, purposes and stances each ask it of the same sentences."""
    worked_out: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """What the facets work out from the material and share (the stances, whom an official
    speaks for), by name: once an event while it is kept (see KEPT_EVENTS), so only what
    every briefing of it would work out alike, whatever it was asked."""

    @property
    def principals(self) -> tuple[Person, ...]:
        return self.cast.principals

    def referent(self, sentence: StoredSentence, *, anywhere: bool = False) -> Person | None:
        """Who a sentence opening with "He", "She", "His" or "Her" stands for (or, with
        ``anywhere``, a sentence that names no one and says "…," he said): the person the
        sentences just before it in its article name first, the nearest of them."""
        if anywhere:
            if not SAID_BY_PRONOUN.search(sentence.text) or any(
                self.names.positions(p, sentence.text) for p in self.people
            ):
                return None
        elif not OPENING_PRONOUN.match(sentence.text):
            return None
        names = self.names
        by_ref = self.worked_out.get("sentence_by_ref")
        if by_ref is None:  # once a briefing: an event's sentences run to thousands
            by_ref = {(s.article_id, s.index): s for s in self.sentences}
            self.worked_out["sentence_by_ref"] = by_ref
        for back in range(1, REFERENT_REACH + 1):
            earlier = by_ref.get((sentence.article_id, sentence.index - back))
            if earlier is None:
                continue
            maybe = names.named(earlier.text)
            named = [
                (spots[0], p)
                for p in self.people
                if p.key in maybe and (spots := names.positions(p, earlier.text))
            ]
            # The one who spoke there is whom "he"/"she" goes on with; else the first named.
            speakers = [
                (at, p) for at, p in named if is_subject_of(earlier.text, at, speech_pattern())
            ]
            if speakers or named:
                return min(speakers or named, key=lambda n: n[0])[1]
        return None

    def source(self, article_id: int) -> str:
        # Asked for each sentence of each item ranked: worked out once an article.
        sources: dict[int, str] = self.worked_out.setdefault("sources", {})
        found = sources.get(article_id)
        if found is None:
            found = sources[article_id] = self.articles[article_id].source_name
        return found

    def path(self, article_id: int) -> str:
        return self.articles[article_id].path


@dataclass(frozen=True)
class Reading:
    """What a briefing reads of an event before it gives its people roles."""

    articles: dict[int, StoredArticle]
    sentences: list[StoredSentence]
    people: list[Person]
    names: frozenset[str]
    """The folded names the articles give, weak ones included: what is worked out of the
    reading is kept until one of them is resolved to another person
    (Store.until_event_changed)."""

    @property
    def titles(self) -> dict[int, str]:
        return {a.id: a.title for a in self.articles.values()}


def read_event(store: Store, event: Event) -> Reading:
    """The articles a briefing reads of an event (see reports), their sentences and people."""
    if len(event.article_ids) > MAX_REPORTS:  # chosen from their heads, then read whole
        chosen = [a.id for a in representative(store.english_article_heads(event.article_ids))]
        articles = {a.id: a for a in store.articles(chosen)}
    else:
        english = [a for a in store.articles(event.article_ids) if a.language == "en"]
        articles = {a.id: a for a in representative(english)}
    ids = list(articles)
    return Reading(
        articles, store.sentences(ids), merge_people(store.mentions(ids)), store.mention_keys(ids)
    )


def gather(store: Store, event: Event, rules: FacetRules | None = None) -> Material:
    """An event's material, with what its facets worked out of it before while it is kept
    (see KEPT_EVENTS)."""
    shipped = load_rules()
    rules = rules or shipped
    if rules is shipped:

        def prepare() -> tuple[_Prepared, frozenset[str]]:
            prepared = _prepare(store, event, rules)
            return prepared, prepared.reading.names

        prepared = store.until_event_changed(
            "prepared events", event, KEPT_EVENTS, event.id, prepare
        )
    else:  # rules of a test's own: prepared afresh, nothing kept
        prepared = _prepare(store, event, rules)
    reading = prepared.reading
    return Material(
        event,
        reading.articles,
        reading.sentences,
        reading.people,
        prepared.cast,
        prepared.prose,
        prepared.names,
        prepared.dated,
        prepared.worked_out,
    )


KEPT_EVENTS = 4
"""How many events' reading and cast are kept between briefings, the latest asked for, until
a write changes the event or a name it gives (see Store.until_event_changed): a bot is
asked for the same few events again and again (the latest event, a common topic's, the ones
a digest leads with, a person's), and reading and casting an event, and finding its
stances, are most of what its briefing costs."""


@dataclass(frozen=True)
class _Prepared:
    """What gather works out of an event before any facet: the same for every briefing of it.
    ``names``, ``dated`` and ``worked_out`` keep answers the facets work out, which the next
    briefing reuses."""

    reading: Reading
    cast: Cast
    prose: list[StoredSentence]
    names: Names
    dated: dict[str, bool]
    worked_out: dict[str, Any]


def _prepare(store: Store, event: Event, rules: FacetRules) -> _Prepared:
    reading = read_event(store, event)
    sentences, people = reading.sentences, reading.people
    dated: dict[str, bool] = {}
    names = Names(people)
    cast = assign_roles(
        people, sentences, reading.titles, rules, event.date, event.place, dated, names
    )
    reads_as_prose = {text: is_prose(text) for text in dict.fromkeys(s.text for s in sentences)}
    prose = [s for s in sentences if reads_as_prose[s.text]]
    return _Prepared(reading, cast, prose, names, dated, {})


MIN_PROSE_WORDS = 5
_ENDS_PROSE = re.compile(r"[.!?…][\"'”’»)\]]*$")


def is_prose(text: str) -> bool:
    """A sentence of running text: long enough, ending as sentences end, not a list bullet,
    not the tail of a quotation whose start the sentence splitter left behind."""
    stripped = text.strip()
    return (
        len(stripped.split()) >= MIN_PROSE_WORDS
        and stripped[:1] not in "•·*▪–-"
        and _ENDS_PROSE.search(stripped) is not None
        and not _starts_mid_quotation(stripped)
    )


def _starts_mid_quotation(text: str) -> bool:
    close, opening = text.find("”"), text.find("“")
    if close >= 0 and (opening < 0 or close < opening):
        return True
    straight = text.find('"')
    return text.count('"') % 2 == 1 and straight > 0 and text[straight - 1] in ".,!?"
