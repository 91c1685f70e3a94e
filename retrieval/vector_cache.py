"""The vector cache on disk: a base file and one segment of what changed since, so an ingest writes only its difference.

`vectors.npz` (the base) holds every row as the last compaction left it, and a random token.
`vectors.segment.npz` holds, for that token, the rows embedded since (new or edited papers) and
the ids of the base rows no longer current. An ingest of 100 papers into a million rewrites the
segment, a file of its own rows, not the 0.8 GB base. Once the segment is large enough
(segments.py), or on `paperscout reindex --compact`, the sync writes a new base with a new
token and removes the segment.

A crash at any point leaves a state a later sync trusts or recognises: each file is replaced
whole; a segment whose token is not the base's (a crash between writing a new base and removing
the segment) is ignored; and the record count the newest file carries is compared with Chroma's,
as before, so vectors written after the files were is noticed (vector_sync.py).

Reading a base with a segment assembles one matrix in memory (the base's kept rows, then the
segment's); a base alone is mapped in place (npz_mmap.py).
"""

from __future__ import annotations

import logging
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.failpoints import crash_point
from corpus.store import write_atomic_with
from retrieval.npz_mmap import mapped_npz, save_aligned_npz
from retrieval.npz_strings import array_to_strings, strings_to_array
from retrieval.prefilter import SignCodes
from retrieval.segments import difference, folds
from retrieval.vector_matrix import VectorMatrix

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Base:
    """The base file a segment extends: its token and its rows' paper ids and digests (the next segment's reference)."""

    token: str
    ids: tuple[str, ...]
    digests: tuple[str, ...]


@dataclass(frozen=True)
class CachedVectors:
    """A matrix as a sync left it: row i holds paper ids[i] embedded from texts of digest digests[i].

    contents[i] is that paper's content digest (corpus/paper.py) then: what the store lists for
    every paper without reading it, so a start finds what changed without reading the papers.
    """

    signature: str
    ids: tuple[str, ...]
    digests: tuple[str, ...]
    contents: tuple[str, ...]
    matrix: VectorMatrix
    # Chroma's record count when this was written: the test that nothing changed since.
    records: int
    # The base file this was read from (None: not read from files, or from a file without a token).
    base: Base | None = None
    # Read from a segment: the ids of base rows no longer current.
    gone: frozenset[str] = frozenset()


def segment_path(cache: Path) -> Path:
    """Return where the segment of the base `cache` lives."""
    return cache.with_name(cache.stem + ".segment.npz")


def save_cache(path: Path, cached: CachedVectors, base: Base | None, compact: bool = False) -> None:
    """Write `cached`: as a segment of `base` while that stays small, else (or when `compact`) as a new base."""
    if base is not None and not compact:
        # Built here, when a sync writes, not at every start that reads the files.
        rows, gone = difference(cached.ids, cached.digests, dict(zip(base.ids, base.digests)))
        if not folds(len(rows) + len(gone), len(cached.ids)):
            _save_segment(segment_path(path), cached, base.token, np.array(rows, dtype=np.int64), gone)
            return
    write_atomic_with(path, lambda handle: save_aligned_npz(handle, _arrays(cached, secrets.token_hex(16))))
    crash_point("vector-base-written")
    segment_path(path).unlink(missing_ok=True)


