"""Faults the local Bot API server injects, per method and per chat: what a deployment meets.

A ``Fault`` replaces (or follows) the normal handling of one call:

| kind          | what the server does                                   | what the bot sees      |
|---------------|--------------------------------------------------------|------------------------|
| ``drop``      | closes the connection at once, doing nothing           | NetworkError           |
| ``drop-after``| does the call, then closes the connection unanswered   | NetworkError           |
| ``hang``      | waits N seconds, then does the call and answers        | TimedOut, if it waits  |
| ``silent``    | does the call, then never answers (connection open)    | TimedOut               |
| ``error``     | answers an error: 5xx, 429 with retry_after, 403, 400  | the matching error     |

"Does the call" matters: after ``drop-after``, ``hang`` or ``silent`` the message exists on
the server, although the bot may never learn it — the ambiguity real deployments meet.

A ``FaultPlan`` holds the armed faults: each for one method (any chat or one chat), for a
number of calls or until cleared (a 429 storm). The first matching armed fault is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.localapi.state import ApiError

DROP, DROP_AFTER, HANG, SILENT, ERROR = "drop", "drop-after", "hang", "silent", "error"
# Descriptions Telegram gives for the errors tests ask for most.
_ERROR_TEXTS = {
    400: "Bad Request: injected failure",
    401: "Unauthorized",
    403: "Forbidden: injected failure",
    409: "Conflict: injected failure",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True)
class Fault:
    """What happens to one call instead of its normal answer."""

    kind: str
    seconds: float = 0.0
    error: ApiError | None = None

    @property
    def does_the_call(self) -> bool:
        """Whether the server carries the call out (the message exists) despite the fault."""
        return self.kind in (DROP_AFTER, HANG, SILENT)

    @classmethod
    def drop(cls, *, after_accepting: bool = False) -> Fault:
        """Close the connection without an answer, before or after carrying the call out."""
        return cls(DROP_AFTER if after_accepting else DROP)

    @classmethod
    def hang(cls, seconds: float) -> Fault:
        """Wait `seconds`, then carry the call out and answer (if the bot still listens)."""
        return cls(HANG, seconds=seconds)

    @classmethod
    def accept_then_silence(cls) -> Fault:
        """Carry the call out, then never answer: the bot's request times out."""
        return cls(SILENT)

    @classmethod
    def status(
        cls,
        status: int,
        description: str | None = None,
        *,
        retry_after: int = 1,
        parameters: dict[str, Any] | None = None,
    ) -> Fault:
        """Answer an error with Telegram's status and description."""
        if status == 429:
            parameters = {"retry_after": retry_after, **(parameters or {})}
        text = description or _ERROR_TEXTS.get(status, f"Error {status}")
        return cls(ERROR, error=ApiError(status, text.format(retry_after=retry_after), parameters))

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        """A 5xx answer: Telegram did not take the call."""
        return cls.status(status)

    @classmethod
    def flood(cls, retry_after: int) -> Fault:
        """429 Too Many Requests with `retry_after` seconds."""
        return cls.status(429, retry_after=retry_after)

    @classmethod
    def forbidden(cls, description: str = "Forbidden: bot was blocked by the user") -> Fault:
        return cls.status(403, description)

    @classmethod
    def chat_not_found(cls) -> Fault:
        return cls.status(400, "Bad Request: chat not found")

    @classmethod
    def migrated(cls, to_chat_id: int) -> Fault:
        """The group was upgraded: 400 with migrate_to_chat_id (the chat itself is unchanged)."""
        return cls.status(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            parameters={"migrate_to_chat_id": to_chat_id},
        )


@dataclass
class _Armed:
    method: str  # lower case: Telegram matches method names case-insensitively
    chat_id: int | str | None
    fault: Fault
    remaining: int | None  # None: every call until cleared


class FaultPlan:
    """The armed faults of one server (used under the server's lock)."""

    def __init__(self) -> None:
        self._armed: list[_Armed] = []

    def add(
        self, method: str, fault: Fault, *, chat_id: int | str | None = None, count: int | None = 1
    ) -> None:
        """Arm `fault` for the next `count` calls of `method` (to `chat_id`, or any chat)."""
        if count is not None and count < 1:
            raise ValueError("count must be at least 1, or None for every call")
        self._armed.append(_Armed(method.lower(), chat_id, fault, count))

    def take(self, method: str, chat_id: Any) -> Fault | None:
        """The fault for this call, if one is armed (and count it as used)."""
        wanted = method.lower()
        for armed in self._armed:
            if armed.method != wanted or armed.chat_id not in (None, chat_id):
                continue
            if armed.remaining is not None:
                armed.remaining -= 1
                if armed.remaining == 0:
                    self._armed.remove(armed)
            return armed.fault
        return None

    def clear(self, method: str | None = None) -> None:
        """Disarm every fault (of one method)."""
        self._armed = [a for a in self._armed if method is not None and a.method != method.lower()]


__all__ = ["DROP", "DROP_AFTER", "ERROR", "HANG", "SILENT", "Fault", "FaultPlan"]
