"""`paperscout ingest`, `remove`, `reindex` and `stats`: commands that change or describe the corpus."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.settings import Settings

# How long a command waits for another process that is writing the vectors.
LOCK_WAIT_S = 30 * 60.0
# How many of the newest Fetch-button fetches `stats` shows.
STATS_FETCHES = 5


def _index(settings: Settings, store, already: set[str] = frozenset(), compact: bool = False) -> str:
    """Reconcile the index with the store; return one line saying what that did."""
    from bot.services import open_services

    # Read before indexing: which papers had ever been indexed tells a first index from a leftover.
    marked = store.indexed()
    services = open_services(settings.data_dir, progress=sys.stderr.isatty(), store=store, lock_wait=LOCK_WAIT_S, compact=compact)
    report = services.report
    parts = [f"embedded {len(report.embedded)} papers"]
    leftover = [pid for pid in report.embedded if pid not in already and pid not in report.repaired]
    parts += _leftover_lines(leftover, marked)
    if report.repaired:
        parts.append(f"{len(report.repaired)} repaired (partial or stale vectors)")
    if report.removed:
        parts.append(f"removed the vectors of {len(report.removed)} papers no longer in the corpus")
    return "; ".join(parts)


def _leftover_lines(leftover: list[str], marked: dict[str, str]) -> list[str]:
    """Say why papers this command neither added nor changed were embedded: never indexed, or left over."""
    if not leftover:
        return []
    if not marked:
        # Nothing was ever indexed here: a first run (the shipped papers), not an interrupted one.
        return [f"{len(leftover)} of them never indexed before (the first index of this data directory)"]
    lost = sum(1 for pid in leftover if pid in marked)
    lines = []
    if len(leftover) > lost:
        lines.append(f"{len(leftover) - lost} of them left unindexed by an earlier, interrupted run")
    if lost:
        lines.append(f"{lost} of them indexed before but their vectors were missing")
    return lines


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """Add papers from page and JSONL files or a fresh-paper feed, then index whatever is not indexed."""
    from bot.services import open_store
    from corpus.ingest import ingest_paths

    if not (args.paths or args.hf_daily or args.arxiv):
        print("paperscout ingest: give PATH..., --hf-daily DATE or --arxiv QUERY", file=sys.stderr)
        return 2
    store = open_store(settings.data_dir)
    report = ingest_paths(store, [Path(p) for p in args.paths])
    failed = False
    if args.hf_daily or args.arxiv:
        from corpus.sources.refresh import ingest_arxiv, ingest_hf_daily

        hf_config, arxiv_config = settings.source_configs()
        feeds = []
        try:
            if args.hf_daily:
                feeds.append(ingest_hf_daily(store, args.hf_daily, hf_config))
            if args.arxiv:
                feeds.append(ingest_arxiv(store, args.arxiv, arxiv_config))
        except ValueError as exc:
            print(f"paperscout ingest: {exc}", file=sys.stderr)
            return 2
        for feed in feeds:
            report.problems += list(feed.problems)
            if feed.error:
                failed = True
                report.problems.append(f"{feed.feed or feed.source}: {feed.error}")
            report.added += list(feed.added)
            report.updated += list(feed.updated)
            report.unchanged += feed.unchanged
    for problem in report.problems:
        print(problem, file=sys.stderr)
    # Always reconcile, not only after a change: a re-run finishes what an interrupted run left.
    indexed = _index(settings, store, set(report.added) | set(report.updated))
    print(
        f"added {len(report.added)}, updated {len(report.updated)}, unchanged {report.unchanged}; "
        f"corpus holds {len(store)} papers; {indexed}"
    )
    nothing_read = not (report.added or report.updated or report.unchanged)
    return 1 if failed or (nothing_read and report.problems) else 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    """Remove papers (by id, arXiv id or exact title) from the store and the index."""
    from bot.services import open_store

    store = open_store(settings.data_dir)
    report = store.remove(args.refs, origin="remove")
    for ref in report.not_found:
        print(f"paperscout remove: no paper is {ref!r} (give an id, an arXiv id or an exact title)", file=sys.stderr)
    indexed = _index(settings, store)
    print(f"removed {len(report.removed)} papers; corpus holds {len(store)} papers; {indexed}")
    return 1 if report.not_found else 0


def cmd_reindex(args: argparse.Namespace, settings: Settings) -> int:
    """Bring the vectors in line with the store; rebuild them whole if they are damaged or --full is given.

    With --compact (or --full) the index files are written whole, their segments folded in.
    """
    from bot.services import open_store
    from retrieval.index import set_aside_vectors
    from retrieval.vectors import VectorStoreError

    store = open_store(settings.data_dir)
    paths = settings.data_dir.index_paths()
    if args.full:
        moved = set_aside_vectors(paths, LOCK_WAIT_S)
        if moved is not None:
            print(f"set the old vectors aside in {moved}; rebuilding all", file=sys.stderr)
    compact = args.compact or args.full
    try:
        indexed = _index(settings, store, compact=compact)
    except VectorStoreError as exc:
        moved = set_aside_vectors(paths, LOCK_WAIT_S)
        print(f"{exc.args[0].split(';')[0]}: set it aside in {moved} and rebuilt the vectors from the corpus store", file=sys.stderr)
        indexed = _index(settings, store, compact=compact)
    print(f"corpus holds {len(store)} papers, all indexed; {indexed}")
    return 0


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    """Print papers, how many are fully indexed, papers per source, the newest ingest and who fetched papers (never writes)."""
    from bot.services import indexed_count, open_store
    from bot.state.fetch_audit import read_audit

    store = open_store(settings.data_dir, readonly=True)
    try:
        stats = store.stats()
        stats["indexed"] = indexed_count(store, settings.data_dir.embed_windows)
    finally:
        store.close()
    count, recent = read_audit(settings.data_dir.state, STATS_FETCHES)
    stats["fetches"] = {"count": count, "recent": [record.as_json() for record in recent]}
    if args.json:
        print(json.dumps(stats))
        return 0
    print(f"papers: {stats['papers']}")
    print(f"indexed: {stats['indexed']}" + ("" if stats["indexed"] == stats["papers"] else " (run `paperscout reindex` to index the rest)"))
    print(f"newest ingest: {stats['newest_ingest']}")
    for source, papers in stats["by_source"].items():
        print(f"  {source}: {papers}")
    print(f"fetched with Discord's Fetch button: {count}" + (f" (newest {len(recent)}:)" if recent else ""))
    for r in recent:
        where = f"server {r.guild_id}" if r.guild_id is not None else "a DM"
        print(f"  {r.at}  arXiv:{r.arxiv_id}  user {r.user_id} in {where}: {r.outcome}")
    return 0
