"""The feed fetcher follows redirects only within its own origin, a few hops at most; HF lists are capped."""

from __future__ import annotations

import json
import logging

import pytest

from corpus.sources import hf_daily
from corpus.sources.http import MAX_REDIRECTS, Fetcher, FetchError
from tests.sources_fixtures import LoopbackServer, hf_item

PATH = "/api/daily_papers"


@pytest.fixture
def server():
    """The feed's server, reached as http://127.0.0.1:PORT."""
    srv = LoopbackServer()
    yield srv
    srv.stop()


@pytest.fixture
def elsewhere():
    """Another server a redirect may point at."""
    srv = LoopbackServer()
    yield srv
    srv.stop()


def redirect(server: LoopbackServer, path: str, location: str, status: int = 302) -> None:
    """Make GET `path` answer with a redirect to `location`."""
    server.set(path, b"", status=status, content_type="text/plain", headers={"Location": location})


def refused(fetcher: Fetcher, path: str = PATH) -> FetchError:
    """Return the FetchError a GET of `path` raises."""
    with pytest.raises(FetchError) as info:
        fetcher.get_text(path)
    return info.value


def test_redirect_within_the_same_origin_is_followed(server) -> None:
    server.set("/moved", b"[]")
    redirect(server, PATH, "/moved", status=301)
    assert Fetcher(server.url).get_text(PATH) == "[]"
    assert server.requests_to("/moved") == ["/moved"]


@pytest.mark.parametrize(
    "target",
    [
        "{other}/api/daily_papers",  # another port of the same address: another server
        "http://localhost:{port}/api/daily_papers",  # another host name, even for the same server
        "https://127.0.0.1:{port}/api/daily_papers",  # another scheme
        "ftp://127.0.0.1:{port}/api/daily_papers",
        "file:///etc/passwd",
    ],
)
def test_redirect_to_another_origin_is_refused(server, elsewhere, target: str) -> None:
    elsewhere.set(PATH, b'["hijacked"]')
    location = target.format(other=elsewhere.url, port=server.port)
    redirect(server, PATH, location)
    error = refused(Fetcher(server.url, timeout=5.0))  # bounded even where a target would hang
    assert error.status == 302
    assert str(error).startswith(f"GET {server.url}{PATH}: HTTP 302 ")
    assert "\n" not in str(error)
    assert elsewhere.requests == []
    assert server.requests_to(PATH) == [f"{PATH}"]  # asked once, followed nowhere


def test_redirect_chain_is_cut_after_the_allowed_hops(server) -> None:
    # /hop0 -> /hop1 -> ... -> /hop{MAX+1}: one hop more than allowed.
    for n in range(MAX_REDIRECTS + 1):
        redirect(server, f"/hop{n}", f"/hop{n + 1}")
    server.set(f"/hop{MAX_REDIRECTS + 1}", b"[]")
    error = refused(Fetcher(server.url), "/hop0")
    assert f"more than {MAX_REDIRECTS} redirects" in str(error)
    assert server.requests_to(f"/hop{MAX_REDIRECTS + 1}") == []
    # Exactly the allowed number of hops still arrives.
    assert Fetcher(server.url).get_text("/hop1") == "[]"


def test_redirect_loop_is_cut(server) -> None:
    redirect(server, "/a", "/b")
    redirect(server, "/b", "/a")
    assert "redirects" in str(refused(Fetcher(server.url), "/a"))
    assert len(server.requests) == MAX_REDIRECTS + 1


def test_hf_daily_list_is_capped_and_the_drop_logged(server, caplog) -> None:
    extra = 7
    items = [hf_item(f"2603.{n:05d}", f"Paper number {n}") for n in range(hf_daily.MAX_ITEMS + extra)]
    server.set(PATH, json.dumps(items))
    with caplog.at_level(logging.WARNING, logger="corpus.sources.hf_daily"):
        result = hf_daily.fetch_daily_papers(Fetcher(server.url), "2026-03-06")
    assert len(result.candidates) == hf_daily.MAX_ITEMS
    assert result.candidates[-1].title == f"Paper number {hf_daily.MAX_ITEMS - 1}"
    assert result.problems == ()
    (record,) = [r for r in caplog.records if "dropped" in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert f"dropped the last {extra}" in record.getMessage() and "hf-daily:2026-03-06" in record.getMessage()


def test_hf_daily_list_within_the_cap_is_whole_and_quiet(caplog) -> None:
    items = [hf_item(f"2603.{n:05d}", f"Paper number {n}") for n in range(hf_daily.MAX_ITEMS)]
    with caplog.at_level(logging.WARNING, logger="corpus.sources.hf_daily"):
        result = hf_daily.parse_daily_papers(items, "2026-03-06")
    assert len(result.candidates) == hf_daily.MAX_ITEMS
    assert not [r for r in caplog.records if "dropped" in r.getMessage()]
