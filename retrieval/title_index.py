"""Title autocomplete from an index: the same papers, in the same order, as scanning every title, without the scan.

What a scan of the normalized titles (in the order they were first seen) returned, and so
what this returns, for a typed key (normalized, not empty) and a limit:
1. titles starting with the key, in that order;
2. then titles holding the key elsewhere, in that order;
3. when those are fewer than the limit, titles sharing a word with the key, most shared
   words first, then by the paper's title, then in that order.

Each part has its own structure: a sorted list of the titles (a prefix is one run of it);
a trigram index (keys of 3+ characters: candidates hold every trigram of the key, then each
is checked); the titles joined into one UTF-8 byte string, searched from the start with an early exit
(keys of 1-2 characters, too short for trigrams); and a word -> titles inverted index.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np


# Never in a normalized title (letters, digits and single spaces only), so no key matches across it.
_SEP = "\x00"
# Candidates are checked a chunk at a time, so a common key stops after its first few;
# the chunk doubles, so a rare key's long list costs a few numpy calls, not thousands.
_FIRST_CHUNK = 512
_LAST_CHUNK = 65536
# Intersecting more than the rarest few trigram lists rarely removes a candidate the check would not.
_LISTS_INTERSECTED = 6
# Titles per chunk of the build: its temporary arrays are about 300 bytes a title of the chunk.
_BUILD_CHUNK = 16384


@dataclass(frozen=True)
class TitleIndexSize:
    """What building the index cost: seconds and the bytes its own arrays and lists hold (titles shared, not counted)."""

    titles: int
    build_s: float
    bytes: int


@dataclass(frozen=True)
class _Postings:
    """Sorted keys, each with a sorted array of title positions: positions[bounds[i]:bounds[i + 1]] belong to keys[i]."""

    keys: np.ndarray
    bounds: np.ndarray
    positions: np.ndarray

    def of(self, key: int) -> np.ndarray | None:
        at = int(np.searchsorted(self.keys, key))
        if at == self.keys.size or self.keys[at] != key:
            return None
        return self.positions[self.bounds[at]:self.bounds[at + 1]]

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + self.bounds.nbytes + self.positions.nbytes


def _runs(pairs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the keys of sorted (key * n + title) pairs, where each key's run starts, and each run's length."""
    keys = pairs // n
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if pairs.size else np.zeros(0, np.int64)
    return keys, starts, np.diff(np.append(starts, pairs.size))


def _postings(pairs_of: Callable[[int, int], np.ndarray], n: int, chunk: int) -> _Postings:
    """Group the (key, title position) pairs that `pairs_of(lo, hi)` gives for titles lo..hi - 1 into postings.

    `pairs_of` returns key * n + title, sorted, each pair once. Two passes over chunks of
    titles (counting, then filling one int32 array in place) keep the build's memory near
    the postings' own: one sort of every pair at once took 8 times their size.
    """
    n1 = max(n, 1)
    spans = [(lo, min(lo + chunk, n)) for lo in range(0, n, chunk)]
    found, counted = [], []
    for lo, hi in spans:
        keys, starts, lengths = _runs(pairs_of(lo, hi), n1)
        found.append(keys[starts])
        counted.append(lengths)
    every = np.concatenate(found) if found else np.zeros(0, np.int64)
    distinct = np.sort(every)
    distinct = distinct[np.concatenate(([True], distinct[1:] != distinct[:-1]))] if distinct.size else distinct
    counts = np.bincount(np.searchsorted(distinct, every), np.concatenate(counted) if counted else None,
                         minlength=distinct.size).astype(np.int64)
    bounds = np.concatenate(([0], np.cumsum(counts)))
    positions = np.empty(int(bounds[-1]), dtype=np.int32)
    cursor = bounds[:-1].copy()
    # Chunks come in title order, so each key's titles are filled in ascending order.
    for lo, hi in spans:
        pairs = pairs_of(lo, hi)
        keys, starts, lengths = _runs(pairs, n1)
        slot = np.searchsorted(distinct, keys[starts])
        within = np.arange(pairs.size) - np.repeat(starts, lengths)
        positions[np.repeat(cursor[slot], lengths) + within] = pairs % n1
        cursor[slot] += lengths
    return _Postings(distinct, bounds, positions)


def _pairs(keys: np.ndarray, titles: np.ndarray, n: int) -> np.ndarray:
    """Return key * n + title, sorted, each once (np.unique is far slower than a sort in numpy 2.4)."""
    pairs = np.sort(keys * max(n, 1) + titles)
    return pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))] if pairs.size else pairs


def _ordered(values: list) -> np.ndarray:
    """Return the positions of `values` in sorted order (ties in their own order: Python's sort is stable)."""
    return np.array(sorted(range(len(values)), key=values.__getitem__), dtype=np.int64)


