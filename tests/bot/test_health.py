"""Health: the figures behind /status, /status itself, and `python -m bot --check`.

The figures are read from a real SQLite file written through the digest side's own store
(`SubscriptionStore`), with times pinned where the test needs them whole. /status runs in
the real Application against the local Bot API server; --check runs in process (exact
output) and once as a real process next to a running bot's lock.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.app import build_application
from bot.config import Settings
from bot.delivery.schedule import Plan, Slot, next_slot
from bot.health import (
    CorpusHealth,
    DigestHealth,
    FeedHealth,
    Health,
    IngestRun,
    digest_health,
    feed_health,
    open_read_only,
    status_html,
)
from bot.instance import InstanceLock
from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi
from bot.storage import FAILED, GONE, SENT, UNKNOWN, Subscription, SubscriptionStore
from bot.telegram_html import validate_telegram_html
from briefings.engine import Engine
from tests.bot.support import running

PROJECT = Path(__file__).resolve().parents[2]
SEEDS = PROJECT / "seeds"
UTC = dt.UTC
ADMIN = 4242
USER = 1001
NOW = dt.datetime(2024, 5, 15, 10, 0, tzinfo=UTC)  # a Wednesday


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# -- status_html ------------------------------------------------------------------------------
def test_status_text_shows_every_figure() -> None:
    health = Health(
        started_at=at("2024-05-15T07:45:00+00:00"),
        now=NOW,
        corpus=CorpusHealth(
            database=Path("news.db"),
            articles=12,
            events=4,
            last_ingest=IngestRun(
                at=at("2024-05-15T09:30:00+00:00"),
                added=2,
                updated=1,
                unchanged=9,
                rejected=1,
                errors=("inbox/empty.txt: the file is empty <no text>",),
            ),
            template_problems=("mine/brief.html.j2, line 2: unexpected '}'",),
        ),
        feeds=(
            FeedHealth("https://a.example/feed", checked_at=NOW, ok_at=NOW),
            FeedHealth(
                "https://b.example/rss?x=1&y=2",
                checked_at=NOW,
                ok_at=at("2024-05-13T08:00:00+00:00"),
                failing_since=at("2024-05-14T06:10:00+00:00"),
                last_error="HTTP 503 Service Unavailable",
            ),
            FeedHealth("https://c.example/atom"),
        ),
        digests=DigestHealth(
            subscriptions=3,
            sent_today=5,
            failed_today=1,
            unknown_today=2,
            next_due=at("2024-05-15T16:30:00+00:00"),
        ),
    )
    assert status_html(health, "Europe/Berlin") == (
        "<b>Status</b>\n"
        "up 2 h 15 min, since 2024-05-15 09:45 Europe/Berlin\n"
        "articles: 12, events: 4\n"
        "last ingest: 2024-05-15 11:30 Europe/Berlin — added 2, updated 1, unchanged 9, "
        "rejected 1\n"
        "  • inbox/empty.txt: the file is empty &lt;no text&gt;\n"
        "feeds: 3, failing: 1\n"
        "  • https://b.example/rss?x=1&amp;y=2 failing since 2024-05-14 08:10 Europe/Berlin: "
        "HTTP 503 Service Unavailable\n"
        "  • https://c.example/atom: not checked yet\n"
        "subscriptions: 3\n"
        "digests today: 5 sent, 1 failed, 2 unknown\n"
        "  • unknown: the send was cut short after the request left (a timeout, a restart); "
        "it may or may not have arrived, and is not sent again. The log names the chats.\n"
        "next digest: 2024-05-15 18:30 Europe/Berlin (in 6 h 30 min)\n"
        "template problems: 1\n"
        "  • mine/brief.html.j2, line 2: unexpected '}'"
    )


def test_status_text_of_a_fresh_bot() -> None:
    health = Health(
        started_at=NOW - dt.timedelta(seconds=4),
        now=NOW,
        corpus=CorpusHealth(database=Path("news.db"), articles=0, events=0, last_ingest=None),
        feeds=(),
        digests=DigestHealth(),
    )
    assert status_html(health, "UTC") == (
        "<b>Status</b>\n"
        "up 4 s, since 2024-05-15 09:59 UTC\n"
        "articles: 0, events: 0\n"
        "last ingest: none yet\n"
        "feeds: none configured\n"
        "subscriptions: 0\n"
        "digests today: 0 sent, 0 failed, 0 unknown\n"
        "next digest: none scheduled"
    )


# -- reading the digest side's tables ------------------------------------------------------------
@pytest.fixture
def store(tmp_path: Path) -> Iterator[SubscriptionStore]:
    store = SubscriptionStore.open(tmp_path / "news.db")
    yield store
    store.close()


def pin(store: SubscriptionStore, sql: str, *params: object) -> None:
    """Set times the store writes as "now" to fixed values."""
    with store.transaction() as conn:
        conn.execute(sql, params)


def test_feed_health_reads_what_the_feed_poller_recorded(
    store: SubscriptionStore, tmp_path: Path
) -> None:
    store.record_feed_ok("https://a.example/feed", '"v1"', None)
    store.record_feed_error("https://b.example/rss", "timed out")
    store.record_feed_error("https://b.example/rss", "HTTP 502 Bad Gateway")
    store.record_feed_error("https://gone.example/rss", "no longer configured")
    ok, failing = "2024-05-15T09:55:00+00:00", "2024-05-14T06:10:00+00:00"
    pin(store, "UPDATE feed_state SET checked_at = ?, ok_at = ? WHERE ok_at IS NOT NULL", ok, ok)
    pin(
        store,
        "UPDATE feed_state SET checked_at = ?, failing_since = ? WHERE failing_since IS NOT NULL",
        "2024-05-15T09:50:00+00:00",
        failing,
    )
    configured = ["https://a.example/feed", "https://b.example/rss", "https://c.example/atom"]
    with open_read_only(tmp_path / "news.db") as conn:
        assert feed_health(conn, configured) == [
            FeedHealth(
                "https://a.example/feed",
                checked_at=at("2024-05-15T09:55:00+00:00"),
                ok_at=at("2024-05-15T09:55:00+00:00"),
            ),
            FeedHealth(
                "https://b.example/rss",
                checked_at=at("2024-05-15T09:50:00+00:00"),
                failing_since=at("2024-05-14T06:10:00+00:00"),
                last_error="HTTP 502 Bad Gateway",
            ),
            FeedHealth("https://c.example/atom"),
        ]


@pytest.mark.parametrize(
    ("tz", "sent_today", "failed_today"),
    [
        # midnight UTC: the 23:59 delivery was yesterday's
        ("UTC", 1, 2),
        # midnight in Berlin is 22:00 UTC the day before: it counts as today's
        ("Europe/Berlin", 2, 2),
    ],
)
def test_digest_health_counts_today_in_the_bots_time_zone(
    store: SubscriptionStore, tmp_path: Path, tz: str, sent_today: int, failed_today: int
) -> None:
    daily = Plan(dt.time(8, 0), "UTC")
    weekdays = Plan(dt.time(7, 30), "Europe/Berlin", "weekdays")
    store.save(Subscription(1, daily, since=at("2024-05-01T00:00:00+00:00")))
    store.save(Subscription(2, weekdays, since=at("2024-05-01T00:00:00+00:00")))
    deliveries = [
        # chat, slot, status, finished at
        (1, "2024-05-14T08:00", SENT, "2024-05-14T23:59:00+00:00"),
        (1, "2024-05-15T08:00", SENT, "2024-05-15T08:00:05+00:00"),
        (2, "2024-05-15T07:30", FAILED, "2024-05-15T05:31:00+00:00"),
        (3, "2024-05-15T07:00", "error", "2024-05-15T07:00:01+00:00"),
        (4, "2024-05-15T07:00", GONE, "2024-05-15T07:00:01+00:00"),
    ]
    for chat, key, status, finished in deliveries:
        store.claim([(chat, Slot(NOW, key))], owner="test")
        store.finish(chat, key, status)
        pin(
            store,
            "UPDATE digest_deliveries SET finished_at = ? WHERE chat_id = ? AND slot = ?",
            finished,
            chat,
            key,
        )
    with open_read_only(tmp_path / "news.db") as conn:
        assert digest_health(conn, now=NOW, tz=tz) == DigestHealth(
            subscriptions=2,
            sent_today=sent_today,
            failed_today=failed_today,
            # Thursday 07:30 in Berlin comes before Thursday 08:00 UTC
            next_due=at("2024-05-16T05:30:00+00:00"),
        )


def test_digest_health_before_the_digest_tables_exist(tmp_path: Path) -> None:
    Engine(tmp_path / "news.db").close()  # the engine's tables only
    with open_read_only(tmp_path / "news.db") as conn:
        assert digest_health(conn, now=NOW, tz="UTC") == DigestHealth()
        assert feed_health(conn, ["https://a.example/feed"]) == [
            FeedHealth("https://a.example/feed")
        ]


# -- /status through the bot ---------------------------------------------------------------------


async def ask(api: LocalBotApi, chat_id: int, text: str) -> dict[str, Any]:
    before = len(api.messages(chat_id))
    api.send_user_message(chat_id, text)
    [answer] = (await api.await_messages(chat_id, before + 1, timeout=15))[before:]
    validate_telegram_html(answer["text"])
    return answer


@pytest.fixture
def status_db(seeded_db: Path, tmp_path: Path) -> Path:
    """The seeded database with one subscription, three digests today and a failing feed."""
    database = tmp_path / "news.db"
    shutil.copy(seeded_db, database)
    store = SubscriptionStore.open(database)
    now = dt.datetime.now(UTC)
    store.save(Subscription(5, Plan(dt.time(8, 0), "UTC"), since=now))
    for chat, status in [(5, SENT), (6, FAILED), (7, UNKNOWN)]:
        store.claim([(chat, Slot(now, "2000-01-01T08:00"))], owner="earlier run")
        store.finish(chat, "2000-01-01T08:00", status)
    store.close()
    return database


async def test_status_for_an_admin(local_api: LocalBotApi, status_db: Path) -> None:
    feed = f"{local_api.url}/feeds/world.xml"  # answers 404, like the poller will record
    store = SubscriptionStore.open(status_db)
    store.record_feed_error(feed, "HTTP 404 Not Found")
    pin(store, "UPDATE feed_state SET failing_since = ?", "2024-05-14T06:10:00+00:00")
    store.close()
    with Engine(status_db) as engine:
        events = len(engine.events())
        last = engine.store.last_ingest()
    assert last is not None
    last_at = f"{at(last['at']):%Y-%m-%d %H:%M}"
    settings = Settings(
        token=EXAMPLE_TOKEN,
        api_url=local_api.base_url,
        file_url=local_api.base_file_url,
        db_path=status_db,
        corpus=(),
        admins=frozenset({ADMIN}),
        feeds=(feed,),
    )
    async with running(build_application(settings)):
        answer = await ask(local_api, ADMIN, "/status")
    lines = answer["visible_text"].split("\n")
    assert re.fullmatch(r"up \d+ s, since \d{4}-\d\d-\d\d \d\d:\d\d UTC", lines[1])
    next_due = next_slot(Plan(dt.time(8, 0), "UTC"), dt.datetime.now(UTC)).at
    assert re.fullmatch(rf"next digest: {next_due:%Y-%m-%d} 08:00 UTC \(in .+\)", lines[-1])
    assert lines[:1] + lines[2:-1] == [
        "Status",
        f"articles: 5, events: {events}",
        f"last ingest: {last_at} UTC — added {last['added']}, updated {last['updated']}, "
        f"unchanged {last['unchanged']}, rejected {last['rejected']}",
        "feeds: 1, failing: 1",
        f"  • {feed} failing since 2024-05-14 06:10 UTC: HTTP 404 Not Found",
        "subscriptions: 1",
        "digests today: 1 sent, 1 failed, 1 unknown",
        "  • unknown: the send was cut short after the request left (a timeout, a restart); "
        "it may or may not have arrived, and is not sent again. The log names the chats.",
    ]


async def test_status_is_for_admins_only(local_api: LocalBotApi, status_db: Path) -> None:
    settings = Settings(
        token=EXAMPLE_TOKEN,
        api_url=local_api.base_url,
        file_url=local_api.base_file_url,
        db_path=status_db,
        corpus=(),
        admins=frozenset({ADMIN}),
    )
    async with running(build_application(settings)):
        answer = await ask(local_api, USER, "/status")
    assert answer["visible_text"] == "Sorry, this command is for admins."


# -- python -m bot --check ----------------------------------------------------------------------
def foreign_db(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.close()


def damaged_db(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 8)


def seeded(path: Path, seeded_db: Path) -> None:
    shutil.copy(seeded_db, path)


CHECKS: list[tuple[str, Callable[[Path], dict[str, str]], int, str]] = [
    (
        "a fresh install",
        lambda tmp: {"NEWSBOT_DB": f"{tmp}/news.db", "NEWSBOT_CORPUS": str(SEEDS)},
        0,
        "ok    configuration: no token: would run the local sandbox\n"
        "ok    database {tmp}/news.db: does not exist yet: created at the first start\n"
        f"ok    corpus folder {SEEDS}: exists\n"
        "newsbot --check: all good\n",
    ),
    (
        "a bad time zone",
        lambda tmp: {"NEWSBOT_TZ": "Mars/Olympus_Mons"},
        1,
        "FAIL  configuration: NEWSBOT_TZ='Mars/Olympus_Mons' is not a known time zone; "
        "use an IANA name like Europe/Berlin.\n"
        "newsbot --check: 1 problem(s)\n",
    ),
    (
        "another application's database",
        lambda tmp: {"NEWSBOT_DB": f"{tmp}/foreign.db", "NEWSBOT_CORPUS": str(SEEDS)},
        1,
        "ok    configuration: no token: would run the local sandbox\n"
        "FAIL  database {tmp}/foreign.db: {tmp}/foreign.db is not a usable newsbot database "
        "(the file holds another application's tables). "
        "Move it away or point NEWSBOT_DB / --db at another file.\n"
        f"ok    corpus folder {SEEDS}: exists\n"
        "newsbot --check: 1 problem(s)\n",
    ),
    (
        "a damaged database",
        lambda tmp: {"NEWSBOT_DB": f"{tmp}/damaged.db", "NEWSBOT_CORPUS": str(SEEDS)},
        1,
        "ok    configuration: no token: would run the local sandbox\n"
        "FAIL  database {tmp}/damaged.db: {tmp}/damaged.db is not a usable newsbot database "
        "(file is not a database). Move it away or point NEWSBOT_DB / --db at another file.\n"
        f"ok    corpus folder {SEEDS}: exists\n"
        "newsbot --check: 1 problem(s)\n",
    ),
    (
        "a broken template, a missing folder",
        lambda tmp: {
            "TELEGRAM_BOT_TOKEN": EXAMPLE_TOKEN,
            "NEWSBOT_DB": f"{tmp}/seeded.db",
            "NEWSBOT_CORPUS": f"{tmp}/nowhere",
            "NEWSBOT_TEMPLATES": f"{tmp}/broken",
        },
        1,
        "ok    configuration: token set, long polling\n"
        "ok    database {tmp}/seeded.db: 5 articles\n"
        "FAIL  template brief.html.j2: {tmp}/broken/brief.html.j2, line 2: "
        "Expected an expression, got 'end of print statement'\n"
        "FAIL  corpus folder {tmp}/nowhere: does not exist (NEWSBOT_CORPUS names it): "
        "the bot would ingest nothing\n"
        "newsbot --check: 2 problem(s)\n",
    ),
    (
        "good templates",
        lambda tmp: {
            "NEWSBOT_DB": f"{tmp}/seeded.db",
            "NEWSBOT_CORPUS": str(SEEDS),
            "NEWSBOT_TEMPLATES": f"{tmp}/good",
        },
        0,
        "ok    configuration: no token: would run the local sandbox\n"
        "ok    database {tmp}/seeded.db: 5 articles\n"
        "ok    templates {tmp}/good: all compile\n"
        f"ok    corpus folder {SEEDS}: exists\n"
        "newsbot --check: all good\n",
    ),
]


@pytest.fixture
def check_folder(tmp_path: Path, seeded_db: Path) -> Path:
    """Every file the --check cases point at."""
    foreign_db(tmp_path / "foreign.db")
    damaged_db(tmp_path / "damaged.db")
    seeded(tmp_path / "seeded.db", seeded_db)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "brief.html.j2").write_text("<b>{{ briefing.headline }}</b>\n}}{{ }}")
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "brief.txt.j2").write_text("{{ briefing.headline }}\n")
    return tmp_path


@pytest.mark.parametrize(
    ("environ", "status", "output"),
    [case[1:] for case in CHECKS],
    ids=[case[0] for case in CHECKS],
)
def test_check_reports_and_exits_0_or_1(
    check_folder: Path,
    capsys: pytest.CaptureFixture[str],
    environ: Callable[[Path], dict[str, str]],
    status: int,
    output: str,
) -> None:
    assert main(environ(check_folder), env_file=None, argv=["--check"]) == status
    assert capsys.readouterr().out == output.format(tmp=check_folder)


def test_check_as_a_process_beside_a_running_bot_starts_nothing(
    local_api: LocalBotApi, check_folder: Path
) -> None:
    database = check_folder / "seeded.db"
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "NEWSBOT_", "WEBHOOK_"))
    }
    environ.update(
        TELEGRAM_BOT_TOKEN=EXAMPLE_TOKEN,
        TELEGRAM_API_URL=local_api.base_url,
        NEWSBOT_DB=str(database),
        NEWSBOT_CORPUS=str(SEEDS),
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")])),
    )
    with InstanceLock(database):  # as a running bot holds it
        done = subprocess.run(
            [sys.executable, "-m", "bot", "--check"],
            cwd=check_folder,
            env=environ,
            capture_output=True,
            text=True,
            timeout=20,
        )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        "ok    configuration: token set, long polling\n"
        f"ok    database {database}: 5 articles; a bot is running on it (pid {os.getpid()})\n"
        f"ok    corpus folder {SEEDS}: exists\n"
        "newsbot --check: all good\n"
    )
    assert local_api.calls() == [], "--check never talks to Telegram"


# -- --check and the corpus folders ------------------------------------------------------------
def test_check_fails_when_the_shipped_seeds_are_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An installation that lost its seeds briefs nothing: --check says so, not "all good"."""
    import bot.config

    monkeypatch.setattr(bot.config, "SHIPPED_CORPUS", tmp_path / "site-packages" / "seeds")
    environ = {"NEWSBOT_DB": str(tmp_path / "news.db")}
    assert main(environ, env_file=None, argv=["--check"]) == 1
    assert (
        f"FAIL  corpus folder {tmp_path}/site-packages/seeds: the seed articles are missing "
        "from this installation: reinstall newsbot, or point NEWSBOT_CORPUS at your articles\n"
    ) in capsys.readouterr().out


