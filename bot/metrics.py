"""Metrics for Prometheus: an optional `/metrics` endpoint, on when NEWSBOT_METRICS is set.

`NEWSBOT_METRICS=9100` serves http://127.0.0.1:9100/metrics (`0.0.0.0:9100` in a container)
in a thread of its own, in Prometheus' text format (prometheus-client). What it exports:

| metric                                | type      | labels          | counts or measures     |
|---------------------------------------|-----------|-----------------|------------------------|
| newsbot_messages_sent_total           | counter   | method          | messages Telegram took |
| newsbot_telegram_429_total            | counter   | method          | 429 Too Many Requests  |
| newsbot_deliveries                    | gauge     | kind, status    | delivery ledger rows   |
| newsbot_ingest_articles_total         | counter   | outcome         | articles per ingest    |
| newsbot_ingest_seconds                | histogram |                 | each ingest's duration |
| newsbot_engine_call_seconds           | histogram | caller          | engine call latency    |

Counters and histograms count from the process' start, as Prometheus expects. Deliveries are
read from the database at each scrape (the digest and alert ledgers, by status, for as long
as the ledgers keep them), so they hold across restarts and show any status the bot records.
Each application has its own registry: two bots in one process (tests) never mix figures.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from telegram.error import RetryAfter

from bot.rate_limit import FloodBudgetLimiter, is_message
from bot.storage import open_read_only
from briefings.models import IngestReport

logger = logging.getLogger(__name__)

# Ingests run from a second (a feed's few entries) to many minutes (a big start-up corpus).
INGEST_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)
# Engine calls answer commands: most within a second, a briefing on a big corpus slower.
ENGINE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# The delivery ledgers bot.storage keeps: (kind label, table).
LEDGERS = (("digest", "digest_deliveries"), ("alert", "alert_deliveries"))


class BotMetrics:
    """The bot's collectors, in a registry of their own."""

    def __init__(self, database: Path | None = None) -> None:
        self.registry = CollectorRegistry()
        self.messages_sent = Counter(
            "newsbot_messages_sent",
            "Messages sent that Telegram accepted, by Bot API method.",
            ["method"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "newsbot_telegram_429",
            "Requests Telegram answered 429 Too Many Requests (each retry counts), by method.",
            ["method"],
            registry=self.registry,
        )
        self.ingest_articles = Counter(
            "newsbot_ingest_articles",
            "Articles seen by ingests (start-up, /reingest, feeds, watched folder), by outcome; "
            "rejected counts the files or entries refused.",
            ["outcome"],
            registry=self.registry,
        )
        for outcome in ("added", "updated", "unchanged", "rejected"):
            self.ingest_articles.labels(outcome)  # present at 0 before the first ingest
        self.ingest_seconds = Histogram(
            "newsbot_ingest_seconds",
            "How long each ingest took.",
            buckets=INGEST_BUCKETS,
            registry=self.registry,
        )
        self.engine_seconds = Histogram(
            "newsbot_engine_call_seconds",
            "How long engine calls took (lock held), by the function that made them.",
            ["caller"],
            buckets=ENGINE_BUCKETS,
            registry=self.registry,
        )
        if database is not None:
            self.registry.register(DeliveryLedgers(database))
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- observations -------------------------------------------------------------------------
    def observe_engine_call(self, work: Callable[..., Any], seconds: float, result: Any) -> None:
        """One engine call: its latency, and its figures when it was an ingest."""
        self.engine_seconds.labels(caller_name(work)).observe(seconds)
        if isinstance(result, IngestReport):
            self.ingest_seconds.observe(seconds)
            for outcome, found in (
                ("added", result.added),
                ("updated", result.updated),
                ("unchanged", result.unchanged),
                ("rejected", result.rejected),
            ):
                self.ingest_articles.labels(outcome).inc(len(found))

    def observe_request(self, method: str, *, is_rate_limited: bool) -> None:
        """One Bot API request that Telegram answered (successfully, or with a 429)."""
        if is_rate_limited:
            self.rate_limited.labels(method).inc()
        elif is_message(method):
            self.messages_sent.labels(method).inc()

    # -- the endpoint -------------------------------------------------------------------------
    def serve(self, host: str, port: int) -> None:
        """Serve /metrics on host:port from a daemon thread."""
        self._server, self._thread = start_http_server(port, addr=host, registry=self.registry)
        logger.info("metrics at http://%s:%d/metrics", host, port)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()


def caller_name(work: Callable[..., Any]) -> str:
    """The function an engine call came from: `brief` for `brief.<locals>.work`.

    A bounded set of names (the code's), so the label never grows with the traffic.
    """
    inner = getattr(work, "func", work)  # functools.partial
    qualname = getattr(inner, "__qualname__", "") or type(inner).__name__
    if ".<locals>" in qualname:
        # The innermost function that defined it: `a.<locals>.brief.<locals>.work` → brief.
        qualname = qualname.rsplit(".<locals>", 1)[0].rsplit(".<locals>.", 1)[-1]
    return qualname or "unknown"


class DeliveryLedgers(Collector):
    """`newsbot_deliveries{kind, status}`: rows of the delivery ledgers, read at each scrape."""

    def __init__(self, database: Path) -> None:
        self.database = database

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "newsbot_deliveries",
            "Deliveries in the ledgers (digests by slot, alerts by article), by status.",
            labels=["kind", "status"],
        )
        for kind, status, count in self._counts():
            family.add_metric([kind, status], count)
        yield family

    def _counts(self) -> list[tuple[str, str, int]]:
        if not self.database.exists():
            return []
        found: list[tuple[str, str, int]] = []
        try:
            conn = open_read_only(self.database)
        except sqlite3.Error as error:
            logger.warning("metrics: cannot read %s: %s", self.database, error)
            return []
        try:
            for kind, table in LEDGERS:
                try:
                    rows = conn.execute(f"SELECT status, count(*) FROM {table} GROUP BY status")
                except sqlite3.OperationalError:  # created at the first start
                    continue
                found += [(kind, str(status), int(count)) for status, count in rows]
        finally:
            conn.close()
        return found


class MeteredRateLimiter(FloodBudgetLimiter):
    """The bot's rate limiter (bot.rate_limit), counting messages sent and 429s (every retry too)."""

    def __init__(self, metrics: BotMetrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metrics = metrics

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> Any:
        metrics = self.metrics

        async def counted(*call_args: Any, **call_kwargs: Any) -> Any:
            try:
                result = await callback(*call_args, **call_kwargs)
            except RetryAfter:
                metrics.observe_request(endpoint, is_rate_limited=True)
                raise
            metrics.observe_request(endpoint, is_rate_limited=False)
            return result

        return await super().process_request(counted, args, kwargs, endpoint, data, rate_limit_args)
