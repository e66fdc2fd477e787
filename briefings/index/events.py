"""Events: articles that report the same happening, grouped by date, people and words.

Over 400 lines: the grouping model (when reports join, what vetoes a join, an event's
date and place) is one set of rules the incremental placement shares.

A happening (a meeting, a visit, a pledge) is reported on the day, previewed days before and
reacted to days after. The model:

- **Reports near in time** (their happening dates within a few days) join when they share
  people and vocabulary.
- **Reports further off** (a reaction days later, a preview days before) and **undated
  reports** join only on positive evidence that they are about this happening: they name one
  of its principals with a happening word ("after Sousa's visit to Peru", "the summit in
  Oslo"), name its place, carry a dateline or photo date that fits it, or read much alike.
- **Contradictions veto**: a photo of the pictured scene dated months away, a dateline whose
  month and day fit no year near the event, a town in the title the event never names, a
  weekday of the happening that is not the event's. Two happenings years apart never merge.

Reports are read in a fixed order: dated ones by their happening date (then id), each
joining the best of the events still open around its date; then undated ones by id, each
joining the best dated event as the reports before it left it; then the undated ones left,
by id, forming events of their own. Ties go to the event started first. Because each
decision depends only on what came before it in that order, a new article can be placed
without regrouping the corpus: ``event_replay`` goes through the order again from where the
article stands, only as far as its effects reach; its ``regroup`` goes through all of it.

In a big corpus (past the word-weight sample), an undated report looks only at the events
among whose weightiest words is one of its own weighty words that is no common one (a
leader's name, weighty in most articles about them, would have every article naming them
look at every event of theirs).

People are compared as the persons the corpus resolved them to (see ``identity``), so
"Li" and "Li Wei" are one. An undated article takes its event's date, flagged as
inferred; a dateline's month and day take their year from the event. Event ids are the
smallest article id in the group, so they stay stable as the corpus grows.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import heapq
import itertools
import math
import operator
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from briefings.extract.event_features import ReportFeatures
from briefings.index.event_places import (
    PlaceEvidence,
    PlaceReadings,
    event_place,
    is_broad_place,
    places_happening,
)
from briefings.index.term_weights import TermWeights
from briefings.lexicon import word_pattern
from briefings.models import Event

EVENT_WINDOW_DAYS = 3
"""How far apart two reports of one happening may date it and still join on likeness alone."""
LATE_DAYS = 10
"""A report of the reactions may come this many days after the happening."""
EARLY_DAYS = 7
"""A preview may come this many days before it."""
MAX_SPAN_DAYS = EARLY_DAYS + LATE_DAYS
"""The most days an event's reports may date its happening apart: from a preview's to the
latest reaction's. Without a bound, a report within the window of the group's latest date
extends it, and a story covered every few days chains years of happenings into one event."""
PICTURE_SLACK_DAYS = 3
MIN_SIMILARITY_DATED = 0.12
"""Reports dated within the window join on this similarity, or on two shared people and…"""
MIN_SIMILARITY_DATED_SHARED = 0.05
MIN_SIMILARITY_LINKED = 0.04
"""A report further off that names the happening needs only this much likeness."""
MIN_SIMILARITY_ALIKE = 0.25
"""…and one that does not name it, this much."""
MIN_SIMILARITY_FURTHER = min(MIN_SIMILARITY_LINKED, MIN_SIMILARITY_DATED, MIN_SIMILARITY_ALIKE)
"""The least likeness on which a report further off joins at all."""
MIN_SIMILARITY_UNDATED = 0.1
"""Undated reports that join no event group with each other on this similarity."""
TOP_TERMS = 16
"""An article's most weighty words, by which undated articles find events in a big corpus."""
WEIGHTIEST_TERMS = 96
"""A group's weightiest words, the largest of its centroid: in a big corpus, an undated
article has a group as a candidate only if one of its own weighty words is among them
(``_Group.weighty``). A group of hundreds of reports has thousands of words weighty in one
of them, so that nearly every undated article naming its leader shares one. (With 48, the
shared corpora placed as a big corpus is, with a sample of four articles, split a reaction
from its visit; with 96 they group as with every weighty word.)"""


