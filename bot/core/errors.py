"""What a user is told when something fails: the one place that decides between their fix and our apology."""

from __future__ import annotations

import logging

from retrieval.types import QueryError

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side while answering that. Please try again in a moment."


class UserFacingError(Exception):
    """A problem the user can fix; `message` is shown to them as is (ephemeral where possible)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RateLimited(UserFacingError):
    """The user searched too often; `retry_after` says in how many seconds they may again."""

    def __init__(self, retry_after: float) -> None:
        seconds = max(1, int(retry_after + 0.999))
        super().__init__(
            f"You're searching faster than I can keep up with. Try again in {seconds} s."
        )
        self.retry_after = retry_after


class FatalError(RuntimeError):
    """The bot cannot go on (e.g. its vector store is damaged); the message is the operator's one line."""


def _unwrap(error: BaseException) -> BaseException:
    """Return the exception a framework wrapped (discord.py's CommandInvokeError keeps it in `original`)."""
    seen = 0
    while seen < 5:
        inner = getattr(error, "original", None)
        if not isinstance(inner, BaseException):
            return error
        error, seen = inner, seen + 1
    return error


def failure_text(error: BaseException, what: str) -> str:
    """Return the text to show for a failed request: the user's fix, or the apology with a logged traceback.

    `what` names the request for the operator's log (e.g. "/find (user 1, guild 2)").
    """
    original = _unwrap(error)
    if isinstance(original, UserFacingError):
        return original.message
    if isinstance(original, QueryError):
        return str(original)
    log.error("%s failed", what, exc_info=original)
    return APOLOGY
