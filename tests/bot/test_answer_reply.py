"""A question's reply: the quotes that answer, each cited to its card, or one line saying nothing does."""

from __future__ import annotations

import dataclasses

from bot.core.answer_reply import NOTHING_ANSWERS, NOTHING_FOUND, answer_reply, reply_for
from bot.core.replies import ANSWER
from bot.terminal.text_render import render
from retrieval.answer import QuestionAnswer, Quote
from tests.bot.fakes import FakeRetriever


def test_an_answered_question_opens_with_its_quotes_and_shows_every_card() -> None:
    retriever = FakeRetriever()
    result = retriever.search("sinkhorn newton steps", 30)
    shown = result.hits[:3]
    sentence = shown[0].best_sentence
    answer = QuestionAnswer(result.query, "figure", (Quote(shown[0].paper.id, 1, sentence, 2.0, (3, 9)),))
    reply = reply_for(answer, result.query, shown, None, None)
    assert reply.kind == ANSWER and reply.text == "" and not reply.weak
    assert [(q.number, q.sentence, q.bold) for q in reply.quotes] == [(1, sentence, (3, 9))]
    # Papers whose sentences do not answer are still shown, as cards without a quote.
    assert [c.paper.id for c in reply.cards] == [h.paper.id for h in shown] and len(reply.cards) == 3
    text = render(reply)
    assert text.startswith(f"  > \u201c{sentence[:3]}**{sentence[3:9]}**")


def test_nothing_answering_says_so_in_one_line_and_shows_the_closest_apart() -> None:
    retriever = FakeRetriever()
    result = retriever.search("sinkhorn newton steps", 30)
    shown = result.hits[:3]
    reply = reply_for(QuestionAnswer(result.query, "topic", ()), result.query, shown, None, None)
    assert reply.text == NOTHING_ANSWERS and reply.weak and reply.quotes == ()
    assert all(card.weak for card in reply.cards) and len(reply.cards) == 3
    # A weak search never reaches the quotes at all.
    weak = answer_reply(retriever, dataclasses.replace(result, weak=True), shown, None, None)
    assert weak.text == NOTHING_ANSWERS and weak.quotes == ()
    assert answer_reply(retriever, result, (), None, None).text == NOTHING_FOUND
