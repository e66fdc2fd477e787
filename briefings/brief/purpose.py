"""Purpose: what the happening is for, as the reports state it.

Three kinds of sentence state a purpose, strongest first:

- **an agenda**: a happening word or a principal with an agenda cue of ``data/facets.toml``
  ("to discuss", "on the agenda", "aimed at", "where X must be discussed");
- **an aim**: a happening word followed by an infinitive of purpose ("lands in the capital
  to strengthen trade ties", "a visit meant to…");
- **the principals' own words** about it: a principal speaks, of the visit or in the first
  person ("we will not abandon our commitment").

Not a purpose: a third party's stance on it (a reaction), another time's happening, what the
happening is not about. Sentences of articles that report the happening itself come before
those of articles about something it set off.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from briefings.brief.facets import FacetRules
from briefings.brief.names import Names
from briefings.brief.roles import (
    PARTICIPANT,
    PRINCIPAL,
    is_elsewhere,
    is_subject_of,
    speech_pattern,
)
from briefings.extract.happenings import happening_words
from briefings.index.people_index import Person
from briefings.index.store import StoredSentence
from briefings.lexicon import TextPattern, lower_words

if TYPE_CHECKING:
    from briefings.brief.material import Material

AGENDA, AIM, OWN_WORDS = 3, 2, 1
_QUOTED_OPENING = re.compile(r"^\s*[\"“‘]")
LEAD_SENTENCES = 3

_FIRST_PERSON = re.compile(r"\b(?:we|our|us|i|my)\b", re.I)
_AIM_WORDS = re.compile(
    r"\b(?:want|wants|hope|hopes|will|would|must|commitment|support|intend|intends|goal|aim)\b",
    re.I,
)


def purpose_sentences(
    material: Material,
    rules: FacetRules,
    reactions: Iterable[tuple[int, int]],
) -> tuple[list[StoredSentence], Callable[[str], int]]:
    """The sentences that state the purpose, and how strongly each text does (for ranking)."""
    excluded = set(reactions)
    about_it = _reporting_articles(material, material.names, happening_words())
    strength: dict[str, int] = {}
    chosen: list[StoredSentence] = []
    # A sentence's copies in other articles, in the same place and told of the same person,
    # are decided alike: once.
    decided: dict[tuple[str, str | None, bool, bool], int] = {}
    insiders = {
        p.key for p in material.people if material.cast.role_of(p) in (PRINCIPAL, PARTICIPANT)
    }
    for sentence in material.prose:
        if (sentence.article_id, sentence.index) in excluded:
            continue
        text = sentence.text
        referent = material.referent(sentence)
        lead = sentence.index < LEAD_SENTENCES
        reports_it = sentence.article_id in about_it
        key = (text, referent.key if referent else None, lead, reports_it)
        score = decided.get(key)
        if score is None:
            score = decided[key] = _score(
                text, referent, lead, reports_it, material, rules, insiders
            )
        if score:
            strength[text] = max(strength.get(text, 0), score)
            chosen.append(sentence)
    return chosen, lambda text: strength.get(text, 0)


def _score(
    text: str,
    referent: Person | None,
    lead: bool,
    reports_it: bool,
    material: Material,
    rules: FacetRules,
    insiders: set[str],
) -> int:
    """How strongly a sentence states the purpose (0: it does not), told of ``referent`` when
    it opens with a pronoun, among the first sentences (``lead``) of an article reporting the
    happening itself (``reports_it``) or not."""
    names = material.names
    principals = list(material.principals)
    speech = speech_pattern()
    if referent is not None and referent.key not in insiders:
        return 0  # what another says of the talks is a reaction, not their aim
    # Whether the text alone rules it out: once a text, whoever its pronoun stands for.
    ruled_out: dict[str, bool] = material.worked_out.setdefault("purpose_ruled_out", {})
    if text not in ruled_out:
        ruled_out[text] = _ruled_out(text, material, rules, insiders)
    if ruled_out[text]:
        return 0
    named = sum(1 for p in principals if names.positions(p, text) or p is referent)
    has_happening = happening_words().search(text) is not None
    kind = 0
    if rules.purpose.matches(text) and (has_happening or named):
        kind = AGENDA
    elif has_happening and named and _aim_of_happening(text):
        kind = AIM
    elif (
        named
        and _principal_speaks(text, principals, names, speech)
        and (has_happening or (_FIRST_PERSON.search(text) and _AIM_WORDS.search(text)))
    ):
        kind = OWN_WORDS
    if not kind:
        return 0
    speaks = named > 0 and (
        _principal_speaks(text, principals, names, speech)
        or (referent in principals and is_subject_of(text, 0, speech))
    )
    # The principals' own statement of their aims outranks what others say of them, and
    # an aim of the meeting itself ("the talks are meant to…", "the focus of the
    # discussions") outranks a principal's private motives ("hoping to burnish his image").
    score = 3 * kind + min(named, 2) + 2 * speaks + lead
    score += 3 * (kind == AGENDA and _aim_of_the_meeting(text, rules))
    score += 2 * reports_it
    score -= 2 * rules.context.matches(text)
    return score


def _ruled_out(text: str, material: Material, rules: FacetRules, insiders: set[str]) -> bool:
    """Whether a text states no purpose, whoever it is told of: what it is not about,
    another time, quoted words whose speaker is unseen, a third party speaking."""
    # A purpose may recall the past in what it aims at ("a return to a ceasefire agreed
    # last year"): another time before its cue, or another day, is another happening.
    cue = rules.purpose.pattern.search(text)
    if (
        rules.purpose_excludes.search(text)
        or is_elsewhere(
            text, rules, material.event.date, phrases=False, dated=material.dated_elsewhere
        )
        or rules.is_elsewhere(text[: cue.start()] if cue else text)
    ):
        return True
    names = material.names
    if _QUOTED_OPENING.match(text) and not any(
        names.positions(p, text) for p in material.principals
    ):
        return True  # someone's quoted words, the speaker unseen: not the stated aims
    # What another says of the talks is a reaction, not their aim.
    return _third_party_speaks(text, None, material, speech_pattern(), insiders)


_TIE_REACH = 50
_MOTIVE = re.compile(r"(?:hop\w*|looking|seek\w*|sought|in a bid|wants?|intends?)\b", re.I)
_DISCUSSION = re.compile(r"\b(?:discuss\w*|agenda|topics?|focus)\b", re.I)


def _aim_of_the_meeting(text: str, rules: FacetRules) -> bool:
    """Whether the purpose cue is the meeting's: a happening word just before it ("the trip
    was designed to"), or a cue of discussion ("will discuss", "on the agenda")."""
    ends = [m.end() for m in happening_words().finditer(text)]
    for cue in rules.purpose.pattern.finditer(text):
        if _MOTIVE.match(cue.group(0)):
            continue  # a person's hopes, not the meeting's aims
        if _DISCUSSION.search(cue.group(0)) or any(
            0 <= cue.start() - end <= _TIE_REACH for end in ends
        ):
            return True
    return False


