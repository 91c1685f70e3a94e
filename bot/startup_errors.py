"""The errors that stop start-up with one line naming a file and what to do (never a traceback)."""

from __future__ import annotations

from bot.datadir import DataDirError
from bot.state import StateError
from corpus.store import CorpusError
from retrieval.vectors import VectorStoreError

STARTUP_ERRORS: tuple[type[Exception], ...] = (DataDirError, StateError, CorpusError, VectorStoreError)
