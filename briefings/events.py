"""Events: articles that report the same happening, grouped by date, people and words.

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

People are compared as the persons the corpus resolved them to (see ``identity``), so
"Li" and "Li Wei" are one. An undated article takes its event's date, flagged as
inferred; a dateline's month and day take their year from the event. Event ids are the
smallest article id in the group, so they stay stable as the corpus grows.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from briefings.dates import WEEKDAY_NAMES, date_mentions, month_day_mentions
from briefings.entities import fold, lexicon, read_sections
from briefings.event_places import (
    PlaceEvidence,
    event_place,
    is_broad_place,
    places_happening,
    places_in,
)
from briefings.happenings import happening_words
from briefings.identity import NameEvidence, resolve_people
from briefings.models import Event
from briefings.store import Store

EVENT_WINDOW_DAYS = 3
"""How far apart two reports of one happening may date it and still join on likeness alone."""
LATE_DAYS = 10
"""A report of the reactions may come this many days after the happening."""
EARLY_DAYS = 7
"""A preview may come this many days before it."""
PICTURE_SLACK_DAYS = 3
HINT_WINDOW = (-7, 10)
"""Dates in an article's lead within this many days of publication are the happening's date."""
LEAD_SENTENCES = 3
MIN_SIMILARITY_DATED = 0.12
"""Reports dated within the window join on this similarity, or on two shared people and…"""
MIN_SIMILARITY_DATED_SHARED = 0.05
MIN_SIMILARITY_LINKED = 0.04
"""A report further off that names the happening needs only this much likeness."""
MIN_SIMILARITY_ALIKE = 0.25
"""…and one that does not name it, this much."""
MIN_SIMILARITY_UNDATED = 0.1
"""Undated reports that join no event group with each other on this similarity."""

_WORD = re.compile(r"[a-zà-ÿ][a-zà-ÿ'-]{2,}")
_WEEKDAY_NAMES = {names[0].lower(): number for number, names in enumerate(WEEKDAY_NAMES)}


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    return frozenset(w.lower() for words in read_sections("stopwords.txt").values() for w in words)


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
    """Its sentences that name a happening near a locative: where it may have happened."""
    name_words: dict[str, set[str]] = field(default_factory=dict)
    """The words of the names it gives each person."""
    partial: tuple[int, int] | None = None
    month_days: set[tuple[int, int]] = field(default_factory=set)
    """Months and days an undated lead gives the happening ("on Friday, November 4")."""
    pictures: list[dt.date] = field(default_factory=list)
    lead: str = ""


@dataclass
class _Group:
    reports: list[_Report] = field(default_factory=list)
    centroid: dict[str, float] = field(default_factory=dict)
    people: Counter[str] = field(default_factory=Counter)
    prominent: Counter[str] = field(default_factory=Counter)
    dates: list[dt.date] = field(default_factory=list)
    """The happening dates its dated reports give, kept sorted."""
    precise_dates: list[dt.date] = field(default_factory=list)
    """The dates its leads tie to a happening word ("met on Monday"), kept sorted."""
    places: set[str] = field(default_factory=set)
    lead_places: set[str] = field(default_factory=set)
    """Places its titles and leads name: where its happening may be."""
    _place: tuple[int, str | None] | None = None

    def place(self, *, exact: bool = False) -> str | None:
        """Where its happening took place, as its reports say so far.

        While grouping, the answer is worked out again only as the group grows by a quarter:
        one more report seldom moves a happening. ``exact`` works it out now.
        """
        size = len(self.reports)
        known = self._place[0] if self._place else 0
        if self._place is None or (known != size and (exact or size <= 4 or size >= 1.25 * known)):
            principals = self.principals
            names: dict[str, set[str]] = defaultdict(set)
            for r in self.reports:
                for person in principals & r.people:
                    names[person] |= r.name_words.get(person, set())
            principal_names = [frozenset(words) for words in names.values()]
            found = event_place(
                [
                    PlaceEvidence(
                        r.title,
                        r.happening_sentences,
                        [*r.places, *r.title_places],
                        principal_names,
                    )
                    for r in self.reports
                ]
            )
            self._place = (len(self.reports), found)
        return self._place[1]

    norm2: float = 0.0
    """The squared length of the centroid, kept as reports are added."""

    def add(self, report: _Report) -> None:
        self.reports.append(report)
        centroid = self.centroid
        for term, weight in report.vector.items():
            old = centroid.get(term, 0.0)
            centroid[term] = old + weight
            self.norm2 += 2 * old * weight + weight * weight
        self.people.update(report.people)
        self.prominent.update(report.prominent)
        self.places.update(report.places)
        self.lead_places.update(p for p in report.places if p in report.lead)
        if report.happened:
            bisect.insort(self.dates, report.happened)
        for day in set(report.happening_days):
            bisect.insort(self.precise_dates, day)

    @property
    def date(self) -> dt.date | None:
        """The happening's date: the one most reports give, the earliest of equals."""
        if not self.dates:
            return None
        counts = Counter(self.dates)
        return max(counts, key=lambda d: (counts[d], -d.toordinal()))

    @property
    def principals(self) -> set[str]:
        """Who the happening is about: the persons its titles and leads name most."""
        if not self.prominent:
            return set()
        top = max(self.prominent.values())
        return {p for p, n in self.prominent.items() if 2 * n >= top}

    def distance(self, day: dt.date) -> int | None:
        """Days from the group's span of dates to ``day`` (0 inside), None without dates."""
        if not self.dates:
            return None
        if day < self.dates[0]:
            return (day - self.dates[0]).days
        if day > self.dates[-1]:
            return (day - self.dates[-1]).days
        return 0


