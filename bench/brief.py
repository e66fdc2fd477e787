"""Briefing benchmark: p50/p95 latency of brief and who at 1,000 and 10,000 articles.

    python bench/brief.py [N ...]

Target: p95 under 50 ms at 10,000 articles.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import ROOT, build  # noqa: E402
from briefings.engine import Engine  # noqa: E402
from briefings.errors import BriefingError  # noqa: E402


def measure(fn, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        with contextlib.suppress(BriefingError):
            fn()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    folders = [p for p in [ROOT.parent / "shared" / "corpora" / "erdogan-putin"] if p.is_dir()]
    print(f"{'articles':>9} {'what':<22} {'p50 ms':>8} {'p95 ms':>8}")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            corpus = build(n, Path(tmp) / "corpus", folders)
            with Engine(Path(tmp) / "bench.db") as engine:
                engine.ingest([corpus])
                middle = engine.events()[len(engine.events()) // 2].id
                # A person of the corpus, asked by surname and misspelt as a user might.
                surname = engine.who()[0].name.split()[-1]
                misspelt = surname[:-2] + surname[-1] + surname[-2]
                cases: dict[str, Callable[[], object]] = {
                    "brief (latest)": lambda: engine.renderer.briefing(engine.brief(), "html"),
                    "brief --event": lambda middle=middle: engine.renderer.briefing(  # type: ignore[misc]
                        engine.brief(event_id=middle), "html"
                    ),
                    "brief <topic>": lambda: engine.brief("annexation"),
                    "brief <query>": lambda: engine.brief("defense minister"),
                    "who (latest)": lambda: engine.renderer.people(engine.who(), "html"),
                    "who <name>": lambda surname=surname: engine.who(surname),  # type: ignore[misc]
                    "who <misspelt>": lambda misspelt=misspelt: engine.who(misspelt),  # type: ignore[misc]
                }
                for what, fn in cases.items():
                    p50, p95 = measure(fn, args.runs)
                    print(f"{n:>9} {what:<22} {p50:>8.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
