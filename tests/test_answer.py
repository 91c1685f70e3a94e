"""Answer quotes: one verbatim sentence per top paper, chosen by meaning; measured against the old rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench.answer_quality import ANSWERS, evaluate_answers, load_cases
from corpus.paper import Paper
from retrieval.answer import MIN_SCORE, answer_quotes, background_mask, lexical_overlap
from retrieval.sentences import split_sentences
from retrieval.tokenize import tokenize
from retrieval.types import Hit

SINKHORN = "Accelerating Sinkhorn Algorithm with Sparse Newton Iterations"
FASTER = "we observe that the SNS algorithm converges orders of magnitude faster"
UNRELATED = "Beating the average: how to generate profit by exploiting the inefficiencies of soccer betting"


def as_hit(paper: Paper, rank: int) -> Hit:
    return Hit(paper=paper, rank=rank, score=0.0, bm25_rank=None, bm25_score=0.0,
               matched_terms=(), dense_similarity=0.0, best_sentence="")


def make_paper(pid: str, title: str, abstract: str) -> Paper:
    return Paper(id=pid, title=title, abstract=abstract, clean_title=title, clean_abstract=abstract, ingested_at="")


class WordEncoder:
    """A deterministic stand-in for MiniLM: normalized bags of index terms hashed into 64 dimensions."""

    name = "words"

    def __init__(self) -> None:
        self.calls: list[int] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in tokenize(text):
                out[row, sum(map(ord, term)) % 64] += 1.0
            out[row] /= np.linalg.norm(out[row]) or 1.0
        return out


# --- the rule's parts, without the model ----------------------------------------------------


def test_background_is_what_comes_before_the_first_contribution_sentence() -> None:
    sentences = [
        "Optimal transport is a fundamental task.",
        "Despite its success, Sinkhorn can be slow.",
        "We present a Newton-type extension.",
        "It converges faster than before.",
    ]
    assert background_mask(sentences) == [True, True, False, False]
    assert background_mask(["Here, we exhibit a quantum algorithm.", "It is fast."]) == [False, False]
    # An abstract that never says what "we" did has no detectable background.
    assert background_mask(["Sinkhorn is slow.", "Newton steps are fast."]) == [False, False]


def test_lexical_overlap_is_the_share_of_query_idf_mass_present() -> None:
    idf = {"faster": 3.0, "sinkhorn": 1.0}
    terms = tokenize("faster Sinkhorn")
    assert lexical_overlap(terms, "A faster Sinkhorn.", idf) == pytest.approx(1.0)
    assert lexical_overlap(terms, "It converges faster.", idf) == pytest.approx(0.75)
    assert lexical_overlap(terms, "Nothing shared here.", idf) == 0.0
    assert lexical_overlap([], "Anything.", idf) == 0.0


def test_quotes_are_verbatim_numbered_by_hit_position_and_encoded_in_one_call() -> None:
    papers = [
        make_paper("a", "Fast transport", "Transport is useful in many fields today. We make transport solvers much faster."),
        make_paper("b", "Ranking", "Rankings come from comparisons of many kinds. We compute rankings quickly and exactly."),
        make_paper("c", "Faster transport solvers", "We study faster transport solvers in this short paper."),
        make_paper("d", "Transport again", "We make transport solvers faster, once more, in a fourth paper."),
    ]
    encoder = WordEncoder()
    quotes = answer_quotes("faster transport solvers", [as_hit(p, i) for i, p in enumerate(papers, 1)],
                           encoder, {}, max_papers=3, min_score=-math.inf)
    assert encoder.calls == [1 + 5]
    assert [q.number for q in quotes] == [1, 2, 3]
    assert [q.paper_id for q in quotes] == ["a", "b", "c"]
    for q, p in zip(quotes, papers):
        assert q.sentence in split_sentences(p.clean_abstract)
    assert quotes[0].sentence == "We make transport solvers much faster."


def test_no_hits_or_no_text_quote_nothing() -> None:
    assert answer_quotes("faster transport", [], WordEncoder(), {}) == ()
    empty = make_paper("e", "Untitled", "")
    assert answer_quotes("faster transport", [as_hit(empty, 1)], WordEncoder(), {}) == ()


# --- the real rule over the shipped corpus --------------------------------------------------


@pytest.fixture(scope="module")
def retriever(shipped_services):
    return shipped_services.retriever


def test_faster_sinkhorn_quotes_the_sentence_saying_it_is_faster(retriever) -> None:
    result = retriever.search("is there work on faster Sinkhorn?", 3)
    quotes = answer_quotes(result.query, result.hits, retriever.encoder, retriever.bm25.idf)
    first = quotes[0]
    assert first.number == 1
    assert retriever.get(first.paper_id).title == SINKHORN
    assert FASTER in first.sentence
    # The old rule quoted a background sentence that merely repeats "Sinkhorn".
    assert FASTER not in result.hits[0].best_sentence


def test_quotes_cite_hit_positions_verbatim_and_stop_at_max_papers(retriever) -> None:
    for query in ("is there work on faster Sinkhorn?", "can a language model memorize new data at inference time?",
                  "how do LLMs do on self-invoking code generation?"):
        result = retriever.search(query, 5)
        hits = result.hits
        for max_papers in (1, 2, 3):
            quotes = answer_quotes(result.query, hits, retriever.encoder, retriever.bm25.idf,
                                   max_papers=max_papers, min_score=-math.inf)
            # With no threshold every one of the first max_papers papers is quoted, in order.
            assert [q.number for q in quotes] == list(range(1, max_papers + 1))
            allowed = {h.paper.id for h in hits[:max_papers]}
            for q in quotes:
                paper = hits[q.number - 1].paper
                assert q.paper_id == paper.id and q.paper_id in allowed
                assert q.sentence in paper.clean_abstract
                assert q.sentence in split_sentences(paper.clean_abstract)


def test_a_paper_whose_best_sentence_scores_low_is_shown_but_not_quoted(retriever) -> None:
    result = retriever.search("is there work on faster Sinkhorn?", 1)
    unrelated = retriever.find_title(UNRELATED)
    assert unrelated is not None
    hits = (result.hits[0], as_hit(unrelated, 2))
    everything = answer_quotes(result.query, hits, retriever.encoder, retriever.bm25.idf, min_score=-math.inf)
    assert [q.number for q in everything] == [1, 2]
    assert everything[1].score < MIN_SCORE <= everything[0].score
    quotes = answer_quotes(result.query, hits, retriever.encoder, retriever.bm25.idf)
    assert [q.number for q in quotes] == [1]
    assert all(q.paper_id != unrelated.id for q in quotes)


def test_eval_cases_quote_real_sentences_of_real_papers(retriever) -> None:
    cases = load_cases(ANSWERS)
    assert len(cases) == 15 and len({c.id for c in cases}) == 15
    for case in cases:
        paper = retriever.find_title(case.title)
        assert paper is not None and paper.title == case.title, case.id
        sentences = split_sentences(paper.clean_abstract)
        assert 1 <= len(case.accept) <= 3
        assert all(s in sentences for s in case.accept), case.id


def test_new_rule_answers_at_least_as_often_as_the_old_rule(retriever) -> None:
    report = evaluate_answers(retriever, load_cases(ANSWERS))
    assert report.total == 15
    assert report.new_sentence >= report.old_sentence
    assert report.new_paper >= report.old_paper
    # The counts are consistent: a right sentence implies its paper was quoted and retrieved.
    assert report.new_sentence <= report.new_paper <= report.retrieved
    assert report.old_sentence <= report.old_paper
    sinkhorn = next(o for o in report.outcomes if o.case.query == "is there work on faster Sinkhorn?")
    assert sinkhorn.new_sentence_ok and sinkhorn.new_first_is_expected
