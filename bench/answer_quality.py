"""Answer quality: does a question's reply quote a sentence that answers it, or say "nothing close" when nothing does?

`paperscout eval --answers FILE` scores a question file (eval/questions.jsonl's format, see
eval/README.md) over the bot's corpus, or with `--sample CORPUS` over the shipped corpus plus
the seeded bench sample the project's questions were written over. Per question it searches as
a mention does (three cards) and takes the reply's quotes, best first:
- answerable questions: is the FIRST quote an acceptable sentence of the named paper; is
  any quote among the three papers' acceptable; was it told "nothing close";
- absent-topic questions: was it told "nothing close" (no quote).
`python -m bench.answer_quality` prints the same for the previous rule, plain cosine and the
first sentence beside the new scorer, by default on the sealed test set (eval/README.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol, Sequence

from bench.answer_set import ABSENT, BENCH_CORPUS, TEST_SET, Question, question_corpus, read_questions
from retrieval.answer import QuestionAnswer
from retrieval.types import SearchResult

# A mention shows three cards; its search goes deeper for "more".
PAPERS = 3
DEPTH = 30


class AnswerRetriever(Protocol):
    """What the runner needs of a retriever (HybridRetriever has it)."""

    def search(self, query: str, k: int = 10) -> SearchResult: ...
    def answer(self, result: SearchResult, max_papers: int = 3) -> QuestionAnswer: ...


@dataclass(frozen=True)
class Outcome:
    """One question's reply, judged."""

    question: Question
    # Position (1-based) of the named paper among the three cards, None if not there.
    paper_rank: int | None
    quotes: tuple[tuple[str, str], ...]  # (title, sentence), best first

    def _ok(self, title: str, sentence: str) -> bool:
        return title == self.question.title and sentence in self.question.accept

    @property
    def nothing_close(self) -> bool:
        """Return whether the reply said no paper answers."""
        return not self.quotes

    @property
    def first_ok(self) -> bool:
        """Return whether the first quote is an acceptable sentence of the named paper."""
        return bool(self.quotes) and self._ok(*self.quotes[0])

    @property
    def any_ok(self) -> bool:
        """Return whether any quote is an acceptable sentence of the named paper."""
        return any(self._ok(t, s) for t, s in self.quotes)


def run(retriever: AnswerRetriever, questions: Sequence[Question],
        answer: Callable[[SearchResult], QuestionAnswer] | None = None) -> list[Outcome]:
    """Return each question's judged reply; `answer` replaces the retriever's own rule (for baselines)."""
    outcomes = []
    for q in questions:
        result = retriever.search(q.query, DEPTH)
        shown = SearchResult(result.query, result.hits[:PAPERS], result.weak, result.note)
        got = answer(shown) if answer is not None else retriever.answer(shown, PAPERS)
        titles = [h.paper.clean_title for h in shown.hits]
        rank = titles.index(q.title) + 1 if q.title in titles else None
        quotes = tuple((titles[x.number - 1], x.sentence) for x in got.quotes)
        outcomes.append(Outcome(q, rank, quotes))
    return outcomes


