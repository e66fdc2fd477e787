"""Ingest benchmark: articles/s, words/s, peak memory and database bytes per article.

    python bench/ingest.py [N ...] [--corpus FOLDER ...]

Defaults to N = 1,000 and 10,000 built from the seeds (and ../shared/corpora when present).
Also prints search latency at each size. Target: >= 50,000 words/s on one core; search < 20 ms.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import ROOT, build, words_in  # noqa: E402
from briefings.engine import Engine  # noqa: E402

QUERIES = [
    "annex",
    "syria iran",
    "election",
    "defense minister",
    "ceasefire",
    '"West Bank"',
    "talks",
    "security",
    "prime minister",
    "idlib*",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--corpus", action="append", type=Path, default=[])
    args = parser.parse_args()
    folders = args.corpus or [
        p for p in [ROOT.parent / "shared" / "corpora" / "erdogan-putin"] if p.is_dir()
    ]
    print(
        f"{'articles':>9} {'seconds':>8} {'art/s':>8} {'words/s':>9} {'peak MB':>8} "
        f"{'db B/art':>9} {'search p50 ms':>13} {'p95 ms':>7}"
    )
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            corpus = build(n, Path(tmp) / "corpus", folders)
            words = words_in(corpus)
            db = Path(tmp) / "bench.db"
            with Engine(db) as engine:
                engine.ingest([ROOT / "seeds"])  # warm-up: load models and tables once
                engine.store.delete_paths([a.path for a in engine.articles()])
                start = time.perf_counter()
                report = engine.ingest([corpus])
                seconds = time.perf_counter() - start
                timings = []
                for _ in range(5):
                    for q in QUERIES:
                        t = time.perf_counter()
                        engine.search(q)
                        timings.append((time.perf_counter() - t) * 1000)
            db_bytes = sum(p.stat().st_size for p in Path(tmp).glob("bench.db*"))
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            timings.sort()
            print(
                f"{len(report.added):>9} {seconds:>8.1f} {n / seconds:>8.0f} {words / seconds:>9.0f} "
                f"{peak_mb:>8.0f} {db_bytes / n:>9.0f} {statistics.median(timings):>13.2f} "
                f"{timings[int(len(timings) * 0.95)]:>7.2f}"
            )


if __name__ == "__main__":
    main()
