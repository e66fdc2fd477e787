"""Bot benchmark: time from an injected /brief to the bot's reply, and the bot's peak RSS.

    python bench/bot.py [N ...] [--requests 60] [--during 1000]

Runs the real ``python -m bot`` process against the project's local Bot API server, with a
corpus of N articles (default 1,000 and 10,000) ingested beforehand. Targets: p95 under
150 ms, RSS under 150 MB.

Then, "during ingest": an admin's /reingest takes in `--during` new articles, and /brief is
sent meanwhile; it prints the replies' p50/p95 while the ingest ran, how many came before it
ended, and how long it took. (A bot that handled one update at a time, behind one engine
lock, answered none of them before the ingest ended.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import ROOT, build, shared_folders, sources_line  # noqa: E402
from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi  # noqa: E402
from briefings.engine import Engine  # noqa: E402

REQUEST_GAP_SECONDS = 0.1


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


ADMIN = 1


def percentiles(timings: list[float]) -> tuple[float, float]:
    """p50 and p95 of the timings (ms)."""
    timings = sorted(timings)
    return statistics.median(timings), timings[max(int(len(timings) * 0.95) - 1, 0)]


def briefs_during_reingest(
    api: LocalBotApi, chat: int, corpus: Path, folders: list[Path], extra: int
) -> tuple[list[float], float]:
    """/brief timings while an admin's /reingest takes in `extra` new articles, and its seconds."""
    build(extra, corpus / "later", folders, seed=11)
    done_before = len(api.messages(ADMIN))
    started = time.perf_counter()
    api.send_user_message(ADMIN, "/reingest")
    timings: list[float] = []
    while len(api.messages(ADMIN)) <= done_before:
        time.sleep(REQUEST_GAP_SECONDS)
        before = len(api.messages(chat))
        start = time.perf_counter()
        api.send_user_message(chat, "/brief")
        api.wait_for_messages(chat, before + 1, timeout=600)
        if len(api.messages(ADMIN)) <= done_before:  # answered while the ingest still ran
            timings.append((time.perf_counter() - start) * 1000)
    return timings, time.perf_counter() - started


def run_one(n: int, requests: int, during: int) -> None:
    # One shared corpus, the first by name, when there are any (bench/corpus.py, as printed).
    folders = shared_folders()[:1]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = build(n, Path(tmp) / "corpus", folders)
        db = Path(tmp) / "bot.db"
        with Engine(db) as engine:
            engine.ingest([corpus])
        api = LocalBotApi()
        api.start_in_thread()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NEWSBOT_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=EXAMPLE_TOKEN,
            TELEGRAM_API_URL=api.base_url,
            NEWSBOT_DB=str(db),
            NEWSBOT_CORPUS=str(corpus),
            NEWSBOT_ADMINS=str(ADMIN),
            LOG_LEVEL="WARNING",
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            api.wait_for_calls("setMyCommands", 1, timeout=600)
            chat = 1000
            api.send_user_message(chat, "/start")
            api.wait_for_messages(chat, 1, timeout=60)
            timings = []
            for k in range(requests):
                # Spaced as a chat's messages are: back to back, two API calls a /brief (typing,
                # then the answer) would hit the 30 requests/s limiter and time its pacing.
                time.sleep(REQUEST_GAP_SECONDS)
                before = len(api.messages(chat))
                start = time.perf_counter()
                api.send_user_message(chat, "/brief")
                api.wait_for_messages(chat, before + 1, timeout=60)
                timings.append((time.perf_counter() - start) * 1000)
                if k == 0:
                    timings.clear()  # the first call warms caches; measure the steady state
            rss = peak_rss_mb(process.pid)
            during_timings, ingest_seconds = (
                briefs_during_reingest(api, chat, corpus, folders, during) if during else ([], 0.0)
            )
        finally:
            process.terminate()
            process.wait(timeout=30)
            api.stop()
        p50, p95 = percentiles(timings)
        print(f"{n:>9} {p50:>8.1f} {p95:>8.1f} {rss:>13.0f}")
        if during and during_timings:
            p50, p95 = percentiles(during_timings)
            print(
                f"{'':>9} during a /reingest of {during:,} new articles ({ingest_seconds:.1f} s): "
                f"/brief p50 {p50:.1f} ms, p95 {p95:.1f} ms, {len(during_timings)} answered "
                "before it ended"
            )
        elif during:
            print(
                f"{'':>9} during a /reingest of {during:,} new articles ({ingest_seconds:.1f} s): "
                "no /brief was answered before it ended"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--during", type=int, default=1000, help="new articles; 0: skip")
    args = parser.parse_args()
    print(sources_line(shared_folders()[:1]))
    print(f"{'articles':>9} {'p50 ms':>8} {'p95 ms':>8} {'peak RSS MB':>13}")
    for n in args.sizes:
        run_one(n, args.requests, args.during)


if __name__ == "__main__":
    main()
