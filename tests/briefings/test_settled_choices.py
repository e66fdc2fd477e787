"""Choices whose score costs working out a place are settled only when they may be kept
(``event_choices.settled_enough``): what ``Choices.of`` and ``Choices.rechosen`` keep is
what they keep with every choice settled."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from briefings.index.event_choices import KEPT_CHOICES, Choice, Choices, Unsettled, settled_enough


def _case(rng: random.Random) -> tuple[list[Choice], list[Unsettled], list[Choice | None]]:
    # Around as many choices as are kept, where what is kept turns on one more or less.
    founders = rng.sample(range(1, 500), rng.randint(0, 2 * KEPT_CHOICES + 4))
    known_share = rng.random()
    day = dt.date(2020, 1, 1)

    def rank() -> tuple[dt.date, int]:
        return (day + dt.timedelta(days=rng.randint(0, 3)), rng.randint(1, 500))

    known: list[Choice] = []
    unsettled: list[Unsettled] = []
    truth: list[Choice | None] = []
    for founder in founders:
        # Scores on a coarse grid, so that ties (decided by rank) come up.
        score = rng.randint(1, 12) / 10
        if rng.random() < known_share:
            known.append(Choice(founder, score, rank()))
            continue
        at = rank()
        low = Choice(founder, score, at) if rng.random() < 0.7 else None
        high = Choice(founder, score + 0.1 * rng.randint(0, 3), at)
        settled = rng.choice([low, high])
        truth.append(settled)
        unsettled.append(Unsettled(low, high, lambda s=settled: s))  # type: ignore[misc]
    return known, unsettled, truth


@pytest.mark.parametrize("seed", range(300))
def test_the_kept_choices_are_those_of_every_choice_settled(seed: int) -> None:
    _check(seed)


def _check(seed: int) -> bool:
    """Whether some choices were left unsettled (after checking what is kept)."""
    rng = random.Random(seed)
    known, unsettled, truth = _case(rng)
    settled_count = 0

    def counted(u: Unsettled) -> Unsettled:
        def settle() -> Choice | None:
            nonlocal settled_count
            settled_count += 1
            return u.settle()

        return Unsettled(u.low, u.high, settle)

    every = [*known, *(c for c in truth if c is not None)]
    some = settled_enough(known, [counted(u) for u in unsettled])
    assert Choices.of(some) == Choices.of(every)
    # Kept before: the stored choices of a report, some of whose groups changed.
    stored = Choices.of(
        Choice(f, rng.randint(1, 12) / 10, (dt.date(2020, 1, 2), f))
        for f in rng.sample(range(500, 600), rng.randint(0, 2 * KEPT_CHOICES))
    )
    changed = {c.founder for c in stored.choices if rng.random() < 0.3}
    assert stored.rechosen(changed, some) == stored.rechosen(changed, every)
    return settled_count < len(unsettled)


def test_some_are_left_unsettled() -> None:
    assert sum(_check(seed) for seed in range(300)) > 30


def test_one_more_that_fits_says_there_are_more_than_are_kept() -> None:
    """As many choices sure to fit as are kept, all before one that may not fit: whether it
    fits decides whether the kept choices are all there are."""
    day = dt.date(2020, 1, 1)
    known = [Choice(f, 1.0, (day, f)) for f in range(1, KEPT_CHOICES + 1)]
    last = Choice(99, 0.5, (day, 99))
    for fits in (True, False):
        settled: Choice | None = last if fits else None
        unsettled = [Unsettled(None, last, lambda s=settled: s)]  # type: ignore[misc]
        every = [*known, last] if fits else known
        assert Choices.of(settled_enough(known, unsettled)) == Choices.of(every)
        assert Choices.of(settled_enough(known, unsettled)).complete is not fits
