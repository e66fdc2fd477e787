"""Topics: what an article is about, from an editable taxonomy plus the places it dwells on.

The taxonomy (``data/topics.toml``) maps topic names to cue words; the corpus adds its own
key phrases: a place an article names again and again (a country, a region) is a topic too,
so ``/brief <place>`` works for places nobody listed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from briefings.lexicon import case_key, lowers_as_case_blind, toml, toml_file, trie_pattern
from briefings.models import Entities

PLACE_TOPIC_MIN_MENTIONS = 2


@dataclass(frozen=True)
class Taxonomy:
    cues: dict[str, tuple[str, ...]]
    min_hits: int
    pattern: re.Pattern[str]
    topic_of_cue: dict[str, str]
    lowered_pattern: re.Pattern[str] | None = None
    """``pattern`` without IGNORECASE, for a text lowered first (twice as fast, as case-blind
    matching tries both cases of every letter): None unless every cue is lowercase ASCII."""

    @classmethod
    def load(cls, path: str | Path | None = None) -> Taxonomy:
        """Load the taxonomy file (the shipped one unless a path is given)."""
        data = toml("topics.toml") if path is None else toml_file(path)
        cues = {
            name.lower(): tuple(c.lower() for c in words) for name, words in data["topics"].items()
        }
        return cls.from_cues(cues, int(data.get("min_hits", 2)))

    @classmethod
    def from_cues(cls, cues: dict[str, tuple[str, ...]], min_hits: int = 2) -> Taxonomy:
        topic_of_cue = {cue: topic for topic, words in cues.items() for cue in words}
        # One pattern for every cue, as a trie so each position costs one step, not one try
        # a cue; longest cues first, so a phrase wins over its first word.
        trie = trie_pattern(topic_of_cue)
        pattern = re.compile(rf"\b({trie})", re.IGNORECASE)
        plain = all(cue.isascii() and cue == cue.lower() for cue in topic_of_cue)
        lowered = re.compile(rf"\b({trie})") if plain else None
        return cls(cues, min_hits, pattern, topic_of_cue, lowered)

    def _cues_in(self, text: str) -> Iterator[tuple[int, str]]:
        """(position, cue in lowercase) of every cue in a text."""
        if self.lowered_pattern is not None and lowers_as_case_blind(text):
            return ((m.start(), m.group(1)) for m in self.lowered_pattern.finditer(text.lower()))
        return ((m.start(), self._cue_of(m.group(1))) for m in self.pattern.finditer(text))

    def _cue_of(self, matched: str) -> str:
        """The cue a case-blind match spelt: itself lowered, but for the few characters that
        match a letter case-blind without lowering to it ("ſ" for "s")."""
        key = case_key(matched)
        if key in self.topic_of_cue:
            return key
        return next(cue for cue in self.topic_of_cue if re.fullmatch(re.escape(cue), matched, re.I))

    def cue_positions(self, text: str) -> list[tuple[int, str]]:
        """(position, topic) of every cue in a text, in one pass."""
        return [(at, self.topic_of_cue[cue]) for at, cue in self._cues_in(text)]

    def topics_for(
        self,
        title: str,
        body: str,
        entities: Entities,
        body_cues: list[tuple[int, str]] | None = None,
    ) -> tuple[str, ...]:
        """Topics of an article, most supported first (``body_cues``: the body's cue
        positions when the caller has them already)."""
        hits: Counter[str] = Counter()
        for _, topic in self.cue_positions(title):
            hits[topic] += 2
        for _, topic in body_cues if body_cues is not None else self.cue_positions(body):
            hits[topic] += 1
        topics = [t for t, n in hits.most_common() if n >= self.min_hits]
        lowered = body.lower()
        for place in entities.places:
            key = place.lower()
            if key not in hits and _times_named(key, lowered) >= PLACE_TOPIC_MIN_MENTIONS:
                topics.append(key)
        return tuple(dict.fromkeys(topics))

    def sentence_topics(
        self, text: str, article_topics: tuple[str, ...], cued: set[str] | None = None
    ) -> tuple[str, ...]:
        """The article's topics a sentence itself speaks of (cue words, or the place named);
        ``cued``: the taxonomy topics of its cues, when the caller found them already."""
        cued = self.topics_of_text(text) if cued is None else cued
        lowered = text.lower()
        return tuple(
            t
            for t in article_topics
            if t in cued or (t not in self.cues and t in lowered and _times_named(t, lowered))
        )

    def topics_of_text(self, text: str) -> set[str]:
        """Taxonomy topics whose cues occur in a short text (a sentence, a query)."""
        return {self.topic_of_cue[cue] for _, cue in self._cues_in(text)}


def _times_named(place: str, lowered_text: str) -> int:
    """How often a place is named as a word of its own: "niger" is not in "nigeria".

    Counted as ``(?<!\\w)place(?!\\w)`` would count them (non-overlapping, left to right),
    but found with str.find: a pattern opening on a lookbehind is tried at every position.
    """
    if not place:  # no place is empty; the pattern's answer all the same
        return len(re.findall(r"(?<!\w)(?!\w)", lowered_text))
    count = 0
    size = len(place)
    at = lowered_text.find(place)
    while at >= 0:
        end = at + size
        if not (at and _is_word_char(lowered_text[at - 1])) and not (
            end < len(lowered_text) and _is_word_char(lowered_text[end])
        ):
            count += 1
            at = lowered_text.find(place, end)
        else:
            at = lowered_text.find(place, at + 1)
    return count


def _is_word_char(char: str) -> bool:
    # What the regular expression \w matches in a str pattern.
    return char.isalnum() or char == "_"
