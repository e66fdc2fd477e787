"""The command line: ``python -m briefings ingest|articles|topics|search|brief|who``.

Reads the environment (``NEWSBOT_DB``) and turns engine errors into messages, never tracebacks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence

from briefings.engine import Engine
from briefings.errors import BriefingError, PersonNotFound
from briefings.render import FORMATS, article_json

DEFAULT_DB = "newsbot.db"


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2019-09-12") from None


def build_parser() -> argparse.ArgumentParser:
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
        prog="python -m briefings",
        parents=[common],
        description="Ingest news articles and compose short, sourced briefings.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("ingest", parents=[common], help="index article files or folders")
    p.add_argument("paths", nargs="+", metavar="PATH")
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


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    db_path = getattr(args, "db", None) or os.environ.get("NEWSBOT_DB") or DEFAULT_DB
    try:
        with Engine(db_path) as engine:
            return _run(engine, args)
    except PersonNotFound as error:
        print(error, file=sys.stderr)
        return 1
    except BriefingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _run(engine: Engine, args: argparse.Namespace) -> int:
    out = sys.stdout
    fmt = getattr(args, "format", "text")
    render = engine.renderer
    if args.command == "ingest":
        report = engine.ingest(args.paths)
        print(
            f"added {len(report.added)}, updated {len(report.updated)}, "
            f"unchanged {len(report.unchanged)}, rejected {len(report.rejected)}",
            file=out,
        )
        for path, reason in report.rejected:
            print(f"  rejected {path}: {reason}", file=out)
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
