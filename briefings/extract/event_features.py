"""What event grouping reads of one article, worked out once when the article is analysed.

Grouping compares each article with the events it could join (see ``events``). What it
compares — the words and how often the article uses them, the names it gives and where, the
places and where its sentences put a happening, the dates its lead gives the happening —
depends on the article alone, so it is worked out at ingest (in the analysing process) and
stored beside the article (``report_features``). Two things depend on the corpus and are
applied when a report is loaded: which person each name stands for (``identity``), and how
much each word weighs (``term_weights``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import sys
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from briefings.extract.dates import WEEKDAY_NAMES, date_mentions, month_day_mentions
from briefings.extract.entities import fold, lexicon
from briefings.extract.happenings import happening_words
from briefings.index.event_places import (
    PlaceReadings,
    place_readings,
    places_in,
    readings_fields,
    readings_from,
)
from briefings.lexicon import case_key, lower_words
from briefings.models import Article, PersonMention

LEAD_SENTENCES = 3
HINT_WINDOW = (-7, 10)
"""Dates in an article's lead within this many days of publication are the happening's date."""
MAX_LOCATED_SENTENCES = 30

_WORD = re.compile(r"[a-zà-ÿ][a-zà-ÿ'-]{2,}")
_TITLE_TOKEN = re.compile(r"[\w'’-]+")
_WEEKDAY_NAMES = {names[0].lower(): number for number, names in enumerate(WEEKDAY_NAMES)}
_WEEKDAY = re.compile(r"\b(" + "|".join(_WEEKDAY_NAMES) + r")\b", re.I)
# "in", "at" or "to" as a word, then a capital: written word first, its start checked after
# (\b before two word characters is \b two back), so that the regex engine skips ahead to
# their letters rather than trying every position (half the time, the same matches).
_LOCATIVE = re.compile(r"(?:in|at|to)(?<=\b\w\w)\s+(?:the\s+)?[A-Z]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘'(])")
_PRONOUN = re.compile(r"\b(?:[Hh]e|[Ss]he|[Hh]is|[Hh]er)\b")
_DAY_LEAD_IN = re.compile(r"(?:\b(?:on|late|early|this|last|next|reporters|journalists)\s+)+$")


def stopwords() -> frozenset[str]:
    """Words that say nothing of which happening an article reports (data/stopwords.txt)."""
    return lower_words("stopwords.txt")


class NameFacts(NamedTuple):
    """One folded name as an article gives it (a tuple: grouping reads a few dozen of each
    report it compares, and a tuple is made in half the time of a frozen dataclass)."""

    key: str
    weak: bool
    """Every mention of it here is weak: a person only if the corpus resolves the name."""
    words: tuple[str, ...]
    """The folded words of the names written for it."""
    in_title: bool
    lead: tuple[int, ...]
    """The lead sentences (by index) that name it."""


class LeadStep(NamedTuple):
    """The title (index -1) or a lead sentence, as the happening reader needs it."""

    sentence: int
    """-1 for the title, else the lead sentence's index."""
    happening: bool
    """It names a happening ("met", "visit")."""
    pronoun: bool


