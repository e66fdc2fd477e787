"""Entry point: `python -m bot` (Procfile `worker: python -m bot`).

Reads the settings once, sets up token-safe logging, then either serves Telegram (token set)
or, with no token, runs the sandbox: the bot on a local Bot API server with a web chat page
(`--port`, default 8080), and says how to go live.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.logging_setup import setup_logging

logger = logging.getLogger("bot")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line of `python -m bot`."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Run newsbot: on Telegram with TELEGRAM_BOT_TOKEN, else a local sandbox.",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8080,
        help="port of the sandbox chat page when no token is set (default 8080)",
    )
    return parser.parse_args(list(argv))


def main(
    environ: Mapping[str, str] | None = None,
    env_file: Path | None = Path(".env"),
    argv: Sequence[str] = (),
) -> int:
    """Run the bot; returns the process exit status."""
    options = parse_args(argv)
    try:
        settings = Settings.from_env(os.environ if environ is None else environ, env_file)
    except ConfigError as error:
        print(f"newsbot: {error}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.token)
    if not settings.token:
        return run_without_token(settings, options.port)
    from bot.app import run  # imported late: PTB is not needed to run without a token

    run(settings)
    return 0


def run_without_token(settings: Settings, port: int = 8080) -> int:
    """Run the sandbox: the bot on a local Bot API server, with a web chat page on `port`."""
    from bot.sandbox import run_sandbox

    return run_sandbox(settings, port=port)


if __name__ == "__main__":
    sys.exit(main(argv=sys.argv[1:]))
