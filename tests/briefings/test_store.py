"""The index: schema, idempotent ingest, updates in place, search, bad database files."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from briefings.engine import Engine
from briefings.errors import DatabaseError
from briefings.index import corpus_version
from briefings.index.store import SCHEMA_VERSION, Store, fts_query
from tests.conftest import SEEDS, seed


def test_ingesting_the_seeds_twice_changes_nothing(engine: Engine) -> None:
    first = engine.ingest([SEEDS])
    second = engine.ingest([SEEDS])
    assert len(first.added) == 5
    assert (second.added, second.updated, len(second.unchanged)) == ((), (), 5)
    assert len(engine.articles()) == 5


def test_an_edited_file_is_updated_in_place(engine: Engine, tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(seed("003").read_text("utf-8"), "utf-8")
    engine.ingest([article])
    article.write_text(article.read_text("utf-8") + "\nA closing sentence was added.\n", "utf-8")
    report = engine.ingest([article])
    assert report.updated == (str(article),)
    assert len(engine.articles()) == 1
    assert engine.search("closing sentence added")[0].path == str(article)


def test_the_database_uses_wal_and_fts5(engine: Engine) -> None:
    conn = engine.store.db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert "articles_fts" in engine.store.db.table_names()


def test_search_ranks_highlights_and_filters(seeded: Engine) -> None:
    hits = seeded.search("annex")
    assert hits and all("[annex" in h.snippet.lower() for h in hits)
    assert {h.path.rsplit("/", 1)[-1][:3] for h in hits} >= {"000", "001", "002"}
    assert seeded.search("annex", until=__import__("datetime").date(2018, 1, 1)) == []


@pytest.mark.parametrize(
    "text",
    [
        '"unbalanced',
        "AND OR NOT",
        "*",
        "NEAR(",
        "'; DROP TABLE articles; --",
        "a" * 3000,
        "(((",
        "",
    ],
)
def test_search_never_fails_on_hostile_queries(seeded: Engine, text: str) -> None:
    assert isinstance(seeded.search(text), list)


def test_the_best_english_matches_are_found_past_articles_in_other_languages(
    seeded: Engine,
) -> None:
    """search_article_ids ranks in the full-text index alone and drops the articles not in
    English after: it finds as many as a ranked query joined to the articles does, in the
    same order, even when the best ranked are in other languages."""
    db = seeded.store.db
    joined = (
        "SELECT f.rowid FROM articles_fts f JOIN articles a ON a.id = f.rowid "
        "WHERE articles_fts MATCH ? AND a.language = 'en' ORDER BY f.rank, f.rowid LIMIT ?"
    )
    best_first = [r[0] for r in db.execute(joined, [fts_query("annex"), 10])]
    assert len(best_first) >= 3
    db.execute(
        "UPDATE articles SET language = 'fr' WHERE id IN (?, ?)", best_first[:2]
    )  # the two best
    for limit in range(1, 6):
        expected = [r[0] for r in db.execute(joined, [fts_query("annex"), limit])]
        assert seeded.store.search_article_ids("annex", limit=limit) == expected
        assert not set(expected) & set(best_first[:2])
    for hostile in ('"unbalanced', "NEAR(", "*", ""):
        assert seeded.store.search_article_ids(hostile) == []


def test_search_reads_snippets_of_the_best_matches_alone(seeded: Engine) -> None:
    """Without a topic or dates, search ranks in the full-text index and reads only the best
    matches with their snippets: the hits a query joined to the articles gives, in order."""
    db = seeded.store.db
    joined = (
        "SELECT a.path, snippet(articles_fts, 1, '[', ']', '…', 16), bm25(articles_fts) AS score "
        "FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
        "WHERE articles_fts MATCH ? {} ORDER BY score, a.id LIMIT ?"
    )
    db.execute("UPDATE articles SET language = 'fr' WHERE id = (SELECT min(id) FROM articles)")
    compared = 0
    for query in ("annex", "prime minister", "valley*", '"West Bank"'):
        for limit in (1, 3, 10):
            for english_only in (False, True):
                where = "AND a.language = 'en'" if english_only else ""
                expected = [
                    (path, snippet, score)
                    for path, snippet, score in db.execute(
                        joined.format(where), [fts_query(query), limit]
                    )
                ]
                hits = seeded.store.search(query, limit=limit, english_only=english_only)
                assert [(h.path, h.snippet, h.score) for h in hits] == expected, query
                compared += len(expected)
    assert compared > 20


def test_fts_query_quotes_every_term() -> None:
    assert fts_query('annex "West Bank" valley*') == '"West Bank" "annex" "valley"*'


def test_a_foreign_database_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="not a usable newsbot database"):
        Store.open(path)


def test_a_damaged_database_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    with pytest.raises(DatabaseError):
        Store.open(path)


def test_a_bad_file_is_reported_and_the_rest_is_indexed(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.txt").write_text(seed("000").read_text("utf-8"), "utf-8")
    (folder / "empty.txt").write_text("", "utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    report = engine.ingest([folder, tmp_path / "missing.txt"])
    assert len(report.added) == 1
    rejected = dict(report.rejected)
    assert set(rejected) == {
        str(folder / "empty.txt"),
        str(folder / "binary.txt"),
        str(tmp_path / "missing.txt"),
    }
    assert all(reason for reason in rejected.values())


@pytest.mark.parametrize(
    ("include", "exclude", "expected"),
    [
        ([], [], {"000", "001", "002", "003", "004"}),
        (["annexation"], [], {"000", "001", "002"}),  # stemmed: "annex" matches "annexation"
        (["ELECTIONS"], ["Lieberman"], {"000", "003"}),  # case-insensitive; exclusion wins
        (['"Mossad Director"'], [], {"004"}),  # a phrase
        (["annex", "Mossad"], ["hotline", "hot-line"], {"000", "004"}),
        (["zzzz"], [], set()),
        (['"unbalanced', "NEAR("], [], set()),  # hostile text is only words
    ],
)
def test_keyword_filters_go_through_the_full_text_index(
    seeded: Engine, include: list[str], exclude: list[str], expected: set[str]
) -> None:
    articles = {a.id: Path(a.path).name[:3] for a in seeded.articles()}
    kept = seeded.filter_articles(articles, include, exclude)
    assert {articles[i] for i in kept} == expected


def test_a_file_holding_only_the_bots_tables_is_not_foreign(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE bot_schema (name TEXT PRIMARY KEY, version INTEGER)")
    conn.commit()
    conn.close()
    store = Store.open(path)
    assert "articles" in store.db.table_names()
    store.close()


def test_sentences_are_indexed_by_topic(seeded: Engine) -> None:
    ids = [a.id for a in seeded.articles()]
    on_annexation = seeded.store.sentences_on_topic("annexation", ids)
    texts = {
        s.text for s in seeded.store.sentences(ids) if (s.article_id, s.index) in on_annexation
    }
    assert texts and all("annex" in t.lower() or "sovereignty" in t.lower() for t in texts)


def test_id_lists_beyond_sqlites_variable_limit_are_fine(seeded: Engine) -> None:
    ids = [a.id for a in seeded.articles()] + list(range(100_000, 140_000))
    assert len(seeded.store.articles(ids)) == 5
    assert len(seeded.filter_articles(ids, ["annex"], [])) == 3


def test_a_version_1_database_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = Store.open(path)
    store.db.execute("ALTER TABLE sentences DROP COLUMN topics")
    store.db.execute("PRAGMA user_version=1")
    store.db.conn.commit()
    store.close()
    with Engine(path) as engine:
        engine.ingest([SEEDS])
        assert engine.brief("annexation").sections
        assert engine.store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_setting_an_articles_event_does_not_reindex_its_text(seeded: Engine) -> None:
    trigger = seeded.store.db.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'articles_au'"
    ).fetchone()[0]
    assert 'AFTER UPDATE OF "title", "text"' in trigger
    article = seeded.articles()[0]
    seeded.store.db.execute("UPDATE articles SET event_id = 999 WHERE id = ?", [article.id])
    seeded.store.db.execute(
        "UPDATE articles SET text = text || ' zanzibarish' WHERE id = ?", [article.id]
    )
    assert [h.article_id for h in seeded.search("zanzibarish")] == [article.id]


def test_a_special_file_is_rejected_with_a_reason(engine: Engine) -> None:
    report = engine.ingest(["/dev/null"])
    assert report.rejected == (("/dev/null", "not a regular file"),)


def test_a_huge_query_is_quoted_back_short(seeded: Engine) -> None:
    from briefings.errors import NothingToBrief

    with pytest.raises(NothingToBrief) as error:
        seeded.brief("<junk>" * 500)
    assert len(str(error.value)) < 200


def test_people_added_by_another_process_are_found(seeded: Engine, tmp_path: Path) -> None:
    assert seeded.who("Shoigu")
    other = tmp_path / "other.txt"
    other.write_text(
        "Berg meets Sato\n\nOSLO, March 3, 2021 (Reuters) - Norwegian Prime Minister Anna Berg "
        "met Japanese Foreign Minister Kenji Sato in Oslo on Wednesday.\n",
        "utf-8",
    )
    db_file = seeded.store.db.execute("PRAGMA database_list").fetchone()[2]
    with Engine(db_file) as second:
        second.ingest([other])
    assert seeded.who("Kenji Sato")[0].name == "Kenji Sato"


def test_what_is_worked_out_from_the_corpus_is_kept_until_it_changes(
    seeded: Engine, tmp_path: Path
) -> None:
    store = seeded.store
    calls: list[int] = []

    def count_articles() -> int:
        calls.append(1)
        return store.article_count()

    assert store.until_changed("articles", count_articles) == 5
    assert store.until_changed("articles", count_articles) == 5
    assert len(calls) == 1  # kept
    with store.transaction():  # this store's write, even of nothing
        pass
    assert store.until_changed("articles", count_articles) == 5
    assert len(calls) == 2
    other = tmp_path / "other.txt"
    other.write_text(
        "Berg meets Sato\n\nOSLO, March 3, 2021 (Reuters) - Norwegian Prime Minister Anna Berg "
        "met Japanese Foreign Minister Kenji Sato in Oslo on Wednesday.\n",
        "utf-8",
    )
    db_file = store.db.execute("PRAGMA database_list").fetchone()[2]
    with Engine(db_file) as second:  # another connection's commit
        second.ingest([other])
    assert store.until_changed("articles", count_articles) == 6
    assert len(calls) == 3


def test_what_is_kept_outlives_other_commits_that_leave_the_corpus_as_it_was(
    seeded: Engine,
) -> None:
    """The bot keeps its own tables in the same file: another connection's commit to them
    leaves what the store worked out kept. A commit that writes any row of the articles,
    the events or the persons names stand for makes it worked out again, as does this
    store's own write."""
    store = seeded.store
    calls: list[int] = []

    def work_out() -> int:
        calls.append(1)
        return len(calls)

    db_file = store.db.execute("PRAGMA database_list").fetchone()[2]
    other = sqlite3.connect(db_file)
    try:
        assert store.until_changed("probe", work_out) == 1
        with other:
            other.execute("CREATE TABLE IF NOT EXISTS chats_of_a_bot (chat_id INTEGER)")
        with other:
            other.execute("INSERT INTO chats_of_a_bot VALUES (42)")
        assert store.until_changed("probe", work_out) == 1  # kept
        writes = [
            "UPDATE articles SET word_count = word_count WHERE id = (SELECT min(id) FROM articles)",
            "UPDATE events SET title = title WHERE id = (SELECT min(id) FROM events)",
            "INSERT INTO person_names (key, person, anchor) VALUES ('nobody here', 'Nobody', "
            "'nobody here')",
            "DELETE FROM person_names WHERE key = 'nobody here'",
            "DELETE FROM events WHERE id = (SELECT max(id) FROM events)",
        ]
        for sql in writes:
            worked = len(calls)
            with other:
                other.execute(sql)
            store.until_changed("probe", work_out)
            assert len(calls) == worked + 1, sql  # worked out again
            with other:
                other.execute("DELETE FROM chats_of_a_bot")
            store.until_changed("probe", work_out)
            assert len(calls) == worked + 1, sql  # and then kept again
        with store.transaction():  # this store's write, even of nothing
            pass
        store.until_changed("probe", work_out)
        assert len(calls) == len(writes) + 2
        with other:
            other.execute("INSERT INTO chats_of_a_bot VALUES (7)")
        store.until_changed("probe", work_out)
        assert len(calls) == len(writes) + 2  # what this store wrote is what it keeps
    finally:
        other.close()


