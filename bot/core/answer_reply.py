"""A question's reply: the sentences that answer it, each cited to its card, or one line saying nothing does.

The reply opens with the answering sentence of the best paper (its answering words in bold),
then the other papers' answering sentences, best first, each cited [n] to its card. A paper
whose best sentence does not answer is shown as a card and not quoted. When no paper answers
(the search found nothing close, or no sentence scores as an answer), one line says so and
the closest papers follow, marked apart as weak matches.
"""

from __future__ import annotations

from typing import Sequence

from bot.core.handlers import card_from_hit
from bot.core.live_index import Retriever
from bot.core.replies import ANSWER, Quote, Reply
from retrieval.answer import QuestionAnswer
from retrieval.types import Hit, SearchResult

NOTHING_FOUND = "I found nothing on that in my corpus."
NOTHING_ANSWERS = "Nothing in my corpus answers that. The closest papers, shown apart:"


def shown_result(result: SearchResult, shown: Sequence[Hit]) -> SearchResult:
    """Return `result` cut to the hits a reply shows: only those may be quoted."""
    return SearchResult(result.query, tuple(shown), result.weak, result.note)


def answer_reply(retriever: Retriever, result: SearchResult, shown: Sequence[Hit], note: str | None,
                 understood: str | None) -> Reply:
    """Return the reply to a question whose search gave `result`, `shown` being the hits it shows as cards."""
    if not shown:
        return Reply(ANSWER, NOTHING_FOUND, query=result.query, note=note, understood=understood)
    return reply_for(retriever.answer(shown_result(result, shown), len(shown)), result.query, shown, note, understood)


def reply_for(answer: QuestionAnswer, query: str, shown: Sequence[Hit], note: str | None, understood: str | None) -> Reply:
    """Return the reply showing `answer` over the cards of `shown` (see the module docstring)."""
    if not shown:
        return Reply(ANSWER, NOTHING_FOUND, query=query, note=note, understood=understood)
    if not answer.answered:
        cards = tuple(card_from_hit(h, weak=True) for h in shown)
        return Reply(ANSWER, NOTHING_ANSWERS, cards, query=query, weak=True, note=note, understood=understood)
    quotes = tuple(Quote(q.sentence, shown[q.number - 1].paper.clean_title, q.number, q.bold) for q in answer.quotes)
    return Reply(ANSWER, "", tuple(card_from_hit(h) for h in shown), query=query, note=note, quotes=quotes,
                 understood=understood)