class TitleIndex:
    """The normalized titles of a retriever, indexed for autocomplete.

    `by_title` maps each normalized title to (paper id, title as parsed), in the retriever's row
    order; completions are paper ids (the papers stay where they are kept, see paper_rows.py).
    """

    def __init__(self, by_title: dict[str, tuple[str, str]], chunk: int = _BUILD_CHUNK) -> None:
        start = time.perf_counter()
        self._keys = list(by_title)
        # The ids alone are kept: the titles as parsed only order the fallback (below), and at a
        # million papers kept with them they held 180 MB.
        self._ids = [pid for pid, _ in by_title.values()]
        n = len(self._keys)
        self._n = n
        order = _ordered(self._keys)
        self._sorted_keys = [self._keys[i] for i in order]
        self._sorted_pos = order.astype(np.int32)
        joined = _SEP.join(self._keys)
        self._alphabet = {ch: i for i, ch in enumerate(sorted(set(joined) - {_SEP}), start=1)}
        # As UTF-8 bytes: one byte a character for most titles, where one Greek letter made the
        # str 2 bytes a character (160 MB at 1M titles). A UTF-8 needle only matches UTF-8 at
        # a character's start, so bytes.find finds exactly what str.find did.
        self._joined = joined.encode("utf-8")
        del joined
        sizes = np.fromiter((len(k) if k.isascii() else len(k.encode("utf-8")) for k in self._keys), np.int64, n)
        # Where each title starts in the joined bytes, and one past the end.
        self._offsets = np.concatenate(([0], np.cumsum(sizes + 1))).astype(np.int64)
        self._base = len(self._alphabet) + 1
        self._trigrams = self._build_trigrams(chunk)
        self._vocab: dict[str, int] = {}
        self._words = self._build_words(chunk)
        # The fallback's tie-break: the paper's title, then insertion order (the scan's stable sort).
        self._title_rank = np.empty(n, np.int64)
        self._title_rank[_ordered([title for _, title in by_title.values()])] = np.arange(n)
        # The scan left out papers already picked by id; two keys may in principle hold one paper id.
        codes = {pid: i for i, pid in enumerate(dict.fromkeys(self._ids))}
        self._id_code = np.fromiter(map(codes.__getitem__, self._ids), np.int64, n)
        self.size = TitleIndexSize(n, round(time.perf_counter() - start, 3), self._nbytes())

    def _build_trigrams(self, chunk: int) -> _Postings:
        lookup = np.zeros(max(map(ord, self._alphabet), default=0) + 1, dtype=np.int64)
        lookup[[ord(ch) for ch in self._alphabet]] = np.arange(1, self._base)

        def pairs_of(lo: int, hi: int) -> np.ndarray:
            keys = self._keys[lo:hi]
            ids = lookup[np.frombuffer(_SEP.join(keys).encode("utf-32-le"), dtype=np.uint32)]
            lengths = np.fromiter(map(len, keys), np.int64, len(keys))
            title = np.repeat(np.arange(lo, hi, dtype=np.int64), lengths + 1)[: ids.size]
            a, b, c = ids[:-2], ids[1:-1], ids[2:]
            inside = (a > 0) & (b > 0) & (c > 0)
            return _pairs(((a * self._base + b) * self._base + c)[inside], title[:-2][inside], self._n)

        return _postings(pairs_of, self._n, chunk)

    def _build_words(self, chunk: int) -> _Postings:
        parts = []
        for lo in range(0, self._n, chunk):
            # A chunk's words at a time: every word of 1M titles as strings at once is 0.6 GB.
            words = " ".join(self._keys[lo:lo + chunk]).split()
            for word in dict.fromkeys(words):
                self._vocab.setdefault(word, len(self._vocab))
            # map runs in C: a generator calling setdefault per word was 1.4 s of 2 at 87k titles.
            parts.append(np.fromiter(map(self._vocab.__getitem__, words), np.int64, len(words)))
        ids = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        counts = np.fromiter((k.count(" ") + 1 if k else 0 for k in self._keys), np.int64, self._n)
        first = np.concatenate(([0], np.cumsum(counts)))

        def pairs_of(lo: int, hi: int) -> np.ndarray:
            title = np.repeat(np.arange(lo, hi, dtype=np.int64), counts[lo:hi])
            return _pairs(ids[first[lo]:first[hi]], title, self._n)

        return _postings(pairs_of, self._n, chunk)

    def _nbytes(self) -> int:
        arrays = (self._sorted_pos, self._offsets, self._title_rank, self._id_code)
        # The joined bytes are the titles again; lists hold 8-byte references; dicts roughly 100 bytes an entry.
        return (sum(a.nbytes for a in arrays) + self._trigrams.nbytes + self._words.nbytes
                + len(self._joined)
                + 8 * len(self._sorted_keys) + 100 * len(self._vocab))

    def __len__(self) -> int:
        return self._n

    # --- completion ----------------------------------------------------------------------

    def complete(self, key: str, limit: int) -> list[str]:
        """Return the ids of the papers the scan returned for the normalized, non-empty `key` and `limit`."""
        # A negative limit sliced the scan's whole list of starts and contains (and never fell back).
        need = limit if limit >= 0 else None
        picked = self._starting(key, need)
        if need is None or len(picked) < need:
            picked += self._containing(key, None if need is None else need - len(picked))
        if need is None:
            return [self._ids[i] for i in picked[:limit]]
        if len(picked) < limit:
            picked += self._sharing_words(key, picked, limit - len(picked))
        return [self._ids[i] for i in picked]

    def _starting(self, key: str, need: int | None) -> list[int]:
        """Positions of the titles starting with `key`, the first `need` in insertion order."""
        lo = bisect_left(self._sorted_keys, key)
        # Titles starting with the key are one run from `lo`: find its end by halving.
        a, b = lo, self._n
        while a < b:
            mid = (a + b) // 2
            if self._sorted_keys[mid].startswith(key):
                a = mid + 1
            else:
                b = mid
        run = self._sorted_pos[lo:a]
        if need is not None and run.size > need:
            run = np.partition(run, need - 1)[:need] if need else run[:0]
        return np.sort(run).tolist()

    def _containing(self, key: str, need: int | None) -> list[int]:
        """Positions of titles holding `key` but not starting with it, the first `need` in insertion order."""
        found: list[int] = []
        for i in (self._joined_matches(key) if len(key) < 3 else self._trigram_matches(key)):
            title = self._keys[i]
            if key in title and not title.startswith(key):
                found.append(i)
                if need is not None and len(found) >= need:
                    break
        return found

    def _joined_matches(self, key: str) -> Iterator[int]:
        """Positions of the titles holding `key`, in order, by bytes.find over the joined titles."""
        needle = key.encode("utf-8")
        at = self._joined.find(needle)
        while at >= 0:
            i = int(np.searchsorted(self._offsets, at, side="right")) - 1
            yield i
            # On to the next title: one match per title is enough.
            at = self._joined.find(needle, int(self._offsets[i + 1]))

    def _trigram_matches(self, key: str) -> Iterator[int]:
        """Positions of the titles holding every trigram of `key` (a superset of those holding `key`), in order."""
        ids = [self._alphabet.get(ch, 0) for ch in key]
        if 0 in ids:
            return
        lists = []
        for code in {(ids[j] * self._base + ids[j + 1]) * self._base + ids[j + 2] for j in range(len(key) - 2)}:
            found = self._trigrams.of(code)
            if found is None:
                return
            lists.append(found)
        lists.sort(key=len)
        first, others = lists[0], lists[1:_LISTS_INTERSECTED]
        at, chunk = 0, _FIRST_CHUNK
        while at < first.size:
            candidates = first[at:at + chunk]
            at, chunk = at + chunk, min(chunk * 2, _LAST_CHUNK)
            for other in others:
                where = np.minimum(np.searchsorted(other, candidates), other.size - 1)
                candidates = candidates[other[where] == candidates]
                if not candidates.size:
                    break
            yield from candidates.tolist()

    def _sharing_words(self, key: str, picked: list[int], need: int) -> list[int]:
        """The first `need` titles by (most words shared with `key`, paper title, insertion order), none of `picked`."""
        lists = [self._words.of(w) for w in (self._vocab.get(t) for t in set(key.split())) if w is not None]
        if not lists:
            return []
        every = np.concatenate(lists)
        if every.size * 8 > self._n:
            # Common words: counting into one slot per title beats sorting their postings.
            counts = np.bincount(every, minlength=self._n)
            positions = np.flatnonzero(counts)
            shared = counts[positions]
        else:
            every.sort()
            firsts = np.flatnonzero(np.concatenate(([True], every[1:] != every[:-1])))
            positions, shared = every[firsts], np.diff(np.append(firsts, every.size))
        if picked:
            # Sorted ids and searchsorted, not np.isin: its first call in a process took 30 ms.
            taken = np.sort(self._id_code[picked])
            codes = self._id_code[positions]
            fresh = taken[np.minimum(np.searchsorted(taken, codes), taken.size - 1)] != codes
            positions, shared = positions[fresh], shared[fresh]
        if not positions.size:
            return []
        order = (int(shared.max()) - shared) * self._n + self._title_rank[positions]
        best = np.argpartition(order, need - 1)[:need] if positions.size > need else np.arange(positions.size)
        return positions[best[np.argsort(order[best])]].astype(np.int64).tolist()

