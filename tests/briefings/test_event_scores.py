"""Which events a topic or query is about (index.event_scores): the whole corpus's scores
when it has few events, the latest events' when it has many and they match."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from briefings.engine import Engine
from briefings.index import event_scores as scoring
from tests.conftest import ROOT, SEEDS

SHARED_CORPORA = ROOT.parent / "shared" / "corpora"
QUERIES = ["diplomacy", "defense minister", "talks", "visit", "sanctions", "minist*"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    folders = [SEEDS]
    if SHARED_CORPORA.is_dir():
        folders += sorted(p for p in SHARED_CORPORA.iterdir() if p.is_dir())
    path: Path = tmp_path_factory.mktemp("scores") / "corpus.db"
    engine = Engine(path)
    engine.ingest(folders)
    return engine


def whole_corpus_scores(engine: Engine, query: str) -> Counter[int]:
    """Two for each article filed under the topic, one for each of the 200 best matches."""
    scores: Counter[int] = Counter()
    for event_id, count in engine.store.event_ids_for_topic(query).items():
        scores[event_id] += 2 * count
    hits = engine.store.search_article_ids(query, limit=200)
    scores.update(engine.store.event_ids_of_articles(hits).values())
    return scores


def test_a_corpus_of_few_events_is_scored_whole(corpus: Engine) -> None:
    assert len(corpus.events()) <= scoring.RECENT_EVENTS
    for query in QUERIES + [t.name for t in corpus.topics()]:
        assert scoring.event_scores(corpus.store, query) == whole_corpus_scores(corpus, query)


def test_many_events_are_scored_among_the_latest_first(
    corpus: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    dated = [e for e in corpus.events() if e.date]  # latest first
    if len(dated) < 4:
        pytest.skip("needs the shared corpora's events")
    monkeypatch.setattr(scoring, "RECENT_EVENTS", 2)
    if len(dated) <= 2 * scoring.WIDENING:
        pytest.skip("needs more events than the wider window")
    latest = {e.id for e in dated[:2]}
    wider = {e.id for e in dated[: 2 * scoring.WIDENING]}
    checked: Counter[str] = Counter()
    for query in QUERIES + [t.name for t in corpus.topics()]:
        whole = whole_corpus_scores(corpus, query)
        found = scoring.event_scores(corpus.store, query)
        if whole.keys() & latest:
            # Every recent article filed under the topic or matching the words counts.
            assert found and set(found) <= latest, query
            checked["latest"] += 1
        elif whole.keys() & wider:
            # None of the latest is about it: the wider window's articles are read next.
            assert found and set(found) <= wider and not found.keys() & latest, query
            checked["wider"] += 1
        else:
            assert found == whole, query  # nothing recent: the whole corpus, as before
            checked["whole"] += 1
    assert checked["latest"] and checked["wider"], checked


def test_the_latest_events_are_read_again_after_an_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The recent articles are kept between briefs: an ingest that brings a later event
    makes it one of them."""
    monkeypatch.setattr(scoring, "RECENT_EVENTS", 1)
    seeds = sorted(SEEDS.iterdir())
    with Engine(tmp_path / "news.db") as engine:
        engine.ingest(seeds)
        if len([e for e in engine.events() if e.date]) < 2:
            pytest.skip("the seeds make one dated event")
        before = scoring.event_scores(engine.store, "minister")
        later = tmp_path / "later.txt"
        later.write_text(
            "Berg meets Sato\n\nOSLO, March 3, 2031 (Reuters) - Norwegian Prime Minister Anna "
            "Berg met Japanese Foreign Minister Kenji Sato in Oslo on Wednesday.\n",
            "utf-8",
        )
        engine.ingest([later])
        newest = engine.events()[0]
        assert newest.date and newest.date.year == 2031
        after = scoring.event_scores(engine.store, "minister")
        assert set(after) == {newest.id} != set(before)