def test_the_latest_few_of_some_events_are_those_all_of_them_list_first(
    tmp_path: Path, dev_corpus: Path
) -> None:
    """events(ids, limit=n) picks the latest n before reading their articles: the same
    events, in the same order, as the first n of them all (undated ones last)."""
    with Engine(tmp_path / "news.db") as engine:
        engine.ingest([SEEDS, dev_corpus])
        store = engine.store
        every = store.events()
        assert len(every) > 4 and any(e.date is None for e in every)
        assert store.events(limit=3) == every[:3] and store.events(limit=99) == every
        ids = [e.id for e in every]
        for chosen in (ids[::2], ids[1::2], ids[-3:], ids[:1], [*ids[-3:], 10**9], ids[::-1]):
            for limit in (1, 2, 5, len(chosen) + 1):
                assert store.events(chosen, limit=limit) == store.events(chosen)[:limit]
        assert store.events([], limit=5) == []


def test_the_sources_overview_counts_outlets_as_their_articles_cite_them(
    tmp_path: Path, dev_corpus: Path
) -> None:
    """The outlets most articles come from, each with its count and its latest articles,
    as counted from every article (an inferred outlet apart, the unstated ones as one)."""
    with Engine(tmp_path / "news.db") as engine:
        engine.ingest([SEEDS, dev_corpus])
        articles = engine.articles()
        by_outlet: dict[str | None, list[int]] = {}
        for a in articles:
            by_outlet.setdefault(a.source_name if a.outlet else None, []).append(a.id)
        named = sorted((n for n in by_outlet if n), key=lambda n: (-len(by_outlet[n]), n))
        assert len(named) > 3 and None in by_outlet
        for outlets, latest in ((2, 1), (3, 2), (len(named) + 5, 10)):
            overview = engine.sources_overview(outlets, latest)
            shown = [o.outlet for o in overview.outlets]
            assert shown == sorted(named[:outlets]) + [None]
            for o in overview.outlets:
                ids = sorted(by_outlet[o.outlet], reverse=True)
                assert o.article_count == len(ids)
                assert [a.id for a in o.latest] == ids[:latest]
            left = named[outlets:]
            assert overview.outlets_left_out == len(left)
            assert overview.articles_left_out == sum(len(by_outlet[n]) for n in left)


