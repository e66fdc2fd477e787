"""Benchmark: memory of polling a feed far over the size cap.

    python bench/feed_size.py        # a 60 MB feed (the cap is 10 MB)
    python bench/feed_size.py 200    # another size, in MB

A separate process serves an RSS feed of the given size without Content-Length (so the size
is only known by reading); this process polls it through `LiveSources` as the bot does and
prints the outcome and its own peak RSS before and after the poll.
"""

from __future__ import annotations

import asyncio
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.delivery.feeds import LiveSources  # noqa: E402
from bot.delivery.fetch import FetchLimits  # noqa: E402
from bot.runtime import EngineGate  # noqa: E402
from bot.storage import SubscriptionStore  # noqa: E402
from briefings.engine import Engine  # noqa: E402

SERVER = """
import http.server, sys
item = b"<item><title>t</title><description>" + b"word " * 2000 + b"</description></item>"
count = int(sys.argv[1]) * 2**20 // len(item)
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        try:
            self.wfile.write(b'<rss version="2.0"><channel><title>Big</title>')
            for _ in range(count):
                self.wfile.write(item)
            self.wfile.write(b"</channel></rss>")
        except OSError:
            pass
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def poll(url: str, folder: Path) -> None:
    database = folder / "news.db"
    engine = Engine(database)
    store = SubscriptionStore.open(database)
    before = peak_mb()
    live = LiveSources(
        store,
        EngineGate(engine, is_owned=False),
        feeds=[url],
        limits=FetchLimits(allow_private=True),  # the feed is served on 127.0.0.1
    )
    try:
        [check] = await live.poll_feeds()
    finally:
        await live.aclose()
        store.close()
        engine.close()
    print(f"outcome:             {check.status}: {check.error}")
    print(f"peak RSS:            {before:.0f} MB before the poll, {peak_mb():.0f} MB after")


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(size)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        print(f"feed:                {size} MB, no Content-Length; cap 10 MB")
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(poll(f"http://127.0.0.1:{port}/big.xml", Path(folder)))
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
