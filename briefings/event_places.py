"""Where a happening took place: the town or site its reports put it in.

A place is where it happened when the reports put the happening there: a happening word and
a locative before the place in one sentence ("met in Hanoi", "a press conference in X", "his
visit to Y"), most of all in titles. A place named for another reason is not: what the news is
about ("sovereignty over the valley"), a party's capital ("a close ally of Moscow"), a word
inside a name. A town beats a country or region (a visit "to China" happened in some town of
it); when a visit to a country has several towns, its capital is where leaders meet.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from briefings.dates import CALENDAR_WORDS

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_STATIC_LOCATIVES = ("in", "at", "in the", "at the")
"""Words that put something in a place whatever the verb."""
_MOTION_LOCATIVES = ("to", "to the")
"""Words that put a happening in a place only after a happening word ("visit to")."""
_MOTION_REACH = 40
"""How far before "to <place>" a happening word must stand ("his first visit to")."""
_BROAD_ENDINGS = frozenset({"east", "west", "asia", "europe", "africa", "america", "americas"})


def event_place(reports: Sequence[tuple[str, str, Sequence[str]]]) -> str | None:
    """The place of a happening from its reports' (title, lead, places named) triples."""
    from briefings.events import happening_words

    words = happening_words()
    scores: Counter[str] = Counter()
    visited: Counter[str] = Counter()
    for title, lead, places in reports:
        known = [p for p in dict.fromkeys(places) if _usable(p)]
        for is_title, text in ((True, title), (False, lead[len(title) :])):
            for sentence in _SENTENCE.split(text):
                happenings = [m.end() for m in words.finditer(sentence)]
                for place in known:
                    score = _placed(sentence, place, happenings)
                    if score:
                        scores[place] += score + is_title
                        if is_broad_place(place) and happenings:
                            visited[place] += 1
    if not scores:
        return None
    towns = {p: n for p, n in scores.items() if not is_broad_place(p)}
    if not towns:
        return max(scores, key=lambda p: (scores[p], p))
    best = max(towns, key=lambda p: (towns[p], p))
    capitals = _capitals()
    for country in visited:
        capital = capitals.get(country.lower())
        if capital and capital in towns and capital != best and 2 * towns[capital] >= towns[best]:
            return capital  # a visit to a country over several towns: its capital
    return best


def places_happening(text: str, place: str) -> bool:
    """Whether a text puts a happening in the place: "talks in X", "X summit", "visit to X"."""
    from briefings.events import happening_words

    words = happening_words()
    if _placed(text, place, [m.end() for m in words.finditer(text)]) > 1:
        return True
    at = text.find(place)
    return at >= 0 and words.match(text, at + len(place) + 1) is not None


def _placed(sentence: str, place: str, happenings: list[int]) -> int:
    """How firmly a sentence puts a happening in a place (0: it does not)."""
    best = 0
    start = sentence.find(place)
    while start != -1:
        end = start + len(place)
        if (start == 0 or not sentence[start - 1].isalnum()) and (
            end == len(sentence) or not sentence[end].isalnum()
        ):
            before = sentence[max(0, start - 12) : start].lower().rstrip()
            static = any(before.endswith(" " + w) or before == w for w in _STATIC_LOCATIVES)
            motion = any(before.endswith(" " + w) or before == w for w in _MOTION_LOCATIVES)
            near = any(0 <= start - h <= _MOTION_REACH for h in happenings)
            if static:
                best = max(best, 1 + bool(happenings) + near)
            elif motion and near:
                best = max(best, 2)
        start = sentence.find(place, start + 1)
    return best


def places_in(text: str) -> list[str]:
    """The places a short text (a title) names, by the entity tables."""
    from briefings.entities import Found, classify_run, runs

    found = Found()
    for run in runs(text):
        classify_run(text, run, found)
    return [name for kind, name, weak in found.entries.values() if kind == "place" and not weak]


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
    from briefings.entities import COUNTRY, lexicon, read_sections
    from briefings.facets import load_countries

    regions = {r.lower() for r in read_sections("places.txt").get("regions", [])}
    lex = lexicon()
    countries = {
        w.lower()
        for table in (lex.word_class, lex.phrases)
        for w, c in table.items()
        if c & COUNTRY
    }
    for country in load_countries():
        countries.add(country.name.lower())
        countries.update(a.lower() for a in country.aliases)
    return frozenset(countries | regions)


@lru_cache(maxsize=1)
def _capitals() -> dict[str, str]:
    from briefings.facets import load_countries

    return {c.name.lower(): c.capital for c in load_countries() if c.capital}
