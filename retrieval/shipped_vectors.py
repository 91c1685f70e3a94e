"""The vectors of the shipped papers, shipped with the project so a first start embeds none of them.

Every machine embeds the same shipped pages into the same vectors, which took a minute
before a first answer. `shipped_vectors.npz` holds them (whole text and windows, float16),
keyed by each paper's vector digest (see vectors.py): a paper whose texts changed has
another digest and is embedded as usual. The file names the model and text version it
was made with; a store of another signature never uses it. tests/test_shipped_vectors.py
re-encodes a sample with the model and checks it covers every shipped paper.

Rebuild it after changing the shipped pages, the model or the embedded texts:

    python -m retrieval.ship_vectors    (or: make vectors)
"""

from __future__ import annotations

import functools
import json
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from retrieval.npz_strings import array_to_strings, strings_to_array

log = logging.getLogger(__name__)

SHIPPED_FILE = Path(__file__).resolve().parent / "shipped_vectors.npz"
REBUILD = "python -m retrieval.ship_vectors"


@dataclass(frozen=True)
class ShippedVectors:
    """Rows rows[starts[i]:starts[i+1]] are the vectors of the paper whose texts have digest digests[i]."""

    signature: Mapping[str, str]
    ids: tuple[str, ...]
    digests: tuple[str, ...]
    starts: np.ndarray
    rows: np.ndarray  # float16, one per embedded text

    @functools.cached_property
    def _at(self) -> dict[str, int]:
        return {d: i for i, d in enumerate(self.digests)}

    def vectors(self, digest: str, count: int) -> np.ndarray | None:
        """Return the normalized float32 vectors of the texts of `digest`, or None if not shipped."""
        i = self._at.get(digest)
        if i is None or int(self.starts[i + 1] - self.starts[i]) != count:
            return None
        rows = self.rows[self.starts[i]:self.starts[i + 1]].astype(np.float32)
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


def save_shipped(path: Path, shipped: ShippedVectors) -> None:
    """Write the file (compressed: it travels with every install)."""
    np.savez_compressed(
        path,
        signature=np.frombuffer(json.dumps(dict(shipped.signature), sort_keys=True).encode("utf-8"), dtype=np.uint8),
        ids=strings_to_array(shipped.ids),
        digests=strings_to_array(shipped.digests),
        starts=shipped.starts.astype(np.int64),
        rows=shipped.rows.astype(np.float16),
    )


@functools.lru_cache(maxsize=4)
def load_shipped(path: Path = SHIPPED_FILE) -> ShippedVectors | None:
    """Return the shipped vectors at `path`; None (and a warning) if absent or unreadable."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            signature = json.loads(bytes(data["signature"]).decode("utf-8"))
            shipped = ShippedVectors(
                signature,
                tuple(array_to_strings(data["ids"])),
                tuple(array_to_strings(data["digests"])),
                data["starts"],
                data["rows"],
            )
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        log.warning("%s is unreadable (%s): embedding the shipped papers instead", path, exc.__class__.__name__)
        return None
    if len(shipped.digests) + 1 != shipped.starts.size or int(shipped.starts[-1]) != shipped.rows.shape[0]:
        log.warning("%s is inconsistent: embedding the shipped papers instead", path)
        return None
    return shipped


def shipped_vectors(signature: Mapping[str, str], todo: Sequence[tuple[object, list[str], str]]) -> dict[str, np.ndarray]:
    """Return paper id -> shipped vectors for the (paper, texts, digest) items of `todo` that were shipped.

    Nothing when the file was made for another model or text layout than `signature`.
    """
    shipped = load_shipped() if todo else None
    if shipped is None or dict(shipped.signature) != dict(signature):
        return {}
    found = {paper.id: shipped.vectors(digest, len(texts)) for paper, texts, digest in todo}
    return {pid: rows for pid, rows in found.items() if rows is not None}
