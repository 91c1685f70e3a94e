"""When an index written as a base plus a segment of later changes is written whole again: one rule for both files.

An ingest changes a few hundred papers of a corpus that may hold a million; rewriting the
whole BM25 and vector files (1.6 and 1.5 GB at a million papers) for each would make every
ingest pay for the corpus. So the difference since the last whole write is kept apart: the
vector cache writes it as a segment file (vector_cache.py); BM25 finds it again at each open
from the corpus store, tokenizing only those papers (index.py). Both are folded into a new
whole file once the difference passes this rule, or on `paperscout reindex --compact`.
"""

from __future__ import annotations

# The difference is folded once it holds more than this share of the rows ...
COMPACT_SHARE = 0.01
# ... and more than this many rows: tokenizing 2,000 abstracts at an open takes about a second.
SEGMENT_ROWS = 2_000


def folds(pending: int, rows: int) -> bool:
    """Return whether `pending` changed rows out of `rows` are to be written into a new whole file."""
    return pending > max(SEGMENT_ROWS, COMPACT_SHARE * rows)
