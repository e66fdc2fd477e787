"""Roles: who each person is in an event, from the evidence of its sentences.

Over 400 lines: every role is decided by the same tests of a sentence (the subject of a
verb, presence, another time or place), which the whole cast and a card's question about
one person (takes_part) share.

Every person an event's articles name gets one role, with the sentences that decided it:

- **principal**: who the happening is about. Titles and leads name them with a happening
  word ("Berg-Sato summit", "Sousa arrives in Peru to meet Li"), and not as the subject of a
  stance ("Norway's Berg backs Sato": Berg reacts).
- **participant**: a sentence puts them at the happening beside a principal ("accompanied
  by", "held talks with", "in the delegation"), not by phone, not at another time.
- **reactor**: the subject of a stance on the happening ("Holm accused Sousa of…").
- **commentator**: says something about the happening, without a stance word.
- **mentioned**: everyone else, the press among them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from briefings.brief.facets import FacetRules
from briefings.brief.names import Names
from briefings.extract.dates import MONTHS, WEEKDAY_PATTERN, month_day_mentions
from briefings.extract.happenings import happening_words
from briefings.index.people_index import Person
from briefings.index.store import StoredSentence
from briefings.lexicon import TextPattern, WordPattern, lower_words, word_pattern

PRINCIPAL = "principal"
PARTICIPANT = "participant"
REACTOR = "reactor"
COMMENTATOR = "commentator"
MENTIONED = "mentioned"
ROLES = (PRINCIPAL, PARTICIPANT, REACTOR, COMMENTATOR, MENTIONED)

MAX_PRINCIPALS = 4
PRINCIPAL_SHARE = 0.4
"""A principal is named with the happening at least this share as often as the first one."""
LEAD_SENTENCES = 3
SUBJECT_REACH = 90
"""How far after a name its verb may stand in the name's clause ("X, a spokesman, said")."""
TITLE = -1
"""The sentence index that stands for an article's title in evidence."""


@dataclass(frozen=True)
class PersonRole:
    """One person's role in an event and the sentences that decided it."""

    key: str
    name: str
    role: str
    evidence: tuple[tuple[int, int], ...] = ()
    """(article id, sentence index) of the deciding sentences; index -1 is the title."""


@dataclass(frozen=True)
class Cast:
    """An event's people by role."""

    principals: tuple[Person, ...]
    roles: Mapping[str, PersonRole]

    def role_of(self, person: Person) -> str:
        found = self.roles.get(person.key)
        return found.role if found else MENTIONED

    def with_role(self, people: Iterable[Person], role: str) -> list[Person]:
        return [p for p in people if self.role_of(p) == role]


def stance_pattern() -> WordPattern:
    return word_pattern("stances.txt", "verbs")


def stance_noun_pattern() -> WordPattern:
    return word_pattern("stances.txt", "nouns")


def speech_pattern() -> WordPattern:
    return word_pattern("stances.txt", "speech")


def _remote_pattern() -> WordPattern:
    return word_pattern("happenings.txt", "remote words")


def press_roles() -> frozenset[str]:
    return lower_words("roles.txt", "press")


def is_press(person: Person) -> bool:
    """A journalist: reports the happening, never takes part."""
    words = press_roles()
    return any(
        any(w in role.lower() for w in words) for m in person.mentions for role in m.mention.roles
    )


def is_subject_of(text: str, at: int, verbs: TextPattern) -> bool:
    """Whether the name at ``at`` is the subject of one of the verbs.

    The verb follows the name closely: "Kenji Sato backed", "Holm on Monday sharply
    criticised", "China's Foreign Ministry, in a statement, summoned". A verb further on
    belongs to another clause ("Berg repeated her wish to hold a meeting"), and one after
    "on his" is someone else's ("updated Berg on his meeting").
    """
    window = text[at : at + SUBJECT_REACH]
    name = _NAME_REST.match(window)
    rest = window[name.end() if name else 0 :]
    found = verbs.search(rest)
    if not found:
        return False
    between = _APPOSITIVE.sub(" ", rest[: found.start()])
    if re.search(r"[.;:!?\"“”]", between):
        return False
    words = between.split()
    return len(words) <= MAX_WORDS_BEFORE_VERB and not any(
        w.lower() in _NOT_BEFORE_VERB for w in words
    )


