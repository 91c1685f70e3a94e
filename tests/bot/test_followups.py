"""The follow-up grammar: which replies refine the last answer, and which stay questions."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from bot.core.errors import UserFacingError
from bot.core.followups import (
    BIBTEX,
    CODE_FILTER,
    DATE_FILTER,
    DETAILS,
    EXCLUDE,
    MORE,
    NEW_TOPIC,
    QUESTION,
    SIMILAR,
    FollowUp,
    parse_followup,
    parse_since,
)

TODAY = date(2026, 11, 30)
D = date


def _date(since: date | None = None, until: date | None = None) -> FollowUp:
    return FollowUp(DATE_FILTER, since=since, until=until)


def _ask(text: str) -> FollowUp:
    return FollowUp(QUESTION, text=text)


# Each row: what the user replies, and the FollowUp expected (its `understood` line is checked separately).
CASES: list[tuple[str, FollowUp]] = [
    # MORE
    ("more", FollowUp(MORE)),
    ("next", FollowUp(MORE)),
    ("show more", FollowUp(MORE)),
    ("more please", FollowUp(MORE)),
    ("Next page.", FollowUp(MORE)),
    ("more results", FollowUp(MORE)),
    ("any more?", FollowUp(MORE)),
    ("keep going!", FollowUp(MORE)),
    ("Can you show me more, please?", FollowUp(MORE)),
    ("ok and more", FollowUp(MORE)),
    ("is there more", FollowUp(MORE)),
    ("3 more", FollowUp(MORE)),  # the count is not kept: MORE pages by the bot's own page size
    ("more like this", FollowUp(MORE)),  # no result named: read as "more of these", not SIMILAR
    # DETAILS
    ("the second one", FollowUp(DETAILS, index=2)),
    ("#2", FollowUp(DETAILS, index=2)),
    ("2", FollowUp(DETAILS, index=2)),
    ("number 2", FollowUp(DETAILS, index=2)),
    ("tell me more about 3", FollowUp(DETAILS, index=3)),
    ("details of the first", FollowUp(DETAILS, index=1)),
    ("open 3", FollowUp(DETAILS, index=3)),
    ("what's the 2nd one about?", FollowUp(DETAILS, index=2)),
    ("What’s the 2nd one about?", FollowUp(DETAILS, index=2)),
    ("the last one", FollowUp(DETAILS, index=-1)),
    ("two", FollowUp(DETAILS, index=2)),
    ("paper number 4", FollowUp(DETAILS, index=4)),
    ("summarize #1 please", FollowUp(DETAILS, index=1)),
    ("Can you show me the 3rd paper?", FollowUp(DETAILS, index=3)),
    ("what about the second one?", FollowUp(DETAILS, index=2)),  # a topic switch naming a result is DETAILS
    ("11", FollowUp(DETAILS, index=11)),  # range checks against the shown list are the caller's job
    # SIMILAR
    ("similar to the first", FollowUp(SIMILAR, index=1)),
    ("more like #2", FollowUp(SIMILAR, index=2)),
    ("papers like the third one", FollowUp(SIMILAR, index=3)),
    ("anything similar to 2?", FollowUp(SIMILAR, index=2)),
    ("find similar to number 1", FollowUp(SIMILAR, index=1)),
    ("related papers to the fifth", FollowUp(SIMILAR, index=5)),
    # BIBTEX
    ("bibtex 2", FollowUp(BIBTEX, index=2)),
    ("bibtex for the first", FollowUp(BIBTEX, index=1)),
    ("cite the first one", FollowUp(BIBTEX, index=1)),
    ("citation for #3", FollowUp(BIBTEX, index=3)),
    ("give me the bibtex of 2", FollowUp(BIBTEX, index=2)),
    ("how do I cite the last one?", FollowUp(BIBTEX, index=-1)),
    # CODE_FILTER
    ("only with code", FollowUp(CODE_FILTER)),
    ("with code", FollowUp(CODE_FILTER)),
    ("only papers with code", FollowUp(CODE_FILTER)),
    ("which ones have code?", FollowUp(CODE_FILTER)),
    ("code only", FollowUp(CODE_FILTER)),
    ("has code", FollowUp(CODE_FILTER)),
    ("just the ones with code please", FollowUp(CODE_FILTER)),
    ("do any of them have code?", FollowUp(CODE_FILTER)),
    # DATE_FILTER
    ("newer than 2024", _date(since=D(2025, 1, 1))),
    ("after 2024", _date(since=D(2025, 1, 1))),
    ("since 2024", _date(since=D(2024, 1, 1))),
    ("since March 2025", _date(since=D(2025, 3, 1))),
    ("since mar. 2025", _date(since=D(2025, 3, 1))),
    ("since 2025-03", _date(since=D(2025, 3, 1))),
    ("since the 14th of March 2025", _date(since=D(2025, 3, 14))),
    ("since December", _date(since=D(2025, 12, 1))),  # a month without a year is its latest one up to today
    ("from the last 30 days", _date(since=D(2026, 10, 31))),
    ("last 2 weeks", _date(since=D(2026, 11, 16))),
    ("past 6 months", _date(since=D(2026, 5, 30))),  # calendar months, not 30-day blocks
    ("this year", _date(since=D(2026, 1, 1))),
    ("last year", _date(since=D(2025, 1, 1), until=D(2025, 12, 31))),  # the previous calendar year
    ("in the last year", _date(since=D(2025, 11, 30))),  # with "the": a rolling 12 months
    ("last month", _date(since=D(2026, 10, 1), until=D(2026, 10, 31))),
    ("in 2023", _date(since=D(2023, 1, 1), until=D(2023, 12, 31))),
    ("papers from 2023", _date(since=D(2023, 1, 1), until=D(2023, 12, 31))),  # "from YEAR" is within it
    ("from 2023 onwards", _date(since=D(2023, 1, 1))),
    ("before 2024", _date(until=D(2023, 12, 31))),
    ("older than 2024", _date(until=D(2023, 12, 31))),
    ("recent ones", _date(since=D(2025, 11, 30))),  # "recent" = the last 12 months
    ("only recent", _date(since=D(2025, 11, 30))),
    ("what about 2023?", _date(since=D(2023, 1, 1), until=D(2023, 12, 31))),
    ("2024", _date(since=D(2024, 1, 1), until=D(2024, 12, 31))),  # a bare year as a reply is a filter
    # EXCLUDE (the text keeps the user's casing)
    ("without diffusion", FollowUp(EXCLUDE, text="diffusion")),
    ("not about diffusion models", FollowUp(EXCLUDE, text="diffusion models")),
    ("exclude reinforcement learning", FollowUp(EXCLUDE, text="reinforcement learning")),
    ("no GANs", FollowUp(EXCLUDE, text="GANs")),
    ("drop the ones about LLMs", FollowUp(EXCLUDE, text="LLMs")),
    ("without labels", FollowUp(EXCLUDE, text="labels")),
    # NEW_TOPIC
    ("what about graph neural networks?", FollowUp(NEW_TOPIC, text="graph neural networks")),
    ("and for optimal transport?", FollowUp(NEW_TOPIC, text="optimal transport")),
    ("how about sparse attention", FollowUp(NEW_TOPIC, text="sparse attention")),
    ("what about mixture of experts instead", FollowUp(NEW_TOPIC, text="mixture of experts")),
    ("OK, and what about papers on LoRA?", FollowUp(NEW_TOPIC, text="LoRA")),
    ("same for vision transformers", FollowUp(NEW_TOPIC, text="vision transformers")),
    # QUESTION: real questions that merely contain a follow-up word, number or date word.
    ("more efficient attention for 2 GPUs", _ask("more efficient attention for 2 GPUs")),
    ("is there more work on Sinkhorn?", _ask("is there more work on Sinkhorn?")),
    ("code generation with LLMs", _ask("code generation with LLMs")),
    ("papers on 3D reconstruction", _ask("papers on 3D reconstruction")),
    ("what is the second law of thermodynamics in ML", _ask("what is the second law of thermodynamics in ML")),
    ("newer methods than transformers for time series", _ask("newer methods than transformers for time series")),
    ("similar tasks to image captioning", _ask("similar tasks to image captioning")),
    # Borderline: a colon marks a title-like question, so "without labels:" is not a filter.
    ("without labels: self-supervised learning?", _ask("without labels: self-supervised learning?")),
    ("2 stage detectors", _ask("2 stage detectors")),
    ("next generation reservoir computing", _ask("next generation reservoir computing")),
    ("recent advances in diffusion", _ask("recent advances in diffusion")),
    ("since attention is all you need", _ask("since attention is all you need")),  # not a date
    ("before transformers", _ask("before transformers")),
    # Borderline: "no X" filters only X of at most two words, so a named idea stays a question.
    ("no free lunch theorem", _ask("no free lunch theorem")),
    ("without supervision how do models learn", _ask("without supervision how do models learn")),
    ("what about it?", _ask("what about it?")),  # no topic to switch to
    ("no thanks", _ask("no thanks")),
    ("without code", _ask("without code")),  # "papers lacking code" is no filter we offer
    ("0", _ask("0")),
    ("2025-13", _ask("2025-13")),  # not a month
    ("bibtex", _ask("bibtex")),  # no result named
    ("drop 2", _ask("drop 2")),  # removing one result is no filter we offer
    ("one shot learning", _ask("one shot learning")),
    ("  <@123>   attention   sinks  ", _ask("attention sinks")),
]


@pytest.mark.parametrize("message, expected", CASES, ids=[message for message, _ in CASES])
def test_reply_is_read_as_expected(message: str, expected: FollowUp) -> None:
    found = parse_followup(message, TODAY)
    assert dataclasses.replace(found, understood="") == expected


def test_the_table_is_large_and_holds_enough_questions() -> None:
    assert len(CASES) >= 80
    assert sum(expected.kind == QUESTION for _, expected in CASES) >= 12
    assert len({message for message, _ in CASES}) == len(CASES)


@pytest.mark.parametrize("message, expected", [c for c in CASES if c[1].kind != QUESTION], ids=lambda v: str(v)[:40])
def test_every_follow_up_says_what_was_understood_on_one_line(message: str, expected: FollowUp) -> None:
    understood = parse_followup(message, TODAY).understood
    assert understood.strip() and "\n" not in understood and len(understood) <= 100


def test_questions_say_nothing_was_understood() -> None:
    assert parse_followup("papers on 3D reconstruction", TODAY).understood == ""


@pytest.mark.parametrize(
    "message, understood",
    [
        ("only papers with code", "Only papers with code"),
        ("since March 2025", "Papers published since 1 March 2025"),
        ("before 2024", "Papers published up to 31 December 2023"),
        ("in 2023", "Papers published between 1 January 2023 and 31 December 2023"),
        ("2", "Details of result 2"),
        ("the last one", "Details of the last result"),
        ("more like #2", "Papers similar to result 2"),
        ("cite the first one", "BibTeX for result 1"),
        ("without diffusion", "Without papers about diffusion"),
        ("how about sparse attention", "New search: sparse attention"),
        ("more", "More results"),
    ],
)
def test_understood_lines_read_naturally(message: str, understood: str) -> None:
    assert parse_followup(message, TODAY).understood == understood


@pytest.mark.parametrize("mention", ["<@123>", "<@!123>", "<@&123>"])
def test_mention_tokens_are_stripped(mention: str) -> None:
    assert parse_followup(f"{mention} more please", TODAY) == parse_followup("more please", TODAY)
    assert parse_followup(f"{mention} the 2nd one {mention}", TODAY).index == 2
    assert parse_followup(f"{mention} diffusion for audio?", TODAY).text == "diffusion for audio?"
    assert parse_followup(mention, TODAY) == FollowUp(QUESTION, text="")


def test_long_messages_are_questions_whatever_they_start_with() -> None:
    message = "what about " + "very " * 40 + "long topics"
    assert parse_followup(message, TODAY) == FollowUp(QUESTION, text=message)


def test_rolling_months_clamp_to_the_end_of_shorter_months() -> None:
    assert parse_followup("past month", date(2026, 3, 31)).since == date(2026, 2, 28)
    assert parse_followup("past year", date(2024, 2, 29)).since == date(2023, 2, 28)


@pytest.mark.parametrize("message", ["last 9999 years", "past 0 days", "since 2025-02-30", "in 1850"])
def test_absurd_dates_never_raise_and_stay_questions(message: str) -> None:
    assert parse_followup(message, TODAY) == FollowUp(QUESTION, text=message)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2025", date(2025, 1, 1)),
        ("2025-03", date(2025, 3, 1)),
        ("2025-03-14", date(2025, 3, 14)),
        (" 2025-03-14 ", date(2025, 3, 14)),
        ("30d", date(2026, 10, 31)),
        ("12w", date(2026, 9, 7)),
        ("6m", date(2026, 5, 30)),  # m is calendar months, never minutes
        ("1y", date(2025, 11, 30)),
        ("30 days", date(2026, 10, 31)),
        ("March 2025", date(2025, 3, 1)),
        ("last year", date(2025, 1, 1)),
        ("past 2 weeks", date(2026, 11, 16)),
    ],
)
def test_parse_since_accepts_the_documented_forms(value: str, expected: date) -> None:
    assert parse_since(value, TODAY) == expected


@pytest.mark.parametrize("value", ["yesterday-ish", "2025-13", "", "   ", "0d", "2025-02-30", "soon"])
def test_parse_since_rejects_other_input_and_lists_the_forms(value: str) -> None:
    with pytest.raises(UserFacingError) as caught:
        parse_since(value, TODAY)
    message = caught.value.message
    assert "\n" not in message
    assert all(form in message for form in ("`2025`", "`2025-03`", "`2025-03-14`", "`30d`", "`6m`"))
    if value.strip():
        assert f"`{value.strip()}`" in message


def test_parse_since_rejects_the_future() -> None:
    with pytest.raises(UserFacingError, match="in the future"):
        parse_since("2027", TODAY)
    assert parse_since("2026-11-30", TODAY) == TODAY
