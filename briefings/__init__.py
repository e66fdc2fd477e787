"""The briefing engine: news articles in, short sourced briefings out. Knows nothing of Telegram."""

from briefings.engine import Engine
from briefings.errors import BriefingError, NothingToBrief, PersonNotFound

__all__ = ["Engine", "BriefingError", "NothingToBrief", "PersonNotFound"]
