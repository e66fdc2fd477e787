"""Faults during a digest fan-out: delivered, lost, duplicated and unknown, per scenario.

    python bench/faults.py            # 200 chats, every scenario (about 2 minutes)
    python bench/faults.py 500        # another number of chats

Each scenario subscribes N private chats to a slot a minute old, starts the real
`python -m bot` against the local Bot API server (which injects the scenario's faults), and,
for the crash scenarios, kills it with SIGKILL while a send is in flight, then starts it
again. When every delivery in the ledger has an outcome, it counts per chat:

- delivered: the chat got the digest (exactly once or more);
- duplicated: it got it more than once (must be 0);
- lost: it got nothing although it was not gone (blocked, not found);
- unknown: the ledger says the bot cannot know whether it arrived;
- silent: lost and not recorded unknown (must be 0: a loss is always visible).

The crash points are the 1st, the middle and the last send of the fan-out: the server takes
that chat's message and never answers, and the bot is killed as soon as the request arrives
(the other sends in flight at that moment are wherever they are).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bot.delivery.schedule import Plan  # noqa: E402
from bot.localapi.faults import Fault  # noqa: E402
from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi  # noqa: E402
from bot.storage import Subscription, SubscriptionStore  # noqa: E402
from briefings.engine import Engine  # noqa: E402

SEEDS = PROJECT / "seeds"
UTC = dt.UTC
FINAL = ("sent", "skipped", "gone", "failed", "error", "unknown")
START_TIMEOUT = 60.0
FIRST_CHAT = 20_000_000


@dataclass(frozen=True)
class Scenario:
    """Faults armed on the server, and (optionally) a SIGKILL when a given send arrives."""

    name: str
    arm: Callable[[LocalBotApi, list[int]], None] = lambda api, chats: None
    kill_at: int | None = None
    """Kill the bot when the request for the chat at this 1-based position arrives."""
    gone: Callable[[list[int]], set[int]] = lambda chats: set()
    """Chats that cannot receive anything (blocked, not found): not counted as lost."""


@dataclass
class Tally:
    """What the chats got, and what the ledger says."""

    chats: int
    delivered: int = 0
    duplicated: int = 0
    lost: int = 0
    unknown: int = 0
    silent: int = 0
    gone: int = 0
    ledger: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def every(step: int, chats: list[int]) -> list[int]:
    return chats[step - 1 :: step]


def migrated_id(chat_id: int) -> int:
    """The supergroup id a chat of the refusals scenario is upgraded to."""
    return -(1_000_000_000_000 + chat_id)


def scenarios(count: int) -> list[Scenario]:
    middle = max(1, count // 2)

    def kill_holding(position: int) -> Scenario:
        def arm(api: LocalBotApi, chats: list[int]) -> None:
            api.inject("sendMessage", Fault.accept_then_silence(), chat_id=chats[position - 1])

        ordinal = {1: "1st"}.get(position, f"{position}th")
        return Scenario(f"kill -9 at the {ordinal} send, then restart", arm=arm, kill_at=position)

    def each(fault: Fault, step: int, times: int = 1) -> Callable[[LocalBotApi, list[int]], None]:
        def arm(api: LocalBotApi, chats: list[int]) -> None:
            for chat_id in every(step, chats):
                api.inject("sendMessage", fault, chat_id=chat_id, count=times)

        return arm

    def storm(api: LocalBotApi, chats: list[int]) -> None:
        api.inject("sendMessage", Fault.flood(2), count=count // 4)

    def refusals(api: LocalBotApi, chats: list[int]) -> None:
        for position, chat_id in enumerate(every(10, chats)):
            if position % 3 == 2:
                new_id = migrated_id(chat_id)
                api.add_chat(new_id, chat_type="supergroup")
                api.inject("sendMessage", Fault.migrated(new_id), chat_id=chat_id)
            else:
                fault = Fault.forbidden() if position % 3 == 0 else Fault.chat_not_found()
                api.inject("sendMessage", fault, chat_id=chat_id)

    def refused(chats: list[int]) -> set[int]:
        return {c for n, c in enumerate(every(10, chats)) if n % 3 != 2}

    return [
        Scenario("no faults"),
        kill_holding(1),
        kill_holding(middle),
        kill_holding(count),
        Scenario("1 in 20 accepted, never answered", arm=each(Fault.accept_then_silence(), 20)),
        Scenario("1 in 20 dropped before accepting", arm=each(Fault.drop(), 20)),
        Scenario("1 in 20 dropped after accepting", arm=each(Fault.drop(after_accepting=True), 20)),
        Scenario("1 in 10 answered 502, twice", arm=each(Fault.server_error(502), 10, times=2)),
        Scenario(f"429 storm: {count // 4} answers of retry_after 2", arm=storm),
        Scenario("1 in 10: 403, chat not found, migrated", arm=refusals, gone=refused),
    ]


# -- running ---------------------------------------------------------------------------------------
def prepare(workdir: Path, template: Path, count: int) -> tuple[Path, list[int]]:
    """A copy of the seeded database with `count` chats owed a slot a minute ago."""
    db = workdir / "newsbot.db"
    shutil.copy(template, db)
    now = dt.datetime.now(UTC)
    plan = Plan((now - dt.timedelta(minutes=1)).time().replace(second=0, microsecond=0), "UTC")
    chats = [FIRST_CHAT + n for n in range(count)]
    store = SubscriptionStore.open(db)
    store.save_all(Subscription(c, plan, now - dt.timedelta(days=1)) for c in chats)
    store.close()
    return db, chats


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


def ledger(db: Path) -> Counter[str]:
    """Statuses of the digest ledger, read without writing."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return Counter(
            dict(conn.execute("SELECT status, count(*) FROM digest_deliveries GROUP BY status"))
        )
    finally:
        conn.close()


