"""A cheaper first pass over the doc vectors for large corpora: one bit a dimension, then the exact product on a shortlist.

Scanning every doc vector costs a read of the whole matrix per query: 134 MB and 6 ms at
87k papers, 1.5 GB at a million. Instead each paper keeps the signs of its 384 coordinates
(48 bytes); a query's shortlist is the papers whose signs differ least from its own
(Hamming distance, six 64-bit words a paper), and only the shortlist is scored exactly.

The shortlist size was chosen on the 253 benchmark queries (bench/queries.jsonl) over the
87k real corpus, against the exact top 10 by the full product: 3,000 found 99.2% of it,
5,000 99.6% and 8,000 99.9% (a one-off script; `paperscout bench` reports the recall of
the product's own pass as "dense top 10 found by that first pass"). Plain signs beat signs
of centred, rotated or principal-axis coordinates at every size tried. The previous pass
(cosines on 192 principal directions) kept 768 MB per million papers and still read it
all; these codes are 48 MB per million, read in about 6 ms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Below this many papers the exact pass is cheap (under 1.5 ms) and used instead.
FROM_PAPERS = 20_000
# Papers scored exactly after the sign pass (see above); FusionConfig.shortlist sets it per retriever.
SHORTLIST = 5_000
# Rows turned into codes at a time: bounds the temporary boolean matrix.
_CHUNK = 65_536
# Papers per block of the distance pass (see distances).
_BLOCK = 65_536
# Distance given to papers a filter leaves out: above any real one (at most 384).
_EXCLUDED = 1_000


@dataclass(frozen=True)
class SignCodes:
    """Bit j of paper p (word j // 64 of words[:, p]) is set when coordinate j of its doc vector is positive."""

    words: np.ndarray  # (dims / 64, papers) uint64: one word-row per 64 dimensions, so a pass reads rows

    @classmethod
    def of(cls, doc: np.ndarray) -> SignCodes:
        """Return the codes of doc vectors `doc` (papers x dims, dims a multiple of 64)."""
        if doc.shape[1] % 64:
            raise ValueError(f"sign codes need a multiple of 64 dimensions, not {doc.shape[1]}")
        words = np.empty((doc.shape[1] // 64, doc.shape[0]), dtype=np.uint64)
        for at in range(0, doc.shape[0], _CHUNK):
            bits = np.packbits(np.asarray(doc[at:at + _CHUNK]) > 0, axis=1)
            words[:, at:at + bits.shape[0]] = bits.view(np.uint64).T
        return cls(words)

    def __len__(self) -> int:
        return self.words.shape[1]

    def distances(self, query: np.ndarray) -> np.ndarray:
        """Return every paper's Hamming distance to the signs of `query` (uint16, 0 to dims)."""
        wanted = np.packbits(np.asarray(query, dtype=np.float32)[None, :] > 0, axis=1).view(np.uint64)[0]
        out = np.zeros(len(self), dtype=np.uint16)
        # Block by block, with scratch arrays that stay in cache: a third faster than whole-row
        # operations (each a fresh 8 MB array at a million papers). Per call, so threads share nothing.
        block = min(_BLOCK, len(self))
        xor, count = np.empty(block, dtype=np.uint64), np.empty(block, dtype=np.uint8)
        for at in range(0, len(self), block):
            n = min(block, len(self) - at)
            total = out[at:at + n]
            for row, word in zip(self.words, wanted):
                np.bitwise_xor(row[at:at + n], word, out=xor[:n])
                np.bitwise_count(xor[:n], out=count[:n])
                np.add(total, count[:n], out=total)
        return out

    def shortlist(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
        """Return the rows (ascending) of the `k` papers nearest `query` by sign, among `allowed` rows if given.

        Ties at the cut are broken by row, so the same query always gets the same shortlist.
        """
        distance = self.distances(query)
        if allowed is not None:
            distance[~allowed] = _EXCLUDED
        eligible = len(self) if allowed is None else int(np.count_nonzero(allowed))
        k = min(k, eligible)
        if k <= 0:
            return np.zeros(0, dtype=np.int64)
        # The cut from a histogram of the distances: two passes over small integers, where a
        # partial sort of a million of them took 10 ms.
        below = np.cumsum(np.bincount(distance, minlength=_EXCLUDED + 1))
        cut = int(np.searchsorted(below, k))
        # One pass for the rows at or inside the cut; of those at it, the first in row order fill up to k.
        close = np.flatnonzero(distance <= cut)
        at_cut = distance[close] == cut
        room = k - (close.size - int(np.count_nonzero(at_cut)))
        return close[~at_cut | (np.cumsum(at_cut) <= room)]
