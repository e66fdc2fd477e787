"""The bot's store: which chats get a digest when, which digests were sent — in SQLite.

Over 400 lines: it is every table of the bot's in one place: one connection policy
(`connect`), one list of migrations (`MIGRATIONS`), and the ledger's transactions beside
the rows they guard.

The bot's own tables live in the engine's database file (Settings.db_path), written through
a connection of their own (sqlite-utils over sqlite3, WAL, so the engine's reads never wait
on ours). The engine opens the file first (post_init), so a foreign or damaged file is
refused before this store touches it:

    digest_subscriptions   one row a chat: its plan, and what its last digest covered
    digest_deliveries      one row a (chat, slot), UNIQUE: claimed, then sending just before
                           the request, then sent / skipped / gone / failed / error / unknown
                           — the exactly-once ledger
    feed_state             per feed URL: ETag / Last-Modified, and since when it fails
    watched_files          per watched file: size and mtime when last ingested
    chat_filters           one row a chat: its keyword filter and its instant-alert switch
    alert_deliveries       one row a (chat, article), the primary key: the alert ledger, so an
                           article is alerted to a chat once
    chat_languages         one row a chat: the language it chose (/language); a subscription
                           and a filter also keep the Telegram language of whoever set them,
                           for digests and alerts in a chat that chose none
    managed_feeds          the feeds admins added with /feeds
    bot_schema             the version of these tables, migrated at open by `MIGRATIONS`

A claim is taken in one transaction before a message goes out, and marked "sending" (and
committed) just before the request leaves. Telegram has no idempotency key, so after a
crash the ledger says exactly what can be known:

- "claimed" by a process that is no longer running: nothing was sent; it is taken again;
- "sending" by a process that is no longer running: the request may or may not have
  reached Telegram; it is never sent again but recorded "unknown" (logged, and counted in
  /status) — a possible loss that is always visible, never a silent one or a duplicate;
- "failed" (network errors that prove nothing was sent outlasted the retries): taken again.

Claims of a process that still runs (`bot.instance.owner_is_alive`) are never taken over.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from bot.delivery.filters import ChatFilter
from bot.delivery.schedule import UTC, Plan, Slot
from bot.instance import owner_is_alive

SCHEMA_NAME = "digests"
# Another connection (the engine's) may hold the write lock for a moment: wait, don't fail.
BUSY_TIMEOUT_SECONDS = 30.0

CLAIMED, SENT, SKIPPED, GONE, FAILED = "claimed", "sent", "skipped", "gone", "failed"
SENDING, UNKNOWN = "sending", "unknown"
ABANDONED = "the bot stopped while sending it: it may or may not have arrived; not sent again"


@dataclass(frozen=True)
class Subscription:
    """A chat's digest plan, and the content its last digest covered."""

    chat_id: int
    plan: Plan
    since: dt.datetime
    """When the plan was set: slots before it are not owed."""
    thread_id: int | None = None
    watermark: str | None = None
    """Articles ingested after this ISO instant are new to the chat (None: since `since`)."""
    shown: tuple[int, ...] = ()
    """Article ids the last digest showed, so the boundary second never repeats them."""
    language: str | None = None
    """The language of whoever subscribed the chat (their /language choice, else their
    Telegram ``language_code``), kept at subscribe time: the digest's language when the
    chat itself chose none."""


@dataclass(frozen=True)
class Delivery:
    """One row of the ledger."""

    chat_id: int
    slot: str
    due_at: str
    status: str
    error: str | None = None


