"""How much each word weighs when grouping compares articles: tf-idf over a fixed sample.

A word most articles use ("said", "president") says little about which happening an article
reports; a rare one ("drills", "embargo") says much. The weights come from document
frequencies — but counted over the whole corpus, every new article would move every weight a
little, and with them every decision grouping ever took. So they are counted over a fixed
sample: the first ``SAMPLE_ARTICLES`` English articles (by id). While the weights stand still,
an article placed on its own gets the grouping a full regroup would give it; when the sample
changes, every weight moves and the corpus is regrouped.

A corpus smaller than that is its own sample up to ``FIRST_STEP`` articles (a regroup of
that many, about 120 ms, costs less than placing an article in a corpus of 100,000). Past
it, the sample grows by steps (``sample_size``): the first articles of the corpus, at least
1/``STEP_GROWTH`` of it. So a corpus growing a feed's article at a time regroups at each
step, not at each article: a regroup of 900 articles costs some 700 ms, placing one article
20 to 30. A word the sample never saw weighs as one seen once.
"""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

SAMPLE_ARTICLES = 1000
FIRST_STEP = 128
"""Up to this many articles, the sample is the whole corpus (the shared corpora have fewer,
pooled together too)."""
STEP_GROWTH = 1.25
"""Past FIRST_STEP, each step of the sample is this much larger than the one before."""
COMMON_SHARE = 0.05
"""A word in this share of the sample's articles or more is a common one: the name of a
leader in the news every week, "minister", "talks". Weighty as it may be in an article, it
does not tell one happening from another (``common``)."""
COMMON_LEAST = 10
"""…and in this many at least: in a sample of a few dozen articles (a test's), a word in two of
them is no common one."""


def sample_size(corpus: int, limit: int = SAMPLE_ARTICLES) -> int:
    """How many of a corpus's first articles the weights are counted over: all of them up to
    FIRST_STEP; then the largest step (FIRST_STEP times a power of STEP_GROWTH) the corpus
    has reached; ``limit`` at most. The same for every corpus of a size, however it grew: a
    regroup from nothing counts the sample an article-by-article ingest did."""
    if corpus <= FIRST_STEP or corpus >= limit:
        return min(corpus, limit)
    size = FIRST_STEP
    while (grown := int(size * STEP_GROWTH)) <= corpus:
        size = grown
    return min(size, limit)


@dataclass(frozen=True)
class TermWeights:
    """Document frequencies over the sample, and the sample's size."""

    df: Mapping[str, int]
    total: int
    _idf: dict[str, float] = field(default_factory=dict, compare=False, repr=False)
    """Each word's weight once worked out: the same for every article that has it."""

    @classmethod
    def counted(cls, term_sets: Iterable[Iterable[str]]) -> TermWeights:
        df: Counter[str] = Counter()
        total = 0
        for terms in term_sets:
            df.update(set(terms))
            total += 1
        return cls(dict(df), total)

    @cached_property
    def common(self) -> frozenset[str]:
        """The words in COMMON_SHARE of the sample's articles or more: in a big corpus, an
        undated article finds the events it may report by its weighty words other than
        these (a leader's name is weighty in most articles about them)."""
        least = max(COMMON_SHARE * self.total, COMMON_LEAST)
        return frozenset(t for t, n in self.df.items() if n >= least)

    def vector(self, counts: Mapping[str, int]) -> dict[str, float]:
        """An article's unit-length tf-idf vector from its word counts."""
        idf = self._idf
        log = math.log

        def weighed() -> list[float]:
            # Most words come once: (1 + log 1) * weight is the weight itself.
            return [idf[t] if n == 1 else (1 + log(n)) * idf[t] for t, n in counts.items()]

        try:
            raw = weighed()
        except KeyError:  # words not weighed yet: weighed once, for every article
            for term in counts:
                if term not in idf:
                    self._weigh(term)
            raw = weighed()
        norm = math.sqrt(sum(map(operator.mul, raw, raw)))
        return {t: v / norm for t, v in zip(counts, raw, strict=True)} if norm else {}

    def _weigh(self, term: str) -> float:
        weight = math.log(1 + max(self.total, 1) / max(self.df.get(term, 1), 1))
        self._idf[term] = weight
        return weight
