"""Settings: the bot's configuration, read once from the environment and an optional `.env`.

Only the entry point (`python -m bot`) reads the environment; everything else receives a
`Settings` value. Variables set in the real environment win over the `.env` file.

| variable           | default                      | meaning                                  |
|--------------------|------------------------------|------------------------------------------|
| TELEGRAM_BOT_TOKEN | (none: runs offline)         | token from @BotFather                    |
| TELEGRAM_API_URL   | https://api.telegram.org/bot | Bot API base URL; may contain `{token}`  |
| TELEGRAM_FILE_URL  | from TELEGRAM_API_URL        | Bot API file base URL                    |
| TELEGRAM_TEST_ENV  | 0                            | 1: Telegram's test environment           |
| NEWSBOT_DB         | ./newsbot.db                 | SQLite database file                     |
| NEWSBOT_CORPUS     | the shipped seeds/ folder    | folders ingested at start (os.pathsep)   |
| NEWSBOT_ADMINS     | (nobody)                     | comma-separated Telegram user ids        |
| NEWSBOT_TZ         | UTC                          | IANA time zone for dates and schedules   |
| NEWSBOT_TEMPLATES  | (none: shipped templates)    | folder of Jinja2 files overriding ours   |
| LOG_LEVEL          | INFO                         | DEBUG, INFO, WARNING, ERROR              |
| WEBHOOK_URL        | (none: long polling)         | public https URL Telegram posts to       |
| PORT               | 8443                         | port the webhook server listens on       |
| WEBHOOK_SECRET     | derived from the token       | 1–256 of A-Za-z0-9_-                     |
| NEWSBOT_FEEDS      | (none)                       | RSS/Atom URLs polled (comma/space)       |
| NEWSBOT_WATCH      | (none)                       | folder polled for new article files      |
| NEWSBOT_POLL_SECONDS | 300                        | how often feeds and folder are polled    |
| NEWSBOT_FEEDS_ALLOW_PRIVATE | 0                   | 1: feeds may reach private addresses     |
| NEWSBOT_DIGEST_TIME | 08:00                       | /subscribe's default time of day         |
| NEWSBOT_DIGEST_WHEN_QUIET | brief                 | nothing new: brief, note or skip         |
| NEWSBOT_METRICS    | (none: no endpoint)          | `[host:]port` serving /metrics           |
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv.parser import parse_stream

from briefings.engine import WhenQuiet

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"
TEST_ENV_API_URL = "https://api.telegram.org/bot{token}/test"
TEST_ENV_FILE_URL = "https://api.telegram.org/file/bot{token}/test"
DEFAULT_DB = "newsbot.db"
DEFAULT_PORT = 8443
DEFAULT_METRICS_HOST = "127.0.0.1"


def shipped_corpus() -> Path:
    """The seed articles newsbot comes with, so that a first start has something to brief.

    The wheel carries the top-level `seeds/` folder as `bot/seeds` (pyproject.toml maps it);
    a checkout, editable install included, has it beside the package.
    """
    packaged = resources.files("bot").joinpath("seeds")
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "seeds"


SHIPPED_CORPUS = shipped_corpus()
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs to know about its surroundings."""

    token: str | None = field(default=None, repr=False)  # never in logs or tracebacks
    api_url: str = DEFAULT_API_URL
    file_url: str = DEFAULT_FILE_URL
    is_test_env: bool = False
    db_path: Path = Path(DEFAULT_DB)
    corpus: tuple[Path, ...] = (SHIPPED_CORPUS,)
    admins: frozenset[int] = frozenset()
    tz: str = "UTC"
    templates_dir: Path | None = None
    log_level: str = "INFO"
    webhook_url: str | None = None
    port: int = DEFAULT_PORT
    webhook_secret: str | None = None
    # --- digests and live sources (bot/delivery/) ---
    feeds: tuple[str, ...] = ()
    watch: Path | None = None
    poll_seconds: int = 300
    feeds_allow_private: bool = False
    """Feeds may reach loopback, private, link-local or reserved addresses (bot.delivery.fetch)."""
    digest_time: dt.time = dt.time(8, 0)
    """The time of day of a digest when /subscribe names none."""
    digest_when_quiet: WhenQuiet = WhenQuiet.BRIEF
    # --- /metrics for Prometheus (bot/metrics.py): off unless NEWSBOT_METRICS gives a port ---
    metrics_port: int | None = None
    metrics_host: str = DEFAULT_METRICS_HOST

    @classmethod
    def from_env(cls, environ: Mapping[str, str], env_file: Path | None = None) -> Settings:
        """Settings from `environ`, filling gaps from `env_file` when it exists."""
        values = dict(read_env_file(env_file)) if env_file is not None else {}
        values.update(environ)
        # An empty value means "not set", as in most .env conventions.
        get = {key: value.strip() for key, value in values.items() if value.strip()}.get

        token = get("TELEGRAM_BOT_TOKEN")
        if token is not None and not _TOKEN.fullmatch(token):
            # Never echo the token itself: it may be a real one with a typo.
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN does not look like a token from @BotFather "
                "(digits, a colon, then letters, digits, _ or -)."
            )
        is_test_env = _flag(get("TELEGRAM_TEST_ENV"), "TELEGRAM_TEST_ENV")
        api_url = get("TELEGRAM_API_URL") or (TEST_ENV_API_URL if is_test_env else DEFAULT_API_URL)
        file_url = get("TELEGRAM_FILE_URL") or (
            TEST_ENV_FILE_URL
            if is_test_env and not get("TELEGRAM_API_URL")
            else file_url_for(api_url)
        )
        webhook_url = get("WEBHOOK_URL")
        if webhook_url is not None and _url_scheme(webhook_url) not in ("http", "https"):
            raise ConfigError(f"WEBHOOK_URL must be an https:// URL, got {webhook_url!r}.")
        webhook_secret = get("WEBHOOK_SECRET")
        if webhook_secret is not None and not _SECRET.fullmatch(webhook_secret):
            raise ConfigError("WEBHOOK_SECRET must be 1–256 characters of A-Z, a-z, 0-9, _ and -.")
        log_level = (get("LOG_LEVEL") or "INFO").upper()
        if log_level not in LOG_LEVELS:
            raise ConfigError(
                f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}; got {log_level!r}."
            )
        corpus = get("NEWSBOT_CORPUS")
        return cls(
            token=token,
            api_url=api_url,
            file_url=file_url,
            is_test_env=is_test_env,
            db_path=Path(get("NEWSBOT_DB") or DEFAULT_DB),
            corpus=(
                tuple(Path(part) for part in corpus.split(os.pathsep) if part.strip())
                if corpus
                else (SHIPPED_CORPUS,)
            ),
            admins=_admins(get("NEWSBOT_ADMINS")),
            tz=_time_zone(get("NEWSBOT_TZ") or "UTC"),
            templates_dir=_templates_dir(get("NEWSBOT_TEMPLATES")),
            log_level=log_level,
            webhook_url=webhook_url,
            port=_port(get("PORT")),
            webhook_secret=webhook_secret,
            **_digest_settings(get),
            **_metrics_settings(get("NEWSBOT_METRICS")),
        )

    @property
    def is_webhook(self) -> bool:
        return self.webhook_url is not None

    @property
    def secret_token(self) -> str:
        """The webhook secret: WEBHOOK_SECRET, else one derived from the token."""
        if self.webhook_secret:
            return self.webhook_secret
        if not self.token:
            raise ConfigError("A webhook needs TELEGRAM_BOT_TOKEN (or WEBHOOK_SECRET).")
        # Hex digits are within Telegram's alphabet, and the token cannot be recovered from it.
        return hashlib.sha256(f"newsbot-webhook:{self.token}".encode()).hexdigest()

    @property
    def webhook_path(self) -> str:
        """The path part of WEBHOOK_URL, which the local webhook server listens on."""
        return urlsplit(self.webhook_url or "").path.strip("/")

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admins