def _aim_of_happening(text: str) -> bool:
    """An infinitive of purpose in a sentence about the happening: "lands … to strengthen
    ties", "went out of his way to woo the host on his state visit"; not "to visit", "to be"."""
    happening = happening_words()
    return any(
        not happening.match(aim.group(1)) and aim.group(1) not in _NOT_AIMS
        for aim in _INFINITIVE.finditer(text)
    )


_NOT_AIMS = lower_words("grammar.txt", "not aims")


_INFINITIVE = re.compile(
    r"\b(?:in order |so as |meant |aimed |designed )?to\s+(?!the\b|a\b|an\b|his\b|her\b|their\b)"
    r"([a-z]{2,})\b"
)


def _principal_speaks(text: str, principals: list, names: Names, speech: TextPattern) -> bool:  # type: ignore[type-arg]
    return any(
        is_subject_of(text, at, speech) for p in principals for at in names.positions(p, text)
    )


def _third_party_speaks(
    text: str, referent: object, material: Material, speech: TextPattern, insiders: set[str]
) -> bool:
    """Whether the speaker of a sentence is someone outside the happening (the principals and
    participants are the ``insiders``)."""
    if referent is not None and getattr(referent, "key", None) not in insiders:
        return True
    names = material.names
    return any(
        is_subject_of(text, at, speech)
        for p in names.named_among(material.people, text)
        if p.key not in insiders
        for at in names.positions(p, text)
    )


def _reporting_articles(material: Material, names: Names, happening: TextPattern) -> set[int]:
    """Articles that report the happening itself: their title names a principal with a
    happening word, or names two principals."""
    found = set()
    for article in material.articles.values():
        title = article.title
        named = sum(1 for p in material.principals if names.positions(p, title))
        if named >= 2 or (named and happening.search(title)):
            found.add(article.id)
    return found
