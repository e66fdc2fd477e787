"""Entry point: the `newsbot` command, or `python -m bot` (Procfile `worker: python -m bot`).

Reads the settings once, sets up token-safe logging, then either serves Telegram (token set)
or, with no token, runs the sandbox: the bot on a local Bot API server with a web chat page
(`--port`, default 8080; `--host 0.0.0.0` in a container), and says how to go live.

Only one bot runs on a database at a time (bot.instance). `--check` validates the settings,
the database and the templates and exits 0 or 1 without starting anything: usable as a
container health check.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.instance import EXIT_ALREADY_RUNNING, AlreadyRunning, InstanceLock
from bot.logging_setup import setup_logging

logger = logging.getLogger("bot")
EXIT_BAD_CONFIGURATION = 2  # settings, or a database that cannot be used


def parse_args(argv: Sequence[str], prog: str = "python -m bot") -> argparse.Namespace:
    """The command line of `newsbot` / `python -m bot`."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Run newsbot: on Telegram with TELEGRAM_BOT_TOKEN, else a local sandbox.",
        epilog=(
            "exit status: 0 stopped normally; 1 --check found problems; 2 bad configuration "
            "or a damaged database; "
            "3 another instance runs on this database; 4 another instance polls this token"
        ),
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8080,
        help="port of the sandbox chat page when no token is set (default 8080)",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address the sandbox chat page listens on (default 127.0.0.1; "
        "0.0.0.0 to publish it from a container)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="validate configuration, database and templates, print what is wrong, "
        "exit 0 or 1 (starts nothing)",
    )
    return parser.parse_args(list(argv))


def main(
    environ: Mapping[str, str] | None = None,
    env_file: Path | None = Path(".env"),
    argv: Sequence[str] = (),
    prog: str = "python -m bot",
) -> int:
    """Run the bot; returns the process exit status."""
    options = parse_args(argv, prog)
    environ = os.environ if environ is None else environ
    if options.check:
        return check(environ, env_file)
    try:
        settings = Settings.from_env(environ, env_file)
    except ConfigError as error:
        print(f"newsbot: {error}", file=sys.stderr)
        return EXIT_BAD_CONFIGURATION
    setup_logging(settings.log_level, settings.token)
    try:
        lock = InstanceLock(settings.db_path).acquire()
    except AlreadyRunning as error:
        print(f"newsbot: {error}", file=sys.stderr)
        return EXIT_ALREADY_RUNNING
    with lock:
        from bot.health import check_database
        from briefings.errors import DatabaseError

        # A damaged database is a configuration problem: one line, not a traceback.
        database = check_database(settings.db_path)
        if not database.is_ok:
            print(f"newsbot: {database.detail}", file=sys.stderr)
            return EXIT_BAD_CONFIGURATION
        try:
            if not settings.token:
                return run_without_token(settings, options.port, options.host)
            from bot.app import run  # imported late: PTB is not needed to run without a token

            return run(settings)
        except DatabaseError as error:  # damaged while starting, after the check
            print(f"newsbot: {error}", file=sys.stderr)
            return EXIT_BAD_CONFIGURATION


def check(environ: Mapping[str, str], env_file: Path | None) -> int:
    """`--check`: print one line per check and return 0 when all pass, else 1."""
    from bot.health import check as run_checks
    from bot.health import format_check

    results = run_checks(environ, env_file)
    print(format_check(results))
    return 0 if all(result.is_ok for result in results) else 1


def run_without_token(settings: Settings, port: int = 8080, host: str = "127.0.0.1") -> int:
    """Run the sandbox: the bot on a local Bot API server, with a web chat page on `port`."""
    from bot.sandbox.server import run_sandbox

    return run_sandbox(settings, port=port, host=host)


def run_command_line() -> int:
    """The `newsbot` console script."""
    return main(argv=sys.argv[1:], prog="newsbot")


if __name__ == "__main__":
    sys.exit(main(argv=sys.argv[1:]))
