"""Where the benchmark corpus's articles were placed: with their own story's event?

The news corpus (bench/news_corpus.py) knows the story each article tells: a copy of one
source folder, weeks apart from the other copies. An event's story is the one most of its
dated articles tell. Dated and undated articles are counted apart, each:

- with its own copy's event;
- with another copy of its story: the same text weeks or years apart, which only the minor
  people each copy renames tell apart (the engine cannot date an undated article);
- with another story's event: a wrong happening (copies of different stories fall on the
  same dates, and several name the same host: at 100,000 articles, about 17 share each);
- in no event with dated articles (undated articles in one of their own).

A measure of grouping at a size the annotated corpora do not reach, not a target: it shows
what the speed figures are made of (each undated article of a story has every copy of that
story as a candidate), and how well events hold apart when many happen at once.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.news_corpus import Story


@dataclass(frozen=True)
class Placement:
    """How the articles of one kind (dated or undated) were placed."""

    articles: int
    own_copy: int
    other_copy: int
    other_story: int
    no_dated_event: int

    def line(self, kind: str) -> str:
        return (
            f"{kind} articles: {self.articles:,}; with their own copy's event {self.own_copy:,}, "
            f"with another copy of their story {self.other_copy:,}, with another story's "
            f"{self.other_story:,}, in no event with dated articles {self.no_dated_event:,}"
        )


def placement(db: Path, stories: Mapping[str, Story]) -> tuple[Placement, Placement]:
    """How the dated and the undated articles of the corpus in ``db`` were placed (articles
    that are no file of the corpus are left out). A dated article counts towards its own
    event's story: in an event of several stories, those of the lesser ones are misplaced."""
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
    counts: dict[bool, Counter[str]] = {False: Counter(), True: Counter()}
    for story, event_id, undated in rows:
        dated = told.get(event_id) if event_id is not None else None
        if not dated:
            kind = "none"
        elif (event_story := dated.most_common(1)[0][0]) == story:
            kind = "own"
        elif event_story.folder == story.folder:
            kind = "copy"
        else:
            kind = "other"
        counts[undated][kind] += 1
    found = tuple(
        Placement(
            articles=sum(c.values()),
            own_copy=c["own"],
            other_copy=c["copy"],
            other_story=c["other"],
            no_dated_event=c["none"],
        )
        for c in (counts[False], counts[True])
    )
    return found[0], found[1]