@dataclass(frozen=True)
class ReportFeatures:
    """What grouping reads of one English article (see the module docstring)."""

    id: int
    title: str
    published: dt.date | None
    happened: dt.date | None
    """The date of what it reports: its first lead date near publication, else publication."""
    terms: dict[str, int]
    places: tuple[str, ...]
    title_places: tuple[str, ...]
    lead_places: tuple[str, ...]
    located: tuple[str, ...]
    """Its sentences that name a happening near a locative: where it may have happened."""
    partial: tuple[int, int] | None
    pictures: tuple[dt.date, ...]
    names: tuple[NameFacts, ...]
    steps: tuple[LeadStep, ...]
    happening_days: tuple[dt.date, ...]
    weekdays: tuple[int, ...]
    month_days: tuple[tuple[int, int], ...]
    place_readings: PlaceReadings | None = None
    """Where its title and ``located`` sentences put a happening, among its places
    (``event_places.place_readings``); None when stored without them (an older version)."""

    @property
    def key(self) -> tuple[dt.date, int]:
        """Where a dated report stands in the order grouping reads them."""
        assert self.happened is not None
        return (self.happened, self.id)

    def to_json(self) -> str:
        return _ENCODER.encode(
            {
                "title": self.title,
                "published": _iso(self.published),
                "happened": _iso(self.happened),
                **_terms_fields(self.terms),
                "places": self.places,
                "title_places": self.title_places,
                "lead_places": self.lead_places,
                "located": self.located,
                "partial": self.partial,
                "pictures": [d.isoformat() for d in self.pictures],
                "names": [[n.key, n.weak, n.words, n.in_title, n.lead] for n in self.names],
                "steps": [[s.sentence, s.happening, s.pronoun] for s in self.steps],
                "happening_days": [d.isoformat() for d in self.happening_days],
                "weekdays": self.weekdays,
                "month_days": self.month_days,
                **(
                    {"readings": readings_fields(self.place_readings)}
                    if self.place_readings is not None
                    else {}
                ),
            }
        )

    @classmethod
    def from_json(cls, article_id: int, text: str) -> ReportFeatures:
        d = json.loads(text)
        return cls(
            id=article_id,
            title=d["title"],
            published=_date(d["published"]),
            happened=_date(d["happened"]),
            terms=_terms_of(d),
            places=tuple(d["places"]),
            title_places=tuple(d["title_places"]),
            lead_places=tuple(d["lead_places"]),
            located=tuple(d["located"]),
            partial=tuple(d["partial"]) if d["partial"] else None,
            pictures=tuple(map(dt.date.fromisoformat, d["pictures"])),
            names=tuple(
                [NameFacts(k, w, tuple(ws), t, tuple(ld)) for k, w, ws, t, ld in d["names"]]
            ),
            steps=tuple(map(LeadStep._make, d["steps"])),
            happening_days=tuple(map(dt.date.fromisoformat, d["happening_days"])),
            weekdays=tuple(d["weekdays"]),
            month_days=tuple(map(tuple, d["month_days"])),
            place_readings=readings_from(d["readings"]) if "readings" in d else None,
        )


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""One encoder for every report's features (``json.dumps`` with options makes one a call)."""
WORD_BREAK = " "
"""Between a report's words where they are kept as one string (``joined_words``)."""


def joined_words(words: Collection[str]) -> str | None:
    """Words as one string, split back by ``split_words``: a hundred words read back in a
    fraction of the time they take one by one. None when a word is empty or holds the
    break (none of ``_WORD`` does): then they are kept one by one."""
    joined = WORD_BREAK.join(words)
    if words and (not all(words) or joined.count(WORD_BREAK) != len(words) - 1):
        return None
    return joined


def split_words(joined: str) -> list[str]:
    """The words ``joined_words`` joined."""
    return joined.split(WORD_BREAK) if joined else []


def _terms_fields(terms: dict[str, int]) -> dict[str, object]:
    """Word counts as stored: the words in one string and their counts in a list, which
    read back in under half the time of an object of a hundred keys (grouping reads a
    report's features whenever it compares it); an object if a word is empty or holds the
    break."""
    words = joined_words(terms)
    if words is None:
        return {"terms": terms}
    return {"words": words, "counts": list(terms.values())}


def _terms_of(fields: dict[str, Any]) -> dict[str, int]:
    if "terms" in fields:  # stored so before, or a word holds the break
        return cast(dict[str, int], fields["terms"])
    words = cast(str, fields["words"])
    counts = cast(list[int], fields["counts"])
    # Interned: grouping looks each up in the vocabularies of hundreds of groups, and a
    # word found there as the very same string is not compared letter by letter.
    return dict(zip(map(sys.intern, split_words(words)), counts, strict=True))


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@dataclass(frozen=True)
class EncodedFeatures:
    """A report's features as report_features stores them (its happened and features
    columns): worked out by the process that analyses the article, so that the one writing
    it only stores them (the id is the writer's to give)."""

    happened: str | None
    text: str


def encoded_features_of(article: Article) -> EncodedFeatures | None:
    """An analysed article's features as stored; None for one not in English (no report)."""
    if not article.is_english:
        return None
    features = features_of_article(article)
    return EncodedFeatures(_iso(features.happened), features.to_json())


def features_of_article(article: Article, article_id: int = 0) -> ReportFeatures:
    """The features of an analysed English article."""
    from briefings.index.store import person_key

    mentions = [
        (person_key(p.name), p) for p in (*article.entities.people, *article.entities.unconfirmed)
    ]
    return features_of(
        article_id,
        title=article.title,
        text=article.text,
        published=article.published,
        hints=article.event_hints,
        partial=article.partial_date,
        pictures=article.picture_dates,
        mentions=mentions,
        places=article.entities.places,
        lead=[(s.index, s.text) for s in article.sentences if s.index < LEAD_SENTENCES],
    )


