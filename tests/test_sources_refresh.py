"""Fresh-paper sources against loopback servers: refresh cycles, merges with shipped papers, faults, backoff."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import socket
import urllib.parse
from pathlib import Path

import pytest

from corpus.ingest import open_corpus
from corpus.sources.http import Fetcher, FetchError
from corpus.sources.refresh import Refresher, SourceConfig, ingest_arxiv, ingest_hf_daily
from corpus.store import CorpusStore
from tests.sources_fixtures import (
    SHIPPED_TITLE,
    SHIPPED_TITLE_2,
    FakeClock,
    LoopbackServer,
    arxiv_entry,
    arxiv_feed,
    hf_payload,
    refresh_both,
)

DAY = "2026-03-06"
QUERY = "cat:cs.LG"
HF_PATH = "/api/daily_papers"
ARXIV_PATH = "/api/query"
SHIPPED = 440


# ---------------------------------------------------------------- loopback fixtures


@pytest.fixture(scope="module")
def shipped_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus file built from the shipped pages, once per module."""
    path = tmp_path_factory.mktemp("shipped") / "corpus.sqlite3"
    store = open_corpus(path)
    assert len(store) == SHIPPED
    store.close()  # checkpoints the WAL into the file, so a copy of the file is the whole store
    return path


@pytest.fixture
def store(shipped_corpus: Path, tmp_path: Path) -> CorpusStore:
    """A private copy of the shipped corpus, opened with open_corpus."""
    shutil.copy(shipped_corpus, tmp_path / "corpus.sqlite3")
    return open_corpus(tmp_path / "corpus.sqlite3")


@pytest.fixture
def server():
    """A loopback server serving a good daily list and a good arXiv feed."""
    srv = LoopbackServer()
    srv.set(HF_PATH, json.dumps(hf_payload()))
    srv.set(ARXIV_PATH, arxiv_feed(), content_type="application/atom+xml; charset=utf-8")
    yield srv
    srv.stop()


@pytest.fixture
def clock() -> FakeClock:
    """A hand-advanced clock."""
    return FakeClock()


def make_refresher(store: CorpusStore, clock: FakeClock, hf_url: str, arxiv_url: str, **hf: object) -> Refresher:
    """A refresher with short timeouts, no spacing and a 10 s backoff base."""
    return Refresher(
        store,
        SourceConfig(base_url=hf_url, timeout=0.2, spacing=0.0, **hf),
        SourceConfig(base_url=arxiv_url, timeout=0.2, spacing=0.0, query=QUERY, max_results=25),
        backoff_base=10.0,
        backoff_cap=100.0,
        clock=clock,
        sleep=clock.sleep,
        today=lambda: DAY,
    )


def on_disk(store: CorpusStore) -> CorpusStore:
    """Reopen the store's file, to see what was committed."""
    return open_corpus(store.path, readonly=True)


NEW_FROM_HF = 2  # the real item and the sparse one; the third merges with a shipped paper
NEW_FROM_ARXIV = 1  # "Attention Is All You Need"; the other entry merges with a shipped paper


# ---------------------------------------------------------------- loopback: happy path


