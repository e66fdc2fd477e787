"""Files an operator's folders may hold by accident or by malice: each rejected, none fatal."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import Executor
from pathlib import Path

import pytest

from briefings import ingest
from briefings.engine import Engine
from briefings.extract import analyse as analysis
from briefings.read import readers
from briefings.read.readers import LINK_OUT_OF_FOLDER, iter_article_files
from briefings.render.views import Renderer, TemplateProblem
from tests.conftest import ROOT, seed

DEEP_JSON = "[" * 100_000 + "]" * 100_000
SECRET = "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" * 30


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside every folder the engine is pointed at."""
    path = tmp_path / "outside" / "passwd.txt"
    path.parent.mkdir()
    path.write_text(SECRET, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "corpus"
    path.mkdir()
    return path


# -- item 1: a file the readers cannot parse rejects that file only -----------------------------------
def test_deeply_nested_json_is_rejected_and_the_next_file_is_read(
    engine: Engine, folder: Path
) -> None:
    (folder / "a-deep.json").write_text(DEEP_JSON, encoding="utf-8")
    (folder / "b-deep.jsonl").write_text(
        '{"title": "t", "text": "fine"}\n' + DEEP_JSON + "\n", encoding="utf-8"
    )
    (folder / "c-seed.txt").write_text(seed("000").read_text("utf-8"), encoding="utf-8")
    report = engine.ingest([folder])
    assert report.rejected == (
        (str(folder / "a-deep.json"), "JSON nested too deeply to be an article"),
        (f"{folder / 'b-deep.jsonl'}#2", "JSON nested too deeply to be an article"),
    )
    assert sorted(Path(p).name for p in report.added) == ["b-deep.jsonl#1", "c-seed.txt"]


def test_any_failure_while_reading_or_analysing_one_file_rejects_that_file(
    engine: Engine, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_text(seed("000").read_text("utf-8") + name, encoding="utf-8")
    # The originals, from where they are defined; ingest's own names are the ones replaced.
    read, analyse = readers.read_documents, analysis.analyse

    def read_badly(path: Path, **options: object) -> object:
        if path.name == "a.txt":
            raise MemoryError("a reader ran out of memory")
        return read(path, **options)  # type: ignore[arg-type]

    def analyse_badly(document: object, taxonomy: object) -> object:
        if str(getattr(document, "path", "")).endswith("b.txt"):
            raise ValueError("a rule tripped over this text")
        return analyse(document, taxonomy)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest, "read_documents", read_badly)
    monkeypatch.setattr(ingest, "analyse", analyse_badly)
    report = engine.ingest([folder])
    assert report.rejected == (
        (str(folder / "a.txt"), "could not be read (MemoryError: a reader ran out of memory)"),
        (
            str(folder / "b.txt"),
            "could not be analysed (ValueError: a rule tripped over this text)",
        ),
    )
    assert [Path(p).name for p in report.added] == ["c.txt"]


def test_the_cli_ingests_past_a_deeply_nested_file(tmp_path: Path, folder: Path) -> None:
    (folder / "deep.json").write_text(DEEP_JSON, encoding="utf-8")
    (folder / "seed.txt").write_text(seed("001").read_text("utf-8"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "briefings", "--db", str(tmp_path / "n.db"), "ingest", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("added 1, updated 0, unchanged 0, rejected 1")
    # Each rejected file gets its line, on stderr (the summary alone goes to stdout).
    assert "deep.json: JSON nested too deeply to be an article" in result.stderr


# -- item 2: links never lead out of a folder ------------------------------------------------------------
def test_a_link_out_of_the_corpus_folder_is_not_followed(
    engine: Engine, folder: Path, secret: Path
) -> None:
    (folder / "passwd.txt").symlink_to(secret)
    (folder / "escape").symlink_to(secret.parent, target_is_directory=True)
    (folder / "sub").mkdir()
    (folder / "sub" / "seed.txt").write_text(seed("002").read_text("utf-8"), encoding="utf-8")
    (folder / "alias.txt").symlink_to(folder / "sub" / "seed.txt")  # inside: followed
    report = engine.ingest([folder])
    assert report.rejected == ((str(folder / "passwd.txt"), LINK_OUT_OF_FOLDER),)
    assert sorted(Path(p).name for p in report.added) == ["alias.txt", "seed.txt"]
    assert engine.search("nologin") == []


def test_iter_article_files_names_what_it_refused(folder: Path, secret: Path) -> None:
    (folder / "a.txt").symlink_to(secret)
    (folder / "b.txt").write_text("text", encoding="utf-8")
    refused: list[tuple[str, str]] = []
    assert list(iter_article_files([folder], refused=refused)) == [folder / "b.txt"]
    assert refused == [(str(folder / "a.txt"), LINK_OUT_OF_FOLDER)]


def test_a_template_linked_out_of_the_templates_folder_is_not_used(
    tmp_path: Path, secret: Path
) -> None:
    mine = tmp_path / "templates"
    mine.mkdir()
    (mine / "sources.html.j2").symlink_to(secret)
    renderer = Renderer(mine)
    assert renderer.problems == [
        TemplateProblem(
            "sources.html.j2",
            f"{mine / 'sources.html.j2'}: a link to a file outside the folder: not followed",
        )
    ]
    assert "nologin" not in renderer.sources([], fmt="html")


def test_a_big_batch_is_analysed_by_worker_processes_with_the_same_result(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool only changes who analyses: the same articles, events and rejections come out."""
    for number in ("000", "001", "002", "003", "004"):
        (folder / f"{number}.txt").write_text(seed(number).read_text("utf-8"), "utf-8")
    (folder / "deep.json").write_text(DEEP_JSON, encoding="utf-8")
    results = []
    pools: list[Executor] = []
    start_pool = ingest._analysis_pool

    def counted_pool() -> Executor:
        pools.append(start_pool())
        return pools[-1]

    monkeypatch.setattr(ingest, "_analysis_pool", counted_pool)
    monkeypatch.setattr(ingest, "_cores", lambda: 2)
    for minimum in (10_000, 2):
        monkeypatch.setattr(ingest, "POOL_MIN_DOCUMENTS", minimum)
        with Engine(tmp_path / f"pool-{minimum}.db") as engine:
            report = engine.ingest([folder])
            articles = [(a.path, a.title, a.published, a.event_id) for a in engine.articles()]
            results.append((report.added, report.rejected, sorted(articles, key=str)))
    assert len(pools) == 1  # only the second ingest started workers
    assert results[0] == results[1]
    assert len(results[0][0]) == 5


def test_batches_in_flight_are_written_in_order_with_the_same_result(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool analyses one batch while the previous one is written: the store still gets
    the articles in the order they were read (their ids), with the same events."""
    for number in ("000", "001", "002", "003", "004"):  # batches of 2, 2 and 1
        (folder / f"{number}.txt").write_text(seed(number).read_text("utf-8"), "utf-8")
    (folder / "deep.json").write_text(DEEP_JSON, encoding="utf-8")
    monkeypatch.setattr(ingest, "_cores", lambda: 2)
    monkeypatch.setattr(ingest, "ANALYSIS_BATCH", 2)
    monkeypatch.setattr(ingest, "BATCH", 2)
    results = []
    for minimum in (10_000, 2):
        monkeypatch.setattr(ingest, "POOL_MIN_DOCUMENTS", minimum)
        with Engine(tmp_path / f"pool-{minimum}.db") as engine:
            report = engine.ingest([folder])
            articles = [(a.id, a.path, a.title, a.event_id) for a in engine.articles()]
            results.append((report.added, sorted(report.rejected), sorted(articles)))
    assert results[0] == results[1]
    assert len(results[0][0]) == 5
    assert [path for _, path, _, _ in results[1][2]] == list(results[1][0])
