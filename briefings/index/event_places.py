"""Where a happening took place: the town or site its reports put it in.

A place is where it happened when the reports put the happening there: a happening word and
a locative before the place in one sentence ("met in Oslo", "a press conference in X", "his
visit to Y"), most of all in titles. A place named for another reason is not: what the news is
about ("sovereignty over the valley"), a party's capital ("a close ally of Lima"), a word
inside a name. A town beats a country or region (a visit "to Peru" happened in some town of
it); when a visit to a country has several towns, its capital is where leaders meet.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from briefings.extract.dates import CALENDAR_WORDS
from briefings.extract.entities import fold
from briefings.extract.happenings import happening_words
from briefings.lexicon import countries, lower_words, words

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORDS = re.compile(r"[\w'’-]+")
_SETTING = re.compile(
    r"(?:\bthe\s+)?(?:\b(?!(?:in|at|to)\b)[A-Za-z-]+\s+){0,3}(?:city|town|resort|village|capital|port|region)\s+of\s+$",
    re.IGNORECASE,
)
"""Words between a locative and a town: "in the Russian city of", "at the resort of"."""
_HAPPENING_AFTER = re.compile(r"\s+")
_OF_A_NAME = re.compile(r"([A-Z][\w'’-]+)\s+(?:in|at|to)(?:\s+the)?$")
"""A locative right after a place's name says where that place lies, not the happening."""


def _is_happening(sentence: str, end: int) -> bool:
    return happening_words().match(sentence, end + 1) is not None


_STATIC_LOCATIVES = ("in", "at", "in the", "at the")
"""Words that put something in a place whatever the verb."""
_MOTION_LOCATIVES = ("to", "to the")
"""Words that put a happening in a place only after a happening word ("visit to")."""
_MOTION_REACH = 40
"""How far before "to <place>" a happening word must stand ("his first visit to")."""
# The words before a place end in a locative when they are one or end in a space and one:
# asked with one endswith (a tuple) and one set lookup, for every place of every sentence.
_STATIC_ENDINGS = tuple(" " + w for w in _STATIC_LOCATIVES)
_MOTION_ENDINGS = tuple(" " + w for w in _MOTION_LOCATIVES)
_STATIC_ALONE = frozenset(_STATIC_LOCATIVES)
_MOTION_ALONE = frozenset(_MOTION_LOCATIVES)