@dataclass
class _Report:
    id: int
    title: str
    published: dt.date | None
    happened: dt.date | None
    people: set[str]
    places: list[str]
    vector: dict[str, float]
    prominent: set[str] = field(default_factory=set)
    """Persons its title or lead names: who it is about."""
    referred: set[str] = field(default_factory=set)
    """Persons its title or lead names with a happening word: whose happening it reports."""
    happening_days: list[dt.date] = field(default_factory=list)
    """Dates its title and lead give the happening (resolved against publication)."""
    happening_weekdays: set[int] = field(default_factory=set)
    """Weekdays an undated lead gives the happening ("met on Monday")."""
    title_places: list[str] = field(default_factory=list)
    """Towns its title names."""
    happening_sentences: list[str] = field(default_factory=list)
    """Its sentences that name a happening near a locative: where it may have happened.
    Only when it has no ``place_readings`` (they are read from these)."""
    place_readings: PlaceReadings | None = field(default=None, compare=False)
    """Where its title and those sentences put a happening among its places, as kept with
    its features (``event_places.place_readings``); None when they were kept without
    them (by an older version), and its place is then read from those fields. Worked out
    from the fields above, so not compared."""
    name_words: dict[str, set[str]] = field(default_factory=dict)
    """The words of the names it gives each person."""
    partial: tuple[int, int] | None = None
    month_days: set[tuple[int, int]] = field(default_factory=set)
    """Months and days an undated lead gives the happening ("on Friday, November 4")."""
    pictures: list[dt.date] = field(default_factory=list)
    lead_places: list[str] = field(default_factory=list)
    """Its places that its title or lead names."""
    top: frozenset[str] = frozenset()
    """Its TOP_TERMS most weighty words."""
    towns: frozenset[str] = frozenset()
    """Its places that are no country or region."""

    @property
    def key(self) -> tuple[dt.date, int]:
        assert self.happened is not None
        return (self.happened, self.id)

    @property
    def terms(self) -> Collection[str]:
        return self.vector.keys()

    @property
    def weights(self) -> Collection[float]:
        return self.vector.values()


class Alike(Protocol):
    """What a report's likeness to a group is worked out from (``_likeness``): a whole
    report, or an undated one's ``ReportCore``."""

    @property
    def people(self) -> AbstractSet[str]: ...
    @property
    def referred(self) -> AbstractSet[str]: ...
    @property
    def terms(self) -> Collection[str]:
        """Its words, in the order of ``weights``."""

    @property
    def weights(self) -> Collection[float]:
        """Its words' weights (a unit vector)."""

    @property
    def top(self) -> frozenset[str]: ...


@dataclass(frozen=True)
class ReportCore:
    """What an undated report's likeness to groups needs of it (``Alike``), and what else
    bounds its score (its dates, which may rule a group out, ``_dated_otherwise``, and
    its towns, ``_fits``), read back without the rest of the report
    (``report_records.core_of``)."""

    id: int
    people: set[str]
    referred: set[str]
    terms: tuple[str, ...]
    weights: Sequence[float]
    """The weights of its words, as kept: no dict is made of them to compare it with a few
    groups (thousands of cores are read for one added article)."""
    top: frozenset[str]
    pictures: list[dt.date]
    partial: tuple[int, int] | None
    happening_weekdays: set[int]
    month_days: set[tuple[int, int]]
    towns: frozenset[str]

    @property
    def happened(self) -> None:
        """An undated report's: none."""
        return None


def build_report(
    features: ReportFeatures,
    person_of: Callable[[str, bool], str | None],
    weights: TermWeights,
) -> _Report:
    """A report from an article's stored features, with the corpus's persons and weights.

    ``person_of(key, weak)`` is the person a folded name stands for, or None when a name
    only ever weakly given is no one the corpus knows.
    """
    people: set[str] = set()
    name_words: dict[str, set[str]] = defaultdict(set)
    title_people: set[str] = set()
    in_lead: set[str] = set()
    by_sentence: dict[int, set[str]] = defaultdict(set)
    for name in features.names:
        person = person_of(name.key, name.weak)
        if person is None:
            continue
        people.add(person)
        name_words[person].update(name.words)
        if name.in_title:
            title_people.add(person)
        for index in name.lead:
            by_sentence[index].add(person)
            in_lead.add(person)
    # Who the title and lead name with a happening word: "He made the comments after his
    # visit" names the last one named.
    referred: set[str] = set()
    speaker: set[str] = set()
    for step in features.steps:
        named = title_people if step.sentence < 0 else by_sentence.get(step.sentence, set())
        if not named and step.pronoun:
            named = speaker
        elif named:
            speaker = named
        if step.happening:
            referred |= named
    vector = weights.vector(features.terms)
    return _Report(
        id=features.id,
        title=features.title,
        published=features.published,
        happened=features.happened,
        people=people,
        places=list(features.places),
        vector=vector,
        prominent=title_people | in_lead,
        referred=referred,
        happening_days=list(features.happening_days),
        happening_weekdays=set(features.weekdays),
        title_places=list(features.title_places),
        # Read only for a report kept without its readings (by an older version): else
        # left out, a fifth of what a kept report weighs (``report_records``).
        happening_sentences=list(features.located) if features.place_readings is None else [],
        place_readings=features.place_readings,
        name_words=dict(name_words),
        partial=features.partial,
        month_days=set(features.month_days),
        pictures=list(features.pictures),
        lead_places=list(features.lead_places),
        top=_top_terms(vector),
        towns=frozenset(p for p in features.places if not is_broad_place(p)),
    )


