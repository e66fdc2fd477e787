"""Events: articles that report the same happening, grouped by date, people and words.

Dated articles join an event when the happening they report falls within a few days of it and
they share people and vocabulary with it. Undated articles then join the event they resemble
most, provided nothing in them contradicts it (a weekday that the event's date is not); they
take that event's date, flagged as inferred. Event ids are the smallest article id in the
group, so they stay stable as the corpus grows.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from briefings.dates import CALENDAR_WORDS, WEEKDAY_NAMES
from briefings.models import Event
from briefings.store import Store, person_key

EVENT_WINDOW_DAYS = 3
"""How far apart two reports of one happening may date it."""
HINT_WINDOW = (-7, 10)
"""Dates in an article's lead within this many days of publication are the happening's date."""
LEAD_SENTENCES = 3
MIN_SIMILARITY_DATED = 0.12
"""Reports dated within the window join on this similarity, or on two shared people and…"""
MIN_SIMILARITY_DATED_SHARED = 0.05
MIN_SIMILARITY_UNDATED = 0.1

_WORD = re.compile(r"[a-zà-ÿ][a-zà-ÿ'-]{2,}")
_STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "that",
        "with",
        "this",
        "from",
        "have",
        "has",
        "had",
        "was",
        "were",
        "are",
        "will",
        "would",
        "could",
        "should",
        "said",
        "says",
        "his",
        "her",
        "their",
        "its",
        "they",
        "them",
        "than",
        "then",
        "there",
        "which",
        "who",
        "whom",
        "what",
        "when",
        "where",
        "while",
        "also",
        "been",
        "being",
        "into",
        "over",
        "after",
        "before",
        "about",
        "against",
        "between",
        "during",
        "under",
        "more",
        "most",
        "other",
        "some",
        "such",
        "only",
        "own",
        "same",
        "very",
        "can",
        "just",
        "not",
        "but",
        "all",
        "any",
        "both",
        "each",
        "few",
        "how",
        "our",
        "out",
        "off",
        "once",
        "here",
        "again",
        "further",
        "why",
        "because",
        "until",
        "these",
        "those",
        "you",
        "your",
        "yours",
        "she",
        "him",
        "himself",
        "herself",
        "itself",
        "themselves",
        "ourselves",
        "what's",
        "it's",
        "one",
        "two",
        "three",
        "new",
        "last",
        "year",
        "years",
        "week",
        "month",
        "day",
        "time",
        "told",
        "according",
    ]
)
_WEEKDAY_NAMES = {names[0].lower(): number for number, names in enumerate(WEEKDAY_NAMES)}
_WEEKDAY = re.compile(r"\b(" + "|".join(_WEEKDAY_NAMES) + r")\b", re.IGNORECASE)


@dataclass
class _Report:
    id: int
    title: str
    published: dt.date | None
    happened: dt.date | None
    people: set[str]
    places: list[str]
    vector: dict[str, float]
    weekdays: set[int]
    lead: str = ""


@dataclass
class _Group:
    reports: list[_Report] = field(default_factory=list)
    centroid: Counter[str] = field(default_factory=Counter)
    people: Counter[str] = field(default_factory=Counter)
    dates: list[dt.date] = field(default_factory=list)
    """The happening dates its reports give, kept sorted."""
    places: set[str] = field(default_factory=set)

    def add(self, report: _Report) -> None:
        self.reports.append(report)
        self.centroid.update(report.vector)
        self.people.update(report.people)
        self.places.update(report.places)
        if report.happened:
            bisect.insort(self.dates, report.happened)

    @property
    def date(self) -> dt.date | None:
        return self.dates[len(self.dates) // 2] if self.dates else None

    def is_near(self, day: dt.date, days: int) -> bool:
        """Whether a report of the group dates the happening within ``days`` of ``day``."""
        i = bisect.bisect_left(self.dates, day - dt.timedelta(days=days))
        return i < len(self.dates) and self.dates[i] <= day + dt.timedelta(days=days)


def regroup_events(store: Store) -> list[Event]:
    """Group every English article of the store into events and store the grouping."""
    reports = _load_reports(store)
    groups = group_reports(reports)
    events, inferred = _to_events(groups)
    store.replace_events(events, inferred)
    return events


def group_reports(reports: list[_Report]) -> list[_Group]:
    dated = sorted((r for r in reports if r.happened), key=lambda r: (r.happened, r.id))
    undated = sorted((r for r in reports if not r.happened), key=lambda r: r.id)
    groups: list[_Group] = []
    by_person: dict[str, list[_Group]] = defaultdict(list)
    # Dated reports first, in date order, so undated ones meet events whose dates are known.
    for report, is_dated in [(r, True) for r in dated] + [(r, False) for r in undated]:
        best = _best_group(report, _candidates(report, by_person), dated=is_dated)
        if best is None:
            best = _Group()
            groups.append(best)
        best.add(report)
        for person in report.people:
            if best not in by_person[person]:
                by_person[person].append(best)
    return groups


def _candidates(report: _Report, by_person: dict[str, list[_Group]]) -> list[_Group]:
    seen: dict[int, _Group] = {}
    for person in report.people:
        for group in by_person.get(person, ()):
            seen[id(group)] = group
    return list(seen.values())


def _best_group(report: _Report, candidates: list[_Group], *, dated: bool) -> _Group | None:
    best, best_score = None, 0.0
    for group in candidates:
        date = group.date
        if dated:
            assert report.happened is not None
            if not group.is_near(report.happened, EVENT_WINDOW_DAYS):
                continue
        elif date and report.weekdays and date.weekday() not in report.weekdays:
            continue
        shared = sum(1 for p in report.people if p in group.people)
        if shared == 0:
            continue
        if not dated and _place_conflict(report, group):
            continue
        similarity = _cosine(report.vector, group.centroid)
        if dated:
            enough = similarity >= MIN_SIMILARITY_DATED or (
                shared >= 2 and similarity >= MIN_SIMILARITY_DATED_SHARED
            )
        else:
            enough = similarity >= MIN_SIMILARITY_UNDATED
        if not enough:
            continue
        score = similarity + 0.02 * min(shared, 3)
        if score > best_score:
            best, best_score = group, score
    return best


def _place_conflict(report: _Report, group: _Group) -> bool:
    """An undated report whose title names a town the event's reports never name is elsewhere."""
    countries = _country_names()
    towns = [p for p in report.places if p.lower() not in countries and p in report.title]
    if not towns:
        return False
    return not any(t in group.places for t in towns)


