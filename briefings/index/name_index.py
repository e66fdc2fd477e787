"""The corpus's names, indexed for `who`: by surname, by their other words, and by the letter
pairs of each surname, so that a misspelt surname is looked for among the few surnames that
could be close to it rather than among them all.

Built once from the store's table of folded names (see Store.person_keys), which changes only
when the corpus does.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz

_EDGE = "\x00"
"""Marks a word's start and end, so that its first and last letters make pairs of their own."""


def letter_pairs(word: str) -> Counter[str]:
    padded = f"{_EDGE}{word}{_EDGE}"
    return Counter(padded[i : i + 2] for i in range(len(padded) - 1))


def lengths_within(length: int, ratio: float) -> range:
    """The lengths a word may have and still reach a rapidfuzz ``ratio`` (0-100) with a word of
    ``length``: their Indel distance is at least their difference in length."""
    share = ratio / 100
    shortest = math.floor(length * share / (2 - share))
    longest = math.ceil(length * (2 - share) / share)
    return range(max(1, shortest), longest + 1)


def pairs_needed(a: int, b: int, ratio: float) -> int:
    """Letter pairs (with the edges, see letter_pairs) two words of lengths a and b share at
    least when their ratio reaches ``ratio``, less one for rounding.

    Their longest common subsequence L is at least ratio/200 of a + b. Lining them up along
    it, each of the a - L letters of one left out breaks at most two of its a + 1 pairs, and
    each place where the other puts letters in between breaks one: at least
    3L - a - b + 1 pairs survive, the edges counted as two more letters in common.
    """
    common = math.ceil(ratio / 200 * (a + b) - 1e-9)
    return max(0, 3 * common - a - b + 1 - 1)


@dataclass
class NameIndex:
    """Folded names (person keys) by surname, by other word, and by surname letter pairs."""

    keys: dict[str, str]
    """Every folded name, with one way an article writes it."""
    by_surname: dict[str, list[str]] = field(default_factory=dict)
    by_word: dict[str, list[str]] = field(default_factory=dict)
    """The names by each of their words but the last ("mohammed" of "mohammed vi")."""
    _by_pair: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    """Surnames by their length and each of their letter pairs."""
    _by_length: dict[int, list[str]] = field(default_factory=dict)
    _pair_frequency: Counter[str] = field(default_factory=Counter)
    _order: dict[str, int] = field(default_factory=dict)
    """Each surname's place in the index, which breaks ties as a scan in that order would."""

    @classmethod
    def of(cls, keys: dict[str, str]) -> NameIndex:
        index = cls(keys)
        surnames: dict[str, list[str]] = defaultdict(list)
        words: dict[str, list[str]] = defaultdict(list)
        for key in keys:
            *first, last = key.split(" ")
            surnames[last].append(key)
            for word in first:
                words[word].append(key)
        index.by_surname, index.by_word = dict(surnames), dict(words)
        index._order = {surname: n for n, surname in enumerate(index.by_surname)}
        by_pair: dict[tuple[int, str], list[str]] = defaultdict(list)
        by_length: dict[int, list[str]] = defaultdict(list)
        for surname in index.by_surname:
            by_length[len(surname)].append(surname)
            pairs = letter_pairs(surname)
            index._pair_frequency.update(pairs.keys())
            for pair in pairs:
                by_pair[(len(surname), pair)].append(surname)
        index._by_pair, index._by_length = dict(by_pair), dict(by_length)
        return index

    def surnames_near(self, word: str, ratio: float) -> list[str]:
        """Surnames whose rapidfuzz ratio with ``word`` may reach ``ratio`` (every one that
        does, and a few that do not): those of a length within reach that share one of the
        rarest of its letter pairs, enough of them that a surname sharing too few of the
        rest cannot reach it (prefix filtering)."""
        pairs = letter_pairs(word)
        ordered = sorted(pairs.elements(), key=lambda p: (self._pair_frequency[p], p))
        found: dict[str, None] = {}
        for length in lengths_within(len(word), ratio):
            needed = pairs_needed(len(word), length, ratio)
            if needed == 0:  # nothing to filter on: every surname of this length
                found.update(dict.fromkeys(self._by_length.get(length, ())))
                continue
            # A surname sharing `needed` pairs shares one of any len - needed + 1 of them.
            for pair in dict.fromkeys(ordered[: len(ordered) - needed + 1]):
                found.update(dict.fromkeys(self._by_pair.get((length, pair), ())))
        return list(found)

    def closest_surnames(self, word: str, ratio: float, limit: int) -> list[tuple[str, float]]:
        """The surnames closest to a word, best first, at least ``ratio`` close: what
        rapidfuzz's ``process.extract`` over every surname gives (ties in the index's order)."""
        scored = []
        for surname in self.surnames_near(word, ratio):
            score = fuzz.ratio(word, surname, score_cutoff=ratio)
            if score:
                scored.append((surname, score))
        scored.sort(key=lambda found: (-found[1], self._order[found[0]]))
        return scored[:limit]
