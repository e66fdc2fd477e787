"""The words that name a happening ("met", "visit", "summit", "pledge"), as one pattern.

Event grouping and the event's place both ask whether a sentence reports a happening; the
pattern lives here so that neither module needs the other.
"""

from __future__ import annotations

import re
from functools import lru_cache

from briefings.extract.entities import read_sections
from briefings.lexicon import trie_pattern


@lru_cache(maxsize=1)
def happening_words() -> re.Pattern[str]:
    """Words naming a happening: "met", "visit", "summit", "pledge" (data/happenings.txt)."""
    words = read_sections("happenings.txt")["happening words"]
    return re.compile(rf"(?<![\w-])(?:{trie_pattern(w.lower() for w in words)})(?![\w-])", re.I)