@lru_cache(maxsize=1)
def _travel_words() -> re.Pattern[str]:
    travel = words("happenings.txt", "travel words")
    alternation = "|".join(re.escape(w) for w in sorted(travel, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternation})\b(?:\s+[\w'’.-]+){{0,3}}\s+to(?:\s+the)?\s*$", re.I)


_BROAD_ENDINGS = lower_words("places.txt", "broad endings")
"""Last words of a region's name: "West Africa", "South America"."""


@dataclass(frozen=True)
class PlaceEvidence:
    """What one report says of where things happened."""

    title: str
    sentences: Sequence[str]
    """Its sentences that name a happening near a locative."""
    places: Sequence[str]
    principal_names: Sequence[frozenset[str]] = ()
    """The words of each principal's names: a sentence naming two of them puts the
    principals themselves somewhere ("X met Y in Z")."""
    readings: PlaceReadings | None = None
    """``place_readings`` of its title, sentences and places, when kept with its features
    (else worked out here)."""


@dataclass(frozen=True)
class _SentenceReading:
    """Where one sentence of a report puts a happening."""

    is_title: bool
    doers: tuple[frozenset[str], ...]
    """For each happening word, the (folded) words of the clause before it: who may do it."""
    scores: tuple[tuple[str, int], ...]
    """The places it puts a happening in, with how firmly (see ``_placed``)."""


PlaceReadings = tuple[tuple[str, ...], tuple[_SentenceReading, ...]]
"""A report's usable places, and its sentences that put a happening in one of them."""

_READINGS_KEPT = 8192
"""Reports whose readings are kept: a group's place is worked out again as it grows, from
mostly the same reports, and the readings do not depend on the group."""


def readings_fields(readings: PlaceReadings) -> list[object]:
    """Readings as plain values for JSON: [places, [[is title, doers, scores], ...]]."""
    known, found = readings
    return [
        list(known),
        [[r.is_title, [sorted(d) for d in r.doers], [list(s) for s in r.scores]] for r in found],
    ]


def readings_from(fields: object) -> PlaceReadings | None:
    """Readings as ``readings_fields`` wrote them; None for values of another shape."""
    try:
        known, found = cast(tuple[list[str], list[list[Any]]], fields)
        return tuple(known), tuple(
            _SentenceReading(
                bool(is_title),
                tuple(frozenset(d) for d in doers),
                tuple((str(place), int(score)) for place, score in scores),
            )
            for is_title, doers, scores in found
        )
    except (TypeError, ValueError):
        return None


ReadingValues = tuple[
    tuple[str, ...],
    tuple[tuple[bool, tuple[frozenset[str], ...], tuple[tuple[str, int], ...]], ...],
]
"""``PlaceReadings`` as plain values (``readings_values``)."""


def readings_values(readings: PlaceReadings) -> ReadingValues:
    """Readings as values ``marshal`` keeps as they are (tuples, frozensets, strings,
    numbers): read back by ``readings_of_values`` with nothing converted."""
    known, found = readings
    return known, tuple((r.is_title, r.doers, r.scores) for r in found)


def readings_of_values(values: object) -> PlaceReadings:
    """The readings ``readings_values`` kept (values of another shape raise)."""
    known, found = cast(ReadingValues, values)
    if not isinstance(known, tuple):
        raise TypeError("places as a tuple")
    return known, tuple(_SentenceReading(*reading) for reading in found)


def place_readings(title: str, sentences: Sequence[str], places: Sequence[str]) -> PlaceReadings:
    """What a report says of where things happened, whatever the group (``PlaceEvidence``):
    worked out with its features when it is analysed, as it takes a few regular
    expressions per place and sentence (about 0.2 ms a report), and a big event's place is
    read from hundreds of reports, in a process that has none of them at hand."""
    words = happening_words()
    known = tuple(p for p in dict.fromkeys(places) if _usable(p))
    found = []
    for is_title, sentence in ((True, title), *((False, s) for s in sentences)):
        happenings = list(words.finditer(sentence))
        if not happenings and not is_title:
            continue
        ends = [m.end() for m in happenings]
        scores = tuple(
            (place, score)
            for place in known
            if place in sentence and (score := _placed(sentence, place, ends, known))
        )
        if scores:
            doers = tuple(_clause_words(sentence, m.start()) for m in happenings)
            found.append(_SentenceReading(is_title, doers, scores))
    return known, tuple(found)


_readings = lru_cache(maxsize=_READINGS_KEPT)(place_readings)
"""Readings of reports kept without theirs (by an older version), kept for the process
(called with tuples)."""


def event_place(reports: Sequence[PlaceEvidence]) -> str | None:
    """The place of a happening from what its reports say."""
    # Two tiers: places where the principals themselves are at the happening ("X said at a
    # press conference in Y", "X met Y in Z"), then any happening the reports place.
    scores: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
    visited: Counter[str] = Counter()
    mentioned: set[str] = set()
    for report in reports:
        known, readings = (
            report.readings
            if report.readings is not None
            else _readings(report.title, tuple(report.sentences), tuple(report.places))
        )
        mentioned.update(known)
        for reading in readings:
            principal = any(
                tokens & words for words in reading.doers for tokens in report.principal_names
            )
            for place, score in reading.scores:
                scores[principal][place] += score + reading.is_title
                if is_broad_place(place) and score > 1:
                    visited[place] += score
    tier = scores[True] if any(not is_broad_place(p) for p in scores[True]) else scores[False]
    if not tier:
        tier = scores[True]
    if not tier:
        return None
    towns = _fuller_names({p: n for p, n in tier.items() if not is_broad_place(p)})
    best = max(towns, key=lambda p: (towns[p], p)) if towns else None
    if visited:
        # A visit to a country: where its leaders receive a visitor is its capital, unless
        # the reports put the happening in another of its towns more firmly.
        country = max(visited, key=lambda c: (visited[c], c))
        capital = _capitals().get(country.lower())
        if (
            capital
            and capital != best
            and (
                (best is None and capital in mentioned)
                or (capital in towns and best is not None and 2 * towns[capital] >= towns[best])
            )
        ):
            return capital
    if best is None:
        return max(tier, key=lambda p: (tier[p], p))
    return best


def _fuller_names(towns: dict[str, int]) -> dict[str, int]:
    """ "Delhi" in a title and "New Delhi" in the text are one town, by its fuller name."""
    merged = dict(towns)
    for town in towns:
        fuller = [t for t in towns if t != town and t.endswith(" " + town)]
        if fuller:
            merged[fuller[0]] += merged.pop(town)
    return merged


_PRINCIPAL_REACH = 80
"""How far before a happening word a principal's name stands in the clause that has them do it."""


_CLAUSE_BREAK = re.compile(r"[;.]\s|\b(?:after|while|as|when|but)\b")


def _clause_words(sentence: str, at: int) -> frozenset[str]:
    """The folded words of the clause that has a principal do the happening at ``at``: a
    principal named there is at the happening."""
    clause = _CLAUSE_BREAK.split(sentence[max(0, at - _PRINCIPAL_REACH) : at])[-1]
    return frozenset(fold(w) for w in _WORDS.findall(clause))


def places_happening(text: str, place: str) -> bool:
    """Whether a text puts a happening in the place: "talks in X", "X summit", "visit to X"."""
    words = happening_words()
    if _placed(text, place, [m.end() for m in words.finditer(text)]) > 1:
        return True
    at = text.find(place)
    return at >= 0 and words.match(text, at + len(place) + 1) is not None


def _placed(sentence: str, place: str, happenings: list[int], known: Sequence[str] = ()) -> int:
    """How firmly a sentence puts a happening in a place (0: it does not)."""
    best = 0
    start = sentence.find(place)
    while start != -1:
        end = start + len(place)
        if (start == 0 or not sentence[start - 1].isalnum()) and (
            end == len(sentence) or not sentence[end].isalnum()
        ):
            raw = _before_place(sentence[max(0, start - 40) : start])
            before = raw.lower()
            static = before.endswith(_STATIC_ENDINGS) or before in _STATIC_ALONE
            motion = not static and (before.endswith(_MOTION_ENDINGS) or before in _MOTION_ALONE)
            # Each test below is made only where its answer counts (most places are named
            # without a locative before them).
            lies_in = _OF_A_NAME.search(raw) if static or motion else None
            if lies_in and any(raw[: lies_in.end(1)].endswith(k) for k in known):
                pass  # "the valley in the province", "a town in its region": where a place lies
            elif static:
                near = any(0 <= start - h <= _MOTION_REACH for h in happenings)
                best = max(best, 1 + bool(happenings) + near)
            elif motion and _travel_words().search(sentence[max(0, start - _MOTION_REACH) : start]):
                best = max(best, 2)
            elif _HAPPENING_AFTER.match(sentence, end) and _is_happening(sentence, end):
                best = max(best, 2)  # "Lisbon talks", "the Oslo summit"
        start = sentence.find(place, start + 1)
    return best


def _before_place(window: str) -> str:
    """The words before a place, without the setting between a locative and a town ("in
    the port city of"): the setting can only end in "of" and a space, so the pattern is
    tried only on a window that does."""
    stripped = window.rstrip()
    if len(stripped) == len(window) or stripped[-2:].lower() != "of":
        return stripped
    return _SETTING.sub("", window).rstrip()


def places_in(text: str) -> list[str]:
    """The places a short text (a title) names, by the entity tables."""
    from briefings.extract.entities import Found, classify_run, runs

    found = Found()
    for run in runs(text):
        classify_run(text, run, found)
    return [name for kind, name, weak in found.entries.values() if kind == "place" and not weak]


@lru_cache(maxsize=4096)
def _usable(place: str) -> bool:
    words = place.split()
    return bool(words) and words[0] not in CALENDAR_WORDS and not any(c.isdigit() for c in place)


def is_broad_place(place: str) -> bool:
    """A country or a region ("Middle East"): where a meeting took place, but not which town."""
    lower = place.lower()
    return lower in _broad_places() or lower.split()[-1] in _BROAD_ENDINGS


@lru_cache(maxsize=1)
def _broad_places() -> frozenset[str]:
    """Countries and world regions (the world table and the regions of the place table)."""
    regions = {r.lower() for r in words("places.txt", "regions")}
    names = {n.lower() for c in countries() for n in (c.name, *c.aliases)}
    return frozenset(names | regions)


@lru_cache(maxsize=1)
def _capitals() -> dict[str, str]:
    return {c.name.lower(): c.capital for c in countries() if c.capital}


def country_of(place: str) -> str | None:
    """The country a capital is the capital of."""
    return _countries_by_capital().get(place.lower())


@lru_cache(maxsize=1)
def _countries_by_capital() -> dict[str, str]:
    return {c.capital.lower(): c.name for c in countries() if c.capital}