def regroup_events(store: Store) -> list[Event]:
    """Resolve who is who, group every English article into events and store both."""
    store.replace_person_names(_resolve_names(store))
    reports = _load_reports(store)
    groups = group_reports(reports)
    events, inferred = _to_events(groups)
    store.replace_events(events, inferred)
    return events


def _resolve_names(store: Store) -> dict[str, str]:
    from briefings.people_index import role_key

    evidence: dict[str, NameEvidence] = {}
    by_article: dict[int, set[str]] = defaultdict(set)
    for key, article_id, nationality, roles, weak in store.name_evidence():
        found = evidence.get(key)
        if found is None:
            found = evidence[key] = NameEvidence(key)
        found.strong = found.strong or not weak
        if key not in by_article[article_id]:
            by_article[article_id].add(key)
            found.articles += 1
        if nationality:
            found.nationalities[nationality] += 1
        for role in json.loads(roles or "[]"):
            if folded := role_key(role):
                found.roles.add(folded)
    for keys in by_article.values():
        surnames = {k.rsplit(" ", 1)[-1] for k in keys}
        for key in keys:
            evidence[key].company |= surnames - {key.rsplit(" ", 1)[-1]}
    return resolve_people(evidence.values())


# -- grouping -----------------------------------------------------------------------------
def group_reports(reports: list[_Report]) -> list[_Group]:
    dated = sorted((r for r in reports if r.happened), key=lambda r: (r.happened, r.id))
    undated = sorted((r for r in reports if not r.happened), key=lambda r: r.id)
    groups: list[_Group] = []
    by_person: dict[str, list[_Group]] = defaultdict(list)

    def place(report: _Report, group: _Group | None) -> None:
        if group is None:
            group = _Group()
            groups.append(group)
        group.add(report)
        for person in report.people:
            if group not in by_person[person]:
                by_person[person].append(group)

    # Dated reports in date order, so that later reports meet the happening they follow.
    for report in dated:
        place(report, _best_group(report, _candidates(report, by_person)))
    # Undated reports join an event on evidence; what one joins can draw in another.
    pending = undated
    while pending:
        left = []
        for report in pending:
            best = _best_group(report, [g for g in _candidates(report, by_person) if g.dates])
            if best is None:
                left.append(report)
            else:
                place(report, best)
        if len(left) == len(pending):
            break
        pending = left
    # What is left reports something no dated article dates: undated groups of their own.
    for report in pending:
        undated_groups = [g for g in _candidates(report, by_person) if not g.dates]
        place(report, _best_undated_group(report, undated_groups))
    return groups


def _candidates(report: _Report, by_person: dict[str, list[_Group]]) -> list[_Group]:
    seen: dict[int, _Group] = {}
    for person in report.people:
        for group in by_person.get(person, ()):
            seen[id(group)] = group
    return list(seen.values())


def _best_group(report: _Report, candidates: list[_Group]) -> _Group | None:
    best, best_score = None, 0.0
    for group in candidates:
        score = _join_score(report, group)
        if score is not None and score > best_score:
            best, best_score = group, score
    return best