_NAME_REST = re.compile(r"[\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*(?:['’]s)?")
_APPOSITIVE = re.compile(r"^\s*,[^,]{1,70},")
MAX_WORDS_BEFORE_VERB = 3
_NOT_BEFORE_VERB = lower_words("grammar.txt", "not before a verb")


def _is_present(text: str, at: int, presence: TextPattern, speech: TextPattern) -> bool:
    """Whether the name at ``at`` is put at the happening: named after a presence word
    ("met with X", "accompanied by national-security adviser X and …") or its subject
    ("X held talks")."""
    for found in presence.finditer(text, max(0, at - PRESENCE_REACH), at):
        if not _CLAUSE_BREAK.search(text, found.end(), at):
            return True
    if is_subject_of(text, at, speech):
        return False  # "…," X told reporters: a speaker, not a guest
    return is_subject_of(text, at, presence)


PRESENCE_REACH = 120
"""How far after "met with", "accompanied by"… a name may stand: past roles and other guests."""
_CLAUSE_BREAK = re.compile(r"[.;:!?\"“”]|\b(?:said|told|says|who|which|while|after|as|but)\b")


def is_elsewhere(
    text: str,
    rules: FacetRules,
    day: dt.date | None,
    *,
    phrases: bool = True,
    dated: dict[str, bool] | None = None,
) -> bool:
    """A sentence about another time than the happening: "last year", "on March 7".

    With ``phrases`` off, only dates written out count, not words such as "last year".
    ``dated`` keeps, for one day, whether each text writes out another date: a briefing
    asks it of the same sentences several times (see Material.dated_elsewhere).
    """
    if phrases and rules.is_elsewhere(text):
        return True
    if day is None:
        return False
    if dated is None:
        return _writes_another_date(text, day)
    found = dated.get(text)
    if found is None:
        found = dated[text] = _writes_another_date(text, day)
    return found


def _writes_another_date(text: str, day: dt.date) -> bool:
    # The month-days read are those a weekday opens ("Tuesday, March 7"): a text with no
    # weekday written has none, and looking for a weekday costs a tenth of reading dates.
    if _WEEKDAY.search(text):
        for _, (month, date) in month_day_mentions(text):
            if abs((dt.date(day.year, month, date) - day).days) > 3:
                return True
    for match in _MONTH_IN.finditer(text):
        if MONTHS[match.group(1).lower()] != day.month:
            return True
    return any(int(y) != day.year for y in _YEAR.findall(text))


_MONTH_IN = re.compile(
    r"\b(?:in|since|last|on)\s+("
    + "|".join(m.capitalize() for m in MONTHS if len(m) > 3)
    + r")\b(?!\s+\d{1,2}\b)"
)
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_WEEKDAY = re.compile(WEEKDAY_PATTERN)


def _event_principals(
    people: Sequence[Person],
    sentences: Sequence[StoredSentence],
    titles: Mapping[int, str],
    rules: FacetRules,
    names: Names,
) -> list[Person]:
    return _principals(
        people,
        sentences,
        titles,
        names,
        happening_words(),
        stance_pattern(),
        rules.participants.pattern,
        speech_pattern(),
    )


