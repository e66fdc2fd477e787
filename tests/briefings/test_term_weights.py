"""Word weights: tf-idf over the sample, unit length, a word the sample never saw as one
seen once."""

from __future__ import annotations

import math

import pytest

from briefings.index.term_weights import TermWeights


def _expected(weights: TermWeights, counts: dict[str, int]) -> dict[str, float]:
    """The definition, term by term, in the order the counts give them."""
    raw = {}
    for term, n in counts.items():
        idf = math.log(1 + max(weights.total, 1) / max(weights.df.get(term, 1), 1))
        raw[term] = idf if n == 1 else (1 + math.log(n)) * idf
    norm = math.sqrt(sum(v * v for v in raw.values()))
    return {t: v / norm for t, v in raw.items()} if norm else {}


@pytest.mark.parametrize(
    "counts",
    [
        {"summit": 1, "said": 3, "embargo": 2},
        {"unseen": 1, "summit": 1},  # a word the sample never saw
        {"said": 1},
        {},
    ],
)
def test_a_vector_is_the_weights_of_its_words_at_unit_length(counts: dict[str, int]) -> None:
    weights = TermWeights.counted([["summit", "said"], ["said"], ["said", "embargo"]])
    first = weights.vector(counts)
    assert first == _expected(weights, counts)
    assert weights.vector(counts) == first  # the same once its words are weighed
    if first:
        assert math.isclose(sum(v * v for v in first.values()), 1.0)
