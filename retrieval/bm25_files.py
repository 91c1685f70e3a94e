"""The lexical index on disk: one .npz of flat arrays (mapped, not read), reused while its format and tokenizer match.

Rebuilding costs 0.7 s at 440 papers but about a minute at 87k (mostly tokenizing), so the
index is persisted; each row names its paper and its content digest, so a changed corpus is
brought up to date by difference (see lexical.py). Opening it maps the file (retrieval/npz_mmap.py).
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import numpy as np

from corpus.store import write_atomic_with
from retrieval.bm25 import BM25Index, BM25Params, BM25Scorer, PhraseIndex, Vocabulary
from retrieval.lexical import LexicalIndex
from retrieval.npz_mmap import mapped_npz, save_aligned_npz
from retrieval.npz_strings import array_to_strings, strings_to_array
from retrieval.postings import Postings

log = logging.getLogger(__name__)

# Bump when tokenization changes (the rows' content digests cannot see that).
TOKENIZER_VERSION = "fold-stop-snowball-compounds-v1"
# v2: rows keep their paper's content digest (v1 kept a digest of the indexed text): a v1 file is rebuilt once.
FORMAT = "flat-postings-v2"


def stamp_of(params: BM25Params, title_repeats: int) -> str:
    """Return what a stored index must have been built with to be reused."""
    return f"{FORMAT}|{TOKENIZER_VERSION}|{params}|title x{title_repeats}"


def _arrays(prefix: str, scorer: BM25Scorer) -> dict[str, np.ndarray]:
    p = scorer.postings
    return {f"{prefix}_keys": p.keys, f"{prefix}_starts": p.starts, f"{prefix}_docs": p.docs,
            f"{prefix}_tfs": p.tfs, f"{prefix}_len": scorer.doc_len}


def save_lexical(index: LexicalIndex, path: Path, stamp: str) -> None:
    """Write `index` to `path` atomically, tagged with `stamp`."""
    arrays = {
        "stamp": np.frombuffer(stamp.encode("utf-8"), dtype=np.uint8),
        "vocab": strings_to_array(index.terms.vocab.terms),
        "row_ids": strings_to_array(index.row_ids),
        "row_digests": strings_to_array(index.row_digests),
        **_arrays("t", index.terms.scorer),
        **_arrays("p", index.phrases.scorer),
    }
    write_atomic_with(Path(path), lambda handle: save_aligned_npz(handle, arrays))


def _scorer(data, prefix: str, params: BM25Params) -> BM25Scorer:
    postings = Postings(data[f"{prefix}_keys"], data[f"{prefix}_starts"], data[f"{prefix}_docs"], data[f"{prefix}_tfs"])
    n = postings.keys.size
    if postings.starts.size != n + 1 or int(postings.starts[-1]) != postings.docs.size or postings.tfs.size != postings.docs.size:
        raise ValueError("inconsistent postings")
    return BM25Scorer(postings, data[f"{prefix}_len"], params)


def load_lexical(path: Path, stamp: str, params: BM25Params) -> LexicalIndex | None:
    """Return the index stored at `path` if it carries `stamp`; None if absent, of another build, or damaged."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        # Mapped, not read: a query reads the postings of its terms (see npz_mmap.py).
        data = mapped_npz(path)
        if bytes(data["stamp"]).decode("utf-8") != stamp:
            log.info("%s was built differently: rebuilding the BM25 index", path.name)
            return None
        vocab = Vocabulary(array_to_strings(data["vocab"]))
        terms, phrases = _scorer(data, "t", params), _scorer(data, "p", params)
        row_ids, row_digests = tuple(array_to_strings(data["row_ids"])), tuple(array_to_strings(data["row_digests"]))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        # A damaged index is only a cache of the corpus: rebuild it rather than fail.
        log.warning("%s is unreadable (%s): rebuilding the BM25 index", path, exc.__class__.__name__)
        return None
    if not (len(row_ids) == len(row_digests) == terms.n_docs == phrases.n_docs):
        log.warning("%s is inconsistent: rebuilding the BM25 index", path)
        return None
    return LexicalIndex(BM25Index.from_parts(vocab, terms), PhraseIndex(vocab, phrases), row_ids, row_digests)


def stored_rows(path: Path, stamp: str) -> dict[str, str] | None:
    """Return the content digest of each row stored at `path`, by paper id; None if absent, of another build, or damaged."""
    try:
        data = mapped_npz(Path(path))
        if bytes(data["stamp"]).decode("utf-8") != stamp:
            return None
        return dict(zip(array_to_strings(data["row_ids"]), array_to_strings(data["row_digests"])))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError):
        return None
