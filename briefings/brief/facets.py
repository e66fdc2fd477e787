"""The rules that decide which sentences answer which facet of a briefing.

They are loaded from ``data/facets.toml`` (cue words per facet) and ``data/world.tsv``
(who a capital or a demonym stands for), so an editor can change them without code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from briefings.lexicon import (
    Country,
    TextPattern,
    WordPattern,
    case_key,
    countries,
    toml,
    trie_pattern,
)


def _cue_pattern(cues: list[str]) -> TextPattern:
    """Any cue at a word's start, in any case. A briefing reads every sentence of its
    articles for cues of several facets, and the cues are lowercase words: matched in the
    text's lowercase (see WordPattern), the facets' cues took 4.1 µs a sentence against 8.4."""
    lowered = {c.lower() for c in cues}
    return WordPattern(r"(?<![\w-])(" + trie_pattern(lowered) + ")", lowered)


@dataclass(frozen=True)
class Facet:
    heading: str
    max_items: int
    pattern: TextPattern

    def matches(self, text: str) -> bool:
        return self.pattern.search(text) is not None

    def first_match(self, text: str) -> tuple[str, str, str] | None:
        """(text before, the cue, text after) around the first cue."""
        found = self.pattern.search(text)
        if not found:
            return None
        # The match may be of the text's lowercase: the cue is read from the text.
        return text[: found.start()], text[found.start(1) : found.end(1)], text[found.end() :]


class PartyResolver:
    """Names the party behind a reaction: a country (by name, capital or demonym) or a person."""

    def __init__(self, world: Sequence[Country]) -> None:
        self.by_word: dict[str, str] = {}
        for country in world:
            for word in (country.name, country.capital, country.demonym):
                if word:
                    self.by_word[case_key(word)] = country.name  # as matches are looked up
        # Written as tries (the longest word first, as a longest-first alternation): every
        # subject phrase of a big event is searched, and a flat alternation of hundreds of
        # words is tried word by word at each position.
        alternation = trie_pattern(self.by_word)
        self.pattern = re.compile(rf"\b({alternation})(?:s|['’]s)?\b", re.IGNORECASE)
        self.by_alias = {a: c.name for c in world for a in c.aliases}
        # No aliases: trie_pattern's "(?!)" matches nothing.
        self.alias_pattern = re.compile(rf"(?<![\w.])({trie_pattern(self.by_alias)})(?![\w])")


@dataclass(frozen=True)
class FacetRules:
    purpose: Facet
    summary: Facet
    participants: Facet
    reactions: Facet
    context: Facet
    purpose_requires: TextPattern
    purpose_excludes: TextPattern
    elsewhere: TextPattern
    principal_references: TextPattern
    party_resolver: PartyResolver

    def requires_happening(self, text: str) -> bool:
        """True when a sentence names the happening itself (a meeting, talks, a visit)."""
        return self.purpose_requires.search(text) is not None

    def is_purpose(self, text: str) -> bool:
        """A sentence that says why the happening happens, and not what it is not about."""
        return (
            self.purpose.matches(text)
            and self.purpose_requires.search(text) is not None
            and self.purpose_excludes.search(text) is None
        )

    def refers_to_principals(self, text: str) -> bool:
        """True when a sentence names the principals together ("the two leaders")."""
        return self.principal_references.search(text) is not None

    def is_elsewhere(self, text: str) -> bool:
        """True when a sentence is about another time than the happening."""
        return self.elsewhere.search(text) is not None


@lru_cache(maxsize=4)
def load_rules() -> FacetRules:
    """Load the shipped facet rules."""
    data = toml("facets.toml")

    def facet(name: str, cue_key: str = "cues") -> Facet:
        section = data[name]
        return Facet(section["heading"], int(section["max_items"]), _cue_pattern(section[cue_key]))

    return FacetRules(
        purpose=facet("purpose"),
        summary=Facet(
            data["summary"]["heading"], int(data["summary"]["max_items"]), re.compile("")
        ),
        participants=facet("participants"),
        reactions=facet("reactions", "verbs"),
        context=facet("context"),
        purpose_requires=_cue_pattern(data["purpose"]["requires"]),
        purpose_excludes=_cue_pattern(data["purpose"]["exclude"]),
        elsewhere=_cue_pattern(data["participants"]["elsewhere"]),
        principal_references=_cue_pattern(data["participants"]["principal_references"]),
        party_resolver=PartyResolver(countries()),
    )
