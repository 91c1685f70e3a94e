"""When an index written as a base plus a segment of later changes is written whole again: one rule for both files.

An ingest changes a few hundred papers of a corpus that may hold a million; rewriting the
whole BM25 and vector files (1.6 and 1.5 GB at a million papers) for each would make every
ingest pay for the corpus. So the difference since the last whole write is kept apart: the
vector cache writes it as a segment file (vector_cache.py); BM25 finds it again at each open
from the corpus store, tokenizing only those papers (index.py). Both are folded into a new
whole file once the difference passes this rule, or on `paperscout reindex --compact`.
"""

from __future__ import annotations

from typing import Mapping, Sequence

# The difference is folded once it holds more than this share of the rows ...
COMPACT_SHARE = 0.01
# ... and more than this many rows: tokenizing 2,000 abstracts at an open takes about a second.
SEGMENT_ROWS = 2_000


def folds(pending: int, rows: int) -> bool:
    """Return whether `pending` changed rows out of `rows` are to be written into a new whole file."""
    return pending > max(SEGMENT_ROWS, COMPACT_SHARE * rows)


def difference(ids: Sequence[str], digests: Sequence[str], before: Mapping[str, str]) -> tuple[list[int], list[str]]:
    """Return the rows of (ids, digests) that `before` (id -> digest of the whole file) lacks or holds otherwise,
    and the ids `before` holds that are not current (gone or edited): what a segment carries, for both files."""
    current = dict(zip(ids, digests))
    rows = [i for i, (pid, digest) in enumerate(zip(ids, digests)) if before.get(pid) != digest]
    return rows, [pid for pid, digest in before.items() if current.get(pid) != digest]
