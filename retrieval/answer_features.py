"""What the answer scorer reads of each candidate sentence: words shared, meaning, place, and answer cues.

Every feature is cheap (regular expressions, idf sums, mean word-piece vectors): a question's
quotes must cost no more than a few milliseconds beside its search. The cues are the marks of
the kinds of answer a question asks for (retrieval/question_kind.py): a figure carries numbers,
a comparison "than" or "outperforms", a finding "we show that" or a negation, a method "by" or
"using", a cause "because" or "due to". Each cue counts once as itself and once when it is the
cue of the kind asked, so the fit (bench/answer_fit.py) can learn that numbers matter to "how
much" and not to "how".
"""

from __future__ import annotations

import math
import re
from typing import Mapping, Sequence

import numpy as np

from retrieval.question_kind import CAUSE, COMPARISON, FIGURE, METHOD, YES_NO
from retrieval.static_vectors import StaticVectors
from retrieval.tokenize import tokenize, words

_I = re.IGNORECASE
NUMBER = re.compile(r"(?<![A-Za-z_\-\d.^])\d+(?:[.,]\d+)*(?:\s?%|x\b|\u00d7|-?fold\b)?|\b(?:orders? of magnitude|twice|half|double[sd]?|tripled?)\b", _I)
RATIO = re.compile(r"\d\s?%|\bpercent\b|\d(?:\.\d+)?\s?(?:x|\u00d7)(?=\W|$)|\d-?fold\b|\borders? of magnitude\b", _I)
COMPARATIVE = re.compile(
    r"\b(?:than|outperform\w*|surpass\w*|compared (?:to|with)|comparable|on par|better|worse|superior|inferior|exceed\w*"
    r"|beat\w*|relative to|versus|vs\.?|improv\w+ (?:over|upon|on)|competitive with|rival\w*|match(?:es|ing)?)\b", _I)
FINDING = re.compile(
    r"\b(?:we (?:show|find|found|demonstrate|observe|prove|confirm|establish|report|conclude)"
    r"|(?:results?|experiments?|analys[ie]s|findings|evaluations?|studies|study) (?:show|shows|indicate|suggest|demonstrate|reveal|confirm)"
    r"|(?:shows?|showing|demonstrat\w+|reveal\w*|indicat\w+|suggest\w*|find|finds) that|significantly|consistently)\b", _I)
MECHANISM = re.compile(
    r"\b(?:by (?:\w+ing|using|means of)|using|via|through|based on|relies on|consists? of|leverag\w+|employ\w*|exploit\w*"
    r"|we (?:use|design|develop|train|formulate|cast|model|introduce|propose|present)|in which|whereby|so that)\b", _I)
CAUSAL = re.compile(
    r"\b(?:because|due to|since|caused? by|causes?|lead(?:s|ing)? to|led to|result(?:s|ing|ed)? (?:in|from)|stems? from"
    r"|attribut\w+ to|owing to|aris\w+|explain\w*|reasons?|as a (?:result|consequence)|therefore|hence|lack of"
    r"|insufficient|stem(?:s|ming)? from|driven by|source of)\b", _I)
# How a method works, said after naming it: "Specifically, ...", "At each step ...", "whereby".
ELABORATION = re.compile(
    r"\b(?:specifically|in particular|to this end|to do so|concretely|at each|whereby|in which|consists? of|comprises?"
    r"|first(?:ly)?,|then|we first|this is (?:done|achieved)|is achieved by|works by|treats?|decompos\w+|transforms?"
    r"|maps?|combin\w+|incorporat\w+|relies on|builds? on|by (?:\w+ing))\b", _I)
NEGATION = re.compile(r"\b(?:not|no|never|cannot|fail\w*|without|lack\w*|neither|nor|unable)\b|n't\b", _I)
# A sentence that says what the authors did: the end of an abstract's background.
CONTRIBUTION = re.compile(r"\b(?:we|our|us|this (?:paper|work|study|article)|here)\b", _I)

NAMES = (
    "lexical", "ask", "static", "lexical_rel", "static_rel", "background", "position", "first", "last", "length",
    "number", "ratio", "comparative", "finding", "mechanism", "causal", "negation", "contribution",
    "figure_number", "figure_ratio", "comparison_comparative", "yes_no_finding", "yes_no_negation",
    "method_mechanism", "cause_causal", "method_position", "yes_no_position",
    "elaboration", "after_contribution", "method_elaboration", "method_after_contribution", "method_finding",
    "method_number",
)


def idf_share(terms: Sequence[str], present: set[str], idf: Mapping[str, float], unknown: float) -> float:
    """Return the share (0..1) of the idf mass of `terms` found in `present`."""
    weights = {t: idf.get(t, unknown) for t in dict.fromkeys(terms)}
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in present) / total if total > 0 else 0.0


def acronyms(question: str) -> dict[str, list[str]]:
    """Return the acronyms the question's runs of 2-4 words could be written as, with those words' terms.

    Abstracts define a name once and then use its initials ("neural tangent kernel (NTK)"):
    a sentence saying "the NTK" holds "neural tangent kernel" for a question that spells it out.
    """
    folded = words(question)
    out: dict[str, list[str]] = {}
    for size in (2, 3, 4):
        for start in range(len(folded) - size + 1):
            run = folded[start:start + size]
            out.setdefault("".join(w[0] for w in run), [t for w in run for t in tokenize(w)])
    return out