def _arrays(cached: CachedVectors, token: str, rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
    m = cached.matrix if rows is None else _rows(cached.matrix, rows)
    pick = (lambda seq: seq) if rows is None else (lambda seq: [seq[i] for i in rows])
    return {
        "signature": np.frombuffer(cached.signature.encode("utf-8"), dtype=np.uint8),
        "token": np.frombuffer(token.encode("ascii"), dtype=np.uint8),
        "ids": strings_to_array(pick(cached.ids)),
        "digests": strings_to_array(pick(cached.digests)),
        "contents": strings_to_array(pick(cached.contents)),
        "records": np.array([cached.records], dtype=np.int64),
        # As float16: half the file, and half what a million papers' searches map (1.5 GB as float32, which
        # made the serving process's peak RSS). Products are taken in float32 (VectorMatrix.doc_rows);
        # cosines move by about 1e-5. Files written as float32 before this read the same.
        "doc": m.doc.astype(np.float16), "windows": m.windows.astype(np.float16), "window_start": m.window_start,
        # 48 bytes a paper, kept so a large corpus's first pass opens without reading every vector.
        "codes": m.codes if m.codes is not None else SignCodes.of(m.doc).words,
    }


def _save_segment(path: Path, cached: CachedVectors, token: str, rows: np.ndarray, gone: list[str]) -> None:
    arrays = _arrays(cached, token, rows) | {"gone": strings_to_array(gone)}
    write_atomic_with(path, lambda handle: save_aligned_npz(handle, arrays))
    crash_point("vector-segment-written")


def load_cache(path: Path, signature: str) -> CachedVectors | None:
    """Return the cache at `path` (with its segment) if written for `signature`; None if absent, other or damaged."""
    if not path.exists():
        return None
    base = _load(path, signature)
    if base is None or base.base is None:
        return base
    segment_file = segment_path(path)
    segment = _load(segment_file, signature) if segment_file.exists() else None
    if segment is None or segment.base is None or segment.base.token != base.base.token:
        return base
    return _joined(base, segment)


def _load(path: Path, signature: str) -> CachedVectors | None:
    try:
        # Mapped, not read: a query touches the rows it scores (see npz_mmap.py).
        data = mapped_npz(path)
        if bytes(data["signature"]).decode("utf-8") != signature:
            return None
        ids = tuple(array_to_strings(data["ids"]))
        digests = tuple(array_to_strings(data["digests"]))
        contents = tuple(array_to_strings(data["contents"]))
        matrix = VectorMatrix(data["doc"], data["windows"], data["window_start"], data.get("codes"))
        records = int(data["records"][0])
        token = bytes(data["token"]).decode("ascii") if "token" in data else None
        gone = frozenset(array_to_strings(data["gone"])) if "gone" in data else frozenset()
    except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        log.warning("%s is unreadable (%s): reading the vectors from the store", path, exc.__class__.__name__)
        return None
    n = len(ids)
    if len(digests) != n or len(contents) != n or matrix.doc.shape[0] != n or matrix.window_start.size != n + 1 or int(matrix.window_start[-1]) != matrix.windows.shape[0] \
            or (matrix.codes is not None and matrix.codes.shape != (matrix.doc.shape[1] // 64, n)):
        log.warning("%s is inconsistent: reading the vectors from the store", path)
        return None
    base = Base(token, ids, digests) if token is not None else None
    return CachedVectors(signature, ids, digests, contents, matrix, records, base, gone)


def _joined(base: CachedVectors, segment: CachedVectors) -> CachedVectors:
    """Return the base's rows not gone nor in the segment, then the segment's rows (carrying the base's token)."""
    replaced = segment.gone | set(segment.ids)
    kept = np.array([i for i, pid in enumerate(base.ids) if pid not in replaced], dtype=np.int64)
    a, b = _rows(base.matrix, kept), segment.matrix
    counts = np.concatenate([np.diff(a.window_start), np.diff(b.window_start)])
    codes = None if a.codes is None or b.codes is None else np.concatenate([a.codes, b.codes], axis=1)
    matrix = VectorMatrix(np.concatenate([a.doc, b.doc]), np.concatenate([a.windows, b.windows]),
                          np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), codes)
    ids = tuple(base.ids[i] for i in kept) + segment.ids
    digests = tuple(base.digests[i] for i in kept) + segment.digests
    contents = tuple(base.contents[i] for i in kept) + segment.contents
    return CachedVectors(base.signature, ids, digests, contents, matrix, segment.records, base.base)


def _rows(m: VectorMatrix, rows: np.ndarray) -> VectorMatrix:
    """Return the matrix of rows `rows` of `m`, in that order (windows and codes with them)."""
    starts, ends = m.window_start[rows], m.window_start[rows + 1]
    counts = ends - starts
    # Each kept window's row in m.windows: its paper's start plus its place among that paper's windows.
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    windows = m.windows[np.arange(int(counts.sum()), dtype=np.int64) + offsets] if counts.sum() else m.windows[:0]
    codes = None if m.codes is None else m.codes[:, rows]
    return VectorMatrix(m.doc[rows], windows, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), codes)