def _top_terms(vector: Mapping[str, float], count: int = TOP_TERMS) -> frozenset[str]:
    """The ``count`` weightiest words, the first in alphabetical order of equals."""
    if len(vector) <= count:
        return frozenset(vector)
    cutoff = sorted(vector.values(), reverse=True)[count - 1]
    above = [t for t, w in vector.items() if w > cutoff]
    equal = sorted(t for t, w in vector.items() if w == cutoff)
    return frozenset(above + equal[: count - len(above)])


def _weightiest_after(
    before: frozenset[str], centroid: Mapping[str, float], added: Mapping[str, float]
) -> frozenset[str]:
    """A group's weightiest words once a report's words are added to its centroid, from
    those before: the weightiest of those and the report's words.

    Weights only grow. A word that is neither among those nor the report's weighs what it
    did, no more than the least of those, which weigh at least that now: it stays out.
    Should it weigh just what the least of them still does, it was left out for coming
    after its equals in alphabetical order, and those equals still fill the places left
    (each of those that grew took one place more above them)."""
    return _top_terms({t: centroid[t] for t in before | added.keys()}, WEIGHTIEST_TERMS)


def weighty_with(group: _Group, reports: Collection[_Report]) -> set[str]:
    """Every word that may be among the group's weighty ones (``_Group.weighty``) once any
    of these reports join it, in any order: an undated report with none of them among its
    own weighty words does not have the group as a candidate then.

    Reports only add to a centroid, so each word's weight only grows: a word among the
    weightiest then weighs at least the least of the weightiest now, and at most what it
    weighs with every report added."""
    centroid = group.centroid
    weightiest = group.weightiest
    enough = (
        min(centroid[t] for t in weightiest)
        if len(centroid) > len(weightiest)
        else -math.inf  # all its words are among them: any word may come to be
    )
    enough -= abs(enough) * 1e-9  # (a sum taken in another order may round lower)
    words = set(group.top).union(*(r.top for r in reports))
    grown = {t: centroid.get(t, 0.0) for t in words}
    for report in reports:
        # (each word's weights added in the reports' order, as one loop over all would)
        vector = report.vector
        for term in grown.keys() & vector.keys():
            grown[term] += vector[term]
    return {t for t, weight in grown.items() if weight >= enough}


def place_bucket(size: int) -> int:
    """How many of a group's first reports its place is worked out from, while grouping.

    One more report seldom moves a happening: the place is worked out again only as the group
    grows by a quarter (1, 2, 3, 4, 5, 7, 9, 12, 15, 19…), from its first reports, so that it
    is the same whenever it is asked.
    """
    bucket = 1
    while True:
        following = max(bucket + 1, math.ceil(bucket * 1.25))
        if following > size:
            return min(bucket, size)
        bucket = following


