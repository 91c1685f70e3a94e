"""In-domain adaptation of MiniLM without a new model, measured: does it hold on queries it was not fitted to?

    python -m bench.adaptation --corpus ../shared/bench-data/paperlists_ml.jsonl.gz \\
        --embeddings ../shared/bench-data/paperlists_minilm_f16.npy [--pairs 30000] [--data-dir DIR]

Two vector transforms, each a few hundred KB that could ship in the repo, are fitted on the
scale corpus and scored on the dev queries (dense alone and the hybrid, per query type,
queries better / worse) and, with `--generated`, on the mechanical check of seed 13 (MRR@10
per query type; its sampled papers are never trained on):
- adapter: a query-side residual map q + qW (384×384; documents unchanged, so nothing is
  re-embedded) trained with a contrastive loss on short topical pseudo-queries (two to
  four consecutive title words) against their paper's stored vector, with in-batch and
  4,096 random negatives; the epoch with the best validation MRR is kept.
- centering: the corpus mean and its top three principal directions removed from queries
  and documents (the embeddings of one field share a common direction).
Not part of the product: docs/quality.md "Quality" records the result.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import random
import re
import tempfile
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from bench.corpus_file import load_embeddings, read_corpus
from bench.mechanical_queries import DEFAULT_SEED, generate
from bot.datadir import DataDir
from bot.services import open_services
from corpus.clean import normalize_title
from corpus.ingest import read_jsonl
from retrieval.crossval import variant_scores
from retrieval.encoder import Encoder, MiniLMEncoder
from retrieval.evaluate import load_judged_titles
from retrieval.hybrid import HybridRetriever
from retrieval.tokenize import STOPWORDS

ROOT = Path(__file__).resolve().parent.parent
Transform = Callable[[np.ndarray], np.ndarray]
# The mechanical check's seeds: their sampled papers are held out of training.
HELD_OUT_SEEDS = (7, DEFAULT_SEED)


class TransformedEncoder:
    """An encoder whose vectors pass through a transform."""

    def __init__(self, inner: Encoder, transform: Transform) -> None:
        self.inner, self.transform, self.name = inner, transform, inner.name

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.transform(self.inner.encode(texts))


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)).astype(np.float32)


def pseudo_queries(corpus: Path, pairs: int, seed: int) -> tuple[list[str], np.ndarray]:
    """Return short title-word queries and their papers' line numbers in the corpus file (held-out papers excluded)."""
    held = set()
    for s in HELD_OUT_SEEDS:
        held |= {normalize_title(c.title) for c in generate(corpus, seed=s)[0]}
    row_of: dict[str, int] = {}
    for c in read_jsonl(corpus, []):
        # Rank is the line number, and the embeddings have a row per line.
        row_of.setdefault(normalize_title(c.title), c.rank - 1)
    rng = random.Random(seed)
    papers = [c for c in read_corpus(corpus) if normalize_title(c.title) not in held and normalize_title(c.title) in row_of]
    rng.shuffle(papers)
    queries, rows = [], []
    for c in papers:
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9\-]+", c.title) if w.lower() not in STOPWORDS]
        if len(words) < 2:
            continue
        n = rng.randint(2, min(4, len(words)))
        start = rng.randint(0, len(words) - n)
        queries.append(" ".join(words[start : start + n]).lower())
        rows.append(row_of[normalize_title(c.title)])
        if len(queries) == pairs:
            break
    return queries, np.array(rows)


def train_adapter(queries: np.ndarray, targets: np.ndarray, docs: np.ndarray, epochs: int = 6, seed: int = 0) -> tuple[np.ndarray, float, float]:
    """Return W of the residual adapter q + qW, and validation MRR before and after (over all `docs`)."""
    import torch

    torch.manual_seed(seed)
    q_all, t_all, d_all = torch.from_numpy(queries), torch.from_numpy(targets), torch.from_numpy(docs)
    order = torch.randperm(len(q_all))
    val, train = order[:2000], order[2000:]
    weight = torch.zeros(384, 384, requires_grad=True)
    optimizer = torch.optim.Adam([weight], lr=1e-3)

    def adapted(idx: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        q = q_all[idx] + q_all[idx] @ w
        return q / q.norm(dim=1, keepdim=True)

    def val_mrr(w: torch.Tensor) -> float:
        with torch.no_grad():
            sims = adapted(val, w) @ d_all.T
            target = sims[torch.arange(len(val)), t_all[val]]
            return float((1.0 / ((sims > target[:, None]).sum(1) + 1)).mean())

    before = val_mrr(weight.detach())
    best = (before, weight.detach().clone())
    for _ in range(epochs):
        shuffled = train[torch.randperm(len(train))]
        for i in range(0, len(shuffled), 512):
            batch = shuffled[i : i + 512]
            negatives = d_all[torch.randint(0, len(d_all), (4096,))]
            logits = adapted(batch, weight) @ torch.cat([d_all[t_all[batch]], negatives]).T / 0.05
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(batch))) + 1e-2 * (weight**2).sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        score = val_mrr(weight.detach())
        if score > best[0]:
            best = (score, weight.detach().clone())
    return best[1].numpy(), before, best[0]


