"""The command line, run as users run it: ``python -m briefings ...`` in a subprocess."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from briefings.models import IngestProgress
from briefings.progress_bar import ProgressBar
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
    commands = next(a for a in parser._actions if a.dest == "command").choices or {}
    missing = [c for c in commands if f"newsbot-briefings {c}" not in readme]
    assert missing == []


# -- a command-line tool -----------------------------------------------------------------------
def test_a_reader_that_goes_away_ends_it_quietly(db: Path) -> None:
    """`newsbot-briefings articles | head`: no BrokenPipeError traceback, status 141."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before a byte is written
    try:
        process = subprocess.run(
            [sys.executable, "-m", "briefings", "--db", str(db), "articles"],
            cwd=ROOT,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert (process.returncode, process.stderr) == (141, "")


def test_no_match_is_worded_for_a_terminal_not_a_chat(db: Path) -> None:
    result = run(db, "brief", "zzyzx")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        "python -m briefings: nothing in the corpus matches 'zzyzx'; "
        "`python -m briefings topics` lists what it covers.\n"
    )
    assert "/topics" not in result.stderr


def test_the_chat_keeps_its_own_wording_for_no_match(seeded) -> None:  # type: ignore[no-untyped-def]
    """The bot shows str(error): its hint names the chat's command, the CLI's its own."""
    from briefings.cli import terminal_message
    from briefings.errors import NoMatch

    with pytest.raises(NoMatch) as caught:
        seeded.brief("zzyzx")
    assert (
        str(caught.value)
        == "Nothing in the corpus matches 'zzyzx'. Try /topics for what it covers."
    )
    assert "newsbot-briefings topics" in terminal_message(caught.value)


def test_the_console_script_names_itself() -> None:
    from briefings.cli import build_parser

    assert build_parser().format_usage().startswith("usage: newsbot-briefings ")
    result = subprocess.run(
        [sys.executable, "-m", "briefings", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.startswith("usage: python -m briefings ")


def test_ingest_without_a_terminal_prints_one_summary_line(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("   ")
    result = run(tmp_path / "one.db", "ingest", str(SEEDS), str(tmp_path / "empty.txt"))
    assert result.returncode == 0
    [summary] = result.stdout.splitlines()
    assert summary.startswith("added 5, updated 0, unchanged 0, rejected 1 (5 articles in ")
    assert result.stderr == f"rejected {tmp_path / 'empty.txt'}: file is empty (only whitespace)\n"
    assert "\r" not in result.stdout + result.stderr


def test_ingest_on_a_terminal_draws_a_progress_bar(tmp_path: Path) -> None:
    """stderr is a terminal (a pty): the bar is drawn there, then erased; stdout keeps the summary."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.run(
            [sys.executable, "-m", "briefings", "--db", str(tmp_path / "tty.db")]
            + ["ingest", str(SEEDS)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            timeout=120,
        )
        os.close(follower)
        drawn = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(leader)
    assert process.returncode == 0
    assert process.stdout.startswith("added 5, updated 0, unchanged 0, rejected 0")
    screen = drawn.decode()
    assert "5/5 files" in screen and "articles/s" in screen and "0 rejected" in screen
    assert screen.endswith("\r\x1b[K")  # erased, so the summary starts on a clean line


def test_the_progress_bar_shows_files_rate_and_rejected() -> None:
    bar = ProgressBar(io.StringIO())
    line = bar.line(IngestProgress(5, 20, 40, 2), elapsed=2.0, width=60)
    drawn, figures = line.split("]", 1)
    assert figures == " 5/20 files  20.0 articles/s  2 rejected"
    assert len(line) == 59  # the last column stays free, so the terminal never wraps
    assert drawn.count("#") / (len(drawn) - 1) == pytest.approx(5 / 20, abs=0.05)
    grouping = bar.line(IngestProgress(20, 20, 40, 0, "grouping"), elapsed=2.0, width=100)
    assert grouping.startswith("[" + "#" * 10) and grouping.endswith("grouping events…")
    # Too narrow for a bar: the figures alone, cut to the width.
    narrow = bar.line(IngestProgress(5, 20, 40, 2), elapsed=2.0, width=30)
    assert narrow.startswith("5/20 files") and len(narrow) == 29
