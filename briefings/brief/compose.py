"""Composing briefings and people cards from the index.

Over 400 lines: choosing the event, each facet of its briefing and the people cards
work from the same gathered material and ranking helpers.

A briefing covers one event. Its items are sentences of the event's articles that answer a
facet (purpose, participants, reactions, context); near-identical sentences from several
outlets become one item citing all of them, and items that more outlets report come first.
Which sentences answer which facet is decided by the rules in ``data/facets.toml``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from briefings.brief.facets import FacetRules, load_rules
from briefings.brief.material import (
    OPENING_PRONOUN,
    SAID_BY_PRONOUN,
    Material,
    Reading,
    gather,
    read_event,
)
from briefings.brief.purpose import purpose_sentences
from briefings.brief.reactions import SPEECH, event_stances, reactions_section
from briefings.brief.roles import (
    PARTICIPANT,
    PRINCIPAL,
    ROLES,
    TITLE,
    takes_part,
)
from briefings.brief.similarity import SentenceGroup, group_similar
from briefings.errors import NoMatch, NothingToBrief, PersonNotFound
from briefings.index import name_counts
from briefings.index.event_scores import event_scores
from briefings.index.name_index import NameIndex
from briefings.index.people_index import Person, merge_people, role_key
from briefings.index.store import Store, StoredSentence, person_key
from briefings.models import (
    Briefing,
    Event,
    EventRole,
    Item,
    PersonCard,
    RoleClaim,
    Section,
)
from briefings.render.trim import one_item_fewer, shrink_to_fit

SURNAME_RATIO = 80
"""How close a misspelt surname must be to a known one (rapidfuzz ratio, 0-100)."""
MAX_FUZZY_PEOPLE = 5
SUGGESTION_RATIO = 60
"""How close a surname must be to one that matched no one to be suggested instead."""
RELEVANT_SHARE = 0.5
"""An event matching a query at least this well, relative to the best match, may be briefed."""
MAX_ITEM_CHARS = 2600
"""Visible characters of items in a default briefing: with its headings and sources it fits
one Telegram message (4,096 characters), and reads on a phone."""


def compose_briefing(
    store: Store,
    *,
    query: str | None = None,
    event_id: int | None = None,
    on_date: dt.date | None = None,
    rules: FacetRules | None = None,
    max_item_chars: int = MAX_ITEM_CHARS,
) -> Briefing:
    """The briefing for an event chosen by id, date, query or recency."""
    rules = rules or load_rules()
    query = (query or "").strip() or None
    event, focus = choose_event(store, query=query, event_id=event_id, on_date=on_date)
    material = gather(store, event, rules)
    focus_sentences: set[tuple[int, int]] = set()
    if query:
        ids = list(material.articles)  # the articles read: only their sentences are told
        focus_sentences = store.matching_sentences(query, ids) | store.sentences_on_topic(
            query, ids
        )
    purpose = _purpose(material, rules, focus_sentences)
    if not purpose.items:
        purpose = _summary(material, rules, focus_sentences)
    shown = _told(material, purpose)
    reactions = reactions_section(material, rules, shown, _items)
    # A sentence told as a reaction is not told again as context.
    shown |= _told(material, reactions)
    sections = [
        purpose,
        _participants(material, rules),
        reactions,
        _context(material, rules, focus_sentences, shown),
    ]
    if focus and focus_sentences:
        sections.insert(0, _focus(material, rules, focus_sentences, query or "", sections))
    kept = _fit([s for s in sections if s.items], max_item_chars)
    return Briefing(
        event=event,
        headline=headline(material),
        sections=kept,
        query=query,
        people=event_roles(material),
        # What its items cite are among these: numbered as sources, in path order.
        articles=tuple(sorted(material.articles.values(), key=lambda a: a.path)),
    )


def _told(material: Material, section: Section) -> set[tuple[int, int]]:
    """The sentences a section's items tell, by position: later sections leave them out."""
    texts = {item.text for item in section.items}
    return {(s.article_id, s.index) for s in material.sentences if s.text in texts}


