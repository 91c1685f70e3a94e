"""The answer-selection question set and the corpus it is asked over.

`eval/questions.jsonl` (see eval/README.md) names, for each answerable question, the paper
that answers it and the sentences of its cleaned abstract acceptable as the quote; absent-topic
questions name none. Half the papers named are shipped ones; the other half come from a seeded
sample of the bench corpus (`../shared/bench-data/`, never copied into the project), so the
questions are asked over the shipped corpus plus that sample: `sample_papers` redraws it.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from bench.corpus_file import read_corpus
from corpus.records import Candidate, new_paper
from corpus.paper import Paper
from corpus.store import utc_now

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "questions.jsonl"
# Sealed before the second round of tuning; read once, for the final figures.
TEST_SET = ROOT / "eval" / "questions_test2.jsonl"
# Written after the split (after the test half was first scored), all for tuning: more absent
# topics and more "how"/"why" questions, where the first tuning half was thin.
TUNING_EXTRA = ROOT / "eval" / "questions_tuning_extra.jsonl"
BENCH_CORPUS = ROOT.parent / "shared" / "bench-data" / "paperlists_ml.jsonl.gz"
SAMPLE_PAPERS = 1500
SAMPLE_SEED = 19
ABSENT = "absent"


class QuestionFileError(ValueError):
    """A question file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Question:
    """One question: its kind, its half of the split, the answering paper's title and acceptable quotes."""

    id: str
    query: str
    kind: str
    half: str = ""
    source: str = ""
    title: str | None = None
    accept: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        """Return whether the corpus holds a paper that answers the question."""
        return self.kind != ABSENT


def read_questions(path: Path) -> list[Question]:
    """Return the questions of a JSONL file; raise QuestionFileError naming the first bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise QuestionFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise QuestionFileError(f"{path} is not UTF-8 text") from None
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            query = str(item["query"]).strip()
            kind = str(item.get("kind") or "question")
            title = item.get("title")
            accept = tuple(str(s) for s in item.get("accept") or ())
        except (ValueError, KeyError, TypeError, AttributeError):
            raise QuestionFileError(f"{path}:{number}: expected a JSON object with \"query\" (and \"title\", \"accept\")") from None
        if not query or (kind != ABSENT and (not title or not accept)):
            raise QuestionFileError(f"{path}:{number}: an answerable question needs \"query\", \"title\" and \"accept\"")
        questions.append(Question(str(item.get("id") or number), query, kind, str(item.get("half") or ""),
                                  str(item.get("source") or ""), str(title) if title else None, accept))
    if not questions:
        raise QuestionFileError(f"{path} holds no questions")
    return questions


# The halves of eval/questions.jsonl choices may be made on. The test half was scored twice
# (docs/quality.md, "Answers"), then joined the tuning data; eval/questions_test2.jsonl, sealed before
# that, is the set the final figures come from.
TUNING_HALVES = ("tune", "test")


def tuning_questions(path: Path = QUESTIONS, extra: Path | None = TUNING_EXTRA) -> list[Question]:
    """Return every question choices may be made on: both halves of the first set, and the extra tuning file."""
    questions = [q for q in read_questions(path) if q.half in TUNING_HALVES]
    return questions + (read_questions(extra) if extra is not None and extra.exists() else [])


def sample_papers(corpus: Path, papers: int = SAMPLE_PAPERS, seed: int = SAMPLE_SEED) -> list[Candidate]:
    """Return the seeded sample of `corpus` the questions were written over, without shipped titles."""
    shipped = read_corpus(None)
    taken = {c.title.strip().lower() for c in shipped}
    pool = read_corpus(corpus)
    return [c for c in random.Random(seed).sample(pool, min(papers, len(pool))) if c.title.strip().lower() not in taken]


def question_corpus(corpus: Path | None) -> list[Paper]:
    """Return the shipped papers, plus the bench sample when `corpus` is given, as Papers."""
    candidates = read_corpus(None) + (sample_papers(corpus) if corpus is not None else [])
    now = utc_now()
    return [new_paper(c, f"q{i}", now) for i, c in enumerate(candidates)]
