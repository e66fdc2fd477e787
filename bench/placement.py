"""Where the benchmark corpus's undated articles were placed: with their own story's event?

The news corpus (bench/news_corpus.py) knows the story each article tells: a copy of one
source folder, weeks apart from the other copies. An event's story is the one most of its
dated articles tell. An undated article is counted:

- with its own copy's event;
- with another copy of its story: the same text weeks or years apart, which only the minor
  people each copy renames tell apart (the engine cannot date an undated article);
- with another story's event: a wrong happening;
- in no event with dated articles (one of undated articles alone).

A measure of grouping at a size the annotated corpora do not reach, not a target: it shows
what the speed figures are made of (each undated article of a story has every copy of that
story as a candidate).
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.news_corpus import Story


@dataclass(frozen=True)
class UndatedPlacement:
    undated: int
    own_copy: int
    other_copy: int
    other_story: int
    no_dated_event: int

    def line(self) -> str:
        return (
            f"undated articles: {self.undated:,}; with their own copy's event {self.own_copy:,}, "
            f"with another copy of their story {self.other_copy:,}, with another story's "
            f"{self.other_story:,}, in no event with dated articles {self.no_dated_event:,}"
        )


def undated_placement(db: Path, stories: Mapping[str, Story]) -> UndatedPlacement:
    """How the undated articles of the corpus in ``db`` were placed (articles that are no
    file of the corpus are left out)."""
    conn = sqlite3.connect(db)
    try:
        rows = [
            (story, event_id, bool(undated))
            for path, event_id, undated in conn.execute(
                "SELECT a.path, a.event_id, f.happened IS NULL "
                "FROM articles a JOIN report_features f ON f.article_id = a.id"
            )
            if (story := stories.get(Path(path).name)) is not None
        ]
    finally:
        conn.close()
    told: dict[int, Counter[Story]] = defaultdict(Counter)
    for story, event_id, undated in rows:
        if not undated and event_id is not None:
            told[event_id][story] += 1
    counts: Counter[str] = Counter()
    for story, event_id, undated in rows:
        if not undated:
            continue
        dated = told.get(event_id) if event_id is not None else None
        if not dated:
            counts["none"] += 1
            continue
        event_story = dated.most_common(1)[0][0]
        if event_story == story:
            counts["own"] += 1
        elif event_story.folder == story.folder:
            counts["copy"] += 1
        else:
            counts["other"] += 1
    return UndatedPlacement(
        undated=sum(counts.values()),
        own_copy=counts["own"],
        other_copy=counts["copy"],
        other_story=counts["other"],
        no_dated_event=counts["none"],
    )
