"""The topics listed from the counts kept as articles come and go (index.topic_counts) are
those listed from every article filed under them: as articles are ingested, grouped (their
days inferred), changed, stored again in another language, and removed."""

from __future__ import annotations

import shutil
from pathlib import Path

from briefings.engine import Engine
from briefings.index import topic_counts
from tests.conftest import SEEDS


def listed(engine: Engine) -> list[tuple[object, ...]]:
    return [tuple(r) for r in engine.store.db.execute(topic_counts.TOPICS).fetchall()]


def from_articles(engine: Engine) -> list[tuple[object, ...]]:
    rows = engine.store.db.execute(topic_counts.TOPICS_FROM_ARTICLES).fetchall()
    return [tuple(r) for r in rows]


def test_the_topics_follow_articles_as_they_come_change_and_go(
    tmp_path: Path, dev_corpus: Path
) -> None:
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    with Engine(tmp_path / "news.db") as engine:
        engine.ingest([folder, dev_corpus])
        db = engine.store.db
        assert any(a.language != "en" for a in engine.articles())  # not counted
        # Grouping gave undated articles their event's day: the topics' days follow.
        assert db.execute(
            "SELECT count(*) FROM articles WHERE inferred_date IS NOT NULL"
        ).fetchone()[0]
        assert listed(engine) and listed(engine) == from_articles(engine)
        assert [t.name for t in engine.topics()] == [r[0] for r in from_articles(engine)]

        # An article changed: cut to its first lines, it is filed under fewer topics.
        changed = sorted(folder.glob("*.txt"))[0]
        lines = changed.read_text("utf-8").splitlines()
        changed.write_text("\n".join(lines[:3]) + "\n", "utf-8")
        engine.ingest([folder])
        assert listed(engine) == from_articles(engine)

        # An article stored again in another language, then back; a day cleared.
        with engine.store.transaction():
            db.execute(
                "UPDATE articles SET language = 'de' WHERE id = (SELECT min(id) FROM articles)"
            )
        assert listed(engine) == from_articles(engine)
        with engine.store.transaction():
            db.execute(
                "UPDATE articles SET language = 'en' WHERE id = (SELECT min(id) FROM articles)"
            )
            db.execute(
                "UPDATE articles SET published = NULL, inferred_date = NULL WHERE id = (SELECT max(id) FROM articles)"
            )
        assert listed(engine) == from_articles(engine)

        # Articles removed.
        gone = sorted(folder.glob("*.txt"))[1:3]
        engine.store.delete_paths(
            [a.path for a in engine.articles() if any(a.path.endswith(g.name) for g in gone)]
        )
        assert listed(engine) == from_articles(engine)


def test_topics_kept_on_a_database_that_had_none_start_from_its_articles(seeded: Engine) -> None:
    db = seeded.store.db
    before = listed(seeded)
    db.execute("DROP TABLE topic_counts")
    assert not topic_counts.exists(db.conn)
    assert [t.name for t in seeded.topics()] == [r[0] for r in before]  # read from the articles
    topic_counts.ensure(seeded.store)
    assert listed(seeded) == before == from_articles(seeded)