@dataclass(eq=False)
class _Group:
    founder: int
    """The report that started it: its identity while grouping."""
    rank: tuple[object, ...] = ()
    """The order groups were started in: a tie goes to the first."""
    members: list[int] = field(default_factory=list)
    """Its reports' ids in the order they joined."""
    loaded: dict[int, _Report] = field(default_factory=dict)
    """Its reports, when it has no loader."""
    loader: Callable[[Sequence[int]], dict[int, _Report]] | None = None
    """Reads its reports (a walk's groups: rebuilt from their stored state, or kept by the
    thousand)."""
    places_known: dict[tuple[int, ...], str | None] | None = None
    """Places already worked out, by the ids of the reports they were worked out from: a
    walk shares one among the copies of a group it rebuilds, so that a group read again
    from its stored state does not read its reports and work out its place again."""
    _centroid: dict[str, float] = field(default_factory=dict)
    read_centroid: Callable[[], dict[str, float]] | None = None
    """Reads its centroid when it is first asked for (a group rebuilt from its stored
    state): an undated report that names a leader is compared with hundreds of the
    leader's groups, and its words with fewer than half of them."""
    norm2: float = 0.0
    """The squared length of the centroid, kept as reports are added."""
    people: Counter[str] = field(default_factory=Counter)
    prominent: Counter[str] = field(default_factory=Counter)
    dates: list[dt.date] = field(default_factory=list)
    """The happening dates its dated reports give, kept sorted."""
    precise_dates: list[dt.date] = field(default_factory=list)
    """The dates its leads tie to a happening word ("met on Monday"), kept sorted."""
    places: set[str] = field(default_factory=set)
    lead_places: set[str] = field(default_factory=set)
    """Places its titles and leads name: where its happening may be."""
    top: set[str] = field(default_factory=set)
    """The weighty words of its reports."""
    _weightiest: frozenset[str] | None = None
    """Its centroid's WEIGHTIEST_TERMS largest words: worked out when first asked, then
    kept up as reports join."""
    _weighty: frozenset[str] | None = None
    """``weighty`` once worked out, until a report joins: every undated report that may
    join the group asks, hundreds of thousands of times in a big regroup."""
    _place: tuple[int, str | None] | None = None
    _summary: tuple[int, dt.date | None, frozenset[str]] | None = None
    """(members, date, principals) when it had that many members: asked of every report
    compared with it, and the same until a report joins."""

    @property
    def centroid(self) -> dict[str, float]:
        """The sum of its reports' vectors."""
        if self.read_centroid is not None:
            self._centroid = self.read_centroid()
            self.read_centroid = None
        return self._centroid

    def reports(self, count: int | None = None) -> list[_Report]:
        """Its first ``count`` reports (all by default), read if need be."""
        ids = self.members if count is None else self.members[:count]
        missing = [i for i in ids if i not in self.loaded]
        if not missing:
            return [self.loaded[i] for i in ids]
        assert self.loader is not None, "a rebuilt group needs a loader"
        found = self.loader(missing)
        return [self.loaded[i] if i in self.loaded else found[i] for i in ids]

    def place(self, *, exact: bool = False) -> str | None:
        """Where its happening took place, as its first reports say (see place_bucket);
        ``exact``: as all of them say."""
        size = len(self.members)
        count = size if exact else place_bucket(size)
        if self._place is None or self._place[0] != count:
            known = self.places_known
            key = tuple(self.members[:count])
            if known is not None and key in known:
                place = known[key]
            else:
                place = _place_of(self.reports(count))
                if known is not None:
                    known[key] = place
            self._place = (count, place)
        return self._place[1]

    def add(self, report: _Report) -> None:
        self.members.append(report.id)
        if self.loader is None:
            # A group that can read its reports again does not hold them: a walk keeps
            # thousands of groups, and the reports it reads in a cache of its own.
            self.loaded[report.id] = report
        centroid = self.centroid
        norm2 = self.norm2
        for term, weight in report.vector.items():
            old = centroid.get(term, 0.0)
            centroid[term] = old + weight
            norm2 += 2 * old * weight + weight * weight
        self.norm2 = norm2
        self._weighty = None
        if self._weightiest is not None:
            self._weightiest = _weightiest_after(self._weightiest, centroid, report.vector)
        self.people.update(report.people)
        self.prominent.update(report.prominent)
        self.places.update(report.places)
        self.lead_places.update(report.lead_places)
        self.top.update(report.top)
        if report.happened:
            bisect.insort(self.dates, report.happened)
        for day in set(report.happening_days):
            bisect.insort(self.precise_dates, day)

    @property
    def weightiest(self) -> frozenset[str]:
        """Its centroid's WEIGHTIEST_TERMS largest words, the first in alphabetical order
        of equals."""
        if self._weightiest is None:
            self._weightiest = _top_terms(self.centroid, WEIGHTIEST_TERMS)
        return self._weightiest

    @property
    def weighty(self) -> frozenset[str]:
        """The words by which an undated report has it as a candidate, in a big corpus:
        its weightiest that are weighty in one of its reports (so that the reports with a
        word among their weighty ones find the group, ``top_terms``)."""
        if self._weighty is None:
            self._weighty = self.weightiest & self.top
        return self._weighty

    @property
    def date(self) -> dt.date | None:
        """The happening's date: the one most reports give, the earliest of equals."""
        return self._summarised()[1]

    @property
    def principals(self) -> frozenset[str]:
        """Who the happening is about: the persons its titles and leads name most."""
        return self._summarised()[2]

    def _summarised(self) -> tuple[int, dt.date | None, frozenset[str]]:
        if self._summary is None or self._summary[0] != len(self.members):
            date = None
            if self.dates:
                counts = Counter(self.dates)
                date = max(counts, key=lambda d: (counts[d], -d.toordinal()))
            principals = frozenset(_principals(self.prominent))
            self._summary = (len(self.members), date, principals)
        return self._summary

    def span_with(self, day: dt.date) -> int:
        """Days from the earliest to the latest of the group's dates and ``day``."""
        if not self.dates:
            return 0
        return (max(self.dates[-1], day) - min(self.dates[0], day)).days

    def distance(self, day: dt.date) -> int | None:
        """Days from the group's span of dates to ``day`` (0 inside), None without dates."""
        if not self.dates:
            return None
        if day < self.dates[0]:
            return (day - self.dates[0]).days
        if day > self.dates[-1]:
            return (day - self.dates[-1]).days
        return 0


