"""The gettext catalogs the bot ships: current with the code, complete, and usable.

The bot compiles each ``.po`` in memory when a language is first needed (``bot.i18n``): there
is no ``.mo`` to build or ship, so these tests compile every catalog the same way and check
what a translator can get wrong (a lost ``{placeholder}``, a tag, a message left out).
"""

from __future__ import annotations

import io
import re
import tomllib
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, LOCALE_DIR, available_languages, translator

PROJECT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "translate": None, "gettext": None, "ngettext": (1, 2)}
_PLACEHOLDER = re.compile(r"\{(\w*)\}|%\((\w+)\)s")
_TAG = re.compile(r"</?[a-z]+\b")
LANGUAGES = [language for language in available_languages() if language != "en"]


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, domain=DOMAIN)


def message_ids(catalog: Catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in _PLACEHOLDER.findall(text)}


def tags(text: str) -> list[str]:
    return sorted(_TAG.findall(text))


def forms(message: Message) -> tuple[list[str], list[str]]:
    """(the English forms, the translated forms) of a message."""
    ids = list(message.id) if isinstance(message.id, tuple | list) else [message.id]
    string = message.string
    strings = list(string) if isinstance(string, tuple | list) else [string]
    return [str(text) for text in ids], [str(text or "") for text in strings]


def test_the_template_holds_every_message_the_code_and_templates_mark() -> None:
    """`pybabel extract` (README) would find nothing new: the .pot is current."""
    config = io.StringIO((PROJECT / "babel.cfg").read_text(encoding="utf-8"))
    method_map, options_map = parse_mapping_cfg(config)
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(PROJECT), method_map=method_map, options_map=options_map, keywords=KEYWORDS
        )
        if message
    }
    assert found, "extraction found the marked strings"
    shipped = message_ids(read_catalog(LOCALE_DIR / f"{DOMAIN}.pot"))
    assert sorted(found - shipped) == [], "run the extract step of the README"
    assert sorted(shipped - found) == [], "the .pot keeps messages the code no longer has"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_catalog_translates_every_message_and_keeps_its_placeholders(language: str) -> None:
    catalog = read_catalog(LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po")
    template = message_ids(read_catalog(LOCALE_DIR / f"{DOMAIN}.pot"))
    assert message_ids(catalog) == template, "run the update step of the README"
    for message in catalog:
        if not message.id:
            continue
        ids, strings = forms(message)
        assert all(strings) and not message.fuzzy, f"untranslated or fuzzy: {ids[0]!r}"
        english = set().union(*(placeholders(text) for text in ids))
        for text in strings:
            # A plural form may spell a number out ("1 article"), never invent a placeholder.
            assert placeholders(text) <= english, (ids[0], text)
        assert set().union(*(placeholders(text) for text in strings)) == english, ids[0]
        assert all(tags(text) == tags(ids[0]) for text in strings), (ids[0], strings)
        assert list(message.check(catalog)) == [], ids[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_catalog_compiles_as_the_bot_compiles_it(language: str) -> None:
    catalog = read_catalog(LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po")
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    assert len(read_mo(compiled)) == len(catalog)
    translate = translator(language)
    assert translate("Share") != "Share"  # the bot's own loading path gives the translation
    assert translate.ngettext("New: {count} article", "New: {count} articles", 5) != (
        "New: {count} articles"
    )


def test_the_catalogs_travel_in_the_package() -> None:
    """The wheel takes what pyproject's package data names: every catalog must match it."""
    config = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["bot"]
    bot_dir = LOCALE_DIR.parent
    shipped = {path for pattern in patterns for path in bot_dir.glob(pattern)}
    assert LOCALE_DIR / f"{DOMAIN}.pot" in shipped
    for language in LANGUAGES:
        assert LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po" in shipped
