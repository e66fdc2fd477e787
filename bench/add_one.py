"""What adding one article to a corpus costs: CPU, wall time and memory of that ingest.

    python bench/add_one.py DB ARTICLE

Run as a process of its own (as bench/ingest.py does), so that its memory is that of a bot
or a CLI that opens the database and takes in one new article, as a feed poll does. The
process is first warmed as a running bot is, by an ingest of a seed into a scratch database:
word tables, models and patterns loaded once a process are not counted (about 40 ms at
100,000 articles), nothing of the measured database is read before. Prints
one JSON object: cpu_ms and wall_ms of the ingest call, rss_before_mb (the process with the
engine imported and the database open), peak_mb (the process's peak resident memory) and
added (the articles it added).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from briefings.engine import Engine  # noqa: E402
from briefings.extract.analyse import analyse  # noqa: E402
from briefings.extract.topics import Taxonomy  # noqa: E402
from briefings.read.readers import read_documents  # noqa: E402

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    db, article = Path(sys.argv[1]), Path(sys.argv[2])
    with Engine(db) as engine:
        # Warm, as a running bot is: word tables, models and the taxonomy loaded once, and
        # what grouping loads on a first ingest (into a scratch database of its own).
        seed = sorted(SEEDS.glob("*.txt"))[0]
        for document in read_documents(seed).documents:
            analyse(document, Taxonomy.load())
        with tempfile.TemporaryDirectory() as scratch, Engine(Path(scratch) / "warm.db") as warm:
            warm.ingest([seed])
        before = _status_mb("VmRSS")
        cpu, wall = time.process_time(), time.perf_counter()
        report = engine.ingest([article])
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        json.dumps(
            {
                "cpu_ms": cpu * 1000,
                "wall_ms": wall * 1000,
                "rss_before_mb": before,
                "peak_mb": _status_mb("VmHWM"),
                "added": len(report.added),
            }
        )
    )


if __name__ == "__main__":
    main()