def _principals(prominent: Counter[str]) -> set[str]:
    if not prominent:
        return set()
    top = max(prominent.values())
    return {p for p, n in prominent.items() if 2 * n >= top}


def _place_of(reports: Sequence[_Report]) -> str | None:
    principals = _principals(Counter(p for r in reports for p in r.prominent))
    names: dict[str, set[str]] = defaultdict(set)
    for r in reports:
        for person in principals & r.people:
            names[person] |= r.name_words.get(person, set())
    principal_names = [frozenset(words) for _, words in sorted(names.items())]
    return event_place(
        [
            PlaceEvidence(
                r.title,
                r.happening_sentences,
                [*r.places, *r.title_places],
                principal_names,
                r.place_readings,
            )
            for r in reports
        ]
    )


# -- joining ----------------------------------------------------------------------------------
def best_group(report: _Report, candidates: Iterable[_Group]) -> _Group | None:
    """The group the report fits best (the first started, of equals), or None."""
    best, best_score = None, 0.0
    for group in sorted(candidates, key=lambda g: g.rank):
        score = _join_score(report, group)
        if score is not None and score > best_score:
            best, best_score = group, score
    return best


def fitting_groups(report: _Report, candidates: Iterable[_Group]) -> list[tuple[_Group, float]]:
    """The groups the report may join, each with how well it fits: ``best_group`` picks the
    highest score of these, the first started of equals."""
    found = []
    for group in candidates:
        score = _join_score(report, group)
        if score is not None and score > 0.0:
            found.append((group, score))
    return found


def undated_fitting_above(
    report: _Report, candidates: Iterable[_Group], floor: float
) -> list[tuple[_Group, float]]:
    """Of the groups an undated report may join (``fitting_groups``), those that may score
    ``floor`` or more: the vetoes, which may have to work out where a group happened, are
    not checked for a group whose likeness bounds its score below it."""
    assert report.happened is None
    found = []
    for likeness, group in _undated_likely(report, candidates):
        if likeness.bound < floor:
            continue
        score = _further_score(report, group, likeness)
        if score is not None and score > 0.0:
            found.append((group, score))
    return found


def undated_may_fit_above(
    report: ReportCore | _Report, candidates: Iterable[_Group], floor: float
) -> bool:
    """Whether ``undated_fitting_above`` may find any of the groups: one its own dates do
    not rule out, and alike enough to it that its likeness bounds its score at ``floor``
    or more (``_undated_likely``), and whose score but for the vetoes is as much
    (``_score_unless_contradicted``); with ``floor`` 0.0, whether ``fitting_groups`` may
    find any (a score is above nothing). Worked out from an undated report's
    ``ReportCore``, without the rest of it."""
    for likeness, group in _undated_likely(report, candidates):
        if likeness.bound < floor:
            continue  # (before its town may be compared with where the group happened)
        score = _score_unless_contradicted(report, group, likeness)
        if score is not None and score >= floor:
            return True
    return False


def best_undated_group(report: _Report, candidates: Iterable[_Group]) -> _Group | None:
    return _best_undated_group(report, sorted(candidates, key=lambda g: g.rank))


