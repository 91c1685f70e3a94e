"""`paperscout bench`: build an index of a corpus in a scratch directory and measure it as users meet it.

Steps, each with the project's own code paths; every timing is taken three times (RUNS)
and reported as min / median / max:
1. the corpus store is filled with all papers but the last 100 (held out for step 8);
2. BM25 is built from scratch in a process of its own (time, peak RSS) and saved;
3. the cost of embedding the corpus with the model, whole texts and sentence windows, on a
   sample of at least 2,000 papers, scaled (bench/embed_cost.py);
4. the vectors are stored through the index's own sync, from `--embeddings` if given (a
   random sample of at least 20 re-encoded, cosine >= 0.99 required) or by the model;
5. our BM25 is timed against `rank_bm25.BM25Okapi` on the same tokens (scores, top 10);
6. cold start: fresh processes open the index and answer a first query, with the page
   cache warm and with the data files evicted first (bench/startup.py);
7. serving: a process opens the index as the bot does and times every query; with `--bot-minutes`, the bot
   process itself (`python -m bot` on the loopback Discord) under steady traffic, its memory sampled;
8. incremental: `paperscout ingest` of the 100 held-out papers in a fresh process, each
   run into its own copy of the index as it was before.
"""

from __future__ import annotations

import json
import os
import re
import shutil
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
from bench.embed_cost import embedding_cost
from bench.measure import CHECKOUT, python_child, run_child, timed
from bench.startup import cold_starts
from bot.datadir import DataDir
from corpus.ingest import jsonl_source

HOLD_OUT = 100
MIN_COSINE = 0.99
CHECK_SAMPLE = 24
REFERENCE_QUERIES = 60
RUNS = 3


def _paperscout() -> list[str]:
    script = Path(sys.executable).with_name("paperscout")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from bot.cli import main; raise SystemExit(main())"]


def _child_env(root: Path, windows: bool) -> dict[str, str]:
    # The scratch directory, whatever a .env in the working directory says.
    return {"PAPERSCOUT_DATA_DIR": str(root), "PAPERSCOUT_EMBED_WINDOWS": str(windows).lower(),
            "CHROMA_HOST": "", "HF_HUB_OFFLINE": "1", "LOG_LEVEL": "WARNING"}


