"""The counts `who` reads of each name (index.name_counts) equal a count from scratch, as
articles come, change and go; a card made from a person's latest articles keeps the corpus's
counts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from briefings.brief import compose
from briefings.engine import Engine
from briefings.index import name_counts
from tests.conftest import SEEDS


def counted(engine: Engine) -> set[tuple[object, ...]]:
    return set(
        engine.store.db.execute(
            "SELECT key, weak, name, english, surname, mentions, weight FROM name_counts"
        ).fetchall()
    )


def from_scratch(engine: Engine) -> set[tuple[object, ...]]:
    return set(engine.store.db.execute(name_counts.FROM_SCRATCH).fetchall())


def articles_counted(engine: Engine) -> dict[str, int]:
    return dict(engine.store.db.execute("SELECT key, articles FROM name_articles").fetchall())


def articles_from_scratch(engine: Engine) -> dict[str, int]:
    return dict(engine.store.db.execute(name_counts.ARTICLES_FROM_SCRATCH).fetchall())


def counts_hold(engine: Engine) -> bool:
    return counted(engine) == from_scratch(engine) and articles_counted(
        engine
    ) == articles_from_scratch(engine)


def test_counts_follow_articles_as_they_come_change_and_go(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    with Engine(tmp_path / "news.db") as engine:
        engine.ingest([folder])
        assert counted(engine) and articles_counted(engine) and counts_hold(engine)

        # An article changed: its paragraphs naming people cut down to the first half.
        changed = sorted(folder.glob("*.txt"))[0]
        lines = changed.read_text("utf-8").splitlines()
        changed.write_text("\n".join(lines[: len(lines) // 2]) + "\n", "utf-8")
        engine.ingest([folder])
        assert counts_hold(engine)

        # An article removed.
        gone = sorted(folder.glob("*.txt"))[1]
        articles = engine.article_count()
        engine.store.delete_paths([a.path for a in engine.articles() if a.path.endswith(gone.name)])
        assert engine.article_count() == articles - 1
        assert counts_hold(engine)
        assert counted(engine)


def test_counts_created_on_a_database_with_mentions_start_from_them(seeded: Engine) -> None:
    before = counted(seeded)
    db = seeded.store.db
    for trigger in ("name_counts_add", "name_counts_take", "name_counts_change"):
        db.execute(f"DROP TRIGGER {trigger}")
    db.execute("DROP TABLE name_counts")
    name_counts.ensure(seeded.store)
    assert counted(seeded) == before == from_scratch(seeded)
    assert articles_counted(seeded) == articles_from_scratch(seeded)


def test_counts_of_an_earlier_layout_are_made_again_with_the_articles(seeded: Engine) -> None:
    """A database whose counts were kept before name_articles was: its counts and triggers
    are made again, the articles of each name counted from the mentions stored."""
    before = articles_counted(seeded)
    db = seeded.store.db
    db.execute("DROP TABLE name_articles")
    name_counts.ensure(seeded.store)
    assert articles_counted(seeded) == before == articles_from_scratch(seeded)
    assert counts_hold(seeded)


def test_a_name_given_twice_in_an_article_counts_it_once(seeded: Engine) -> None:
    """A second mention of a name in an article (another spelling folded alike) adds no
    article, and its article goes from the name only with the last of them; a mention moved
    to another name moves its article likewise."""
    db = seeded.store.db
    key, article_id = db.execute(
        "SELECT key, article_id FROM mentions WHERE key IS NOT NULL ORDER BY id LIMIT 1"
    ).fetchone()
    articles = articles_counted(seeded)[key]
    db.execute(
        "INSERT INTO mentions (article_id, name, key, roles, nationality, sentences, quotes, "
        "weak) SELECT article_id, name || ' again', key, roles, nationality, sentences, "
        "quotes, weak FROM mentions WHERE key = ? AND article_id = ?",
        [key, article_id],
    )
    assert articles_counted(seeded)[key] == articles and counts_hold(seeded)
    second = db.execute("SELECT max(id) FROM mentions").fetchone()[0]
    db.execute("UPDATE mentions SET key = 'a name of no one' WHERE id = ?", [second])
    assert articles_counted(seeded)[key] == articles and counts_hold(seeded)
    db.execute("UPDATE mentions SET key = ? WHERE id = ?", [key, second])
    assert counts_hold(seeded)
    db.execute(
        "DELETE FROM mentions WHERE key = ? AND article_id = ? AND id != ?",
        [key, article_id, second],
    )
    assert articles_counted(seeded)[key] == articles and counts_hold(seeded)
    db.execute("DELETE FROM mentions WHERE id = ?", [second])
    assert articles_counted(seeded).get(key, 0) == articles - 1 and counts_hold(seeded)


def test_a_card_from_the_latest_articles_keeps_the_corpus_counts(
    seeded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = seeded.who("Netanyahu")[0]
    assert len(whole.articles) > 2 and whole.article_count == len(whole.articles)
    monkeypatch.setattr(compose, "MAX_CARD_ARTICLES", 2)
    latest = seeded.who("Netanyahu")[0]
    assert latest.name == whole.name
    assert (latest.mentions, latest.article_count) == (whole.mentions, whole.article_count)
    assert len(latest.articles) == 2
    # The latest stored: the articles with the highest ids.
    ids = {a.path: a.id for a in seeded.articles()}
    kept = sorted(ids[p] for p in latest.articles)
    assert kept == sorted(ids[p] for p in whole.articles)[-2:]


PERSON_KEYS_FROM_MENTIONS = (
    "SELECT m.key, min(m.name) FROM mentions m "
    "JOIN articles a ON a.id = m.article_id LEFT JOIN person_names p ON p.key = m.key "
    "WHERE a.language = 'en' AND (m.weak = 0 OR p.person IS NOT NULL) GROUP BY m.key"
)


def test_the_names_who_compares_are_those_of_every_english_mention(
    tmp_path: Path, dev_corpus: Path
) -> None:
    with Engine(tmp_path / "news.db") as engine:
        engine.ingest([SEEDS, dev_corpus])
        assert any(a.language != "en" for a in engine.articles())  # one article in German
        expected = dict(engine.store.db.execute(PERSON_KEYS_FROM_MENTIONS).fetchall())
        assert engine.store.person_keys() == expected
        assert counts_hold(engine)
