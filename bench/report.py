"""The benchmark's markdown: one table per corpus size, kept in BENCHMARKS.md section by section."""

from __future__ import annotations

import re
from pathlib import Path

HEADER = """# PaperScout benchmarks

Written by `paperscout bench` (`make bench` for the shipped corpus) from a clean checkout,
whose commit each section names; one section per corpus size, replaced when that size is
measured again. Times are wall-clock on the machine named in each section. Every timing
was taken in three runs (three processes, or three fresh copies of the index): the table
gives the median and the min - max of the three; a target is judged on the median.
Percentiles are over every query of `bench/queries.jsonl`, two rounds, per run. Targets
are those of the 87k issue and apply to the 87k section; a synthetic corpus
(`--synthetic N`) has a section of its own, judged at 1M on issue 23's targets.
"""

# Corpus size from which the targets apply.
SCALE = 80_000
# A synthetic corpus (bench/synthetic.py) of at least this size is judged on issue 23's targets, not the 87k ones.
SYNTHETIC_SCALE = 1_000_000
# The bot process's targets on the shipped corpus (the 87k ones are in ROWS).
SMALL_TARGETS = {"bot_max_mb": "<= 800", "bot_drift_pct": "<= 10", "bot_missed": "= 0"}
SYNTHETIC_TARGETS = {"hybrid_p95_ms": "<= 40", "question_p95_ms": "<= 100", "peak_rss_mb": "<= 4096",
                     "cold_evicted_to_answer_s": "<= 15", "incremental_s": "<= 30", "incremental_embedded": "= 100",
                     "autocomplete_p95_ms": "<= 20"}