def _say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _runs(results: list[dict], keys: list[str] | None = None) -> dict:
    """Return, for each numeric figure of several runs' results, the list of its values in run order."""
    keys = keys or [k for k, v in results[0].items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return {k: [r[k] for r in results] for k in keys}


def run_benchmark(corpus: Path | None, embeddings: Path | None, queries_path: Path | None, windows: bool | None = None,
                  checked_lines: int | None = None, bot_minutes: float = 0) -> dict:
    """Run every step and return the figures (see BENCHMARKS.md for what each means): lists are one value per run.

    `checked_lines`: re-encode only papers from the corpus file's first lines to check the supplied vectors
    (a synthetic corpus's copies have noisy vectors by design; bench/synthetic.py). `bot_minutes`: also run the
    bot process itself on the index under steady traffic for that long (step 7b; 0: not measured).
    """
    from corpus.ingest import open_corpus
    from retrieval.encoder import MiniLMEncoder

    queries = read_queries(queries_path)
    candidates = read_corpus(corpus)
    if len(candidates) <= HOLD_OUT:
        raise BenchInputError(f"the corpus needs more than {HOLD_OUT} papers (it has {len(candidates)})")
    # Supplied vectors cover whole texts only: windows would all need the model.
    windows = (embeddings is None) if windows is None else windows
    base, held = candidates[:-HOLD_OUT], candidates[-HOLD_OUT:]
    result: dict = {"corpus": str(corpus) if corpus else "shipped pages", "windows": windows, "queries": len(queries),
                    "runs": RUNS, "load_at_start": round(os.getloadavg()[0], 2)}
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

        _say(f"building BM25 from scratch in its own process, {RUNS} times")
        built = [run_child(python_child("bench.probes", "bm25", str(data_dir.root))).last_json() for _ in range(RUNS)]
        result |= _runs(built, ["bm25_build_s", "bm25_build_peak_rss_mb"])
        result |= {k: built[0][k] for k in ("terms", "pairs", "postings")}
        result["papers_loaded_rss_mb"] = [b["rss_before_build_mb"] for b in built]

        model = MiniLMEncoder()
        model.encode(["warm up"])
        result |= embedding_cost(base, len(base), model, _say)

        before_vectors = Path(tmp) / "before-vectors"
        shutil.copytree(data_dir.root, before_vectors)
        result |= _store_vectors(data_dir, papers, model, embeddings, candidates, jsonl_source(corpus) if corpus else None,
                                 before_vectors, checked_lines)
        result |= _against_rank_bm25(data_dir, papers, queries)
        del papers

        _say(f"cold start: {RUNS} fresh processes with the page cache warm, {RUNS} with the data files evicted")
        result |= cold_starts(data_dir.root, queries, windows, _child_env(data_dir.root, windows))

        _say(f"serving: {len(queries)} queries x 2 rounds in a process that opened the index as the bot does, {RUNS} times")
        probe_args = ["serve", str(data_dir.root), str(queries_path or Path(__file__).with_name("queries.jsonl"))]
        served = [run_child(python_child("bench.probes", *probe_args, *([] if windows else ["--no-windows"]))).last_json()
                  for _ in range(RUNS)]
        result["corpus_size"] = served[0]["papers"]
        result |= _runs(served, [k for k in served[0] if k not in ("papers", "queries", "rounds")])
        if bot_minutes > 0:
            result |= _bot_memory(data_dir, bot_minutes, windows)

        result |= _incremental(data_dir, held, Path(tmp), windows)
    return result


def _bot_memory(data_dir: DataDir, minutes: float, windows: bool) -> dict:
    """Run `python -m bot` over the index on the loopback Discord under steady traffic (bench/bot_memory.py), once."""
    _say(f"the bot process: {minutes:g} min of 5 /find + 1 mention every 2 s on the loopback Discord")
    # In a process of its own, run with -m from the checkout: the harness uses the loopback Discord of tests/,
    # which the installed `paperscout` script cannot import. From the checkout this code came from, not the
    # working directory: a first run from another clone timed that clone's bot beside this code's tables.
    args = ["--data", str(data_dir.root), "--minutes", str(minutes), "--env", f"PAPERSCOUT_EMBED_WINDOWS={str(windows).lower()}"]
    bot = run_child(python_child("bench.bot_memory", *args), timeout=minutes * 60 + 900, cwd=CHECKOUT).last_json()
    # bench/bot_memory.py counts MB of 10^6 bytes; this table's MB are 2^20, as the rest of it.
    mib = {k: None if bot[k] is None else round(bot[k] * 1e6 / 2**20, 1) for k in ("idle_mb", "after_2min_mb", "max_mb", "end_mb", "hwm_mb")}
    sent = bot["finds_sent"] + bot["mentions_sent"]
    # A request answered twice, late, by an apology or not at all: memory figures of a bot that fails are no figures.
    missed = sent - bot["finds_answered_once"] - bot["mentions_answered_once"] + bot["failed"]
    return {f"bot_{k}": v for k, v in mib.items()} | {"bot_drift_pct": bot["drift_pct"], "bot_minutes": minutes,
                                                       "bot_requests": sent, "bot_missed": missed}


def _incremental(data_dir: DataDir, held, tmp: Path, windows: bool) -> dict:
    """Time `paperscout ingest` of the held-out papers RUNS times, each into a fresh copy of the index."""
    held_file = tmp / "new-papers.jsonl"
    write_jsonl(held, held_file)
    snapshot = tmp / "before-ingest"
    shutil.copytree(data_dir.root, snapshot)
    runs = []
    for i in range(RUNS):
        _say(f"incremental: `paperscout ingest` of {HOLD_OUT} new papers, run {i + 1} of {RUNS}")
        root = tmp / f"ingest-{i}"
        shutil.copytree(snapshot, root)
        ingest = run_child([*_paperscout(), "ingest", str(held_file)], _child_env(root, windows))
        embedded = re.search(r"embedded (\d+) papers", ingest.stdout)
        if ingest.returncode != 0 or embedded is None:
            raise BenchInputError(f"`paperscout ingest` failed: {ingest.stderr.strip()[-300:]}")
        runs.append({"incremental_embedded": int(embedded.group(1)), "incremental_s": round(ingest.wall_s, 2),
                     "incremental_peak_rss_mb": round(ingest.peak_rss_mb)})
        shutil.rmtree(root)
    shutil.rmtree(snapshot)
    out = _runs(runs, ["incremental_s", "incremental_peak_rss_mb"])
    out["incremental_embedded"] = min(r["incremental_embedded"] for r in runs)
    return out


def _store_vectors(data_dir: DataDir, papers, model, embeddings: Path | None, candidates, source: str | None,
                   before: Path, checked_lines: int | None = None) -> dict:
    """Fill the vector store RUNS times: into `data_dir` (kept for the later steps), then into copies of `before`."""
    from bot.services import open_services

    out: dict = {}
    encoder = model
    if embeddings is not None:
        matrix = load_embeddings(embeddings, len(candidates))
        if source is None:
            raise BenchInputError("--embeddings gives the vectors of a --corpus file's lines: give --corpus too")
        vectors = supplied_vectors(papers, matrix, source)
        checked = papers if checked_lines is None else [
            p for p in papers if min((x.rank for x in p.listings if x.source == source), default=checked_lines + 1) <= checked_lines]
        lowest = check_supplied(model, checked, vectors, CHECK_SAMPLE)
        out["supplied_check_min_cosine"] = round(lowest, 4)
        if lowest < MIN_COSINE:
            raise BenchInputError(
                f"{embeddings} does not match the corpus: a re-encoded paper has cosine {lowest:.3f} < {MIN_COSINE} to its row"
            )
        encoder = PrecomputedEncoder(model, vectors)
    seconds, embedded = [], []
    for i in range(RUNS):
        _say(f"storing vectors of {len(papers)} papers ({'supplied' if embeddings else 'shipped or embedded by the model'}),"
             f" run {i + 1} of {RUNS}")
        target = data_dir
        if i:
            target = DataDir(before.with_name(f"vectors-run-{i}"), embed_windows=data_dir.embed_windows)
            shutil.copytree(before, target.root)
        start = time.perf_counter()
        services = open_services(target, encoder=encoder)
        seconds.append(round(time.perf_counter() - start, 1))
        embedded.append(len(services.report.embedded))
        services.store.close()
        if i:
            shutil.rmtree(target.root)
    shutil.rmtree(before)
    out["vector_store_fill_s"] = seconds
    out["vector_store_fill_embedded"] = min(embedded)
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
        "load_at_end": round(os.getloadavg()[0], 2),
    }


def dump(result: dict) -> str:
    """Return the result as one JSON object."""
    return json.dumps(result, sort_keys=True)