def _join_score(report: _Report, group: _Group) -> float | None:
    """How well the report fits the group's happening, or None when it must not join."""
    shared = sum(1 for p in report.people if p in group.people)
    if not shared:
        return None
    if report.happened:
        distance = group.distance(report.happened)
        if distance is None:
            return None
        if distance and group.span_with(report.happened) > MAX_SPAN_DAYS:
            return None  # it would stretch the event past any one happening's coverage
        if abs(distance) <= EVENT_WINDOW_DAYS:
            similarity = _cosine(report.vector, group.centroid, group.norm2)
            enough = similarity >= MIN_SIMILARITY_DATED or (
                shared >= 2 and similarity >= MIN_SIMILARITY_DATED_SHARED
            )
            return similarity + 0.02 * min(shared, 3) if enough else None
        if not -EARLY_DAYS <= distance <= LATE_DAYS:
            return None
    likeness = _likeness(report, group)
    return None if likeness is None else _further_score(report, group, likeness)


class KnownLikeness(NamedTuple):
    """A report's likeness to a group, worked out already (``best_fitting_undated``)."""

    founder: int
    likeness: tuple[int, float, bool]
    """As ``_Likeness``: shared principals, similarity, linked."""


class _Likeness(NamedTuple):
    """What a report further off than the group's dates shares with it, before the vetoes.
    (A tuple: an undated report's likeness is worked out for each of hundreds of groups.)"""

    shared_principals: int
    similarity: float
    linked: bool
    """It names a principal with a happening word."""

    @property
    def bound(self) -> float:
        """The most the report's score can be (``_further_score``, with a town or date in
        common): the same sum, in the same order, so never below the score itself."""
        return self.similarity + 0.05 * min(self.shared_principals, 3) + 0.1 * self.linked + 0.1


def _likeness(
    report: Alike, group: _Group, vetoed: Callable[[_Group], bool] | None = None
) -> _Likeness | None:
    """Every way to join a group further off needs a shared principal and this much
    likeness: checked first (the cheapest first), as the vetoes may have to work out where
    the group happened. ``vetoed``: a cheap veto, checked before the words are compared."""
    principals = group.principals
    shared_principals = len(report.people & principals)
    if not shared_principals:
        return None
    if vetoed is not None and vetoed(group):
        return None
    similarity = _cosine_of(report.terms, report.weights, group.centroid, group.norm2)
    if similarity < MIN_SIMILARITY_FURTHER:
        return None
    return _Likeness(shared_principals, similarity, not principals.isdisjoint(report.referred))


def _further_score(report: _Report, group: _Group, likeness: _Likeness) -> float | None:
    if _contradicts(report, group):
        return None
    return _score_unless_contradicted(report, group, likeness)


def _score_unless_contradicted(
    report: ReportCore | _Report, group: _Group, likeness: _Likeness
) -> float | None:
    """``_further_score`` but for the vetoes (``_contradicts``): never below it, and worked
    out from what an undated report's ``ReportCore`` holds."""
    similarity, shared_principals, linked = (
        likeness.similarity,
        likeness.shared_principals,
        likeness.linked,
    )
    fits = _fits(report, group)
    enough = (
        ((linked or fits) and similarity >= MIN_SIMILARITY_LINKED)
        or (shared_principals >= 2 and similarity >= MIN_SIMILARITY_DATED)
        or similarity >= MIN_SIMILARITY_ALIKE
    )
    if not enough:
        return None
    return similarity + 0.05 * min(shared_principals, 3) + 0.1 * linked + 0.1 * fits


def _likely(
    report: Alike, candidates: Iterable[_Group], vetoed: Callable[[_Group], bool] | None = None
) -> Iterator[tuple[_Likeness, _Group]]:
    """The groups an undated report shares a principal with (and so a person: a group's
    principals are among its people) and is alike enough to, in order, with their likeness
    (the vetoes not checked yet, but for ``vetoed``)."""
    for group in candidates:
        likeness = _likeness(report, group, vetoed)
        if likeness is not None:
            yield likeness, group


def _undated_likely(
    report: ReportCore | _Report, candidates: Iterable[_Group]
) -> Iterator[tuple[_Likeness, _Group]]:
    """``_likely`` without the groups the report's own dates rule out (``_dated_otherwise``):
    such a group scores None whatever its likeness (``_further_score`` checks the same veto),
    and dates are checked in a fraction of the time words are compared in. An undated report
    that names a leader shares a principal with hundreds of groups: in a regroup of the
    100,000 bench articles, 2,287,825 such pairs, of which the dates rule out 578,314."""
    return _likely(report, candidates, functools.partial(_dated_otherwise, report))


