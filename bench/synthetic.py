"""A synthetic bench corpus: the real abstracts expanded to N papers, for speed and memory only, never quality.

Method (seeded; the same inputs, N and seed give byte-identical files):
- every line of the real corpus file, and its vector row, comes first, unchanged;
- then N - (real papers) copies. Copy k takes a source s, drawn uniformly from the real papers
  (the lines the bench reads as distinct papers), and
  - shuffles s's sentences (split after . ! ? followed by white space),
  - swaps each purely alphabetic word for a word drawn from the corpus vocabulary by frequency
    (the lowercase alphabetic words of every real abstract) with probability SWAP_SHARE, so the
    abstract keeps its length, punctuation, numbers and most of its terms,
  - gets a title made of the first half of s's title's words and the second half of another
    real paper's (redrawn until no real or earlier title normalizes to the same key),
  - gets the id "<s's id>/synthetic-<k>", s's venue (so its year stays plausible) and
    "copy_of": s's id and "copy_of_line": s's line (real ids repeat); the real records carry no dates or links, so neither do copies;
  - gets the vector normalize(v_s + SIGMA * g), g a seeded standard Gaussian in 384 dimensions:
    the noise's norm is about SIGMA * sqrt(384) = 0.49, so a copy's cosine to its source is
    about 1 / sqrt(1 + 384 SIGMA^2) = 0.90 (0.864 - 0.926 over 20,000 copies of the 87k corpus).
Both files are written as they are made (the corpus as .jsonl.gz, the vectors as a float16 .npy
with rows in line order, as `--embeddings` wants), so a million papers never sit in memory.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.corpus_file import BenchInputError
from corpus.clean import normalize_title
from corpus.ingest import candidate_from_record, jsonl_source

SHARED = Path(__file__).resolve().parents[2] / "shared" / "bench-data"
REAL_CORPUS = SHARED / "paperlists_ml.jsonl.gz"
REAL_EMBEDDINGS = SHARED / "paperlists_minilm_f16.npy"
SIGMA = 0.025
SWAP_SHARE = 0.15
DIM = 384
BLOCK = 4096
# Redraws of the second title before a copy's title gets its number appended instead.
TITLE_TRIES = 20

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class SyntheticInputError(BenchInputError):
    """N or an input file the generator cannot use; the message is one line."""


@dataclass(frozen=True)
class SyntheticCorpus:
    """What `generate` wrote: N papers (real first) in `corpus`, one vector row per line in `embeddings`."""

    corpus: Path
    embeddings: Path
    papers: int
    real_lines: int
    real_papers: int
    seed: int
    sigma: float


@dataclass(frozen=True)
class _Source:
    id: str
    venue: str
    title: str
    abstract: str
    row: int


class _Real:
    """The real corpus file read once: its raw lines, the distinct papers among them, the vocabulary."""

    def __init__(self, path: Path) -> None:
        self.lines: list[bytes] = []
        self.sources: list[_Source] = []
        self.title_keys: set[bytes] = set()
        counts: Counter[str] = Counter()
        source_name = jsonl_source(path)
        try:
            with gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb") as handle:
                for raw in handle:
                    self.lines.append(raw if raw.endswith(b"\n") else raw + b"\n")
                    self._read(raw, len(self.lines), source_name, counts)
        except (OSError, EOFError) as exc:
            raise SyntheticInputError(f"cannot read the real corpus {path}: {exc}") from None
        if not self.sources:
            raise SyntheticInputError(f"the real corpus {path} holds no papers")
        # Sorted, so the draw does not depend on the order words were first seen in.
        # Every word is counted (Counter's C loop), then only alphabetic ones kept: 3x faster than testing each.
        ranked = sorted(((w, n) for w, n in counts.items() if _alphabetic(w)), key=lambda item: (-item[1], item[0]))
        self.vocabulary = [word for word, _ in ranked]
        self.cumulative = np.cumsum([count for _, count in ranked], dtype=np.float64)

    def _read(self, raw: bytes, number: int, source_name: str, counts: Counter[str]) -> None:
        # The bench reads a line as `paperscout ingest` does and keeps a title's first paper only:
        # the copies' sources are exactly the papers it will count as real.
        if not raw.strip():
            return
        try:
            record = json.loads(raw)
            candidate = candidate_from_record(record, source_name, number)
        except ValueError:
            return
        key = _key(candidate.title)
        if key in self.title_keys:
            return
        self.title_keys.add(key)
        self.sources.append(_Source(str(record.get("id", number)), str(record.get("venue", "")), candidate.title,
                                    candidate.abstract, number - 1))
        counts.update(candidate.abstract.lower().split())


def _alphabetic(token: str) -> bool:
    # ASCII letters only; str methods, as a regular expression per word is slower.
    return token.isascii() and token.isalpha()


def _key(title: str) -> bytes:
    # 8 bytes of a digest, not the title: a million keys stay small, and Python's str hash is salted per run.
    return hashlib.blake2b(normalize_title(title).encode("utf-8"), digest_size=8).digest()


def _abstract(source: _Source, real: _Real, rng: np.random.Generator) -> str:
    sentences = _SENTENCE_END.split(source.abstract)
    tokens = " ".join(sentences[i] for i in rng.permutation(len(sentences))).split()
    swap = [i for i, u in enumerate(rng.random(len(tokens))) if u < SWAP_SHARE and _alphabetic(tokens[i])]
    if swap:
        drawn = np.searchsorted(real.cumulative, rng.random(len(swap)) * real.cumulative[-1], side="right")
        for i, at in zip(swap, drawn):
            tokens[i] = real.vocabulary[int(at)]
    return " ".join(tokens)


def _title(source: _Source, real: _Real, rng: np.random.Generator, seen: set[bytes], number: int) -> str:
    head = source.title.split()
    head = head[: (len(head) + 1) // 2]
    for _ in range(TITLE_TRIES):
        other = real.sources[int(rng.integers(len(real.sources)))].title.split()
        title = " ".join(head + other[len(other) // 2:])
        if _key(title) not in seen:
            break
    else:
        title = f"{' '.join(head)} (synthetic {number})"
    seen.add(_key(title))
    return title


def _npy_header(handle, rows: int) -> None:
    np.lib.format.write_array_header_1_0(handle, {"descr": "<f2", "fortran_order": False, "shape": (rows, DIM)})


def generate(papers: int, out_dir: Path, seed: int = 0, corpus: Path = REAL_CORPUS,
             embeddings: Path = REAL_EMBEDDINGS, say: Callable[[str], None] | None = None) -> SyntheticCorpus:
    """Write `papers` papers (the real ones first, then seeded copies) and their vectors into `out_dir`.

    `say` hears one progress line once the inputs are known good, so a refusal stays one line.
    """
    real = _Real(Path(corpus))
    if papers < len(real.sources):
        raise SyntheticInputError(f"--synthetic {papers:,} is below the real corpus's {len(real.sources):,} papers; "
                                  f"give at least {len(real.sources):,}")
    try:
        matrix = np.load(embeddings, mmap_mode="r")
    except (OSError, ValueError) as exc:
        raise SyntheticInputError(f"cannot read the real vectors {embeddings}: {exc}") from None
    if matrix.ndim != 2 or matrix.shape[1] != DIM or matrix.shape[0] < len(real.lines):
        raise SyntheticInputError(f"{embeddings} has shape {matrix.shape}; expected {len(real.lines)} rows of {DIM}")
    copies = papers - len(real.sources)
    if say is not None:
        say(f"generating {copies:,} copies of {len(real.sources):,} real papers (seed {seed})")
    out_dir.mkdir(parents=True, exist_ok=True)
    corpus_out, vectors_out = out_dir / f"synthetic-{papers}-{seed}.jsonl.gz", out_dir / f"synthetic-{papers}-{seed}.npy"
    rng = np.random.default_rng(seed)
    seen = set(real.title_keys)
    with corpus_out.open("wb") as raw, vectors_out.open("wb") as vectors:
        # mtime 0 and no file name in the gzip header: the same seed gives the same bytes on any day.
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=1) as lines:
            _npy_header(vectors, len(real.lines) + copies)
            for at in range(0, len(real.lines), BLOCK):
                lines.write(b"".join(real.lines[at:at + BLOCK]))
                vectors.write(np.ascontiguousarray(matrix[at:min(at + BLOCK, len(real.lines))], dtype="<f2").tobytes())
            for start in range(0, copies, BLOCK):
                count = min(BLOCK, copies - start)
                chosen = rng.integers(len(real.sources), size=count)
                base = np.asarray(matrix[[real.sources[int(s)].row for s in chosen]], dtype=np.float32)
                base /= np.maximum(np.linalg.norm(base, axis=1, keepdims=True), 1e-12)
                noisy = base + SIGMA * rng.standard_normal((count, DIM), dtype=np.float32)
                noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
                vectors.write(noisy.astype("<f2").tobytes())
                block = []
                for offset, s in enumerate(chosen):
                    source, number = real.sources[int(s)], start + offset + 1
                    record = {"id": f"{source.id}/synthetic-{number}", "venue": source.venue,
                              "title": _title(source, real, rng, seen, number),
                              "abstract": _abstract(source, real, rng), "copy_of": source.id,
                              "copy_of_line": source.row + 1}
                    block.append(json.dumps(record) + "\n")
                lines.write("".join(block).encode("utf-8"))
    return SyntheticCorpus(corpus_out, vectors_out, papers, len(real.lines), len(real.sources), seed, SIGMA)


def run_synthetic(papers: int, seed: int, corpus: Path | None, embeddings: Path | None, queries: Path | None,
                  bot_minutes: float = 0) -> dict:
    """Generate a synthetic corpus of `papers` papers in a scratch directory and run the benchmark on it, windows off."""
    from bench.scale import run_benchmark

    corpus, embeddings = corpus or REAL_CORPUS, embeddings or REAL_EMBEDDINGS
    with tempfile.TemporaryDirectory(prefix="paperscout-bench-synthetic-") as tmp:
        made = generate(papers, Path(tmp), seed, corpus, embeddings,
                        lambda line: print(f"[bench] {line}", file=sys.stderr, flush=True))
        # Windows off as for the real 87k: supplied vectors cover whole texts only, and the model would take days.
        result = run_benchmark(made.corpus, made.embeddings, queries, False, checked_lines=made.real_lines,
                               bot_minutes=bot_minutes)
    return result | {"corpus": f"{corpus} ({made.real_papers:,} papers) expanded by seeded copies to {papers:,} "
                               f"(seed {seed}, vector noise sigma {made.sigma})",
                     "synthetic": papers, "synthetic_seed": seed, "synthetic_real_papers": made.real_papers}
