"""The subscription store: plans, the exactly-once ledger, migration, feed and folder state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.delivery.schedule import Plan, Slot
from bot.storage import Delivery, FeedState, Subscription, SubscriptionStore
from briefings.engine import Engine

UTC = dt.UTC
SINCE = dt.datetime(2024, 5, 1, 6, 0, tzinfo=UTC)
SLOT = Slot(dt.datetime(2024, 5, 1, 8, 0, tzinfo=UTC), "2024-05-01T08:00")
OTHER_SLOT = Slot(dt.datetime(2024, 5, 2, 8, 0, tzinfo=UTC), "2024-05-02T08:00")


def subscription(chat_id: int, **changes: object) -> Subscription:
    values: dict[str, object] = {
        "chat_id": chat_id,
        "plan": Plan(dt.time(8, 0), "Europe/Berlin", "weekdays"),
        "since": SINCE,
    }
    values.update(changes)
    return Subscription(**values)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SubscriptionStore]:
    opened = SubscriptionStore.open(tmp_path / "newsbot.db")
    yield opened
    opened.close()


def test_a_subscription_round_trips(store: SubscriptionStore) -> None:
    saved = subscription(-1001, thread_id=7, watermark="2024-05-01T07:00:00+00:00", shown=(3, 4))
    store.save(saved)
    assert store.get(-1001) == saved
    assert store.all() == [saved]
    assert store.get(5) is None


def test_saving_again_replaces_and_remove_ends(store: SubscriptionStore) -> None:
    store.save(subscription(5))
    changed = subscription(5, plan=Plan(dt.time(7, 30), "Europe/Moscow"))
    store.save(changed)
    assert store.all() == [changed]
    assert [store.remove(5), store.remove(5)] == [True, False]
    assert store.all() == []


def test_the_engine_and_the_store_share_one_file_in_either_order(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    first = SubscriptionStore.open(path)  # before the engine ever saw the file
    first.save(subscription(5))
    first.close()
    with Engine(path) as engine:
        assert engine.articles() == []
    again = SubscriptionStore.open(path)  # migration at open is idempotent
    assert [s.chat_id for s in again.all()] == [5]
    again.close()


def test_a_slot_is_claimed_once(store: SubscriptionStore) -> None:
    assert store.claim([(5, SLOT), (6, SLOT)], owner="a") == [(5, SLOT), (6, SLOT)]
    # The same process asking again (a second job, a sweep) gets nothing.
    assert store.claim([(5, SLOT), (6, SLOT), (5, OTHER_SLOT)], owner="a") == [(5, OTHER_SLOT)]


def test_sent_or_skipped_slots_are_never_claimed_again(store: SubscriptionStore) -> None:
    store.claim([(5, SLOT), (6, SLOT)], owner="a")
    store.finish(5, SLOT.key, "sent")
    store.finish(6, SLOT.key, "skipped")
    assert store.claim([(5, SLOT), (6, SLOT)], owner="b") == []


def test_a_claim_left_by_a_crashed_process_or_a_failure_is_taken_over(
    store: SubscriptionStore,
) -> None:
    store.claim([(5, SLOT), (6, SLOT)], owner="crashed")
    store.finish(6, SLOT.key, "failed", error="timed out")
    assert store.claim([(5, SLOT), (6, SLOT)], owner="restarted") == [(5, SLOT), (6, SLOT)]
    assert store.deliveries() == [
        Delivery(5, SLOT.key, SLOT.at.isoformat(), "claimed"),
        Delivery(6, SLOT.key, SLOT.at.isoformat(), "claimed"),
    ]


def test_sending_moves_the_watermark(store: SubscriptionStore) -> None:
    store.save(subscription(5))
    store.claim([(5, SLOT)], owner="a")
    store.finish(5, SLOT.key, "sent", watermark="2024-05-01T07:59:59+00:00", shown=(9,))
    assert store.get(5) == subscription(5, watermark="2024-05-01T07:59:59+00:00", shown=(9,))


def test_a_migrated_group_keeps_its_subscription_and_ledger(store: SubscriptionStore) -> None:
    store.save(subscription(-5, thread_id=3))
    store.claim([(-5, SLOT)], owner="a")
    assert store.move(-5, -1005) is True
    assert store.move(-5, -1005) is False  # the second service message changes nothing
    assert store.all() == [subscription(-1005)]
    assert [d.chat_id for d in store.deliveries()] == [-1005]
    assert store.claim([(-1005, SLOT)], owner="a") == []


def test_a_failing_feed_remembers_since_when_until_it_recovers(
    store: SubscriptionStore,
) -> None:
    url = "http://127.0.0.1:1/feed.xml"
    store.record_feed_error(url, "HTTP 500")
    first = store.feed_state(url)
    store.record_feed_error(url, "timed out")
    second = store.feed_state(url)
    assert (second.failing_since, second.last_error) == (first.failing_since, "timed out")
    store.record_feed_ok(url, '"v1"', "Wed, 01 May 2024 08:00:00 GMT")
    recovered = store.feed_state(url)
    assert (recovered.etag, recovered.last_modified, recovered.failing_since) == (
        '"v1"',
        "Wed, 01 May 2024 08:00:00 GMT",
        None,
    )
    assert store.feed_state("http://never.polled/") == FeedState("http://never.polled/")


def test_watched_files_are_remembered(store: SubscriptionStore) -> None:
    store.record_watched({"/w/a.txt": (10, 111)})
    store.record_watched({"/w/a.txt": (12, 222), "/w/b.txt": (5, 333)})
    assert store.watched_files() == {"/w/a.txt": (12, 222), "/w/b.txt": (5, 333)}


def test_prune_forgets_finished_deliveries_only(store: SubscriptionStore) -> None:
    store.claim([(5, SLOT), (6, SLOT), (5, OTHER_SLOT)], owner="a")
    store.finish(5, SLOT.key, "sent")
    assert store.prune(OTHER_SLOT.at) == 1  # 6's claim is still open: kept
    assert [(d.chat_id, d.slot) for d in store.deliveries()] == [
        (6, SLOT.key),
        (5, OTHER_SLOT.key),
    ]