def test_check_accepts_an_empty_corpus_folder_and_says_it_is_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "articles"
    (folder / ".hidden").mkdir(parents=True)
    (folder / ".hidden" / "draft.txt").write_text("not read: hidden folders are skipped")
    (folder / "notes.pdf").write_bytes(b"%PDF")
    environ = {"NEWSBOT_DB": str(tmp_path / "news.db"), "NEWSBOT_CORPUS": str(folder)}
    assert main(environ, env_file=None, argv=["--check"]) == 0
    from briefings.read.readers import FORMATS

    assert (
        f"ok    corpus folder {folder}: exists, but holds no article files yet "
        f"({' '.join(sorted(FORMATS))})\n"
    ) in capsys.readouterr().out


def test_newsbot_check_with_a_missing_corpus_fails_on_stdout_with_status_1(tmp_path: Path) -> None:
    """As a container health check runs it: the command, its status and its words."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("NEWSBOT_", "TELEGRAM_"))
    }
    environ.update(NEWSBOT_DB=str(tmp_path / "news.db"), NEWSBOT_CORPUS=str(tmp_path / "gone"))
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT), environ.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--check"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"FAIL  corpus folder {tmp_path}/gone: does not exist" in result.stdout
    assert result.stdout.endswith("newsbot --check: 1 problem(s)\n")
