"""Author names: one normalizer used everywhere names are stored, matched, completed or searched.

The rule, in order:
1. Control and format characters go, whitespace runs become one space; a name is cut at
   `MAX_NAME` characters (the display form is this, nothing more).
2. "Surname, Given" becomes "Given Surname" (one comma; a "Jr."/"III" part is dropped first).
3. Folding: NFKD, combining marks dropped (é -> e), letters that do not decompose mapped
   (ø -> o, ł -> l, æ -> ae, ß -> ss ...), casefold; apostrophes vanish (O'Brien -> obrien),
   every other non-letter, non-digit becomes a space (J.-P. -> j p); a trailing "jr"/"iii" goes.
4. The surname is the last word, the given names the words before it. The match key is
   "surname initial" ("smith j"), or just "surname" for a one-word name.
5. Two names are the same author when their keys are equal and their first given names agree:
   equal, or one of them an initial of the other. So "J. Smith", "J Smith", "Smith, John" and
   "John Smith" meet, "John Smith" and "Jane Smith" do not. A query with no given name
   ("Smith") matches every author of that surname.

The entry points other features use (keep their names): `author_name` (the normalized name),
`same_author` (the matching rule), `newest_first`; the store's `papers_by_author` and
`author_names` (corpus/sqlite_authors.py) and the served index (corpus/author_index.py) apply them.

Known false matches: two people sharing a surname and first initial when either is written
with an initial only ("J. Smith" is every J. Smith); a surname-only query. Known misses: a
surname-first name without a comma ("Zhang Wei" is not "Wei Zhang"), initials run together
("JRR Tolkien" is not "John Tolkien"), a surname of several words written without its
particles on one side ("Gabriel Márquez" is not "Gabriel García Márquez").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from corpus.paper import Paper

MAX_NAME = 200
# Letters NFKD leaves whole; casefold does the rest (ß -> ss).
_UNDECOMPOSED = str.maketrans({
    "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th",
    "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i", "ħ": "h", "Ħ": "H",
})
_APOSTROPHES = re.compile(r"['\u2019\u02bc`\u00b4]")
# "\w" keeps letters and digits of every script; "_" is a word character to it, not to us.
_NOT_WORD = re.compile(r"[\W_]+")
_SUFFIXES = frozenset("jr sr ii iii iv phd".split())


@dataclass(frozen=True)
class AuthorName:
    """A name as shown (`display`), folded ("john smith") and keyed ("smith j")."""

    display: str
    folded: str
    key: str

    @property
    def surname(self) -> str:
        """Return the folded surname (the key's first word)."""
        return self.key.split(" ", 1)[0]

    @property
    def given(self) -> str:
        """Return the first folded given name ("" for a one-word name)."""
        return first_given(self.folded)


def first_given(folded: str) -> str:
    """Return the first given name of a folded name ("" for a one-word name)."""
    words = folded.split(" ")
    return words[0] if len(words) > 1 else ""


def given_agrees(mine: str, theirs: str) -> bool:
    """Return whether two first given names of one key may be one person's: equal, or either an initial."""
    return len(mine) == 1 or len(theirs) == 1 or mine == theirs


def clean_display(raw: object) -> str:
    """Return a name without control characters, one space between words, at most MAX_NAME characters."""
    if not isinstance(raw, str):
        return ""
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in raw)
    return " ".join(kept.split())[:MAX_NAME].strip()


def fold(text: str) -> str:
    """Return text folded for comparison: no accents, case or punctuation, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(_NOT_WORD.sub(" ", _APOSTROPHES.sub("", bare)).split())


def _reordered(display: str) -> str:
    """Return "Given Surname" for "Surname, Given" (suffix parts dropped), else the name as is."""
    parts = [p.strip() for p in display.split(",")]
    parts = [p for p in parts if p and fold(p) not in _SUFFIXES]
    if len(parts) == 2:
        return f"{parts[1]} {parts[0]}"
    return " ".join(parts)


def author_name(raw: object) -> AuthorName | None:
    """Return the normalized name, or None for a name with no letters or digits at all."""
    display = clean_display(raw)
    words = fold(_reordered(display)).split()
    while len(words) > 2 and words[-1] in _SUFFIXES:
        words.pop()
    if not words:
        return None
    surname, given = words[-1], words[:-1]
    key = f"{surname} {given[0][0]}" if given else surname
    return AuthorName(display, " ".join(words), key)


def same_author(query: AuthorName, author: AuthorName) -> bool:
    """Return whether `author` may be the person `query` names (rule 5 of the module docstring)."""
    if not query.given:
        return author.surname == query.surname
    return author.key == query.key and given_agrees(query.given, author.given)


def key_bounds(query: AuthorName) -> tuple[str, str]:
    """Return the half-open range [low, high) of keys that may match `query` (to scan an index on keys).

    A full name's candidates share its key; a surname alone matches "surname" and "surname x"
    ("!" sorts right after the space, and no key holds anything between them).
    """
    if query.given:
        return query.key, query.key + "\x00"
    return query.surname, query.surname + "!"


def prefix_bounds(typed: str) -> tuple[str, str] | None:
    """Return the range of folded strings starting with what was typed, or None when nothing was."""
    folded = fold(clean_display(typed))
    return (folded, folded + "\U0010ffff") if folded else None


def published_sort_key(paper: Paper) -> tuple:
    """Return the key that sorts papers newest first by publication date, undated last (then by id)."""
    text = (paper.published or "").strip()[:10]
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        day = None
    return (0, -day.toordinal(), paper.id) if day else (1, 0, paper.id)


def newest_first(papers: Iterable[Paper]) -> list[Paper]:
    """Return papers newest first by publication date, those with no readable date last."""
    return sorted(papers, key=published_sort_key)
