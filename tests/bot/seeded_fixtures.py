"""Fixtures for the tests that deliver digests: a private seeded database, its engine and
its subscription store. Test modules import them by name."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.storage import SubscriptionStore
from briefings.engine import Engine


@pytest.fixture(autouse=True)
def timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB warns (an error here) when a RetryAfter is built unless it may use timedelta."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def db(seeded_db: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded database."""
    path = tmp_path / "newsbot.db"
    shutil.copy(seeded_db, path)
    return path


@pytest.fixture
def engine(db: Path) -> Iterator[Engine]:
    with Engine(db) as opened:
        yield opened


@pytest.fixture
def store(db: Path, engine: Engine) -> Iterator[SubscriptionStore]:
    opened = SubscriptionStore.open(db)
    yield opened
    opened.close()