# figure -> (what it is, unit, target)
ROWS: list[tuple[str, str, str, str | None]] = [
    ("hybrid_p50_ms", "hybrid search, query encoding included: p50", "ms", None),
    ("hybrid_p95_ms", "hybrid search, query encoding included: p95", "ms", "<= 25"),
    ("hybrid_max_ms", "hybrid search: slowest query", "ms", None),
    ("question_p50_ms", "question answered, quotes included (search of 30, quotes from the 3 shown): p50", "ms", None),
    ("question_p95_ms", "question answered, quotes included: p95", "ms", None),
    ("question_over_search_p95_ms", "question p95 minus hybrid search p95", "ms", "<= 40"),
    ("quotes_p95_ms", "choosing the quotes alone (3 papers): p95", "ms", None),
    ("encode_p95_ms", "query encoding alone: p95", "ms", None),
    ("bm25_p95_ms", "BM25 scores alone: p95", "ms", None),
    ("dense_p95_ms", "dense top 50 as searches find it (sign-code shortlist above 20k papers): p95", "ms", None),
    ("dense_exact_p95_ms", "dense top 50 by the exact product with every paper vector: p95", "ms", None),
    ("dense_top10_recall", "dense top 10 found by that first pass, of the exact top 10 (the benchmark queries: shortlist size chosen on them)", "", ">= 0.99"),
    ("dense_top10_recall_passages", "the same for 200 seeded mid-abstract sentences (nothing chosen on them)", "", ">= 0.99"),
    ("queries_per_s", "searches per second, one process, one at a time", "/s", None),
    ("autocomplete_p50_ms", "title autocomplete, 25 choices (200 typed prefixes, fragments and word pairs, seeded): p50", "ms", None),
    ("autocomplete_p95_ms", "title autocomplete: p95", "ms", None),
    ("title_index_build_s", "title autocomplete index built (on the first keystroke)", "s", None),
    ("title_index_mb", "title autocomplete index: its own arrays and lists (the titles themselves not counted)", "MB", None),
    ("open_s", "serving process: index opened (papers, BM25, vectors; the model loads on the first query)", "s", None),
    ("cold_warm_ready_s", "cold start, page cache warm: fresh process spawned to index open", "s", None),
    ("cold_warm_open_s", "cold start, page cache warm: of which opening the index (after Python and imports)", "s", None),
    ("cold_warm_first_query_ms", "cold start, page cache warm: its first query (loads the model)", "ms", None),
    ("cold_warm_to_answer_s", "cold start, page cache warm: spawned to first answer", "s", "<= 10"),
    ("cold_warm_next_query_ms", "cold start, page cache warm: its second query", "ms", None),
    ("cold_evicted_ready_s", "cold start, data files evicted: fresh process spawned to index open", "s", None),
    ("cold_evicted_open_s", "cold start, data files evicted: of which opening the index", "s", None),
    ("cold_evicted_first_query_ms", "cold start, data files evicted: its first query (loads the model)", "ms", None),
    ("cold_evicted_to_answer_s", "cold start, data files evicted: spawned to first answer", "s", "<= 10"),
    ("cold_evicted_next_query_ms", "cold start, data files evicted: its second query", "ms", None),
    ("evicted_mb", "data files evicted before each of those starts", "MB", None),
    ("evicted_resident_after_mb", "of which still in the page cache after eviction (fincore)", "MB", None),
    ("peak_rss_mb", "serving process peak RSS (index open, all queries run)", "MB", "<= 2048"),
    ("bot_idle_mb", "the bot process (`python -m bot` on the loopback Discord, bench/bot_memory.py): RSS idle after start", "MB", None),
    ("bot_after_2min_mb", "the bot process under 5 /find + 1 mention every 2 s: RSS after 2 min", "MB", None),
    ("bot_max_mb", "the bot process under that traffic: largest RSS sampled", "MB", "<= 2000"),
    ("bot_end_mb", "the bot process: RSS at the end of the traffic", "MB", None),
    ("bot_drift_pct", "the bot process: RSS spread (max - min) / min from the later of 2 min and a third of the run", "%", "<= 10"),
    ("bot_minutes", "the bot process: minutes of traffic", "min", None),
    ("bot_requests", "the bot process: requests sent", "", None),
    ("bot_missed", "the bot process: requests not answered exactly once, or answered by an apology", "", "= 0"),
    ("cold_warm_peak_rss_mb", "cold-start process peak RSS", "MB", None),
    ("incremental_embedded", "incremental ingest: papers embedded", "", "= 100"),
    ("incremental_s", "incremental ingest of 100 papers, fresh process (vectors by the model; shipped papers' from the shipped file)", "s", "<= 30"),
    ("incremental_peak_rss_mb", "incremental ingest process peak RSS", "MB", None),
    ("bm25_build_s", "BM25 (terms + pairs) built from scratch", "s", None),
    ("bm25_build_peak_rss_mb", "BM25 build process peak RSS (papers loaded)", "MB", "<= 2048"),
    ("papers_loaded_rss_mb", "a process with the papers loaded, nothing else", "MB", None),
    ("bm25_speedup_vs_rank_bm25", "BM25 speed-up over rank_bm25 get_scores (median of 60 queries)", "x", ">= 50"),
    ("bm25_top10_agreement", "queries whose BM25 top 10 equals rank_bm25's", "", "= 1"),
    ("pool_top10_overlap", "candidate pool vs scoring every paper: top-10 overlap", "", None),
    ("pool_top10_identical", "candidate pool vs scoring every paper: identical top 10", "", None),
    ("embed_sample", "embedding cost: papers sampled (three batches, each a fresh first index build)", "", None),
    ("embed_whole_papers_per_s", "embedding rate, whole texts only", "papers/s", None),
    ("embed_whole_corpus_min", "embedding the whole corpus, whole texts only (the median rate scaled to the corpus)", "min", None),
    ("embed_windows_papers_per_s", "embedding rate, whole texts and sentence windows (the default)", "papers/s", None),
    ("embed_windows_corpus_min", "embedding the whole corpus with sentence windows (the median rate scaled)", "min", None),
    ("vector_store_fill_s", "first vector sync into Chroma (supplied or shipped vectors, else embedded)", "s", None),
    ("vector_store_fill_embedded", "papers whose vectors that sync stored (from the supplied or shipped file where it held them)", "", None),
    ("supplied_check_min_cosine", "supplied vectors: lowest cosine of 24 papers re-encoded by the model", "", None),
    ("terms", "BM25 terms", "", None),
    ("pairs", "BM25 adjacent-term pairs", "", None),
]