def read_env_file(path: Path) -> dict[str, str]:
    """`KEY=value` pairs of a `.env` file; {} when it does not exist.

    python-dotenv's parser: blank lines, `#` comments, `export KEY=...`, single or double
    quotes, ` # comments` after an unquoted value. Nothing is interpolated. A line it cannot
    read is an error naming the file and line, not a setting silently lost.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    values: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            line = binding.original.string.strip()
            raise ConfigError(
                f"{path}:{binding.original.line}: expected KEY=value, got {line[:40]!r}."
            )
        if binding.key is not None and binding.value is not None:
            values[binding.key] = binding.value
    return values


def file_url_for(api_url: str) -> str:
    """The file-download base URL matching a Bot API base URL (`.../bot` → `.../file/bot`)."""
    head, sep, tail = api_url.rpartition("/bot")
    return f"{head}/file/bot{tail}" if sep else api_url


def _flag(value: str | None, name: str) -> bool:
    lowered = (value or "").lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name} must be 1 or 0; got {value!r}.")


def _admins(value: str | None) -> frozenset[int]:
    parts = [part.strip() for part in (value or "").split(",") if part.strip()]
    bad = [part for part in parts if not part.lstrip("-").isdigit()]
    if bad:
        raise ConfigError(
            f"NEWSBOT_ADMINS must be comma-separated numeric user ids; {bad[0]!r} is not one "
            "(ask @userinfobot for yours)."
        )
    return frozenset(int(part) for part in parts)


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(
            f"NEWSBOT_TZ={name!r} is not a known time zone; use an IANA name like Europe/Berlin."
        ) from None
    return name


def _templates_dir(value: str | None) -> Path | None:
    if value is None:
        return None
    path = Path(value)
    if not path.is_dir():
        raise ConfigError(
            f"NEWSBOT_TEMPLATES={value!r} is not a folder; point it at a folder of .j2 files "
            "named like the shipped ones (see docs/templates.md), or leave it empty."
        )
    return path


def split_url(url: str) -> SplitResult | None:
    """A URL's parts, or None when it cannot be read as a URL at all ("https://[x": urlsplit
    raises, and a setting was refused with a traceback, a command failed)."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def _url_scheme(url: str) -> str:
    parts = split_url(url)
    return parts.scheme if parts else ""


