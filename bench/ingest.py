"""Ingest benchmark: words/s against the storage floor, memory, search, and one added article.

    python bench/ingest.py [N ...] [--big] [--keep DIR] [--renamed]

Defaults to N = 500, 1,000 and 10,000 articles of the news-like corpus (bench/news_corpus.py):
500 is below the word-weight sample's size, where an added article is placed on its own only
between the sample's steps (briefings/index/term_weights.py). ``--big`` adds 100,000 (about
65 million words: many minutes, its time is printed).
``--keep DIR`` keeps each corpus and its database in DIR/news-N, for bench/brief.py and
later runs; ``--renamed`` uses the older corpus of renamed copies (bench/corpus.py).

For each N it prints:
- the engine's ingest: seconds, articles/s, words/s, CPU seconds (the process and its
  workers), and the floor: sqlite-utils inserting the same files' text into a table with
  an FTS5 index, measured in the same run, with the engine's share of it; how much of the
  ingest was grouping, which runs once every article is written (in this process, with a
  helper process comparing undated reports with events when there are thousands: its CPU
  is counted);
- analysis alone (read, clean, extract; nothing written) in one process, on the first
  1,000 articles: the words/s one core gives before the store and grouping;
- the peak memory of the process (workers apart), and what it was before the ingest (after
  the floor) and when grouping began;
- search latency, p50 and p95 over ten queries;
- where the dated and the undated articles were placed: with their own story's event or not
  (bench/placement.py);
- adding one new article to the ingested corpus, in a process of its own as a feed poll
  would (bench/add_one.py): CPU and wall ms, and memory (before and peak), the median of
  NEW_ARTICLES, and the slowest.

Targets: ingest >= 100,000 words/s; one added article <= 200 ms CPU at 100,000 articles.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlite_utils  # noqa: E402

from bench.corpus import build, shared_folders, sources_line  # noqa: E402
from bench.news_corpus import (  # noqa: E402
    ROOT,
    STORIES_FILE,
    Story,
    build_news,
    prepared,
    words_in,
)
from bench.placement import placement  # noqa: E402
from briefings.engine import Engine  # noqa: E402
from briefings.extract.analyse import analyse  # noqa: E402
from briefings.extract.topics import Taxonomy  # noqa: E402
from briefings.models import IngestProgress  # noqa: E402
from briefings.read.readers import read_documents  # noqa: E402

# Words of any news corpus: one word, two, a phrase, a prefix.
QUERIES = [
    "summit",
    "talks visit",
    "election",
    "defense minister",
    "ceasefire",
    '"foreign minister"',
    "talks",
    "security",
    "prime minister",
    "minist*",
]
NEW_ARTICLES = 9
"""New articles added one by one: what one costs depends on the article (into the 100,000
bench articles, one called for about 2,000 undated reports to be decided again, another for
one), and a median of three hid the dearer ones."""
ANALYSED = 1000
"""Articles analysed alone (one process) for the analysis figure."""


def floor_words_per_second(corpus: Path, words: int, workdir: Path) -> float:
    """sqlite-utils inserting the files' text (title, text) into an FTS5-indexed table."""
    db_path = workdir / "floor.db"
    start = time.perf_counter()
    db = sqlite_utils.Database(db_path)
    table = db.table("articles")
    table.create({"id": int, "path": str, "title": str, "text": str}, pk="id")
    table.enable_fts(["title", "text"], fts_version="FTS5", tokenize="porter", create_triggers=True)

    def rows():  # type: ignore[no-untyped-def]
        for path in sorted(corpus.glob("*.txt")):
            text = path.read_text("utf-8")
            title, _, body = text.strip().partition("\n")
            yield {"path": str(path), "title": title, "text": body}

    table.insert_all(rows(), batch_size=500)
    db.conn.commit()
    seconds = time.perf_counter() - start
    db.conn.close()
    db_path.unlink()
    return words / seconds


def analysis_alone(corpus: Path, limit: int) -> tuple[int, float]:
    """Words and CPU seconds of analysing the first files in this process, nothing else:
    what one core does before anything is written."""
    taxonomy = Taxonomy.load()
    files = sorted(corpus.glob("*.txt"))[:limit]
    documents = [d for f in files for d in read_documents(f).documents]
    analyse(documents[0], taxonomy)  # word tables and models loaded before the clock starts
    start = time.process_time()
    for document in documents:
        analyse(document, taxonomy)
    cpu = time.process_time() - start
    return sum(len(f.read_text("utf-8").split()) for f in files), cpu


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def add_one(db: Path, workdir: Path) -> tuple[dict[str, float], list[float]]:
    """Median figures of adding each of a few new articles, each in a fresh process (one
    after the other, into the same database), and each one's CPU ms: the articles differ
    (one joins a leader's big event, another a small one), and so does what they cost."""
    results = []
    for k in range(NEW_ARTICLES):
        folder = workdir / f"new-{k}"
        build_news(1, folder, seed=1000 + k)
        article = next(folder.glob("*.txt"))
        target = workdir / f"added-{k}-{article.name}"
        article.rename(target)
        shutil.rmtree(folder)
        run = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "add_one.py"), str(db), str(target)],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(run.stdout))
    medians = {
        key: statistics.median(r[key] for r in results)
        for key in ("cpu_ms", "wall_ms", "rss_before_mb", "peak_mb")
    }
    return medians, [r["cpu_ms"] for r in results]


