"""The one place output is cut to fit.

A briefing is cut twice over: to a reading budget when it is composed (a briefing is short
enough to read in a minute) and to a message's length when it is rendered (Telegram's 4,096
characters). A digest drops stories. All of them shrink the same way: make the thing one step
smaller and measure again, so the loop and the order in which a briefing gives way live here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from briefings.models import Section

Value = TypeVar("Value")
Output = TypeVar("Output")

# Least important first, each facet down to a floor before the next gives way.
TRIM_ORDER: tuple[tuple[str, int], ...] = (
    ("summary", 1),
    ("context", 1),
    ("focus", 1),
    ("reactions", 4),
    ("purpose", 2),
    ("participants", 4),
    ("reactions", 2),
    ("purpose", 1),
    ("reactions", 1),
    ("participants", 2),
    ("context", 0),
    ("focus", 1),
)


def shrink_to_fit(
    value: Value,
    produce: Callable[[Value], Output],
    size: Callable[[Output], int],
    limit: int,
    smaller: Callable[[Value], Value | None],
) -> Output:
    """``produce(value)``, made from ever smaller values until its size is within ``limit``
    (or ``smaller`` has nothing left to drop: the smallest is the best there is)."""
    output = produce(value)
    while size(output) > limit:
        less = smaller(value)
        if less is None:
            break
        value, output = less, produce(less)
    return output


# When a message must be shorter still: whole facets go, least important first, until the
# purpose's first item is all there is.
PAST_FLOORS: tuple[tuple[str, int], ...] = (
    ("context", 0),
    ("focus", 0),
    ("reactions", 0),
    ("participants", 0),
    ("summary", 1),
    ("purpose", 1),
)


def one_item_fewer(
    sections: Sequence[Section], *, past_floors: bool = False
) -> tuple[Section, ...] | None:
    """The sections less their least important item, by ``TRIM_ORDER`` (and then, with
    ``past_floors``, by ``PAST_FLOORS``); None when nothing may go. Emptied sections go."""
    order = TRIM_ORDER + PAST_FLOORS if past_floors else TRIM_ORDER
    if sum(len(s.items) for s in sections) <= 1:
        return None
    for facet, floor in order:
        index = next((n for n, s in enumerate(sections) if s.facet == facet), None)
        if index is not None and len(sections[index].items) > floor:
            return _drop_last(sections, index)
    return None


def _drop_last(sections: Sequence[Section], index: int) -> tuple[Section, ...]:
    section = sections[index]
    shorter = Section(section.facet, section.heading, section.items[:-1])
    changed = [*sections[:index], shorter, *sections[index + 1 :]]
    return tuple(s for s in changed if s.items)
