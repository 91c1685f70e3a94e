"""Fresh-paper sources offline: the parsers on the real payload shapes, query params, Retry-After."""

from __future__ import annotations

import pytest

from corpus.sources import PayloadError
from corpus.sources.arxiv import parse_feed, query_params
from corpus.sources.hf_daily import check_day, parse_daily_papers, parse_daily_papers_text
from corpus.sources.http import parse_retry_after
from tests.sources_fixtures import ARXIV_SAMPLE, SHIPPED_TITLE_2, arxiv_entry, arxiv_feed, hf_item, hf_sample_items

DAY = "2026-03-06"
QUERY = "cat:cs.LG"


def test_hf_parses_the_real_item() -> None:
    result = parse_daily_papers(hf_sample_items(), DAY)
    assert result.problems == ()
    (cand,) = result.candidates
    assert cand.title == "Large Multimodal Models as General In-Context Classifiers"
    assert cand.abstract.startswith("Which multimodal model should we use for classification?")
    assert (cand.source, cand.rank, cand.arxiv_id) == ("hf-daily:2026-03-06", 1, "2602.23229")
    assert cand.authors == ("Marco Garosi", "Matteo Farina", "Alessandro Conti", "Massimiliano Mancini", "Elisa Ricci")
    assert (cand.upvotes, cand.github_repo, cand.github_stars) == (10, "https://github.com/marco-garosi/CIRCLE", 9)
    assert cand.published == "2026-02-26T17:08:18.000Z"


def test_hf_missing_and_null_fields_are_tolerated() -> None:
    payload = [
        {"paper": {"title": "Only A Title"}},
        {"paper": None, "title": "  Top-level\n Fallback ", "summary": "From the top.", "publishedAt": "2026-03-05"},
        {"paper": {"id": None, "title": "Nulls", "summary": None, "authors": None, "upvotes": None,
                   "githubRepo": None, "githubStars": None, "publishedAt": None}},
        {"paper": {"id": "not-an-id", "title": "Odd Types", "authors": [{"name": None}, "x", {"name": "Ada"}],
                   "upvotes": True, "githubStars": "12", "githubRepo": "github.com/no/scheme"}},
    ]
    result = parse_daily_papers(payload, DAY)
    assert result.problems == ()
    first, second, third, fourth = result.candidates
    assert (first.title, first.abstract, first.arxiv_id, first.authors, first.upvotes) == ("Only A Title", "", None, (), None)
    assert (second.title, second.abstract, second.published) == ("Top-level Fallback", "From the top.", "2026-03-05")
    assert (third.arxiv_id, third.github_repo, third.github_stars, third.published) == (None, None, None, None)
    assert (fourth.arxiv_id, fourth.authors, fourth.upvotes, fourth.github_stars, fourth.github_repo) == (
        None, ("Ada",), None, None, None)


def test_hf_malformed_item_is_skipped_and_the_rest_kept() -> None:
    payload = [hf_sample_items()[0], "not an object", {"paper": {"title": None}}, {"paper": [1]},
               {"paper": {"title": "Bad Summary", "summary": 5}}, hf_item("2603.00002", "Last One")]
    result = parse_daily_papers(payload, DAY)
    assert [(c.rank, c.title) for c in result.candidates] == [
        (1, "Large Multimodal Models as General In-Context Classifiers"), (6, "Last One")]
    assert len(result.problems) == 4
    assert result.problems[0].startswith("hf-daily:2026-03-06: item 2: skipped")
    assert "title" in result.problems[1] and "summary" in result.problems[3]


def test_hf_unparseable_date_is_dropped_not_stored() -> None:
    payload = [
        {"paper": {"title": "Bad Date", "publishedAt": "last Tuesday"}, "publishedAt": 20260305},
        {"paper": {"title": "Top-level Date", "publishedAt": "soon"}, "publishedAt": " 2026-03-05T08:00:00Z "},
    ]
    result = parse_daily_papers(payload, DAY)
    assert result.problems == ()
    assert [(c.title, c.published) for c in result.candidates] == [
        ("Bad Date", None), ("Top-level Date", "2026-03-05T08:00:00Z")]


