"""Fresh-paper sources offline: the parsers on the real payload shapes, query params, Retry-After."""

from __future__ import annotations

import pytest

from corpus.sources import PayloadError
from corpus.sources.arxiv import parse_feed, query_params
from corpus.sources.hf_daily import check_day, parse_daily_papers, parse_daily_papers_text
from corpus.sources.http import parse_retry_after
from tests.sources_fixtures import ARXIV_SAMPLE, SHIPPED_TITLE_2, arxiv_feed, hf_item, hf_sample_items

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


def test_arxiv_sparse_entry_kept_and_malformed_entry_skipped() -> None:
    extra = ("<entry><id>http://arxiv.org/abs/2603.11111v1</id><title>   </title></entry>"
             "<entry><title>No Id Or Abstract</title></entry>")
    result = parse_feed(arxiv_feed(extra).encode("utf-8"), QUERY)
    assert [c.title for c in result.candidates] == ["Attention Is All You Need", SHIPPED_TITLE_2, "No Id Or Abstract"]
    wrapped = result.candidates[1]
    assert (wrapped.arxiv_id, wrapped.abstract, wrapped.authors) == (
        "2106.01680", "Line one of the abstract.", ("Junyoung Park", "Jinhyun Choo"))
    sparse = result.candidates[2]
    assert (sparse.arxiv_id, sparse.abstract, sparse.authors, sparse.rank) == (None, "", (), 4)
    assert result.problems == ("arxiv:cat:cs.LG: entry 3: skipped: missing or empty title",)


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
