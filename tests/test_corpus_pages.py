"""The page parser on the real shipped pages, and its handling of odd pages."""

from __future__ import annotations

from collections import Counter

import pytest

from corpus.clean import normalize_title
from corpus.ingest import read_page, shipped_pages
from corpus.pages import PageError, parse_page


def test_shipped_pages_hold_502_listings_of_440_papers():
    listings = [c for page in shipped_pages() for c in read_page(page)]
    assert len(shipped_pages()) == 5
    assert len(listings) == 502
    assert len({normalize_title(c.title) for c in listings}) == 440


def test_both_layouts_parse_with_titles_verbatim():
    pages = {p.name[:3]: read_page(p) for p in shipped_pages()}
    # Compact layout: "Subscribe" glued to the first title is not part of it.
    assert pages["000"][0].title == "Efficient and Modular Implicit Differentiation"
    assert pages["000"][0].abstract.startswith("Automatic differentiation (autodiff) has revolutionized")
    # Spaced layout with a date header ("Mar 11") before the first title.
    assert pages["002"][0].title == "Accelerating Sinkhorn Algorithm with Sparse Newton Iterations"
    assert pages["002"][0].abstract.startswith("Computing the optimal transport distance")
    assert "Sharper Bounds for ell_p Sensitivity Sampling" in {c.title for c in pages["002"]}
    assert [len(v) for _, v in sorted(pages.items())] == [29, 23, 58, 164, 228]
    # Ranks are the 1-based positions on the page.
    assert [c.rank for c in pages["001"]] == list(range(1, 24))


def test_no_banner_line_is_taken_for_a_paper():
    titles = Counter(c.title for page in shipped_pages() for c in read_page(page))
    for banner in ("Subscribe", "new", "byAK and the research community", "Mar 11"):
        assert banner not in titles
    assert all(not t.lower().startswith("get trending") for t in titles)


def test_parse_page_spaced_layout_from_text():
    text = "new\n\nSubscribe\n\nbyAK and the research community\n\nJan 5\n\nA Title\n\nIts abstract is here.\n\nSecond Paper\n\nAnother abstract.\n"
    listings = parse_page(text)
    assert [(x.title, x.abstract, x.rank) for x in listings] == [
        ("A Title", "Its abstract is here.", 1),
        ("Second Paper", "Another abstract.", 2),
    ]


def test_page_without_papers_is_an_error():
    with pytest.raises(PageError, match="no papers"):
        parse_page("Get trending papers in your email inbox!\nSubscribe\n")
    with pytest.raises(PageError):
        parse_page("")