def _digest_settings(get: Callable[[str], str | None]) -> dict[str, Any]:
    """NEWSBOT_FEEDS, …_FEEDS_ALLOW_PRIVATE, …_WATCH, …_POLL_SECONDS, …_DIGEST_TIME, …_WHEN_QUIET."""
    feeds = tuple(u for u in dict.fromkeys(re.split(r"[\s,]+", get("NEWSBOT_FEEDS") or "")) if u)
    for url in feeds:
        if _url_scheme(url) not in ("http", "https"):
            raise ConfigError(f"NEWSBOT_FEEDS must hold http(s) URLs; got {url!r}.")
    poll = get("NEWSBOT_POLL_SECONDS") or "300"
    if not poll.isdigit() or int(poll) < 10:
        raise ConfigError(f"NEWSBOT_POLL_SECONDS must be a whole number ≥ 10; got {poll!r}.")
    digest_time = get("NEWSBOT_DIGEST_TIME") or "08:00"
    hours_minutes = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", digest_time)
    if hours_minutes is None:
        raise ConfigError(f"NEWSBOT_DIGEST_TIME must be HH:MM (24-hour); got {digest_time!r}.")
    when_quiet = (get("NEWSBOT_DIGEST_WHEN_QUIET") or "brief").lower()
    if when_quiet not in set(WhenQuiet):
        raise ConfigError(
            f"NEWSBOT_DIGEST_WHEN_QUIET must be brief, skip or note; got {when_quiet!r}."
        )
    watch = get("NEWSBOT_WATCH")
    return {
        "feeds": feeds,
        "watch": Path(watch) if watch else None,
        "poll_seconds": int(poll),
        "feeds_allow_private": _flag(
            get("NEWSBOT_FEEDS_ALLOW_PRIVATE"), "NEWSBOT_FEEDS_ALLOW_PRIVATE"
        ),
        "digest_time": dt.time(int(hours_minutes[1]), int(hours_minutes[2])),
        "digest_when_quiet": WhenQuiet(when_quiet),
    }


def _metrics_settings(value: str | None) -> dict[str, Any]:
    """NEWSBOT_METRICS: `port` (on 127.0.0.1) or `host:port`; unset means no endpoint."""
    if value is None:
        return {}
    host, _, port = value.rpartition(":")
    host = host.strip("[]") or DEFAULT_METRICS_HOST
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(
            f"NEWSBOT_METRICS must be a port (9100) or host:port (0.0.0.0:9100); got {value!r}."
        )
    return {"metrics_port": int(port), "metrics_host": host}


def _port(value: str | None) -> int:
    if value is None:
        return DEFAULT_PORT
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError(f"PORT must be a number from 1 to 65535; got {value!r}.")
    return int(value)