@dataclass(frozen=True)
class FeedState:
    """What the bot remembers about one feed URL."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    checked_at: str | None = None
    ok_at: str | None = None
    failing_since: str | None = None
    last_error: str | None = None


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection to the database file as the bot uses it: shared by worker threads (a lock
    serialises them), waiting out another connection's write lock, WAL, and autocommit, since
    transactions are explicit BEGIN IMMEDIATE ... COMMIT (`SubscriptionStore.transaction`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        str(path), check_same_thread=False, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None
    )
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def open_read_only(database: Path) -> sqlite3.Connection:
    """A connection that cannot write, so that looking (/status, /metrics) never changes what
    is looked at."""
    uri = Path(database).resolve().as_uri() + "?mode=ro"
    return sqlite3.connect(uri, uri=True)


def _now() -> str:
    return dt.datetime.now(UTC).isoformat(timespec="seconds")


class SubscriptionStore:
    """Reads and writes of the bot's tables. Takes an open sqlite-utils Database."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.lock = threading.RLock()  # one connection shared by worker threads
        self._migrate()

    @classmethod
    def open(cls, path: str | Path) -> SubscriptionStore:
        """Open the bot's tables in the database file at `path` on a connection of their own."""
        return cls(sqlite_utils.Database(connect(path)))

    def close(self) -> None:
        with self.lock:
            self.db.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once so that two writers never deadlock."""
        with self.lock:
            conn = self.db.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    # -- schema -----------------------------------------------------------------------------
    def _migrate(self) -> None:
        """Bring the tables to SCHEMA_VERSION, one step a transaction (see MIGRATIONS)."""
        db = self.db
        with self.lock:
            db.table("bot_schema").create(
                {"name": str, "version": int}, pk="name", if_not_exists=True
            )
            row = db.execute(
                "SELECT version FROM bot_schema WHERE name = ?", [SCHEMA_NAME]
            ).fetchone()
            version = row[0] if row else 0
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(
                    f"digest tables written by a newer newsbot (schema {version})"
                )
            for number, step in enumerate(MIGRATIONS, start=1):
                if version < number:
                    with self.transaction():
                        step(db)
                        db.execute(
                            "INSERT OR REPLACE INTO bot_schema (name, version) VALUES (?, ?)",
                            [SCHEMA_NAME, number],
                        )

    # -- subscriptions ----------------------------------------------------------------------
    def save(self, subscription: Subscription) -> None:
        """Create or replace a chat's subscription."""
        self.save_all([subscription])

    def save_all(self, subscriptions: Iterable[Subscription]) -> None:
        """Create or replace many subscriptions in one transaction."""
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO digest_subscriptions (chat_id, thread_id, at, tz, "
                "cadence, weekday, since, watermark, shown, also_at, language) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_row(subscription) for subscription in subscriptions],
            )

    def remove(self, chat_id: int) -> bool:
        """End a chat's subscription; whether it had one."""
        with self.transaction() as conn:
            cursor = conn.execute("DELETE FROM digest_subscriptions WHERE chat_id = ?", [chat_id])
            return cursor.rowcount > 0

    def get(self, chat_id: int) -> Subscription | None:
        rows = self._rows("SELECT * FROM digest_subscriptions WHERE chat_id = ?", [chat_id])
        return _subscription(rows[0]) if rows else None

    def all(self) -> list[Subscription]:
        return [
            _subscription(r) for r in self._rows("SELECT * FROM digest_subscriptions ORDER BY 1")
        ]

    def forget_chat(self, chat_id: int) -> None:
        """The chat is gone (blocked, kicked): drop its subscription, filter and alerts."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM digest_subscriptions WHERE chat_id = ?", [chat_id])
            conn.execute("DELETE FROM chat_filters WHERE chat_id = ?", [chat_id])

    def forget_thread(self, chat_id: int) -> bool:
        """The chat's forum topic is gone or closed: post to General; whether it had a topic."""
        with self.transaction() as conn:
            changed = conn.execute(
                "UPDATE digest_subscriptions SET thread_id = NULL "
                "WHERE chat_id = ? AND thread_id IS NOT NULL",
                [chat_id],
            ).rowcount
            changed += conn.execute(
                "UPDATE chat_filters SET alerts_thread_id = NULL "
                "WHERE chat_id = ? AND alerts_thread_id IS NOT NULL",
                [chat_id],
            ).rowcount
            return changed > 0

    def move(self, old_chat_id: int, new_chat_id: int) -> bool:
        """A group became a supergroup: its subscription, filter and ledgers follow it."""
        with self.transaction() as conn:
            if conn.execute(
                "SELECT 1 FROM chat_filters WHERE chat_id = ?", [old_chat_id]
            ).fetchone():
                conn.execute("DELETE FROM chat_filters WHERE chat_id = ?", [new_chat_id])
                conn.execute(
                    "UPDATE chat_filters SET chat_id = ?, alerts_thread_id = NULL "
                    "WHERE chat_id = ?",
                    [new_chat_id, old_chat_id],
                )
                conn.execute(
                    "UPDATE OR IGNORE alert_deliveries SET chat_id = ? WHERE chat_id = ?",
                    [new_chat_id, old_chat_id],
                )
            exists = conn.execute(
                "SELECT 1 FROM digest_subscriptions WHERE chat_id = ?", [old_chat_id]
            ).fetchone()
            if not exists:
                return False
            # The old group's plan wins: it is the one the admins set.
            conn.execute("DELETE FROM digest_subscriptions WHERE chat_id = ?", [new_chat_id])
            conn.execute(
                "UPDATE digest_subscriptions SET chat_id = ?, thread_id = NULL WHERE chat_id = ?",
                [new_chat_id, old_chat_id],
            )
            conn.execute(
                "UPDATE OR IGNORE digest_deliveries SET chat_id = ? WHERE chat_id = ?",
                [new_chat_id, old_chat_id],
            )
            return True

    # -- the ledger -------------------------------------------------------------------------
    def claim(
        self,
        due: Iterable[tuple[int, Slot]],
        owner: str,
        *,
        is_alive: Callable[[str | None], bool] = owner_is_alive,
    ) -> list[tuple[int, Slot]]:
        """Claim (chat, slot) pairs for `owner` in one transaction; return those it now holds.

        A pair already in the ledger is taken only when it "failed", or when a process that
        no longer runs left it "claimed" (never "sending": see the module docstring).
        """
        now = _now()
        held: list[tuple[int, Slot]] = []
        with self.transaction() as conn:
            dead = self._dead_owners(conn, CLAIMED, owner, is_alive)
            for chat_id, slot in due:
                inserted = conn.execute(
                    "INSERT OR IGNORE INTO digest_deliveries "
                    "(chat_id, slot, due_at, status, owner, claimed_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [chat_id, slot.key, slot.at.isoformat(), CLAIMED, owner, now],
                ).rowcount
                if not inserted:
                    previous = conn.execute(
                        "SELECT status, owner FROM digest_deliveries WHERE chat_id = ? AND slot = ?",
                        [chat_id, slot.key],
                    ).fetchone()
                    if previous[0] == FAILED or (previous[0] == CLAIMED and previous[1] in dead):
                        inserted = conn.execute(
                            "UPDATE digest_deliveries SET status = ?, owner = ?, claimed_at = ?, "
                            "error = NULL WHERE chat_id = ? AND slot = ?",
                            [CLAIMED, owner, now, chat_id, slot.key],
                        ).rowcount
                if inserted:
                    held.append((chat_id, slot))
        return held

    def settle_abandoned(
        self, owner: str, *, is_alive: Callable[[str | None], bool] = owner_is_alive
    ) -> list[Delivery]:
        """Record as "unknown" what a process that no longer runs left "sending"; return them."""
        with self.transaction() as conn:
            dead = self._dead_owners(conn, SENDING, owner, is_alive)
            if not dead:
                return []
            marks = ",".join("?" * len(dead))
            rows = conn.execute(
                "SELECT chat_id, slot, due_at FROM digest_deliveries "
                f"WHERE status = ? AND owner IN ({marks}) ORDER BY id",
                [SENDING, *dead],
            ).fetchall()
            conn.execute(
                "UPDATE digest_deliveries SET status = ?, finished_at = ?, error = ? "
                f"WHERE status = ? AND owner IN ({marks})",
                [UNKNOWN, _now(), ABANDONED, SENDING, *dead],
            )
        return [
            Delivery(chat_id, slot, due_at, UNKNOWN, ABANDONED) for chat_id, slot, due_at in rows
        ]

    def mark(self, chat_id: int, slot: str, status: str) -> None:
        """Move a claim between "claimed" and "sending", committed before the request leaves."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE digest_deliveries SET status = ? WHERE chat_id = ? AND slot = ?",
                [status, chat_id, slot],
            )

    @staticmethod
    def _dead_owners(
        conn: sqlite3.Connection, status: str, owner: str, is_alive: Callable[[str | None], bool]
    ) -> set[str]:
        """Owners of rows in `status` whose process no longer runs (never `owner` itself)."""
        owners = [
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT owner FROM digest_deliveries WHERE status = ?", [status]
            )
        ]
        return {o for o in owners if o is not None and o != owner and not is_alive(o)}

    def finish(
        self,
        chat_id: int,
        slot: str,
        status: str,
        *,
        error: str | None = None,
        watermark: str | None = None,
        shown: Sequence[int] = (),
    ) -> None:
        """Record how a claimed delivery ended; a sent (or filtered-out) digest moves the
        chat's watermark."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE digest_deliveries SET status = ?, finished_at = ?, error = ? "
                "WHERE chat_id = ? AND slot = ?",
                [status, _now(), error, chat_id, slot],
            )
            if status in (SENT, SKIPPED) and watermark is not None:
                conn.execute(
                    "UPDATE digest_subscriptions SET watermark = ?, shown = ? WHERE chat_id = ?",
                    [watermark, json.dumps(list(shown)), chat_id],
                )

    def prune(self, before: dt.datetime) -> int:
        """Forget finished deliveries due before an instant (long past any grace period)."""
        cutoff = before.astimezone(UTC).isoformat()
        with self.transaction() as conn:
            # Alerted articles are behind every chat's alert watermark by then.
            conn.execute("DELETE FROM alert_deliveries WHERE at < ?", [cutoff])
            return conn.execute(
                "DELETE FROM digest_deliveries WHERE due_at < ? AND status NOT IN (?, ?)",
                [cutoff, CLAIMED, SENDING],
            ).rowcount

    def deliveries(self, chat_id: int | None = None) -> list[Delivery]:
        sql = "SELECT chat_id, slot, due_at, status, error FROM digest_deliveries"
        params: list[object] = []
        if chat_id is not None:
            sql += " WHERE chat_id = ?"
            params.append(chat_id)
        return [Delivery(**r) for r in self._rows(sql + " ORDER BY id", params)]

    # -- filters and alerts -----------------------------------------------------------------
    def chat_filter(self, chat_id: int) -> ChatFilter:
        """The chat's filter (an empty one, alerts off, when it never set one)."""
        rows = self._rows("SELECT * FROM chat_filters WHERE chat_id = ?", [chat_id])
        return _chat_filter(rows[0]) if rows else ChatFilter(chat_id)

    def chat_filters(self) -> dict[int, ChatFilter]:
        """Every stored filter by chat id."""
        return {r["chat_id"]: _chat_filter(r) for r in self._rows("SELECT * FROM chat_filters")}

    def alert_chats(self) -> list[ChatFilter]:
        """The filters of chats with instant alerts on."""
        rows = self._rows("SELECT * FROM chat_filters WHERE alerts = 1 ORDER BY chat_id")
        return [_chat_filter(r) for r in rows]

    def save_filter(self, chat_filter: ChatFilter) -> None:
        """Create or replace a chat's filter."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO chat_filters (chat_id, include, exclude, alerts, "
                "alerts_since, alerts_thread_id, told_nothing_matched, language) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    chat_filter.chat_id,
                    json.dumps(list(chat_filter.include)),
                    json.dumps(list(chat_filter.exclude)),
                    int(chat_filter.alerts),
                    chat_filter.alerts_since,
                    chat_filter.alerts_thread_id,
                    int(chat_filter.told_nothing_matched),
                    chat_filter.language,
                ],
            )

    def set_told_nothing_matched(self, chat_id: int, told: bool) -> None:
        """Remember whether the chat was told its filter matched nothing (told once, not daily)."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE chat_filters SET told_nothing_matched = ? WHERE chat_id = ?",
                [int(told), chat_id],
            )

    def claim_alerts(self, chat_id: int, article_ids: Iterable[int]) -> list[int]:
        """Claim articles to alert a chat about; return those never claimed for it before."""
        now = _now()
        held = []
        with self.transaction() as conn:
            for article_id in article_ids:
                if conn.execute(
                    "INSERT OR IGNORE INTO alert_deliveries (chat_id, article_id, status, at) "
                    "VALUES (?, ?, ?, ?)",
                    [chat_id, article_id, CLAIMED, now],
                ).rowcount:
                    held.append(article_id)
        return held

    def finish_alerts(
        self, chat_id: int, article_ids: Sequence[int], status: str, alerts_since: str | None
    ) -> None:
        """Record how an alert ended and move the chat's alert watermark."""
        now = _now()
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE alert_deliveries SET status = ?, at = ? WHERE chat_id = ? AND article_id = ?",
                [(status, now, chat_id, article_id) for article_id in article_ids],
            )
            if alerts_since is not None:
                conn.execute(
                    "UPDATE chat_filters SET alerts_since = ? WHERE chat_id = ?",
                    [alerts_since, chat_id],
                )

    def alert_ledger(self, chat_id: int) -> list[tuple[int, str]]:
        """(article id, status) of every alert claimed for a chat."""
        rows = self._rows(
            "SELECT article_id, status FROM alert_deliveries WHERE chat_id = ? ORDER BY article_id",
            [chat_id],
        )
        return [(r["article_id"], r["status"]) for r in rows]

    # -- live sources -----------------------------------------------------------------------
    def feed_state(self, url: str) -> FeedState:
        rows = self._rows("SELECT * FROM feed_state WHERE url = ?", [url])
        return FeedState(**rows[0]) if rows else FeedState(url)

    def feed_states(self) -> list[FeedState]:
        return [FeedState(**r) for r in self._rows("SELECT * FROM feed_state ORDER BY url")]

    def record_feed_ok(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """A feed answered (200 or 304): keep its validators, clear its failure."""
        now = _now()
        with self.transaction():
            self.db.table("feed_state").upsert(
                {
                    "url": url,
                    "etag": etag,
                    "last_modified": last_modified,
                    "checked_at": now,
                    "ok_at": now,
                    "failing_since": None,
                    "last_error": None,
                },
                pk="url",
            )

    def record_feed_error(self, url: str, error: str) -> None:
        """A feed failed: remember since when (the first failure) and the latest error."""
        now = _now()
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO feed_state (url, checked_at, failing_since, last_error) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
                "checked_at = excluded.checked_at, "
                "failing_since = coalesce(feed_state.failing_since, excluded.failing_since), "
                "last_error = excluded.last_error",
                [url, now, now, error],
            )

    def watched_files(self) -> dict[str, tuple[int, int]]:
        """Path → (size, mtime_ns) of every watched file already ingested."""
        return {
            r["path"]: (r["size"], r["mtime_ns"])
            for r in self._rows("SELECT path, size, mtime_ns FROM watched_files")
        }

    def record_watched(self, files: dict[str, tuple[int, int]]) -> None:
        with self.transaction():
            self.db.table("watched_files").upsert_all(
                [{"path": p, "size": s, "mtime_ns": m} for p, (s, m) in files.items()], pk="path"
            )

    # -- helpers ----------------------------------------------------------------------------
    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[dict]:
        with self.lock:
            cursor = self.db.execute(sql, list(params))
            columns = [c[0] for c in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


class ChatLanguages:
    """Chats' chosen languages (/language), cached in memory."""

    def __init__(self, store: SubscriptionStore) -> None:
        self.store = store
        self._cache: dict[int, str | None] = {}

    def get(self, chat_id: int) -> str | None:
        if chat_id not in self._cache:
            rows = self.store._rows(
                "SELECT language FROM chat_languages WHERE chat_id = ?", [chat_id]
            )
            self._cache[chat_id] = rows[0]["language"] if rows else None
        return self._cache[chat_id]

    def set(self, chat_id: int, language: str | None) -> None:
        """Choose a language for a chat (None: follow each user's Telegram language)."""
        with self.store.transaction() as conn:
            if language is None:
                conn.execute("DELETE FROM chat_languages WHERE chat_id = ?", [chat_id])
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO chat_languages (chat_id, language) VALUES (?, ?)",
                    [chat_id, language],
                )
        self._cache[chat_id] = language