def best_fitting_undated(
    report: _Report,
    candidates: Iterable[_Group],
    keep: int,
    known: Iterable[KnownLikeness] = (),
    group_of: Callable[[int], _Group | None] | None = None,
) -> tuple[list[tuple[_Group, float]], bool]:
    """Of the groups an undated report may join (``fitting_groups``), at least those that
    may be among the ``keep`` best, each with how well it fits; and whether they are all
    the groups it may join.

    The vetoes, which may have to work out where a group happened, are checked from the
    likeliest group down, and not for a group whose score cannot reach the ``keep``-th
    best found (``_Likeness.bound``) once more than ``keep`` are known to fit.

    ``known``: the likeness of other groups the report may join, worked out already
    (``likeness_ahead``), by founder; ``group_of`` reads such a group, should its score
    be wanted. The candidates and those groups are taken together as if all were
    candidates, in the order of their founders.
    """
    assert report.happened is None
    likely: list[tuple[_Likeness, int, _Group | None]] = [
        (likeness, group.founder, group) for likeness, group in _undated_likely(report, candidates)
    ]
    likely += [(_Likeness(*k.likeness), k.founder, None) for k in known]
    # (by bound, then by founder as the candidates come: the first founded of equals first)
    likely.sort(key=lambda entry: (-entry[0].bound, entry[1]))
    found: list[tuple[_Group, float]] = []
    best_scores: list[float] = []  # the ``keep`` best scores found, the lowest first
    for likeness, founder, read in likely:
        if len(found) > keep and likeness.bound < best_scores[0]:
            return found, False
        group = read if read is not None else group_of(founder) if group_of else None
        if group is None:
            raise LookupError(f"no group {founder} for a likeness worked out with it")
        score = _further_score(report, group, likeness)
        if score is not None and score > 0.0:
            found.append((group, score))
            if len(best_scores) < keep:
                heapq.heappush(best_scores, score)
            elif score > best_scores[0]:
                heapq.heapreplace(best_scores, score)
    return found, len(found) <= keep


def _fits(report: ReportCore | _Report, group: _Group) -> bool:
    """Positive evidence besides people: the happening's town, or a date that fits it."""
    date = group.date
    if date and any(abs((p - date).days) <= PICTURE_SLACK_DAYS for p in report.pictures):
        return True
    if date and report.partial and _partial_fits(report.partial, date):
        return True
    towns = report.towns
    if not towns or group.places.isdisjoint(towns):
        return False  # no town in common: no need to work out where the group happened
    where = group.place()
    return where is not None and where in towns


def _contradicts(report: _Report, group: _Group) -> bool:
    """Evidence that the report is about another happening than the group's."""
    return _dated_otherwise(report, group) or _place_conflict(report, group)


def _dated_otherwise(report: ReportCore | _Report, group: _Group) -> bool:
    """The report's own dates (its photos', its dateline's, a weekday or a day of the year
    its lead gives the happening) put it on another day than the group's."""
    date = group.date
    if date is None:
        return False
    if report.pictures and all(abs((p - date).days) > LATE_DAYS for p in report.pictures):
        return True  # its photos show another day
    if report.partial and not report.happened and not _partial_fits(report.partial, date):
        return True
    if report.happening_weekdays and not report.happened:
        if group.precise_dates:
            low, high, slack = group.precise_dates[0], group.precise_dates[-1], 1
        else:  # only publication dates: previews date a group a few days early
            low, high, slack = group.dates[0], group.dates[-1], 4
        span = range(-1, (high - low).days + slack + 1)
        # (a span of a week or more has every weekday)
        if len(span) < 7 and not report.happening_weekdays & {
            (low + dt.timedelta(days=n)).weekday() for n in span
        }:
            return True
    return bool(
        report.month_days
        and not report.happened
        and not any(_partial_fits(md, date) for md in report.month_days)
    )  # its lead dates the happening on another day of the year


def _partial_fits(partial: tuple[int, int], date: dt.date) -> bool:
    """Whether a month and day without a year can be a report of a happening on ``date``."""
    for year in (date.year - 1, date.year, date.year + 1):
        try:
            day = dt.date(year, *partial)
        except ValueError:
            continue
        if -EARLY_DAYS <= (day - date).days <= LATE_DAYS:
            return True
    return False


