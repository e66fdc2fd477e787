"""The bot's own language: interface strings through gettext catalogs, chosen per chat.

Replies, help, headings and buttons are written in English in the code and templates and
marked with ``_()``; ``bot/locale/<language>/LC_MESSAGES/newsbot.po`` holds a language's
translations. A catalog is read with Babel when first needed, so a new or edited ``.po``
works without a compile step. Article text is never translated: only the words around it.

A chat's language is the one it chose with /language, else the language Telegram reports
for the user (``language_code``), else English; a language without a catalog falls back to
English. Adding a language: see the README ("Adding a language").
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "newsbot"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SOURCE_LANGUAGE = "en"


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; it is translated where it is shown."""
    return message


# Headings the engine takes from its data (briefings/data/facets.toml), listed here so that
# extraction puts them in the catalogs.
ENGINE_HEADINGS = (
    N_("Purpose"),
    N_("What happened"),
    N_("Reactions"),
    N_("Context"),
    N_("Who took part"),
    N_("Focus"),
)
# Words the engine's renderer passes through the translator in a way extraction cannot see.
ENGINE_LABELS = (N_("Outlet not stated"),)


@functools.lru_cache(maxsize=1)
def available_languages() -> tuple[str, ...]:
    """English, then every language with a catalog in ``bot/locale``."""
    found = sorted(
        path.parent.parent.name
        for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
        if path.parent.parent.name != SOURCE_LANGUAGE
    )
    return (SOURCE_LANGUAGE, *found)


def language_name(code: str) -> str:
    """A language's name in that language ("Русский")."""
    try:
        name = Locale.parse(code).get_display_name(code)
    except (UnknownLocaleError, ValueError):
        return code
    return name.capitalize() if name else code


def pick_language(*candidates: str | None) -> str:
    """The first candidate with a catalog ("ru-RU" counts as "ru"); else English."""
    for candidate in candidates:
        if not candidate:
            continue
        code = candidate.replace("_", "-").split("-")[0].lower()
        if code in available_languages():
            return code
    return SOURCE_LANGUAGE


_lock = threading.Lock()


@functools.cache
def _catalog(language: str) -> gettext.NullTranslations:
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with _lock, path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@dataclass(frozen=True)
class Translator:
    """gettext for one language; call it like ``_``."""

    language: str

    def __call__(self, message: str) -> str:
        return _catalog(self.language).gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return _catalog(self.language).ngettext(singular, plural, count)

    def date(self, day: dt.date, pattern: str = "EEE dd MMM") -> str:
        """A date in this language's words (CLDR pattern: "Mon 05 Nov", "пн 05 нояб.")."""
        return format_date(day, pattern, locale=self.language)


def translator(language: str | None) -> Translator:
    return Translator(pick_language(language))


ENGLISH = Translator(SOURCE_LANGUAGE)


@dataclass(frozen=True)
class Translatable:
    """Words said now and shown later, in the reader's language: a catalog message (marked
    with ``N_`` where it is written) and the facts that fill its ``{placeholders}``.

    Errors raised far from any chat (a /subscribe time that is not one, a filter term that
    is too long, a feed address refused) carry one, so that the handler showing them says
    it in the chat's language; ``str()`` is the English, for logs.
    """

    text: str
    facts: Mapping[str, object] = field(default_factory=dict)

    def render(self, translate: Translator = ENGLISH) -> str:
        """Plain text (escape it for HTML); facts that are Translatable are rendered too."""
        facts = {
            name: fact.render(translate) if isinstance(fact, Translatable) else fact
            for name, fact in self.facts.items()
        }
        return translate(self.text).format(**facts)

    def __str__(self) -> str:
        return self.render(ENGLISH)


class TranslatableError(ValueError):
    """An error whose message is a `Translatable`: ``error.message.render(translate)``."""

    def __init__(self, text: str, **facts: object) -> None:
        self.message = Translatable(text, facts)
        super().__init__(str(self.message))