def run_one(n: int, workdir: Path, keep: Path | None, renamed: bool) -> None:
    if renamed:
        folders = shared_folders()[:1]
        corpus = build(n, workdir / "corpus", folders)
        print(f"corpus: {n} renamed copies (bench/corpus.py); {sources_line(folders)}")
    else:
        corpus, facts = prepared(n, keep, workdir)
        print(f"corpus: {facts.line()}")
    words = words_in(corpus)
    floor = floor_words_per_second(corpus, words, workdir)
    db = (corpus.parent if keep and not renamed else workdir) / "bench.db"
    for stale in db.parent.glob(db.name + "*"):
        stale.unlink()
    with Engine(db) as engine:
        engine.ingest([ROOT / "seeds"])  # warm-up: load models and tables once
        engine.store.delete_paths([a.path for a in engine.articles()])
        grouping: list[tuple[float, float, float]] = []  # wall, CPU, peak MB when it began

        def note_grouping(progress: IngestProgress) -> None:
            if progress.stage == "grouping" and not grouping:
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                grouping.append((time.perf_counter(), cpu_seconds(), peak))

        # The lifetime peak so far (corpus, floor): the ingest's own is seen only above it.
        peak_before_ingest = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        cpu = cpu_seconds()
        start = time.perf_counter()
        report = engine.ingest([corpus], progress=note_grouping)
        seconds = time.perf_counter() - start
        end_cpu = cpu_seconds()
        cpu = end_cpu - cpu
        grouped_at, grouped_cpu, peak_before_grouping = (
            grouping[0] if grouping else (start + seconds, end_cpu, 0.0)
        )
        timings = []
        for _ in range(5):
            for q in QUERIES:
                t = time.perf_counter()
                engine.search(q)
                timings.append((time.perf_counter() - t) * 1000)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    timings.sort()
    speed = words / seconds
    print(
        f"ingest {len(report.added)} articles, {words:,} words: {seconds:.1f} s, "
        f"{n / seconds:.0f} articles/s, {speed:,.0f} words/s, {cpu:.1f} CPU s "
        f"({words / cpu:,.0f} words per CPU s); "
        f"floor (sqlite-utils + FTS5) {floor:,.0f} words/s: {speed / floor:.2f} of it"
    )
    print(
        f"  of which grouping (after the last article is written; CPU with its helper's): "
        f"{start + seconds - grouped_at:.1f} s, {end_cpu - grouped_cpu:.1f} CPU s"
    )
    analysed = min(n, ANALYSED)
    analysis_words, analysis_cpu = analysis_alone(corpus, analysed)
    print(
        f"analysis alone, one process, first {analysed:,} articles: "
        f"{analysis_words / analysis_cpu:,.0f} words/s ({analysis_cpu:.1f} CPU s)"
    )
    print(
        f"peak memory {peak_mb:.0f} MB ({peak_before_ingest:.0f} MB before the ingest, "
        f"{peak_before_grouping:.0f} MB when grouping began); "
        f"search p50 {statistics.median(timings):.2f} ms, "
        f"p95 {timings[int(len(timings) * 0.95)]:.2f} ms"
    )
    stories_file = corpus.parent / STORIES_FILE
    if not renamed and stories_file.exists():  # a corpus kept before stories were written has none
        stories = {
            name: Story(*story) for name, story in json.loads(stories_file.read_text()).items()
        }
        dated, undated = placement(db, stories)
        print(dated.line("dated"))
        print(undated.line("undated"))
    added, each = add_one(db, workdir)
    print(
        f"one added article: {added['cpu_ms']:.0f} ms CPU, {added['wall_ms']:.0f} ms wall "
        f"(median of {len(each)}, slowest {max(each):.0f}; each, ms CPU: "
        f"{', '.join(f'{c:.0f}' for c in each)}); "
        f"process {added['rss_before_mb']:.0f} MB before, peak {added['peak_mb']:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int)
    parser.add_argument("--big", action="store_true", help="also 100,000 articles")
    parser.add_argument("--keep", type=Path, help="keep corpora and databases here")
    parser.add_argument("--renamed", action="store_true", help="the renamed-copies corpus")
    args = parser.parse_args()
    sizes = args.sizes or [500, 1000, 10000]
    if args.big:
        sizes.append(100_000)
    for n in sizes:
        started = time.perf_counter()
        print(f"--- {n:,} articles")
        with tempfile.TemporaryDirectory() as tmp:
            run_one(n, Path(tmp), args.keep, args.renamed)
        print(f"({n:,} articles benchmarked in {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
