"""Operator logging for the composition roots: one format, quiet libraries, the token never printed."""

from __future__ import annotations

import logging

NOISY_LOGGERS = ("chromadb", "httpx", "sentence_transformers", "transformers", "urllib3", "discord.gateway")


class RedactSecret(logging.Filter):
    """Replace a secret in every log record, in case a library ever formats it into a message."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message without the secret."""
        if self.secret:
            message = record.getMessage()
            if self.secret in message:
                record.msg, record.args = message.replace(self.secret, "[redacted]"), ()
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