def choose_event(
    store: Store,
    *,
    query: str | None,
    event_id: int | None,
    on_date: dt.date | None,
) -> tuple[Event, bool]:
    """The event to brief, and whether the query should focus the briefing."""
    if event_id is not None:
        event = store.event(event_id)
        if event is None:
            known = ", ".join(str(e.id) for e in store.events(limit=10))
            raise NothingToBrief(f"There is no event {event_id}. Known events: {known or 'none'}.")
        return event, bool(query)
    if on_date is not None:
        near = [e for e in store.events_near(on_date, 3) if e.date]
        if not near:
            raise NothingToBrief(f"No event in the corpus around {on_date.isoformat()}.")
        return min(near, key=lambda e: abs((e.date - on_date).days)), bool(query)  # type: ignore[operator]
    if query is None:
        latest = store.latest_event()
        if latest is None:
            raise NothingToBrief("The corpus has no English article yet: ingest some files first.")
        return latest, False
    scores = event_scores(store, query)
    if not scores:
        if store.latest_event() is None:
            raise NothingToBrief("The corpus has no English article yet: ingest some files first.")
        raise NoMatch(_shortened(query))
    # The latest of the events substantially about the query: news readers want what is new.
    top = sorted(scores, key=lambda i: -scores[i])[:20]
    strong = [i for i in top if scores[i] >= RELEVANT_SHARE * scores[top[0]]]
    best = max(store.events(strong), key=lambda e: (e.date or dt.date.min, scores[e.id]))
    return best, True


