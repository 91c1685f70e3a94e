"""Cross-validated effect of each later stage of the ranking, on a judged query file.

    python -m bench.fusion_cv [eval/dev.jsonl] [--folds 5] [--data-dir DIR]

Prints each variant's mean nDCG@10, its per-query wins and losses against the default,
and the held-out score (mean ± spread over folds) of choosing among the variants on the
other folds. Uses the data dir's index (`PAPERSCOUT_DATA_DIR`, or a temporary one).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bot.datadir import DataDir
from bot.services import open_services
from retrieval.crossval import ablations, cross_validate, folds_of, variant_scores
from retrieval.evaluate import load_judged_titles

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", type=Path, default=ROOT / "eval" / "dev.jsonl")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        services = open_services(DataDir(args.data_dir or Path(tmp)))
        retriever = services.retriever
        queries, _ = load_judged_titles(args.file, retriever)
        scores = variant_scores(retriever, queries, ablations(retriever.config))
    base = scores["default"]
    print(f"{len(base)} judged queries, {args.folds} folds\n")
    print(f"{'variant':18} {'nDCG@10':>8} {'better':>7} {'worse':>6}")
    for name, values in scores.items():
        print(f"{name:18} {values.mean():8.4f} {int((values > base + 1e-9).sum()):7d} {int((values < base - 1e-9).sum()):6d}")
    result = cross_validate(scores, args.folds)
    print(f"\nchoosing among them on the other folds: held-out {result.mean:.4f} ± {result.spread:.4f}; chosen: {', '.join(result.chosen)}")
    print(f"default alone per fold: {' '.join(f'{base[f].mean():.3f}' for f in folds_of(len(base), args.folds))}")


if __name__ == "__main__":
    main()
