"""Near-identical sentences: the same report carried by several outlets becomes one item.

RESEARCH.md measured rapidfuzz's ``ratio`` on normalised text: 0.80 separates every
cross-outlet pair of the seeds from unrelated sentences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from briefings.lexicon import respell
from briefings.store import StoredSentence

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


def is_same_report(a: str, b: str) -> bool:
    if fuzz.ratio(a, b) >= SAME_REPORT_RATIO:
        return True
    shorter, longer = sorted((a, b), key=len)
    if len(shorter.split()) >= SAME_PREFIX_WORDS and longer.startswith(shorter + " "):
        return True
    lead_a, lead_b = a.split()[:SAME_LEAD_WORDS], b.split()[:SAME_LEAD_WORDS]
    return len(lead_a) == SAME_LEAD_WORDS and lead_a == lead_b


def group_similar(sentences: Sequence[StoredSentence]) -> list[SentenceGroup]:
    """Group sentences that report the same thing, keeping first-seen order."""
    groups: list[SentenceGroup] = []
    for sentence in sentences:
        norm = normalise(sentence.text)
        for group in groups:
            if any(is_same_report(norm, other) for other in group.normalised):
                if sentence.text not in (s.text for s in group.sentences) or all(
                    s.article_id != sentence.article_id for s in group.sentences
                ):
                    group.sentences.append(sentence)
                    group.normalised.append(norm)
                break
        else:
            groups.append(SentenceGroup([sentence], [norm]))
    return groups
