"""Log records as single lines while the console owns the terminal: no traceback between two answers."""

from __future__ import annotations

import contextlib
import logging
import sys
from typing import Iterator

# Long enough for an exception's message, short enough to stay one line on most terminals.
MAX_CHARS = 240


class OneLineFormatter(logging.Formatter):
    """Format a record as one line: its level, its message and, for a failure, the exception's type and text."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one line."""
        text = record.getMessage()
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            text += f" ({type(error).__name__}: {error})" if str(error) else f" ({type(error).__name__})"
        text = " ".join(text.split())
        if len(text) > MAX_CHARS:
            text = text[: MAX_CHARS - 1] + "\u2026"
        return f"[{record.levelname.lower()}] {text}"


@contextlib.contextmanager
def one_line_logs() -> Iterator[None]:
    """Format every root log handler's records as one line until the block ends, then restore them.

    The console's user is its operator too, so failures are still shown, just not as tracebacks.
    """
    root = logging.getLogger()
    formatter = OneLineFormatter()
    added = None
    if not root.handlers:
        # Without a handler, logging's last resort would print the traceback.
        added = logging.StreamHandler(sys.stderr)
        added.setLevel(logging.WARNING)
        root.addHandler(added)
    saved = [(handler, handler.formatter) for handler in root.handlers]
    for handler, _ in saved:
        handler.setFormatter(formatter)
    try:
        yield
    finally:
        for handler, previous in saved:
            handler.setFormatter(previous)
        if added is not None:
            root.removeHandler(added)