def _place_conflict(report: _Report, group: _Group) -> bool:
    """A report whose title puts its happening in a town ("Moscow talks", "meet in X") is
    about another happening than a group that happened elsewhere."""
    placed = [
        t
        for t in report.title_places
        if not is_broad_place(t) and places_happening(report.title, t)
    ]
    if not placed:
        return False
    where = group.place()
    if where is None or is_broad_place(where):
        return not any(t in group.lead_places for t in placed)
    return where not in placed


def _best_undated_group(report: _Report, candidates: list[_Group]) -> _Group | None:
    best, best_score = None, 0.0
    for group in candidates:
        if _place_conflict(report, group):
            continue
        similarity = _cosine(report.vector, group.centroid, group.norm2)
        shared = sum(1 for p in report.people if p in group.people)
        if similarity >= MIN_SIMILARITY_UNDATED and similarity + 0.02 * shared > best_score:
            best, best_score = group, similarity + 0.02 * shared
    return best


def _cosine(a: Mapping[str, float], b: Mapping[str, float], norm2: float | None = None) -> float:
    return _cosine_of(a.keys(), a.values(), b, norm2)


def _cosine_of(
    terms: Collection[str],
    weights: Iterable[float],
    b: Mapping[str, float],
    norm2: float | None = None,
) -> float:
    """The cosine of a unit vector, as its terms and their weights in order, with ``b``."""
    if not terms or not b:
        return 0.0
    # Terms it lacks add 0.0 each: the sum is that of the terms both have, in the same
    # order (s + 0.0 is s), taken without a test per term.
    dot = sum(map(operator.mul, weights, map(b.get, terms, itertools.repeat(0.0))))
    norm_b = math.sqrt(norm2 if norm2 is not None else sum(v * v for v in b.values()))
    return dot / norm_b if norm_b else 0.0  # a is unit length


# -- events -----------------------------------------------------------------------------------
def event_of(group: _Group) -> tuple[Event, dict[int, tuple[dt.date, str]]]:
    """The event a group makes, and the dates it gives its undated articles."""
    reports = group.reports()
    ids = tuple(sorted(r.id for r in reports))
    date = _event_date(reports)
    inferred: dict[int, tuple[dt.date, str]] = {}
    if date:
        for report in reports:
            if report.published is None:
                inferred[report.id] = _inferred_date(report, date)
    principals = group.principals
    # The event's title is a headline that reports its happening: written as a headline (not
    # the opening cut short), not a reaction's ("X condemns…", "Y backs…"), naming its
    # principals with a happening word, then the most central.
    representative = max(
        reports,
        key=lambda r: (
            not r.title.endswith("…"),
            word_pattern("stances.txt", "verbs").search(r.title) is None,
            bool(r.referred & principals),
            r.happened is not None and r.happened == date,
            _cosine(r.vector, group.centroid, group.norm2),
            -r.id,
        ),
    )
    people = sorted(group.people.items(), key=lambda kv: (kv[0] not in principals, -kv[1], kv[0]))
    event = Event(
        id=ids[0],
        title=representative.title,
        date=date,
        place=group.place(exact=True),
        article_ids=ids,
        people=tuple(p for p, _ in people[:8]),
    )
    return event, inferred


def _event_date(reports: Sequence[_Report]) -> dt.date | None:
    """The day most reports give the happening: dates their leads tie to a happening word
    count first, then each dated report's own happening date."""
    votes: Counter[dt.date] = Counter()
    for report in reports:
        for day in set(report.happening_days):
            votes[day] += 2
        if report.happened:
            votes[report.happened] += 1
    if not votes:
        # Nothing dates it but its photos: the day they show the happening.
        pictures = Counter(d for report in reports for d in set(report.pictures))
        return max(pictures, key=lambda d: (pictures[d], -d.toordinal())) if pictures else None
    return max(votes, key=lambda d: (votes[d], -d.toordinal()))


def _inferred_date(report: _Report, event_date: dt.date) -> tuple[dt.date, str]:
    """An undated article's date: its dateline's month and day in the event's year, else the
    event's date; flagged as inferred either way."""
    if report.partial:
        for year in (event_date.year, event_date.year - 1, event_date.year + 1):
            try:
                day = dt.date(year, *report.partial)
            except ValueError:
                continue
            if -EARLY_DAYS <= (day - event_date).days <= LATE_DAYS:
                return day, "dateline, year inferred from event"
    return event_date, "inferred from event"
