"""Helpers the bot tests share: running a real Application inside a test's event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram.ext import Application


@asynccontextmanager
async def running(application: Application) -> AsyncIterator[Application]:
    """Run an application like run_polling does, inside the test's event loop."""
    async with application:
        assert application.post_init is not None and application.post_shutdown is not None
        await application.post_init(application)
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
    await application.post_shutdown(application)


def dead_owner() -> str:
    """The claim owner of a process that ran and ended: what a crashed bot leaves in the ledger."""
    import subprocess
    import sys

    finished = subprocess.run(
        [sys.executable, "-c", "from bot.instance import process_owner; print(process_owner())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return finished.stdout.strip()
