"""Schedules: when a chat's digest is due, as pure functions of a plan and a clock.

A `Plan` is a wall-clock time in an IANA time zone plus a cadence (every day, weekdays, or
one day a week). Each delivery is a `Slot`: a key naming the local day and time (the
identity the deliveries table keeps unique per chat) and the UTC instant it falls on.

Daylight saving time is zoneinfo's: a time that does not exist on a spring-forward day
(02:30 in Berlin on the last Sunday of March) is delivered one gap later (03:30), as
`fold=0` reads it; a time that occurs twice on a fall-back day is delivered at the first
occurrence, and, the key being the local day and time, only once.

Weekdays are numbered as Python numbers them (Monday 0 … Sunday 6). PTB 20+ counts
`run_daily(days=...)` 0–6 as Sunday–Saturday; we never pass days to PTB: the bot computes
each slot here and arms one `run_once` job for the earliest one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.i18n import ENGLISH, N_, TranslatableError, Translator

T = TypeVar("T")
UTC = dt.UTC
CADENCES = ("daily", "weekdays", "weekly")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# A weekly plan's day as the reader says it (one message a day: languages inflect them).
EVERY_DAY_NAMED = (
    N_("every Monday"),
    N_("every Tuesday"),
    N_("every Wednesday"),
    N_("every Thursday"),
    N_("every Friday"),
    N_("every Saturday"),
    N_("every Sunday"),
)
# Every spelling of a day users type, to its Python weekday number.
_DAYS = {
    spelling: number
    for number, name in enumerate(DAY_NAMES)
    for spelling in (name.lower(), name[:3].lower(), name[:2].lower())
    if spelling not in ("su", "sa", "tu", "th", "we", "fr", "mo")  # too short to be sure
} | {"tues": 1, "thur": 3, "thurs": 3}
_CADENCE_WORDS = {
    "daily": "daily",
    "everyday": "daily",
    "weekdays": "weekdays",
    "workdays": "weekdays",
    "weekly": "weekly",
}
_TIME = re.compile(r"(\d{1,2})[:.h](\d{2})")
_LOOKS_LIKE_TIME = re.compile(r"\d{1,2}(?:[:.h]\d{1,3})?(?:am|pm)?", re.IGNORECASE)
EXAMPLE = "/subscribe 07:30 Europe/Berlin weekdays"
MAX_TIMES_A_DAY = 6
"""More digests a day than this would be alerts: /alerts does that."""


class PlanError(TranslatableError):
    """Arguments of /subscribe that do not make a plan; the message says how to fix them."""


@dataclass(frozen=True)
class Plan:
    """When a chat wants its digest: a local time, a time zone and a cadence."""

    at: dt.time  # naive wall-clock time in `tz`
    tz: str
    cadence: str = "daily"
    weekday: int = 0  # the day of a weekly plan, Monday = 0
    also_at: tuple[dt.time, ...] = ()
    """More times of day (`/subscribe 07:30,19:00`): one digest at each, each its own slot."""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def times(self) -> tuple[dt.time, ...]:
        """Every time of day the plan delivers at, earliest first."""
        return tuple(sorted({self.at, *self.also_at}))

    def runs_on(self, day: dt.date) -> bool:
        """Whether the plan delivers on this local calendar day."""
        if self.cadence == "weekdays":
            return day.weekday() < 5
        if self.cadence == "weekly":
            return day.weekday() == self.weekday
        return True


@dataclass(frozen=True, order=True)
class Slot:
    """One delivery of a plan: when (UTC) and its identity (local day and time)."""

    at: dt.datetime
    key: str


def slot_on(plan: Plan, day: dt.date, at: dt.time | None = None) -> Slot:
    """The slot of a plan on a local calendar day at one of its times (its first by default),
    whether or not the plan runs that day. The key names the day and the time, so each of
    several times a day is a slot of its own in the ledger."""
    at = plan.at if at is None else at
    local = dt.datetime.combine(day, at, tzinfo=plan.zone)  # fold=0: see module doc
    return Slot(local.astimezone(UTC), f"{day.isoformat()}T{time_text(at)}")


def next_slot(plan: Plan, after: dt.datetime) -> Slot:
    """The first slot strictly after an aware instant."""
    start = after.astimezone(plan.zone).date() - dt.timedelta(days=1)
    for offset in range(9):
        day = start + dt.timedelta(days=offset)
        if plan.runs_on(day):
            later = [s for s in (slot_on(plan, day, at) for at in plan.times) if s.at > after]
            if later:
                return min(later)
    raise AssertionError("every plan runs at least once a week")


def last_slot(plan: Plan, at: dt.datetime) -> Slot:
    """The latest slot at or before an aware instant."""
    start = at.astimezone(plan.zone).date() + dt.timedelta(days=1)
    for offset in range(9):
        day = start - dt.timedelta(days=offset)
        if plan.runs_on(day):
            earlier = [s for s in (slot_on(plan, day, t) for t in plan.times) if s.at <= at]
            if earlier:
                return max(earlier)
    raise AssertionError("every plan runs at least once a week")


def owed_slot(
    plan: Plan, *, since: dt.datetime, now: dt.datetime, grace: dt.timedelta
) -> Slot | None:
    """The slot to deliver now, if any: the latest one, when it is after `since` and in grace.

    Slots older than the grace period are skipped for good: a digest hours late is news
    no more, and the next slot brings what is new anyway.
    """
    slot = last_slot(plan, now)
    if slot.at <= since or slot.at < now - grace:
        return None
    return slot


def time_text(at: dt.time) -> str:
    """HH:MM, or HH:MM:SS when the time has seconds (tests schedule a few seconds ahead)."""
    return at.strftime("%H:%M:%S" if at.second else "%H:%M")


def describe(plan: Plan, translate: Translator = ENGLISH) -> str:
    """The plan in words: "every day at 07:30 Europe/Moscow" (plain text)."""
    when = {
        "daily": translate("every day"),
        "weekdays": translate("every weekday (Monday to Friday)"),
        "weekly": translate(EVERY_DAY_NAMED[plan.weekday]),
    }[plan.cadence]
    times = [time_text(at) for at in plan.times]
    spoken = (
        translate("{times} and {last}").format(times=", ".join(times[:-1]), last=times[-1])
        if len(times) > 1
        else times[0]
    )
    return translate("{when} at {times} {zone}").format(when=when, times=spoken, zone=plan.tz)


def format_wait(delta: dt.timedelta, translate: Translator = ENGLISH) -> str:
    """A wait in words a reader takes in at a glance: "9 h 12 min", "2 d 3 h", "40 s"."""
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        if hours:
            return translate("{days} d {hours} h").format(days=days, hours=hours)
        return translate("{days} d").format(days=days)
    if hours:
        if minutes:
            return translate("{hours} h {minutes} min").format(hours=hours, minutes=minutes)
        return translate("{hours} h").format(hours=hours)
    if minutes:
        return translate("{minutes} min").format(minutes=minutes)
    return translate("{seconds} s").format(seconds=seconds)


def next_delivery(plan: Plan, now: dt.datetime, translate: Translator = ENGLISH) -> str:
    """When the next digest comes, in words: "next one in 9 h 12 min (Mon 05 Nov 07:30)"."""
    slot = next_slot(plan, now)
    local = slot.at.astimezone(plan.zone)
    return translate("next one in {wait} ({day} {time})").format(
        wait=format_wait(slot.at - now, translate),
        day=translate.date(local.date()),
        time=time_text(local.time()),
    )


def parse_plan(args: Sequence[str], *, default_tz: str, default_time: dt.time) -> Plan:
    """A plan from /subscribe's arguments, in any order; PlanError says what is wrong."""
    times: list[dt.time] = []
    tz: str | None = None
    cadence: str | None = None
    weekday: int | None = None
    for word in args:
        lowered = word.lower()
        parts = [part for part in word.split(",") if part]
        if lowered in _CADENCE_WORDS:
            cadence = _set_once(cadence, _CADENCE_WORDS[lowered], "how often")
        elif lowered in _DAYS:
            weekday = _set_once(weekday, _DAYS[lowered], "the day")
        elif parts and all(_LOOKS_LIKE_TIME.fullmatch(part) for part in parts):
            # "07:30,19:00" or "07:30 19:00": one digest at each time.
            times += [parse_time(part) for part in parts]
        elif "/" in word or lowered in ("utc", "gmt"):
            tz = _set_once(tz, parse_zone(word), "the time zone")
        else:
            raise PlanError(
                N_(
                    "I don't understand “{word}”. Give a time (HH:MM), a time zone "
                    "(Area/City) and daily, weekdays or weekly, e.g. {example}"
                ),
                word=word[:40],
                example=EXAMPLE,
            )
    if weekday is not None and cadence not in (None, "weekly"):
        raise PlanError(
            N_("A day of the week goes with weekly, e.g. {example}"),
            example="/subscribe weekly monday 08:00",
        )
    if weekday is not None:
        cadence = "weekly"
    distinct = sorted(set(times)) or [default_time]
    if len(distinct) > MAX_TIMES_A_DAY:
        raise PlanError(
            N_(
                "At most {count} times a day, e.g. {example}; "
                "for every new article as it comes, use /alerts on."
            ),
            count=MAX_TIMES_A_DAY,
            example="/subscribe 07:30,19:00 Europe/Berlin",
        )
    return Plan(
        at=distinct[0],
        tz=tz or default_tz,
        cadence=cadence or "daily",
        weekday=weekday or 0,
        also_at=tuple(distinct[1:]),
    )


