"""Fixtures for bot tests: a local Bot API server and a python-telegram-bot ``Bot`` on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from telegram import Bot
from telegram.ext import ExtBot

from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi
from bot.rate_limit import FloodBudgetLimiter


@pytest.fixture
def local_api() -> Iterator[LocalBotApi]:
    """A fresh local Bot API server running in its own thread."""
    with LocalBotApi() as api:
        yield api


@pytest.fixture
async def local_bot(local_api: LocalBotApi) -> AsyncIterator[Bot]:
    """A real python-telegram-bot ``Bot`` talking to ``local_api``."""
    # Files too (getFile's downloads): a test never reaches Telegram's own file server.
    async with Bot(
        EXAMPLE_TOKEN, base_url=local_api.base_url, base_file_url=local_api.base_file_url
    ) as bot:
        yield bot


@pytest.fixture
async def sending_bot(local_api: LocalBotApi) -> AsyncIterator[ExtBot[Any]]:
    """The bot as the application sends digests and alerts: with its one rate limiter."""
    limiter = FloodBudgetLimiter()
    async with ExtBot(EXAMPLE_TOKEN, base_url=local_api.base_url, rate_limiter=limiter) as bot:
        yield bot
