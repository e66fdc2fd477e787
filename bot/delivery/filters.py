"""Keyword filters: which words a chat's digest and alerts must carry, and which they must not.

A filter is a list of include terms (an article matches when it has any of them; no include
terms: every article) and exclude terms, written `-word`. A term is a word (`annex*` for a
prefix) or a phrase in quotes (`"climate summit"`; `-"climate summit"` excludes one). Matching is the
engine's FTS5 index (`Engine.filter_articles`): stemmed and case-insensitive, so a user's
text is never a regular expression or raw FTS5 syntax.

This module is pure: parsing `/filter add` text, applying an edit, and describing a filter.
The filter itself is stored by `bot.storage.SubscriptionStore`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.i18n import N_, TranslatableError

MAX_TERMS = 20
MAX_TERM_CHARS = 50
# Phones and word processors turn straight quotes into curly ones; they mean the same here.
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "″": '"'})
# A quoted phrase (an unclosed quote runs to the end), or a run of non-space characters.
_TOKEN = re.compile(r'(-?)"([^"]*)"?|([^\s"]+)')
_WORD_CHAR = re.compile(r"\w")
_SPACES = re.compile(r"\s+")


class FilterError(TranslatableError):
    """Filter terms that cannot be used; the message (plain text) says why."""


@dataclass(frozen=True)
class Term:
    """One filter term: a word or a phrase, and whether it excludes."""

    text: str
    is_phrase: bool = False
    is_excluded: bool = False

    @property
    def query(self) -> str:
        """The term as the engine's filter takes it: phrases keep their quotes."""
        return f'"{self.text}"' if self.is_phrase else self.text

    @property
    def label(self) -> str:
        """The term as the user writes it: `-"a phrase"`, `word`."""
        return ("-" if self.is_excluded else "") + self.query

    @property
    def key(self) -> str:
        """Identity for duplicates: case does not matter to the index, so not here either."""
        return self.query.casefold()


@dataclass(frozen=True)
class ChatFilter:
    """A chat's keyword filter, its alert switch, and whether it was told nothing matched."""

    chat_id: int
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    """Terms in engine form (`word`, `"a phrase"`), as `Term.query` gives them."""
    alerts: bool = False
    alerts_since: str | None = None
    """Articles ingested after this ISO instant are new to the chat's alerts."""
    alerts_thread_id: int | None = None
    told_nothing_matched: bool = False
    language: str | None = None
    """The language of whoever last changed the filter or alerts: the alerts' language when
    the chat chose none (/language)."""

    @property
    def is_active(self) -> bool:
        """Whether the filter narrows anything down."""
        return bool(self.include or self.exclude)

    @property
    def terms(self) -> tuple[Term, ...]:
        return tuple(_stored(q, False) for q in self.include) + tuple(
            _stored(q, True) for q in self.exclude
        )


def parse_terms(text: str) -> list[Term]:
    """Terms from the text after `/filter add` or `/filter remove`; FilterError if unusable."""
    terms: list[Term] = []
    for match in _TOKEN.finditer(text.translate(_QUOTES)):
        minus, phrase, word = match.groups()
        if word is not None:
            is_excluded = word.startswith("-")
            raw, is_phrase = word.lstrip("-"), False
        else:
            is_excluded, raw = bool(minus), phrase
            is_phrase = len(raw.split()) > 1
        term = _SPACES.sub(" ", raw).strip()
        if not term:
            continue  # a lone "-" or empty quotes
        if len(term) > MAX_TERM_CHARS:
            raise FilterError(
                N_("“{term}…” is too long: a term has at most {limit} characters."),
                term=term[:MAX_TERM_CHARS],
                limit=MAX_TERM_CHARS,
            )
        if not _WORD_CHAR.search(term):
            raise FilterError(N_("“{term}” has no letters or digits to look for."), term=term)
        terms.append(Term(term, is_phrase, is_excluded))
    if not terms:
        raise FilterError(
            N_("Give some words, e.g. {example}"),
            example='/filter add election "climate summit" -sport',
        )
    # The same term twice counts once, on the side it was given last.
    return list({term.key: term for term in terms}.values())


def add_terms(current: ChatFilter, terms: list[Term]) -> ChatFilter:
    """The filter with terms added; a term given again moves to the side it is given on now."""
    keys = {term.key for term in terms}
    include = [q for q in current.include if q.casefold() not in keys]
    exclude = [q for q in current.exclude if q.casefold() not in keys]
    include += [term.query for term in terms if not term.is_excluded]
    exclude += [term.query for term in terms if term.is_excluded]
    if len(include) + len(exclude) > MAX_TERMS:
        raise FilterError(
            N_(
                "A filter holds at most {limit} terms; this would make it {count}. "
                "Remove some first with /filter remove."
            ),
            limit=MAX_TERMS,
            count=len(include) + len(exclude),
        )
    return replace(
        current, include=tuple(include), exclude=tuple(exclude), told_nothing_matched=False
    )


def remove_terms(current: ChatFilter, terms: list[Term]) -> tuple[ChatFilter, list[Term]]:
    """The filter without the terms (the minus sign is optional); and those it did not have."""
    keys = {term.key for term in terms}
    held = {q.casefold() for q in (*current.include, *current.exclude)}
    missing = [term for term in terms if term.key not in held]
    changed = replace(
        current,
        include=tuple(q for q in current.include if q.casefold() not in keys),
        exclude=tuple(q for q in current.exclude if q.casefold() not in keys),
        told_nothing_matched=False,
    )
    return changed, missing


def clear_terms(current: ChatFilter) -> ChatFilter:
    """The filter with no terms (alerts stay as they are)."""
    return replace(current, include=(), exclude=(), told_nothing_matched=False)


def _stored(query: str, is_excluded: bool) -> Term:
    is_phrase = len(query) > 1 and query.startswith('"') and query.endswith('"')
    return Term(query[1:-1] if is_phrase else query, is_phrase, is_excluded)


__all__ = [
    "MAX_TERMS",
    "MAX_TERM_CHARS",
    "ChatFilter",
    "FilterError",
    "Term",
    "add_terms",
    "clear_terms",
    "parse_terms",
    "remove_terms",
]
