"""`paperscout bench`: the speed and memory benchmark (bench/), its table printed and kept in BENCHMARKS.md."""

from __future__ import annotations

import argparse
import sys

from bot.settings import Settings


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    """Build an index of the corpus in a scratch directory, measure it, print and record the table."""
    from bench.corpus_file import BenchInputError
    from bench.report import markdown, write_section
    from bench.scale import dump, machine, run_benchmark

    windows = {"on": True, "off": False, "auto": None}[args.windows]
    try:
        result = run_benchmark(args.corpus, args.embeddings, args.queries, windows)
    except BenchInputError as exc:
        print(f"paperscout bench: {exc}", file=sys.stderr)
        return 2
    info = machine()
    section = markdown(result, info)
    write_section(args.out, section, result["corpus_size"])
    print(dump(result | {"machine": info}) if args.json else section)
    return 0
