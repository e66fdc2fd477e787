"""An undated report's own dates rule groups out before its words are compared with theirs:
the choices are those that scoring every group in full gives, with fewer comparisons."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from briefings.index import events, report_records
from briefings.index.event_places import place_readings
from briefings.index.events import (
    ReportCore,
    _Group,
    _likely,
    _Report,
    best_fitting_undated,
    fitting_groups,
    undated_fitting_above,
    undated_may_fit_above,
)

MONDAY = dt.date(2024, 3, 4)
VECTOR = {"talks": 0.8, "port": 0.6}


def _report(article_id: int, title: str, day: dt.date | None, **more: object) -> _Report:
    """A report naming the same person with the same words: alike to every group."""
    return _Report(
        id=article_id,
        title=title,
        published=day,
        happened=day,
        people={"ana lind"},
        places=[],
        vector=dict(VECTOR),
        prominent={"ana lind"},
        top=frozenset(VECTOR),
        **more,  # type: ignore[arg-type]
    )


def _group(founder: int, day: dt.date) -> _Group:
    group = _Group(founder=founder, rank=(day, founder))
    group.add(_report(founder, "Leaders meet for port talks", day))
    return group


def _undated(**dates: object) -> _Report:
    return _report(99, "Port talks go on", None, referred={"ana lind"}, **dates)


A_MONTH_BEFORE = MONDAY - dt.timedelta(days=30)


RULED_OUT_BY_DATES = [
    # A Saturday: a group of a Monday's reports spans Sunday to Friday (previews date a
    # group a few days early), one of the Thursday's spans Wednesday to Monday.
    ({"happening_weekdays": {5}}, MONDAY),
    # March 9, two days after the Thursday: weeks after a group of a month before.
    ({"partial": (3, 9)}, A_MONTH_BEFORE),
    ({"month_days": {(3, 9)}}, A_MONTH_BEFORE),
    ({"pictures": [dt.date(2024, 3, 9)]}, A_MONTH_BEFORE),
]
"""An undated report's dates, and the day of a group they rule out."""


