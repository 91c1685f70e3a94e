"""Measurements that run in a process of their own, so their memory is theirs alone.

    python -m bench.probes bm25 DATA_DIR
        build the BM25 indexes of the store from scratch, as a first start does; save them
    python -m bench.probes serve DATA_DIR QUERIES [--no-windows] [--rounds N] [--exact-sample N]
        open the index as the bot does, then time every query (encode, BM25, dense, hybrid)
    python -m bench.probes start DATA_DIR QUERY [--no-windows]
        open the index as `paperscout search` does, answer QUERY, then one more; say when each was done

Each prints one line of JSON last, with its own peak RSS.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import random
import time
from pathlib import Path

import numpy as np

from bench.corpus_file import read_queries
from bench.measure import own_peak_rss_mb, percentile_ms, timed
from bot.datadir import DataDir
from retrieval.types import SearchResult


def probe_bm25(data_dir: DataDir) -> dict:
    """Build both BM25 indexes of the store's papers from scratch and save them where the index keeps them."""
    from bot.services import open_store
    from retrieval.bm25 import BM25Params
    from retrieval.bm25_files import save_lexical, stamp_of
    from retrieval.fusion import FusionConfig
    from retrieval.lexical import build_lexical

    store = open_store(data_dir, readonly=True)
    papers = store.papers()
    before = own_peak_rss_mb()
    repeats = FusionConfig().title_repeats
    start = time.perf_counter()
    index = build_lexical(papers, repeats)
    build_s = time.perf_counter() - start
    save_lexical(index, data_dir.index_paths().bm25, stamp_of(BM25Params(), repeats))
    postings = index.terms.scorer.postings, index.phrases.scorer.postings
    return {
        "papers": len(papers), "bm25_build_s": round(build_s, 2), "bm25_build_peak_rss_mb": round(own_peak_rss_mb()),
        "rss_before_build_mb": round(before), "terms": len(postings[0]), "pairs": len(postings[1]),
        "postings": int(postings[0].docs.size + postings[1].docs.size),
    }


def _summary(name: str, samples: list[float]) -> dict:
    return {f"{name}_p50_ms": round(percentile_ms(samples, 50), 2), f"{name}_p95_ms": round(percentile_ms(samples, 95), 2),
            f"{name}_max_ms": round(max(samples) * 1000, 2)}


