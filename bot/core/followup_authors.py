"""Reading the author follow-ups: "only by NAME" and "more by the first author" (of result N).

Like bot/core/followups.py, a pattern must match the whole reply once politeness is stripped,
so a question that merely mentions an author stays a question. The name must look like a name:
at most six words, no sentence punctuation, and letters or digits that corpus/authors.py keys.
"""

from __future__ import annotations

import re
from functools import partial

from corpus.authors import author_name, clean_display

AUTHOR_FILTER = "author"
FIRST_AUTHOR = "first-author"

_full = partial(re.compile, flags=re.IGNORECASE)
_WHOSE = r"(?:papers|ones|results|those|these|the ones|anything|stuff|work)"
# "just" is politeness to followups.py and stripped before this is reached, so "by NAME" alone counts.
_ONLY_BY = [_full(p) for p in (
    rf"(?:(?:only|just) )?(?:{_WHOSE} )?(?:written |authored )?by (?P<name>.+?)(?: only)?",
    rf"only (?:{_WHOSE} )?from (?P<name>.+)",
    r"only (?P<name>.+?)'s(?: papers| ones| work)?",
)]
_ORDINAL = "first second third fourth fifth sixth seventh eighth ninth tenth".split()
_RESULT = (rf"(?:the )?(?:(?P<word>{'|'.join(_ORDINAL)}|last) (?:one|result|paper)|(?:result|paper|#) ?(?P<n>\d{{1,2}}))")
_FIRST_AUTHOR = _full(
    rf"(?:(?:some |any |other |more )?(?:papers|work|stuff) |more |others |anything else )"
    rf"(?:by|from) (?:the |its |their )?first author(?: of {_RESULT})?"
    rf"|(?:more (?:by|from) )?(?:the |its )?first author's (?:other )?(?:papers|work)"
)
# Words that follow "by" in a reply and are no one's name.
_NOT_NAMES = frozenset({"me", "you", "us", "them", "him", "her", "it", "this", "that", "these", "those", "date",
                        "year", "relevance", "the author", "the authors", "the same author", "the first author",
                        # where papers come from ("only from arXiv"), not who wrote them
                        "arxiv", "hugging face", "huggingface", "hf", "github", "openreview", "papers with code"})
# A "name" holding one of these is a clause ("by whom was attention proposed"), not a person.
_CLAUSE_WORDS = frozenset("who whom whose what which when where why how was is are were be been did does do done the a an"
                          " for with about on in into to of that this and or not no any some".split())
_BAD_CHARS = re.compile(r"[:;?!()\[\]{}<>@#*_`|~\\/=+]")
MAX_NAME_WORDS = 6
LAST = -1


def _name(phrase: str) -> str | None:
    """Return `phrase` as an author name, or None when it cannot be one."""
    name = clean_display(phrase.strip().strip("\"'`\u201c\u201d"))
    if not name or len(name.split()) > MAX_NAME_WORDS or _BAD_CHARS.search(name) or name.lower() in _NOT_NAMES:
        return None
    if _CLAUSE_WORDS & set(name.lower().split()):
        return None
    if re.fullmatch(r"[\d\s.,-]+", name):  # "by 2024" is a year, not a person
        return None
    return name if author_name(name) is not None else None


def _result(match: re.Match[str]) -> int:
    """Return the 1-based result number the phrase names (1 when it names none, LAST for "the last one")."""
    word, number = match.group("word"), match.group("n")
    if word:
        return LAST if word.lower() == "last" else _ORDINAL.index(word.lower()) + 1
    return int(number) if number else 1


def author_followup(core: str) -> tuple[str, str, int | None, str] | None:
    """Return (kind, name, result number, what was understood) of an author follow-up, or None.

    Plain values: bot/core/followups.py builds its FollowUp from them (it imports this module).
    """
    found = _FIRST_AUTHOR.fullmatch(core)
    if found is not None:
        index = _result(found)
        which = "the last result" if index == LAST else f"result {index}"
        return FIRST_AUTHOR, "", index, f"Papers by the first author of {which}"
    for pattern in _ONLY_BY:
        match = pattern.fullmatch(core)
        name = _name(match.group("name")) if match is not None else None
        if name is not None:
            return AUTHOR_FILTER, name, None, f"Only papers by {name}"
    return None
