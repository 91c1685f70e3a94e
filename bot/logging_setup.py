"""Operator logging for the composition roots: one format, quiet libraries, the token never printed."""

from __future__ import annotations

import logging

NOISY_LOGGERS = ("chromadb", "httpx", "sentence_transformers", "transformers", "urllib3", "discord.gateway")

REDACTED = "[redacted]"
# Formats a record's traceback exactly as every handler's default formatter would.
_TRACEBACKS = logging.Formatter()


class RedactSecret(logging.Filter):
    """Replace a secret in every part of a log record a handler writes: message, traceback and stack."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message, traceback text and stack without the secret."""
        if not self.secret:
            return True
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, REDACTED), ()
        # An exception's message (or a source line in its traceback) can hold the secret too, and
        # formatters write the traceback from `exc_text` once it is set: set it here, redacted.
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = record.exc_text.replace(self.secret, REDACTED)
        if record.stack_info:
            record.stack_info = record.stack_info.replace(self.secret, REDACTED)
        return True


def setup_logging(level: str) -> None:
    """Log to stderr at `level`, keeping chatty libraries at WARNING."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def redact(secret: str) -> None:
    """Blank `secret` out of every record the root handlers write."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecret(secret))
