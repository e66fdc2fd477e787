"""Where each person of an event is named in a text: by the words only they are called.

Shared by roles, purposes, stances and pronouns (see material.Material.names): it keeps
each text it has folded, so an event's sentences are folded once a briefing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from briefings.extract.entities import fold
from briefings.index.people_index import Person

_TOKEN = re.compile(r"\w+")


class Names:
    """Where each person of an event is named in a text, by the words only they are called."""

    def __init__(self, people: Sequence[Person]) -> None:
        owners: dict[str, set[str]] = defaultdict(set)
        for person in people:
            for variant in person.variants | {person.name}:
                for word in variant.split():
                    folded = fold(word.strip(".,'’\"()"))
                    if len(folded) > 1 and word[:1].isupper():
                        owners[folded].add(person.key)
        # A word two people share names the one the articles name most, if it is a name
        # that one goes by ("Park", "Li"): a shared first name ("Anna") names no one.
        weight = {p.key: p.mention_count for p in people}
        alone = {
            p.key: {fold(v.split()[-1]) for v in p.variants} | {fold(v) for v in p.variants}
            for p in people
        }
        self.words: dict[str, set[str]] = defaultdict(set)
        for word, keys in owners.items():
            if len(keys) > 1:
                keys = {k for k in keys if word in alone[k]}
            if keys:
                self.words[max(keys, key=lambda k: (weight[k], k))].add(word)
        self._pattern: dict[str, re.Pattern[str] | None] = {}
        self._folded: dict[str, str] = {}
        self._tokens: dict[str, frozenset[str]] = {}
        self._plain: dict[str, bool] = {
            key: all(_TOKEN.fullmatch(w) for w in words) for key, words in self.words.items()
        }
        """Whether all of a person's words are plain letters (whole tokens of a text)."""
        self._owner = {
            word: key for key, words in self.words.items() if self._plain[key] for word in words
        }
        """Each word of a person whose words are all plain → that person (a word names one)."""
        self._not_plain = frozenset(key for key, plain in self._plain.items() if not plain)
        self._named: dict[str, frozenset[str]] = {}
        self._found: dict[tuple[str, str], list[int]] = {}

    def named(self, text: str) -> frozenset[str]:
        """The keys of the people who may be named in a text: every one positions() finds
        there is among them. A briefing asks of each of its texts for each person, and most
        people are not named in most texts: the text's words say at once who may be."""
        found = self._named.get(text)
        if found is None:
            tokens = self._text_tokens(text)
            owner = self._owner
            found = self._named[text] = self._not_plain.union(
                owner[w] for w in tokens if w in owner
            )
        return found

    def named_among(self, people: Iterable[Person], text: str) -> list[Person]:
        """Those of the people who may be named in a text (``named``), in their order: a
        briefing asks of each sentence for each of an event's people (hundreds, when its
        articles name many), and one set answers for all of them."""
        found = self.named(text)
        return [p for p in people if p.key in found]

    def _text_tokens(self, text: str) -> frozenset[str]:
        tokens = self._tokens.get(text)
        if tokens is None:
            folded = self._folded[text] = fold(text)
            tokens = self._tokens[text] = frozenset(_TOKEN.findall(folded))
        return tokens

    def positions(self, person: Person, text: str) -> list[int]:
        """Where a person is named in a text (kept: roles, purposes, stances and pronouns
        ask it of the same person and text)."""
        spot = (person.key, text)
        found = self._found.get(spot)
        if found is None:
            if person.key not in self.named(text):
                return []
            found = self._found[spot] = self._positions(person, text)
        return found

    def _positions(self, person: Person, text: str) -> list[int]:
        if person.key in self._pattern:
            pattern = self._pattern[person.key]
        else:
            words = self.words.get(person.key)
            pattern = (
                re.compile(
                    r"(?<!\w)(?:" + "|".join(re.escape(w) for w in sorted(words)) + r")(?!\w)"
                )
                if words
                else None
            )
            self._pattern[person.key] = pattern
        if pattern is None:
            return []
        # Most people are not named in most sentences: a word of letters alone is named only
        # as a whole token of the text, which a set answers without running the pattern.
        if self._plain[person.key] and self._text_tokens(text).isdisjoint(self.words[person.key]):
            return []
        return [m.start() for m in pattern.finditer(self._folded[text])]
