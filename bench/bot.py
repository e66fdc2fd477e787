"""Bot benchmark: time from an injected /brief to the bot's reply, and the bot's peak RSS.

    python bench/bot.py [N ...] [--requests 60]

Runs the real ``python -m bot`` process against the project's local Bot API server, with a
corpus of N articles (default 1,000 and 10,000) ingested beforehand. Targets: p95 under
150 ms, RSS under 150 MB.
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

from bench.corpus import ROOT, build  # noqa: E402
from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi  # noqa: E402
from briefings.engine import Engine  # noqa: E402

REQUEST_GAP_SECONDS = 0.1


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_one(n: int, requests: int) -> None:
    folders = [p for p in [ROOT.parent / "shared" / "corpora" / "erdogan-putin"] if p.is_dir()]
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
        finally:
            process.terminate()
            process.wait(timeout=30)
            api.stop()
        timings.sort()
        p95 = timings[max(int(len(timings) * 0.95) - 1, 0)]
        print(f"{n:>9} {statistics.median(timings):>8.1f} {p95:>8.1f} {rss:>13.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    print(f"{'articles':>9} {'p50 ms':>8} {'p95 ms':>8} {'peak RSS MB':>13}")
    for n in args.sizes:
        run_one(n, args.requests)


if __name__ == "__main__":
    main()
