"""Deep links and sharing: t.me/<bot>?start=brief_<event> and ?start=who_<name>.

A deep link opens the bot with ``/start <payload>``; the payload is 1–64 characters of
A–Z, a–z, 0–9, _ and - (Telegram's rule). A briefing's "Share" button opens Telegram's
share sheet (t.me/share/url) with the briefing's deep link, so whoever gets it opens the
same briefing in the bot.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlencode

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

BRIEF = "brief_"
WHO = "who_"
MAX_PAYLOAD = 64
_NOT_PAYLOAD = re.compile(r"[^A-Za-z0-9_-]+")


def brief_payload(event_id: int) -> str:
    return f"{BRIEF}{event_id}"


def who_payload(name: str) -> str:
    """A person's name as a payload: accents folded, spaces as _, cut to Telegram's 64."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    word = _NOT_PAYLOAD.sub("_", folded).strip("_")
    return f"{WHO}{word}"[:MAX_PAYLOAD].rstrip("_")


def parse_payload(payload: str) -> tuple[str, str] | None:
    """("brief", "12") or ("who", "Anna Berg") from a /start payload; None otherwise."""
    if payload.startswith(BRIEF) and payload[len(BRIEF) :].isdigit():
        return "brief", payload[len(BRIEF) :]
    if payload.startswith(WHO) and len(payload) > len(WHO):
        return "who", payload[len(WHO) :].replace("_", " ")
    return None


def deep_link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username}?start={payload}"


def share_url(link: str, text: str) -> str:
    """Telegram's share sheet for a link, with a line of text."""
    return "https://t.me/share/url?" + urlencode({"url": link, "text": text[:200]})


def share_keyboard(bot_username: str, payload: str, text: str, label: str) -> InlineKeyboardMarkup:
    """One "Share" button under a briefing or card."""
    link = deep_link(bot_username, payload)
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, url=share_url(link, text))]])