def _shortened(text: str, limit: int = 60) -> str:
    """User text quoted back in a message: enough to recognise, never a wall."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def event_roles(material: Material) -> tuple[EventRole, ...]:
    """Every person of the event with their role and the sentences that decided it."""
    by_ref = {(s.article_id, s.index): s.text for s in material.sentences}
    titles = {a.id: a.title for a in material.articles.values()}
    order = {role: n for n, role in enumerate(ROLES)}
    found = []
    for person in material.people:
        role = material.cast.roles.get(person.key)
        if role is None:
            continue
        evidence = tuple(
            dict.fromkeys(
                titles.get(a, "") if i == TITLE else by_ref.get((a, i), "")
                for a, i in role.evidence
            )
        )
        found.append(EventRole(person.name, role.role, tuple(e for e in evidence if e)))
    return tuple(sorted(found, key=lambda r: order[r.role]))


def headline(material: Material) -> str:
    """Who met whom, where, when — from the data: every principal, once."""
    principals = material.principals
    if len(principals) <= 2:
        names = [p.display_name(material.source) for p in principals]
    else:
        names = [p.name for p in principals]
    joined = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)
    parts = [joined] if names else [material.event.title]
    if material.event.place:
        parts.append(material.event.place)
    if material.event.date:
        parts.append(material.event.date.strftime("%-d %B %Y"))
    return " · ".join(parts)


# -- facets -----------------------------------------------------------------------------------
def _items(material: Material, groups: Iterable[SentenceGroup]) -> list[Item]:
    items = []
    for group in groups:
        article_ids = list(dict.fromkeys(s.article_id for s in group.sentences))
        sources = tuple(dict.fromkeys(material.source(a) for a in article_ids))
        paths = tuple(material.path(a) for a in article_ids)
        items.append(Item(text=_named(group.best, material), sources=sources, articles=paths))
    return items


def _named(sentence: StoredSentence, material: Material) -> str:
    """A sentence as an item: an opening pronoun gets its person's name in brackets, as
    editors mark their insertions ("[Berg] said…"), so no item opens on someone unseen."""
    person = material.referent(sentence)
    if person is None:
        speaker = material.referent(sentence, anywhere=True)
        found = SAID_BY_PRONOUN.search(sentence.text) if speaker else None
        if speaker is None or found is None:
            return sentence.text
        # "…," he said: the speaker's name in brackets in place of the pronoun.
        return (
            sentence.text[: found.start(1)] + f"[{speaker.surname}]" + sentence.text[found.end(1) :]
        )
    found = OPENING_PRONOUN.match(sentence.text)
    assert found is not None
    pronoun = found.group(0).lstrip("\"“‘'")
    name = person.surname + ("'s" if pronoun in ("His", "Her") else "")
    return sentence.text[: found.end() - len(pronoun)] + f"[{name}]" + sentence.text[found.end() :]


def _ranked(
    material: Material,
    sentences: list[StoredSentence],
    limit: int,
    boost: set[tuple[int, int]] | None = None,
    relevance: Callable[[str], int] | None = None,
    *,
    select_by_relevance: bool = False,
) -> list[Item]:
    """Items from sentences: focused first, then most outlets, most relevant, earliest.

    With ``select_by_relevance`` the most relevant are chosen first, and the chosen are then
    ordered by how many outlets report them.
    """
    groups = group_similar(sentences)
    boost = boost or set()
    order = {(s.article_id, s.index): n for n, s in enumerate(sentences)}

    def facts(group: SentenceGroup) -> tuple[int, int, int, int]:
        outlets = len({material.source(s.article_id) for s in group.sentences})
        boosted = any((s.article_id, s.index) in boost for s in group.sentences)
        first = min(order[(s.article_id, s.index)] for s in group.sentences)
        score = max(relevance(s.text) for s in group.sentences) if relevance else 0
        return int(boosted), outlets, score, first

    known = {id(g): facts(g) for g in groups}  # each group's facts once, for both orders

    def rank(group: SentenceGroup) -> tuple[int, int, int, int]:
        boosted, outlets, score, first = known[id(group)]
        return (-boosted, -outlets, -score, first)

    def relevant_first(group: SentenceGroup) -> tuple[int, int, int, int]:
        boosted, outlets, score, first = known[id(group)]
        return (-boosted, -score, -outlets, first)

    if select_by_relevance:
        chosen = sorted(groups, key=relevant_first)
        return _items(material, sorted(chosen[:limit], key=rank))
    return _items(material, sorted(groups, key=rank)[:limit])


def _purpose(material: Material, rules: FacetRules, boost: set[tuple[int, int]]) -> Section:
    """The stated aims, the most strongly stated first; never a third party's stance."""
    facet = rules.purpose
    reactions = {
        (s.sentence.article_id, s.sentence.index)
        for s in event_stances(material, rules)
        if s.strength > SPEECH
    }
    chosen, relevance = purpose_sentences(material, rules, reactions)
    items = _ranked(material, chosen, facet.max_items, boost, relevance, select_by_relevance=True)
    return Section("purpose", facet.heading, tuple(items))


def _summary(material: Material, rules: FacetRules, boost: set[tuple[int, int]]) -> Section:
    """What happened, when no sentence says what for: the leads most outlets agree on."""
    facet = rules.summary
    leads = [s for s in material.prose if s.index == 0]
    items = _ranked(material, leads, facet.max_items, boost)
    return Section("summary", facet.heading, tuple(items))


def _principal_mentions(material: Material, rules: FacetRules, text: str) -> int:
    count = sum(1 for p in material.principals if re.search(rf"\b{re.escape(p.surname)}\b", text))
    return count or (2 if rules.refers_to_principals(text) else 0)


