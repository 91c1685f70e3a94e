"""The words of a quoted sentence that answer the question, shown in bold: the figure, the comparison, the finding."""

from __future__ import annotations

import re

from retrieval.answer_features import CAUSAL, COMPARATIVE, FINDING, MECHANISM, NEGATION, NUMBER
from retrieval.question_kind import CAUSE, COMPARISON, FIGURE, METHOD, YES_NO

# After a figure, the word saying what it measures ("4x faster", "12 points higher").
_UNIT = re.compile(r"\s+(?:faster|slower|higher|lower|fewer|more|less|smaller|larger|speed-?ups?|reductions?|improvements?"
                   r"|gains?|points?|times|percent|percentage points|of the)\b", re.IGNORECASE)
_WORD = re.compile(r"\s*[^\s,;:.!?()]+")
# A clause ends at punctuation; a bold span stops there or after this many words.
_CLAUSE_WORDS = {COMPARISON: 6, YES_NO: 6, METHOD: 8, CAUSE: 8}
_CUES = {COMPARISON: (COMPARATIVE,), YES_NO: (NEGATION, FINDING), METHOD: (MECHANISM,), CAUSE: (CAUSAL,)}


def _to_clause_end(sentence: str, end: int, words: int) -> int:
    for _ in range(words):
        step = _WORD.match(sentence, end)
        if step is None:
            break
        end = step.end()
    return end


def answer_span(question: str, kind: str, sentence: str) -> tuple[int, int] | None:
    """Return [start, end) of the answering words of `sentence` for a question of `kind`, or None."""
    if kind == FIGURE:
        asked = set(NUMBER.findall(question))
        for match in NUMBER.finditer(sentence):
            if match.group(0) in asked:
                continue
            end = match.end()
            unit = _UNIT.match(sentence, end)
            return match.start(), unit.end() if unit else end
        return None
    for pattern in _CUES.get(kind, ()):
        match = pattern.search(sentence)
        if match:
            return match.start(), _to_clause_end(sentence, match.end(), _CLAUSE_WORDS[kind])
    return None
