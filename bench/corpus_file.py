"""The benchmark's inputs: a corpus file (or the shipped pages), optional precomputed vectors, the queries."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from corpus.clean import normalize_title
from corpus.ingest import read_jsonl, read_page, shipped_pages
from corpus.paper import Paper
from corpus.records import Candidate
from retrieval.encoder import Encoder

QUERIES = Path(__file__).resolve().parent / "queries.jsonl"


class BenchInputError(RuntimeError):
    """An input file the benchmark cannot use; the message says which and why."""


def distinct(candidates: list[Candidate]) -> list[Candidate]:
    """Return the candidates without repeats of a title (the store would merge them into one paper)."""
    seen: set[str] = set()
    out = []
    for c in candidates:
        key = normalize_title(c.title)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def read_corpus(path: Path | None) -> list[Candidate]:
    """Return the distinct papers of a JSONL(.gz) file in file order (rank = line number), or the shipped pages'.

    Read as `paperscout ingest` reads it: lines that are not papers are skipped.
    """
    if path is None:
        return distinct([c for page in shipped_pages() for c in read_page(page)])
    problems: list[str] = []
    try:
        candidates = read_jsonl(path, problems)
    except (OSError, EOFError) as exc:
        raise BenchInputError(f"cannot read the corpus {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if not candidates:
        raise BenchInputError(f"the corpus {path} holds no papers")
    return distinct(candidates)


def write_jsonl(candidates: list[Candidate], path: Path) -> None:
    """Write candidates as JSONL that `paperscout ingest` reads."""
    with path.open("w", encoding="utf-8") as handle:
        for c in candidates:
            handle.write(json.dumps({"title": c.title, "abstract": c.abstract, "authors": list(c.authors)}) + "\n")


def read_queries(path: Path | None) -> list[str]:
    """Return the benchmark queries: JSON lines with "query", or plain lines."""
    path = path or QUERIES
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except OSError as exc:
        raise BenchInputError(f"cannot read the queries {path}: {exc.strerror or exc}") from None
    queries = [json.loads(line)["query"] if line.startswith("{") else line for line in lines]
    if not queries:
        raise BenchInputError(f"{path} holds no queries")
    return queries


def load_embeddings(path: Path, rows: int) -> np.ndarray:
    """Return precomputed doc vectors (one row per line of the corpus file), as unit float32 rows."""
    try:
        matrix = np.load(path, mmap_mode="r")
    except (OSError, ValueError) as exc:
        raise BenchInputError(f"cannot read the embeddings {path}: {exc}") from None
    if matrix.ndim != 2 or matrix.shape[0] < rows or matrix.shape[1] != 384:
        raise BenchInputError(f"{path} has shape {matrix.shape}; expected at least {rows} rows of 384")
    out = np.asarray(matrix, dtype=np.float32)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


class PrecomputedEncoder:
    """Gives a paper's supplied vector for its whole text and encodes anything else with the model.

    It carries the model's name, so the vector store it fills is the one the model serves.
    """

    def __init__(self, model: Encoder, vectors: dict[str, np.ndarray]) -> None:
        self.model = model
        self.name = model.name
        self.vectors = vectors

    def supplied(self, todo: list[tuple[Paper, list[str], str]]) -> dict[str, np.ndarray]:
        """Return paper id -> its rows, for the (paper, texts, digest) items whose every text has a supplied vector.

        The vector store writes these as it writes shipped vectors, in large batches (retrieval/vectors.py).
        """
        return {paper.id: np.stack([self.vectors[t] for t in texts]) for paper, texts, _ in todo
                if all(t in self.vectors for t in texts)}

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Return one unit row per text: supplied where known, else the model's."""
        out = np.zeros((len(texts), 384), dtype=np.float32)
        missing = []
        for i, text in enumerate(texts):
            vector = self.vectors.get(text)
            if vector is None:
                missing.append(i)
            else:
                out[i] = vector
        if missing:
            out[missing] = self.model.encode([texts[i] for i in missing])
        return out


def supplied_vectors(papers: list[Paper], matrix: np.ndarray, source: str) -> dict[str, np.ndarray]:
    """Return paper text -> its row of `matrix`, the row being the paper's first line in the corpus file `source`."""
    out = {}
    for paper in papers:
        line = min((listing.rank for listing in paper.listings if listing.source == source), default=None)
        if line is not None and line - 1 < matrix.shape[0]:
            out[paper.text] = matrix[line - 1]
    return out


def check_supplied(model: Encoder, papers: list[Paper], vectors: dict[str, np.ndarray], sample: int, seed: int = 0) -> float:
    """Re-encode a random sample of papers with the model; return the lowest cosine to their supplied vectors."""
    rng = np.random.default_rng(seed)
    chosen = [papers[i] for i in rng.choice(len(papers), size=min(sample, len(papers)), replace=False)]
    chosen = [p for p in chosen if p.text in vectors]
    if not chosen:
        raise BenchInputError("no paper of the corpus has a supplied vector")
    fresh = model.encode([p.text for p in chosen])
    given = np.stack([vectors[p.text] for p in chosen])
    return float((fresh * given).sum(axis=1).min())
