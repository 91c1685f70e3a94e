"""Answer quality: does a mention quote the sentence that answers the question, new rule versus old?

Run with `python -m bench.answer_quality` (builds an index of the shipped corpus in a
temporary directory, about a minute) or `--data DIR` to reuse a data directory. Each case
in eval/answers.jsonl names the paper expected to answer a question and the sentences of
its cleaned abstract acceptable as the quote. Never part of the test suite's timing.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

from retrieval.answer import DEFAULT_WEIGHTS, MIN_SCORE, AnswerWeights, answer_quotes
from retrieval.encoder import Encoder
from retrieval.types import SearchResult

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = ROOT / "eval" / "answers.jsonl"
# A mention shows three cards, so three papers are searched and may be quoted.
PAPERS = 3


class _BM25(Protocol):
    idf: dict[str, float]


class AnswerRetriever(Protocol):
    """What the runner needs of a retriever (HybridRetriever has it)."""

    encoder: Encoder
    bm25: _BM25

    def search(self, query: str, k: int = 10) -> SearchResult: ...


@dataclass(frozen=True)
class AnswerCase:
    """A question, the title of the paper expected to answer it, and its acceptable quotes."""

    id: str
    query: str
    title: str
    accept: tuple[str, ...]


@dataclass(frozen=True)
class CaseOutcome:
    """What each rule quoted for one case."""

    case: AnswerCase
    # Position (1-based) of the expected paper among the searched papers, None if absent.
    expected_rank: int | None
    new_quote: str | None
    new_first_is_expected: bool
    old_title: str | None
    old_quote: str | None

    @property
    def new_paper_quoted(self) -> bool:
        """Return whether the new rule quoted the expected paper at all."""
        return self.new_quote is not None

    @property
    def new_sentence_ok(self) -> bool:
        """Return whether the new rule's quote of the expected paper is an acceptable sentence."""
        return self.new_quote in self.case.accept

    @property
    def old_paper_quoted(self) -> bool:
        """Return whether the old rule (top hit only) quoted the expected paper."""
        return self.old_title == self.case.title and bool(self.old_quote)

    @property
    def old_sentence_ok(self) -> bool:
        """Return whether the old rule quoted an acceptable sentence of the expected paper."""
        return self.old_paper_quoted and self.old_quote in self.case.accept


@dataclass(frozen=True)
class AnswerReport:
    """Counts over all cases, new rule versus old."""

    outcomes: tuple[CaseOutcome, ...]

    @property
    def total(self) -> int:
        """Return the number of cases."""
        return len(self.outcomes)

    def count(self, attribute: str) -> int:
        """Return how many outcomes have the boolean `attribute` set."""
        return sum(1 for o in self.outcomes if getattr(o, attribute))

    @property
    def new_sentence(self) -> int:
        """Return how often the new rule quoted an acceptable sentence of the expected paper."""
        return self.count("new_sentence_ok")

    @property
    def new_paper(self) -> int:
        """Return how often the new rule quoted the expected paper."""
        return self.count("new_paper_quoted")

    @property
    def new_first(self) -> int:
        """Return how often the new rule's first quote is an acceptable sentence of the expected paper."""
        return sum(1 for o in self.outcomes if o.new_first_is_expected and o.new_sentence_ok)

    @property
    def old_sentence(self) -> int:
        """Return how often the old rule quoted an acceptable sentence of the expected paper."""
        return self.count("old_sentence_ok")

    @property
    def old_paper(self) -> int:
        """Return how often the old rule quoted the expected paper."""
        return self.count("old_paper_quoted")

    @property
    def retrieved(self) -> int:
        """Return how often the expected paper was among the searched papers (the ceiling of both rules)."""
        return sum(1 for o in self.outcomes if o.expected_rank is not None)


def load_cases(path: Path = ANSWERS) -> list[AnswerCase]:
    """Return the cases of a JSONL file of {id, query, title, accept}."""
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        cases.append(AnswerCase(row["id"], row["query"], row["title"], tuple(row["accept"])))
    return cases


def run_case(
    retriever: AnswerRetriever,
    case: AnswerCase,
    *,
    weights: AnswerWeights = DEFAULT_WEIGHTS,
    min_score: float = MIN_SCORE,
) -> CaseOutcome:
    """Search the case's question and record what the new and the old rule quote."""
    result = retriever.search(case.query, PAPERS)
    hits = result.hits[:PAPERS]
    titles = [h.paper.title for h in hits]
    expected_rank = titles.index(case.title) + 1 if case.title in titles else None
    quotes = answer_quotes(
        result.query, hits, retriever.encoder, retriever.bm25.idf,
        max_papers=PAPERS, min_score=min_score, weights=weights,
    )
    new_quote = next((q.sentence for q in quotes if q.number == expected_rank), None)
    first_is_expected = bool(quotes) and quotes[0].number == expected_rank
    top = hits[0] if hits else None
    return CaseOutcome(
        case=case,
        expected_rank=expected_rank,
        new_quote=new_quote,
        new_first_is_expected=first_is_expected,
        old_title=top.paper.title if top else None,
        old_quote=top.best_sentence if top else None,
    )


def evaluate_answers(
    retriever: AnswerRetriever,
    cases: Sequence[AnswerCase],
    *,
    weights: AnswerWeights = DEFAULT_WEIGHTS,
    min_score: float = MIN_SCORE,
) -> AnswerReport:
    """Return the outcome of every case under both rules."""
    return AnswerReport(tuple(run_case(retriever, c, weights=weights, min_score=min_score) for c in cases))


def format_report(report: AnswerReport) -> str:
    """Return a plain-text table of the counts and each case's quotes."""
    n = report.total
    lines = [
        f"expected paper among the {PAPERS} searched: {report.retrieved}/{n}",
        f"{'rule':<28}{'sentence ok':>12}{'paper quoted':>14}",
        f"{'new (answer_quotes)':<28}{report.new_sentence:>9}/{n:<2}{report.new_paper:>11}/{n:<2}",
        f"{'old (top best_sentence)':<28}{report.old_sentence:>9}/{n:<2}{report.old_paper:>11}/{n:<2}",
        f"new rule's first quote is an acceptable sentence: {report.new_first}/{n}",
        "",
    ]
    for o in report.outcomes:
        mark = "ok " if o.new_sentence_ok else ("-- " if o.new_paper_quoted else "?? ")
        lines.append(f"{mark}{o.case.id} {o.case.query}  [old {'ok' if o.old_sentence_ok else '--'}]")
        if o.new_quote and not o.new_sentence_ok:
            lines.append(f"     new quoted: {o.new_quote[:150]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Build (or open) an index of the shipped corpus and print the answer-quality report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="data directory to open (default: a fresh temporary one)")
    parser.add_argument("--cases", type=Path, default=ANSWERS)
    args = parser.parse_args(argv)
    # Imported here: the report functions above need only a retriever, not the bot's wiring.
    from bot.datadir import DataDir
    from bot.services import open_services

    with tempfile.TemporaryDirectory() as tmp:
        services = open_services(DataDir(args.data or Path(tmp)))
        report = evaluate_answers(services.retriever, load_cases(args.cases))
    print(format_report(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
