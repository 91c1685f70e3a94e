"""`paperscout bench`: build an index of a corpus in a scratch directory and measure it as users meet it.

Steps, each with the project's own code paths:
1. the corpus store is filled with all papers but the last 100 (held out for step 7);
2. BM25 is built from scratch in a process of its own (time, peak RSS) and saved;
3. the model's embedding rate is timed on 256 papers;
4. the vectors are stored through the index's own sync, from `--embeddings` if given (a
   random sample of at least 20 re-encoded, cosine >= 0.99 required) or by the model;
5. our BM25 is timed against `rank_bm25.BM25Okapi` on the same tokens (scores, top 10);
6. cold start: `paperscout search` in a fresh process, three times, index persisted;
7. serving: a process opens the index as the bot does and times every query;
8. incremental: `paperscout ingest` of the 100 held-out papers in a fresh process.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.corpus_file import (
    BenchInputError,
    PrecomputedEncoder,
    check_supplied,
    load_embeddings,
    read_corpus,
    read_queries,
    supplied_vectors,
    write_jsonl,
)
from bench.measure import python_child, run_child, timed
from bot.datadir import DataDir
from corpus.ingest import jsonl_source

HOLD_OUT = 100
MIN_COSINE = 0.99
CHECK_SAMPLE = 24
REFERENCE_QUERIES = 60


def _paperscout() -> list[str]:
    script = Path(sys.executable).with_name("paperscout")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from bot.cli import main; raise SystemExit(main())"]


def _child_env(data_dir: DataDir) -> dict[str, str]:
    # The scratch directory, whatever a .env in the working directory says.
    return {"PAPERSCOUT_DATA_DIR": str(data_dir.root), "PAPERSCOUT_EMBED_WINDOWS": str(data_dir.embed_windows).lower(),
            "CHROMA_HOST": "", "HF_HUB_OFFLINE": "1", "LOG_LEVEL": "WARNING"}


def _say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run_benchmark(corpus: Path | None, embeddings: Path | None, queries_path: Path | None, windows: bool | None = None) -> dict:
    """Run every step and return the figures (see BENCHMARKS.md for what each means)."""
    from corpus.ingest import open_corpus
    from retrieval.encoder import MiniLMEncoder

    queries = read_queries(queries_path)
    candidates = read_corpus(corpus)
    if len(candidates) <= HOLD_OUT:
        raise BenchInputError(f"the corpus needs more than {HOLD_OUT} papers (it has {len(candidates)})")
    # Supplied vectors cover whole texts only: windows would all need the model.
    windows = (embeddings is None) if windows is None else windows
    base, held = candidates[:-HOLD_OUT], candidates[-HOLD_OUT:]
    result: dict = {"corpus": str(corpus) if corpus else "shipped pages", "windows": windows, "queries": len(queries)}
    with tempfile.TemporaryDirectory(prefix="paperscout-bench-") as tmp:
        data_dir = DataDir(Path(tmp) / "data", embed_windows=windows).prepare()
        _say(f"storing {len(base)} papers")
        start = time.perf_counter()
        store = open_corpus(data_dir.corpus, seed=False)
        for at in range(0, len(base), 5000):
            store.add(base[at:at + 5000], origin="bench")
        papers = store.papers()
        store.close()
        result["store_fill_s"] = round(time.perf_counter() - start, 1)

        _say("building BM25 from scratch in its own process")
        built = run_child(python_child("bench.probes", "bm25", str(data_dir.root))).last_json()
        result |= {k: built[k] for k in ("bm25_build_s", "bm25_build_peak_rss_mb", "terms", "pairs", "postings")}
        result["papers_loaded_rss_mb"] = built["rss_before_build_mb"]

        model = MiniLMEncoder()
        model.encode(["warm up"])
        sample = random.Random(1).sample(papers, min(256, len(papers)))
        result["embed_papers_per_s"] = round(len(sample) / timed(lambda: model.encode([p.text for p in sample])), 1)

        result |= _store_vectors(data_dir, papers, model, embeddings, candidates, jsonl_source(corpus) if corpus else None)
        result |= _against_rank_bm25(data_dir, papers, queries)
        del papers

        _say("cold start: three fresh `paperscout search` processes")
        env = _child_env(data_dir)
        runs = [run_child([*_paperscout(), "search", q, "-k", "10", "--json"], env) for q in queries[:3]]
        for run in runs:
            if run.returncode != 0 or '"title"' not in run.stdout:
                raise BenchInputError(f"`paperscout search` failed: {run.stderr.strip()[-300:]}")
        result["cold_start_s"] = round(float(np.median([r.wall_s for r in runs])), 2)
        result["cold_start_peak_rss_mb"] = round(max(r.peak_rss_mb for r in runs))

        _say(f"serving: {len(queries)} queries x 2 rounds in a process that opened the index as the bot does")
        probe_args = ["serve", str(data_dir.root), str(queries_path or Path(__file__).with_name("queries.jsonl"))]
        served = run_child(python_child("bench.probes", *probe_args, *([] if windows else ["--no-windows"]))).last_json()
        result["corpus_size"] = served["papers"]
        result |= {k: v for k, v in served.items() if k not in ("papers", "queries", "rounds")}

        _say(f"incremental: `paperscout ingest` of {HOLD_OUT} new papers")
        held_file = Path(tmp) / "new-papers.jsonl"
        write_jsonl(held, held_file)
        ingest = run_child([*_paperscout(), "ingest", str(held_file)], env)
        embedded = re.search(r"embedded (\d+) papers", ingest.stdout)
        if ingest.returncode != 0 or embedded is None:
            raise BenchInputError(f"`paperscout ingest` failed: {ingest.stderr.strip()[-300:]}")
        result["incremental_embedded"] = int(embedded.group(1))
        result["incremental_s"] = round(ingest.wall_s, 2)
        result["incremental_peak_rss_mb"] = round(ingest.peak_rss_mb)
    return result


def _store_vectors(data_dir: DataDir, papers, model, embeddings: Path | None, candidates, source: str | None) -> dict:
    from bot.services import open_services

    out: dict = {}
    encoder = model
    if embeddings is not None:
        matrix = load_embeddings(embeddings, len(candidates))
        if source is None:
            raise BenchInputError("--embeddings gives the vectors of a --corpus file's lines: give --corpus too")
        vectors = supplied_vectors(papers, matrix, source)
        lowest = check_supplied(model, papers, vectors, CHECK_SAMPLE)
        out["supplied_check_min_cosine"] = round(lowest, 4)
        if lowest < MIN_COSINE:
            raise BenchInputError(
                f"{embeddings} does not match the corpus: a re-encoded paper has cosine {lowest:.3f} < {MIN_COSINE} to its row"
            )
        encoder = PrecomputedEncoder(model, vectors)
    _say(f"storing vectors of {len(papers)} papers ({'supplied' if embeddings else 'embedded by the model'})")
    start = time.perf_counter()
    services = open_services(data_dir, encoder=encoder)
    out["vector_store_fill_s"] = round(time.perf_counter() - start, 1)
    services.store.close()
    return out


def _top10(scores: np.ndarray) -> list[int]:
    return [int(i) for i in np.lexsort((np.arange(scores.size), -np.round(scores, 8)))[:10]]


def _against_rank_bm25(data_dir: DataDir, papers, queries: list[str]) -> dict:
    """Time our BM25 and rank_bm25's on the same tokens; return the speed-up and top-10 agreement."""
    from rank_bm25 import BM25Okapi

    from retrieval.bm25 import BM25Params
    from retrieval.bm25_files import load_lexical, stamp_of
    from retrieval.fusion import FusionConfig
    from retrieval.lexical import lexical_text
    from retrieval.tokenize import tokenize

    repeats = FusionConfig().title_repeats
    ours = load_lexical(data_dir.index_paths().bm25, stamp_of(BM25Params(), repeats), BM25Params())
    by_id = {p.id: p for p in papers}
    _say("building the rank_bm25 reference (tokenizing every paper again)")
    reference = BM25Okapi([tokenize(lexical_text(by_id[pid], repeats)) for pid in ours.row_ids])
    sample = queries[:: max(1, len(queries) // REFERENCE_QUERIES)][:REFERENCE_QUERIES]
    theirs_s, ours_s, agree = [], [], []
    for query in sample:
        terms = tokenize(query)
        theirs = reference.get_scores(terms)
        theirs_s.append(timed(lambda: reference.get_scores(terms)))
        ours_s.append(float(np.median([timed(lambda: ours.terms.scores(terms)) for _ in range(5)])))
        agree.append(_top10(ours.terms.scores(terms)) == _top10(np.asarray(theirs)))
    return {
        "bm25_reference_queries": len(sample),
        "rank_bm25_median_ms": round(float(np.median(theirs_s)) * 1000, 2),
        "bm25_median_ms": round(float(np.median(ours_s)) * 1000, 3),
        "bm25_speedup_vs_rank_bm25": round(float(np.median(theirs_s) / np.median(ours_s)), 1),
        "bm25_top10_agreement": round(float(np.mean(agree)), 4),
    }


def machine() -> dict:
    """Return what the figures were measured on."""
    import platform

    import torch

    mem_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), 0)
    return {
        "cores": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1), "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "python": platform.python_version(), "torch": torch.__version__, "machine": platform.machine(),
    }


def dump(result: dict) -> str:
    """Return the result as one JSON object."""
    return json.dumps(result, sort_keys=True)
