"""The bot token never reaches a log line: not in the message, a traceback or a stack, through a real logger."""

from __future__ import annotations

import io
import logging
from typing import Iterator

import pytest

from bot.logging_setup import RedactSecret, redact

TOKEN = "MTAxNTk1.Gx7kQa.not-a-real-token-but-shaped-like-one"


@pytest.fixture
def written() -> Iterator[io.StringIO]:
    """A stream behind a real root handler that `redact` covers, removed (with its filters) afterwards."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    before = {h: list(h.filters) for h in root.handlers}
    redact(TOKEN)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for h, filters in before.items():
            h.filters[:] = filters


def login(token: str) -> None:
    """Fail the way a library might: with the token in the exception's message."""
    raise RuntimeError(f"improper token has been passed: {token!r}")


def test_token_in_an_exception_message_is_redacted_from_the_traceback(written: io.StringIO) -> None:
    logger = logging.getLogger("paperscout.test-redact-traceback")
    try:
        try:
            login(TOKEN)
        except RuntimeError as inner:
            raise ConnectionError(f"gave up after {TOKEN}") from inner
    except ConnectionError:
        logger.exception("could not log in")
    text = written.getvalue()
    assert "could not log in" in text and "Traceback (most recent call last)" in text
    assert "RuntimeError: improper token has been passed: '[redacted]'" in text
    assert "ConnectionError: gave up after [redacted]" in text
    assert TOKEN not in text


def test_token_in_a_stack_and_a_message_is_redacted(written: io.StringIO) -> None:
    logger = logging.getLogger("paperscout.test-redact-stack")
    logger.warning("connecting with %s", TOKEN, stack_info=True)
    stack = f"Stack (most recent call last):\n  x = {TOKEN!r}"
    record = logger.makeRecord(logger.name, logging.ERROR, __file__, 1, "odd stack", (), None, sinfo=stack)
    logger.handle(record)
    text = written.getvalue()
    assert "connecting with [redacted]" in text and "Stack (most recent call last)" in text
    assert "x = '[redacted]'" in text
    assert TOKEN not in text


def test_records_without_the_secret_are_left_alone() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    assert RedactSecret(TOKEN).filter(record) and record.getMessage() == "hello world" and record.exc_text is None
    assert RedactSecret("").filter(record) and record.args == ("world",)
