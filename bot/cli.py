"""The `paperscout` command line: a composition root like `bot/__main__.py`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from bot.logging_setup import setup_logging
from bot.settings import Settings, SettingsError, get_settings

log = logging.getLogger("paperscout")


def _settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        print(f"paperscout: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _hit_json(hit, weak: bool) -> dict:
    return {
        "rank": hit.rank,
        "id": hit.paper.id,
        "title": hit.paper.title,
        "score": round(hit.score, 4),
        "why": hit.why,
        "weak": weak,
        "bm25_rank": hit.bm25_rank,
        "matched_terms": list(hit.matched_terms),
        "dense_similarity": round(hit.dense_similarity, 4),
        "snippet": hit.best_sentence,
        "links": [{"label": link.label, "url": link.url} for link in hit.paper.links],
    }


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """Add papers from page and JSONL files or a fresh-paper feed, then index what is new."""
    from bot.services import open_services
    from corpus.ingest import ingest_paths, open_corpus

    if not (args.paths or args.hf_daily or args.arxiv):
        print("paperscout ingest: give PATH..., --hf-daily DATE or --arxiv QUERY", file=sys.stderr)
        return 2
    store = open_corpus(settings.data_dir.prepare().corpus)
    report = ingest_paths(store, [Path(p) for p in args.paths])
    changed = bool(report.added or report.updated)
    if changed:
        store.save()
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
            changed = changed or bool(feed.added or feed.updated)
    for problem in report.problems:
        print(problem, file=sys.stderr)
    if changed:
        # Only new or changed papers are embedded; the rest of the index is reused.
        open_services(settings.data_dir, progress=sys.stderr.isatty(), store=store)
    print(f"added {len(report.added)}, updated {len(report.updated)}, unchanged {report.unchanged}; corpus holds {len(store)} papers")
    nothing_read = not (report.added or report.updated or report.unchanged)
    return 1 if failed or (nothing_read and report.problems) else 0


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    """Print the corpus size, papers per source and the newest ingest."""
    from corpus.ingest import open_corpus

    stats = open_corpus(settings.data_dir.prepare().corpus).stats()
    if args.json:
        print(json.dumps(stats))
    else:
        print(f"papers: {stats['papers']}")
        print(f"newest ingest: {stats['newest_ingest']}")
        for source, count in stats["by_source"].items():
            print(f"  {source}: {count}")
    return 0


def print_result(result, as_json: bool = False, out: TextIO | None = None) -> None:
    """Print search hits as JSON, or as the same text cards the console shows."""
    from bot.core.handlers import card_from_hit
    from bot.terminal.text_render import render_card

    out = out or sys.stdout
    if as_json:
        print(json.dumps([_hit_json(h, result.weak) for h in result.hits], ensure_ascii=False), file=out)
        return
    if result.note:
        print(f"({result.note})", file=out)
    if result.weak:
        print("Nothing in the corpus is close to that; the nearest papers are:", file=out)
    for hit in result.hits:
        print(render_card(card_from_hit(hit, weak=result.weak)), file=out)
        print(file=out)


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    """Search the corpus and print ranked papers."""
    from bot.services import open_services
    from retrieval.types import QueryError

    services = open_services(settings.data_dir, progress=sys.stderr.isatty())
    try:
        result = services.retriever.search(args.query, args.k)
    except QueryError as exc:
        print(f"paperscout: {exc}", file=sys.stderr)
        return 2
    print_result(result, args.json)
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Score BM25, dense and hybrid rankings on a judged query file or a BEIR directory."""
    from retrieval.evaluate import evaluate, load_beir, load_judged_titles

    if args.beir:
        from bot.datadir import DataDir
        from corpus.records import Candidate, new_paper
        from corpus.store import utc_now
        from retrieval.encoder import MiniLMEncoder
        from retrieval.index import open_retriever

        corpus, queries = load_beir(Path(args.beir))
        now = utc_now()
        papers = [
            new_paper(Candidate(title=str(d.get("title") or ""), abstract=str(d.get("text") or ""), source="beir", rank=i + 1), str(d["_id"]), now)
            for i, d in enumerate(corpus)
        ]
        # A throwaway index: evaluation must never touch the bot's data dir.
        with tempfile.TemporaryDirectory(prefix="paperscout-beir-") as tmp:
            paths = DataDir(Path(tmp)).index_paths()
            retriever = open_retriever(papers, paths, MiniLMEncoder(), progress=sys.stderr.isatty())
            result = evaluate(retriever, queries, min_grade=1)
    else:
        if not args.file:
            print("paperscout eval: give a query FILE or --beir DIR", file=sys.stderr)
            return 2
        from bot.services import open_services

        services = open_services(settings.data_dir, progress=sys.stderr.isatty())
        queries, unknown = load_judged_titles(Path(args.file), services.retriever)
        for title in unknown:
            print(f"warning: judged title not in the corpus: {title}", file=sys.stderr)
        result = evaluate(services.retriever, queries, min_grade=2)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['queries']} queries")
    print(f"{'system':8} {'nDCG@10':>8} {'R@10':>8} {'MRR@10':>8}")
    for system in ("bm25", "dense", "hybrid"):
        m = result[system]
        print(f"{system:8} {m['ndcg@10']:8.4f} {m['recall@10']:8.4f} {m['mrr@10']:8.4f}")
    print(f"weak flag: negatives {result['negatives_flagged']:.2f}, positives {result['positives_flagged']:.2f}")
    if result.get("by_type"):
        print(f"\n{'type':12} {'n':>3} {'bm25':>7} {'dense':>7} {'hybrid':>7}")
        for kind, row in result["by_type"].items():
            print(f"{kind:12} {row['n']:3d} {row['bm25']:7.4f} {row['dense']:7.4f} {row['hybrid']:7.4f}")
    return 0


def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    """Open an interactive search prompt in the terminal."""
    from bot.services import open_services
    from bot.terminal.console import run_console

    print("Loading the corpus and index (the first run embeds every paper once)...", flush=True)
    services = open_services(settings.data_dir, progress=True)
    return run_console(services.retriever)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Start the Discord bot when a token is configured, else the console."""
    if settings.has_token:
        from bot.__main__ import run_bot

        return run_bot(settings)
    print("No DISCORD_TOKEN configured: opening the console instead of the bot.\n")
    # Operator logs (one line per search event) would interleave with the cards.
    logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
    return cmd_console(args, settings)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="paperscout", description="Find ML papers by topic or question.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add papers from saved pages or JSONL files")
    p.add_argument("paths", nargs="*", help="page .txt files or .jsonl files")
    p.add_argument("--hf-daily", metavar="DATE", help="the Hugging Face daily papers of DATE (YYYY-MM-DD)")
    p.add_argument("--arxiv", metavar="QUERY", help="the newest arXiv papers matching QUERY")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("stats", help="corpus size by source")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("search", help="search the corpus")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5, help="number of results (1-100)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("eval", help="measure retrieval quality")
    p.add_argument("file", nargs="?", help="judged queries (JSONL, relevance keyed by title)")
    p.add_argument("--beir", metavar="DIR", help="a BEIR directory instead of FILE")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("console", help="interactive search in the terminal")
    p.set_defaults(func=cmd_console)

    p = sub.add_parser("run", help="the bot if a token is configured, else the console")
    p.set_defaults(func=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the `paperscout` command."""
    args = build_parser().parse_args(argv)
    settings = _settings()
    setup_logging(settings.log_level if args.command == "run" else "WARNING")
    from bot.startup_errors import STARTUP_ERRORS

    try:
        return args.func(args, settings)
    except STARTUP_ERRORS as exc:
        print(f"paperscout: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
