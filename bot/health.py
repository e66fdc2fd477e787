"""Health: is the bot well? The figures behind /status, and `python -m bot --check`.

/status gathers three things: the corpus (through the engine: articles, events, the last
ingest and its errors, template problems), the live sources and digests (read-only SQL on
the tables `bot.storage` owns: `feed_state`, `digest_subscriptions`,
`digest_deliveries`), and the process itself (uptime, from `STARTED_KEY` in bot_data).

`--check` validates what a start would need — settings, the database file, the templates,
the folders — without starting anything, and prints one line per check: a container
health check or a deploy script can run it and read its exit status.

Over 400 lines: /status and --check read the same figures; apart, each would import the
other's readers, and /status's lines are each a catalog message said in the reader's language.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.delivery.schedule import Plan, format_wait, next_slot
from bot.i18n import ENGLISH, Translator
from bot.storage import FAILED, SENT, UNKNOWN, open_read_only
from bot.telegram_html import echo, escape
from briefings.engine import ARTICLE_FORMATS, Engine, template_problems
from briefings.engine import check_database as engine_check_database
from briefings.errors import DatabaseError

if TYPE_CHECKING:
    from bot.config import Settings

UTC = dt.UTC
# digest_deliveries statuses that count as failed: gave up after retries, or refused for good
# ("error" is bot.delivery.digests.ERROR, spelled out here so that --check needs no telegram import).
FAILED_STATUSES = (FAILED, "error")
MAX_INGEST_ERRORS_SHOWN = 5
MAX_ERROR_CHARS = 200


# -- facts ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IngestRun:
    """The last ingest, as the engine logged it."""

    at: dt.datetime | None
    added: int
    updated: int
    unchanged: int
    rejected: int
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class CorpusHealth:
    """What the engine holds, and where."""

    database: Path
    articles: int
    events: int
    last_ingest: IngestRun | None
    template_problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedHealth:
    """One configured feed: when it last answered, and since when it fails (if it does)."""

    url: str
    checked_at: dt.datetime | None = None
    ok_at: dt.datetime | None = None
    failing_since: dt.datetime | None = None
    last_error: str | None = None

    @property
    def is_failing(self) -> bool:
        return self.failing_since is not None


@dataclass(frozen=True)
class DigestHealth:
    """Subscriptions, today's deliveries and the next one due."""

    subscriptions: int = 0
    sent_today: int = 0
    failed_today: int = 0
    unknown_today: int = 0
    """Digests whose send failed after the request left: they may or may not have arrived."""
    next_due: dt.datetime | None = None


@dataclass(frozen=True)
class Health:
    """Everything /status shows."""

    started_at: dt.datetime
    now: dt.datetime
    corpus: CorpusHealth
    feeds: tuple[FeedHealth, ...]
    digests: DigestHealth

    @property
    def uptime(self) -> dt.timedelta:
        return self.now - self.started_at


# -- reading ----------------------------------------------------------------------------------
def corpus_health(engine: Engine, *, database: Path) -> CorpusHealth:
    """The engine's figures (blocking: call through the engine gate); `database` is its file."""
    row = engine.last_ingest()
    last = None
    if row is not None:
        last = IngestRun(
            at=_instant(row.get("at")),
            added=row.get("added") or 0,
            updated=row.get("updated") or 0,
            unchanged=row.get("unchanged") or 0,
            rejected=row.get("rejected") or 0,
            errors=tuple(json.loads(row.get("errors") or "[]")),
        )
    return CorpusHealth(
        database=database,
        articles=engine.article_count(),
        events=engine.event_count(),
        last_ingest=last,
        template_problems=tuple(p.message for p in engine.renderer.problems),
    )


def feed_health(conn: sqlite3.Connection, feeds: Sequence[str]) -> list[FeedHealth]:
    """The state of each configured feed, as bot.delivery.feeds records it in `feed_state`.

    A feed not polled yet has no row and comes back with every time None.
    """
    try:
        rows = conn.execute(
            "SELECT url, checked_at, ok_at, failing_since, last_error FROM feed_state"
        ).fetchall()
    except sqlite3.OperationalError:  # the digest tables are created at the first start
        rows = []
    known = {row[0]: row for row in rows}
    found = []
    for url in feeds:
        _, checked_at, ok_at, failing_since, last_error = known.get(url, (url, *[None] * 4))
        found.append(
            FeedHealth(
                url=url,
                checked_at=_instant(checked_at),
                ok_at=_instant(ok_at),
                failing_since=_instant(failing_since),
                last_error=last_error,
            )
        )
    return found


