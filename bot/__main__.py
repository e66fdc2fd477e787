"""Entry point: `python -m bot` (Procfile `worker: python -m bot`).

Reads the settings once, sets up token-safe logging, then either serves Telegram (token set)
or, with no token, shows what the bot would say and how to get a token.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.logging_setup import setup_logging
from briefings.errors import BriefingError

logger = logging.getLogger("bot")

HOW_TO_GET_A_TOKEN = """\
No TELEGRAM_BOT_TOKEN is set, so the bot is not connected to Telegram.
Above is the kind of briefing it sends. To go live:
  1. In Telegram, open a chat with @BotFather and send /newbot; pick a name and a username.
  2. BotFather answers with a token like 123456789:AAE...; put it in a file named .env here:
       TELEGRAM_BOT_TOKEN=123456789:AAE...
     (see .env.example for the other settings).
  3. Run `python -m bot` again, then send /start to your bot.
"""


def main(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> int:
    """Run the bot; returns the process exit status."""
    try:
        settings = Settings.from_env(os.environ if environ is None else environ, env_file)
    except ConfigError as error:
        print(f"newsbot: {error}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.token)
    if not settings.token:
        return run_without_token(settings)
    from bot.app import run  # imported late: PTB is not needed to run without a token

    run(settings)
    return 0


def run_without_token(settings: Settings) -> int:
    """Print a briefing of the corpus as plain text, then how to get a token."""
    from briefings.engine import Engine

    try:
        with Engine(settings.db_path) as engine:
            engine.ingest(settings.corpus)
            print(engine.renderer.briefing(engine.brief(), fmt="text"))
    except BriefingError as error:
        print(f"(No briefing to show: {error})")
    print()
    print(HOW_TO_GET_A_TOKEN, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
