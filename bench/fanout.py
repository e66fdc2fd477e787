"""Benchmark: one digest slot fanned out to N chats through the real application.

    python bench/fanout.py 2000        # about 70 s
    python bench/fanout.py 10000       # about 6 minutes
    python bench/fanout.py 2000 10000  # both, one after the other
    python bench/fanout.py 10000 --load 2  # with two processes keeping both cores busy

N chats (one in ten a group) are subscribed to a slot a minute ago, so the slot job that
post_init runs at start delivers all of them. The local Bot API server enforces Telegram's
flood limits (30 messages/s overall, 20/min per group, 1/s per chat) in sliding windows and
answers 429 beyond them; the bot paces itself with its one rate limiter (bot.rate_limit). Prints
delivered messages/s as a fraction of the 30/s limit, 429s seen, duplicates, losses and the
peak RSS of the process (the fake server runs in it too). With ``--load N``, N processes
spin on the CPU meanwhile (a loaded machine: the bot then gets a share of the cores, and its
pacing must still meet no 429).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

# bench/bot.py would shadow the bot package when this runs as `python bench/fanout.py`.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from bot.app import build_application  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.delivery.schedule import Plan  # noqa: E402
from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi  # noqa: E402
from bot.storage import Subscription, SubscriptionStore  # noqa: E402
from briefings.engine import Engine  # noqa: E402

LIMIT_PER_SECOND = 30
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
UTC = dt.UTC


def chat_ids(count: int) -> list[int]:
    """Private chats, and every tenth a group."""
    return [-(10_000_000 + n) if n % 10 == 0 else 10_000_000 + n for n in range(count)]


def delivered(api: LocalBotApi) -> int:
    """Messages delivered so far, counted without copying the call log (`calls()` copies it,
    and doing that every half second would steal the CPU the fan-out is measured on)."""
    with api.lock:
        return sum(
            1 for call in api.call_log if call["method"] == "sendMessage" and call["status"] == 200
        )


async def run(count: int, workdir: Path) -> None:
    db = workdir / "newsbot.db"
    with Engine(db) as engine:
        engine.ingest([SEEDS])
    now = dt.datetime.now(UTC)
    plan = Plan((now - dt.timedelta(minutes=1)).time().replace(second=0, microsecond=0), "UTC")
    chats = chat_ids(count)
    store = SubscriptionStore.open(db)
    store.save_all(Subscription(c, plan, now - dt.timedelta(days=1)) for c in chats)
    store.close()

    with LocalBotApi() as api:
        for chat_id in chats:
            api.add_chat(chat_id)
        api.rate_limit(per_second=LIMIT_PER_SECOND, per_group_per_minute=20, per_chat_per_second=1)
        settings = Settings(
            token=EXAMPLE_TOKEN,
            api_url=api.base_url,
            file_url=api.base_file_url,
            db_path=db,
            corpus=(),
        )
        application = build_application(settings)
        async with application:
            assert application.post_init is not None and application.post_shutdown is not None
            await application.post_init(application)  # arms the catch-up slot job
            started = time.monotonic()
            await application.start()
            while True:
                await asyncio.sleep(0.5)
                if delivered(api) >= count:
                    break
                if time.monotonic() - started > count / 10 + 60:
                    print("gave up waiting", file=sys.stderr)
                    break
            await asyncio.sleep(1.0)  # anything still in flight would show as a duplicate
            await application.stop()
        await application.post_shutdown(application)

        calls = api.calls("sendMessage")
        ok = [call for call in calls if call["status"] == 200]
        flooded = sum(1 for call in calls if call["status"] == 429)
        per_chat = Counter(len(api.messages(chat_id)) for chat_id in chats)
    span = max(call["time"] for call in ok) - min(call["time"] for call in ok) if ok else 0.0
    rate = (len(ok) - 1) / span if span else 0.0
    store = SubscriptionStore.open(db)
    statuses = Counter(d.status for d in store.deliveries())
    store.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"chats:               {count}")
    print(f"delivered:           {len(ok)} in {span:.1f} s")
    print(f"delivered/s:         {rate:.2f} = {rate / LIMIT_PER_SECOND:.3f} of the 30/s limit")
    print(f"429s seen:           {flooded}")
    print(f"duplicates:          {sum(n for k, n in per_chat.items() if k > 1)} chats")
    print(f"losses:              {per_chat.get(0, 0)} chats")
    print(f"ledger:              {dict(statuses)}")
    print(f"peak RSS:            {peak_mb:.0f} MB (bot and fake server in one process)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Digest fan-out benchmark: messages/s against Telegram's 30/s, with "
        "429s, duplicates and losses."
    )
    parser.add_argument("chats", nargs="*", type=int, help="how many chats (default 2000)")
    parser.add_argument(
        "--load", type=int, default=0, help="processes spinning on the CPU meanwhile"
    )
    args = parser.parse_args()
    counts = args.chats or [2000]
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    with _spinning(args.load):
        for count in counts:
            with tempfile.TemporaryDirectory() as folder:
                asyncio.run(run(count, Path(folder)))


@contextlib.contextmanager
def _spinning(processes: int) -> Iterator[None]:
    """``processes`` busy loops, each a process of its own, while the block runs."""
    spinners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(processes)
    ]
    if spinners:
        print(f"load:                {processes} processes spinning on the CPU")
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


if __name__ == "__main__":
    main()
