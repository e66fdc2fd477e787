"""The command line, run as users run it: ``python -m briefings ...`` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "briefings", "--db", str(db), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "cli.db"
    result = run(path, "ingest", str(SEEDS))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("added 5, updated 0, unchanged 0, rejected 0")
    return path


def test_articles_as_json_have_the_documented_fields(db: Path) -> None:
    articles = json.loads(run(db, "articles", "--format", "json").stdout)
    assert len(articles) == 5
    assert set(articles[0]) >= {
        "path",
        "title",
        "outlet",
        "published",
        "date_source",
        "event",
        "topics",
        "language",
    }
    by_name = {Path(a["path"]).name[:3]: a for a in articles}
    assert by_name["003"]["outlet"] == "TASS"
    assert by_name["000"]["outlet"] is None
    assert by_name["004"]["published"] == "2017-08-20"


def test_brief_json_has_the_documented_shape(db: Path) -> None:
    brief = json.loads(run(db, "brief", "--format", "json").stdout)
    assert set(brief["event"]) >= {"id", "title", "date", "place"}
    for section in brief["sections"]:
        assert set(section) >= {"facet", "heading", "items"}
        for item in section["items"]:
            assert set(item) >= {"text", "sources", "articles"}


def test_brief_text_html_and_by_event(db: Path) -> None:
    assert "Netanyahu" in run(db, "brief").stdout
    assert run(db, "brief", "--format", "html").stdout.startswith("<b>")
    events = json.loads(run(db, "events", "--format", "json").stdout)
    older = events[-1]["id"]
    assert (
        json.loads(run(db, "brief", "--event", str(older), "--format", "json").stdout)["event"][
            "id"
        ]
        == older
    )


def test_who_json_list_and_card(db: Path) -> None:
    people = json.loads(run(db, "who", "--format", "json").stdout)
    assert {"name", "roles", "participant", "articles", "mentions"} <= set(people[0])
    card = json.loads(run(db, "who", "shoigu", "--format", "json").stdout)
    assert card["name"] == "Sergei Shoigu"


def test_who_unknown_exits_1_with_a_helpful_message(db: Path) -> None:
    result = run(db, "who", "Nobody Atall")
    assert result.returncode == 1
    assert "No one called" in result.stderr


def test_topics_and_search(db: Path) -> None:
    topics = json.loads(run(db, "topics", "--format", "json").stdout)
    assert any(t["name"] == "annexation" for t in topics)
    out = run(db, "search", "annex", "--since", "2019-01-01").stdout
    assert "[annex" in out.lower()


def test_a_bad_date_argument_is_a_usage_error_not_a_traceback(db: Path) -> None:
    result = run(db, "brief", "--date", "yesterday")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "is not a date" in result.stderr


def test_a_foreign_database_is_an_error_message(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a database at all" * 100)
    result = run(path, "articles")
    assert result.returncode == 2
    assert "not a usable newsbot database" in result.stderr and "Traceback" not in result.stderr


def test_every_command_is_documented_in_the_readme() -> None:
    from briefings.cli import build_parser

    readme = (ROOT / "README.md").read_text("utf-8")
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    missing = [c for c in commands if f"python -m briefings {c}" not in readme]
    assert missing == []