def test_cycle_ingests_merges_with_shipped_papers_and_is_idempotent(store, server, clock) -> None:
    shipped = store.find(title=SHIPPED_TITLE)
    shipped_2 = store.find(title=SHIPPED_TITLE_2)
    refresher = make_refresher(store, clock, server.url, server.url)
    hf, ax = refresh_both(refresher)

    assert (hf.status, hf.feed, hf.fetched, len(hf.added), hf.updated, hf.problems) == (
        "ok", "hf-daily:2026-03-06", 3, NEW_FROM_HF, (shipped.id,), ())
    assert (ax.status, ax.feed, ax.fetched, len(ax.added), ax.updated) == ("ok", "arxiv:cat:cs.LG", 2, NEW_FROM_ARXIV, (shipped_2.id,))
    saved = on_disk(store)
    assert len(saved) == len(store) == SHIPPED + NEW_FROM_HF + NEW_FROM_ARXIV

    merged = saved.get(shipped.id)
    assert merged.title == SHIPPED_TITLE and merged.abstract == shipped.abstract
    assert (merged.arxiv_id, merged.upvotes, merged.github_repo, merged.github_stars) == (
        "2105.15183", 42, "https://github.com/google/jaxopt", 900)
    assert merged.authors == ("Mathieu Blondel", "Quentin Berthet")
    assert {"https://arxiv.org/abs/2105.15183", "https://github.com/google/jaxopt"} <= {link.url for link in merged.links}
    assert "hf-daily:2026-03-06" in merged.sources
    assert saved.get(shipped_2.id).arxiv_id == "2106.01680"
    assert saved.find(arxiv_id="2602.23229").upvotes == 10

    (hf_request,) = server.requests_to(HF_PATH)
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(hf_request).query) == {"date": [DAY]}
    (ax_request,) = server.requests_to(ARXIV_PATH)
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(ax_request).query) == {
        "search_query": [QUERY], "start": ["0"], "max_results": ["25"], "sortBy": ["submittedDate"], "sortOrder": ["descending"]}

    before = store.path.read_bytes()
    again = refresh_both(refresher)
    assert [(r.status, r.added, r.updated, r.unchanged) for r in again] == [("ok", (), (), 3), ("ok", (), (), 2)]
    assert len(on_disk(store)) == SHIPPED + NEW_FROM_HF + NEW_FROM_ARXIV
    assert store.path.read_bytes() == before  # nothing changed, nothing rewritten


def test_newer_upvotes_update_the_same_paper(store, server, clock) -> None:
    refresher = make_refresher(store, clock, server.url, server.url, enabled=True)
    refresher.refresh_hf_daily()
    payload = hf_payload()
    payload[0]["paper"]["upvotes"] = 99
    server.set(HF_PATH, json.dumps(payload))
    report = refresher.refresh_hf_daily()
    paper = on_disk(store).find(arxiv_id="2602.23229")
    assert report.updated == (paper.id,) and report.added == () and paper.upvotes == 99
    assert len(store) == SHIPPED + NEW_FROM_HF


def test_disabled_source_is_not_requested(store, server, clock) -> None:
    refresher = make_refresher(store, clock, server.url, server.url, enabled=False)
    hf, ax = refresh_both(refresher)
    assert hf.status == "disabled" and ax.status == "ok"
    assert server.requests_to(HF_PATH) == []


def test_manual_ingest_functions(store, server) -> None:
    hf = ingest_hf_daily(store, DAY, SourceConfig(enabled=False, base_url=server.url, timeout=1.0, spacing=0.0))
    ax = ingest_arxiv(store, "all:transformers", SourceConfig(base_url=server.url, timeout=1.0, spacing=0.0))
    assert (hf.status, len(hf.added), ax.status, len(ax.added), ax.feed) == (
        "ok", NEW_FROM_HF, "ok", NEW_FROM_ARXIV, "arxiv:all:transformers")
    assert len(on_disk(store)) == SHIPPED + NEW_FROM_HF + NEW_FROM_ARXIV


def test_fetcher_keeps_its_spacing_without_real_sleeps(server, clock) -> None:
    fetcher = Fetcher(server.url, timeout=1.0, spacing=3.0, clock=clock, sleep=clock.sleep)
    fetcher.get_text(HF_PATH)
    clock.advance(1.0)
    fetcher.get_text(HF_PATH)
    assert clock.sleeps == [2.0]


def test_fetcher_rejects_undecodable_body(server) -> None:
    server.set("/bin", b"\xff\xfe\xfa", content_type="application/json; charset=utf-8")
    with pytest.raises(FetchError, match="not valid utf-8"):
        Fetcher(server.url, timeout=1.0).get_text("/bin")


# ---------------------------------------------------------------- loopback: faults