def _cosine(a: dict[str, float], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(weight * b.get(term, 0.0) for term, weight in a.items())
    norm_b = math.sqrt(sum(v * v for v in b.values()))
    return dot / norm_b if norm_b else 0.0  # a is unit length


def _load_reports(store: Store) -> list[_Report]:
    rows = store.grouping_rows()
    ids = [r["id"] for r in rows]
    people: dict[int, set[str]] = defaultdict(set)
    for m in store.mentions(ids):
        people[m.article_id].add(person_key(m.mention.name).split(" ")[-1])
    places: dict[int, list[str]] = defaultdict(list)
    for article_id, name in store.entities(ids, "place"):
        places[article_id].append(name)
    words: dict[int, Counter[str]] = {}
    lead: dict[int, str] = {}
    for article_id, text in store.texts(ids):
        words[article_id] = Counter(w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS)
    for sentence in store.lead_sentences(ids, LEAD_SENTENCES):
        lead[sentence.article_id] = lead.get(sentence.article_id, "") + " " + sentence.text
    document_frequency: Counter[str] = Counter()
    for counts in words.values():
        document_frequency.update(counts.keys())
    total = max(len(words), 1)
    reports = []
    for row in rows:
        article_id = row["id"]
        published = dt.date.fromisoformat(row["published"]) if row["published"] else None
        if row["date_source"] == "inferred from event":
            published = None
        hints = [dt.date.fromisoformat(d) for d in json.loads(row["event_hints"] or "[]")]
        lead_text = f"{row['title']} {lead.get(article_id, '')}"
        reports.append(
            _Report(
                id=article_id,
                title=row["title"],
                published=published,
                happened=_happening_date(published, hints),
                people=people[article_id],
                places=places[article_id],
                vector=_tf_idf(words.get(article_id, Counter()), document_frequency, total),
                weekdays={_WEEKDAY_NAMES[w.lower()] for w in _WEEKDAY.findall(lead_text)},
                lead=lead_text,
            )
        )
    return reports


def _happening_date(published: dt.date | None, hints: list[dt.date]) -> dt.date | None:
    """The date of what the article reports: its first lead date near publication."""
    if published is None:
        return None
    low, high = HINT_WINDOW
    for hint in hints:
        if low <= (hint - published).days <= high:
            return hint
    return published


def _tf_idf(counts: Counter[str], df: Counter[str], total: int) -> dict[str, float]:
    vector = {
        term: (1 + math.log(n)) * math.log(1 + total / df[term]) for term, n in counts.items()
    }
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {t: v / norm for t, v in vector.items()} if norm else {}


def _to_events(groups: list[_Group]) -> tuple[list[Event], dict[int, dt.date]]:
    events = []
    inferred: dict[int, dt.date] = {}
    for group in groups:
        ids = tuple(sorted(r.id for r in group.reports))
        date = group.date
        if date:
            for report in group.reports:
                if report.published is None:
                    inferred[report.id] = date
        representative = max(
            group.reports,
            key=lambda r: (_cosine(r.vector, group.centroid), r.happened is not None, -r.id),
        )
        events.append(
            Event(
                id=ids[0],
                title=representative.title,
                date=date,
                place=_place(group),
                article_ids=ids,
                people=tuple(p for p, _ in group.people.most_common(8)),
            )
        )
    return events, inferred


def _place(group: _Group) -> str | None:
    """Where it happened: the place named after "in", "at", "city of"… in titles and leads.

    A city beats a country (a meeting "in Russia" took place in some city of it), and places
    named in more articles beat places named once.
    """
    broad = _broad_places()
    counts: Counter[str] = Counter()
    for report in group.reports:
        in_title = [a or b for a, b in _TITLE_PLACE.findall(report.title)]
        known = set(report.places)
        for place in dict.fromkeys([*report.places, *in_title]):
            words = place.split()
            while words and words[-1] in _NOT_PLACES:
                words.pop()
            if not words or words[0] in _NOT_PLACES or any(c.isdigit() for c in place):
                continue  # "G20", "COP28": gatherings, not places
            place = " ".join(words)
            if place in in_title or _after_locative(place, report.title):
                counts[place] += 2 + (place in known)
            elif _after_locative(place, report.lead):
                counts[place] += 1 + (place in known)
    if not counts:
        return None
    return max(counts, key=lambda p: (not _is_broad(p, broad), counts[p]))


_LOCATIVES = tuple(
    f"{preposition} {article}"
    for preposition in ("in", "at", "to", "of", "near")
    for article in ("", "the ")
)
"""Words before a place name that put something there ("in ", "at the ")."""


def _after_locative(place: str, text: str) -> bool:
    """Whether the text says "in <place>", "at the <place>"…, as whole words.

    Plain substring checks: a regular expression per place overflowed re's cache.
    """
    for locative in _LOCATIVES:
        phrase = locative + place
        start = text.find(phrase)
        while start != -1:
            end = start + len(phrase)
            if (start == 0 or not text[start - 1].isalnum()) and (
                end == len(text) or not text[end].isalnum()
            ):
                return True
            start = text.find(phrase, start + 1)
    return False


def _is_broad(place: str, broad: frozenset[str]) -> bool:
    """A country or a region ("Middle East"): where a meeting took place, but not which city."""
    return place.lower() in broad or place.split()[-1].lower() in _BROAD_ENDINGS


_BROAD_ENDINGS = frozenset({"east", "west", "asia", "europe", "africa", "america", "americas"})


_TITLE_PLACE = re.compile(
    r"\b(?:in|at)\s+((?:[A-Z][\w'-]+)(?:\s[A-Z][\w'-]+)?)"
    r"|^([A-Z][\w'-]+)\s(?:talks|summit|meeting)\b"
)
_NOT_PLACES = CALENDAR_WORDS | {"The", "A", "An", "His", "Her", "Their", "Its"}


@lru_cache(maxsize=1)
def _country_names() -> frozenset[str]:
    from briefings.facets import load_countries

    return frozenset(c.name.lower() for c in load_countries())


@lru_cache(maxsize=1)
def _broad_places() -> frozenset[str]:
    """Countries and world regions (the regions of the entity tables)."""
    from briefings.entities import read_sections

    regions = {r.lower() for r in read_sections("places.txt").get("regions", [])}
    return _country_names() | regions
