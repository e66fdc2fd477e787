"""The ingest's one writer alone: CPU per article of saving analysed articles, as the database grows.

    python bench/writer.py [N] [--rounds R] [--keep DIR]

Analyses the N-article news-like corpus (default 10,000; bench/news_corpus.py, kept in
DIR/news-N with ``--keep`` as bench/ingest.py keeps it) once, in a pool as an ingest does,
then saves the analysed articles R times (default 2) into one database, each round under
new paths, in the ingest's batches and with the features its workers encode: what the
writer does between the pool and grouping (grouping itself is not run). For each round it
prints the articles the database held before, the writer's CPU seconds (this process) and
wall seconds, and the median CPU ms an article in each fifth of the round: a cost that grew
with the database would show rising along a round and from one round to the next.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.news_corpus import prepared  # noqa: E402
from briefings.engine import Engine  # noqa: E402
from briefings.extract.event_features import EncodedFeatures  # noqa: E402
from briefings.extract.topics import Taxonomy  # noqa: E402
from briefings.index.event_replay import ensure_tables, keep_features  # noqa: E402
from briefings.index.store import Store  # noqa: E402
from briefings.ingest import BATCH, POOL_CHUNK, Analysed, _analyse_one  # noqa: E402
from briefings.models import Article  # noqa: E402
from briefings.processes import cores  # noqa: E402
from briefings.read.readers import read_documents  # noqa: E402


def analysed(corpus: Path) -> list[Analysed]:
    taxonomy = Taxonomy.load()
    documents = [d for f in sorted(corpus.glob("*.txt")) for d in read_documents(f).documents]
    with ProcessPoolExecutor(max_workers=min(cores(), 4)) as pool:
        results = pool.map(
            _analyse_one, documents, [taxonomy] * len(documents), chunksize=POOL_CHUNK
        )
        return [r for r in results if isinstance(r, Analysed)]


def _keep(
    store: Store, saved: list[tuple[int, Article]], encoded: list[EncodedFeatures | None]
) -> None:
    keep_features(store, saved, encoded)


def write_round(engine: Engine, articles: list[Analysed], prefix: str) -> None:
    store = engine.store
    held = store.article_count()
    per_article: list[float] = []
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    for start in range(0, len(articles), BATCH):
        batch = [
            dataclasses.replace(a.article, path=prefix + a.article.path)
            for a in articles[start : start + BATCH]
        ]
        encoded = [a.features for a in articles[start : start + BATCH]]
        cpu = time.process_time()
        store.save_articles(batch, after=functools.partial(_keep, store, encoded=encoded))
        per_article.append((time.process_time() - cpu) * 1000 / len(batch))
    cpu_total = time.process_time() - cpu_start
    wall = time.perf_counter() - wall_start
    fifth = max(1, len(per_article) // 5)
    medians = [
        statistics.median(per_article[i : i + fifth]) for i in range(0, len(per_article), fifth)
    ]
    print(
        f"{len(articles):,} articles into a database of {held:,}: {cpu_total:.1f} CPU s, "
        f"{wall:.1f} s; CPU ms an article by fifth: {' '.join(f'{m:.2f}' for m in medians)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="keep the corpus here (as bench/ingest.py)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus, facts = prepared(args.n, args.keep, Path(tmp))
        print(f"corpus: {facts.line()}")
        started = time.perf_counter()
        articles = analysed(corpus)
        print(f"analysed {len(articles):,} articles in {time.perf_counter() - started:.0f} s")
        with Engine(Path(tmp) / "writer.db") as engine:
            ensure_tables(engine.store)
            for round_ in range(args.rounds):
                write_round(engine, articles, f"round-{round_}/")


if __name__ == "__main__":
    main()