class FeedList:
    """The feeds admins added with /feeds, polled with those of NEWSBOT_FEEDS."""

    def __init__(self, store: SubscriptionStore) -> None:
        self.store = store

    def urls(self) -> list[str]:
        rows = self.store._rows("SELECT url FROM managed_feeds ORDER BY added_at, url")
        return [row["url"] for row in rows]

    def entries(self) -> list[tuple[str, str | None]]:
        rows = self.store._rows("SELECT url, title FROM managed_feeds ORDER BY added_at, url")
        return [(row["url"], row["title"]) for row in rows]

    def add(self, url: str, title: str | None, by: int | None) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO managed_feeds (url, title, added_at, added_by) "
                "VALUES (?, ?, ?, ?)",
                [url, title, _now(), by],
            )

    def remove(self, url: str) -> bool:
        with self.store.transaction() as conn:
            return conn.execute("DELETE FROM managed_feeds WHERE url = ?", [url]).rowcount > 0


def _row(subscription: Subscription) -> tuple[object, ...]:
    plan = subscription.plan
    return (
        subscription.chat_id,
        subscription.thread_id,
        plan.at.isoformat(),
        plan.tz,
        plan.cadence,
        plan.weekday,
        subscription.since.astimezone(UTC).isoformat(),
        subscription.watermark,
        json.dumps(list(subscription.shown)),
        json.dumps([at.isoformat() for at in plan.also_at]),
        subscription.language,
    )


