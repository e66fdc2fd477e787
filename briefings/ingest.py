"""Ingesting files: read each one, analyse it, index it, then place it among events.

Each file is handled on its own: a bad file (any error while reading or analysing it) is
reported and skipped, and nothing already indexed is lost. Re-ingesting an unchanged file
changes nothing.

Analysis is pure and the largest cost before grouping, so a big batch is analysed by a pool
of processes (one a core) while this process stays the one writer: the store sees the same
articles in the same order either way. The pool is handed the next batch before this process
writes the last one, so analysing and writing overlap. What grouping keeps of each article (its
features, encoded as stored) is worked out with its analysis, leaving the writer only to store.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from briefings.errors import UnreadableArticle
from briefings.extract.analyse import analyse, checksum
from briefings.extract.event_features import EncodedFeatures, encoded_features_of
from briefings.extract.topics import Taxonomy
from briefings.index.event_replay import ensure_tables, keep_features, place
from briefings.index.store import Store
from briefings.models import Article, IngestProgress, IngestReport, SourceDocument
from briefings.processes import cores as _cores
from briefings.processes import helper_context
from briefings.read.readers import iter_article_files, read_documents

BATCH = 200
POOL_MIN_DOCUMENTS = 256
"""Fewer documents than this are analysed here: starting the workers (each loads the word
tables and the language model, about a second) would cost more than it saves."""
POOL_CHUNK = 16
ANALYSIS_BATCH = 1024
"""Documents read before they are analysed together (in the pool, when it pays)."""


@dataclass(frozen=True)
class Analysed:
    """An analysed article and its features for grouping (None when not in English)."""

    article: Article
    features: EncodedFeatures | None


def ingest_paths(
    store: Store,
    paths: Iterable[str | Path],
    *,
    taxonomy: Taxonomy | None = None,
    progress: Callable[[IngestProgress], None] | None = None,
) -> IngestReport:
    """Ingest files and folders into the store and report what happened to each.

    `progress`, when given, is called after each file and once before events are regrouped
    (in the calling thread; it should be quick).
    """
    ensure_tables(store)
    taxonomy = taxonomy or Taxonomy.load()
    added: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    rejected: list[tuple[str, str]] = []
    pending: list[Analysed] = []
    saved: list[int] = []

    waiting: list[tuple[SourceDocument, bool]] = []  # to analyse, and whether it is known
    # The batch the pool is analysing while this process reads the next one, and writes.
    in_flight: list[tuple[SourceDocument, bool]] | None = None
    in_flight_results: Iterator[Analysed | str] | None = None
    pool: Executor | None = None

    def flush() -> None:
        if pending:
            encoded = [a.features for a in pending]
            saved.extend(
                store.save_articles(
                    [a.article for a in pending],
                    after=lambda done: keep_features(store, done, encoded),
                )
            )
            pending.clear()

    def take(entry: tuple[SourceDocument, bool], outcome: Analysed | str) -> None:
        document, known = entry
        if isinstance(outcome, str):
            rejected.append((document.path, outcome))
            return
        pending.append(outcome)
        (updated if known else added).append(document.path)
        if len(pending) >= BATCH:
            flush()

    def drain() -> None:
        """Write the batch in flight, as the pool hands back its articles (in order)."""
        nonlocal in_flight, in_flight_results
        if in_flight is not None and in_flight_results is not None:
            for entry, outcome in zip(in_flight, in_flight_results, strict=True):
                take(entry, outcome)
        in_flight = in_flight_results = None

    def analyse_waiting() -> None:
        nonlocal pool, in_flight, in_flight_results
        if pool is None and len(waiting) >= POOL_MIN_DOCUMENTS and _cores() > 1:
            pool = _analysis_pool()
        documents = [document for document, _ in waiting]
        if pool is not None and len(documents) > 1:
            # Handed to the pool before the previous batch is written: the workers analyse
            # while this process writes, and the store still sees the articles in order.
            results = pool.map(
                _analyse_one, documents, [taxonomy] * len(documents), chunksize=POOL_CHUNK
            )
            drain()
            in_flight, in_flight_results = list(waiting), iter(results)
        else:
            drain()
            for entry, document in zip(waiting, documents, strict=True):
                take(entry, _analyse_one(document, taxonomy))
        waiting.clear()

    # Listed first, so that progress can say "n of m files"; links leading out of a folder
    # are refused (rejected) here.
    listed = [(given, list(iter_article_files([Path(given)], refused=rejected))) for given in paths]
    total = sum(len(files) for _, files in listed)
    done = 0

    def report_progress(stage: str = "reading") -> None:
        if progress is not None:
            articles = len(added) + len(updated) + len(unchanged)
            progress(IngestProgress(done, total, articles, len(rejected), stage))

    try:
        for given, files in listed:
            given_path = Path(given)
            if not given_path.exists():
                rejected.append((str(given), "no such file or folder"))
                continue
            if given_path.is_dir() and not files:
                rejected.append(
                    (str(given), "folder holds no article files (.txt .md .html .json .jsonl .xml)")
                )
            elif not given_path.is_dir() and not files:
                rejected.append((str(given), "not a regular file"))
            for file in files:
                done += 1
                try:
                    result = read_documents(file)
                except UnreadableArticle as error:
                    rejected.append((str(file), str(error)))
                    report_progress()
                    continue
                except OSError as error:
                    rejected.append((str(file), f"cannot read: {error.strerror or error}"))
                    report_progress()
                    continue
                except Exception as error:  # any failure of one file rejects that file only
                    rejected.append((str(file), _failure("read", error)))
                    report_progress()
                    continue
                rejected.extend(result.rejected)
                for document in result.documents:
                    change = _change_of(store, document)
                    if change == "unchanged":
                        unchanged.append(document.path)
                    else:
                        waiting.append((document, change == "updated"))
                if len(waiting) >= ANALYSIS_BATCH:
                    analyse_waiting()
                report_progress()
        analyse_waiting()
        drain()
        flush()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    if added or updated:
        report_progress("grouping")
    # Also places articles removed since the last ingest, if any.
    place(store, saved)
    store.log_ingest(len(added), len(updated), len(unchanged), [f"{p}: {r}" for p, r in rejected])
    return IngestReport(tuple(added), tuple(updated), tuple(unchanged), tuple(rejected))


def ingest_documents(store: Store, documents: Iterable[SourceDocument]) -> IngestReport:
    """Ingest documents that did not come from files (feeds)."""
    ensure_tables(store)
    taxonomy = Taxonomy.load()
    report: dict[str, list[str]] = {"added": [], "updated": [], "unchanged": []}
    pending: list[Article] = []
    for document in documents:
        report[_ingest_document(store, document, taxonomy, pending)].append(document.path)
    saved = store.save_articles(pending, after=lambda done: keep_features(store, done))
    place(store, saved)
    return IngestReport(
        tuple(report["added"]), tuple(report["updated"]), tuple(report["unchanged"])
    )


def _failure(stage: str, error: Exception) -> str:
    """Why a file could not be read or analysed, for the ingest report."""
    if isinstance(error, RecursionError):
        return f"nested too deeply to be {stage}"
    return f"could not be {stage} ({type(error).__name__}: {error})"[:300]


def _analyse_one(document: SourceDocument, taxonomy: Taxonomy) -> Analysed | str:
    """The analysed article, or why it could not be analysed (an exception may not cross
    from a worker process intact; its text does)."""
    try:
        article = analyse(document, taxonomy)
        return Analysed(article, encoded_features_of(article))
    except Exception as error:  # any failure of one document rejects that document only
        return _failure("analysed", error)


def _analysis_pool() -> Executor:
    return ProcessPoolExecutor(max_workers=min(_cores(), 4), mp_context=helper_context())


def _change_of(store: Store, document: SourceDocument) -> str:
    """ "added", "updated" or "unchanged": the document against what the store holds."""
    previous = store.checksum_of(document.path)
    if previous == checksum(document):
        return "unchanged"
    return "updated" if previous else "added"


def _ingest_document(
    store: Store, document: SourceDocument, taxonomy: Taxonomy, pending: list[Article]
) -> str:
    change = _change_of(store, document)
    if change != "unchanged":
        pending.append(analyse(document, taxonomy))
    return change


def default_db_path() -> str:
    return os.environ.get("NEWSBOT_DB") or "newsbot.db"