def _teller(
    principals: Sequence[Person],
    names: Names,
    rules: FacetRules,
    day: dt.date | None,
    place: str | None,
    dated: dict[str, bool] | None,
) -> Callable[[Person, str], str | None]:
    """What a sentence tells of a person (see assign_roles), for an event's principals."""
    happening = happening_words()
    stance = stance_pattern()
    speech = speech_pattern()
    remote = _remote_pattern()
    stance_nouns = stance_noun_pattern()

    def what_it_tells(person: Person, text: str) -> str | None:
        """What a sentence tells of a person: REACTOR, PARTICIPANT, COMMENTATOR or None."""
        spots = names.positions(person, text)
        others = [p for p in principals if p.key != person.key and names.positions(p, text)]
        about_it = bool(others) or happening.search(text) is not None
        if about_it and any(
            is_subject_of(text, at, stance)
            or (is_subject_of(text, at, speech) and stance_nouns.search(text))
            for at in spots
        ):
            return REACTOR  # "X condemned…", "X said the visit was a mistake"
        if is_elsewhere(text, rules, day, dated=dated):
            return None
        if (
            (others or rules.refers_to_principals(text))
            and not remote.search(text)
            and not _elsewhere_place(text, place)
            and any(_is_present(text, at, rules.participants.pattern, speech) for at in spots)
        ):
            return PARTICIPANT
        if about_it and any(is_subject_of(text, at, speech) for at in spots):
            return COMMENTATOR
        return None

    return what_it_tells


def takes_part(
    key: str,
    people: Sequence[Person],
    sentences: Sequence[StoredSentence],
    titles: Mapping[int, str],
    rules: FacetRules,
    day: dt.date | None = None,
    place: str | None = None,
    dated: dict[str, bool] | None = None,
) -> bool:
    """Whether assign_roles makes the person of this key a principal or a participant,
    worked out for them alone: the principals, then their own sentences until one puts
    them at the happening (a card asks it of a person's latest events, not of everyone)."""
    names = Names(people)
    principals = _event_principals(people, sentences, titles, rules, names)
    if any(p.key == key for p in principals):
        return True
    # The role assign_roles keeps for a key is that of the last person with it.
    person = next((p for p in reversed(people) if p.key == key), None)
    if person is None or is_press(person):
        return False
    what_it_tells = _teller(principals, names, rules, day, place, dated)
    by_ref = {(s.article_id, s.index): s for s in sentences}
    told: dict[str, str | None] = {}
    for ref in sorted(person.sentence_refs):
        sentence = by_ref.get(ref)
        if sentence is None:
            continue
        if sentence.text not in told:
            told[sentence.text] = what_it_tells(person, sentence.text)
        if told[sentence.text] == PARTICIPANT:
            return True
    return False


def assign_roles(
    people: Sequence[Person],
    sentences: Sequence[StoredSentence],
    titles: Mapping[int, str],
    rules: FacetRules,
    day: dt.date | None = None,
    place: str | None = None,
    dated: dict[str, bool] | None = None,
    names: Names | None = None,
) -> Cast:
    """Give every person of an event a role, with the sentences that decided it.

    ``dated``: see is_elsewhere; ``names``: where the people are named, if already known."""
    names = names or Names(people)
    by_ref = {(s.article_id, s.index): s for s in sentences}
    principals = _event_principals(people, sentences, titles, rules, names)
    principal_keys = {p.key for p in principals}
    roles: dict[str, PersonRole] = {}
    for p in principals:
        roles[p.key] = PersonRole(p.key, p.name, PRINCIPAL, _title_refs(p, titles, names))
    what_it_tells = _teller(principals, names, rules, day, place, dated)

    # A big event's articles carry the same sentences (a wire story and its copies): what a
    # text tells of a person is worked out once, for every copy.
    told: dict[tuple[str, str], str | None] = {}
    for person in people:
        if person.key in principal_keys:
            continue
        if is_press(person):
            roles[person.key] = PersonRole(person.key, person.name, MENTIONED)
            continue
        present, reacting, commenting = [], [], []
        for ref in sorted(person.sentence_refs):
            sentence = by_ref.get(ref)
            if sentence is None:
                continue
            seen = (person.key, sentence.text)
            if seen in told:
                tells = told[seen]
            else:
                tells = told[seen] = what_it_tells(person, sentence.text)
            if tells == REACTOR:
                reacting.append(ref)
            elif tells == PARTICIPANT:
                present.append(ref)
            elif tells == COMMENTATOR:
                commenting.append(ref)
        # Being put at the happening beside a principal outweighs what one says of it.
        if present:
            role, evidence = PARTICIPANT, present
        elif reacting:
            role, evidence = REACTOR, reacting
        elif commenting:
            role, evidence = COMMENTATOR, commenting
        else:
            role, evidence = MENTIONED, []
        roles[person.key] = PersonRole(person.key, person.name, role, tuple(evidence))
    return Cast(tuple(principals), roles)