def _share(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def summarize(outcomes: Sequence[Outcome]) -> dict:
    """Return the shares the issue asks for, overall and per kind of question."""
    answerable = [o for o in outcomes if o.question.answerable]
    absent = [o for o in outcomes if not o.question.answerable]
    summary = {
        "answerable": len(answerable),
        "first_quote_ok": _share([o.first_ok for o in answerable]),
        "any_quote_ok": _share([o.any_ok for o in answerable]),
        "paper_in_cards": _share([o.paper_rank is not None for o in answerable]),
        "told_nothing_close": _share([o.nothing_close for o in answerable]),
        "absent": len(absent),
        "absent_nothing_close": _share([o.nothing_close for o in absent]),
        "by_kind": {},
    }
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[o.question.kind].append(o)
    for kind, group in sorted(groups.items()):
        if kind == ABSENT:
            summary["by_kind"][kind] = {"n": len(group), "nothing_close": _share([o.nothing_close for o in group])}
        else:
            summary["by_kind"][kind] = {"n": len(group), "first_quote_ok": _share([o.first_ok for o in group]),
                                        "any_quote_ok": _share([o.any_ok for o in group]),
                                        "told_nothing_close": _share([o.nothing_close for o in group])}
    return summary


def fold_spread(outcomes: Sequence[Outcome], folds: int = 5) -> dict:
    """Return the standard deviation over `folds` slices (by position) of each headline share."""
    slices = [list(outcomes[i::folds]) for i in range(folds)]
    spread = {}
    for key in ("first_quote_ok", "any_quote_ok", "absent_nothing_close"):
        values = [v for v in (summarize(s)[key] for s in slices) if v is not None]
        spread[key] = round(statistics.pstdev(values), 4) if len(values) > 1 else None
    return spread


def format_summary(summary: dict) -> str:
    """Return the summary as a small plain-text table."""
    def pct(value: float | None) -> str:
        return "  -  " if value is None else f"{value:5.2f}"

    lines = [
        f"answerable questions: {summary['answerable']}  (named paper among the cards: {pct(summary['paper_in_cards'])})",
        f"  first quote acceptable      {pct(summary['first_quote_ok'])}",
        f"  acceptable quote among 3    {pct(summary['any_quote_ok'])}",
        f"  told \"nothing close\"        {pct(summary['told_nothing_close'])}",
        f"absent-topic questions: {summary['absent']}",
        f"  answered \"nothing close\"    {pct(summary['absent_nothing_close'])}",
        "",
        f"{'kind':12} {'n':>3} {'first':>6} {'any':>6} {'nothing':>8}",
    ]
    for kind, row in summary["by_kind"].items():
        if kind == ABSENT:
            lines.append(f"{kind:12} {row['n']:3d} {'':>6} {'':>6} {pct(row['nothing_close']):>8}")
        else:
            lines.append(f"{kind:12} {row['n']:3d} {pct(row['first_quote_ok']):>6} {pct(row['any_quote_ok']):>6} "
                         f"{pct(row['told_nothing_close']):>8}")
    return "\n".join(lines)


def open_question_index(corpus: Path | None, index_dir: Path, progress: bool = False):
    """Return a retriever over the shipped corpus (plus the bench sample if `corpus`), indexed in `index_dir`."""
    from bot.datadir import DataDir
    from retrieval.encoder import MiniLMEncoder
    from retrieval.index import open_retriever

    return open_retriever(question_corpus(corpus), DataDir(index_dir).index_paths(), MiniLMEncoder(), progress=progress)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Answer quality of the new scorer beside the previous rule and baselines.")
    parser.add_argument("--questions", type=Path, default=TEST_SET)
    parser.add_argument("--half", choices=["tune", "test", "all"], default="all")
    parser.add_argument("--corpus", type=Path, default=BENCH_CORPUS, help="the bench corpus the sample is drawn from")
    parser.add_argument("--index", type=Path, help="keep the index here (reused on the next run) instead of a temporary one")
    parser.add_argument("--only-new", action="store_true", help="skip the baselines (they embed every sentence: minutes)")
    args = parser.parse_args(argv)
    from bench.answer_baselines import first_sentence, plain_cosine, previous_rule

    questions = [q for q in read_questions(args.questions) if args.half == "all" or q.half == args.half]
    with tempfile.TemporaryDirectory(prefix="paperscout-answers-") as tmp:
        retriever = open_question_index(args.corpus, args.index or Path(tmp), progress=sys.stderr.isatty())
        rules: dict[str, Callable[[SearchResult], QuestionAnswer] | None] = {"new scorer": None}
        if not args.only_new:
            rules["previous rule"] = previous_rule(retriever.encoder, retriever.bm25.idf)
            rules["plain cosine"] = plain_cosine(retriever.encoder)
            rules["first sentence"] = first_sentence
        report = {}
        for name, rule in rules.items():
            outcomes = run(retriever, questions, rule)
            report[name] = {**summarize(outcomes), "spread": fold_spread(outcomes)}
            print(f"== {name} ({args.half} half, {len(questions)} questions)\n{format_summary(report[name])}\n")
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
