"""A regroup that compares undated reports with dated groups in a helper process
(``likeness_ahead``) gives exactly the events and kept state of one that does not."""

from __future__ import annotations

import json
import logging
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from briefings.engine import Engine
from briefings.index import likeness_ahead
from briefings.index.event_state import EventState

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "corpora"


def _news_files(folder: Path, count: int) -> list[Path]:
    sys.path.insert(0, str(ROOT))
    from bench.news_corpus import build_news

    build_news(count, folder / "corpus")
    return sorted((folder / "corpus").glob("*.txt"))


def _database(folder: Path, files: list[Path], sample: int) -> Path:
    files = list(files)
    random.Random(5).shuffle(files)
    db = folder / "news.db"
    with Engine(db) as engine:
        with engine.store.transaction():
            # A sample smaller than the corpus: undated reports look for groups by their
            # telling words (``narrow``), as in a big corpus.
            EventState(engine.store.db.conn).set_meta("sample_limit", str(sample))
        engine.ingest(files)
        engine.store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db


def _regrouped(db: Path, copy: Path) -> dict[str, list[Any]]:
    """Everything a regroup writes, read back (the stored states parsed: their text's
    order of people and places follows the process's string hashing)."""
    shutil.copy(db, copy)
    with Engine(copy) as engine:
        engine.regroup()
    conn = sqlite3.connect(copy)
    found: dict[str, list[Any]] = {}
    for table, order in (
        ("events", "id"),
        ("event_members", "article_id"),
        ("undated_choices", "article_id"),
        ("group_people", "founder, phase, person"),
        ("top_terms", "term, article_id"),
    ):
        found[table] = conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
    for table in ("group_states", "joined_states"):
        rows = conn.execute(f"SELECT * FROM {table} ORDER BY founder").fetchall()
        found[table] = [(*row[:-1], json.loads(row[-1])) for row in rows]
    conn.close()
    return found


def _with_helper(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Start the helper for any regroup, on any machine; the list gets, for each undated
    report decided with the helper's figures, how many of its groups they spared reading
    and comparing."""
    monkeypatch.setattr(likeness_ahead, "AHEAD_UNDATED", 0)
    monkeypatch.setattr(likeness_ahead, "cores", lambda: 2)
    used: list[int] = []
    known_likeness = likeness_ahead.known_likeness

    def counted(*args: Any) -> list[Any]:
        known = known_likeness(*args)
        used.append(len(known))
        return known

    monkeypatch.setattr(likeness_ahead, "known_likeness", counted)
    return used


@pytest.fixture(scope="module")
def news_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ahead")
    return _database(folder, _news_files(folder, 500), 60)


@pytest.mark.parametrize("corpus", ["benchmark", "shared"])
def test_a_regroup_with_the_helper_writes_what_one_without_it_does(
    news_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, corpus: str
) -> None:
    if corpus == "shared":
        if not SHARED.is_dir():
            pytest.skip("../shared/corpora is not beside the project")
        db = _database(tmp_path, sorted(SHARED.rglob("*.txt")), 10)
    else:
        db = news_db
    monkeypatch.setattr(likeness_ahead, "AHEAD_UNDATED", 10**9)
    alone = _regrouped(db, tmp_path / "alone.db")
    used = _with_helper(monkeypatch)
    helped = _regrouped(db, tmp_path / "helped.db")
    assert alone["undated_choices"] and alone["joined_states"]  # undated reports joined groups
    assert sum(used) > 0  # the helper's figures were taken
    for table, rows in alone.items():
        assert helped[table] == rows, table


def test_a_failing_helper_leaves_the_walk_to_compare_everything(
    news_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(likeness_ahead, "AHEAD_UNDATED", 10**9)
    alone = _regrouped(news_db, tmp_path / "alone.db")
    used = _with_helper(monkeypatch)
    group_closed = likeness_ahead.LikenessAhead.group_closed

    def damaged(self: likeness_ahead.LikenessAhead, founder: int, state_text: str) -> None:
        group_closed(self, founder, state_text[: len(state_text) // 2])

    monkeypatch.setattr(likeness_ahead.LikenessAhead, "group_closed", damaged)
    with caplog.at_level(logging.WARNING, logger=likeness_ahead.__name__):
        helped = _regrouped(news_db, tmp_path / "helped.db")
    assert "failed (JSONDecodeError" in caplog.text
    assert not used  # nothing taken from it
    assert helped == alone


def test_a_small_regroup_or_one_core_starts_no_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(likeness_ahead, "cores", lambda: 2)
    assert likeness_ahead.worth_starting(likeness_ahead.AHEAD_UNDATED)
    assert not likeness_ahead.worth_starting(likeness_ahead.AHEAD_UNDATED - 1)
    monkeypatch.setattr(likeness_ahead, "cores", lambda: 1)
    assert not likeness_ahead.worth_starting(10**6)


def _running(pid: int) -> bool:
    """Whether the process runs (a zombie, ended but not yet reaped, does not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_a_helper_ends_when_the_walk_is_killed() -> None:
    """A regroup killed while its helper waits for groups leaves no process behind."""
    script = (
        "import os, signal\n"
        "from briefings.index.likeness_ahead import LikenessAhead\n"
        "helper = LikenessAhead({}, frozenset(), False)\n"
        "print(helper._process.pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    walk = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert walk.returncode == -signal.SIGKILL, walk.stderr
    pid = int(walk.stdout.split()[0])
    deadline = time.monotonic() + 20 * likeness_ahead.WAIT_POLL_SECONDS
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(pid)