def _principals(
    people: Sequence[Person],
    sentences: Sequence[StoredSentence],
    titles: Mapping[int, str],
    names: Names,
    happening: TextPattern,
    stance: TextPattern,
    presence: TextPattern,
    speech: TextPattern,
) -> list[Person]:
    """Who the happening is about: named with a happening word in titles (twice the weight)
    and leads, and not there as the subject of a stance; and whom two or more of those
    titles and leads have a principal meet ("Sato to meet Berg")."""
    scores: Counter[str] = Counter()
    mentions: Counter[str] = Counter()
    texts: list[tuple[int, int, str]] = [(a, 2, t) for a, t in titles.items()]
    texts += [(s.article_id, 1, s.text) for s in sentences if s.index < LEAD_SENTENCES]
    candidates = [p for p in people if not is_press(p)]
    # Copies share titles and leads: each text is read once, and counted as often as given.
    named: dict[str, list[tuple[Person, list[int], bool]]] = {}
    """Each text's candidates named in it: where, and whether with the happening but not as
    the subject of a stance."""
    for text in dict.fromkeys(t for _, _, t in texts):
        has_happening = happening.search(text) is not None
        maybe = names.named(text)
        named[text] = [
            (
                person,
                found,
                has_happening and not any(is_subject_of(text, at, stance) for at in found),
            )
            for person in candidates
            if person.key in maybe and (found := names.positions(person, text))
        ]
    for _, weight, text in texts:
        for person, _, with_happening in named[text]:
            mentions[person.key] += weight
            if with_happening:
                scores[person.key] += weight
    if not scores:
        ranked = sorted(candidates, key=lambda p: (-mentions[p.key], -len(p.article_ids)))
        return [p for p in ranked[:2] if mentions[p.key] > 0]
    top = max(scores.values())
    ranked = sorted(
        (p for p in candidates if scores[p.key] >= max(1, PRINCIPAL_SHARE * top)),
        key=lambda p: (-scores[p.key], -mentions[p.key], p.name),
    )[:MAX_PRINCIPALS]
    chosen = {p.key for p in ranked}
    met: dict[str, set[int]] = defaultdict(set)
    guests: dict[str, list[str]] = {}
    """Each text's candidates it puts at a principal's happening, once a text."""
    for article_id, _, text in texts:
        if text not in guests:
            guests[text] = (
                [
                    person.key
                    for person, found, _ in named[text]
                    if person.key not in chosen
                    and any(_is_present(text, at, presence, speech) for at in found)
                ]
                if any(person.key in chosen for person, _, _ in named[text])
                else []
            )
        for key in guests[text]:
            met[key].add(article_id)
    hosts = [p for p in candidates if len(met[p.key]) >= 2]
    return (ranked + sorted(hosts, key=lambda p: -len(met[p.key])))[:MAX_PRINCIPALS]


def _elsewhere_place(text: str, place: str | None) -> bool:
    """A sentence that puts its happening in another place than the event's ("Visiting
    Brazil, the minister met…" for a visit to China)."""
    if not place:
        return False
    from briefings.index.event_places import country_of, places_in

    ours = {place, country_of(place)}
    others = [p for p in places_in(text) if p not in ours]
    if not others or place in text:
        return False
    return any(
        re.search(rf"\b(?:visiting|in|at|to)\s+(?:the\s+)?{re.escape(p)}\b", text, re.I)
        for p in others
    )


def _title_refs(
    person: Person, titles: Mapping[int, str], names: Names
) -> tuple[tuple[int, int], ...]:
    return tuple((a, TITLE) for a, t in titles.items() if names.positions(person, t))
