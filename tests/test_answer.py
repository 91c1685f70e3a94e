"""Answer sentences: the kind a question asks for, the features, the gate, the bold span, and real answers."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from bench.answer_set import QUESTIONS, TUNING_EXTRA, read_questions
from bench.question_split import draw_halves
from corpus.paper import Paper
from retrieval.answer import MODEL_PATH, AnswerModel, QuestionAnswer, answer_question, candidate_sentences, gate_parts
from retrieval.answer_features import NAMES, background_mask, idf_share, sentence_features
from retrieval.answer_span import answer_span
from retrieval.question_kind import CAUSE, COMPARISON, FIGURE, METHOD, TOPIC, YES_NO, question_kind
from retrieval.sentences import split_sentences
from retrieval.types import Hit, SearchResult

SINKHORN = "Accelerating Sinkhorn Algorithm with Sparse Newton Iterations"
FASTER = "we observe that the SNS algorithm converges orders of magnitude faster"


def as_hit(paper: Paper, rank: int, dense: float = 0.9) -> Hit:
    return Hit(paper=paper, rank=rank, score=0.0, bm25_rank=None, bm25_score=0.0,
               matched_terms=(), dense_similarity=dense, best_sentence="")


def make_paper(pid: str, title: str, abstract: str) -> Paper:
    return Paper(id=pid, title=title, abstract=abstract, clean_title=title, clean_abstract=abstract, ingested_at="")


# --- reading the question ---------------------------------------------------------------------


@pytest.mark.parametrize("question, kind", [
    ("does weight decay help transformers generalize?", YES_NO),
    ("Can LLMs find counterexamples to wrong proofs?", YES_NO),
    ("how much faster is the sparse Newton Sinkhorn?", FIGURE),
    ("What share of solutions are wrong?", FIGURE),
    ("what accuracy does it reach on ImageNet?", FIGURE),
    ("how does LoRA compare with full fine-tuning?", COMPARISON),
    ("is Adam better than SGD for domain generalization?", COMPARISON),
    ("how does AdaHessian estimate curvature?", METHOD),
    ("what approach is used to prune language models?", METHOD),
    ("why does IBP training need long warmup?", CAUSE),
    ("What latent-space issue makes detectors vulnerable to attacks?", CAUSE),
    ("is there work on faster Sinkhorn?", TOPIC),
    ("implicit differentiation", TOPIC),
])
def test_the_kind_of_answer_a_question_asks_for(question: str, kind: str) -> None:
    assert question_kind(question) == kind


# --- the bold span ----------------------------------------------------------------------------


def bold(question: str, sentence: str) -> str | None:
    span = answer_span(question, question_kind(question), sentence)
    return sentence[span[0]:span[1]] if span else None


def test_the_bold_span_is_the_figure_the_comparison_the_finding_or_the_reason() -> None:
    assert bold("how much faster is it?", "It is 4.2x faster than LES and uses 30% less memory.") == "4.2x faster"
    # A number the question gives is not the answer's figure; a superscript is no figure at all.
    assert bold("how much does GPT-4 cost?", "GPT-4 costs $2 per run, about 10 times less.") == "2"
    assert bold("how many samples?", "It needs Omega(s^2 log n) samples.") is None
    assert bold("how does A compare with B?", "Our method significantly outperforms B on all tasks, while cheaper.") == \
        "outperforms B on all tasks"
    assert bold("does scaling solve MATH?", "We find that scaling is not currently solving MATH.") == "not currently solving MATH"
    assert bold("why do gradients vanish?", "This happens because gradients shrink in deep nets, which hurts.") == \
        "because gradients shrink in deep nets"
    assert bold("is there work on faster Sinkhorn?", "It converges orders of magnitude faster.") is None


# --- features and the gate ---------------------------------------------------------------------


def test_background_is_what_comes_before_the_first_contribution_sentence() -> None:
    sentences = ["Sinkhorn is popular.", "Its runtime may still be slow.", "We propose Newton steps.", "It is fast."]
    assert background_mask(sentences).tolist() == [1.0, 1.0, 0.0, 0.0]
    assert background_mask(["Here, we exhibit a quantum algorithm.", "It is fast."]).tolist() == [0.0, 0.0]
    # No contribution sentence: nothing can be told apart as background.
    assert background_mask(["Sinkhorn is slow.", "Newton steps are fast."]).tolist() == [0.0, 0.0]


def test_idf_share_is_the_share_of_the_question_idf_mass_present() -> None:
    idf = {"faster": 1.0, "sinkhorn": 3.0}
    assert idf_share(["faster", "sinkhorn"], {"faster", "sinkhorn"}, idf, 3.0) == pytest.approx(1.0)
    assert idf_share(["faster", "sinkhorn"], {"sinkhorn"}, idf, 3.0) == pytest.approx(0.75)
    # An unknown word weighs like the rarest known one.
    assert idf_share(["faster", "tokamak"], {"faster"}, idf, 3.0) == pytest.approx(0.25)
    assert idf_share([], {"faster"}, idf, 3.0) == 0.0


def test_features_have_one_column_per_name_and_kind_cues_only_for_their_kind() -> None:
    sentences = ["Transport is everywhere.", "We show it is 10x faster than Sinkhorn.", "It works by using Newton steps."]
    idf = {"faster": 1.0, "sinkhorn": 2.0}
    figure = sentence_features("how much faster is it than Sinkhorn?", FIGURE, "A title", sentences, idf)
    method = sentence_features("how does it work?", METHOD, "A title", sentences, idf)
    assert figure.shape == method.shape == (3, len(NAMES))
    col = {name: i for i, name in enumerate(NAMES)}
    assert figure[1, col["figure_number"]] == 1.0 and method[1, col["figure_number"]] == 0.0
    assert method[2, col["method_mechanism"]] == 1.0 and figure[2, col["method_mechanism"]] == 0.0
    assert figure[:, col["number"]].tolist() == [0.0, 1.0, 0.0]
    assert sentence_features("q", TOPIC, "t", [], idf).shape == (0, len(NAMES))


def test_the_shipped_model_matches_todays_features() -> None:
    model = AnswerModel.load()
    assert model.weights.shape == (len(NAMES),)
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert tuple(data["features"]) == NAMES


def test_a_stale_model_file_is_refused_with_the_command_that_rebuilds_it(tmp_path) -> None:
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    stale = tmp_path / "model.json"
    stale.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="bench.answer_fit"):
        AnswerModel.load(stale)


def test_quotes_are_verbatim_in_card_order_and_papers_failing_the_gate_are_not_quoted() -> None:
    fast = make_paper("a", "Faster optimal transport", "Optimal transport is costly. We propose a solver that is 10x faster than Sinkhorn.")
    slow = make_paper("b", "Soccer betting", "Betting markets are inefficient. We exploit this to make a profit.")
    idf = {"faster": 1.0, "sinkhorn": 3.0, "optim": 1.0, "transport": 2.0}
    model = dataclasses.replace(AnswerModel.load(), gate_dense=0.0, gate_rare=0.0, gate_min=0.5)
    hits = [as_hit(fast, 1), as_hit(slow, 2)]
    answer = answer_question("how much faster than Sinkhorn is optimal transport?", hits, idf, model=model)
    assert answer.kind == FIGURE and answer.answered
    assert [q.number for q in answer.quotes] == [1] and answer.quotes[0].paper_id == "a"
    quote = answer.quotes[0]
    assert quote.sentence in split_sentences(fast.clean_abstract)
    assert quote.sentence[quote.bold[0]:quote.bold[1]] == "10x faster"
    # With an open gate both papers are quoted, still in card order; max_papers stops early.
    open_gate = dataclasses.replace(model, gate_min=-1.0)
    assert [q.number for q in answer_question("faster transport", hits, idf, model=open_gate).quotes] == [1, 2]
    assert [q.number for q in answer_question("faster transport", hits, idf, model=open_gate, max_papers=1).quotes] == [1]
    assert answer_question("", hits, idf, model=open_gate).quotes == ()
    assert gate_parts("faster sinkhorn", fast.text, 0.5, idf, 3.0) == (pytest.approx(1.0), pytest.approx(1.0), 0.5)


def test_fragments_are_skipped_unless_an_abstract_has_nothing_else() -> None:
    assert candidate_sentences("Code is released. We propose a much faster solver for transport.") == [
        (1, "We propose a much faster solver for transport.")]
    assert candidate_sentences("Short one. Tiny.") == [(0, "Short one."), (1, "Tiny.")]


# --- the question set and its split ------------------------------------------------------------


def test_the_question_files_halves_are_the_seeded_draw() -> None:
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 92 and sum(r["kind"] == "absent" for r in rows) >= 12
    halves = draw_halves(rows)
    assert all(r["half"] == halves[r["id"]] for r in rows)
    assert {r["half"] for r in rows} == {"tune", "test"}
    assert all(q.half == "tune" for q in read_questions(TUNING_EXTRA))


def test_questions_name_real_sentences_of_real_shipped_papers(shipped_services) -> None:
    retriever = shipped_services.retriever
    shipped = [q for q in read_questions(QUESTIONS) if q.source == "shipped"]
    assert len(shipped) >= 40
    for q in shipped:
        paper = retriever.find_title(q.title)
        assert paper is not None, q.id
        assert all(s in split_sentences(paper.clean_abstract) for s in q.accept), q.id


# --- on the real index ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def retriever(shipped_services):
    return shipped_services.retriever


def ask(retriever, question: str) -> tuple[SearchResult, QuestionAnswer]:
    result = retriever.search(question, 30)
    shown = SearchResult(result.query, result.hits[:3], result.weak, result.note)
    return shown, retriever.answer(shown)


# Easy cases every rule so far got right: they must stay right.
EASY = [
    ("is there work on faster Sinkhorn?", SINKHORN, FASTER),
    ("what happens to the neural tangent kernel in the infinite-width limit?",
     "Neural Tangent Kernel: Convergence and Generalization in Neural Networks", "it converges to an explicit limiting kernel"),
    ("does scaling up transformers solve the MATH benchmark?", "Measuring Mathematical Problem Solving With the MATH Dataset",
     "accuracy remains relatively low"),
]


@pytest.mark.parametrize("question, title, words", EASY)
def test_easy_questions_keep_their_answering_sentence_first(retriever, question: str, title: str, words: str) -> None:
    shown, answer = ask(retriever, question)
    assert answer.answered
    first = answer.quotes[0]
    assert retriever.get(first.paper_id).title == title
    assert words in first.sentence


def test_a_figure_question_bolds_the_figure(retriever) -> None:
    _, answer = ask(retriever, "how much faster does the sparse Newton Sinkhorn converge?")
    first = answer.quotes[0]
    assert FASTER in first.sentence
    assert first.sentence[first.bold[0]:first.bold[1]].startswith("orders of magnitude")


@pytest.mark.parametrize("question", [
    "Can reinforcement learning safely control insulin dosing for people with type 1 diabetes?",
    "How do transformer models forecast day-ahead electricity prices?",
])
def test_a_topic_the_corpus_lacks_is_answered_nothing_close(retriever, question: str) -> None:
    _, answer = ask(retriever, question)
    assert not answer.answered and answer.quotes == ()


def test_a_weak_search_is_never_quoted(retriever) -> None:
    result = retriever.search("is there work on faster Sinkhorn?", 3)
    assert retriever.answer(dataclasses.replace(result, weak=True)).quotes == ()
    assert retriever.answer(result).quotes


def test_static_vectors_put_a_paraphrase_closer_than_an_unrelated_sentence(retriever) -> None:
    static = retriever.encoder.static_vectors()
    vectors = static.encode(["the optimizer converges faster", "the solver reaches the optimum more quickly",
                             "betting markets for soccer", ""])
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5) and not vectors[3].any()