def unknown_chats(db: Path) -> set[int]:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT chat_id FROM digest_deliveries WHERE status = 'unknown'")
        return {row[0] for row in rows}
    finally:
        conn.close()


def wait_for_outcomes(db: Path, count: int, process: subprocess.Popen[bytes], limit: float) -> None:
    """Until every delivery of the slot has a final status (or the bot died, or time ran out)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None:
        try:
            statuses = ledger(db)
        except sqlite3.OperationalError:  # tables not created yet
            statuses = Counter()
        if sum(statuses[s] for s in FINAL) >= count:
            return
        time.sleep(0.2)
    raise TimeoutError(f"the fan-out did not finish: ledger {dict(ledger(db))}")


def run_scenario(scenario: Scenario, count: int, template: Path, workdir: Path) -> Tally:
    """Run one scenario on a fresh copy of the database and count the outcome."""
    db, chats = prepare(workdir, template, count)
    corpus = workdir / "corpus"
    corpus.mkdir(exist_ok=True)
    log = (workdir / "bot.log").open("ab")
    started = time.monotonic()
    with LocalBotApi() as api:
        for chat_id in chats:
            api.add_chat(chat_id)
        api.rate_limit(per_second=30, per_group_per_minute=20, per_chat_per_second=1)
        scenario.arm(api, chats)
        environ = bot_environment(api, db, corpus)

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                [sys.executable, "-m", "bot"], cwd=workdir, env=environ, stdout=log, stderr=log
            )

        process = start()
        try:
            if scenario.kill_at is not None:
                held = chats[scenario.kill_at - 1]
                arrived = api.wait_until_blocking(
                    lambda: any(
                        call["params"].get("chat_id") == held
                        for call in api.call_log
                        if call["method"] == "sendMessage"
                    ),
                    START_TIMEOUT + count,
                )
                if not arrived:
                    raise TimeoutError(f"the send to chat {held} never arrived")
                process.send_signal(signal.SIGKILL)
                process.wait()  # reaped: its claims now belong to a dead process
                api.clear_faults()
                process = start()
            wait_for_outcomes(db, count, process, START_TIMEOUT + count)
            time.sleep(0.5)  # a late duplicate would show up now
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.close()
        # A migrated chat receives under its new id.
        received = {c: len(api.messages(c)) + len(api.messages(migrated_id(c))) for c in chats}
    statuses = ledger(db)
    unknown = unknown_chats(db)
    gone = scenario.gone(chats)
    lost = {c for c, n in received.items() if n == 0 and c not in gone}
    return Tally(
        chats=count,
        delivered=sum(1 for n in received.values() if n >= 1),
        duplicated=sum(1 for n in received.values() if n > 1),
        lost=len(lost),
        unknown=len(unknown),
        silent=len(lost - unknown),
        gone=len(gone),
        ledger=dict(statuses),
        seconds=time.monotonic() - started,
    )


def seeded_template(folder: Path) -> Path:
    template = folder / "seeded.db"
    with Engine(template) as engine:
        engine.ingest([SEEDS])
    return template


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("chats", nargs="?", type=int, default=200)
    options = parser.parse_args()
    count = options.chats
    header = (
        f"{'scenario':<44} {'delivered':>9} {'lost':>5} {'duplicated':>10} {'unknown':>7} "
        f"{'silent':>6} {'gone':>5} {'seconds':>7}"
    )
    print(f"digest fan-out to {count} chats through `python -m bot`\n")
    print(header)
    print("-" * len(header))
    totals = Counter[str]()
    with tempfile.TemporaryDirectory() as folder:
        template = seeded_template(Path(folder))
        for number, scenario in enumerate(scenarios(count)):
            workdir = Path(folder) / f"scenario-{number}"
            workdir.mkdir()
            tally = run_scenario(scenario, count, template, workdir)
            print(
                f"{scenario.name:<44} {tally.delivered:>9} {tally.lost:>5} "
                f"{tally.duplicated:>10} {tally.unknown:>7} {tally.silent:>6} {tally.gone:>5} "
                f"{tally.seconds:>7.1f}",
                flush=True,
            )
            totals.update(duplicated=tally.duplicated, silent=tally.silent, lost=tally.lost)
    print("-" * len(header))
    print(
        f"duplicates over all scenarios: {totals['duplicated']}; "
        f"losses: {totals['lost']}, of which silent: {totals['silent']}"
    )


if __name__ == "__main__":
    main()
