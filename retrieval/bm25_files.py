"""BM25 indexes on disk: one .npz per index, reused only while its fingerprint matches.

Rebuilding costs 0.7 s at 440 papers but about a minute at 87k (mostly tokenizing; see
README, "Benchmarks"), so the index is persisted and loaded when the papers and the
tokenizer are unchanged.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from pathlib import Path

import numpy as np

from corpus.store import write_atomic
from retrieval.bm25 import BM25Index, BM25Params

log = logging.getLogger(__name__)

# Bump when tokenization changes in a way the fingerprint of the texts cannot see.
TOKENIZER_VERSION = "fold-stop-snowball-compounds-v1"


def fingerprint(texts: list[str], params: BM25Params, extra: str = "") -> str:
    """Return a digest of everything an index depends on."""
    digest = hashlib.sha1(f"{TOKENIZER_VERSION}|{params}|{extra}|{len(texts)}".encode())
    for text in texts:
        digest.update(hashlib.sha1(text.encode("utf-8")).digest())
    return digest.hexdigest()


def _text_array(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def save_index(index: BM25Index, path: Path, stamp: str) -> None:
    """Write `index` to `path` atomically, tagged with `stamp`."""
    terms = list(index.postings)
    counts = np.array([len(index.postings[t][0]) for t in terms], dtype=np.int64)
    empty = np.zeros(0, dtype=np.int32)
    ids = np.concatenate([index.postings[t][0] for t in terms]) if terms else empty
    tfs = np.concatenate([index.postings[t][1] for t in terms]).astype(np.int32) if terms else empty
    buffer = io.BytesIO()
    np.savez(
        buffer,
        stamp=_text_array(stamp),
        terms=_text_array("\n".join(terms)),
        counts=counts,
        ids=ids,
        tfs=tfs,
        doc_len=index.doc_len,
    )
    write_atomic(Path(path), buffer.getvalue())


def load_index(path: Path, stamp: str, params: BM25Params) -> BM25Index | None:
    """Return the index stored at `path` if it carries `stamp`; None if absent, stale or damaged."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if bytes(data["stamp"]).decode("utf-8") != stamp:
                log.info("%s is stale: rebuilding the BM25 index", path.name)
                return None
            text = bytes(data["terms"]).decode("utf-8")
            terms = text.split("\n") if text else []
            counts, ids, tfs, doc_len = data["counts"], data["ids"], data["tfs"], data["doc_len"]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        # A damaged index is only a cache of the corpus: rebuild it rather than fail.
        log.warning("%s is unreadable (%s): rebuilding the BM25 index", path, exc.__class__.__name__)
        return None
    if len(terms) != len(counts) or int(counts.sum()) != len(ids):
        log.warning("%s is inconsistent: rebuilding the BM25 index", path)
        return None
    bounds = np.concatenate([[0], np.cumsum(counts)])
    tfs = tfs.astype(np.float64)
    postings = {t: (ids[bounds[i]:bounds[i + 1]], tfs[bounds[i]:bounds[i + 1]]) for i, t in enumerate(terms)}
    return BM25Index.from_postings(postings, doc_len, params)
