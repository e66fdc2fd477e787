"""Near-identical sentences: the same report carried by several outlets becomes one item.

RESEARCH.md measured rapidfuzz's ``ratio`` on normalised text: 0.80 separates every
cross-outlet pair of the seeds from unrelated sentences. A big event has thousands of
sentences: identical texts are compared once, and a text only with those sharing a key with
it (an opening, or one of its rarest words), so grouping grows with the event about as
S log S rather than S².
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from briefings.index.store import StoredSentence
from briefings.lexicon import respell

SAME_REPORT_RATIO = 80
SAME_LEAD_WORDS = 8
"""Sentences that open with the same words report the same thing, even if one goes on longer."""

_PUNCTUATION = re.compile(r"[^\w\s]")
_CONTENT = re.compile(r"[^\W\d_]{3,}")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = respell(text.replace("’", "'").lower())
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", text)).strip()


@dataclass
class SentenceGroup:
    sentences: list[StoredSentence] = field(default_factory=list)
    normalised: list[str] = field(default_factory=list)

    @property
    def best(self) -> StoredSentence:
        """The most informative wording: the one saying the most distinct things (a copy
        that drops a clause says less), the shorter of equals."""
        return max(
            self.sentences, key=lambda s: (len(set(_CONTENT.findall(s.text.lower()))), -len(s.text))
        )

    @property
    def text(self) -> str:
        return self.best.text


SAME_PREFIX_WORDS = 5
"""A short report that another outlet carries with more words after it is the same report."""
SHARED_WORDS = 0.4
"""Two texts are compared for a ratio match only when they share this share of their words
(of the longer's): cross-outlet copies in the shared corpora share at least 0.73 of the
shorter's and 0.57 of the longer's. Prefix filtering then finds every such pair through its
rarest words, without comparing the rest."""
_NEAR_LENGTH = (100 - SAME_REPORT_RATIO) / 100


def is_same_report(a: str, b: str) -> bool:
    if fuzz.ratio(a, b) >= SAME_REPORT_RATIO:
        return True
    shorter, longer = sorted((a, b), key=len)
    if len(shorter.split()) >= SAME_PREFIX_WORDS and longer.startswith(shorter + " "):
        return True
    lead_a, lead_b = a.split()[:SAME_LEAD_WORDS], b.split()[:SAME_LEAD_WORDS]
    return len(lead_a) == SAME_LEAD_WORDS and lead_a == lead_b


@dataclass(frozen=True)
class _Text:
    """A normalised text with what blocking reads of it."""

    norm: str
    words: frozenset[str]
    lead: tuple[str, ...]

    @classmethod
    def of(cls, norm: str) -> _Text:
        words = norm.split()
        return cls(norm, frozenset(words), tuple(words[:SAME_PREFIX_WORDS]))

    def may_be_near(self, other: _Text) -> bool:
        """Whether a ratio match is possible: their lengths allow it (an Indel distance of at
        least their difference in length within (100 - SAME_REPORT_RATIO)% of their sum), and
        they share SHARED_WORDS of their words."""
        a, b = len(self.norm), len(other.norm)
        if abs(a - b) > _NEAR_LENGTH * (a + b) + 1:  # one character's leeway for rounding
            return False
        size, other_size = len(self.words), len(other.words)
        needed = SHARED_WORDS * (size if size > other_size else other_size)
        return other_size >= needed and len(self.words & other.words) >= needed


@dataclass
class _Blocks:
    """Which earlier texts a text may be the same report as, found through keys rather than
    by comparing it with all of them.

    - Its first SAME_PREFIX_WORDS words: a text another opens with, or sharing its opening
      SAME_LEAD_WORDS words, shares these.
    - Its rarest words (in this input): of any set of words, a text sharing SHARED_WORDS of
      them shares at least one of the rarest ``n - ceil(SHARED_WORDS * n) + 1``.
    """

    frequency: Counter[str]
    by_lead: dict[tuple[str, ...], list[_Text]] = field(default_factory=dict)
    by_word: dict[str, list[_Text]] = field(default_factory=dict)

    def _rarest(self, text: _Text) -> list[str]:
        words = sorted(text.words, key=lambda w: (self.frequency[w], w))
        return words[: len(words) - math.ceil(SHARED_WORDS * len(words)) + 1]

    def candidates_then_add(self, text: _Text) -> list[str]:
        """The earlier texts that may be the same report as this one; it joins them."""
        found: dict[str, None] = {}
        if len(text.lead) == SAME_PREFIX_WORDS:
            lead = self.by_lead.setdefault(text.lead, [])
            found.update((o.norm, None) for o in lead)
            lead.append(text)
        looked_at = set(found)
        for word in self._rarest(text):
            block = self.by_word.setdefault(word, [])
            for other in block:
                if other.norm not in looked_at:
                    looked_at.add(other.norm)
                    if text.may_be_near(other):
                        found[other.norm] = None
            block.append(text)
        return list(found)


def group_similar(sentences: Sequence[StoredSentence]) -> list[SentenceGroup]:
    """Group sentences that report the same thing, keeping first-seen order.

    A sentence joins the first group (in order of creation) holding a text that is the same
    report as its own, else starts a group. Each distinct text is compared once, and only
    with the earlier texts sharing a key with it (see _Blocks), not with every group member.
    """
    normalised: dict[str, str] = {}  # copies repeat a text: each normalised once
    norms = [
        normalised[s.text]
        if s.text in normalised
        else normalised.setdefault(s.text, normalise(s.text))
        for s in sentences
    ]
    distinct = dict.fromkeys(norms)
    blocks = _Blocks(Counter(w for norm in distinct for w in set(norm.split())))
    same: dict[str, list[str]] = {}
    """Each text seen, and the texts seen that are the same report as it (itself included)."""
    first_group: dict[str, int] = {}
    """Each text seen, and the earliest group holding it."""
    groups: list[SentenceGroup] = []
    texts: list[set[str]] = []  # each group's sentences' texts, and their articles
    articles: list[set[int]] = []
    for sentence, norm in zip(sentences, norms, strict=True):
        if norm not in same:
            candidates = blocks.candidates_then_add(_Text.of(norm))
            matches = [o for o in candidates if is_same_report(norm, o)]
            for other in matches:
                same[other].append(norm)
            same[norm] = matches + ([norm] if is_same_report(norm, norm) else [])
        joined = [first_group[o] for o in same[norm] if o in first_group]
        if not joined:
            first_group[norm] = len(groups)
            groups.append(SentenceGroup([sentence], [norm]))
            texts.append({sentence.text})
            articles.append({sentence.article_id})
            continue
        target = min(joined)
        # A sentence repeated in one article counts once; the same words elsewhere count.
        if sentence.text not in texts[target] or sentence.article_id not in articles[target]:
            groups[target].sentences.append(sentence)
            groups[target].normalised.append(norm)
            texts[target].add(sentence.text)
            articles[target].add(sentence.article_id)
            first_group[norm] = min(first_group.get(norm, target), target)
    return groups