def parse_time(word: str) -> dt.time:
    """HH:MM (also H:MM, HH.MM, HHhMM) as a time of day; PlanError otherwise."""
    match = _TIME.fullmatch(word)
    if match:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise PlanError(
        N_("“{word}” is not a time of day: use 24-hour HH:MM from 00:00 to 23:59, e.g. {example}"),
        word=word[:20],
        example=EXAMPLE,
    )


def parse_zone(word: str) -> str:
    """An IANA time zone name, matched regardless of case; PlanError otherwise."""
    exact = _known_zones().get(word.lower())
    if exact is None:
        raise PlanError(
            N_(
                "“{word}” is not a time zone I know. Use an Area/City name like "
                "Europe/Berlin, America/New_York or Asia/Kolkata, e.g. {example}"
            ),
            word=word[:40],
            example=EXAMPLE,
        )
    return exact


@lru_cache(maxsize=1)
def _known_zones() -> dict[str, str]:
    zones = {name.lower(): name for name in available_timezones()}
    zones.setdefault("utc", "UTC")
    return zones


def is_zone(name: str) -> bool:
    """Whether zoneinfo knows the name exactly."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


# What /subscribe may be given once only: each one's complaint, whole, for translators.
_GIVEN_TWICE = {
    "how often": N_("You gave how often twice; give it once, e.g. {example}"),
    "the day": N_("You gave the day twice; give it once, e.g. {example}"),
    "the time zone": N_("You gave the time zone twice; give it once, e.g. {example}"),
}


def _set_once(current: T | None, value: T, what: str) -> T:
    if current is not None and current != value:
        raise PlanError(_GIVEN_TWICE[what], example=EXAMPLE)
    return value
