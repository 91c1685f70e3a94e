"""Parsing authors out of what members type: `author:` in a query, and the author follow-ups."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.author_papers import split_author, with_author
from bot.core.errors import UserFacingError
from bot.core.followup_authors import AUTHOR_FILTER, FIRST_AUTHOR
from bot.core.followups import DATE_FILTER, QUESTION, parse_followup
from retrieval.filters import SearchFilters

TODAY = date(2025, 11, 30)


@pytest.mark.parametrize("query, rest, name", [
    ('author:"Marco Cuturi"', "", "Marco Cuturi"),
    ('sinkhorn author:"Marco Cuturi" fast', "sinkhorn fast", "Marco Cuturi"),
    ("author:Cuturi optimal transport", "optimal transport", "Cuturi"),
    ("AUTHOR: Cuturi", "", "Cuturi"),
    ("optimal transport author:\u201cGabriel Peyré\u201d", "optimal transport", "Gabriel Peyré"),
    ('author:"Marco Cuturi', "", "Marco Cuturi"),  # an unclosed quote runs to the end
    ("coauthor:Smith graphs", "coauthor:Smith graphs", None),  # only the word author: itself
    ("graph transformers", "graph transformers", None),
])
def test_author_terms_are_taken_out_of_a_query(query: str, rest: str, name: str | None) -> None:
    assert split_author(query) == (rest, name)


@pytest.mark.parametrize("query", ['author:""', "author:", "author:...", 'author:"a" author:"b"'])
def test_an_unusable_author_term_is_one_line_naming_the_form(query: str) -> None:
    with pytest.raises(UserFacingError) as caught:
        split_author(query)
    assert "\n" not in caught.value.message and "author:" in caught.value.message


def test_with_author_adds_to_the_other_filters() -> None:
    base = SearchFilters(has_code=True)
    assert with_author("author:Cuturi sinkhorn", base) == ("sinkhorn", SearchFilters(has_code=True, author="Cuturi"))
    assert with_author("sinkhorn", base) == ("sinkhorn", base)
    assert with_author("author:Cuturi", None) == ("", SearchFilters(author="Cuturi"))


@pytest.mark.parametrize("text, name", [
    ("only by Marco Cuturi", "Marco Cuturi"),
    ("<@999> only papers by Cuturi, M.", "Cuturi, M"),  # the mention goes, and the edge punctuation
    ("just by Gabriel Peyré please", "Gabriel Peyré"),
    ("by Ludwig van Beethoven only", "Ludwig van Beethoven"),
    ("only ones written by \u201cAda Lovelace\u201d", "Ada Lovelace"),
    ("only from Cuturi", "Cuturi"),
    ("show me only Cuturi's papers", "Cuturi"),
])
def test_only_by_name(text: str, name: str) -> None:
    followup = parse_followup(text, TODAY)
    assert (followup.kind, followup.text) == (AUTHOR_FILTER, name)
    assert followup.understood == f"Only papers by {name}"


@pytest.mark.parametrize("text, index", [
    ("more by the first author", 1),
    ("papers by the first author", 1),
    ("can you show me more papers from the first author?", 1),
    ("other papers by the first author of the second one", 2),
    ("more by the first author of result 3", 3),
    ("more by the first author of the last one", -1),
    ("the first author's other papers", 1),
])
def test_more_by_the_first_author(text: str, index: int) -> None:
    followup = parse_followup(text, TODAY)
    assert (followup.kind, followup.index) == (FIRST_AUTHOR, index)
    assert followup.understood.startswith("Papers by the first author of")


@pytest.mark.parametrize("text", [
    "by whom was the transformer proposed",
    "who is the first author of attention is all you need?",
    "papers by the authors of BERT and what they found about scaling laws in large language models",
    "by 2024",
    "by me",
    "only by <@123>",
    "only from arXiv",
    "only from Hugging Face",
])
def test_questions_and_non_names_are_not_author_follow_ups(text: str) -> None:
    assert parse_followup(text, TODAY).kind not in (AUTHOR_FILTER, FIRST_AUTHOR)


def test_a_date_still_reads_as_a_date() -> None:
    assert parse_followup("only from March", TODAY).kind == DATE_FILTER
    assert parse_followup("from 2023", TODAY).kind == DATE_FILTER
    assert parse_followup("is there work on faster sinkhorn by cuturi?", TODAY).kind == QUESTION
