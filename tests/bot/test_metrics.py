"""/metrics: the real bot with NEWSBOT_METRICS set, scraped over HTTP in Prometheus' format."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import build_application
from bot.config import ConfigError, Settings
from bot.delivery.schedule import Slot
from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi
from bot.metrics import caller_name
from bot.runtime import METRICS_KEY
from bot.storage import SENT, SubscriptionStore
from tests.bot.support import running
from tests.bot.test_sandbox import free_port
from tests.conftest import SEEDS

USER = 1001

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(port: int) -> Samples:
    """Every sample of the endpoint, by name and labels (minus histogram buckets' `le`)."""
    response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if "le" not in sample.labels:
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def settings_for(api: LocalBotApi, db: Path, metrics_port: int | None) -> Settings:
    return Settings(
        token=EXAMPLE_TOKEN,
        api_url=api.base_url,
        file_url=api.base_file_url,
        db_path=db,
        corpus=(SEEDS,),
        metrics_port=metrics_port,
    )


async def ask(api: LocalBotApi, text: str) -> None:
    before = len(api.messages(USER))
    api.send_user_message(USER, text)
    await api.await_messages(USER, before + 1, timeout=15)


async def test_metrics_count_messages_429s_deliveries_ingests_and_engine_calls(
    local_api: LocalBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # else PTB warns (an error here) on a 429
    port = free_port()
    db = tmp_path / "news.db"
    async with running(build_application(settings_for(local_api, db, port))):
        await asyncio.to_thread(local_api.wait_for_calls, "setMyCommands", 1, 30)
        await ask(local_api, "/brief")
        local_api.fail_next("sendMessage", status=429, retry_after=1)
        await ask(local_api, "/who Shoigu")  # PTB's rate limiter waits the second and resends
        # Two digest deliveries in the ledger, as bot.delivery.digests records them.
        store = SubscriptionStore.open(db)
        now = dt.datetime.now(dt.UTC)
        slots = [Slot(now, "2030-01-01T08:00"), Slot(now, "2030-01-02T08:00")]
        store.claim([(USER, slots[0]), (USER, slots[1])], owner="test")
        store.finish(USER, slots[0].key, SENT)
        store.close()
        samples = await asyncio.to_thread(scrape, port)

    sent = len(local_api.messages(USER))
    assert sent >= 2
    assert samples[("newsbot_messages_sent_total", (("method", "sendMessage"),))] == sent
    assert samples[("newsbot_telegram_429_total", (("method", "sendMessage"),))] == 1
    assert samples[("newsbot_deliveries", (("kind", "digest"), ("status", "sent")))] == 1
    assert samples[("newsbot_deliveries", (("kind", "digest"), ("status", "claimed")))] == 1
    seeds = len(list(SEEDS.glob("*.txt")))
    assert samples[("newsbot_ingest_articles_total", (("outcome", "added"),))] == seeds
    assert samples[("newsbot_ingest_articles_total", (("outcome", "rejected"),))] == 0
    assert samples[("newsbot_ingest_seconds_count", ())] == 1
    assert samples[("newsbot_ingest_seconds_sum", ())] > 0
    # Labelled by the function that made the call: send_briefing and send_person.
    for caller in ("send_briefing", "send_person"):
        assert samples[("newsbot_engine_call_seconds_count", (("caller", caller),))] == 1
    # Stopped with the bot: nothing listens any more.
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)


async def test_without_the_setting_there_is_no_endpoint(
    local_api: LocalBotApi, tmp_path: Path
) -> None:
    application = build_application(settings_for(local_api, tmp_path / "news.db", None))
    assert application.bot_data[METRICS_KEY] is None


@pytest.mark.parametrize(
    ("value", "port", "host"),
    [("9100", 9100, "127.0.0.1"), ("0.0.0.0:9200", 9200, "0.0.0.0"), ("[::1]:9300", 9300, "::1")],
)
def test_the_setting_is_a_port_or_host_and_port(value: str, port: int, host: str) -> None:
    settings = Settings.from_env({"NEWSBOT_METRICS": value})
    assert (settings.metrics_port, settings.metrics_host) == (port, host)
    assert Settings.from_env({}).metrics_port is None


@pytest.mark.parametrize("value", ["metrics", "0.0.0.0:", "99999", "host:port"])
def test_a_bad_setting_says_what_is_expected(value: str) -> None:
    with pytest.raises(ConfigError, match="NEWSBOT_METRICS must be a port"):
        Settings.from_env({"NEWSBOT_METRICS": value})


def test_engine_calls_are_labelled_by_the_function_that_made_them() -> None:
    import functools

    from bot.health import corpus_health
    from briefings.engine import compose_digest

    def brief() -> object:  # as in bot.commands.general: the work is a closure inside the handler
        def work(engine: object) -> None:
            return None

        return work

    assert caller_name(brief()) == "brief"  # type: ignore[arg-type]
    assert caller_name(functools.partial(compose_digest, since="x")) == "compose_digest"
    assert caller_name(corpus_health) == "corpus_health"
    assert caller_name(lambda engine: engine) == (
        "test_engine_calls_are_labelled_by_the_function_that_made_them"
    )