def _join_score(report: _Report, group: _Group) -> float | None:
    """How well the report fits the group's happening, or None when it must not join."""
    shared = sum(1 for p in report.people if p in group.people)
    if not shared:
        return None
    principals = group.principals
    shared_principals = len(report.people & principals)
    similarity = _cosine(report.vector, group.centroid, group.norm2)
    if report.happened:
        distance = group.distance(report.happened)
        if distance is None:
            return None
        if abs(distance) <= EVENT_WINDOW_DAYS:
            enough = similarity >= MIN_SIMILARITY_DATED or (
                shared >= 2 and similarity >= MIN_SIMILARITY_DATED_SHARED
            )
            return similarity + 0.02 * min(shared, 3) if enough else None
        if not -EARLY_DAYS <= distance <= LATE_DAYS:
            return None
    if _contradicts(report, group):
        return None
    if not shared_principals:
        return None
    linked = bool(report.referred & principals)
    fits = _fits(report, group)
    enough = (
        ((linked or fits) and similarity >= MIN_SIMILARITY_LINKED)
        or (shared_principals >= 2 and similarity >= MIN_SIMILARITY_DATED)
        or similarity >= MIN_SIMILARITY_ALIKE
    )
    if not enough:
        return None
    return similarity + 0.05 * min(shared_principals, 3) + 0.1 * linked + 0.1 * fits


def _fits(report: _Report, group: _Group) -> bool:
    """Positive evidence besides people: the happening's town, or a date that fits it."""
    date = group.date
    if date and any(abs((p - date).days) <= PICTURE_SLACK_DAYS for p in report.pictures):
        return True
    if date and report.partial and _partial_fits(report.partial, date):
        return True
    towns = {p for p in report.places if not is_broad_place(p)}
    if not towns or not group.places.intersection(towns):
        return False  # no town in common: no need to work out where the group happened
    where = group.place()
    return where is not None and where in towns


def _contradicts(report: _Report, group: _Group) -> bool:
    """Evidence that the report is about another happening than the group's."""
    date = group.date
    if date is not None:
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
            if not report.happening_weekdays & {
                (low + dt.timedelta(days=n)).weekday() for n in span
            }:
                return True
        if (
            report.month_days
            and not report.happened
            and not any(_partial_fits(md, date) for md in report.month_days)
        ):
            return True  # its lead dates the happening on another day of the year
    return _place_conflict(report, group)


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


def _cosine(a: dict[str, float], b: Mapping[str, float], norm2: float | None = None) -> float:
    if not a or not b:
        return 0.0
    get = b.get
    dot = sum(weight * get(term, 0.0) for term, weight in a.items())
    norm_b = math.sqrt(norm2 if norm2 is not None else sum(v * v for v in b.values()))
    return dot / norm_b if norm_b else 0.0  # a is unit length


# -- what grouping reads of each article ------------------------------------------------------
def _load_reports(store: Store) -> list[_Report]:
    rows = store.grouping_rows()
    ids = [r["id"] for r in rows]
    stopwords = _stopwords()
    people: dict[int, set[str]] = defaultdict(set)
    in_lead: dict[int, set[str]] = defaultdict(set)
    names: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    by_sentence: dict[tuple[int, int], set[str]] = defaultdict(set)
    for m in store.mentions(ids):
        person = m.person or m.key
        people[m.article_id].add(person)
        names[m.article_id][person].update(fold(w) for w in m.mention.name.split() if len(w) > 1)
        for index in m.mention.sentences:
            by_sentence[(m.article_id, index)].add(person)
            if index < LEAD_SENTENCES:
                in_lead[m.article_id].add(person)
    places: dict[int, list[str]] = defaultdict(list)
    for article_id, name in store.entities(ids, "place"):
        places[article_id].append(name)
    words: dict[int, Counter[str]] = {}
    located: dict[int, list[str]] = {}
    for article_id, text in store.texts(ids):
        words[article_id] = Counter(w for w in _WORD.findall(text.lower()) if w not in stopwords)
        located[article_id] = _located_happenings(text)
    leads: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for sentence in store.lead_sentences(ids, LEAD_SENTENCES):
        leads[sentence.article_id].append((sentence.index, sentence.text))
    document_frequency: Counter[str] = Counter()
    for counts in words.values():
        document_frequency.update(counts.keys())
    total = max(len(words), 1)
    reports = []
    for row in rows:
        article_id = row["id"]
        published = dt.date.fromisoformat(row["published"]) if row["published"] else None
        hints = [dt.date.fromisoformat(d) for d in json.loads(row["event_hints"] or "[]")]
        title = row["title"]
        title_people = {
            person
            for person, tokens in names[article_id].items()
            if tokens & {fold(w) for w in re.findall(r"[\w'’-]+", title)}
        }
        report = _Report(
            id=article_id,
            title=title,
            published=published,
            happened=_happening_date(published, hints),
            people=people[article_id],
            places=places[article_id],
            vector=_tf_idf(words.get(article_id, Counter()), document_frequency, total),
            prominent=title_people | in_lead[article_id],
            title_places=places_in(title),
            happening_sentences=located.get(article_id, []),
            name_words=names[article_id],
            partial=_partial(row["partial_date"]),
            pictures=[dt.date.fromisoformat(d) for d in json.loads(row["picture_dates"] or "[]")],
            lead=" ".join([title] + [t for _, t in leads[article_id]]),
        )
        _read_happening(report, title, title_people, leads[article_id], by_sentence)
        reports.append(report)
    return reports


