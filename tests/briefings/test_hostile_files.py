"""Files an operator's folders may hold by accident or by malice: each rejected, none fatal."""

from __future__ import annotations

import subprocess
import sys
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
