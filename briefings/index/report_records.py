"""Undated reports as grouping built them, kept between ingests (``undated_reports``).

An added article calls for deciding again every undated report that may have its event as a
candidate: at 100,000 bench articles, about 2,800 of them, each compared with the few events
that changed, and each one read. Building a report from its stored features (decoding them,
weighing its words, finding the weightiest) costs about twice what reading it back built
does. So each undated report is kept as built, written whenever it is indexed.

A kept report stays true as long as what it was built from does: its features (a changed
article is indexed again), the persons its names stand for (an article whose persons change
is a changed one), and the word weights (a new sample regroups everything from nothing).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from briefings.index.event_state import vector_fields, vector_of
from briefings.index.events import _Report


def record_of(report: _Report) -> str:
    """An undated report as ``undated_reports`` keeps it: everything but its id, the same
    words in the same order (a vector's sum is taken in that order)."""
    assert report.happened is None, "only undated reports are kept"
    return json.dumps(
        {
            "title": report.title,
            "published": report.published.isoformat() if report.published else None,
            "people": sorted(report.people),
            "places": report.places,
            **vector_fields(report.vector),
            "prominent": sorted(report.prominent),
            "referred": sorted(report.referred),
            "happening_days": [d.isoformat() for d in report.happening_days],
            "weekdays": sorted(report.happening_weekdays),
            "title_places": report.title_places,
            "located": report.happening_sentences,
            "name_words": {p: sorted(words) for p, words in report.name_words.items()},
            "partial": report.partial,
            "month_days": sorted(report.month_days),
            "pictures": [d.isoformat() for d in report.pictures],
            "lead_places": report.lead_places,
            "top": sorted(report.top),
            "towns": sorted(report.towns),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def report_of(article_id: int, text: str) -> _Report | None:
    """The report ``record_of`` kept, or None when the record cannot be read (then it is
    built again from its features)."""
    try:
        return _decoded(article_id, json.loads(text))
    except (ValueError, KeyError, TypeError):
        return None


def _decoded(article_id: int, d: dict[str, Any]) -> _Report:
    day = dt.date.fromisoformat
    partial = d["partial"]
    return _Report(
        id=article_id,
        title=d["title"],
        published=day(d["published"]) if d["published"] else None,
        happened=None,
        people=set(d["people"]),
        places=d["places"],
        vector=vector_of(d),
        prominent=set(d["prominent"]),
        referred=set(d["referred"]),
        happening_days=list(map(day, d["happening_days"])),
        happening_weekdays=set(d["weekdays"]),
        title_places=d["title_places"],
        happening_sentences=d["located"],
        name_words={p: set(words) for p, words in d["name_words"].items()},
        partial=(partial[0], partial[1]) if partial else None,
        month_days={(m, n) for m, n in d["month_days"]},
        pictures=list(map(day, d["pictures"])),
        lead_places=d["lead_places"],
        top=frozenset(d["top"]),
        towns=frozenset(d["towns"]),
    )