@pytest.mark.parametrize("text", ["{not json", '{"papers": []}', "null", ""])
def test_hf_malformed_payload_raises(text: str) -> None:
    with pytest.raises(PayloadError, match="hf-daily:2026-03-06"):
        parse_daily_papers_text(text, DAY)


def test_hf_day_is_validated() -> None:
    assert check_day(" 2026-03-06 ") == DAY
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        check_day("06/03/2026")


def test_arxiv_parses_the_real_sample() -> None:
    result = parse_feed(ARXIV_SAMPLE.read_text(encoding="utf-8"), "all:transformers")
    assert result.problems == ()
    (cand,) = result.candidates
    assert (cand.title, cand.arxiv_id, cand.source, cand.rank) == (
        "Attention Is All You Need", "1706.03762", "arxiv:all:transformers", 1)
    assert cand.abstract.startswith("The dominant sequence transduction models are based on complex recurrent or convolutional")
    assert "\n" not in cand.abstract and "  " not in cand.abstract
    assert cand.authors == ("Ashish Vaswani", "Noam Shazeer")
    assert cand.published == "2017-06-12T17:57:34Z"


def test_arxiv_hard_wrapped_entry_is_collapsed() -> None:
    result = parse_feed(arxiv_feed().encode("utf-8"), QUERY)
    assert result.problems == ()
    wrapped = result.candidates[1]
    assert (wrapped.title, wrapped.arxiv_id, wrapped.abstract, wrapped.authors, wrapped.rank) == (
        SHIPPED_TITLE_2, "2106.01680", "Line one of the abstract.", ("Junyoung Park", "Jinhyun Choo"), 2)
    assert wrapped.published == "2021-06-03T10:00:00Z"


BROKEN_ENTRIES = {
    "empty title": (arxiv_entry("http://arxiv.org/abs/2603.11111v1", title="   "),
                    "entry 3 (2603.11111): skipped: missing or empty title"),
    "no title": (arxiv_entry("http://arxiv.org/abs/2603.11111v1", title=None),
                 "entry 3 (2603.11111): skipped: missing or empty title"),
    "no id": (arxiv_entry(None, title="No Id"), "entry 3 ('No Id'): skipped: missing id"),
    "not an arXiv id": (arxiv_entry("urn:uuid:1234", title="Odd Id"),
                        "entry 3 ('urn:uuid:1234'): skipped: id 'urn:uuid:1234' is not an arXiv id"),
    "empty summary": (arxiv_entry("http://arxiv.org/abs/2603.11111v1", summary=" \n "),
                      "entry 3 (2603.11111): skipped: missing or empty summary"),
    "no summary": (arxiv_entry("http://arxiv.org/abs/2603.11111v1", summary=None),
                   "entry 3 (2603.11111): skipped: missing or empty summary"),
    "summary with markup": (arxiv_entry("http://arxiv.org/abs/2603.11111v1", summary="We <b>cut</b> this."),
                            "entry 3 (2603.11111): skipped: summary holds markup, not text"),
    "garbled summary": (arxiv_entry("http://arxiv.org/abs/2603.11111v1", summary="Caf\ufffd\ufffd au lait"),
                        "entry 3 (2603.11111): skipped: garbled summary (replacement or control characters)"),
    "mojibake summary": (arxiv_entry("http://arxiv.org/abs/2603.11111v1", summary="It\u00e2\u0080\u0099s"),
                         "entry 3 (2603.11111): skipped: garbled summary (replacement or control characters)"),
    "bad date": (arxiv_entry("http://arxiv.org/abs/2603.11111v1", published="last Tuesday"),
                 "entry 3 (2603.11111): skipped: bad published date 'last Tuesday'"),
    "impossible date": (arxiv_entry("http://arxiv.org/abs/2603.11111v1", published="2026-13-40T00:00:00Z"),
                        "entry 3 (2603.11111): skipped: bad published date '2026-13-40T00:00:00Z'"),
    "no date": (arxiv_entry("http://arxiv.org/abs/2603.11111v1", published=None),
                "entry 3 (2603.11111): skipped: missing published date"),
    "nothing at all": ("<entry/>", "entry 3: skipped: missing or empty title"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_ENTRIES))
