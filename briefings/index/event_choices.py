"""The dated events an undated report could join, best first, kept between ingests.

An undated report joins the dated event that fits it best (``events.fitting_groups``: the
highest score, the first started of equals), each event as the reports before it left it.
A new article changes a few events; every other event fits each undated report as it did.
So each undated report keeps its best choices with their scores (``event_state``), and when
it is decided again only the events that changed before it are scored again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from briefings.index import kept_values


class Choice(NamedTuple):
    """A dated group an undated report could join, as the reports before it left the group:
    how well it fits (``events.fitting_groups``) and the group's rank (the first started
    wins a tie: its first report's day, as an ordinal, then that report's id). A tuple of
    numbers: each report decided again reads a dozen or so, and most are read only to see
    that none of them changed (no date is made of them)."""

    founder: int
    score: float
    day: int
    first: int

    @property
    def order(self) -> tuple[float, int, int, int]:
        """Best first: the highest score, then the first started."""
        return (-self.score, self.day, self.first, self.founder)


KEPT_CHOICES = 16
"""How many of an undated report's best choices are kept."""
FORMAT = 1
"""The kept choices' layout, their record's first value: another is worked out again."""


@dataclass(frozen=True)
class Choices:
    """The best choices of an undated report, best first: the first of all its choices,
    in order (every group it could join that is not among them fits it worse than the last
    of them); ``complete`` when they are all it has.

    When some groups change, their scores are worked out again and the others' kept
    (``rechosen``): what stays known is the groups that fit at least as well as the last
    kept one did. A full regroup keeps the first ``KEPT_CHOICES``; after changes fewer
    may be known, never other ones.
    """

    choices: tuple[Choice, ...]
    complete: bool

    @classmethod
    def of(cls, choices: Iterable[Choice], *, complete: bool = True) -> Choices:
        """The best of the choices a report has: all of them, unless ``complete`` is False
        (then they hold at least its best ``KEPT_CHOICES`` and more than that)."""
        ordered = sorted(choices, key=lambda c: c.order)
        return cls(tuple(ordered[:KEPT_CHOICES]), complete and len(ordered) <= KEPT_CHOICES)

    @property
    def best(self) -> Choice | None:
        return self.choices[0] if self.choices else None

    def rechosen(self, changed: set[int], scored: Iterable[Choice]) -> Choices | None:
        """The choices once the groups ``changed`` (founders) fit as ``scored`` says (those
        of them the report may join), or None when too little stays known to choose."""
        kept = [c for c in self.choices if c.founder not in changed]
        if self.complete:
            return Choices.of([*kept, *scored])
        last = self.choices[-1].order
        known = [*kept, *(c for c in scored if c.order <= last)]
        if not known:
            return None
        return Choices(tuple(sorted(known, key=lambda c: c.order)[:KEPT_CHOICES]), False)

    def to_record(self) -> bytes:
        """The choices as ``undated_choices`` keeps them (``kept_values``): one flat tuple
        of numbers, read back in about two thirds of the time of JSON with dates in words
        (10 against 16 us for 16 choices; a report decided again reads its own, and
        thousands are, for one added article)."""
        flat: list[float | int] = []
        for choice in self.choices:
            flat += choice
        return kept_values.dumps((FORMAT, tuple(flat)))

    @classmethod
    def from_record(cls, record: object, complete: bool) -> Choices | None:
        """The choices ``to_record`` kept (or JSON, as they were kept first), or None when
        they cannot be read: then they are worked out again from the report's candidates."""
        try:
            if isinstance(record, str):
                day = dt.date.fromisoformat
                choices = [Choice(f, s, day(d).toordinal(), r) for f, s, d, r in json.loads(record)]
            else:
                kept = kept_values.loads(record)
                if not isinstance(kept, tuple) or len(kept) != 2 or kept[0] != FORMAT:
                    return None
                flat = kept[1]
                if len(flat) % 4:
                    return None
                # Four numbers a choice, as to_record wrote them (the record is sealed).
                numbers = iter(flat)
                choices = list(
                    map(Choice._make, zip(numbers, numbers, numbers, numbers, strict=True))
                )
            return cls(tuple(choices), complete)
        except Exception:  # values of another shape, in any place: worked out again
            return None
