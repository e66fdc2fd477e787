"""The words that name a happening ("met", "visit", "summit", "pledge"), as one pattern.

Event grouping and the event's place both ask whether a sentence reports a happening; the
pattern lives here so that neither module needs the other.
"""

from __future__ import annotations

from briefings.lexicon import WordPattern, word_pattern


def happening_words() -> WordPattern:
    """Words naming a happening: "met", "visit", "summit", "pledge" (data/happenings.txt)."""
    return word_pattern("happenings.txt", "happening words")