def _context(
    material: Material, rules: FacetRules, boost: set[tuple[int, int]], shown: set[tuple[int, int]]
) -> Section:
    facet = rules.context
    used = {s.text for s in material.prose if (s.article_id, s.index) in shown}
    # Whether a text gives context, once a text: a big event's copies repeat its sentences.
    gives_context = {
        text: facet.matches(text) and not rules.reactions.matches(text)
        for text in dict.fromkeys(s.text for s in material.prose)
        if text not in used
    }
    chosen = [s for s in material.prose if gives_context.get(s.text, False)]

    scored: dict[str, int] = {}  # a text's copies in other articles score alike

    def relevance(text: str) -> int:
        # Ties the happening to what surrounds it: several cues, and the visit itself named.
        if text not in scored:
            cues = len({m.group(1).lower() for m in facet.pattern.finditer(text)})
            scored[text] = (
                cues
                + int(rules.requires_happening(text))
                + _principal_mentions(material, rules, text)
            )
        return scored[text]

    items = _ranked(material, chosen, facet.max_items, boost, relevance, select_by_relevance=True)
    return Section("context", facet.heading, tuple(items))


def _participants(material: Material, rules: FacetRules) -> Section:
    """The principals, then those the texts put at the happening beside them."""
    facet = rules.participants
    taking_part = list(material.principals) + material.cast.with_role(material.people, PARTICIPANT)
    items = [_person_item(person, material) for person in taking_part]
    return Section("participants", facet.heading, tuple(items[: facet.max_items]))


def is_participant(person: Person, material: Material, rules: FacetRules) -> bool:
    return material.cast.role_of(person) in (PRINCIPAL, PARTICIPANT)


def _person_item(person: Person, material: Material) -> Item:
    claims = person.role_claims(material.source, material.path)
    if not claims:
        text = person.name
    elif len(claims) == 1:
        text = f"{person.name}, {claims[0].role}"
    elif len(claims[0].sources) > len(claims[1].sources):
        # One role most outlets give, others from fewer: name the few that say otherwise.
        others = "; ".join(f"{c.role} ({', '.join(c.sources)})" for c in claims[1:])
        text = f"{person.name}, {claims[0].role}; also {others}"
    else:
        # Outlets disagree with equal weight: show every role with who says it.
        text = f"{person.name}: " + "; ".join(f"{c.role} ({', '.join(c.sources)})" for c in claims)
    article_ids = sorted({a for a, _ in person.sentence_refs} | set(person.article_ids))
    sources = tuple(
        dict.fromkeys(material.source(a) for a in article_ids if a in material.articles)
    )
    paths = tuple(material.path(a) for a in article_ids if a in material.articles)
    return Item(text=text, sources=sources, articles=paths)


def _focus(
    material: Material,
    rules: FacetRules,
    focus: set[tuple[int, int]],
    query: str,
    sections: list[Section],
) -> Section:
    shown = {i.text for s in sections for i in s.items}
    chosen = [s for s in material.prose if (s.article_id, s.index) in focus and s.text not in shown]
    items = [i for i in _ranked(material, chosen, 3) if i.text not in shown]
    return Section("focus", f"On {query}", tuple(items))


def _fit(sections: list[Section], budget: int) -> tuple[Section, ...]:
    """Drop the least important items until the briefing is short enough to read."""
    return shrink_to_fit(
        tuple(sections),
        lambda kept: kept,
        lambda kept: sum(len(i.text) for s in kept for i in s.items),
        budget,
        one_item_fewer,
    )


# -- people -----------------------------------------------------------------------------------
def people_cards(
    store: Store, name: str | None, rules: FacetRules | None = None
) -> list[PersonCard]:
    """Cards for the latest event's people, or for the people matching a name."""
    rules = rules or load_rules()
    if not name or not name.strip():
        event, _ = choose_event(store, query=None, event_id=None, on_date=None)
        material = gather(store, event, rules)
        cards = [_card(p, material, rules) for p in material.people]
        return sorted(cards, key=lambda c: (not c.is_participant, -c.mentions))
    return _find_cards(store, name.strip(), rules)


