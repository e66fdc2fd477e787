"""A batch of articles written together stores the rows, ids included, that writing them one
at a time stores: new articles, one already stored (replaced), one given twice in the batch."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from briefings.engine import Engine
from briefings.extract.analyse import analyse
from briefings.extract.topics import Taxonomy
from briefings.models import Article
from briefings.read.readers import read_documents
from tests.conftest import SEEDS

TABLES = {
    "articles": "SELECT id, path, title, text, checksum, outlet, published, language, contributors, "
    "topics, event_hints, word_count FROM articles ORDER BY id",
    "sentences": "SELECT * FROM sentences ORDER BY id",
    "mentions": "SELECT * FROM mentions ORDER BY id",
    "entities": "SELECT * FROM entities ORDER BY id",
    "article_topics": "SELECT * FROM article_topics ORDER BY article_id, topic",
    "name_counts": "SELECT * FROM name_counts ORDER BY key, weak, name, english",
    "found in sentences": "SELECT rowid FROM sentences_fts WHERE sentences_fts MATCH 'minister' "
    "ORDER BY rowid",
    "found in articles": "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'minister' "
    "ORDER BY rowid",
}


def _seed_articles() -> list[Article]:
    taxonomy = Taxonomy.load()
    files = sorted(p for p in SEEDS.iterdir() if p.suffix == ".txt")
    return [analyse(d, taxonomy) for f in files for d in read_documents(f).documents]


def _stored(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    conn = engine.store.db.conn
    return {name: conn.execute(sql).fetchall() for name, sql in TABLES.items()}


def test_a_batch_stores_what_one_at_a_time_stores(tmp_path: Path) -> None:
    articles = _seed_articles()
    assert len(articles) >= 4
    first, second, *rest = articles
    changed = dataclasses.replace(second, text=second.text + " The minister left.", checksum="x")
    # Stored before; then a batch: new ones, the second replaced, one given twice
    # in a row, the first again.
    before = [first, second]
    batch = [*rest[:-1], changed, rest[-1], rest[-1], first]

    with Engine(tmp_path / "one.db") as one_at_a_time:
        for article in [*before, *batch]:
            one_at_a_time.store.save_articles([article])
        expected = _stored(one_at_a_time)
    with Engine(tmp_path / "batch.db") as batched:
        batched.store.save_articles(before)
        ids = batched.store.save_articles(batch)
        stored = _stored(batched)

    assert stored == expected
    assert ids[len(rest) - 1] == 2  # the changed article kept its id
    assert ids[len(rest) + 1] == ids[len(rest)]  # the one given twice is one article
    assert ids[-1] == 1
    assert len(stored["articles"]) == len(articles)
    assert stored["found in sentences"] and stored["found in articles"]
