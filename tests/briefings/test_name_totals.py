"""A card's count of articles naming a person equals the count of every distinct article."""

from __future__ import annotations

import json
from pathlib import Path

from briefings.engine import Engine
from briefings.index import name_counts


def distinct_articles(engine: Engine, keys: list[str]) -> int:
    return int(
        engine.store.db.execute(
            "SELECT count(DISTINCT article_id) FROM mentions "
            "WHERE key IN (SELECT value FROM json_each(?))",
            [json.dumps(keys)],
        ).fetchone()[0]
    )


def test_articles_naming_equals_the_distinct_count(tmp_path: Path, dev_corpus: Path) -> None:
    with Engine(tmp_path / "news.db") as engine:
        engine.ingest([dev_corpus])
        db = engine.store.db
        keys = [r[0] for r in db.execute("SELECT DISTINCT key FROM mentions ORDER BY key")]
        # Names given together in one article: the articles counted twice if summed.
        together = db.execute(
            "SELECT a.key, b.key FROM mentions a JOIN mentions b "
            "ON b.article_id = a.article_id AND b.key > a.key GROUP BY a.key, b.key"
        ).fetchall()
        assert together
        sets = [[k] for k in keys] + [list(pair) for pair in together] + [keys, []]
        sets += [["no such name"], [keys[0], "no such name"]]
        for names in sets:
            assert name_counts._articles_naming(engine.store, names) == distinct_articles(
                engine, names
            ), names
