"""One instance at a time: the database lock, and stopping on Telegram's 409 Conflict.

The process tests run the real `python -m bot` against the local Bot API server, with an
empty corpus folder so that start-up takes about half a second.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.instance import (
    CONFLICT_MESSAGE,
    EXIT_ALREADY_RUNNING,
    EXIT_CONFLICT,
    AlreadyRunning,
    InstanceLock,
    lock_holder,
    lock_path,
)
from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi

PROJECT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 20
TELEGRAM_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


# -- the lock, in process -----------------------------------------------------------------------
def test_the_lock_file_names_the_holder_until_released(tmp_path: Path) -> None:
    database = tmp_path / "data" / "news.db"  # the folder does not exist yet
    assert lock_holder(database) is None
    with InstanceLock(database) as lock:
        assert lock.path == lock_path(database) == tmp_path / "data" / "news.db.lock"
        assert lock.path.read_text() == f"{os.getpid()}\n"
        assert lock_holder(database) == os.getpid()
    assert lock_holder(database) is None
    assert lock.path.read_text() == ""


def test_two_names_of_one_database_meet_at_one_lock(tmp_path: Path) -> None:
    database = tmp_path / "data" / "news.db"
    database.parent.mkdir()
    (tmp_path / "link.db").symlink_to(database)
    (tmp_path / "linked-folder").symlink_to(database.parent, target_is_directory=True)
    with InstanceLock(database):
        for other in (
            tmp_path / "link.db",
            tmp_path / "linked-folder" / "news.db",
            tmp_path / "data" / ".." / "data" / "news.db",
        ):
            with pytest.raises(AlreadyRunning):
                InstanceLock(other).acquire()
            assert lock_holder(other) == os.getpid()


def test_a_second_lock_on_one_database_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    database = tmp_path / "news.db"
    with InstanceLock(database):
        with pytest.raises(AlreadyRunning) as refused:
            InstanceLock(database).acquire()
        assert str(refused.value) == (
            f"another newsbot (pid {os.getpid()}) is already running on {database}; "
            "stop it first, or point NEWSBOT_DB at another database file."
        )
        # another database is another matter
        with InstanceLock(tmp_path / "other.db"):
            pass
    with InstanceLock(database):  # free again
        pass


# -- real processes ------------------------------------------------------------------------------
def bot_environment(api: LocalBotApi, db: Path, corpus: Path) -> dict[str, str]:
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "NEWSBOT_", "WEBHOOK_")) and key != "PORT"
    }
    environ.update(
        TELEGRAM_BOT_TOKEN=EXAMPLE_TOKEN,
        TELEGRAM_API_URL=api.base_url,
        NEWSBOT_DB=str(db),
        NEWSBOT_CORPUS=str(corpus),
        PYTHONUNBUFFERED="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")])),
    )
    return environ


@pytest.fixture
def environment(local_api: LocalBotApi, tmp_path: Path) -> dict[str, str]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    return bot_environment(local_api, tmp_path / "news.db", corpus)


@pytest.fixture
def start_bot(tmp_path: Path, environment: dict[str, str]) -> Iterator[object]:
    """Start `python -m bot` processes; whatever is still running at the end is killed."""
    started: list[subprocess.Popen[str]] = []

    def start() -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=tmp_path,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


def test_a_second_bot_on_one_database_refuses_to_start_until_the_first_is_killed(
    local_api: LocalBotApi, tmp_path: Path, environment: dict[str, str], start_bot
) -> None:
    first = start_bot()
    local_api.wait_for_calls("setMyCommands", count=1, timeout=START_TIMEOUT)

    second = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert second.returncode == EXIT_ALREADY_RUNNING
    assert second.stderr == (
        f"newsbot: another newsbot (pid {first.pid}) is already running on "
        f"{tmp_path / 'news.db'}; stop it first, or point NEWSBOT_DB at another database file.\n"
    )
    assert len(local_api.calls("getMe")) == 1, "the second one never reached Telegram"

    first.kill()  # SIGKILL: no clean-up runs, the OS drops the lock
    first.wait(timeout=10)
    third = start_bot()
    local_api.wait_for_calls("setMyCommands", count=2, timeout=START_TIMEOUT)
    assert third.poll() is None


def poll_as_another_instance(api: LocalBotApi) -> None:
    """A getUpdates of our own, as a second process on the token would make."""
    httpx.post(f"{api.base_url}{EXAMPLE_TOKEN}/getUpdates", json={"timeout": 0}, timeout=5)


@pytest.mark.parametrize(
    "conflict",
    [
        # Telegram answers the bot's first poll with 409
        "first poll refused",
        # a second poller on the token ends the bot's long poll, as on Telegram
        "another poller",
    ],
)
def test_a_409_conflict_is_reported_and_the_bot_exits(
    local_api: LocalBotApi, start_bot, conflict: str
) -> None:
    if conflict == "first poll refused":
        local_api.fail_next("getUpdates", status=409, description=TELEGRAM_CONFLICT)
    bot = start_bot()
    local_api.wait_for_calls("setMyCommands", timeout=START_TIMEOUT)
    deadline = time.monotonic() + 10
    while bot.poll() is None and time.monotonic() < deadline:
        if conflict == "another poller":
            poll_as_another_instance(local_api)
        time.sleep(0.2)
    assert bot.poll() == EXIT_CONFLICT
    log = bot.communicate()[0]
    assert log.count(CONFLICT_MESSAGE) == 1
    assert "Traceback" not in log
    # The bot polled until the conflict and not after it: not even PTB's parting poll, which
    # would have ended the other instance's poll in turn.
    # (The bot's polls are those that name allowed_updates; the test's own do not.)
    polls = [c["status"] for c in local_api.calls("getUpdates") if "allowed_updates" in c["params"]]
    assert polls[-1] == 409 and polls.count(409) == 1


def test_a_second_bot_through_a_symlinked_database_is_refused(
    local_api: LocalBotApi, tmp_path: Path, environment: dict[str, str], start_bot
) -> None:
    start_bot()
    local_api.wait_for_calls("setMyCommands", count=1, timeout=START_TIMEOUT)
    (tmp_path / "link.db").symlink_to(tmp_path / "news.db")
    second = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={**environment, "NEWSBOT_DB": str(tmp_path / "link.db")},
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert second.returncode == EXIT_ALREADY_RUNNING, second.stderr
    assert "is already running on" in second.stderr


def test_a_bad_file_in_the_corpus_does_not_stop_the_bot(
    local_api: LocalBotApi, tmp_path: Path, start_bot
) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    bot = start_bot()
    local_api.wait_for_calls("setMyCommands", count=1, timeout=START_TIMEOUT)
    local_api.send_user_message(5, "/start")
    local_api.wait_for_messages(5, 1, timeout=20)  # it polls and answers
    assert bot.poll() is None
    bot.terminate()
    log = bot.communicate(timeout=20)[0]
    assert f"rejected {corpus / 'deep.json'}: JSON nested too deeply to be an article" in log


def damage(database: Path, how: str) -> None:
    size = database.stat().st_size
    with database.open("r+b") as file:
        if how == "truncated":
            file.truncate(size // 2)
        elif how == "overwritten":
            file.seek(size // 2)
            file.write(b"\xa5" * 8192)
        else:
            file.truncate(0)
            file.write(b"not a database at all " * 100)


@pytest.mark.parametrize("how", ["truncated", "overwritten", "foreign"])
def test_a_damaged_database_is_one_line_and_the_configuration_status(
    seeded_db: Path, tmp_path: Path, environment: dict[str, str], how: str
) -> None:
    database = tmp_path / "news.db"
    shutil.copy(seeded_db, database)
    damage(database, how)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )

    started, checked = run(), run("--check")
    assert (started.returncode, started.stdout) == (2, "")
    [line] = started.stderr.splitlines()
    assert line.startswith(f"newsbot: {database} is ") and "NEWSBOT_DB" in line
    assert checked.returncode == 1
    assert f"FAIL  database {database}: {line.removeprefix('newsbot: ')}" in checked.stdout
