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

import functools
import gettext
import io
import threading
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
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


def translator(language: str | None) -> Translator:
    return Translator(pick_language(language))


ENGLISH = Translator(SOURCE_LANGUAGE)