def digest_health(conn: sqlite3.Connection, *, now: dt.datetime, tz: str) -> DigestHealth:
    """Subscriptions, digests sent and failed since midnight in `tz`, and the next slot due."""
    midnight = dt.datetime.combine(now.astimezone(ZoneInfo(tz)).date(), dt.time(), ZoneInfo(tz))
    # finished_at is written as UTC ISO text with seconds, so text order is time order.
    since = midnight.astimezone(UTC).isoformat(timespec="seconds")
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(digest_subscriptions)")}
        also = "also_at" if "also_at" in columns else "NULL"  # several digests a day
        plans = [
            Plan(
                at=dt.time.fromisoformat(at),
                tz=zone,
                cadence=cadence,
                weekday=weekday or 0,
                also_at=tuple(dt.time.fromisoformat(t) for t in json.loads(more or "[]")),
            )
            for at, zone, cadence, weekday, more in conn.execute(
                f"SELECT at, tz, cadence, weekday, {also} FROM digest_subscriptions"
            )
        ]
        counts = dict(
            conn.execute(
                "SELECT status, count(*) FROM digest_deliveries WHERE finished_at >= ? "
                "GROUP BY status",
                [since],
            ).fetchall()
        )
    except sqlite3.OperationalError:  # the digest tables are created at the first start
        return DigestHealth()
    return DigestHealth(
        subscriptions=len(plans),
        sent_today=counts.get(SENT, 0),
        failed_today=sum(counts.get(status, 0) for status in FAILED_STATUSES),
        unknown_today=counts.get(UNKNOWN, 0),
        next_due=min((next_slot(plan, now).at for plan in plans), default=None),
    )


def read_health(
    corpus: CorpusHealth, *, started_at: dt.datetime, now: dt.datetime, settings: Settings
) -> Health:
    """Add the feeds and digests (blocking: run in a thread) to the engine's figures."""
    conn = open_read_only(corpus.database)
    try:
        feeds = feed_health(conn, settings.feeds)
        digests = digest_health(conn, now=now, tz=settings.tz)
    finally:
        conn.close()
    return Health(started_at, now, corpus, tuple(feeds), digests)


# -- showing ----------------------------------------------------------------------------------
def status_html(health: Health, tz: str, translate: Translator = ENGLISH) -> str:
    """/status as Telegram HTML, times in the bot's time zone."""
    zone = ZoneInfo(tz)
    _ = translate

    def when(at: dt.datetime) -> str:
        return escape(f"{at.astimezone(zone):%Y-%m-%d %H:%M} {tz}")

    corpus, digests = health.corpus, health.digests
    lines = [
        "<b>{}</b>".format(_("Status")),
        _("up {uptime}, since {started}").format(
            uptime=format_wait(health.uptime, translate), started=when(health.started_at)
        ),
        _("articles: {articles}, events: {events}").format(
            articles=corpus.articles, events=corpus.events
        ),
    ]
    last = corpus.last_ingest
    if last is None:
        lines.append(_("last ingest: none yet"))
    else:
        at = when(last.at) if last.at else _("at an unknown time")
        lines.append(
            _(
                "last ingest: {at} — added {added}, updated {updated}, "
                "unchanged {unchanged}, rejected {rejected}"
            ).format(
                at=at,
                added=last.added,
                updated=last.updated,
                unchanged=last.unchanged,
                rejected=last.rejected,
            )
        )
        # The reasons are the engine's, recorded in English when the files were read.
        lines += [
            f"  • {echo(error, MAX_ERROR_CHARS)}" for error in last.errors[:MAX_INGEST_ERRORS_SHOWN]
        ]
        if len(last.errors) > MAX_INGEST_ERRORS_SHOWN:
            more = len(last.errors) - MAX_INGEST_ERRORS_SHOWN
            lines.append("  " + _("…and {count} more").format(count=more))

    failing = [feed for feed in health.feeds if feed.is_failing]
    if not health.feeds:
        lines.append(_("feeds: none configured"))
    else:
        lines.append(
            _("feeds: {count}, failing: {failing}").format(
                count=len(health.feeds), failing=len(failing)
            )
        )
        for feed in failing:
            assert feed.failing_since is not None
            # The error is the one recorded when the feed failed (English, as in the log).
            lines.append(
                "  • "
                + _("{url} failing since {since}: {error}").format(
                    url=escape(feed.url),
                    since=when(feed.failing_since),
                    error=echo(feed.last_error or _("unknown error"), MAX_ERROR_CHARS),
                )
            )
        lines += [
            "  • " + _("{url}: not checked yet").format(url=escape(feed.url))
            for feed in health.feeds
            if not feed.checked_at
        ]

    lines.append(_("subscriptions: {count}").format(count=digests.subscriptions))
    lines.append(
        _("digests today: {sent} sent, {failed} failed, {unknown} unknown").format(
            sent=digests.sent_today, failed=digests.failed_today, unknown=digests.unknown_today
        )
    )
    if digests.unknown_today:
        lines.append(
            "  • "
            + _(
                "unknown: the send was cut short after the request left (a timeout, a restart); "
                "it may or may not have arrived, and is not sent again. The log names the chats."
            )
        )
    if digests.next_due is None:
        lines.append(_("next digest: none scheduled"))
    else:
        wait = format_wait(digests.next_due - health.now, translate)
        lines.append(
            _("next digest: {at} (in {wait})").format(at=when(digests.next_due), wait=wait)
        )
    if corpus.template_problems:
        lines.append(_("template problems: {count}").format(count=len(corpus.template_problems)))
        lines += [f"  • {echo(problem, MAX_ERROR_CHARS)}" for problem in corpus.template_problems]
    return "\n".join(lines)