def _subscription(row: dict) -> Subscription:
    return Subscription(
        chat_id=row["chat_id"],
        plan=Plan(
            at=dt.time.fromisoformat(row["at"]),
            tz=row["tz"],
            cadence=row["cadence"],
            weekday=row["weekday"] or 0,
            also_at=tuple(
                dt.time.fromisoformat(at) for at in json.loads(row.get("also_at") or "[]")
            ),
        ),
        since=dt.datetime.fromisoformat(row["since"]),
        thread_id=row["thread_id"],
        watermark=row["watermark"],
        shown=tuple(json.loads(row["shown"] or "[]")),
        language=row.get("language"),
    )


def _chat_filter(row: dict) -> ChatFilter:
    return ChatFilter(
        chat_id=row["chat_id"],
        include=tuple(json.loads(row["include"] or "[]")),
        exclude=tuple(json.loads(row["exclude"] or "[]")),
        alerts=bool(row["alerts"]),
        alerts_since=row["alerts_since"],
        alerts_thread_id=row["alerts_thread_id"],
        told_nothing_matched=bool(row["told_nothing_matched"]),
        language=row.get("language"),
    )


def _create_v1(db: sqlite_utils.Database) -> None:
    """Digests and live sources."""
    db.table("digest_subscriptions").create(
        {
            "chat_id": int,
            "thread_id": int,
            "at": str,
            "tz": str,
            "cadence": str,
            "weekday": int,
            "since": str,
            "watermark": str,
            "shown": str,
        },
        pk="chat_id",
        not_null={"at", "tz", "cadence", "since"},
        if_not_exists=True,
    )
    db.table("digest_deliveries").create(
        {
            "id": int,
            "chat_id": int,
            "slot": str,
            "due_at": str,
            "status": str,
            "owner": str,
            "claimed_at": str,
            "finished_at": str,
            "error": str,
        },
        pk="id",
        not_null={"chat_id", "slot", "status"},
        if_not_exists=True,
    )
    db.table("digest_deliveries").create_index(["chat_id", "slot"], unique=True, if_not_exists=True)
    db.table("digest_deliveries").create_index(["status"], if_not_exists=True)
    db.table("feed_state").create(
        {
            "url": str,
            "etag": str,
            "last_modified": str,
            "checked_at": str,
            "ok_at": str,
            "failing_since": str,
            "last_error": str,
        },
        pk="url",
        if_not_exists=True,
    )
    db.table("watched_files").create(
        {"path": str, "size": int, "mtime_ns": int}, pk="path", if_not_exists=True
    )


