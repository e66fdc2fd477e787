"""Logging: one stderr handler, with the bot token redacted from every line.

The token is part of every Bot API URL, so any library that logs a URL or an exception that
quotes one would leak it. A filter on the root handlers rewrites each record before it is
formatted: the message, its arguments and any traceback.
"""

from __future__ import annotations

import logging
import re

REDACTED = "<redacted>"
# `bot<digits>:<secret>` as it appears in Bot API URLs, and a bare token anywhere else.
_TOKEN_IN_URL = re.compile(r"bot\d+:[A-Za-z0-9_-]+")
_BARE_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def redact(text: str, token: str | None = None) -> str:
    """`text` with `token` and anything shaped like a bot token replaced."""
    if token:
        text = text.replace(token, REDACTED)
    text = _TOKEN_IN_URL.sub(f"bot{REDACTED}", text)
    return _BARE_TOKEN.sub(REDACTED, text)


class TokenFilter(logging.Filter):
    """Rewrites records so that no bot token reaches a log handler."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = token
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        # Merge the arguments first: a token may hide in any of them.
        record.msg = redact(record.getMessage(), self.token)
        record.args = None
        if record.exc_info and not record.exc_text:
            # Formatter.format reuses exc_text when set, so the redacted traceback is what prints.
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.token)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.token)
        return True


def install_token_filter(token: str | None, logger: logging.Logger | None = None) -> TokenFilter:
    """Add a token filter to every handler of `logger` (the root logger by default)."""
    token_filter = TokenFilter(token)
    for handler in (logger or logging.getLogger()).handlers:
        handler.addFilter(token_filter)
    return token_filter


def setup_logging(level: str = "INFO", token: str | None = None) -> None:
    """Log to stderr at `level`, token-free; quieten the per-request httpx lines."""
    logging.basicConfig(level=level, format=LOG_FORMAT)
    logging.getLogger().setLevel(level)
    install_token_filter(token)
    # httpx logs every request URL, token included, at INFO; the filter would catch it, but the
    # lines are noise anyway (one per long poll).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # APScheduler announces every job run at INFO.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
