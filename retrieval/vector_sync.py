"""Bringing a process's vectors up to date without reading the whole vector store.

Chroma is the store of record. Reading all of it back (metadata to reconcile, then every
embedding) took 30 s at 87k papers, on every start and every corpus change. So each sync
also writes the matrix it ends with to a cache file, tagged with the paper ids, their
vector and content digests and the number of records Chroma held. The next sync starts from that file
and touches Chroma only for the difference: records of gone or edited papers deleted, new
papers looked up by id (another process may have embedded them) or embedded.

The cache is trusted only while Chroma's record count is the one it was written with;
any other count (a crash between writes, a vector store set aside or replaced, a writer
that died before updating the cache) falls back to the full reconcile. All of this runs
under the vector lock, as every use of the store does.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from corpus.store import write_atomic
from retrieval.paper_rows import WALK_BATCH, PaperRows
from retrieval.vector_cache import CachedVectors, load_cache, save_cache
from retrieval.vector_matrix import DIM, VectorMatrix
from retrieval.vectors import ChromaVectors, ReconcileReport, record_ids, vector_digest

log = logging.getLogger(__name__)


# Part of the cache's signature: a cache of another layout is ignored, not misread.
# 3: rows carry their paper's content digest (a cache of format 2 is replaced by one full reconcile).
CACHE_FORMAT = 3


def _signature(store: ChromaVectors) -> str:
    return json.dumps({**store.signature, "cache_format": CACHE_FORMAT}, sort_keys=True)


def sync_vectors(
    store: ChromaVectors,
    papers: PaperRows,
    contents: Sequence[str],
    cache: Path,
    check: Path,
    *,
    progress: bool = False,
    on_indexed: Callable[[dict[str, str]], None] | None = None,
    compact: bool = False,
) -> tuple[ReconcileReport, VectorMatrix]:
    """Make `store` hold exactly the vectors of `papers` and return them (row i = papers[i]).

    `contents[i]` is paper i's content digest: a row the cache holds with the same one keeps
    its vectors without its paper being read; only new and edited papers are read.
    `check` records the vector directory's fingerprint as the last sync left it: when the
    cache covers `papers` and the files are untouched since, Chroma is not even opened
    (importing and opening it was a second of every start). The cache is written as a segment of
    its base while the difference is small, or whole when `compact` (see vector_cache.py).
    """
    signature = _signature(store)
    cached = load_cache(cache, signature)
    ids, contents = papers.ids, tuple(contents)
    same_rows = cached is not None and cached.ids == ids and cached.contents == contents
    # Where each cached paper is, built once for the comparisons below (none when the rows are the same).
    row_of = {} if cached is None or same_rows else {pid: i for i, pid in enumerate(cached.ids)}
    # Without a cache, the full reconcile below reads every paper and computes their digests anyway: reading
    # them here first as well cost a read of the whole store (about 50 s at a million papers).
    digests = list(cached.digests) if same_rows else None if cached is None else _digests(store, papers, contents, cached, row_of)
    covers = same_rows or (cached is not None and len(row_of) == len(ids) and all(
        row_of.get(pid) is not None and cached.contents[row_of[pid]] == c for pid, c in zip(ids, contents)))
    if covers and _untouched(store, check, cached) and not compact:
        return ReconcileReport(complete=dict(zip(ids, digests)), untouched=True), _reordered(cached, ids)
    count = store.count()
    if cached is not None and cached.records == count:
        report, matrix, changed = _by_difference(store, papers, digests, cached, row_of, progress, on_indexed)
    else:
        if cached is not None:
            log.info("the vector store changed outside this cache (%d records, cache %d): reconciling it in full", count, cached.records)
        report, fresh = store.reconcile(papers, progress=progress, on_indexed=on_indexed)
        matrix, changed = store.load(papers, known=fresh), True
        digests = digests if digests is not None else [report.complete[pid] for pid in ids]
    records = store.count()
    if changed or compact:
        # Served as the file keeps it (float16), so a restart scores exactly as this process does.
        matrix = matrix.stored()
        base = cached.base if cached is not None else None
        save_cache(cache, CachedVectors(signature, ids, tuple(digests), contents, matrix, records), base, compact)
    # Opening a client touches the files: the fingerprint is taken once it is closed.
    store.close()
    fingerprint = store.fingerprint()
    if fingerprint is not None:
        write_atomic(check, json.dumps({"fingerprint": fingerprint, "records": records}).encode("utf-8"))
    return report, matrix


def _digests(store: ChromaVectors, papers: PaperRows, contents: tuple[str, ...], cached: CachedVectors | None,
             row_of: dict[str, int]) -> list[str]:
    """Return each paper's vector digest: the cache's where it holds the paper with the same content, else read and computed."""
    digests: list[str] = []
    unknown: list[int] = []
    for pos, (pid, content) in enumerate(zip(papers.ids, contents)):
        row = row_of.get(pid)
        digests.append(cached.digests[row] if row is not None and cached.contents[row] == content else "")  # type: ignore[union-attr]
        if not digests[-1]:
            unknown.append(pos)
    for start in range(0, len(unknown), WALK_BATCH):
        rows = unknown[start:start + WALK_BATCH]
        for pos, paper in zip(rows, papers.papers([papers.ids[i] for i in rows], keep=False)):
            digests[pos] = vector_digest(store.texts(paper))
    return digests


def _untouched(store: ChromaVectors, check: Path, cached: CachedVectors) -> bool:
    """Return whether the vector files are as the sync that wrote `cached` left them."""
    try:
        recorded = json.loads(check.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    fingerprint = store.fingerprint()
    return fingerprint is not None and recorded.get("fingerprint") == fingerprint and recorded.get("records") == cached.records


def _reordered(cached: CachedVectors, ids: tuple[str, ...]) -> VectorMatrix:
    """Return the cached matrix with its rows in the order of `ids` (which it covers)."""
    if ids == cached.ids:
        return cached.matrix
    row_of = {pid: i for i, pid in enumerate(cached.ids)}
    rows = np.array([row_of[pid] for pid in ids], dtype=np.int64)
    matrix = _assemble(ids, rows, cached.matrix, {})
    codes = cached.matrix.codes
    return matrix if codes is None else VectorMatrix(matrix.doc, matrix.windows, matrix.window_start, codes[:, rows])


def _by_difference(
    store: ChromaVectors,
    papers: PaperRows,
    digests: list[str],
    cached: CachedVectors,
    row_of: dict[str, int],
    progress: bool,
    on_indexed: Callable[[dict[str, str]], None] | None,
) -> tuple[ReconcileReport, VectorMatrix, bool]:
    ids = papers.ids
    row_of = row_of or {pid: i for i, pid in enumerate(cached.ids)}
    current = dict(zip(ids, digests))
    reuse = np.full(len(ids), -1, dtype=np.int64)
    fresh_ids: list[str] = []
    for pos, (pid, digest) in enumerate(zip(ids, digests)):
        row = row_of.get(pid)
        if row is not None and cached.digests[row] == digest:
            reuse[pos] = row
        else:
            fresh_ids.append(pid)
    stale_rows = [i for i, pid in enumerate(cached.ids) if current.get(pid) != cached.digests[i]]
    if not fresh_ids and not stale_rows:
        if np.array_equal(reuse, np.arange(len(cached.ids))):
            return ReconcileReport(complete=current), cached.matrix, False
        return ReconcileReport(complete=current), _assemble(ids, reuse, cached.matrix, {}), True
    fresh = papers.papers(fresh_ids, keep=False)
    # Another process may have embedded some of them already (and died before writing its cache).
    found = store.fetch(fresh)
    todo = [p for p in fresh if p.id not in found]
    starts = cached.matrix.window_start
    doomed = [
        rid for i in stale_rows if cached.ids[i] not in found
        for rid in record_ids(cached.ids[i], 1 + int(starts[i + 1] - starts[i]))
    ]
    store.delete(doomed)
    embedding = {p.id for p in todo}
    complete = {pid: current[pid] for pid in ids if pid not in embedding}
    embedded: dict[str, np.ndarray] = {}
    if todo:
        log.info("embedding %d papers, removing the vectors of %d", len(todo), len(stale_rows))
        items = [(p, store.texts(p), current[p.id]) for p in todo]
        embedded = store.embed(items, progress, complete, on_indexed)
    found.update(embedded)
    repaired = tuple(p.id for p in todo if p.id in row_of)
    gone = tuple(cached.ids[i] for i in stale_rows if cached.ids[i] not in current)
    report = ReconcileReport(tuple(p.id for p in todo), repaired, gone, complete)
    return report, _assemble(ids, reuse, cached.matrix, found), True


def _assemble(ids: Sequence[str], reuse: np.ndarray, old: VectorMatrix, new: dict[str, np.ndarray]) -> VectorMatrix:
    """Return the matrix of papers `ids`: row `reuse[i]` of `old` where it is >= 0, else `new[ids[i]]`."""
    n = len(ids)
    reused = reuse >= 0
    doc = np.empty((n, old.doc.shape[1] if old.doc.ndim == 2 else DIM), dtype=np.float32)
    doc[reused] = old.doc[reuse[reused]]
    counts = np.zeros(n, dtype=np.int64)
    counts[reused] = np.diff(old.window_start)[reuse[reused]]
    for i in np.flatnonzero(~reused):
        rows = new[ids[i]]
        doc[i] = rows[0]
        counts[i] = len(rows) - 1
    start = np.concatenate([[0], np.cumsum(counts)])
    windows = np.empty((int(start[-1]), doc.shape[1]), dtype=np.float32)
    if windows.shape[0]:
        # Only corpora with sentence windows get here: a loop over papers is fine at their size.
        for i, pid in enumerate(ids):
            if reuse[i] >= 0:
                r = int(reuse[i])
                windows[start[i]:start[i + 1]] = old.windows[old.window_start[r]:old.window_start[r + 1]]
            else:
                windows[start[i]:start[i + 1]] = new[pid][1:]
    return VectorMatrix(doc, windows, start)