def features_of(
    article_id: int,
    *,
    title: str,
    text: str,
    published: dt.date | None,
    hints: Sequence[dt.date],
    partial: tuple[int, int] | None,
    pictures: Sequence[dt.date],
    mentions: Iterable[tuple[str, PersonMention]],
    places: Sequence[str],
    lead: Sequence[tuple[int, str]],
) -> ReportFeatures:
    """The features of one article from its parts (at ingest, or from the store)."""
    full_text = f"{title} {text}"
    stop = stopwords()
    terms = Counter(itertools.filterfalse(stop.__contains__, _WORD.findall(full_text.lower())))
    title_tokens = {fold(w) for w in _TITLE_TOKEN.findall(title)}
    by_key: dict[str, list[PersonMention]] = {}
    for key, mention in mentions:
        by_key.setdefault(key, []).append(mention)
    names = []
    for key, found in by_key.items():
        words = sorted({fold(w) for m in found for w in m.name.split() if len(w) > 1})
        names.append(
            NameFacts(
                key=key,
                weak=all(m.weak for m in found),
                words=tuple(words),
                in_title=bool(title_tokens.intersection(words)),
                lead=tuple(sorted({i for m in found for i in m.sentences if i < LEAD_SENTENCES})),
            )
        )
    lead_sentences = sorted(lead)
    lead_text = " ".join([title] + [t for _, t in lead_sentences])
    happening_days, weekdays, month_days, steps = _read_happening(
        published, [(-1, title), *lead_sentences]
    )
    title_places = tuple(places_in(title))
    located = tuple(_located_happenings(full_text))
    return ReportFeatures(
        id=article_id,
        title=title,
        published=published,
        happened=happening_date(published, hints),
        terms=dict(terms),
        places=tuple(places),
        title_places=title_places,
        lead_places=tuple(p for p in places if p in lead_text),
        located=located,
        partial=partial,
        pictures=tuple(pictures),
        names=tuple(names),
        steps=tuple(steps),
        happening_days=tuple(happening_days),
        weekdays=tuple(sorted(weekdays)),
        month_days=tuple(sorted(month_days)),
        place_readings=place_readings(title, located, (*places, *title_places)),
    )


def happening_date(published: dt.date | None, hints: Sequence[dt.date]) -> dt.date | None:
    """The date of what the article reports: its first lead date near publication."""
    if published is None:
        return None
    low, high = HINT_WINDOW
    for hint in hints:
        if low <= (hint - published).days <= high:
            return hint
    return published


def _located_happenings(text: str) -> list[str]:
    """Sentences that name a happening and a capitalised place after a locative."""
    words = happening_words()
    found = []
    for sentence in _SENTENCE_END.split(text):
        if _LOCATIVE.search(sentence) and words.search(sentence):
            found.append(sentence)
            if len(found) == MAX_LOCATED_SENTENCES:
                break
    return found


def _read_happening(
    anchor: dt.date | None, texts: Sequence[tuple[int, str]]
) -> tuple[list[dt.date], set[int], set[tuple[int, int]], list[LeadStep]]:
    """The days the title and lead give the happening, and what the people reader needs of
    each of them (which name a happening, which open on a pronoun)."""
    words = happening_words()
    days: list[dt.date] = []
    weekdays: set[int] = set()
    month_days: set[tuple[int, int]] = set()
    steps = []
    for index, text in texts:
        if anchor is None:
            month_days.update(md for _, md in month_day_mentions(text))
        found = [m.start() for m in words.finditer(text)]
        steps.append(LeadStep(index, bool(found), _PRONOUN.search(text) is not None))
        if not found:
            continue
        if anchor is not None:
            mentions = date_mentions(text, anchor)
            for position in found:
                day = _nearest(mentions, position)
                if day is not None and HINT_WINDOW[0] <= (day - anchor).days <= HINT_WINDOW[1]:
                    days.append(day)
        else:
            for match in _WEEKDAY.finditer(text):
                # "met on Monday", "talks later on Wednesday": the day follows the word;
                # "on Monday criticised the visit" and "after the visit, X said on Monday"
                # date what was said, not the visit.
                if any(0 < match.start() - p <= 160 for p in found) and not _said_on(
                    text, match.start()
                ):
                    weekdays.add(_WEEKDAY_NAMES[case_key(match.group(1))])
    return days, weekdays, month_days, steps


def _said_on(text: str, at: int) -> bool:
    """Whether the weekday at ``at`` dates a speech verb: "…, X said on Monday"."""
    before = _DAY_LEAD_IN.sub("", text[max(0, at - 40) : at])
    return lexicon().speech_before.search(before) is not None


def _nearest(mentions: list[tuple[int, dt.date]], position: int) -> dt.date | None:
    """The date written closest to a happening word in its sentence ("met … on Monday")."""
    close = [(abs(at - position) + (at < position) * 20, day) for at, day in mentions]
    close = [(d, day) for d, day in close if d <= 100]
    return min(close)[1] if close else None