def _instant(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        at = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


# -- python -m bot --check --------------------------------------------------------------------
@dataclass(frozen=True)
class CheckResult:
    """One line of `--check`: what was checked, whether it is fine, and the details."""

    what: str
    is_ok: bool
    detail: str


def check(environ: Mapping[str, str], env_file: Path | None) -> list[CheckResult]:
    """Validate settings, database, templates and folders, starting nothing."""
    from bot.config import SHIPPED_CORPUS, ConfigError, Settings

    try:
        settings = Settings.from_env(environ, env_file)
    except ConfigError as error:
        return [CheckResult("configuration", False, str(error))]
    mode = "webhook" if settings.is_webhook else "long polling"
    results = [
        CheckResult(
            "configuration",
            True,
            f"token set, {mode}" if settings.token else "no token: would run the local sandbox",
        ),
        check_database(settings.db_path),
    ]
    results += check_templates(settings.templates_dir)
    results += [
        check_corpus_folder(path, is_shipped=path == SHIPPED_CORPUS) for path in settings.corpus
    ]
    if settings.watch is not None:
        what = f"watched folder {settings.watch}"
        if settings.watch.is_dir():
            results.append(CheckResult(what, True, "exists"))
        else:
            results.append(CheckResult(what, False, "is not a folder (NEWSBOT_WATCH)"))
    return results


def check_corpus_folder(path: Path, *, is_shipped: bool = False) -> CheckResult:
    """A folder the bot ingests at start: missing means the bot would brief nothing from it."""
    what = f"corpus folder {path}"
    if not path.exists():
        if is_shipped:
            return CheckResult(
                what,
                False,
                "the seed articles are missing from this installation: reinstall newsbot, "
                "or point NEWSBOT_CORPUS at your articles",
            )
        return CheckResult(
            what, False, "does not exist (NEWSBOT_CORPUS names it): the bot would ingest nothing"
        )
    if not path.is_dir():
        return CheckResult(what, False, "is not a folder (NEWSBOT_CORPUS names folders)")
    for _folder, dirnames, filenames in os.walk(path):
        dirnames[:] = [name for name in dirnames if not name.startswith(".")]
        if any(
            not name.startswith(".") and Path(name).suffix.lower() in ARTICLE_FORMATS
            for name in filenames
        ):
            return CheckResult(what, True, "exists")
    kinds = " ".join(sorted(ARTICLE_FORMATS))
    return CheckResult(what, True, f"exists, but holds no article files yet ({kinds})")


def check_database(database: Path) -> CheckResult:
    """Open the database as the bot would; a damaged or foreign file fails."""
    from bot.instance import lock_holder

    what = f"database {database}"
    if not database.exists():
        parent = database.parent if str(database.parent) else Path(".")
        if parent.exists() and not os.access(parent, os.W_OK):
            return CheckResult(what, False, f"does not exist, and {parent} is not writable")
        return CheckResult(what, True, "does not exist yet: created at the first start")
    try:
        found = engine_check_database(database)
    except DatabaseError as error:
        return CheckResult(what, False, str(error))
    articles = found.articles
    if found.damage is not None:
        # quick_check's first finding, on one line ("*** in database main ***\nPage 131: …").
        finding = " ".join(found.damage.replace("*** in database main ***", "").split())
        return CheckResult(
            what,
            False,
            f"{database} is damaged ({finding}). Restore it from a backup, or move it away "
            "and point NEWSBOT_DB / --db at another file.",
        )
    holder = lock_holder(database)
    running = f"; a bot is running on it (pid {holder})" if holder else ""
    return CheckResult(what, True, f"{articles} articles{running}")


def check_templates(templates_dir: Path | None) -> list[CheckResult]:
    """Compile every override in NEWSBOT_TEMPLATES; each problem is one failed line."""
    if templates_dir is None:
        return []
    problems = template_problems(templates_dir)
    if not problems:
        return [CheckResult(f"templates {templates_dir}", True, "all compile")]
    return [CheckResult(f"template {problem.name}", False, problem.message) for problem in problems]


def format_check(results: Sequence[CheckResult]) -> str:
    """The report `--check` prints: one line a check, then a verdict."""
    lines = [f"{'ok  ' if r.is_ok else 'FAIL'}  {r.what}: {r.detail}" for r in results]
    failed = sum(1 for r in results if not r.is_ok)
    lines.append(f"newsbot --check: {failed} problem(s)" if failed else "newsbot --check: all good")
    return "\n".join(lines)
