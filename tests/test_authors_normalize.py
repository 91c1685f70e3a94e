"""The author-name normalizer: folding, reordering, initials, the matching rule, and text that is no name."""

from __future__ import annotations

import pytest

from corpus.authors import MAX_NAME, author_name, fold, key_bounds, newest_first, prefix_bounds, same_author
from corpus.records import Candidate, new_paper


def name(raw: str):
    found = author_name(raw)
    assert found is not None, raw
    return found


@pytest.mark.parametrize("raw", ["John Smith", "J. Smith", "J Smith", "Smith, John", "Smith, J.", "  john   SMITH ",
                                 "John Q. Smith", "Smith, John, Jr.", "John Smith Jr"])
def test_the_forms_of_one_name_meet(raw: str) -> None:
    assert name(raw).key == "smith j"
    assert same_author(name("John Smith"), name(raw)) and same_author(name(raw), name("J. Smith"))


def test_different_given_names_do_not_meet_but_an_initial_meets_both() -> None:
    assert not same_author(name("John Smith"), name("Jane Smith"))
    assert same_author(name("J. Smith"), name("Jane Smith")) and same_author(name("J. Smith"), name("John Smith"))
    assert not same_author(name("John Smith"), name("John Smithson"))


def test_a_surname_alone_matches_every_author_of_that_surname() -> None:
    query = name("Smith")
    assert query.key == "smith" and query.given == ""
    assert same_author(query, name("John Smith")) and same_author(query, name("Smith"))
    assert not same_author(query, name("John Smithson"))
    low, high = key_bounds(query)
    assert low <= "smith j" < high and low <= "smith" < high and not low <= "smithson j" < high


@pytest.mark.parametrize("raw, folded, key", [
    ("Gabriel García Márquez", "gabriel garcia marquez", "marquez g"),
    ("Søren Kierkegaard", "soren kierkegaard", "kierkegaard s"),
    ("Łukasz Kaiser", "lukasz kaiser", "kaiser l"),
    ("Jürgen Schmidhuber", "jurgen schmidhuber", "schmidhuber j"),
    ("Schmidhuber, Jürgen", "jurgen schmidhuber", "schmidhuber j"),
    ("Conan O'Brien", "conan obrien", "obrien c"),
    ("Jean-Pierre Serre", "jean pierre serre", "serre j"),
    ("Ludwig van Beethoven", "ludwig van beethoven", "beethoven l"),
    ("van Beethoven, Ludwig", "ludwig van beethoven", "beethoven l"),
    ("Andreas Weiß", "andreas weiss", "weiss a"),
    ("ＪＯＨＮ　ＳＭＩＴＨ", "john smith", "smith j"),  # full-width letters and space (NFKD)
    ("Zoe\u0301 Dupont", "zoe dupont", "dupont z"),  # a combining accent
    ("张伟", "张伟", "张伟"),  # one word of another script: its own key
    ("Prince", "prince", "prince"),
])
def test_folding(raw: str, folded: str, key: str) -> None:
    assert (name(raw).folded, name(raw).key) == (folded, key)


def test_accents_and_case_do_not_stop_a_match() -> None:
    assert same_author(name("jurgen schmidhuber"), name("Jürgen Schmidhuber"))
    assert same_author(name("Garcia Marquez, G."), name("Gabriel García Márquez"))


@pytest.mark.parametrize("raw", ["", "   ", ",", "...", "-- !", "\u200b\u200b", "\x00\x07", None, 42, ["John"]])
def test_text_with_no_letters_is_no_name(raw) -> None:
    assert author_name(raw) is None


def test_hostile_text_is_kept_for_display_but_never_keys_markup() -> None:
    hostile = name("@everyone <@&123> **Bold** `x` [a](https://evil.example)")
    assert "*" not in hostile.key and "<" not in hostile.folded and "@" not in hostile.folded
    assert hostile.display.startswith("@everyone")  # shown as written; renderers escape it
    long = name("A" * 10_000 + " Smith")
    assert len(long.display) <= MAX_NAME
    controls = name("John\nSmith\t\u202e\u0000")
    assert controls.display == "John Smith" and controls.key == "smith j"


def test_prefix_bounds_cover_what_starts_as_typed() -> None:
    low, high = prefix_bounds("Jür")
    assert low == "jur" and low <= "jurgen schmidhuber" < high and not low <= "juan" < high
    assert prefix_bounds("  ,. ") is None


def test_newest_first_puts_undated_papers_last() -> None:
    dates = ["2023-05-01", None, "2025-01-02", "not a date", "2024-12-31T10:00:00"]
    papers = [new_paper(Candidate(f"Paper {i}", "An abstract.", "t", i + 1, published=d), f"p{i}", "2026-01-01")
              for i, d in enumerate(dates)]
    assert [p.id for p in newest_first(papers)] == ["p2", "p4", "p0", "p1", "p3"]


def test_fold_is_idempotent() -> None:
    for text in ("Jürgen Schmidhuber", "O'Brien, Conan", "ＪＯＨＮ"):
        assert fold(fold(text)) == fold(text)
