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

from briefings.facets import FacetRules
from briefings.roles import Names, happening_pattern, is_elsewhere, is_subject_of, speech_pattern
from briefings.store import StoredSentence

if TYPE_CHECKING:
    from briefings.compose import Material

AGENDA, AIM, OWN_WORDS = 3, 2, 1
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
    names = Names(material.people)
    principals = list(material.principals)
    happening = happening_pattern()
    speech = speech_pattern()
    excluded = set(reactions)
    about_it = _reporting_articles(material, names, happening)
    strength: dict[str, int] = {}
    chosen: list[StoredSentence] = []
    for sentence in material.prose:
        text = sentence.text
        if (sentence.article_id, sentence.index) in excluded:
            continue
        if rules.purpose_excludes.search(text) or is_elsewhere(text, rules, material.event.date):
            continue
        named = sum(1 for p in principals if names.positions(p, text))
        has_happening = happening.search(text) is not None
        kind = 0
        if rules.purpose.matches(text) and (has_happening or named):
            kind = AGENDA
        elif has_happening and _AIM_AFTER_HAPPENING(text):
            kind = AIM
        elif (
            named
            and _principal_speaks(text, principals, names, speech)
            and (has_happening or (_FIRST_PERSON.search(text) and _AIM_WORDS.search(text)))
        ):
            kind = OWN_WORDS
        if not kind:
            continue
        speaks = named > 0 and _principal_speaks(text, principals, names, speech)
        # The principals' own statement of their aims outranks what others say of them.
        score = 3 * kind + min(named, 2) + 2 * speaks + (sentence.index < LEAD_SENTENCES)
        score += 2 * (sentence.article_id in about_it)
        score -= 2 * rules.context.matches(text)
        strength[text] = max(strength.get(text, 0), score)
        chosen.append(sentence)
    return chosen, lambda text: strength.get(text, 0)


def _AIM_AFTER_HAPPENING(text: str) -> bool:
    """A happening word with an infinitive of purpose after it: "lands … to strengthen ties"."""
    for found in happening_pattern().finditer(text):
        after = text[found.end() : found.end() + _AIM_REACH]
        aim = _INFINITIVE.search(after)
        if aim and not happening_pattern().match(aim.group(1)):
            return True
    return False


_AIM_REACH = 70
_INFINITIVE = re.compile(
    r"\b(?:in order |so as |meant |aimed |designed )?to\s+(?!the\b|a\b|an\b|his\b|her\b|their\b)"
    r"([a-z]{3,})\b"
)


def _principal_speaks(text: str, principals: list, names: Names, speech: re.Pattern[str]) -> bool:  # type: ignore[type-arg]
    return any(
        is_subject_of(text, at, speech) for p in principals for at in names.positions(p, text)
    )


def _reporting_articles(material: Material, names: Names, happening: re.Pattern[str]) -> set[int]:
    """Articles that report the happening itself: their title names a principal with a
    happening word, or names two principals."""
    found = set()
    for article in material.articles.values():
        title = article.title
        named = sum(1 for p in material.principals if names.positions(p, title))
        if named >= 2 or (named and happening.search(title)):
            found.add(article.id)
    return found