_LOCATIVE = re.compile(r"\b(?:in|at|to)\s+(?:the\s+)?[A-Z]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘'(])")
MAX_LOCATED_SENTENCES = 30


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
    report: _Report,
    title: str,
    title_people: set[str],
    lead: list[tuple[int, str]],
    by_sentence: dict[tuple[int, int], set[str]],
) -> None:
    """Who the title and lead name with a happening word, and on which days."""
    words = happening_words()
    anchor = report.published
    speaker: set[str] = set()
    for index, text in [(-1, title), *lead]:
        named = title_people if index < 0 else by_sentence.get((report.id, index), set())
        if not named and _PRONOUN.search(text):
            named = speaker  # "He made the comments after his visit": the last one named
        elif named:
            speaker = named
        if anchor is None:
            report.month_days.update(md for _, md in month_day_mentions(text))
        found = [m.start() for m in words.finditer(text)]
        if not found:
            continue
        report.referred |= named
        if anchor is not None:
            mentions = date_mentions(text, anchor)
            for position in found:
                day = _nearest(mentions, position)
                if day is not None and HINT_WINDOW[0] <= (day - anchor).days <= HINT_WINDOW[1]:
                    report.happening_days.append(day)
        else:
            for match in re.finditer(r"\b(" + "|".join(_WEEKDAY_NAMES) + r")\b", text, re.I):
                # "met on Monday", "talks later on Wednesday": the day follows the word;
                # "on Monday criticised the visit" and "after the visit, X said on Monday"
                # date what was said, not the visit.
                if any(0 < match.start() - p <= 160 for p in found) and not _said_on(
                    text, match.start()
                ):
                    report.happening_weekdays.add(_WEEKDAY_NAMES[match.group(1).lower()])


_DAY_LEAD_IN = re.compile(r"(?:\b(?:on|late|early|this|last|next|reporters|journalists)\s+)+$")


def _said_on(text: str, at: int) -> bool:
    """Whether the weekday at ``at`` dates a speech verb: "…, X said on Monday"."""
    before = _DAY_LEAD_IN.sub("", text[max(0, at - 40) : at])
    return lexicon().speech_before.search(before) is not None


_PRONOUN = re.compile(r"\b(?:[Hh]e|[Ss]he|[Hh]is|[Hh]er)\b")


def _nearest(mentions: list[tuple[int, dt.date]], position: int) -> dt.date | None:
    """The date written closest to a happening word in its sentence ("met … on Monday")."""
    close = [(abs(at - position) + (at < position) * 20, day) for at, day in mentions]
    close = [(d, day) for d, day in close if d <= 100]
    return min(close)[1] if close else None


def _partial(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    month, day = value.split("-")
    return int(month), int(day)


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


# -- events -----------------------------------------------------------------------------------
def _to_events(groups: Iterable[_Group]) -> tuple[list[Event], dict[int, tuple[dt.date, str]]]:
    events = []
    inferred: dict[int, tuple[dt.date, str]] = {}
    for group in groups:
        ids = tuple(sorted(r.id for r in group.reports))
        date = _event_date(group)
        if date:
            for report in group.reports:
                if report.published is None:
                    inferred[report.id] = _inferred_date(report, date)
        representative = max(
            group.reports,
            key=lambda r: (
                _cosine(r.vector, group.centroid, group.norm2),
                r.happened is not None,
                -r.id,
            ),
        )
        principals = group.principals
        events.append(
            Event(
                id=ids[0],
                title=representative.title,
                date=date,
                place=group.place(exact=True),
                article_ids=ids,
                people=tuple(
                    p
                    for p, _ in sorted(
                        group.people.items(), key=lambda kv: (kv[0] not in principals, -kv[1])
                    )[:8]
                ),
            )
        )
    return events, inferred


def _event_date(group: _Group) -> dt.date | None:
    """The day most reports give the happening: dates their leads tie to a happening word
    count first, then each dated report's own happening date."""
    votes: Counter[dt.date] = Counter()
    for report in group.reports:
        for day in set(report.happening_days):
            votes[day] += 2
        if report.happened:
            votes[report.happened] += 1
    if not votes:
        # Nothing dates it but its photos: the day they show the happening.
        pictures = Counter(d for report in group.reports for d in set(report.pictures))
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