def test_a_query_asked_again_is_scored_once(
    corpus: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scores are kept for the latest KEPT_QUERIES queries until the corpus changes (the
    ingest above shows a change is seen); each caller gets a copy of its own."""
    scored: Counter[str] = Counter()
    score = scoring._scores

    def counting(store, query):  # type: ignore[no-untyped-def]
        scored[query] += 1
        return score(store, query)

    monkeypatch.setattr(scoring, "_scores", counting)
    monkeypatch.setattr(scoring, "KEPT_QUERIES", 0)
    for _ in range(2):
        assert scoring.event_scores(corpus.store, "talks") == whole_corpus_scores(corpus, "talks")
    assert scored == Counter({"talks": 2})
    monkeypatch.setattr(scoring, "KEPT_QUERIES", 1)
    first = scoring.event_scores(corpus.store, "talks")
    first[-1] = 7  # the caller's own
    assert scoring.event_scores(corpus.store, "talks") == whole_corpus_scores(corpus, "talks")
    assert scored == Counter({"talks": 3})
    scoring.event_scores(corpus.store, "visit")  # the one kept now
    scoring.event_scores(corpus.store, "talks")
    assert scored == Counter({"talks": 4, "visit": 1})


def test_reading_the_recent_articles_holds_no_transaction_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The recent articles' ids go into a table of the connection's own: filling it commits
    at once (another connection may write the file meanwhile), and inside a write of the
    store's it goes with that write."""
    monkeypatch.setattr(scoring, "RECENT_EVENTS", 1)
    later = tmp_path / "later.txt"
    later.write_text(
        "Berg meets Sato\n\nOSLO, March 3, 2031 (Reuters) - Norwegian Prime Minister Anna "
        "Berg met Japanese Foreign Minister Kenji Sato in Oslo on Wednesday.\n",
        "utf-8",
    )
    with Engine(tmp_path / "news.db") as engine:
        engine.ingest([*sorted(SEEDS.iterdir()), later])
        newest = engine.events()[0]
        assert len([e for e in engine.events() if e.date]) >= 2
        first = scoring.event_scores(engine.store, "minister")
        assert set(first) == {newest.id}
        assert not engine.store.db.conn.in_transaction
        other = sqlite3.connect(tmp_path / "news.db", timeout=0)  # fails if the file is locked
        with other:
            other.execute("CREATE TABLE elsewhere (x)")
        other.close()
        with engine.store.transaction():  # read again: another connection committed
            assert scoring.event_scores(engine.store, "minister") == first
        assert not engine.store.db.conn.in_transaction
        assert scoring.event_scores(engine.store, "minister") == first
        assert scoring.event_scores(engine.store, "Berg Sato") == first


def test_each_count_of_recent_events_reads_its_own_articles(
    corpus: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The recent articles are kept for each count of recent events, each with its own
    table of ids: asked for with one count, then another, then the first again, each finds
    what it found the first time."""
    dated = [e for e in corpus.events() if e.date]  # latest first
    if len(dated) < 4:
        pytest.skip("needs the shared corpora's events")
    monkeypatch.setattr(scoring, "KEPT_QUERIES", 0)
    found: dict[int, list[dict[str, Counter[int]]]] = {1: [], 2: []}
    for count in (2, 1, 2, 1):
        monkeypatch.setattr(scoring, "RECENT_EVENTS", count)
        latest = {e.id for e in dated[:count]}
        scores = {query: scoring.event_scores(corpus.store, query) for query in QUERIES}
        for query, scored in scores.items():
            if scored.keys() & latest:
                assert set(scored) <= latest, (count, query)
        found[count].append(scores)
    assert found[2][0] == found[2][1]
    assert found[1][0] == found[1][1]
    assert found[1][0] != found[2][0]


def test_the_recent_articles_filed_under_a_topic_are_read_for_that_topic(
    corpus: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each topic's recent articles, read for it alone, are those the topics' table files
    under it (in id order); words that are no topic read none."""
    dated = [e for e in corpus.events() if e.date]
    if len(dated) < 4:
        pytest.skip("needs the shared corpora's events")
    monkeypatch.setattr(scoring, "RECENT_EVENTS", 3)
    store = corpus.store
    recent = scoring._recent_articles(store, scoring.RECENT_EVENTS)
    assert recent is not None
    filed: dict[str, list[int]] = {}
    for topic, article_id in store.db.execute(
        "SELECT topic, article_id FROM article_topics ORDER BY article_id"
    ):
        if article_id in recent.events:
            filed.setdefault(topic, []).append(article_id)
    assert filed
    # Read by seeks for each recent article, and from the topic's own index: the same.
    for share in (0.0, 1e9, scoring.FEW_FILED_SHARE):
        monkeypatch.setattr(scoring, "FEW_FILED_SHARE", share)
        for topic in [t.name for t in corpus.topics()] + ["defense minister", "no such topic"]:
            assert scoring._filed_under(store, topic, recent) == filed.get(topic, []), topic


def test_an_events_articles_and_their_language_are_read_from_an_index(
    corpus: Engine, tmp_path: Path
) -> None:
    """The recent articles' events and languages come from the index by event and language,
    not from the articles' rows (where the language comes after the text); the index by
    event alone, which it begins with, is dropped, also from a file that has it."""
    asked: list[str] = []
    store = corpus.store
    store.db.conn.set_trace_callback(asked.append)
    try:
        scoring._read_recent_articles(store, 1)
    finally:
        store.db.conn.set_trace_callback(None)
    [sql] = [s for s in asked if "language = 'en'" in s]
    plan = " ".join(str(row) for row in store.db.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
    assert "COVERING INDEX articles_event_language" in plan
    path = tmp_path / "older.db"
    with Engine(path) as engine:
        engine.ingest([SEEDS])
        engine.store.db.execute('CREATE INDEX "idx_articles_event_id" ON "articles" ("event_id")')
        engine.store.db.conn.commit()
    with Engine(path) as engine:
        indexes = {
            r[0]
            for r in engine.store.db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'articles'"
            )
        }
        assert "articles_event_language" in indexes and "idx_articles_event_id" not in indexes


def test_scores_kept_for_each_count_of_recent_events_read_as_afresh_after_a_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scores kept for one count of recent events are brought up to date, after a write,
    with that count's recent articles (not another count's)."""
    monkeypatch.setattr(scoring, "KEPT_QUERIES", 10)
    texts = {
        "later.txt": "Berg meets Sato\n\nOSLO, March 3, 2031 (Reuters) - Norwegian Prime "
        "Minister Anna Berg met Japanese Foreign Minister Kenji Sato in Oslo on Wednesday.\n",
        "latest.txt": "Sato meets Lind\n\nTOKYO, May 5, 2032 (Reuters) - Japanese Foreign "
        "Minister Kenji Sato met Swedish Defence Minister Eva Lind in Tokyo on Monday.\n",
    }
    for name, text in texts.items():
        (tmp_path / name).write_text(text, "utf-8")
    queries = ["minister", "Sato", "visit", "talks"]
    path = tmp_path / "news.db"
    with Engine(path) as engine:
        engine.ingest([*sorted(SEEDS.iterdir()), tmp_path / "later.txt"])
        for count in (1, 2, 1):
            monkeypatch.setattr(scoring, "RECENT_EVENTS", count)
            for query in queries:
                scoring.event_scores(engine.store, query)
        engine.ingest([tmp_path / "latest.txt"])
        for count in (2, 1):
            monkeypatch.setattr(scoring, "RECENT_EVENTS", count)
            kept = {q: scoring.event_scores(engine.store, q) for q in queries}
            with Engine(path) as fresh:
                assert kept == {q: scoring.event_scores(fresh.store, q) for q in queries}, count
