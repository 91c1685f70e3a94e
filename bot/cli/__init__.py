"""The `paperscout` command line: a composition root like `bot/__main__.py` (the commands live beside it)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bot.cli.bench_command import cmd_bench
from bot.cli.corpus_commands import cmd_ingest, cmd_reindex, cmd_remove, cmd_stats
from bot.cli.search_commands import cmd_ask, cmd_console, cmd_eval, cmd_run, cmd_search, print_result
from bot.logging_setup import setup_logging
from bot.settings import Settings, SettingsError, get_settings

__all__ = ["build_parser", "main", "print_result"]

log = logging.getLogger("paperscout")


def _settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        print(f"paperscout: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="paperscout", description="Find ML papers by topic or question.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add papers from saved pages or JSONL files")
    p.add_argument("paths", nargs="*", help="page .txt files or .jsonl files")
    p.add_argument("--hf-daily", metavar="DATE", help="the Hugging Face daily papers of DATE (YYYY-MM-DD)")
    p.add_argument("--arxiv", metavar="QUERY", help="the newest arXiv papers matching QUERY")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("remove", help="remove papers from the corpus and the index")
    p.add_argument("refs", nargs="+", metavar="ID|TITLE", help="a paper id, an arXiv id or an exact title")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("reindex", help="embed whatever is missing; rebuild damaged vectors from the corpus")
    p.add_argument("--full", action="store_true", help="set the vectors aside and embed every paper again")
    p.add_argument("--compact", action="store_true",
                   help="write the index files whole, folding in what ingests added since (retrieval/segments.py)")
    p.set_defaults(func=cmd_reindex)

    p = sub.add_parser("stats", help="corpus size, indexed papers, papers by source (read-only)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("search", help="search the corpus")
    p.add_argument("query", nargs="?", default="", help='a topic or question; author:"Name" in it filters by author')
    p.add_argument("--author", metavar="NAME", help="only papers by NAME; without a query, their papers newest first")
    p.add_argument("-k", type=int, default=5, help="number of results (1-100)")
    p.add_argument("--since", metavar="WHEN", help="only papers published since: 2025, 2025-03, 2025-03-14, 30d, 12w")
    p.add_argument("--has-code", action="store_true", help="only papers with a code link")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question with the sentences that answer it, as a mention does")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="the kind read, each quote (paper, card, sentence, bold span, score), and whether anything answered")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="measure retrieval quality")
    p.add_argument("file", nargs="?", help="judged queries (JSONL, relevance keyed by title)")
    p.add_argument("--beir", metavar="DIR", help="a BEIR directory instead of FILE")
    p.add_argument("--generated", metavar="CORPUS", help="queries made mechanically from papers sampled out of CORPUS (JSONL[.gz])")
    p.add_argument("--papers", type=int, default=1000, help="papers sampled for --generated (default 1000)")
    p.add_argument("--seed", type=int, default=13, help="sampling seed for --generated (default 13)")
    p.add_argument("--answers", metavar="FILE", help="questions with acceptable quotes (eval/questions.jsonl's format): score the answers")
    p.add_argument("--sample", metavar="CORPUS", help="with --answers: over the shipped corpus plus the seeded sample of CORPUS the project's questions were written over")
    p.add_argument("--half", choices=["tune", "test", "all"], default="all", help="with --answers: only the questions of this half of the split")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("console", help="interactive search in the terminal")
    p.set_defaults(func=cmd_console)

    p = sub.add_parser("bench", help="measure index build, start-up, search speed and memory; write BENCHMARKS.md")
    p.add_argument("--corpus", type=Path, help="papers as JSONL or JSONL.gz (default: the shipped pages)")
    p.add_argument("--embeddings", type=Path, help="precomputed whole-text vectors (.npy, one row per corpus line)")
    p.add_argument("--queries", type=Path, help="queries, JSONL with \"query\" or one per line (default: bench/queries.jsonl)")
    p.add_argument("--windows", choices=["auto", "on", "off"], default="auto",
                   help="embed sentence windows (auto: on unless --embeddings supplies whole-text vectors only)")
    p.add_argument("--synthetic", type=int, metavar="N",
                   help="expand the real corpus (--corpus/--embeddings, default ../shared/bench-data) to N papers by "
                        "seeded copies and measure that: speed and memory, not quality; windows off")
    p.add_argument("--seed", type=int, default=0, help="with --synthetic: the copies' seed (default 0)")
    p.add_argument("--bot-minutes", type=float, default=10.0, metavar="M",
                   help="minutes the bot process runs under steady traffic on the loopback Discord (default 10; 0: skip)")
    p.add_argument("--out", type=Path, default=Path("BENCHMARKS.md"), help="the markdown file to update")
    p.add_argument("--no-write", action="store_true", help="print the table without writing it (allowed from a dirty tree)")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    p.set_defaults(func=cmd_bench)

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
