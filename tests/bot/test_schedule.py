"""Schedules: slots of daily, weekday and weekly plans, DST, grace, and /subscribe's arguments."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.delivery.schedule import (
    Plan,
    PlanError,
    Slot,
    describe,
    format_wait,
    last_slot,
    next_slot,
    owed_slot,
    parse_plan,
)

UTC = dt.UTC
from zoneinfo import ZoneInfo  # noqa: E402


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def plan(at: str, tz: str, cadence: str = "daily", weekday: int = 0) -> Plan:
    return Plan(dt.time.fromisoformat(at), tz, cadence, weekday)


MOSCOW = plan("07:30", "Europe/Moscow")
BERLIN = plan("08:00", "Europe/Berlin")
BERLIN_NIGHT = plan("02:30", "Europe/Berlin")
NEW_YORK = plan("08:00", "America/New_York")
NEW_YORK_NIGHT = plan("02:30", "America/New_York")
NEW_YORK_LATE = plan("01:30", "America/New_York")


@pytest.mark.parametrize(
    ("the_plan", "after", "slot_utc", "key"),
    [
        # Moscow has no DST: always UTC+3.
        (MOSCOW, "05-01 00:00", "05-01 04:30", "05-01T07:30"),
        # Strictly after: at the slot itself, the next day's.
        (MOSCOW, "05-01 04:30", "05-02 04:30", "05-02T07:30"),
        # Berlin, the day before spring forward (CET, UTC+1) and the day of it (CEST, UTC+2).
        (BERLIN, "03-30 00:00", "03-30 07:00", "03-30T08:00"),
        (BERLIN, "03-30 07:00", "03-31 06:00", "03-31T08:00"),
        # 02:30 does not exist in Berlin on 31 March 2024: delivered one gap later (03:30 CEST).
        (BERLIN_NIGHT, "03-30 12:00", "03-31 01:30", "03-31T02:30"),
        # 02:30 happens twice on 27 October 2024: the first (CEST) one, and only it.
        (BERLIN_NIGHT, "10-26 12:00", "10-27 00:30", "10-27T02:30"),
        (BERLIN_NIGHT, "10-27 00:30", "10-28 01:30", "10-28T02:30"),
        # New York: spring forward on 10 March, fall back on 3 November 2024.
        (NEW_YORK, "03-09 14:00", "03-10 12:00", "03-10T08:00"),
        (NEW_YORK_NIGHT, "03-10 00:00", "03-10 07:30", "03-10T02:30"),
        (NEW_YORK_LATE, "11-03 00:00", "11-03 05:30", "11-03T01:30"),
        (NEW_YORK_LATE, "11-03 05:30", "11-04 06:30", "11-04T01:30"),
        # Weekdays: after Friday's slot comes Monday's (3 May 2024 was a Friday).
        (plan("09:00", "UTC", "weekdays"), "05-03 09:00", "05-06 09:00", "05-06T09:00"),
        # Weekly on Sunday (6).
        (plan("18:00", "UTC", "weekly", 6), "05-01 00:00", "05-05 18:00", "05-05T18:00"),
        # A local date ahead of UTC: Tokyo 07:00 on 2 May is 22:00 UTC on 1 May.
        (plan("07:00", "Asia/Tokyo"), "05-01 21:00", "05-01 22:00", "05-02T07:00"),
        # Seconds (tests schedule a few seconds ahead) appear in the key.
        (plan("10:00:05", "UTC"), "05-01 10:00", "05-01 10:00:05", "05-01T10:00:05"),
    ],
)
def test_next_slot_is_the_first_delivery_after_an_instant(
    the_plan: Plan, after: str, slot_utc: str, key: str
) -> None:
    """Dates are in 2024."""
    expected = Slot(utc(f"2024-{slot_utc}"), f"2024-{key}")
    assert next_slot(the_plan, utc(f"2024-{after}")) == expected


def test_consecutive_daily_slots_across_dst_are_23_and_25_hours_apart() -> None:
    berlin = plan("08:00", "Europe/Berlin")
    spring = next_slot(berlin, utc("2024-03-30 00:00"))
    autumn = next_slot(berlin, utc("2024-10-26 00:00"))
    gaps = [
        next_slot(berlin, spring.at).at - spring.at,
        next_slot(berlin, autumn.at).at - autumn.at,
    ]
    assert gaps == [dt.timedelta(hours=23), dt.timedelta(hours=25)]


def test_a_fall_back_day_has_one_slot_for_a_repeated_time() -> None:
    berlin = plan("02:30", "Europe/Berlin")
    keys = []
    at = utc("2024-10-26 12:00")
    while at < utc("2024-10-28 12:00"):
        slot = next_slot(berlin, at)
        keys.append(slot.key)
        at = slot.at
    assert keys == ["2024-10-27T02:30", "2024-10-28T02:30", "2024-10-29T02:30"]


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2024-05-01 04:30", "2024-05-01T07:30"),  # at the slot
        ("2024-05-01 04:29", "2024-04-30T07:30"),  # just before: yesterday's
    ],
)
def test_last_slot_is_the_latest_at_or_before_an_instant(at: str, expected: str) -> None:
    assert last_slot(plan("07:30", "Europe/Moscow"), utc(at)).key == expected


@pytest.mark.parametrize(
    ("now", "since", "expected"),
    [
        ("2024-05-01 09:00", "2024-04-01 00:00", "2024-05-01T08:00"),  # on time
        ("2024-05-01 13:59", "2024-04-01 00:00", "2024-05-01T08:00"),  # late, within 6 h
        ("2024-05-01 14:01", "2024-04-01 00:00", None),  # older than the grace period
        ("2024-05-01 09:00", "2024-05-01 08:30", None),  # subscribed after the slot
    ],
)
def test_owed_slot_honours_grace_and_subscription_time(
    now: str, since: str, expected: str | None
) -> None:
    slot = owed_slot(
        plan("08:00", "UTC"), since=utc(since), now=utc(now), grace=dt.timedelta(hours=6)
    )
    assert (slot.key if slot else None) == expected


DEFAULTS: dict[str, Any] = {"default_tz": "Europe/Berlin", "default_time": dt.time(8, 0)}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], plan("08:00", "Europe/Berlin")),
        (["07:30", "Europe/Moscow"], plan("07:30", "Europe/Moscow")),
        (["Europe/Moscow", "7:30"], plan("07:30", "Europe/Moscow")),  # any order
        (["weekdays", "america/new_york", "06.45"], plan("06:45", "America/New_York", "weekdays")),
        (["weekly"], plan("08:00", "Europe/Berlin", "weekly", 0)),
        (["Friday", "18:00"], plan("18:00", "Europe/Berlin", "weekly", 4)),
        (["weekly", "sun", "UTC"], plan("08:00", "UTC", "weekly", 6)),
        (["DAILY", "23:59"], plan("23:59", "Europe/Berlin")),
    ],
)
def test_parse_plan_reads_arguments_in_any_order(args: list[str], expected: Plan) -> None:
    assert parse_plan(args, **DEFAULTS) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["25:00"], "“25:00” is not a time of day"),
        (["7:60"], "“7:60” is not a time of day"),
        (["7pm"], "“7pm” is not a time of day"),
        (["Mars/Olympus"], "“Mars/Olympus” is not a time zone I know"),
        (["../../etc/passwd"], "is not a time zone I know"),
        (["tomorrow"], "I don't understand “tomorrow”"),
        (["1:00,2:00,3:00,4:00,5:00,6:00,7:00"], "At most 6 times a day"),
        (["07:00,25:00"], "is not a time of day"),
        (["daily", "monday"], "A day of the week goes with weekly"),
    ],
)
def test_parse_plan_explains_bad_input_with_an_example(args: list[str], message: str) -> None:
    with pytest.raises(PlanError) as caught:
        parse_plan(args, **DEFAULTS)
    assert message in str(caught.value)
    assert "/subscribe" in str(caught.value)


@pytest.mark.parametrize(
    ("the_plan", "words"),
    [
        (plan("07:30", "Europe/Moscow"), "every day at 07:30 Europe/Moscow"),
        (plan("09:00", "UTC", "weekdays"), "every weekday (Monday to Friday) at 09:00 UTC"),
        (plan("18:00", "UTC", "weekly", 6), "every Sunday at 18:00 UTC"),
    ],
)
def test_describe_says_the_plan_in_words(the_plan: Plan, words: str) -> None:
    assert describe(the_plan) == words


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (9 * 3600 + 12 * 60 + 30, "9 h 12 min"),
        (3600, "1 h"),
        (45 * 60, "45 min"),
        (40, "40 s"),
        (-5, "0 s"),
        (2 * 86400 + 3 * 3600, "2 d 3 h"),
    ],
)
def test_format_wait(seconds: int, words: str) -> None:
    assert format_wait(dt.timedelta(seconds=seconds)) == words


# -- several digests a day ------------------------------------------------------------------------
def test_several_times_a_day_are_slots_of_their_own() -> None:
    plan = parse_plan(["07:30,19:00", "Europe/Berlin"], default_tz="UTC", default_time=dt.time(8))
    assert (plan.times, describe(plan)) == (
        (dt.time(7, 30), dt.time(19)),
        "every day at 07:30 and 19:00 Europe/Berlin",
    )
    berlin = ZoneInfo("Europe/Berlin")
    morning = dt.datetime(2024, 3, 5, 8, 0, tzinfo=berlin)
    evening = next_slot(plan, morning)
    assert (evening.key, evening.at) == (
        "2024-03-05T19:00",
        dt.datetime(2024, 3, 5, 19, 0, tzinfo=berlin).astimezone(dt.UTC),
    )
    assert next_slot(plan, evening.at).key == "2024-03-06T07:30"
    assert last_slot(plan, evening.at + dt.timedelta(minutes=5)).key == "2024-03-05T19:00"
    assert last_slot(plan, evening.at - dt.timedelta(minutes=5)).key == "2024-03-05T07:30"
    # The same times given apart, or twice, make the same plan.
    assert parse_plan(["19:00", "07:30", "19:00", "Europe/Berlin"], default_tz="UTC",
                      default_time=dt.time(8)) == plan  # fmt: skip
