"""Fresh-paper sources (Hugging Face daily papers, arXiv API): shared result and error types."""

from __future__ import annotations

from dataclasses import dataclass

from corpus.records import Candidate


class PayloadError(ValueError):
    """A whole payload is unusable (not JSON/XML, wrong top-level shape, an API error document)."""


@dataclass(frozen=True)
class ParseResult:
    """The candidates parsed from one payload and one message per item that was skipped."""

    candidates: tuple[Candidate, ...] = ()
    problems: tuple[str, ...] = ()
