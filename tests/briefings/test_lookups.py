"""Lookups that must not scan the corpus give the answers the scans gave.

- A misspelt surname is looked for among the surnames that share enough letter pairs with
  it (briefings.index.name_index): the same closest surnames as rapidfuzz's scan of them all.
- The index is brought up to date for the names a change adds or takes away, and answers
  as one built from scratch does.
- A surname is found through the mentions' surname index, not a LIKE over every name.
- A briefing's focus reads the full-text index over its event's sentences only.
- The latest event is read from the events' date index.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from rapidfuzz import fuzz, process

from briefings.engine import Engine
from briefings.index import name_counts
from briefings.index.name_index import NameIndex, letter_pairs, pairs_needed
from briefings.index.store import Store, fts_query
from tests.conftest import ROOT, SEEDS

SHARED_CORPORA = ROOT.parent / "shared" / "corpora"
QUERIES = ["said", "defense minister", '"prime minister"', "talks", "minist*", "syria OR iran"]


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds and the shared corpora (when beside the project) in one database."""
    folders = [SEEDS]
    if SHARED_CORPORA.is_dir():
        folders += sorted(p for p in SHARED_CORPORA.iterdir() if p.is_dir())
    path = tmp_path_factory.mktemp("lookups") / "corpus.db"
    with Engine(path) as engine:
        engine.ingest(folders)
    return path


@pytest.fixture
def corpus(corpus_db: Path) -> Iterator[Engine]:
    with Engine(corpus_db) as engine:
        yield engine


def misspellings(word: str, rng: random.Random) -> list[str]:
    """A word as users get it wrong: letters swapped, dropped, doubled or replaced."""
    found = []
    for _ in range(4):
        letters = list(word)
        at = rng.randrange(len(letters))
        change = rng.choice(["swap", "drop", "double", "replace"])
        if change == "swap" and at + 1 < len(letters):
            letters[at], letters[at + 1] = letters[at + 1], letters[at]
        elif change == "drop" and len(letters) > 1:
            del letters[at]
        elif change == "double":
            letters.insert(at, letters[at])
        else:
            letters[at] = rng.choice("aeiouykhsz")
        found.append("".join(letters))
    return found


def test_letter_pairs_needed_hold_for_every_close_pair_of_words() -> None:
    """The bound the index prunes by, checked against rapidfuzz on close spellings."""
    rng = random.Random(3)
    words = ["shoigu", "zelenskyy", "lula", "xi", "erdogan", "kochavi", "pelosi", "scholz"]
    for word in words:
        for other in misspellings(word, rng) + misspellings(word + word[:3], rng):
            for ratio in (60.0, 80.0, 90.0):
                if fuzz.ratio(word, other) >= ratio:
                    shared = sum((letter_pairs(word) & letter_pairs(other)).values())
                    assert shared >= pairs_needed(len(word), len(other), ratio), (word, other)


def test_closest_surnames_are_those_a_scan_of_every_surname_finds(corpus: Engine) -> None:
    if not SHARED_CORPORA.is_dir():
        pytest.skip("the shared corpora give the many surnames this needs; they are absent")
    names = corpus.store.person_name_index()
    surnames = list(names.by_surname)
    assert len(surnames) >= 40
    rng = random.Random(16)
    narrowed = 0
    for surname in rng.sample(surnames, 40):
        for asked in misspellings(surname, rng):
            for ratio in (80.0, 60.0):
                scanned = process.extract(
                    asked, surnames, scorer=fuzz.ratio, limit=5, score_cutoff=ratio
                )
                expected = [(found, score) for found, score, _ in scanned]
                assert names.closest_surnames(asked, ratio, 5) == expected, asked
            narrowed += len(names.surnames_near(asked, 80.0)) < len(surnames) / 4
    # What the index is for: most questions look at a small share of the surnames.
    assert narrowed >= 100


def test_the_name_index_is_built_once_until_the_corpus_changes(corpus: Engine) -> None:
    first = corpus.store.person_name_index()
    assert corpus.store.person_name_index() is first
    corpus.ingest([SEEDS])  # a write, even of nothing new, may change who is in the corpus
    rebuilt = corpus.store.person_name_index()
    assert rebuilt.keys == first.keys


def _layout(index: NameIndex) -> dict[str, object]:
    """Everything an index holds, its lists in their order (dicts compared as contents)."""
    return {
        "keys": index.keys,
        "ordered_keys": index.ordered_keys,
        "by_surname": index.by_surname,
        "by_word": index.by_word,
        "by_pair": index._by_pair,
        "by_length": index._by_length,
        "pair_frequency": +index._pair_frequency,
    }


