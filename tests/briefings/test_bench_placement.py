"""The benchmark's count of where articles were placed (bench/placement.py)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from briefings.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.news_corpus import Story, build_news  # noqa: E402
from bench.placement import placement  # noqa: E402


def _files(db: Path, *, undated: bool) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {
            Path(path).name
            for (path,) in conn.execute(
                "SELECT a.path FROM articles a JOIN report_features f ON f.article_id = a.id "
                "WHERE (f.happened IS NULL) = ?",
                [undated],
            )
        }
    finally:
        conn.close()


def test_every_article_is_counted_once(tmp_path: Path) -> None:
    stories: dict[str, Story] = {}
    build_news(300, tmp_path / "corpus", stories=stories)
    files = sorted((tmp_path / "corpus").glob("*.txt"))
    assert set(stories) == {f.name for f in files}
    db = tmp_path / "news.db"
    with Engine(db) as engine:
        engine.ingest(files)
    dated, undated = placement(db, stories)
    assert _files(db, undated=True)  # the corpus leaves some articles undated, as files are
    assert dated.articles == len(_files(db, undated=False))
    assert undated.articles == len(_files(db, undated=True))
    for placed in (dated, undated):
        parts = (placed.own_copy, placed.other_copy, placed.other_story, placed.no_dated_event)
        assert sum(parts) == placed.articles
    assert dated.no_dated_event == 0  # a dated article's event has one: itself
    assert dated.own_copy > 0
    # Articles that are no file of the corpus are left out.
    assert all(p.articles == 0 for p in placement(db, {}))


def test_an_event_tells_the_story_most_of_its_dated_articles_tell(tmp_path: Path) -> None:
    """Counted against a made-up truth: told that every article is a copy of one story,
    those in an event with dated articles are all with their own copy's; told that each
    is a copy of its own, one dated article of each event is (the event tells its story)."""
    stories: dict[str, Story] = {}
    build_news(300, tmp_path / "corpus", stories=stories)
    db = tmp_path / "news.db"
    with Engine(db) as engine:
        engine.ingest(sorted((tmp_path / "corpus").glob("*.txt")))
    one = {name: Story("one", 1) for name in stories}
    for placed in placement(db, one):
        assert placed.other_copy == placed.other_story == 0
        assert placed.own_copy + placed.no_dated_event == placed.articles
    apart = {name: Story("one", n) for n, name in enumerate(stories)}
    dated, undated = placement(db, apart)
    assert undated.own_copy == 0
    assert undated.other_copy + undated.no_dated_event == undated.articles
    conn = sqlite3.connect(db)
    try:
        events = conn.execute(
            "SELECT count(DISTINCT a.event_id) FROM articles a "
            "JOIN report_features f ON f.article_id = a.id WHERE f.happened IS NOT NULL"
        ).fetchone()[0]
    finally:
        conn.close()
    assert dated.own_copy == events < dated.articles
    assert dated.other_copy == dated.articles - events