@pytest.mark.parametrize(("dates", "ruled_out_on"), RULED_OUT_BY_DATES)
def test_groups_its_dates_rule_out_are_not_compared(
    monkeypatch: pytest.MonkeyPatch, dates: dict[str, object], ruled_out_on: dt.date
) -> None:
    report = _undated(**dates)
    ruled_out = _group(1, ruled_out_on)
    fitting = _group(2, MONDAY + dt.timedelta(days=3))
    groups = [ruled_out, fitting]
    every = fitting_groups(report, groups)  # each group scored in full
    assert [g for g, _ in every] == [fitting]

    compared: list[int] = []
    cosine_of = events._cosine_of

    def counted(*args: object, **kwargs: object) -> float:
        compared.append(1)
        return cosine_of(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(events, "_cosine_of", counted)
    assert best_fitting_undated(report, groups, 16) == (every, True)
    assert undated_fitting_above(report, groups, 0.0) == every
    assert len(compared) == 2  # the fitting group's words, once for each


def test_a_weekday_rules_out_no_group_whose_days_span_a_week() -> None:
    """Every weekday falls within a span of seven days or more: a report that gives its
    happening a weekday may join such a group, whichever day that is."""
    report = _undated(happening_weekdays={5})
    group = _group(1, MONDAY)
    group.add(_group(8, MONDAY + dt.timedelta(days=7)).reports()[0])
    other_days = _group(2, MONDAY)  # Sunday to Friday: no Saturday
    assert [g for g, _ in fitting_groups(report, [group, other_days])] == [group]
    found, _ = best_fitting_undated(report, [group, other_days], 16)
    assert [g for g, _ in found] == [group]


def _kept_core(report: _Report) -> ReportCore:
    """The first part of the report's kept record, as deciding it again reads it."""
    core = report_records.core_of(report.id, report_records.record_of(report))
    assert core is not None
    return core


@pytest.mark.parametrize(("dates", "ruled_out_on"), RULED_OUT_BY_DATES)
def test_a_kept_core_says_which_groups_its_dates_rule_out(
    dates: dict[str, object], ruled_out_on: dt.date
) -> None:
    """Decided again, an undated report tells from its kept core alone that a group its
    dates rule out cannot fit it, however alike; a group that fits, it cannot rule out."""
    report = _undated(**dates)
    core = _kept_core(report)
    ruled_out = _group(1, ruled_out_on)
    fitting = _group(2, MONDAY + dt.timedelta(days=3))
    assert [g for _, g in _likely(core, [ruled_out])] == [ruled_out]  # alike enough
    assert not undated_may_fit_above(core, [ruled_out], 0.0)
    assert fitting_groups(report, [fitting])
    assert undated_may_fit_above(core, [fitting], 0.0)


def test_a_kept_core_says_when_a_group_alike_but_a_little_fits_only_by_its_date() -> None:
    """A report a little alike to a group, and naming no principal of it with a happening
    word, fits it only with evidence besides people (a photo of its day, its town): the
    core holds that evidence, and tells the two apart."""
    weakly = {"talks": 0.1, "elsewhere": (1 - 0.1**2) ** 0.5}
    group = _group(1, MONDAY)
    without = dataclasses.replace(_report(98, "Other news", None), vector=dict(weakly))
    with_photo = dataclasses.replace(without, id=99, pictures=[MONDAY])
    for report in (without, with_photo):
        assert [g for _, g in _likely(_kept_core(report), [group])] == [group]
    assert not fitting_groups(without, [group])
    assert not undated_may_fit_above(_kept_core(without), [group], 0.0)
    [(_, score)] = fitting_groups(with_photo, [group])
    assert undated_may_fit_above(_kept_core(with_photo), [group], score)
    assert not undated_may_fit_above(_kept_core(with_photo), [group], score + 0.01)


def test_a_dated_report_is_kept_whole_and_has_no_core_to_bound() -> None:
    """A dated report read back as kept is the report as built, its date included; what
    bounds an undated report's score is never read from it (its date decides where it
    goes)."""
    report = _report(7, "Port talks open", MONDAY, referred={"ana lind"})
    record = report_records.record_of(report)
    assert report_records.report_of(report.id, record) == report
    assert report_records.core_of(report.id, record) is None
    undated = _undated()
    assert report_records.report_of(undated.id, report_records.record_of(undated)) == undated


@pytest.mark.parametrize(
    "vector",
    [
        {"talks": 0.8, "port": 0.6},
        {},
        # A word holding a space (features stored before words were joined by one).
        {"port talks": 0.6, "talks": 0.8},
    ],
)
def test_a_kept_record_gives_back_the_words_their_weights_and_the_weightiest(
    vector: dict[str, float],
) -> None:
    """Kept as one string, the words read back as they were, in their order (a vector's
    sum is taken in it), each with its weight, the weightiest among them as they were."""
    report = dataclasses.replace(_undated(), vector=vector, top=frozenset(list(vector)[:1]))
    record = report_records.record_of(report)
    read = report_records.report_of(report.id, record)
    assert read == report
    assert read is not None and list(read.vector.items()) == list(vector.items())
    core = report_records.core_of(report.id, record)
    assert core is not None
    assert (core.terms, list(core.weights), core.top) == (
        tuple(vector),
        list(vector.values()),
        report.top,
    )


def test_a_kept_record_gives_back_where_its_sentences_put_the_happening() -> None:
    """What a report's title and sentences say of where things happened (not compared
    when reports are) reads back from its record as it was worked out."""
    readings = place_readings(
        "Leaders meet in Lisbon for port talks",
        ["The talks in Lisbon opened on Monday.", "Ana Lind flew to Lisbon for the summit."],
        ["Lisbon", "Portugal"],
    )
    assert readings[1], "the example puts a happening somewhere"
    report = dataclasses.replace(_undated(), place_readings=readings)
    read = report_records.report_of(report.id, report_records.record_of(report))
    assert read is not None and read.place_readings == readings
