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
from typing import NamedTuple, cast

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


class Choices:
    """The best choices of an undated report, best first: the first of all its choices,
    in order (every group it could join that is not among them fits it worse than the last
    of them); ``complete`` when they are all it has.

    When some groups change, their scores are worked out again and the others' kept
    (``rechosen``): what stays known is the groups that fit at least as well as the last
    kept one did. A full regroup keeps the first ``KEPT_CHOICES``; after changes fewer
    may be known, never other ones.

    Kept as the flat numbers a record holds (four a choice), each ``Choice`` made only
    when asked for: most of the choices read for an added article are only looked at to
    see that none of their groups changed (``founders``), and how well the last fits.
    """

    __slots__ = ("_numbers", "_choices", "complete")

    def __init__(self, choices: tuple[Choice, ...], complete: bool) -> None:
        self._numbers: tuple[float | int, ...] = tuple(n for c in choices for n in c)
        self._choices: tuple[Choice, ...] | None = tuple(choices)
        self.complete = complete

    @classmethod
    def _of_numbers(cls, numbers: tuple[float | int, ...], complete: bool) -> Choices:
        kept = cls.__new__(cls)
        kept._numbers, kept._choices, kept.complete = numbers, None, complete
        return kept

    @property
    def choices(self) -> tuple[Choice, ...]:
        if self._choices is None:
            numbers = iter(self._numbers)
            self._choices = tuple(
                map(Choice._make, zip(numbers, numbers, numbers, numbers, strict=True))
            )
        return self._choices

    @property
    def founders(self) -> tuple[int, ...]:
        """The groups of the choices, best first."""
        return cast(tuple[int, ...], self._numbers[0::4])

    @property
    def last_score(self) -> float:
        """How well the last choice fits (there must be one)."""
        return self._numbers[-3]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Choices):
            return NotImplemented
        return self.complete == other.complete and self._numbers == other._numbers

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Choices({self.choices!r}, complete={self.complete})"

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
        return kept_values.dumps((FORMAT, self._numbers))

    @classmethod
    def from_record(cls, record: object, complete: bool) -> Choices | None:
        """The choices ``to_record`` kept (or JSON, as they were kept first), or None when
        they cannot be read: then they are worked out again from the report's candidates."""
        try:
            if isinstance(record, str):
                day = dt.date.fromisoformat
                choices = [Choice(f, s, day(d).toordinal(), r) for f, s, d, r in json.loads(record)]
                return cls(tuple(choices), complete)
            kept = kept_values.loads(record)
            if not isinstance(kept, tuple) or len(kept) != 2 or kept[0] != FORMAT:
                return None
            flat = kept[1]
            if not isinstance(flat, tuple) or len(flat) % 4:
                return None
            # Four numbers a choice, as to_record wrote them (the record is sealed).
            return cls._of_numbers(flat, complete)
        except Exception:  # values of another shape, in any place: worked out again
            return None
