"""Reports as grouping built them, kept between ingests (``kept_reports``).

An added article calls for deciding again every undated report that may have its event as a
candidate: at 100,000 bench articles, thousands of them, each compared with the few events
that changed, and each one read. Near a leader's events, it also decides again hundreds of
dated reports, each joining the event it joined or another. Building a report from its
stored features (decoding them, weighing its words, finding the weightiest) costs about
twice what reading it back built does (190 against 90 µs). So each report is kept as built:
every undated one, written whenever it is indexed; the dated ones as a regroup or a
placement builds them (a database whose records changed layout keeps its dated ones again
as they are built).

A record is plain values (``kept_values``: strings, numbers, tuples, frozensets, one
dict), with its words' weights as the bytes of 64-bit floats: read back in about half the
time of the same record as JSON (a record is 2 to 4 KB; thousands are read for one added
article). Its words are one string, split when read: a hundred strings read one by one
cost about twice as much. What its sentences say of where things happened is kept in
the very shapes a report holds it, so that nothing is converted when it is read. A record
that cannot be read (damaged, or of another layout) is built again.

A kept report stays true as long as what it was built from does: its features (a changed
article is indexed again), the persons its names stand for (an article whose persons change
is a changed one), and the word weights (a new sample regroups everything from nothing).
"""

from __future__ import annotations

import datetime as dt
import itertools
import marshal
import sys
from collections.abc import Sequence
from typing import Any

from briefings.extract.event_features import joined_words, split_words
from briefings.index import kept_values
from briefings.index.event_places import readings_of_values, readings_values
from briefings.index.events import ReportCore, _Report

FORMAT = 7
"""The record layout's version, its first value: another version is built again."""


def record_of(report: _Report) -> bytes:
    """A report as ``kept_reports`` keeps it: everything but its id, the same words in
    the same order (a vector's sum is taken in that order). In two parts: what bounding an
    undated report's score against a group needs (``core_of``), and the rest."""
    terms = list(report.vector)
    core = (
        report.happened.toordinal() if report.happened else 0,
        tuple(sorted(report.people)),
        tuple(sorted(report.referred)),
        _words_value(terms),
        kept_values.float_bytes(report.vector.values()),
        # (its weightiest words are among them: by their places)
        tuple(itertools.compress(range(len(terms)), map(report.top.__contains__, terms))),
        tuple(d.toordinal() for d in report.pictures),
        report.partial or (),
        tuple(sorted(report.happening_weekdays)),
        tuple(sorted(report.month_days)),
        tuple(sorted(report.towns)),
    )
    rest = (
        report.title,
        report.published.toordinal() if report.published else 0,
        tuple(report.places),
        tuple(sorted(report.prominent)),
        tuple(d.toordinal() for d in report.happening_days),
        tuple(report.title_places),
        tuple(report.happening_sentences),
        {p: tuple(sorted(words)) for p, words in report.name_words.items()},
        tuple(report.lead_places),
        None if report.place_readings is None else readings_values(report.place_readings),
    )
    # (each part a marshal of its own, read only when wanted; the record's seal covers both)
    version = kept_values.MARSHAL_VERSION
    return kept_values.dumps((FORMAT, marshal.dumps(core, version), marshal.dumps(rest, version)))


def report_of(article_id: int, record: object) -> _Report | None:
    """The report ``record_of`` kept, or None when the record cannot be read (then it is
    built again from its features)."""
    try:
        parts = _parts(record)
        if parts is None:
            return None
        happened, *core_values = marshal.loads(parts[0])
        core = _core(article_id, core_values, interned=True)
        return _decoded(core, marshal.loads(parts[1]), happened)
    except Exception:  # values of another shape, in any place: built again
        return None


def core_of(article_id: int, record: object) -> ReportCore | None:
    """What bounding an undated report's score against a group needs (``events.ReportCore``),
    read without the rest (most of the reports an added article calls for are told apart
    by it alone), or None when the record cannot be read or is a dated report's."""
    try:
        parts = _parts(record)
        if parts is None:
            return None
        happened, *core_values = marshal.loads(parts[0])
        return None if happened else _core(article_id, core_values)
    except Exception:  # (as in ``report_of``)
        return None


def _parts(record: object) -> tuple[bytes, bytes] | None:
    values = kept_values.loads(record)
    if not isinstance(values, tuple) or len(values) != 3 or values[0] != FORMAT:
        return None
    _, core, rest = values
    if not isinstance(core, bytes) or not isinstance(rest, bytes):
        return None
    return core, rest


def _words_value(terms: list[str]) -> str | tuple[str, ...]:
    """A report's words as its record keeps them: one string (``joined_words``), or each on
    its own should a word hold the break."""
    joined = joined_words(terms)
    return tuple(terms) if joined is None else joined


def _core(article_id: int, values: Sequence[Any], *, interned: bool = False) -> ReportCore:
    """The core of a record. ``interned``: its words as the very strings a report built
    from its features has (``event_features._terms_of``), for a report kept by the thousand
    in a walk; a core that only bounds a score, read and dropped, keeps its own copies."""
    people, referred, words, weights, top, pictures, partial, weekdays, month_days, towns = values
    if isinstance(words, str):
        split = split_words(words)
        terms = tuple(map(sys.intern, split) if interned else split)
    else:
        terms = tuple(map(sys.intern, words))
    floats = kept_values.floats(weights)
    if len(floats) != len(terms):
        raise ValueError("as many weights as words")
    return ReportCore(
        id=article_id,
        people=set(people),
        referred=set(referred),
        terms=terms,
        weights=floats,
        top=frozenset(terms[i] for i in top),
        pictures=list(map(dt.date.fromordinal, pictures)),
        partial=(partial[0], partial[1]) if partial else None,
        happening_weekdays=set(weekdays),
        month_days={(m, n) for m, n in month_days},
        towns=frozenset(towns),
    )


def _decoded(core: ReportCore, values: tuple[Any, ...], happened: int) -> _Report:
    (
        title,
        published,
        places,
        prominent,
        happening_days,
        title_places,
        located,
        name_words,
        lead_places,
        readings,
    ) = values
    day = dt.date.fromordinal
    return _Report(
        id=core.id,
        title=title,
        published=day(published) if published else None,
        happened=day(happened) if happened else None,
        people=core.people,
        places=list(places),
        vector=dict(zip(core.terms, core.weights, strict=True)),
        prominent=set(prominent),
        referred=core.referred,
        happening_days=list(map(day, happening_days)),
        happening_weekdays=core.happening_weekdays,
        title_places=list(title_places),
        happening_sentences=list(located),
        name_words={p: set(words) for p, words in name_words.items()},
        partial=core.partial,
        month_days=core.month_days,
        pictures=core.pictures,
        lead_places=list(lead_places),
        top=core.top,
        towns=core.towns,
        place_readings=None if readings is None else readings_of_values(readings),
    )