def test_arxiv_broken_entry_is_skipped_and_the_rest_kept(case: str) -> None:
    broken, problem = BROKEN_ENTRIES[case]
    result = parse_feed(arxiv_feed(broken + arxiv_entry()), QUERY)
    assert [(c.rank, c.title, c.arxiv_id) for c in result.candidates] == [
        (1, "Attention Is All You Need", "1706.03762"), (2, SHIPPED_TITLE_2, "2106.01680"),
        (4, "After The Break", "2603.22222")]
    assert result.problems == (f"arxiv:cat:cs.LG: {problem}",)


@pytest.mark.parametrize(
    ("tail", "where"),
    [
        # A stray ampersand makes the document not well-formed from the third entry on.
        (arxiv_entry(summary="Salt & pepper.") + arxiv_entry("http://arxiv.org/abs/2603.33333v1"), "not well-formed"),
        # A body cut off mid-entry.
        ("<entry><id>http://arxiv.org/abs/2603.33333v1</id><title>Cut o", "no element found"),
    ],
)
def test_arxiv_feed_that_breaks_off_keeps_the_entries_before_the_break(tail: str, where: str) -> None:
    text = arxiv_feed().replace("</feed>", tail)
    result = parse_feed(text, QUERY)
    assert [c.title for c in result.candidates] == ["Attention Is All You Need", SHIPPED_TITLE_2]
    (problem,) = result.problems
    assert problem.startswith("arxiv:cat:cs.LG: feed is not valid XML after entry 2 (")
    assert where in problem and problem.endswith("the rest was not read")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<feed><entry>", "not valid XML"),
        ("<html><body>busy</body></html>", "expected an Atom"),
        ('<!DOCTYPE feed [<!ENTITY a "aaaa">]><feed xmlns="http://www.w3.org/2005/Atom"/>', "DOCTYPE"),
        ('<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/api/errors#incorrect_id_format</id>'
         "<title>Error</title><summary>incorrect id format</summary></entry></feed>", "incorrect id format"),
    ],
)
def test_arxiv_malformed_feed_raises(text: str, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        parse_feed(text, QUERY)


def test_arxiv_query_params_ask_for_newest_first() -> None:
    assert query_params(QUERY, 7) == {"search_query": QUERY, "start": "0", "max_results": "7",
                                      "sortBy": "submittedDate", "sortOrder": "descending"}


def test_retry_after_parsing() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


@pytest.mark.parametrize(
    "repo",
    [
        # The hole: the http(s) prefix was all that was checked, so the rest rode into cards raw.
        "https://github.com/a/b\n**Bold** [arXiv PDF](https://evil.example/x.pdf)",
        "https://github.com/a/b [arXiv PDF](https://evil.example)",
        "https://github.com/a/b\u202e",
        "https://arxiv.org@evil.example/a/b",  # user info: leads to evil.example
        "https://evil/a/b",  # no real host
        "javascript:alert(1)//https://github.com/a/b",
        "https://github.com/" + "a" * 3000,
    ],
)
def test_hf_github_repo_that_is_not_plainly_a_web_address_is_dropped(repo: str) -> None:
    result = parse_daily_papers([hf_item("2603.00003", "Hostile Repo", githubRepo=repo)], DAY)
    (cand,) = result.candidates
    assert cand.github_repo is None


def test_hf_github_repo_keeps_a_plain_address_and_trims_its_edges() -> None:
    (cand,) = parse_daily_papers([hf_item("2603.00004", "Fine Repo", githubRepo=" https://github.com/a/b\n")], DAY).candidates
    assert cand.github_repo == "https://github.com/a/b"


def test_hf_author_names_lose_control_and_bidi_characters() -> None:
    authors = [{"name": "Eve\x1b[2J\u202e Evil"}, {"name": "\x07"}, {"name": "[x](http://evil)"}]
    (cand,) = parse_daily_papers([hf_item("2603.00005", "Odd Names", authors=authors)], DAY).candidates
    # Markdown in a name is kept as text (cards escape it); what would repaint a terminal is not.
    assert cand.authors == ("Eve [2J Evil", "[x](http://evil)")
