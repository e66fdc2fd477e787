"""Engine errors in the reader's words.

The engine raises typed errors (`briefings.errors`) whose text is English. Each type is
mapped here to a catalog message, filled with the facts the error carries: the query, the
name and its suggestions. What the user typed is shown as typed, never translated.

`NothingToBrief` carries no facts of its own, but the bot knows what it asked for: a
briefing by event id or by date is refused by `explain_nothing` (run where the engine is)
with the event ids the corpus does hold, or the date; any other `NothingToBrief` means the
corpus has nothing to brief on yet.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from bot.i18n import N_, Translatable
from briefings.errors import (
    BriefingError,
    DatabaseError,
    NoMatch,
    NothingToBrief,
    PersonNotFound,
    UnreadableArticle,
)

if TYPE_CHECKING:
    from briefings.engine import Engine

KNOWN_EVENTS_SHOWN = 10
MAX_SUGGESTIONS = 5


class Refusal(Exception):
    """What the bot will not do for a user, and why, in words a catalog translates.

    Raised inside a handler, it ends in `bot.commands.general.on_error` like an engine error.
    """

    def __init__(self, message: Translatable) -> None:
        self.message = message
        super().__init__(str(message))


def engine_error_message(error: BriefingError) -> Translatable:
    """The message an engine error shows a user, by its type, with the facts it carries."""
    if isinstance(error, NoMatch):
        return Translatable(
            N_("Nothing in the corpus matches “{query}”. Try /topics for what it covers."),
            {"query": error.query},
        )
    if isinstance(error, PersonNotFound):
        if error.suggestions:
            return Translatable(
                N_("No one called “{name}” in the corpus; did you mean {suggestions}?"),
                {"name": error.name, "suggestions": ", ".join(error.suggestions[:MAX_SUGGESTIONS])},
            )
        return Translatable(N_("No one called “{name}” in the corpus."), {"name": error.name})
    if isinstance(error, NothingToBrief):
        return Translatable(
            N_("There is nothing to brief on yet: the corpus has no English article.")
        )
    if isinstance(error, UnreadableArticle):
        # The reason is the engine's (a file's problem, in English): shown as it is.
        return Translatable(N_("That file cannot be read: {reason}"), {"reason": str(error)})
    if isinstance(error, DatabaseError):
        return Translatable(
            N_("The news database cannot be read just now. The bot's log says why.")
        )
    return Translatable(N_("I can't do that: {reason}"), {"reason": str(error)})


def explain_nothing(
    engine: Engine,
    error: NothingToBrief,
    *,
    event_id: int | None = None,
    on_date: dt.date | None = None,
) -> BriefingError | Refusal:
    """What to raise instead of a `NothingToBrief` from a briefing asked for by event or date
    (blocking: call where the engine is). A query that matched nothing stays a `NoMatch`."""
    if isinstance(error, NoMatch):
        return error
    if event_id is not None and engine.event(event_id) is None:
        known = [str(event.id) for event in engine.recent_events(KNOWN_EVENTS_SHOWN)]
        return Refusal(
            Translatable(
                N_("There is no event {event_id}. Known events: {known}."),
                {"event_id": event_id, "known": ", ".join(known) or Translatable(N_("none"))},
            )
        )
    if on_date is not None and engine.recent_events(1):
        return Refusal(
            Translatable(N_("No event in the corpus around {date}."), {"date": on_date.isoformat()})
        )
    return error