def _find_cards(store: Store, name: str, rules: FacetRules) -> list[PersonCard]:
    wanted = person_key(_without_titles(name))
    if not wanted:
        raise PersonNotFound(_shortened(name), [])
    name_counts.ensure(store)
    matched = name_counts.keys_ending(store, wanted)
    is_exact = bool(matched)
    if not matched:
        with store.lock:  # the index is brought up to date in place (see person_name_index)
            matched, suggestions = _fuzzy_keys(wanted, store.person_name_index())
        if not matched:
            raise PersonNotFound(_shortened(name), suggestions)
    # Every spelling of the people found (see identity): one card a person.
    spellings = store.keys_of_persons(store.persons_of_keys(matched))
    latest, cut = name_counts.latest_articles(store, spellings, MAX_CARD_ARTICLES)
    people = merge_people(store.mentions(latest, keys=spellings))
    if is_exact:
        people = [
            p for p in people if any(_name_matches(wanted, person_key(v)) for v in p.variants)
        ]
    cards = []
    readings: dict[int, Reading] = {}  # what is read of an event, shared by its people's cards
    for person in people:
        articles = store.articles(person.article_ids)
        lookup = {a.id: a for a in articles}
        event_ids = sorted({a.event_id for a in articles if a.event_id is not None})
        card = _card_from(
            person,
            lambda a, lookup=lookup: lookup[a].source_name,
            lambda a, lookup=lookup: lookup[a].path,
            _took_part_in_any(store, person, event_ids, rules, readings),
            tuple(event_ids),
        )
        if cut:
            # Made from the latest articles: the counts are the corpus's, from its counts.
            own = spellings if len(people) == 1 else sorted({m.key for m in person.mentions})
            total = name_counts.totals(store, own)
            card = dataclasses.replace(card, mentions=total.mentions, article_total=total.articles)
        cards.append(card)
    return sorted(cards, key=lambda c: -c.mentions)


MAX_CARD_ARTICLES = 200
"""A card is made from at most this many of the person's articles, the latest stored: a
leader named in tens of thousands of articles would otherwise cost a decoding of each of
their mentions, and a card listing them all. Its roles, outlets, quote, spellings and events
are those of the latest articles; its counts of mentions and articles are the corpus's
(index.name_counts). The shared corpora's people are named in far fewer articles."""


PARTICIPATION_EVENTS_CHECKED = 5
"""A card checks the person's latest few events for taking part: enough, and it stays fast."""


def _took_part_in_any(
    store: Store,
    person: Person,
    event_ids: list[int],
    rules: FacetRules,
    readings: dict[int, Reading],
) -> bool:
    """Whether the person is a principal or a participant of one of their latest events,
    as the events' briefings would cast them (the role of this person alone is worked out).

    Each answer is kept until a write changes the event or a name it gives (with the
    shipped rules; see Store.until_event_changed): the same names
    are asked for again and again, and reading an event to cast one person is most of a
    card's cost."""
    shipped = rules is load_rules()
    for event in store.events(event_ids, limit=PARTICIPATION_EVENTS_CHECKED):

        def cast(event: Event = event) -> tuple[bool, frozenset[str]]:
            reading = readings.get(event.id)
            if reading is None:
                reading = readings[event.id] = read_event(store, event)
            found = takes_part(
                person.key,
                reading.people,
                reading.sentences,
                reading.titles,
                rules,
                event.date,
                event.place,
            )
            return found, reading.names

        spot = (event.id, person.key)
        took_part = (
            store.until_event_changed("took part", spot, TOOK_PART_KEPT, event.id, cast)
            if shipped
            else cast()[0]
        )
        if took_part:
            return True
    return False


TOOK_PART_KEPT = 10_000
"""How many answers of whether a person took part in an event are kept, the latest asked
for (about 200 bytes each)."""


def _without_titles(name: str) -> str:
    """A name asked for without the titles before it: "Mr Berg", "President Berg" → "Berg"."""
    from briefings.extract.entities import HONORIFIC, MODIFIER, NATION, TITLE, class_of, lexicon

    words = name.split()
    word_class = lexicon().word_class
    while len(words) > 1 and class_of(words[0], word_class) & (
        HONORIFIC | TITLE | MODIFIER | NATION
    ):
        words.pop(0)
    return " ".join(words)