def probe_serve(data_dir: DataDir, queries: list[str], rounds: int, exact_sample: int) -> dict:
    """Open the index as the bot does and time each query's parts, then the whole search."""
    from bot.services import open_services
    from retrieval.tokenize import tokenize

    start = time.perf_counter()
    services = open_services(data_dir)
    open_s = time.perf_counter() - start
    retriever, encoder = services.retriever, services.encoder
    def ask(query: str) -> object:
        # As a mention answers: the conversation's 30 results, quotes from the three shown.
        result = retriever.search(query, 30)
        return retriever.answer(SearchResult(result.query, result.hits[:3], result.weak, result.note))

    for query in queries[:5]:  # load the model and warm the caches, untimed
        retriever.search(query, 10)
        ask(query)
    times: dict[str, list[float]] = {"encode": [], "bm25": [], "dense": [], "hybrid": [], "question": [], "quotes": []}
    for _ in range(rounds):
        for query in queries:
            times["encode"].append(timed(lambda: encoder.encode([query])))
            terms = tokenize(query)
            times["bm25"].append(timed(lambda: retriever.bm25.scores(terms)))
            qvec = encoder.encode([query])[0]
            times["dense"].append(timed(lambda: retriever.nearest(qvec, 50)))
            times["hybrid"].append(timed(lambda: retriever.search(query, 10)))
            times["question"].append(timed(lambda: ask(query)))
            found = retriever.search(query, 30)
            shown = SearchResult(found.query, found.hits[:3], found.weak, found.note)
            times["quotes"].append(timed(lambda: retriever.answer(shown)))
    result = {"papers": len(retriever), "open_s": round(open_s, 2), "queries": len(queries), "rounds": rounds}
    for name, samples in times.items():
        result |= _summary(name, samples)
    result["question_over_search_p95_ms"] = round(result["question_p95_ms"] - result["hybrid_p95_ms"], 2)
    result["queries_per_s"] = round(len(times["hybrid"]) / sum(times["hybrid"]), 1)
    # Before the peak is read: the bot builds the autocomplete index too, on its first keystroke.
    result |= _autocomplete(retriever, rounds)
    result["peak_rss_mb"] = round(own_peak_rss_mb())
    # After the peak: the exact product reads every paper vector (1.5 GB mapped at a million papers), which
    # serving never does above prefilter.FROM_PAPERS, and it would evict what the timed searches use.
    result |= _summary("dense_exact", _exact_times(retriever, encoder, queries))
    sample = queries[:: max(1, len(queries) // exact_sample)][:exact_sample]
    result |= _pool_agreement(retriever, sample)
    result |= _dense_recall(retriever, encoder, queries)
    return result


AUTOCOMPLETE_TYPED = 200
AUTOCOMPLETE_SEED = 23
AUTOCOMPLETE_LIMIT = 25  # Discord's most choices, what the bot asks for


def typed_titles(titles: list[str], count: int = AUTOCOMPLETE_TYPED, seed: int = AUTOCOMPLETE_SEED) -> list[str]:
    """Return what autocomplete is asked, drawn by `seed` from `titles`: 70% prefixes of 1 to 12 characters,
    20% fragments of 3 to 10 characters from inside a title (often cutting words), 10% two of a title's words."""
    rng = random.Random(seed)
    typed = []
    for _ in range(count):
        title, roll = rng.choice(titles), rng.random()
        if roll < 0.2:
            at = rng.randrange(max(1, len(title) - 3))
            typed.append(title[at:at + rng.randint(3, 10)])
        elif roll < 0.3:
            words = title.split()
            typed.append(" ".join(rng.sample(words, min(2, len(words)))))
        else:
            typed.append(title[: rng.randint(1, 12)])
    return typed


def _autocomplete(retriever, rounds: int) -> dict:
    """Time title autocomplete over the typed strings, after building its index (what the first keystroke does)."""
    # The titles alone, in row order: walking every paper would read each whole from the store.
    titles = retriever.papers.source.titles()
    typed = typed_titles([titles[pid] for pid in retriever.papers.ids if pid in titles])
    del titles
    size = retriever.title_index_size()
    samples = [timed(lambda: retriever.complete_titles(text, AUTOCOMPLETE_LIMIT)) for _ in range(rounds) for text in typed]
    return {**_summary("autocomplete", samples), "title_index_build_s": size.build_s,
            "title_index_mb": round(size.bytes / 2**20, 1)}


def _pool_agreement(retriever, queries: list[str]) -> dict:
    """Return how often the candidate pool's top 10 equals scoring every paper in full."""
    pooled = [[h.paper.id for h in retriever.search(q, 10).hits] for q in queries]
    pooled_config = retriever.config
    retriever.config = dataclasses.replace(pooled_config, candidates=len(retriever) + 1)
    try:
        full = [[h.paper.id for h in retriever.search(q, 10).hits] for q in queries]
    finally:
        retriever.config = pooled_config
    overlap = [len(set(a) & set(b)) / max(1, len(b)) for a, b in zip(pooled, full)]
    return {"pool_top10_overlap": round(float(np.mean(overlap)), 4),
            "pool_top10_identical": round(float(np.mean([a == b for a, b in zip(pooled, full)])), 4),
            "pool_checked_queries": len(queries)}


PASSAGE_QUERIES = 200
PASSAGE_SEED = 29


def passage_queries(retriever, count: int = PASSAGE_QUERIES, seed: int = PASSAGE_SEED) -> list[str]:
    """Return `count` sentences from the middle of abstracts of papers drawn by `seed`: queries the sign
    pass's shortlist size was not chosen on (that was chosen on bench/queries.jsonl, see retrieval/prefilter.py)."""
    from retrieval.sentences import split_sentences

    rng = random.Random(seed)
    out = []
    for row in rng.sample(range(len(retriever)), min(count, len(retriever))):
        sentences = split_sentences(retriever.papers[row].clean_abstract)
        if sentences:
            out.append(sentences[len(sentences) // 2])
    return out


def _exact_times(retriever, encoder, queries: list[str]) -> list[float]:
    """Time the dense top 50 by the exact product with every paper vector, once per query (the comparison)."""
    qvecs = [encoder.encode([query])[0] for query in queries]
    return [timed(lambda: np.argpartition(-retriever.vectors.doc_products(qvec), 50)[:50]) for qvec in qvecs]


def _dense_recall(retriever, encoder, queries: list[str]) -> dict:
    """Return how much of the exact dense top 10 the product's dense pass (`nearest`) finds: for the
    benchmark queries, and for passage queries nobody chose anything on."""
    out = {}
    for name, asked in (("dense_top10_recall", queries), ("dense_top10_recall_passages", passage_queries(retriever))):
        found = []
        for query in asked:
            qvec = encoder.encode([query])[0]
            exact = set(np.argpartition(-retriever.vectors.doc_products(qvec), 10)[:10].tolist())
            found.append(len(exact & set(retriever.nearest(qvec, 10).tolist())) / 10)
        out[name] = round(float(np.mean(found)), 4)
    return out


def probe_start(data_dir: DataDir, query: str) -> dict:
    """Open the index as `paperscout search` does and answer `query` (the model loads then), then a second query.

    `ready_at` is wall-clock time, so the parent can measure from the moment it spawned this process.
    """
    from bot.services import open_services

    start = time.perf_counter()
    services = open_services(data_dir)
    open_s = time.perf_counter() - start
    ready_at = time.time()
    first = timed(lambda: services.retriever.search(query, 10))
    again = timed(lambda: services.retriever.search(query + " methods", 10))
    return {"ready_at": ready_at, "open_s": open_s, "first_query_s": first, "next_query_s": again,
            "papers": len(services.retriever)}


def main() -> None:
    """Run one probe and print its JSON result."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("probe", choices=["bm25", "serve", "start"])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("queries", nargs="?", help="serve: the queries file; start: the query")
    parser.add_argument("--no-windows", action="store_true")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--exact-sample", type=int, default=40)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    data_dir = DataDir(args.data_dir, embed_windows=not args.no_windows)
    if args.probe == "bm25":
        result = probe_bm25(data_dir)
    elif args.probe == "start":
        result = probe_start(data_dir, args.queries)
    else:
        result = probe_serve(data_dir, read_queries(Path(args.queries)), args.rounds, args.exact_sample)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
