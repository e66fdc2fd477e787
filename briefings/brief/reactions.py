"""Reactions: parties other than the principals taking a stance on the happening.

Over 400 lines: finding a stance, its party and its object are one reading of one sentence;
apart, each piece would need the others' spans and word tables.

A reaction is found from the structure of a sentence, not from its wording:

- a **stance**: a verb or noun of the language-wide table in ``data/stances.txt``
  ("condemned", "expressed disappointment", "in response"), or a speech verb whose words are
  about the happening ("said the visit could be helpful");
- a **party** in subject position: a country (by name, capital, demonym or short name), an
  organisation, a person of the event, or a group ("opposition lawmakers"); for a
  pronoun, the party the sentence or the one before named;
- not a principal or a participant (their own remarks are not reactions), not a passive
  ("was welcomed by"), not about another time.

Each party gets one item, the best sentence it has: a stance word before plain speech, then
the most outlets, then the earliest. Parties with the most reactions come first.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from briefings.brief.facets import FacetRules
from briefings.brief.names import Names
from briefings.brief.roles import (
    PARTICIPANT,
    PRINCIPAL,
    is_elsewhere,
    is_press,
    speech_pattern,
    stance_noun_pattern,
    stance_pattern,
)
from briefings.brief.similarity import SentenceGroup, group_similar
from briefings.extract.happenings import happening_words
from briefings.index.people_index import Person
from briefings.index.store import StoredSentence
from briefings.lexicon import case_key, lower_words, trie_pattern, words
from briefings.models import Item, Section

if TYPE_CHECKING:
    from briefings.brief.material import Material

    ItemMaker = Callable[[Material, list[SentenceGroup]], list[Item]]

MAX_SUBJECT_WORDS = 14
"""A subject longer than this is not one phrase: the verb belongs to another clause."""
STANCE, NOUN, SPEECH = 3, 2, 1
"""How strongly a sentence states a stance: a stance verb, a stance noun, plain speech."""
LEAD_SENTENCES = 5
MAX_COMMENTS = 2
"""Parties that only comment (speech about the happening, no stance word) shown at most."""

_CLAUSE = re.compile(
    r"[;:(]|,\s+(?=(?:and|but|while|as|after|which|who|saying)\b)|\b(?:that|while|but|after|because|whereas)\b"
)
_PASSIVE = re.compile(r"\b(?:was|were|is|are|been|be|being|has been|had been)\s+(?:\w+ly\s+)?$")
_PRONOUN = re.compile(r"^\s*(?:it|he|she|they|the ministry|the statement|the country)\b", re.I)
_OPENERS = re.compile(
    r"^(?:(?:the|a|an|but|and|meanwhile|however|also|in|on|at|for|their|its|his|her)\s+|"
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|several|some|many|most|all)\s+"
    r"|(?:[a-z]+ly)\s+|(?:late|early|last)\s+\w+\s+)+",
    re.I,
)
_CAPITALISED_PHRASE = re.compile(
    r"(?:[A-Z][\w'’.-]*\s+(?:of\s+(?:the\s+)?)?)*[A-Z][\w'’.-]*"
    r"(?:\s+(?![a-z]+(?:ed|ing|ly)\b)[a-z][\w-]*){0,2}"
)
"""A group named by its capitalised words and up to two nouns: "Arab foreign ministers"."""
_PARENTHESES = re.compile(r"\s*\([^()]{0,40}\)")


@dataclass(frozen=True)
class Stance:
    """One sentence in which a party takes a stance."""

    party: str
    """How the party is named: a country, an organisation, a person."""
    sentence: StoredSentence
    strength: int
    about: str | None = None
    """What the stance is on, in clean words ("the plan to close the border"), if it says."""


def event_stances(material: Material, rules: FacetRules) -> list[Stance]:
    """Every party's stance in the event's sentences (worked out once an event while its
    material is kept: see material.KEPT_EVENTS)."""
    worked_out = material.worked_out
    found: list[Stance] | None = worked_out.get("stances")
    if found is None:
        found = worked_out["stances"] = find_stances(material, rules, set())
        # Whom officials speak for, as finding the stances read it: the titles' parties
        # (reactions_section) add more, which the event's next briefing must not see.
        worked_out["speaks_for_in_stances"] = dict(worked_out.get("speaks_for", {}))
    return found


def find_stances(
    material: Material, rules: FacetRules, shown: set[tuple[int, int]]
) -> list[Stance]:
    """Every sentence of the event in which a party other than its principals reacts."""
    names = material.names
    insiders = [p for p in material.people if material.cast.role_of(p) in (PRINCIPAL, PARTICIPANT)]
    principals = list(material.principals)
    happening = happening_words()
    found: list[Stance] = []
    previous: dict[int, str] = {}
    was_about: dict[int, int] = {}
    parties_at: dict[tuple[str, int, int], str | None] = {}
    tells_of_it: dict[str, bool] = {}
    """Whether a text names the happening or a principal: once a text, for all its copies."""
    readings: dict[tuple[str, bool], list[tuple[int, str | None, str | None]]] = {}
    """The stances each text (about the happening or not) states: once for its copies."""
    for sentence in material.prose:
        text = sentence.text
        if text not in tells_of_it:
            tells_of_it[text] = happening.search(text) is not None or any(
                names.positions(p, text) for p in principals
            )
        about = sentence.index < LEAD_SENTENCES or tells_of_it[text]
        # A sentence right after one about the happening is about it too ("It said…").
        near = was_about.get(sentence.article_id, -9) >= sentence.index - 1
        if about:
            was_about[sentence.article_id] = sentence.index
        if (sentence.article_id, sentence.index) in shown:
            continue
        # A reaction days later calls the happening "last week": only a date written out
        # puts a sentence at another time.
        if not (about or near) or is_elsewhere(
            text, rules, material.event.date, phrases=False, dated=material.dated_elsewhere
        ):
            continue
        reading = readings.get((text, about))
        if reading is None:
            reading = readings[(text, about)] = _stance_readings(
                text, about, material, rules, insiders, parties_at
            )
        by_insider: bool | None = None
        parties: dict[str, tuple[int, str | None]] = {}
        for strength, party, about_it in reading:
            if party == "":
                if by_insider is None:
                    # "He thanked…" after a principal is named: the principal's own words.
                    by_insider = material.referent(sentence) in insiders
                party = None if by_insider else previous.get(sentence.article_id, "")
            if party and strength > parties.get(party, (0, None))[0]:
                parties[party] = (strength, about_it)  # each party once, at its strongest
        for party, (strength, about_it) in parties.items():
            found.append(Stance(party, sentence, strength, about_it))
            previous[sentence.article_id] = party
    return found


def _stance_readings(
    text: str,
    about: bool,
    material: Material,
    rules: FacetRules,
    insiders: list[Person],
    parties_at: dict[tuple[str, int, int], str | None],
) -> list[tuple[int, str | None, str | None]]:
    """(strength, party, what it is on) of each stance a text states, as the text alone
    tells them: the party "" when its subject is a pronoun (the sentences before say whom),
    None when it has none; what it is on only when it says it of this happening."""
    names = material.names
    found = []
    for strength, start, end in _stances_in(
        text, about, material.worked_out.setdefault("stance_words", {})
    ):
        if strength == SPEECH and rules.is_purpose(text):
            continue  # saying what the talks will cover is a preview, not a reaction
        if _PAST_PERFECT.search(text, 0, start):
            continue  # "the ministry had accused…": background before the happening
        spot = (text, start, end)
        if spot not in parties_at:
            parties_at[spot] = _party(text, start, end, material, names, insiders, rules)
        party = parties_at[spot]
        about_it = None
        if party is not None and strength == STANCE and not _LIGHT_VERB.match(text[start:end]):
            about_it = _object_of(text, end)
            if about_it and not _refers_to_happening(about_it, material, names, rules):
                about_it = None  # what it is on is not this happening: the party alone
        found.append((strength, party, about_it))
    return found


# A stance told in the past perfect happened before the story's time: background.
_PAST_PERFECT = re.compile(r"\bhad\s+(?:(?:already|previously|earlier|repeatedly)\s+)?$", re.I)


def _best_first(stances: list[Stance], title_articles: set[int]) -> list[Stance]:
    """A party's sentences, the one that says its reaction best first: the lead of an
    article whose title is that reaction, then the sentence most like the party's others
    (the gist the outlets share), then the strongest stance."""
    words = [set(_CONTENT.findall(s.sentence.text.lower())) for s in stances]

    def centrality(n: int) -> float:
        others = [w for m, w in enumerate(words) if m != n]
        if not others or not words[n]:
            return 0.0
        return sum(len(words[n] & w) / len(words[n] | w) for w in others) / len(others)

    def score(n: int) -> tuple[bool, bool, float]:
        stance = stances[n]
        leads = stance.sentence.article_id in title_articles and stance.sentence.index < 2
        # A sentence that names its party reads on its own ("…," he said does not).
        named = stance.party.split()[-1].lower() in stance.sentence.text.lower() or (
            stance.strength > SPEECH and not _PRONOUN_SPEAKER.search(stance.sentence.text)
        )
        return leads, named, centrality(n) + stance.strength / 10

    order = sorted(range(len(stances)), key=score, reverse=True)
    return [stances[n] for n in order]


_CONTENT = re.compile(r"[a-z][a-z'-]{3,}")
_PRONOUN_SPEAKER = re.compile(r"[,\"”]\s*(?:he|she|it|they)\s+(?:said|added|told|says)\b", re.I)


def _title_parties(material: Material, rules: FacetRules) -> dict[str, set[int]]:
    """Parties the titles show reacting ("X accuses Y of…"): the reactions the news led
    with, and the articles that led with them."""
    names = material.names
    insiders = [p for p in material.people if material.cast.role_of(p) in (PRINCIPAL, PARTICIPANT)]
    counts: dict[str, set[int]] = defaultdict(set)
    for article in material.articles.values():
        title = article.title
        for strength, start, end in _stances_in(title, about=True):
            if strength == SPEECH and not happening_words().search(title):
                continue
            party = _party(title, start, end, material, names, insiders, rules)
            if party:
                counts[party].add(article.id)
                break
    return counts


def _refers_to_happening(phrase: str, material: Material, names: Names, rules: FacetRules) -> bool:
    """Whether a stance's object says what it is on: not a bare "the plan", "the idea"
    (true of the happening, but saying nothing of which), nor a party ("criticised French
    President X", "accused Peru of…") unless a happening word follows ("X's visit")."""
    if _VAGUE.fullmatch(phrase.strip()):
        return False
    return (
        not _names_someone(phrase, material, names, rules)
        or _POSSESSIVE.search(phrase[:_HEAD_REACH]) is not None
        or happening_words().search(phrase) is not None
    )


_POSSESSIVE = re.compile(r"\w['’]s\b")
"""A party's act ("X's threat to close…") is what a stance is on; the party alone is not."""


def _object_of(text: str, end: int) -> str | None:
    """What a stance verb is about, when its object reads cleanly ("the meeting",
    "the minister's vow to close the port", "reports of looting"): a noun phrase of a few
    words, opening with a determiner, a possessive or a name, ending on a noun."""
    after = _unquoted(text)[end:]
    after = re.sub(r"^\s*(?:over|of|to|about|at|on|against|as)\s+", " ", after)
    phrase = _OBJECT_END.split(after, maxsplit=1)[0].strip()
    between = _BETWEEN.match(after)
    if between and re.search(r"\bbetween\s+\S+$", phrase):
        phrase = between.group(0).strip()  # "the talks between X and Y": one object
    words = phrase.split()
    if not 1 < len(words) <= MAX_OBJECT_WORDS:
        return None
    first, last = words[0], words[-1].lower()
    opens = first.lower() in _DETERMINERS or first.lower() not in _stopwords()
    if not opens or last in _stopwords() or first.lower() in _TIME_WORDS:
        return None
    if any(w.lower() in _TIME_WORDS for w in words[:2]):
        return None
    return phrase


MAX_OBJECT_WORDS = 10
_LIGHT_VERB = re.compile(rf"(?:{trie_pattern(words('stances.txt', 'light verbs'))})$", re.I)
"""Verbs whose object is the stance itself ("expressed its approval"), not what it is on."""
_BETWEEN = re.compile(r"\s*[^,;:.]*?\bbetween\s+[\w'’-]+\s+and\s+[\w'’-]+")
_OBJECT_END = re.compile(
    r"[,;:!?()\"“”«»]|\.(?!\w)|\s(?:saying|and|after|as|because|for|with|which|that|while|but|"
    r"amid|despite|over|from|in|on|at|by|since|who|calling|describing)\s"
)
_DETERMINERS = lower_words("grammar.txt", "determiners")
_TIME_WORDS = lower_words("grammar.txt", "time words")


def _stances_in(
    text: str,
    about: bool,
    known: dict[tuple[str, bool], list[tuple[int, int, int]]] | None = None,
) -> list[tuple[int, int, int]]:
    """(strength, start, end) of the stance words of a sentence; speech only when ``about``.

    Words inside a quotation are the speaker's: the stance is the speaker's, found by the
    speech verb outside the quotation. ``known`` keeps what was found of each text (an
    event's articles carry the same sentences).
    """
    if known is None:
        return _find_stance_words(text, about)
    found = known.get((text, about))
    if found is None:
        found = known[(text, about)] = _find_stance_words(text, about)
    return found


def _find_stance_words(text: str, about: bool) -> list[tuple[int, int, int]]:
    quoted = [(m.start(), m.end()) for m in _QUOTATION.finditer(text)]
    found = [(STANCE, m.start(), m.end()) for m in stance_pattern().finditer(text)]
    found += [(NOUN, m.start(), m.end()) for m in stance_noun_pattern().finditer(text)]
    if about or quoted:
        found += [(SPEECH, m.start(), m.end()) for m in speech_pattern().finditer(text)]
    return sorted(
        (f for f in found if not any(a < f[1] < b for a, b in quoted)), key=lambda f: f[1]
    )


_QUOTATION = re.compile(r'"[^"]{3,}"|“[^”]{3,}”|«[^»]{3,}»|‘[^’]{12,}’')


def _party(
    text: str,
    start: int,
    end: int,
    material: Material,
    names: Names,
    insiders: Sequence[Person],
    rules: FacetRules,
) -> str | None:
    """Who takes the stance at ``start``: "" for a pronoun that names no one in the
    sentence (the last party named), None for nobody (a passive, a negation, a principal's
    own words, no subject to be found)."""
    plain = _unquoted(text)
    before = plain[:start]
    if "(" in before:  # most texts have none, and the pattern is tried at every space
        before = _PARENTHESES.sub(lambda m: " " * len(m.group()), before)
    before = _RELATIVE.sub(" ", before)
    inside = _OPEN_RELATIVE.match(before)
    if inside:  # "China, which claims … and opposes": the relative's antecedent takes it
        before = inside.group(1) + " "
    if _PASSIVE.search(before) or _NEGATION.search(before):
        return None  # "was welcomed by": a ceremony; "has not condemned": no stance
    if _is_noun_stance(text[start:end]) and not _holds_stance(plain, start, end):
        return None  # "to heed Chile's concerns": a stance named, no one taking it here
    held_by = _HELD_BY.match(plain, end)
    if held_by and _is_noun_stance(text[start:end]):
        # "criticism from the allies", "a backlash from opposition lawmakers"
        return _name_party(held_by.group(1), material, names, insiders, rules)
    if held_by and plain[end:].lstrip().startswith("by "):
        return None  # "a militia backed by foreign money": a passive, no stance taken
    if _CAUSED.search(before):
        return None  # "the visit prompted fury": whose fury, the sentence does not say
    clause = _CLAUSE.split(before)[-1]
    subject = clause.strip(" ,\"“”'‘’-–—")
    if not subject:
        # "…," criticised Maltese MEP X: the party follows a quotation and its verb.
        if not before.strip(" ,\"“”'‘’-–—"):
            return _name_party(
                plain[end : end + 80].split(",")[0], material, names, insiders, rules
            )
        return None
    if (_PRONOUN.match(subject) and len(subject.split()) <= 3) or _TRAILING_PRONOUN.search(subject):
        # "he urged": the person the sentence named before, else the last party.
        earlier = _name_party(before[: len(before) - len(clause)], material, names, insiders, rules)
        return "" if earlier is None and not _names_insider(before, names, insiders) else earlier
    parts = [p for p in re.split(r",\s+", subject) if p.strip()]
    head = _OPENERS.sub("", parts[0].strip())
    if len(parts) > 1 and (
        _FRONTED.match(parts[0]) or not _names_someone(head, material, names, rules)
    ):
        # A fronted phrase ("Earlier in Ghana as well,") is not the subject: what follows is.
        subject = parts[-1]
    elif len(parts) > 1:
        subject = parts[0]  # "X, an activist based in Y, on Tuesday": X
    if len(subject.split()) > MAX_SUBJECT_WORDS:
        return None
    return _name_party(subject, material, names, insiders, rules)


def _unquoted(text: str) -> str:
    """The sentence with its quotations blanked out: what a speaker said is not a subject.

    A quotation the sentence splitter cut (a closing mark with no opening one, or the
    reverse) runs to the sentence's start or end.
    """
    plain = _QUOTATION.sub(lambda m: " " * len(m.group()), text)
    straight = plain.find('"')
    if plain.count('"') % 2 and (straight == 0 or plain[straight - 1] in ".,!?…"):
        plain = " " * (straight + 1) + plain[straight + 1 :]  # it closes a quotation
    first_open = min((i for i in (plain.find("“"), plain.find('"')) if i >= 0), default=-1)
    close = plain.rfind("”")
    if close >= 0 and (first_open < 0 or first_open > close):
        plain = " " * (close + 1) + plain[close + 1 :]
    opening = plain.rfind("“")
    if opening >= 0 and plain.find("”", opening) < 0:
        plain = plain[:opening] + " " * (len(plain) - opening)
    return plain


def _names_someone(phrase: str, material: Material, names: Names, rules: FacetRules) -> bool:
    """Whether a phrase opens with a country, a capital or a person of the event."""
    head = phrase[:_HEAD_REACH]
    resolver = rules.party_resolver
    return bool(
        resolver.pattern.search(head)
        or resolver.alias_pattern.search(head)
        or any(names.positions(p, head) for p in names.named_among(material.people, head))
    )


_HEAD_REACH = 60
_FRONTED = re.compile(
    r"^\s*(?:earlier|later|meanwhile|however|also|in|on|at|after|before|during|following|"
    r"since|as|while|when|despite|amid|with|for|by|from|under|ahead|[a-z]+ing)\b",
    re.I,
)
_RELATIVE = re.compile(r",\s+(?:who|which|whose)\b[^,]*,")
_OPEN_RELATIVE = re.compile(r"^(.*?),\s+(?:who|which)\b[^,]*$")


_CAUSED = re.compile(
    rf"\b(?:{trie_pattern(words('stances.txt', 'causes'))})\s+(?:\w+\s+){{0,2}}$", re.I
)
_TRAILING_PRONOUN = re.compile(r"(?:^|\s)(?:he|she|they)$")
"""'"…," he added': the speaker is the pronoun just before the verb."""
_NEGATION = re.compile(r"\b(?:not|never|yet to|no longer|nor)\s+(?:\w+\s+)?$", re.I)
_HELD_BY = re.compile(r"\s+(?:from|by)\s+((?:the\s+)?[^,;.]{2,60})")


def _holds_stance(plain: str, start: int, end: int) -> bool:
    """Whether a stance noun is held by the sentence's subject or a party after "from":
    "expressed disappointment", "was disappointed", "a backlash from", "in response"."""
    word = plain[start:end].lower()
    if word.startswith(("in ", "reaction from")) or _HELD_BY.match(plain, end):
        return True
    return bool(_HOLDING.search(plain[max(0, start - 40) : start]))


_HOLDING = re.compile(
    r"\b(?:expressed|expresses|voiced|voices|raised|raises|conveyed|reiterated|lodged|"
    r"registered|shared|is|was|were|are|remains|remained|seemed|left\s+\w+|leave\s+\w+)"
    r"(?:\s+(?:its|his|her|their|a|an|the|deep|strong|serious|grave|great|some|"
    r"growing|particular|\w+ly))*\s*$",
    re.I,
)


def _principal_lands(material: Material, rules: FacetRules) -> set[str | None]:
    """The principals' countries, once a briefing: every subject phrase asks."""
    if "principal_lands" not in material.worked_out:
        by_word = rules.party_resolver.by_word
        material.worked_out["principal_lands"] = {
            by_word.get(case_key(m.mention.nationality))
            for p in material.principals
            for m in p.mentions
            if m.mention.nationality
        }
    lands: set[str | None] = material.worked_out["principal_lands"]
    return lands


def _official_for(party: str, material: Material, rules: FacetRules) -> str | None:
    """The country a person speaks for, from the roles the articles give them: an official
    of it ("Chilean Foreign Ministry spokeswoman", "Palace Office adviser"), not someone who
    speaks for themselves ("former US president")."""
    resolver = rules.party_resolver
    person = next((p for p in material.people if p.name == party), None)
    if person is None:
        return None
    for mention in person.mentions:
        for role in mention.mention.roles:
            if not _OFFICIAL.search(role.lower()) or _OWN_VOICE.search(role):
                continue
            if found := resolver.pattern.search(role):
                return resolver.by_word[case_key(found.group(1))]
            if found := resolver.alias_pattern.search(role):
                return resolver.by_alias[found.group(1)]
    return None


def _is_noun_stance(word: str) -> bool:
    return stance_noun_pattern().fullmatch(word) is not None


def _names_insider(phrase: str, names: Names, insiders: Sequence[Person]) -> bool:
    return any(names.positions(p, phrase) for p in insiders)


def _name_party(
    phrase: str,
    material: Material,
    names: Names,
    insiders: Sequence[Person],
    rules: FacetRules,
) -> str | None:
    """The party a subject phrase names: its head country, person or organisation.

    A country right before a person is that person's ("Japan's Prime Minister X",
    "US spokesman Y"): the person decides whether it is an insider's remark.
    """
    resolver = rules.party_resolver
    countries: list[tuple[int, int, str]] = []
    for match in resolver.pattern.finditer(phrase):
        countries.append((match.start(), match.end(), resolver.by_word[case_key(match.group(1))]))
    for match in resolver.alias_pattern.finditer(phrase):
        countries.append((match.start(), match.end(), resolver.by_alias[match.group(1)]))
    people: list[tuple[int, Person]] = []
    for person in names.named_among(material.people, phrase):
        spots = names.positions(person, phrase)
        if spots:
            people.append((spots[0], person))
    candidates: list[tuple[int, str | None]] = []
    principal_lands = _principal_lands(material, rules)
    for start, end, country in countries:
        if _DESCRIBED.match(phrase, end) and country in principal_lands:
            # "the Chilean leader", "Ghana's head of state": a principal described
            candidates.append((start, None))
            continue
        owner = next((p for at, p in people if 0 <= at - end <= _ROLE_REACH), None)
        if owner is not None and not re.search(
            r"[,;]", phrase[end : names.positions(owner, phrase)[0]]
        ):
            # The country is the person's role: an official speaks for it ("Ghanaian Prime
            # Minister X" is Ghana), anyone else for themselves ("Former US president Y").
            role = phrase[end : names.positions(owner, phrase)[0]].lower()
            official = _OFFICIAL.search(role) and not _OWN_VOICE.search(phrase[:start] + role)
            label = country if official else owner.name
            if official:
                # The same official named alone elsewhere ("Tolle said") speaks for it too.
                material.worked_out.setdefault("speaks_for", {})[owner.name] = country
            candidates.append((start, None if owner in insiders else label))
        else:
            candidates.append((start, country))
    press: dict[str, bool] = material.worked_out.setdefault("is_press", {})
    for at, person in people:
        if person.key not in press:
            press[person.key] = is_press(person)  # once an event: a person has many mentions
        if press[person.key]:
            candidates.append((at, None))  # the press reports reactions, it does not react
        else:
            candidates.append((at, None if person in insiders else person.name))
    if candidates:
        return min(candidates, key=lambda c: c[0])[1]
    phrase = _OPENERS.sub("", phrase.strip())
    found = _CAPITALISED_PHRASE.search(phrase)
    if not found:
        return None
    words = found.group(0).strip(" .,").split()
    while len(words) > 1 and words[-1].islower() and words[-1] in _stopwords():
        words.pop()  # "Palace Office has": the party is "Palace Office"
    party = " ".join(words)
    words = party.lower().split()
    if not party[:1].isupper() or all(w in _stopwords() or w in _NOT_PARTIES for w in words):
        return None
    return party


_ROLE_REACH = 60
"""How far a country word may stand before a person's name in their role."""
_VAGUE = re.compile(
    rf"(?:the|a|an|this|that)\s+(?:{trie_pattern(words('stances.txt', 'vague objects'))})", re.I
)
_DESCRIBED = re.compile(rf"\s+(?:\w+\s+)?(?:{trie_pattern(words('roles.txt', 'leaders'))})\b", re.I)
_OFFICIAL = re.compile(rf"\b(?:{trie_pattern(words('roles.txt', 'officials'))})\b")
"""Matched in a role lower-cased."""
_OWN_VOICE = re.compile(rf"\b(?:{trie_pattern(words('roles.txt', 'own voice'))})", re.I)


def _stopwords() -> frozenset[str]:
    return lower_words("stopwords.txt")


_NOT_PARTIES = lower_words("grammar.txt", "pronouns")


def reactions_section(
    material: Material,
    rules: FacetRules,
    shown: set[tuple[int, int]],
    to_items: ItemMaker,
) -> Section:
    """One item per reacting party, the parties with most reactions first."""
    facet = rules.reactions
    key = {(s.article_id, s.index) for s in material.prose}
    stances = [
        s
        for s in event_stances(material, rules)
        if (s.sentence.article_id, s.sentence.index) in key - shown
    ]
    speaks_for: dict[str, str] = material.worked_out["speaks_for_in_stances"]
    by_party: dict[str, list[Stance]] = defaultdict(list)
    for stance in stances:
        party = speaks_for.get(stance.party) or _official_for(stance.party, material, rules)
        by_party[party or stance.party].append(stance)
    if not by_party:
        return Section("reactions", facet.heading, ())

    in_titles = _title_parties(material, rules)

    def weight(party: str) -> tuple[int, int, int, int]:
        found = by_party[party]
        articles = {s.sentence.article_id for s in found}
        return (
            -len(in_titles.get(party, ())),
            -max(s.strength for s in found),
            -len(articles),
            -sum(s.strength for s in found),
        )

    items: list[Item] = []
    headings: list[str] = []
    used: set[str] = set()
    speech_only = 0
    for party in sorted(by_party, key=weight):
        if max(s.strength for s in by_party[party]) == SPEECH:
            # Plain comment, no stance word: a few, after the stances.
            speech_only += 1
            if speech_only > MAX_COMMENTS:
                continue
        found = _best_first(by_party[party], in_titles.get(party, set()))
        # The best sentence with its near copies in other outlets: one item citing them all.
        groups = group_similar([s.sentence for s in found])
        chosen = next(g for g in groups if found[0].sentence in g.sentences)
        item = to_items(material, [chosen])[0]
        if item.text in used:
            continue
        used.add(item.text)
        items.append(item)
        if not headings:
            # The main reaction's heading says what it is on, when its words say so cleanly.
            on = found[0].about
            headings.append(f"{party} on {on}" if on else party)
        else:
            headings.append(party)
        if len(items) >= facet.max_items:
            break
    heading = f"{facet.heading}: " + "; ".join(headings[:3]) + ("…" if len(headings) > 3 else "")
    return Section("reactions", heading, tuple(items))