def free_port() -> int:
    """Return a loopback port nothing listens on (bound then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


FAULTS = {
    "http-500": ({"body": "oops", "status": 500, "content_type": "text/plain"}, "HTTP 500"),
    "timeout": ({"body": "[]", "delay": 0.6}, "timed out after 0.2 s"),
    "malformed-json": ({"body": '[{"paper": {"title": "Cut off'}, "not valid JSON"),
    "html-instead-of-json": ({"body": "<html>maintenance</html>", "content_type": "text/html"}, "not valid JSON"),
    "wrong-shape": ({"body": '{"error": "bad date"}'}, "expected a JSON list"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_hf_fault_is_survived_and_retried_after_backoff(fault, store, server, clock) -> None:
    route, message = FAULTS[fault]
    server.set(HF_PATH, **route)
    refresher = make_refresher(store, clock, server.url, server.url)

    hf, ax = refresh_both(refresher)
    assert hf.status == "failed" and message in hf.error and hf.added == ()
    assert hf.retry_at == clock.now + 10.0
    assert ax.status == "ok" and len(ax.added) == NEW_FROM_ARXIV  # the other source is unaffected
    assert len(on_disk(store)) == SHIPPED + NEW_FROM_ARXIV

    # A second failure doubles the wait.
    clock.advance(10.0)
    assert refresher.refresh_hf_daily().retry_at == clock.now + 20.0
    # Inside the backoff window the source is not even asked.
    requests = len(server.requests_to(HF_PATH))
    clock.advance(19.0)
    assert refresher.refresh_hf_daily().status == "backoff"
    assert len(server.requests_to(HF_PATH)) == requests

    server.set(HF_PATH, json.dumps(hf_payload()))
    clock.advance(1.0)
    hf, ax = refresh_both(refresher)
    assert hf.status == "ok" and len(hf.added) == NEW_FROM_HF and ax.added == ()
    assert refresher.backoff("hf-daily").failures == 0 and refresher.backoff("hf-daily").next_attempt is None
    assert len(on_disk(store)) == SHIPPED + NEW_FROM_HF + NEW_FROM_ARXIV


def test_429_retry_after_is_honoured(store, server, clock) -> None:
    server.set(ARXIV_PATH, "slow down", status=429, content_type="text/plain", headers={"Retry-After": "60"})
    refresher = make_refresher(store, clock, server.url, server.url)
    hf, ax = refresh_both(refresher)
    assert hf.status == "ok" and ax.status == "failed"
    assert "HTTP 429" in ax.error and "retry after 60 s" in ax.error
    assert ax.retry_at == clock.now + 60.0  # longer than the 10 s base backoff
    clock.advance(59.0)
    assert refresher.refresh_arxiv().status == "backoff"
    server.set(ARXIV_PATH, arxiv_feed(), content_type="application/atom+xml")
    clock.advance(1.0)
    assert len(refresher.refresh_arxiv().added) == NEW_FROM_ARXIV
    assert len(on_disk(store)) == SHIPPED + NEW_FROM_HF + NEW_FROM_ARXIV


@pytest.mark.parametrize("body", ["<feed><entry><title>cut", "{\"json\": true}"])
def test_malformed_feed_is_survived(body, store, server, clock) -> None:
    server.set(ARXIV_PATH, body, content_type="application/atom+xml")
    refresher = make_refresher(store, clock, server.url, server.url)
    hf, ax = refresh_both(refresher)
    assert hf.status == "ok" and ax.status == "failed" and "arxiv:cat:cs.LG" in ax.error
    assert len(on_disk(store)) == SHIPPED + NEW_FROM_HF
    server.set(ARXIV_PATH, arxiv_feed(), content_type="application/atom+xml")
    clock.advance(10.0)
    assert refresher.refresh_arxiv().status == "ok"
    assert len(on_disk(store)) == SHIPPED + NEW_FROM_HF + NEW_FROM_ARXIV


def test_connection_refused_is_survived(store, server, clock) -> None:
    port = free_port()
    refresher = make_refresher(store, clock, f"http://127.0.0.1:{port}", server.url)
    hf, ax = refresh_both(refresher)
    assert hf.status == "failed" and "cannot connect" in hf.error and ax.status == "ok"
    assert len(on_disk(store)) == SHIPPED + NEW_FROM_ARXIV

    late = LoopbackServer(port)  # the source comes back on the same address
    try:
        late.set(HF_PATH, json.dumps(hf_payload()))
        assert refresher.refresh_hf_daily().status == "backoff"
        clock.advance(10.0)
        assert len(refresher.refresh_hf_daily().added) == NEW_FROM_HF
    finally:
        late.stop()
    assert len(on_disk(store)) == SHIPPED + NEW_FROM_HF + NEW_FROM_ARXIV


def test_one_malformed_item_skips_only_that_item(store, server, clock) -> None:
    payload = hf_payload()
    payload.insert(1, {"paper": {"id": "2603.99999", "title": None, "summary": "orphan"}})
    server.set(HF_PATH, json.dumps(payload))
    refresher = make_refresher(store, clock, server.url, server.url)
    hf = refresher.refresh_hf_daily()
    assert hf.status == "ok" and hf.fetched == 4 and len(hf.added) == NEW_FROM_HF and len(hf.updated) == 1
    assert hf.problems == ("hf-daily:2026-03-06: item 2: skipped: missing or empty title",)
    assert refresher.backoff("hf-daily").failures == 0
    saved = on_disk(store)
    assert len(saved) == SHIPPED + NEW_FROM_HF and saved.find(arxiv_id="2603.99999") is None


def test_backoff_is_capped(store, clock) -> None:
    refresher = make_refresher(store, clock, f"http://127.0.0.1:{free_port()}", "http://127.0.0.1:1")
    waits = []
    for _ in range(6):
        report = refresher.refresh_hf_daily()
        waits.append(report.retry_at - clock.now)
        clock.advance(waits[-1])
    assert waits == [10.0, 20.0, 40.0, 80.0, 100.0, 100.0]
    assert len(on_disk(store)) == SHIPPED


def test_one_broken_arxiv_entry_skips_only_that_entry(store, server, clock, caplog) -> None:
    broken = arxiv_entry("http://arxiv.org/abs/2603.11111v1", published="last Tuesday")
    server.set(ARXIV_PATH, arxiv_feed(broken + arxiv_entry()), content_type="application/atom+xml")
    refresher = make_refresher(store, clock, server.url, server.url)
    caplog.set_level(logging.INFO)
    ax = refresher.refresh_arxiv()
    assert ax.status == "ok" and ax.fetched == 4 and len(ax.added) == NEW_FROM_ARXIV + 1 and len(ax.updated) == 1
    assert ax.problems == ("arxiv:cat:cs.LG: entry 3 (2603.11111): skipped: bad published date 'last Tuesday'",)
    assert refresher.backoff("arxiv").failures == 0
    # A scheduled run is read by nobody but the operator log, so its skipped entries are warnings there.
    assert [r.levelno for r in caplog.records if r.getMessage() == ax.problems[0]] == [logging.WARNING]
    saved = on_disk(store)
    assert saved.find(arxiv_id="2603.22222") is not None and saved.find(arxiv_id="2603.11111") is None


def test_forced_run_leaves_backoff_alone_and_leaves_problems_to_its_caller(store, server, clock, caplog) -> None:
    server.set(ARXIV_PATH, "oops", status=500, content_type="text/plain")
    refresher = make_refresher(store, clock, server.url, server.url)
    refresher.refresh_arxiv()
    backoff = dataclasses.replace(refresher.backoff("arxiv"))
    assert backoff.failures == 1

    server.set(ARXIV_PATH, arxiv_feed(arxiv_entry(None, title="No Id")), content_type="application/atom+xml")
    caplog.set_level(logging.INFO)
    forced = refresher.refresh_arxiv(force=True)
    assert forced.status == "ok" and len(forced.added) == NEW_FROM_ARXIV
    assert forced.problems == ("arxiv:cat:cs.LG: entry 3 ('No Id'): skipped: missing id",)
    # The caller (`paperscout ingest`) prints the problems; a WARNING log would print them twice.
    assert [r.levelno for r in caplog.records if r.getMessage() == forced.problems[0]] == [logging.INFO]
    assert refresher.backoff("arxiv") == backoff
    assert refresher.refresh_arxiv().status == "backoff"  # the schedule is the schedule's business
