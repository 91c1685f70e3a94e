"""Cross-validated quality of the ranking's stages and of the weak-match flag, on a judged query file.

    python -m bench.fusion_cv [eval/dev.jsonl] [--folds 5] [--data-dir DIR] [--weak-check CORPUS] [--generated CORPUS]

Prints each ranking variant's mean nDCG@10, per query type, its per-query wins and losses
against the default, and the held-out score (mean ± spread over folds, for three fold
seeds) of choosing among the variants on the other folds. With --weak-check, also the
weak flag: what the shipped rule flags on the dev queries and on the mechanical weak
check made from CORPUS (bench/mechanical_queries.py), and what rules fitted on the other
folds (plus the check of seed 7) flag on held-out dev folds and on the check of seed 13.
Uses the index in --data-dir (or a temporary one over the shipped corpus): the weak check
needs it to hold the shipped corpus. With --generated, the same ranking table is printed
for the mechanical ranking check of seed 13 made from CORPUS, over its own scratch index
(its queries have one relevant paper each: nDCG@10 is 1 / log2(1 + its rank)).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from bench.beir_index import open_beir
from bench.corpus_file import read_corpus
from bench.mechanical_queries import build, generate_weak_check
from bot.datadir import DataDir
from bot.services import open_services
from retrieval.crossval import ablations, cross_validate, folds_of, variant_scores
from retrieval.evaluate import Judged, load_judged_titles
from retrieval.hybrid import HybridRetriever
from retrieval.weak_rule import FlagCounts, WeakRule, count_flags, cross_validate_rule, fit_weak_rule, strengths

ROOT = Path(__file__).resolve().parent.parent
SEEDS = (0, 1, 2)
# The weak check fitted on, and the one only scored.
FIT_SEED, CHECK_SEED = 7, 13


def ranking_table(retriever: HybridRetriever, queries: list[Judged], folds: int) -> None:
    """Print the ranking variants' scores, per type, and the cross-validated choice among them."""
    scores = variant_scores(retriever, queries, ablations(retriever.config))
    dense = variant_scores(retriever, queries, {"dense": retriever.config}, system="dense")["dense"]
    types = np.array([q.type for q in queries if q.grades])
    kinds = sorted(set(types))
    base = scores["default"]
    print(f"{len(base)} judged queries, {folds} folds\n")
    print(f"{'variant':18} {'nDCG@10':>8}" + "".join(f" {k[:10]:>10}" for k in kinds) + f" {'better':>7} {'worse':>6}")
    for name, values in {**scores, "dense alone": dense}.items():
        per_type = "".join(f" {values[types == k].mean():10.4f}" for k in kinds)
        print(f"{name:18} {values.mean():8.4f}{per_type} {int((values > base + 1e-9).sum()):7d} {int((values < base - 1e-9).sum()):6d}")
    print()
    for seed in SEEDS:
        result = cross_validate(scores, folds, seed)
        own = [base[f].mean() for f in folds_of(len(base), folds, seed)]
        print(
            f"fold seed {seed}: choosing on the other folds gives held-out {result.mean:.4f} ± {result.spread:.4f}"
            f" (chosen: {', '.join(result.chosen)}); the default alone {np.mean(own):.4f} ± {np.std(own, ddof=1):.4f}"
        )


def weak_table(retriever: HybridRetriever, queries: list[Judged], corpus: Path, folds: int) -> None:
    """Print what the weak flag's shipped rule and cross-validated rules flag."""
    shipped = read_corpus(None)
    found = [retriever.find_title(c.title) for c in shipped]
    if None in found or len(retriever) != len(shipped):
        print("\n(weak check skipped: the index does not hold just the shipped corpus)")
        return
    ids = [paper.id for paper in found if paper is not None]

    def check(seed: int) -> list[Judged]:
        made = generate_weak_check(corpus, shipped, seed=seed)
        return [Judged(q["id"], q["type"], q["query"], {} if q["paper"] is None else {ids[q["paper"]]: 1}) for q in made]

    dev = strengths(retriever, queries)
    fit_check, unseen = strengths(retriever, check(FIT_SEED)), strengths(retriever, check(CHECK_SEED))
    c = retriever.config
    shipped_rule = WeakRule(c.weak_lexical_weight, c.weak_threshold)

    def line(name: str, counts: FlagCounts) -> str:
        return f"{name:44} negatives {counts.negatives:3d}/{counts.of_negatives:<3d}  answerable {counts.answerable:3d}/{counts.of_answerable}"

    print(f"\nweak flag (rule: cosine + {c.weak_lexical_weight} x lexical < {c.weak_threshold})")
    print(line("shipped rule, dev", count_flags(shipped_rule, dev)))
    print(line(f"shipped rule, weak check seed {FIT_SEED}", count_flags(shipped_rule, fit_check)))
    print(line(f"shipped rule, weak check seed {CHECK_SEED}", count_flags(shipped_rule, unseen)))
    for seed in SEEDS:
        print(line(f"fitted on other folds + check {FIT_SEED}, held-out (seed {seed})", cross_validate_rule(dev, [fit_check], folds, seed)))
    fitted = fit_weak_rule([dev, fit_check])
    print(f"fitted on all dev + check {FIT_SEED}: cosine + {fitted.lexical_weight} x lexical < {fitted.threshold:.4f}")
    print(line(f"  that rule, weak check seed {CHECK_SEED}", count_flags(fitted, unseen)))


def main() -> None:
    """Print the tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", type=Path, default=ROOT / "eval" / "dev.jsonl")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--weak-check", type=Path, metavar="CORPUS", help="the scale corpus (JSONL[.gz]) the weak check's negatives come from")
    parser.add_argument("--generated", type=Path, metavar="CORPUS", help="also the ranking table on the mechanical check from CORPUS")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        services = open_services(DataDir(args.data_dir or Path(tmp)))
        retriever = services.retriever
        queries, _ = load_judged_titles(args.file, retriever)
        ranking_table(retriever, queries, args.folds)
        if args.weak_check:
            weak_table(retriever, queries, args.weak_check, args.folds)
        if args.generated:
            build(args.generated, Path(tmp) / "check", seed=CHECK_SEED)
            checked, generated = open_beir(Path(tmp) / "check", Path(tmp) / "check-index", retriever.encoder)
            print(f"\nmechanical ranking check, seed {CHECK_SEED}:")
            ranking_table(checked, generated, args.folds)


if __name__ == "__main__":
    main()