def _create_v2(db: sqlite_utils.Database) -> None:
    """Keyword filters and instant alerts."""
    db.table("chat_filters").create(
        {
            "chat_id": int,
            "include": str,
            "exclude": str,
            "alerts": int,
            "alerts_since": str,
            "alerts_thread_id": int,
            "told_nothing_matched": int,
        },
        pk="chat_id",
        if_not_exists=True,
    )
    db.table("alert_deliveries").create(
        {"chat_id": int, "article_id": int, "status": str, "at": str},
        pk=("chat_id", "article_id"),
        not_null={"status"},
        if_not_exists=True,
    )


def _add_times_column(db: sqlite_utils.Database) -> None:
    """Several digests a day: the times after the first (`at`), as JSON.

    Older files may have the column already (it was once added by its presence alone).
    """
    if "also_at" not in db.table("digest_subscriptions").columns_dict:
        db.execute("ALTER TABLE digest_subscriptions ADD COLUMN also_at TEXT")


def _create_v4(db: sqlite_utils.Database) -> None:
    """Chats' languages and the feeds admins add (once created at first use, hence if_not_exists)."""
    db.table("chat_languages").create(
        {"chat_id": int, "language": str}, pk="chat_id", if_not_exists=True
    )
    db.table("managed_feeds").create(
        {"url": str, "title": str, "added_at": str, "added_by": int},
        pk="url",
        if_not_exists=True,
    )


def _add_language_columns(db: sqlite_utils.Database) -> None:
    """Digests and alerts in the language of whoever set them, when the chat chose none."""
    for table in ("digest_subscriptions", "chat_filters"):
        if "language" not in db.table(table).columns_dict:
            db.execute(f"ALTER TABLE {table} ADD COLUMN language TEXT")


# The bot's schema, one step a version: step N brings version N-1 to N, in one transaction.
# Never edit a step that shipped; add one.
MIGRATIONS: tuple[Callable[[sqlite_utils.Database], None], ...] = (
    _create_v1,
    _create_v2,
    _add_times_column,
    _create_v4,
    _add_language_columns,
)
SCHEMA_VERSION = len(MIGRATIONS)
