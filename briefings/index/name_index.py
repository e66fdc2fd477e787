"""The corpus's names, indexed for `who`: by surname, by their other words, and by the letter
pairs of each surname, so that a misspelt surname is looked for among the few surnames that
could be close to it rather than among them all.

Built once from the store's table of folded names (see Store.person_keys), which changes only
when the corpus does; after a change it is brought up to date for the names that came or went
(``update``), not built again: building it costs a Python pass over every surname's letter
pairs, some 13 ms CPU for the 3,300 names of a 10k corpus and ten times that at 100k, where
comparing the old and new names costs a set difference.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
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
    """Folded names (person keys) by surname, by other word, and by surname letter pairs.

    Every list of names is kept in the names' order, and surnames tie in the order of their
    first name: the same whatever order the names came and went in (see ``update``)."""

    keys: dict[str, str] = field(default_factory=dict)
    """Every folded name, with one way an article writes it."""
    ordered_keys: list[str] = field(default_factory=list)
    """The folded names in order (what a scan of them all reads, ties to the first)."""
    by_surname: dict[str, list[str]] = field(default_factory=dict)
    by_word: dict[str, list[str]] = field(default_factory=dict)
    """The names by each of their words but the last ("mohammed" of "mohammed vi")."""
    _by_pair: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    """Surnames by their length and each of their letter pairs."""
    _by_length: dict[int, list[str]] = field(default_factory=dict)
    _pair_frequency: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, keys: dict[str, str]) -> NameIndex:
        """The index of these names, built at once: what ``update`` from an empty index
        makes (a test holds them equal), without placing each name by bisection."""
        index = cls(keys=dict(keys), ordered_keys=sorted(keys))
        for key in index.ordered_keys:
            *first, last = key.split(" ")
            index.by_surname.setdefault(last, []).append(key)
            for word in first:
                index.by_word.setdefault(word, []).append(key)
        for surname in sorted(index.by_surname):
            index._by_length.setdefault(len(surname), []).append(surname)
            pairs = letter_pairs(surname)
            index._pair_frequency.update(pairs.keys())
            for pair in pairs:
                index._by_pair.setdefault((len(surname), pair), []).append(surname)
        return index

    def update(self, keys: dict[str, str]) -> None:
        """Make the index that of ``keys``: the names no longer there leave, the new ones
        come in, and the others only get their written form again."""
        for key in [k for k in self.keys if k not in keys]:
            self._remove(key)
        for key in sorted(k for k in keys if k not in self.keys):
            self._add(key)
        self.keys.update(keys)

    def update_names(self, changed: set[str], now: dict[str, str]) -> None:
        """Bring the index up to date for some names: ``now`` holds those of ``changed``
        that are names now (with their written form); the others leave."""
        for key in [k for k in changed if k in self.keys and k not in now]:
            self._remove(key)
        for key in sorted(k for k in now if k not in self.keys):
            self._add(key)
        self.keys.update(now)

    def _add(self, key: str) -> None:
        bisect.insort(self.ordered_keys, key)
        *first, last = key.split(" ")
        if last not in self.by_surname:
            self.by_surname[last] = []
            self._add_surname(last)
        bisect.insort(self.by_surname[last], key)
        for word in first:
            bisect.insort(self.by_word.setdefault(word, []), key)

    def _remove(self, key: str) -> None:
        del self.keys[key]
        _discard(self.ordered_keys, key)
        *first, last = key.split(" ")
        for word in first:
            if not _discard(self.by_word[word], key):
                del self.by_word[word]
        if not _discard(self.by_surname[last], key):
            del self.by_surname[last]
            self._remove_surname(last)

    def _add_surname(self, surname: str) -> None:
        bisect.insort(self._by_length.setdefault(len(surname), []), surname)
        pairs = letter_pairs(surname)
        self._pair_frequency.update(pairs.keys())
        for pair in pairs:
            bisect.insort(self._by_pair.setdefault((len(surname), pair), []), surname)

    def _remove_surname(self, surname: str) -> None:
        if not _discard(self._by_length[len(surname)], surname):
            del self._by_length[len(surname)]
        pairs = letter_pairs(surname)
        self._pair_frequency.subtract(pairs.keys())
        for pair in pairs:
            if self._pair_frequency[pair] <= 0:
                del self._pair_frequency[pair]
            if not _discard(self._by_pair[(len(surname), pair)], surname):
                del self._by_pair[(len(surname), pair)]

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
        rapidfuzz's ``process.extract`` over every surname gives, ties in the order of each
        surname's first name (the order of the surnames of a scan of the names in order)."""
        scored = []
        for surname in self.surnames_near(word, ratio):
            score = fuzz.ratio(word, surname, score_cutoff=ratio)
            if score:
                scored.append((surname, score))
        scored.sort(key=lambda found: (-found[1], self.by_surname[found[0]][0]))
        return scored[:limit]


def _discard(ordered: list[str], item: str) -> int:
    """Take an item out of a sorted list; how many are left."""
    at = bisect.bisect_left(ordered, item)
    if at < len(ordered) and ordered[at] == item:
        del ordered[at]
    return len(ordered)