def _with_acronyms(present: set[str], spelled: dict[str, list[str]]) -> set[str]:
    found = [terms for acronym, terms in spelled.items() if acronym in present]
    return present.union(*found) if found else present


def background_mask(sentences: Sequence[str]) -> np.ndarray:
    """Return, per sentence, whether it comes before the abstract's first contribution sentence.

    An abstract that never says "we" or "this paper" has no detectable background: nothing is marked.
    """
    first = next((i for i, s in enumerate(sentences) if CONTRIBUTION.search(s)), None)
    mask = np.zeros(len(sentences), dtype=np.float64)
    if first is not None:
        mask[:first] = 1.0
    return mask


def after_contribution(sentences: Sequence[str]) -> np.ndarray:
    """Return, per sentence, whether it is one of the two right after the first contribution sentence.

    Those usually say how the contribution works: "We propose X. X treats ... as ...".
    """
    first = next((i for i, s in enumerate(sentences) if CONTRIBUTION.search(s)), None)
    mask = np.zeros(len(sentences), dtype=np.float64)
    if first is not None:
        mask[first + 1:first + 3] = 1.0
    return mask


def _has(pattern: re.Pattern[str], sentences: Sequence[str]) -> np.ndarray:
    return np.array([1.0 if pattern.search(s) else 0.0 for s in sentences])


def sentence_features(
    question: str,
    kind: str,
    title: str,
    sentences: Sequence[str],
    idf: Mapping[str, float],
    static: StaticVectors | None = None,
    question_static: np.ndarray | None = None,
    unknown_idf: float | None = None,
) -> np.ndarray:
    """Return an (len(sentences), len(NAMES)) array of features, in the order of NAMES."""
    n = len(sentences)
    if n == 0:
        return np.zeros((0, len(NAMES)))
    terms = list(dict.fromkeys(tokenize(question)))
    title_terms = set(tokenize(title))
    ask_terms = [t for t in terms if t not in title_terms]
    # A question word the corpus never uses weighs like its rarest known word.
    unknown = max(idf.values(), default=1.0) if unknown_idf is None else unknown_idf
    spelled = acronyms(question)
    present = [_with_acronyms(set(tokenize(s)), spelled) for s in sentences]
    lexical = np.array([idf_share(terms, p, idf, unknown) for p in present])
    ask = np.array([idf_share(ask_terms, p, idf, unknown) for p in present])
    if static is not None:
        q = question_static if question_static is not None else static.encode([question])[0]
        similarity = static.encode(list(sentences)) @ q
    else:
        similarity = np.zeros(n)
    position = np.arange(n) / max(1, n - 1)
    number, ratio = _has(NUMBER, sentences), _has(RATIO, sentences)
    comparative, finding = _has(COMPARATIVE, sentences), _has(FINDING, sentences)
    mechanism, causal, negation = _has(MECHANISM, sentences), _has(CAUSAL, sentences), _has(NEGATION, sentences)
    elaboration, after = _has(ELABORATION, sentences), after_contribution(sentences)
    # A number the question itself gives ("GPT-4", "Llama 3") is no figure of the answer's.
    asked_numbers = set(NUMBER.findall(question))
    if asked_numbers:
        number = np.array([1.0 if set(NUMBER.findall(s)) - asked_numbers else 0.0 for s in sentences])
    columns = {
        "lexical": lexical,
        "ask": ask,
        "static": similarity,
        "lexical_rel": lexical - lexical.max(),
        "static_rel": similarity - similarity.max(),
        "background": background_mask(sentences),
        "position": position,
        "first": (np.arange(n) == 0).astype(np.float64),
        "last": (np.arange(n) == n - 1).astype(np.float64),
        "length": np.array([math.log(max(len(s), 10)) for s in sentences]),
        "number": number,
        "ratio": ratio,
        "comparative": comparative,
        "finding": finding,
        "mechanism": mechanism,
        "causal": causal,
        "negation": negation,
        "contribution": _has(CONTRIBUTION, sentences),
        "figure_number": number * (kind == FIGURE),
        "figure_ratio": ratio * (kind == FIGURE),
        "comparison_comparative": comparative * (kind == COMPARISON),
        "yes_no_finding": finding * (kind == YES_NO),
        "yes_no_negation": negation * (kind == YES_NO),
        "method_mechanism": mechanism * (kind == METHOD),
        "cause_causal": causal * (kind == CAUSE),
        "method_position": position * (kind == METHOD),
        "yes_no_position": position * (kind == YES_NO),
        "elaboration": elaboration,
        "after_contribution": after,
        "method_elaboration": elaboration * (kind == METHOD),
        "method_after_contribution": after * (kind == METHOD),
        "method_finding": finding * (kind == METHOD),
        "method_number": number * (kind == METHOD),
    }
    return np.stack([columns[name] for name in NAMES], axis=1)
