"""Errors whose text is written for the person who caused them."""

from __future__ import annotations


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