def _meets(value: float, target: str) -> bool:
    op, _, bound = target.partition(" ")
    limit = float(bound)
    return {"<=": value <= limit, ">=": value >= limit, "=": abs(value - limit) < 1e-9}[op]


def _show(value: float) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.1f}"


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def markdown(result: dict, machine: dict) -> str:
    """Return one corpus size's section; a figure given as a list (one value per run) shows its median and range."""
    size = result["corpus_size"]
    synthetic = result.get("synthetic")
    commit = result.get("commit") or "unknown"
    tree = "working tree clean" if result.get("tree_clean") else "**working tree not clean**"
    lines = [
        f"## {synthetic:,} papers, synthetic: speed and memory, not quality" if synthetic else f"## {size:,} papers",
        f"<!-- corpus-size: {section_key(result)} -->",
        "",
        *([("Synthetic copies of real abstracts (bench/synthetic.py, docs/quality.md \"Benchmarks\"): these figures "
           "measure speed and memory only; the copies' text and vectors say nothing of search quality."), ""]
          if synthetic else []),
        f"Corpus: {result['corpus']}; sentence windows {'on' if result['windows'] else 'off'}; "
        f"{result['queries']} queries. Commit `{commit[:12]}`, {tree}. Measured {machine['date']} on "
        f"{machine['cores']} cores, {machine['memory_gb']} GB ({machine['machine']}, Python {machine['python']}, "
        f"torch {machine['torch']}); load average {result.get('load_at_start', '?')} at the start, "
        f"{machine.get('load_at_end', '?')} at the end.",
        "",
        "| figure | median | min - max | target | met |",
        "| --- | ---: | ---: | --- | --- |",
    ]
    # The targets were set for the 87k corpus; at a few hundred papers they would mislead.
    at_scale = size >= SCALE and not synthetic
    for key, label, unit, target in ROWS:
        if result.get(key) is None:
            continue
        if not at_scale:
            target = SYNTHETIC_TARGETS.get(key) if (synthetic or 0) >= SYNTHETIC_SCALE else None if synthetic else SMALL_TARGETS.get(key)
        value = result[key]
        runs = value if isinstance(value, list) else [value]
        middle = _median(runs)
        spread = f"{_show(min(runs))} - {_show(max(runs))}" if len(runs) > 1 else ""
        met = ("yes" if _meets(float(middle), target) else "**no**") if target else ""
        unit_shown = f" {unit}" if unit else ""
        lines.append(f"| {label} | {_show(middle)}{unit_shown} | {spread} | {target + unit_shown if target else ''} | {met} |")
    return "\n".join(lines) + "\n"


def section_key(result: dict) -> str:
    """Return the marker of a result's section: its corpus size, or "synthetic-N" (a section of its own beside N real)."""
    return f"synthetic-{result['synthetic']}" if result.get("synthetic") else str(result["corpus_size"])


def _order(key: str) -> tuple[int, int]:
    # Real corpora by size, then synthetic ones by size.
    return (key.startswith("synthetic-"), int(key.removeprefix("synthetic-")))


def write_section(path: Path, section: str, size: int | str) -> None:
    """Put `section` into the file at `path`, replacing the section of the same key (`section_key`); sections in order."""
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    parts = re.split(r"(?m)^(?=## )", text)
    head, sections = parts[0], parts[1:]
    by_size = {}
    for existing in sections:
        found = re.search(r"<!-- corpus-size: ((?:synthetic-)?\d+) -->", existing)
        if found:
            by_size[found.group(1)] = existing.rstrip() + "\n"
    by_size[str(size)] = section
    body = "\n".join(by_size[s] for s in sorted(by_size, key=_order))
    path.write_text(head.rstrip() + "\n\n" + body, encoding="utf-8")