def centering(docs: np.ndarray, directions: int = 3) -> Transform:
    """Return the transform removing the corpus mean and its top principal directions."""
    mean = docs.mean(axis=0)
    sample = docs[np.random.default_rng(0).choice(len(docs), min(20000, len(docs)), replace=False)] - mean
    top = np.linalg.svd(sample, full_matrices=False)[2][:directions]
    return lambda x: _unit((x - mean) - ((x - mean) @ top.T) @ top)


@contextlib.contextmanager
def transformed(retriever: HybridRetriever, transform: Transform | None, docs_too: bool) -> Iterator[HybridRetriever]:
    """Run the retriever with queries (and, if `docs_too`, its paper vectors) passed through `transform`; restore after."""
    encoder, vectors = retriever.encoder, retriever.vectors
    try:
        if transform is not None:
            retriever.encoder = TransformedEncoder(encoder, transform)
            if docs_too:
                windows = transform(vectors.windows) if vectors.windows.size else vectors.windows
                retriever.vectors = dataclasses.replace(vectors, doc=transform(vectors.doc), windows=windows)
        yield retriever
    finally:
        retriever.encoder, retriever.vectors = encoder, vectors


def dev_scores(retriever: HybridRetriever, queries, transform: Transform | None, docs_too: bool) -> dict[str, np.ndarray]:
    """Return per-query nDCG@10 of dense alone and the hybrid with the transform applied."""
    with transformed(retriever, transform, docs_too):
        config = {"x": retriever.config}
        return {system: variant_scores(retriever, queries, config, system)["x"] for system in ("dense", "hybrid")}


def mechanical_table(corpus: Path, variants: dict[str, tuple[Transform | None, bool]]) -> None:
    """Print MRR@10 per query type of dense alone and the hybrid on the mechanical check (seed 13), per variant."""
    from bench.beir_index import open_beir
    from bench.mechanical_queries import build
    from retrieval.evaluate import mrr_at, rankings

    with tempfile.TemporaryDirectory() as tmp:
        build(corpus, Path(tmp) / "beir")
        retriever, queries = open_beir(Path(tmp) / "beir", Path(tmp) / "data")
        kinds = sorted({q.type for q in queries})
        print(f"\nmechanical check, seed {DEFAULT_SEED}: MRR@10 ({len(queries)} queries)")
        print(f"{'variant':14} {'system':7}" + "".join(f" {k[:10]:>10}" for k in kinds))
        for name, (transform, docs_too) in variants.items():
            per: dict[tuple[str, str], list[float]] = {}
            with transformed(retriever, transform, docs_too):
                for q in queries:
                    for system, ranked in rankings(retriever, q.query).items():
                        if system != "bm25":
                            per.setdefault((system, q.type), []).append(mrr_at(ranked, q.grades, 1))
            for system in ("dense", "hybrid"):
                print(f"{name:14} {system:7}" + "".join(f" {np.mean(per[(system, k)]):10.4f}" for k in kinds))


def main() -> None:
    """Fit both transforms and print the dev table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--embeddings", type=Path, required=True)
    parser.add_argument("--pairs", type=int, default=30000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", type=Path, help="an index of the shipped corpus (default: a temporary one)")
    parser.add_argument("--generated", action="store_true", help="also score the mechanical check (builds its index: minutes)")
    args = parser.parse_args()

    lines = max(c.rank for c in read_jsonl(args.corpus, []))
    docs = _unit(load_embeddings(args.embeddings, lines))
    texts, rows = pseudo_queries(args.corpus, args.pairs, args.seed)
    print(f"{len(texts)} training pairs, e.g. {texts[:3]}")
    encoder = MiniLMEncoder()
    encoded = np.concatenate([encoder.encode(texts[i : i + 2048]) for i in range(0, len(texts), 2048)])
    weight, before, after = train_adapter(encoded, rows, docs, seed=args.seed)
    print(f"adapter validation MRR over {len(docs)} papers (held-out pseudo-queries): {before:.4f} -> {after:.4f}")
    variants: dict[str, tuple[Transform | None, bool]] = {
        "MiniLM as is": (None, False),
        "adapter": (lambda x: _unit(x + x @ weight), False),
        "centering": (centering(docs), True),
    }
    with tempfile.TemporaryDirectory() as tmp:
        retriever = open_services(DataDir(args.data_dir or Path(tmp))).retriever
        queries, _ = load_judged_titles(ROOT / "eval" / "dev.jsonl", retriever)
        types = np.array([q.type for q in queries if q.grades])
        kinds = sorted(set(types))
        scores = {name: dev_scores(retriever, queries, t, docs_too) for name, (t, docs_too) in variants.items()}
    if args.generated:
        mechanical_table(args.corpus, variants)
    base = scores["MiniLM as is"]
    print(f"\n{'variant':14} {'system':7} {'nDCG@10':>8}" + "".join(f" {k[:10]:>10}" for k in kinds) + "  better/worse")
    for name, systems in scores.items():
        for system, values in systems.items():
            per_type = "".join(f" {values[types == k].mean():10.4f}" for k in kinds)
            wins = f"{int((values > base[system] + 1e-9).sum())}/{int((values < base[system] - 1e-9).sum())}"
            print(f"{name:14} {system:7} {values.mean():8.4f}{per_type}  {wins}")


if __name__ == "__main__":
    main()
