"""Papers by author and the names known, over a list of papers in memory (the index a process serves).

The store keeps the same facts in SQL (corpus/sqlite_authors.py) for processes that read the
store; both follow corpus/authors.py's rule, and a test holds their answers equal.

At 87k papers of six authors each there are about half a million (paper, author) pairs: the
index keeps them as parallel lists of interned strings and an integer array, not an object
per pair, found by key through a dict. Measured on a synthetic 87k-paper corpus (60k distinct
names) on the project's 2-core machine while it was busy: about 56 MB, built in 3-5 s (under
3 s when the spellings were parsed by the previous build). So it is built once per list of
papers (`author_index`): the search filter (retrieval/filters.py) and the bot's lists and
suggestions share it, and the Discord front end starts building it when it loads.
"""

from __future__ import annotations

import bisect
import sys
import threading
import weakref
from array import array
from collections import Counter
from typing import Iterator, Sequence

from corpus.authors import author_name, given_agrees, key_bounds, newest_first, prefix_bounds
from corpus.paper import Paper

# Autocomplete shows at most this many names (Discord's limit on choices).
MAX_NAMES = 25
# A name as written -> (display, key, first given name, folded), interned; None for no name.
Parsed = tuple[str, str, str, str] | None
_UNSEEN = object()
# The spellings the last index built parsed, to reuse in the next (only the latest is kept).
_recent: dict[str, Parsed] = {}


def _parse(raw: str) -> Parsed:
    name = author_name(raw)
    if name is None:
        return None
    intern = sys.intern  # a name on many papers is one string, however often it is written
    return intern(name.display), intern(name.key), intern(name.given), name.folded


def _authors_by_row(papers: Sequence[Paper]) -> Iterator[tuple[int, Sequence[str]]]:
    # Rows over a store read only the authors (retrieval/paper_rows.py); a list is walked.
    read = getattr(papers, "authors", None)
    return read() if callable(read) else ((row, paper.authors) for row, paper in enumerate(papers))


class AuthorIndex:
    """Rows of `papers` by author key, and each display name with its number of papers."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        global _recent
        self.papers = papers
        # Most names recur across papers, and across the indexes of successive corpora (an ingest adds
        # a few papers): each distinct spelling is normalized once (10-15 us each), strings interned.
        known, parsed = _recent, {}
        by_key: dict[str, list[int]] = {}  # key -> positions in the lists below, in the order read
        rows: list[int] = []
        givens: list[str] = []
        written: list[str] = []
        counts: dict[str, int] = {}
        for row, authors in _authors_by_row(papers):
            here: set[str] = set()
            for raw in authors:
                if not isinstance(raw, str):
                    continue
                fields = parsed.get(raw, _UNSEEN)
                if fields is _UNSEEN:
                    fields = parsed[raw] = known[raw] if raw in known else _parse(raw)
                if fields is None:
                    continue
                display, key, given, _ = fields
                at = by_key.get(key)
                if at is None:
                    at = by_key[key] = []
                at.append(len(rows))
                rows.append(row)
                givens.append(given)
                written.append(display)
                if display not in here:
                    here.add(display)
                    counts[display] = counts.get(display, 0) + 1
        _recent = parsed
        self._by_key_at = by_key
        # The distinct keys sorted: a surname's keys ("smith", "smith j", ...) are a bisected range.
        self._keys = sorted(by_key)
        self._rows = array("i", rows)
        self._given = givens
        self._written = written
        self._counts = counts
        # Each display name under its folded form and under its key, sorted for prefix ranges.
        names = {f[0]: f for f in parsed.values() if f is not None and f[0] in counts}
        self._by_folded = sorted((folded, d) for d, (_, _, _, folded) in names.items())
        self._by_key = sorted((key, d) for d, (_, key, _, _) in names.items())
        self._top: list[str] | None = None

    def __len__(self) -> int:
        return len(self._rows)

    def matches(self, typed: str) -> list[tuple[int, str]]:
        """Return (row, author as written there) of every author `typed` may name."""
        query = author_name(typed)
        if query is None:
            return []
        if query.given:  # a full name: its key alone, then the given names must agree
            given = query.given
            at = self._by_key_at.get(query.key, [])
            return [(self._rows[i], self._written[i]) for i in at if given_agrees(given, self._given[i])]
        low, high = key_bounds(query)  # a surname: every key in its range has that surname
        start, end = bisect.bisect_left(self._keys, low), bisect.bisect_left(self._keys, high)
        return [(self._rows[i], self._written[i]) for key in self._keys[start:end] for i in self._by_key_at[key]]

    def rows(self, typed: str) -> list[int]:
        """Return the rows of the papers with an author `typed` may name, in row order."""
        return sorted({row for row, _ in self.matches(typed)})

    def papers_by(self, typed: str) -> tuple[str, list[Paper]]:
        """Return the name as most of their papers write it, and their papers newest first ("", [] if none)."""
        found = self.matches(typed)
        if not found:
            return "", []
        written = Counter(display for _, display in found).most_common()
        # Most papers first; a tie goes to the longest form (a full given name over an initial).
        display = max(written, key=lambda pair: (pair[1], len(pair[0]), pair[0]))[0]
        return display, newest_first(self.papers[row] for row in {row for row, _ in found})

    def names(self, typed: str, limit: int = MAX_NAMES) -> list[tuple[str, int]]:
        """Return (display name, papers) of names whose folded form or surname starts as typed, most papers first."""
        bounds = prefix_bounds(typed)
        if bounds is None:
            if self._top is None:  # nothing typed yet: the same answer every time, sorted once
                self._top = sorted(self._counts, key=lambda d: (-self._counts[d], d))
            ranked = self._top
        else:
            picked: set[str] = set()
            for pairs in (self._by_folded, self._by_key):
                start = bisect.bisect_left(pairs, (bounds[0], ""))
                end = bisect.bisect_left(pairs, (bounds[1], ""))
                picked.update(display for _, display in pairs[start:end])
            ranked = sorted(picked, key=lambda d: (-self._counts[d], d))
        return [(d, self._counts[d]) for d in ranked[:limit]]


# The index of each list of papers alive, by the list's id (a list cannot be weakly referenced
# itself); an entry whose list is gone is replaced, since a new list may reuse the id.
_shared: weakref.WeakValueDictionary[int, AuthorIndex] = weakref.WeakValueDictionary()
_lock = threading.Lock()


def author_index(papers: Sequence[Paper]) -> AuthorIndex:
    """Return the author index of this very list of papers, building it once (a second or so at 87k papers).

    The caller keeps the index alive (an attribute of what serves `papers`); while it is, every
    caller with the same list gets the same index. Call from a worker thread in the bot.
    """
    with _lock:
        found = _shared.get(id(papers))
        if found is None or found.papers is not papers:
            found = AuthorIndex(papers)
            _shared[id(papers)] = found
        return found
