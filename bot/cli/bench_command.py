"""`paperscout bench`: the speed and memory benchmark (bench/), its table printed and kept in BENCHMARKS.md."""

from __future__ import annotations

import argparse
import sys

from bot.settings import Settings


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    """Build an index of the corpus in a scratch directory, measure it, print and record the table."""
    from bench.corpus_file import BenchInputError
    from bench.provenance import checkout_state
    from bench.report import markdown, section_key, write_section
    from bench.scale import dump, machine, run_benchmark

    # Checked before the run, which can take half an hour: a table must name the code it measured.
    checkout = checkout_state(ignore=args.out)
    if not args.no_write and not checkout.clean:
        print(f"paperscout bench: will not write {args.out}: {checkout.why_not_clean()}; commit first, "
              "or pass --no-write to print the table only", file=sys.stderr)
        return 2
    windows = {"on": True, "off": False, "auto": None}[args.windows]
    try:
        if args.synthetic is not None:
            from bench.synthetic import run_synthetic

            result = run_synthetic(args.synthetic, args.seed, args.corpus, args.embeddings, args.queries, args.bot_minutes)
        else:
            result = run_benchmark(args.corpus, args.embeddings, args.queries, windows, bot_minutes=args.bot_minutes)
    except BenchInputError as exc:
        print(f"paperscout bench: {exc}", file=sys.stderr)
        return 2
    after = checkout_state(ignore=args.out)
    if not args.no_write and after != checkout:
        print(f"paperscout bench: will not write {args.out}: the checkout changed while it ran", file=sys.stderr)
        return 2
    result |= {"commit": checkout.commit, "tree_clean": checkout.clean}
    info = machine()
    section = markdown(result, info)
    if not args.no_write:
        write_section(args.out, section, section_key(result))
    print(dump(result | {"machine": info}) if args.json else section)
    return 0
