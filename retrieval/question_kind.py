"""What kind of answer a question asks for, read from its wording (no model).

yes/no ("does X help Y?"), a figure ("how much", "what share", "what accuracy"), a comparison
("how does X compare with Y", "is X better than Y"), a method ("how does X do Y"), a cause
("why", "what makes X hard"), or a plain topic ("is there work on X", "papers on X").
The first rule that matches wins, in the order below: "how much faster is X than Y" asks
for a figure, "why is X better than Y" for a cause.
"""

from __future__ import annotations

import re

YES_NO = "yes_no"
FIGURE = "figure"
COMPARISON = "comparison"
METHOD = "method"
CAUSE = "cause"
TOPIC = "topic"
KINDS = (YES_NO, FIGURE, COMPARISON, METHOD, CAUSE, TOPIC)

_I = re.IGNORECASE
# "is there work on X", "any papers about X", "papers on X": the question names a topic.
_TOPIC = re.compile(
    r"^(?:(?:is|are) there (?:any )?(?:work|papers?|research|studies|literature|methods?|approaches)\b"
    r"|(?:any|which|what) (?:good )?(?:papers?|work|references|research|studies)\b"
    r"|papers? (?:on|about)\b|(?:what is|what's) known about\b|(?:find|show) me\b)", _I)
_CAUSE = re.compile(r"^\s*why\b|\bwhat(?: [\w-]+){0,3} (?:causes|caused|makes|made|leads|led|explains|drives)\b|\b(?:the )?reasons? (?:for|why|that)\b"
                    r"|\bhow come\b|\bwhat is behind\b", _I)
_FIGURE = re.compile(
    r"\bhow (?:much|many|fast|large|big|small|long|often|accurate(?:ly)?|well)\b|\bby how\b"
    r"|\bwhat (?:share|fraction|percentage|proportion|portion|ratio|rate|speed-?up|accuracy|score|f1|error|success rate"
    r"|improvement|gain|number|size|cost|bit ?width|\w+ rate)\b|\bwhat percent\b", _I)
_COMPARISON = re.compile(
    r"\bcompare[sd]?\b|\bcomparisons?\b|\bversus\b|\bvs\.?\b|\b(?:better|worse|faster|slower|stronger|weaker|more \w+|less \w+) than\b"
    r"|\boutperform\w*\b|\bbeats?\b|\bsurpass\w*\b|\bmatch(?:es)?\b.*\bperformance\b|\bdifference between\b|\bwhich (?:is|works) better\b", _I)
_METHOD = re.compile(r"^\s*how\b|\bwhat (?:approach|method|technique|algorithm|mechanism|strategy|trick|architecture)\b"
                     r"|\bwhich (?:approach|method|technique)\b|\bin what way\b", _I)
_YES_NO = re.compile(r"^\s*(?:does|do|did|is|are|was|were|can|could|will|would|should|has|have|had|may|might|must)\b", _I)


def question_kind(question: str) -> str:
    """Return the kind of answer `question` asks for (one of KINDS)."""
    text = " ".join(question.split())
    if _TOPIC.search(text):
        return TOPIC
    if _CAUSE.search(text):
        return CAUSE
    if _FIGURE.search(text):
        return FIGURE
    if _COMPARISON.search(text):
        return COMPARISON
    if _METHOD.search(text):
        return METHOD
    if _YES_NO.search(text):
        return YES_NO
    return TOPIC
