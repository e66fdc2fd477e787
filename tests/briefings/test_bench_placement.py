"""The benchmark's count of where undated articles were placed (bench/placement.py)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from briefings.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.news_corpus import Story, build_news  # noqa: E402
from bench.placement import undated_placement  # noqa: E402


def _undated_files(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {
            Path(path).name
            for (path,) in conn.execute(
                "SELECT a.path FROM articles a JOIN report_features f ON f.article_id = a.id "
                "WHERE f.happened IS NULL"
            )
        }
    finally:
        conn.close()


def test_every_undated_article_is_counted_once(tmp_path: Path) -> None:
    stories: dict[str, Story] = {}
    build_news(300, tmp_path / "corpus", stories=stories)
    files = sorted((tmp_path / "corpus").glob("*.txt"))
    assert set(stories) == {f.name for f in files}
    db = tmp_path / "news.db"
    with Engine(db) as engine:
        engine.ingest(files)
    placed = undated_placement(db, stories)
    undated = _undated_files(db)
    assert undated  # the corpus leaves some articles undated, as files are
    assert placed.undated == len(undated)
    parts = (placed.own_copy, placed.other_copy, placed.other_story, placed.no_dated_event)
    assert sum(parts) == placed.undated
    # Articles that are no file of the corpus are left out.
    assert undated_placement(db, {}).undated == 0


def test_an_event_tells_the_story_most_of_its_dated_articles_tell(tmp_path: Path) -> None:
    """Counted against a made-up truth: told that every article is a copy of one story,
    the undated ones in an event with dated articles are all with their own copy's."""
    stories: dict[str, Story] = {}
    build_news(300, tmp_path / "corpus", stories=stories)
    db = tmp_path / "news.db"
    with Engine(db) as engine:
        engine.ingest(sorted((tmp_path / "corpus").glob("*.txt")))
    one = {name: Story("one", 1) for name in stories}
    placed = undated_placement(db, one)
    assert placed.other_copy == placed.other_story == 0
    assert placed.own_copy + placed.no_dated_event == placed.undated
    apart = {name: Story("one", n) for n, name in enumerate(stories)}  # every article alone
    placed = undated_placement(db, apart)
    assert placed.own_copy == 0
    assert placed.other_copy + placed.no_dated_event == placed.undated
