"""Topics: what an article is about, from an editable taxonomy plus the places it dwells on.

The taxonomy (``data/topics.toml``) maps topic names to cue words; the corpus adds its own
key phrases: a place an article names again and again (a country, a region) is a topic too,
so ``/brief <place>`` works for places nobody listed.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from briefings.models import Entities

PLACE_TOPIC_MIN_MENTIONS = 2


@dataclass(frozen=True)
class Taxonomy:
    cues: dict[str, tuple[str, ...]]
    min_hits: int
    pattern: re.Pattern[str]
    topic_of_cue: dict[str, str]

    @classmethod
    def load(cls, path: str | Path | None = None) -> Taxonomy:
        """Load the taxonomy file (the shipped one unless a path is given)."""
        if path is None:
            raw = resources.files("briefings").joinpath("data/topics.toml").read_text("utf-8")
        else:
            raw = Path(path).read_text("utf-8")
        data = tomllib.loads(raw)
        cues = {
            name.lower(): tuple(c.lower() for c in words) for name, words in data["topics"].items()
        }
        return cls.from_cues(cues, int(data.get("min_hits", 2)))

    @classmethod
    def from_cues(cls, cues: dict[str, tuple[str, ...]], min_hits: int = 2) -> Taxonomy:
        topic_of_cue = {cue: topic for topic, words in cues.items() for cue in words}
        # Longest cues first so a phrase wins over its first word.
        alternation = "|".join(re.escape(c) for c in sorted(topic_of_cue, key=len, reverse=True))
        pattern = re.compile(rf"\b({alternation})", re.IGNORECASE)
        return cls(cues, min_hits, pattern, topic_of_cue)

    def topics_for(self, title: str, body: str, entities: Entities) -> tuple[str, ...]:
        """Topics of an article, most supported first."""
        hits: Counter[str] = Counter()
        for weight, text in ((2, title), (1, body)):
            for match in self.pattern.finditer(text):
                hits[self.topic_of_cue[match.group(1).lower()]] += weight
        topics = [t for t, n in hits.most_common() if n >= self.min_hits]
        lowered = body.lower()
        for place in entities.places:
            key = place.lower()
            if key not in hits and lowered.count(key) >= PLACE_TOPIC_MIN_MENTIONS:
                topics.append(key)
        return tuple(dict.fromkeys(topics))

    def sentence_topics(self, text: str, article_topics: tuple[str, ...]) -> tuple[str, ...]:
        """The article's topics a sentence itself speaks of (cue words, or the place named)."""
        cued = self.topics_of_text(text)
        lowered = text.lower()
        return tuple(
            t for t in article_topics if t in cued or (t not in self.cues and t in lowered)
        )

    def topics_of_text(self, text: str) -> set[str]:
        """Taxonomy topics whose cues occur in a short text (a sentence, a query)."""
        return {self.topic_of_cue[m.group(1).lower()] for m in self.pattern.finditer(text)}