def test_the_corpus_figures_are_those_counted_from_every_article(
    tmp_path: Path, dev_corpus: Path
) -> None:
    with Engine(tmp_path / "news.db") as engine:
        engine.ingest([SEEDS, dev_corpus])
        articles = engine.articles()
        figures = engine.corpus_figures()
        assert figures.english < figures.articles == len(articles)
        assert figures.english == sum(a.language == "en" for a in articles)
        assert figures.outlets == len({a.source_name for a in articles if a.outlet}) > 1
        assert figures.events == len(engine.events()) == engine.event_count()
        assert figures.topics == len(engine.topics())


def test_what_came_in_since_an_instant_is_read_from_the_instants_index(seeded: Engine) -> None:
    """Digests, alerts and filters ask for what came in since an instant, again and again:
    read from the index of instants, in id order, not by a scan of every article."""
    store = seeded.store
    every = sorted(a.id for a in seeded.articles())
    assert [a.id for a in store.articles_ingested_since("")] == every
    assert store.articles_ingested_since("9999") == []
    asked: list[str] = []
    store.db.conn.set_trace_callback(asked.append)
    try:
        store.articles_ingested_since("2000")
    finally:
        store.db.conn.set_trace_callback(None)
    [sql] = [s for s in asked if "ingested_at >" in s]
    plan = " ".join(str(row) for row in store.db.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
    assert "articles_ingested" in plan and "SCAN articles" not in plan


def test_what_is_kept_of_an_event_outlives_writes_that_leave_the_event_as_it_was(
    seeded: Engine,
) -> None:
    """A write of the corpus makes what was worked out of an event worked out again only if
    it wrote the event, one of its articles, or the person of a name its articles give."""
    store = seeded.store
    first, second = seeded.events()[:2]
    calls: Counter[int] = Counter()

    def keep(event_id: int, article_ids: tuple[int, ...]) -> int:
        def work_out() -> tuple[int, frozenset[str]]:
            calls[event_id] += 1
            return calls[event_id], store.mention_keys(article_ids)

        return store.until_event_changed("probe", event_id, 10, event_id, work_out)

    def worked_out_again() -> set[int]:
        before = calls.copy()
        keep(first.id, first.article_ids)
        keep(second.id, second.article_ids)
        return {event_id for event_id in calls if calls[event_id] != before[event_id]}

    assert worked_out_again() == {first.id, second.id}
    assert worked_out_again() == set()
    # A name the second event's articles give and the first's do not.
    only_second = sorted(
        store.mention_keys(second.article_ids) - store.mention_keys(first.article_ids)
    )[0]
    db_file = store.db.execute("PRAGMA database_list").fetchone()[2]
    other = sqlite3.connect(db_file)
    try:
        writes = [
            ("CREATE TABLE chats_of_a_bot (chat_id INTEGER)", set()),
            ("INSERT INTO chats_of_a_bot VALUES (42)", set()),
            (
                f"UPDATE articles SET word_count = word_count WHERE id = {second.article_ids[0]}",
                {second.id},
            ),
            (f"UPDATE events SET title = title WHERE id = {first.id}", {first.id}),
            (
                "INSERT OR REPLACE INTO person_names (key, person, anchor) "
                f"VALUES ('{only_second}', 'somebody else', '{only_second}')",
                {second.id},
            ),
            (f"DELETE FROM person_names WHERE key = '{only_second}'", {second.id}),
            ("INSERT INTO person_names VALUES ('nobody here', 'nobody', 'nobody here')", set()),
            (  # an article moves from one event to the other
                f"UPDATE articles SET event_id = {second.id} WHERE id = {first.article_ids[-1]}",
                {first.id, second.id},
            ),
            (f"DELETE FROM events WHERE id = {second.id}", {second.id}),
        ]
        for sql, changed in writes:
            with other:
                other.execute(sql)
            assert worked_out_again() == changed, sql
            assert worked_out_again() == set(), sql  # and then kept again
        # This store's own write, of one article of the first event.
        with store.transaction():
            store.db.execute(
                "UPDATE articles SET title = title WHERE id = ?", [first.article_ids[0]]
            )
        assert worked_out_again() == {first.id}
        with store.transaction():  # a write of nothing
            pass
        assert worked_out_again() == set()
        # What is kept of the corpus as a whole goes at every write of it, as before.
        assert store.until_changed("whole", lambda: 1) == 1
        with other:
            other.execute(f"UPDATE events SET title = title WHERE id = {first.id}")
        assert store.until_changed("whole", lambda: 2) == 2
    finally:
        other.close()


def test_a_file_with_the_earlier_corpus_triggers_gets_the_logged_ones(tmp_path: Path) -> None:
    db_file = tmp_path / "earlier.db"
    with Engine(db_file) as engine:
        engine.ingest([seed("001")])
        event_id = engine.events()[0].id
    conn = sqlite3.connect(db_file)
    with conn:
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'corpus_logged_%'"
        ).fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("DROP TABLE corpus_event_changes")
        conn.execute(
            "CREATE TRIGGER corpus_changed_events_update AFTER UPDATE ON events BEGIN "
            "UPDATE corpus_version SET version = version + 1; END"
        )
    conn.close()
    with Engine(db_file) as engine:
        conn = engine.store.db.conn
        triggers = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
        assert "corpus_changed_events_update" not in triggers
        assert {f"corpus_logged_events_{op}" for op in ("insert", "update", "delete")} <= triggers
        version = corpus_version.read(conn)
        with engine.store.transaction():
            conn.execute("UPDATE events SET title = title WHERE id = ?", [event_id])
        assert corpus_version.read(conn) == version + 1
        assert corpus_version.changed_since(conn, version).events == {event_id}
