"""Errors the engine raises, each with a message a user can act on.

BriefingError
├── UnreadableArticle   a file that cannot be read as an article (empty, binary, too big…)
├── DatabaseError       the database file is damaged or is not ours
├── NothingToBrief      the corpus has no (matching) English article
│   └── NoMatch         …nothing matches a query (the CLI words its own hint from `query`)
└── PersonNotFound      no one in the corpus matches a name
"""

from __future__ import annotations


class BriefingError(Exception):
    """Base class: the CLI and the bot show ``str(error)`` to the user."""


class UnreadableArticle(BriefingError):
    pass


class DatabaseError(BriefingError):
    pass


class NothingToBrief(BriefingError):
    pass


class NoMatch(NothingToBrief):
    """Nothing in the corpus matches a query. The message is the chat's; `query` is kept so
    that a command line can give its own hint."""

    def __init__(self, query: str) -> None:
        self.query = query
        super().__init__(
            f"Nothing in the corpus matches {query!r}. Try /topics for what it covers."
        )


class PersonNotFound(BriefingError):
    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else "."
        super().__init__(f"No one called {name!r} in the corpus{hint}")