def test_an_updated_name_index_is_the_one_built_from_scratch(corpus: Engine) -> None:
    """Names come and go in any order (a written form changes too): the updated index holds
    what one built from the new names holds, and answers every misspelling alike."""
    every = dict(corpus.store.person_keys())
    rng = random.Random(18)
    names = sorted(every)
    before = {k: every[k] for k in rng.sample(names, len(names) * 2 // 3)}
    after = {k: every[k] for k in rng.sample(names, len(names) * 2 // 3)}
    renamed = rng.choice(sorted(set(before) & set(after)))
    after[renamed] = after[renamed].upper()
    index = NameIndex.of(before)
    index.update(after)
    fresh = NameIndex.of(after)
    assert _layout(index) == _layout(fresh)
    surnames = sorted({k.split(" ")[-1] for k in every})
    for surname in rng.sample(surnames, min(60, len(surnames))):
        for asked in misspellings(surname, rng):
            for ratio in (80.0, 60.0):
                expected = fresh.closest_surnames(asked, ratio, 5)
                assert index.closest_surnames(asked, ratio, 5) == expected, asked
    grown = NameIndex.of({})
    grown.update(after)  # every name placed one by one: the same as built at once
    assert _layout(grown) == _layout(fresh)
    assert list(grown.by_surname) == list(fresh.by_surname)  # surnames in the same order
    index.update({})
    assert _layout(index) == _layout(NameIndex.of({}))


def test_the_name_index_follows_an_ingest_without_being_built_again(tmp_path: Path) -> None:
    """After an ingest brings new people, the store's index is the one it had, updated: it
    holds and answers what one built from the corpus's names now holds and answers."""
    seeds = sorted(SEEDS.iterdir())
    with Engine(tmp_path / "news.db") as engine:
        engine.ingest(seeds[:2])
        first = engine.store.person_name_index()
        held = set(first.keys)
        later = seeds[2:]
        if SHARED_CORPORA.is_dir():
            later += sorted(p for p in SHARED_CORPORA.iterdir() if p.is_dir())[:2]
        engine.ingest(later)
        updated = engine.store.person_name_index()
        assert updated is first
        assert set(updated.keys) - held  # the new articles' people came in
        fresh = NameIndex.of(engine.store.person_keys())
        assert _layout(updated) == _layout(fresh)
        for surname in sorted(updated.by_surname)[:: max(1, len(updated.by_surname) // 30)]:
            wrong = surname[:-2] + surname[-1] + surname[-2] if len(surname) > 3 else surname
            assert updated.closest_surnames(wrong, 80.0, 5) == fresh.closest_surnames(
                wrong, 80.0, 5
            )


def _index_holds_the_corpus(engine: Engine) -> NameIndex:
    index = engine.store.person_name_index()
    assert _layout(index) == _layout(NameIndex.of(engine.store.person_keys()))
    return index


def test_the_name_index_follows_names_that_go_and_other_writers(tmp_path: Path) -> None:
    """Names that leave with a changed or removed article leave the index; another
    connection's ingest is followed too; all of it read from the names' changes, the index
    not built again."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for seed_file in sorted(SEEDS.iterdir()):
        (folder / seed_file.name).write_bytes(seed_file.read_bytes())
    files = sorted(folder.iterdir())
    with Engine(tmp_path / "news.db") as engine:
        engine.ingest(files[:3])
        first = _index_holds_the_corpus(engine)
        # An article cut to its first lines: the people of the rest may leave.
        text = files[0].read_text("utf-8").splitlines()
        files[0].write_text("\n".join(text[:4]) + "\n", "utf-8")
        held = set(first.keys)
        engine.ingest(files[:3])
        assert _index_holds_the_corpus(engine) is first
        engine.store.delete_paths(
            [a.path for a in engine.articles() if a.path.endswith(files[1].name)]
        )
        assert _index_holds_the_corpus(engine) is first
        assert held - set(first.keys)  # some names left
        with Engine(tmp_path / "news.db") as other:  # another process's ingest
            other.ingest(files[3:])
        assert _index_holds_the_corpus(engine) is first
        assert set(first.keys) - held  # and others came


def test_a_name_index_behind_the_changes_kept_is_built_again(tmp_path: Path) -> None:
    """When the list of changes no longer reaches back to what the index holds (the oldest
    were let go), the index is built again from every name."""
    seeds = sorted(SEEDS.iterdir())
    with Engine(tmp_path / "news.db") as engine:
        engine.ingest(seeds[:2])
        first = _index_holds_the_corpus(engine)
        engine.ingest(seeds[2:])
        with engine.store.transaction():  # as the list's own trigger lets the oldest go
            engine.store.db.execute(
                "DELETE FROM name_key_changes WHERE seq < (SELECT max(seq) FROM name_key_changes)"
            )
        rebuilt = _index_holds_the_corpus(engine)
        assert rebuilt is not first


def test_the_list_of_name_changes_lets_the_oldest_go(tmp_path: Path) -> None:
    with Engine(tmp_path / "news.db") as engine:
        db = engine.store.db
        with engine.store.transaction():
            db.conn.executemany(
                "INSERT INTO name_key_changes (key) VALUES (?)",
                [(f"name {n}",) for n in range(name_counts.CHANGES_KEPT + 2_500)],
            )
        oldest, latest, count = db.execute(
            "SELECT min(seq), max(seq), count(*) FROM name_key_changes"
        ).fetchone()
        assert latest - oldest + 1 == count  # one after another, the latest kept
        assert name_counts.CHANGES_KEPT <= count < name_counts.CHANGES_KEPT + 1_000


def test_a_misspelt_surname_finds_the_person_through_the_index(corpus: Engine) -> None:
    card = corpus.who("Shoygu")[0]
    assert card.name == "Sergei Shoigu"


def test_a_surname_is_looked_up_through_its_index_not_a_scan(corpus: Engine) -> None:
    plan = " ".join(
        str(row)
        for row in corpus.store.db.execute(
            "EXPLAIN QUERY PLAN SELECT DISTINCT m.key FROM mentions m "
            "WHERE m.surname = ? AND (m.key = ? OR m.key LIKE ?)",
            ["shoigu", "shoigu", "% shoigu"],
        )
    )
    assert "mentions_surname" in plan
    every_key = {r[0] for r in corpus.store.db.execute("SELECT DISTINCT key FROM mentions")}
    wanted_names = ["shoigu", "ben shabbat", "putin", "netanyahu"]
    if SHARED_CORPORA.is_dir():
        wanted_names.append("xi")  # a one-syllable surname, named in the shared corpora only
    for wanted in wanted_names:
        expected = {k for k in every_key if k == wanted or k.endswith(" " + wanted)}
        found = set(corpus.store.person_keys_ending(wanted))
        assert found <= expected and found, wanted


def test_a_database_without_surnames_gets_them_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with Engine(path) as engine:
        engine.ingest([SEEDS])
        before = engine.who("Shoigu")[0].name
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX mentions_surname")
    conn.execute("ALTER TABLE mentions DROP COLUMN surname")
    conn.commit()
    conn.close()
    with Engine(path) as engine:
        missing = engine.store.db.execute(
            "SELECT count(*) FROM mentions WHERE surname IS NULL"
        ).fetchone()[0]
        assert missing == 0
        assert engine.who("Shoigu")[0].name == before


def test_focus_sentences_are_those_the_whole_index_finds(corpus: Engine) -> None:
    store: Store = corpus.store
    events = corpus.events()
    every_article = [a.id for a in corpus.articles()]
    rng = random.Random(7)
    spread = rng.sample(every_article, min(40, len(every_article)))  # more ranges than read apart
    for query in QUERIES:
        for ids in [list(e.article_ids) for e in events] + [spread, every_article]:
            whole = {
                (r[0], r[1])
                for r in store.db.execute(
                    "SELECT s.article_id, s.idx FROM sentences_fts JOIN sentences s "
                    "ON s.rowid = sentences_fts.rowid WHERE sentences_fts MATCH ? "
                    "AND s.article_id IN (SELECT value FROM json_each(?))",
                    [fts_query(query), json.dumps(ids)],
                )
            }
            assert store.matching_sentences(query, ids) == whole, (query, ids)
    assert store.matching_sentences("said", []) == set()
    assert store.matching_sentences("said", [10**9]) == set()


def test_the_latest_event_is_the_first_of_the_events_and_read_from_an_index(
    corpus: Engine,
) -> None:
    assert corpus.latest_event() == corpus.events()[0]
    assert corpus.store.latest_event() == corpus.events()[0]
    plan = " ".join(
        str(row)
        for row in corpus.store.db.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM events e WHERE e.date IS NOT NULL "
            "ORDER BY e.date DESC, e.id DESC LIMIT 1"
        )
    )
    assert "events_date" in plan and "TEMP B-TREE" not in plan


def test_with_only_undated_events_the_latest_is_the_last_made(tmp_path: Path) -> None:
    with Engine(tmp_path / "undated.db") as engine:
        engine.ingest([SEEDS])
        engine.store.db.execute("UPDATE events SET date = NULL")
        engine.store.db.conn.commit()
        assert engine.latest_event() == engine.events()[0]
        assert engine.latest_event().id == max(e.id for e in engine.events())
