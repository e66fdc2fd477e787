"""A group's weightiest words, by which undated reports find it in a big corpus: kept up as
reports join it, and foreseen for the reports that may join it later in a walk."""

from __future__ import annotations

import itertools
import random

import pytest

from briefings.index import events
from briefings.index.events import _Group, _Report, _top_terms, weighty_with

WORDS = [f"w{n:02d}" for n in range(40)]


def _report(rng: random.Random, article_id: int, weights: list[float]) -> _Report:
    """A report of a few random words, their weights drawn from a few values (ties are
    where the order of equals decides)."""
    chosen = rng.sample(WORDS, rng.randint(1, 12))
    vector = {w: rng.choice(weights) for w in chosen}
    return _Report(
        id=article_id,
        title="",
        published=None,
        happened=None,
        people=set(),
        places=[],
        vector=vector,
        top=_top_terms(vector, 4),
    )


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("count", [1, 3, 8])
def test_the_weightiest_words_kept_up_are_those_of_the_whole_centroid(
    monkeypatch: pytest.MonkeyPatch, seed: int, count: int
) -> None:
    monkeypatch.setattr(events, "WEIGHTIEST_TERMS", count)
    rng = random.Random(seed)
    weights = [0.125, 0.25, 0.5] if seed % 2 else [rng.random() for _ in range(30)]
    group = _Group(founder=0)
    for article_id in range(30):
        group.add(_report(rng, article_id, weights))
        if article_id == 2:
            assert group.weightiest  # asked once: kept up from then on
        expected = _top_terms(group.centroid, count)
        assert group.weightiest == expected
        assert group.weighty == expected & group.top


@pytest.mark.parametrize("seed", range(30))
def test_the_words_foreseen_cover_every_order_of_the_reports_that_may_join(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    monkeypatch.setattr(events, "WEIGHTIEST_TERMS", 3)
    rng = random.Random(seed)
    weights = [0.125, 0.25, 0.5] if seed % 2 else [rng.random() for _ in range(30)]
    later = [_report(rng, n, weights) for n in range(10, 14)]

    def group_now() -> _Group:
        group = _Group(founder=0)
        for article_id in range(rng.randint(1, 3)):
            group.add(_report(random.Random(seed * 7 + article_id), article_id, weights))
        return group

    rng_state = rng.getstate()
    foreseen = weighty_with(group_now(), later)
    for size in range(len(later) + 1):
        for joining in itertools.permutations(later, size):
            rng.setstate(rng_state)
            group = group_now()
            for report in joining:
                group.add(report)
                assert group.weighty <= foreseen