def _name_matches(wanted: str, key: str) -> bool:
    if wanted == key:
        return True
    tokens = key.split()
    wanted_tokens = wanted.split()
    if not wanted_tokens:
        return False
    # A surname, or a name's last tokens ("ben shabbat" for "meir ben shabbat").
    return (
        tokens[-len(wanted_tokens) :] == wanted_tokens
        or wanted.replace(" ", "") == "".join(tokens[-len(wanted_tokens) :])
        or wanted.replace(" ", "") == tokens[-1]
    )


def _fuzzy_keys(wanted: str, names: NameIndex) -> tuple[list[str], list[str]]:
    """The folded names close to a name no one is called, else suggestions to show."""
    from rapidfuzz import fuzz, process

    # A single word is a surname misspelt: its close spellings are among the surnames.
    # Several words are compared with whole names.
    single = " " not in wanted
    close = (
        []
        if single
        else process.extract(
            wanted, names.ordered_keys, scorer=fuzz.WRatio, limit=5, score_cutoff=80
        )
    )
    matched = [k for k, score, _ in close if score >= 88]
    if not matched and single:
        # A word of a name that is not its last ("Mohammed" of "Mohammed VI").
        matched = names.by_word.get(wanted, [])[:MAX_FUZZY_PEOPLE]
    if not matched and single and len(wanted) >= 4:
        matched = _misspelt_surname(wanted, names)
    if matched:
        return matched, []
    return [], [names.keys[k] for k, _, _ in close[:3]] or _surname_suggestions(wanted, names)


def _misspelt_surname(wanted: str, names: NameIndex) -> list[str]:
    """The people whose surname is closest to a misspelt one ("shoygu"), if close enough."""
    close = names.closest_surnames(wanted, SURNAME_RATIO, MAX_FUZZY_PEOPLE)
    if not close:
        return []
    best = close[0][1]
    return [k for surname, score in close if score == best for k in names.by_surname[surname]][
        :MAX_FUZZY_PEOPLE
    ]


def _surname_suggestions(wanted: str, names: NameIndex) -> list[str]:
    close = names.closest_surnames(wanted, SUGGESTION_RATIO, 3)
    return [names.keys[names.by_surname[surname][0]] for surname, _ in close]


def _card(person: Person, material: Material, rules: FacetRules) -> PersonCard:
    return _card_from(
        person,
        material.source,
        material.path,
        is_participant(person, material, rules),
        (material.event.id,),
    )


def _card_from(person: Person, source, path, is_part: bool, events: Sequence[int]) -> PersonCard:  # type: ignore[no-untyped-def]
    claims = tuple(person.role_claims(source, path))
    quote = None
    if person.quotes:
        article_id, text = person.quotes[0]
        quote = Item(text=text, sources=(source(article_id),), articles=(path(article_id),))
    return PersonCard(
        name=person.name,
        roles=claims,
        is_participant=is_part,
        articles=tuple(dict.fromkeys(path(a) for a in person.article_ids)),
        mentions=person.mention_count,
        events=tuple(events),
        quote=quote,
        spellings=_spellings(person),
    )


def _spellings(person: Person) -> tuple[str, ...]:
    """The full names the articles give the person besides the card's, most used first
    (a surname alone is no other spelling)."""
    counts = Counter(m.mention.name for m in person.mentions)
    shown = set(person_key(person.name).split())
    # "Tomas Ekdaal" is another spelling of "Tomas Ekdal"; "Ekdal" and
    # "Tomas" are parts of it.
    others = [
        name
        for name in counts
        if len(name.split()) > 1 and not set(person_key(name).split()) <= shown
    ]
    return tuple(sorted(others, key=lambda n: (-counts[n], n)))


__all__ = ["compose_briefing", "people_cards", "choose_event", "RoleClaim", "role_key"]
