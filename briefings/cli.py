"""The command line: ``newsbot-briefings ingest|regroup|articles|topics|events|search|brief|who``
(also ``python -m briefings ...``).

Reads the environment (``NEWSBOT_DB``) and behaves as a command-line tool: results on stdout,
errors on stderr worded for a terminal with a non-zero status, never a traceback, and a
reader that stops early (``... | head``) ends it quietly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Sequence

from briefings.engine import Engine, keep_what_is_built
from briefings.errors import BriefingError, NoMatch, PersonNotFound
from briefings.progress_bar import ProgressBar
from briefings.render.views import FORMATS, article_json

DEFAULT_DB = "newsbot.db"
PROG = "newsbot-briefings"
# Exit statuses: 1 nothing found, 2 an error or a usage error (argparse's own), 130 Ctrl+C,
# 141 the reader closed the pipe (128 + SIGPIPE, what a shell reports for other tools).
EXIT_NOT_FOUND = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2019-09-12") from None


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: --db may come before or after the command without one erasing the other.
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help=f"SQLite database file (default: $NEWSBOT_DB, else ./{DEFAULT_DB})",
    )
    fmt = argparse.ArgumentParser(add_help=False)
    fmt.add_argument("--format", choices=FORMATS, default="text")

    parser = argparse.ArgumentParser(
        prog=prog,
        parents=[common],
        description="Ingest news articles and compose short, sourced briefings.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("ingest", parents=[common], help="index article files or folders")
    p.add_argument("paths", nargs="+", metavar="PATH")
    sub.add_parser(
        "regroup",
        parents=[common],
        help="group every article into events again, from nothing (maintenance)",
    )
    sub.add_parser("articles", parents=[common, fmt], help="list indexed articles")
    sub.add_parser("topics", parents=[common, fmt], help="topics with article counts and dates")
    sub.add_parser("events", parents=[common, fmt], help="events with their articles")
    p = sub.add_parser("search", parents=[common, fmt], help="full-text search (BM25)")
    p.add_argument("query", nargs="+")
    p.add_argument("--topic")
    p.add_argument("--since", type=_date)
    p.add_argument("--until", type=_date)
    p.add_argument("--limit", type=int, default=10)
    p = sub.add_parser("brief", parents=[common, fmt], help="a briefing on an event or a topic")
    p.add_argument("query", nargs="*", metavar="TOPIC_OR_QUERY")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--event", type=int, metavar="ID")
    group.add_argument("--date", type=_date, metavar="YYYY-MM-DD")
    p = sub.add_parser("who", parents=[common, fmt], help="people of the latest event, or one card")
    p.add_argument("name", nargs="*")
    return parser


def run_command_line(prog: str = PROG) -> int:
    """The console script `newsbot-briefings` (and `python -m briefings`): `main` made quiet
    when the reader of a pipe goes away or the user presses Ctrl+C."""
    try:
        status = main(sys.argv[1:], prog=prog)
        sys.stdout.flush()  # a closed pipe shows here, rather than as noise at exit
    except BrokenPipeError:
        # The reader (`| head`) has all it wanted. Point stdout at nothing, so that the
        # interpreter's last flush does not fail again and print a traceback after all.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print(f"\n{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return status


def main(argv: Sequence[str] | None = None, *, prog: str = PROG) -> int:
    args = build_parser(prog).parse_args(argv)
    db_path = getattr(args, "db", None) or os.environ.get("NEWSBOT_DB") or DEFAULT_DB
    try:
        with Engine(db_path) as engine:
            keep_what_is_built()  # start-up's objects last the command: no collection walks them
            return _run(engine, args)
    except BriefingError as error:
        print(f"{prog}: {terminal_message(error, prog)}", file=sys.stderr)
        return EXIT_NOT_FOUND if isinstance(error, PersonNotFound) else EXIT_ERROR
    except OSError as error:
        # The database's folder is missing or not writable, the disk is full…
        if isinstance(error, BrokenPipeError):
            raise
        print(f"{prog}: {db_path}: {error.strerror or error}", file=sys.stderr)
        return EXIT_ERROR


def terminal_message(error: BriefingError, prog: str = PROG) -> str:
    """An engine error worded for a terminal: the chat's hints name bot commands."""
    if isinstance(error, NoMatch):
        return (
            f"nothing in the corpus matches {error.query!r}; `{prog} topics` lists what it covers."
        )
    return str(error)


def _run(engine: Engine, args: argparse.Namespace) -> int:
    out = sys.stdout
    fmt = getattr(args, "format", "text")
    render = engine.renderer
    if args.command == "ingest":
        return _ingest(engine, args.paths)
    if args.command == "regroup":
        started = time.monotonic()
        engine.regroup()
        print(
            f"{len(engine.events())} events from {len(engine.articles())} articles "
            f"in {time.monotonic() - started:.1f} s"
        )
        return 0
    if args.command == "articles":
        out.write(render.articles(engine.articles(), fmt))
    elif args.command == "topics":
        out.write(render.topics(engine.topics(), fmt))
    elif args.command == "events":
        _print_events(engine, fmt)
    elif args.command == "search":
        query = " ".join(args.query)
        hits = engine.search(
            query, topic=args.topic, since=args.since, until=args.until, limit=args.limit
        )
        out.write(render.search(query, hits, fmt))
    elif args.command == "brief":
        briefing = engine.brief(
            " ".join(args.query) or None, event_id=args.event, on_date=args.date
        )
        out.write(render.briefing(briefing, fmt))
    elif args.command == "who":
        name = " ".join(args.name)
        cards = engine.who(name or None)
        if name:
            out.write(render.person(cards[0], fmt))
            if fmt != "json" and len(cards) > 1:
                print(f"(also: {', '.join(c.name for c in cards[1:])})", file=out)
        else:
            out.write(render.people(cards, fmt, title="Who took part"))
    if not out.isatty() or fmt != "json":
        out.write("\n" if fmt == "json" else "")
    return 0


def _ingest(engine: Engine, paths: Sequence[str]) -> int:
    """Ingest with a progress bar on a terminal; one summary line on stdout either way.

    Each rejected file gets a line on stderr saying why, so stdout stays one line.
    """
    bar = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    started = time.monotonic()
    try:
        report = engine.ingest(paths, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    seconds = time.monotonic() - started
    articles = len(report.added) + len(report.updated) + len(report.unchanged)
    print(
        f"added {len(report.added)}, updated {len(report.updated)}, "
        f"unchanged {len(report.unchanged)}, rejected {len(report.rejected)} "
        f"({articles} articles in {seconds:.1f} s)"
    )
    for path, reason in report.rejected:
        print(f"rejected {path}: {reason}", file=sys.stderr)
    return 0


def _print_events(engine: Engine, fmt: str) -> None:
    articles = {a.id: a for a in engine.articles()}
    events = engine.events()
    if fmt == "json":
        print(
            json.dumps(
                [
                    {
                        "id": e.id,
                        "title": e.title,
                        "date": e.date.isoformat() if e.date else None,
                        "place": e.place,
                        "people": list(e.people),
                        "articles": [
                            article_json(articles[i]) for i in e.article_ids if i in articles
                        ],
                    }
                    for e in events
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for e in events:
        print(
            f"event {e.id}  {e.date.isoformat() if e.date else 'undated'}  {e.place or ''}  {e.title}"
        )
        for i in e.article_ids:
            if i in articles:
                print(f"    {articles[i].path}")
