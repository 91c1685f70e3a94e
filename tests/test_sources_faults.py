"""Fresh-paper sources against slow loopback servers and in one-shot runs: whole-request deadline, no false retries."""

from __future__ import annotations

import logging
import time

import pytest

from corpus.sources import http as http_module
from corpus.sources.http import Fetcher, FetchError
from corpus.sources.refresh import ARXIV, HF_DAILY, Backoff, Refresher, SourceConfig, ingest_arxiv, ingest_hf_daily
from tests.sources_fixtures import FakeClock, LoopbackServer, refresh_both

PATH = "/slow"
ARXIV_PATH = "/api/query"
HF_PATH = "/api/daily_papers"
QUERY = "cat:cs.LG"
DAY = "2026-03-06"
TIMEOUT = 1.0
# A behaviour bound, not a benchmark: the deadline is 1 s, the drips last about 10 s, and the
# slack in between absorbs a loaded test machine.
BOUND = 5.0


@pytest.fixture
def server():
    """A loopback server with no routes yet."""
    srv = LoopbackServer()
    yield srv
    srv.stop()


class UntouchedStore:
    """A stand-in store for runs that fail: the refresher must not touch the store then."""

    path = "untouched.json"

    def add(self, candidates: object) -> None:
        """Fail the test: a failed fetch must not add anything."""
        raise AssertionError("store.add called after a failed fetch")

    def save(self) -> None:
        """Fail the test: a failed fetch must not save anything."""
        raise AssertionError("store.save called after a failed fetch")


def timed_failure(fetcher: Fetcher, path: str = PATH) -> tuple[float, str]:
    """Return how long `fetcher.get_text(path)` took to fail, and its message."""
    start = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetcher.get_text(path)
    return time.monotonic() - start, str(info.value)


# ---------------------------------------------------------------- the timeout bounds the whole request


def test_dripping_body_is_cut_off_at_the_deadline(server) -> None:
    # 50 bytes, one every 0.2 s: each byte is well inside a per-socket timeout, the whole takes 10 s.
    server.set(PATH, b"x" * 50, drip=0.2, content_type="text/plain")
    elapsed, message = timed_failure(Fetcher(server.url, timeout=TIMEOUT))
    assert message == f"GET {server.url}{PATH}: timed out after 1 s"
    assert 0.9 <= elapsed < BOUND


def test_dripping_headers_are_cut_off_at_the_deadline(server) -> None:
    server.set(PATH, b"[]", drip=0.2, drip_headers=True)
    elapsed, message = timed_failure(Fetcher(server.url, timeout=TIMEOUT))
    assert message.endswith("timed out after 1 s")
    assert 0.9 <= elapsed < BOUND


def test_headers_later_than_the_deadline_time_out(server) -> None:
    server.set(PATH, b"[]", delay=6.0)
    elapsed, message = timed_failure(Fetcher(server.url, timeout=TIMEOUT))
    assert message.endswith("timed out after 1 s")
    assert 0.9 <= elapsed < BOUND  # before the server even answers (at 6 s)


def test_slow_body_inside_the_deadline_is_read_whole(server) -> None:
    server.set(PATH, b'["a", "b"]', drip=0.03)
    assert Fetcher(server.url, timeout=5.0).get_text(PATH) == '["a", "b"]'


def test_polite_spacing_does_not_eat_into_the_deadline(server) -> None:
    server.set(PATH, b"[]")
    fetcher = Fetcher(server.url, timeout=0.5, spacing=1.0)
    assert fetcher.get_text(PATH) == "[]"
    start = time.monotonic()
    assert fetcher.get_text(PATH) == "[]"  # waited about 1 s for its slot, then had its own 0.5 s
    assert time.monotonic() - start >= 0.9


def test_body_cap_still_applies(server, monkeypatch) -> None:
    monkeypatch.setattr(http_module, "MAX_BODY_BYTES", 1000)
    server.set(PATH, b"x" * 5000, content_type="text/plain")
    with pytest.raises(FetchError, match="body larger than 1000 bytes"):
        Fetcher(server.url, timeout=TIMEOUT).get_text(PATH)


def test_dripping_feed_does_not_hold_up_the_cycle(server) -> None:
    server.set(HF_PATH, b"[]" * 25, drip=0.2)
    server.set(ARXIV_PATH, b"<feed/>" * 8, drip=0.2, drip_headers=True)
    clock = FakeClock()
    refresher = Refresher(
        UntouchedStore(),  # type: ignore[arg-type]
        SourceConfig(base_url=server.url, timeout=TIMEOUT, spacing=0.0),
        SourceConfig(base_url=server.url, timeout=TIMEOUT, spacing=0.0, query=QUERY),
        clock=clock, sleep=clock.sleep, today=lambda: DAY,
    )
    start = time.monotonic()
    reports = refresh_both(refresher)
    assert time.monotonic() - start < 2 * BOUND  # two sources, each cut off after about 1 s
    assert [r.status for r in reports] == ["failed", "failed"]
    assert all(r.error.endswith("timed out after 1 s") for r in reports)


# ---------------------------------------------------------------- one-shot runs promise no retry


def make_refresher(url: str, clock: FakeClock) -> Refresher:
    """A refresher on the loopback server with a 10 s backoff base and a store that must stay untouched."""
    return Refresher(
        UntouchedStore(),  # type: ignore[arg-type]
        SourceConfig(base_url=url, timeout=TIMEOUT, spacing=0.0),
        SourceConfig(base_url=url, timeout=TIMEOUT, spacing=0.0, query=QUERY),
        backoff_base=10.0,
        clock=clock,
        sleep=clock.sleep,
        today=lambda: DAY,
    )


def refresh_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return the WARNING-or-worse messages the refresher logged."""
    records = [r for r in caplog.records if r.name == "corpus.sources.refresh"]
    return [r.getMessage() for r in records if r.levelno >= logging.WARNING]


def test_scheduled_failure_backs_off_and_says_when_it_retries(server, caplog) -> None:
    server.set(ARXIV_PATH, "oops", status=500, content_type="text/plain")
    clock = FakeClock()
    refresher = make_refresher(server.url, clock)
    caplog.set_level(logging.DEBUG)
    report = refresher.refresh_arxiv()
    assert report.status == "failed" and "HTTP 500" in report.error and report.retry_at == clock.now + 10.0
    assert refresher.backoff(ARXIV) == Backoff(1, clock.now + 10.0, report.error)
    assert refresh_warnings(caplog) == [f"arxiv:cat:cs.LG failed (1 in a row), next attempt in 10 s: {report.error}"]


def test_forced_failure_leaves_backoff_alone_and_promises_nothing(server, caplog) -> None:
    server.set(ARXIV_PATH, "oops", status=500, content_type="text/plain")
    clock = FakeClock()
    refresher = make_refresher(server.url, clock)
    caplog.set_level(logging.DEBUG)

    report = refresher.refresh_arxiv(force=True)
    assert (report.status, report.feed, report.retry_at) == ("failed", "arxiv:cat:cs.LG", None)
    assert "HTTP 500" in report.error
    assert refresher.backoff(ARXIV) == Backoff()
    assert refresh_warnings(caplog) == []
    assert not any("next attempt" in r.getMessage() for r in caplog.records)

    # With a scheduled failure already counted, a forced one is still made and still changes nothing.
    refresher.refresh_arxiv()
    before = Backoff(**vars(refresher.backoff(ARXIV)))
    requests = len(server.requests_to(ARXIV_PATH))
    caplog.clear()
    assert refresher.refresh_arxiv(force=True).status == "failed"
    assert len(server.requests_to(ARXIV_PATH)) == requests + 1  # force ignores the backoff window
    assert refresher.backoff(ARXIV) == before
    assert refresh_warnings(caplog) == []


@pytest.mark.parametrize("feed", ["hf-daily", "arxiv"])
def test_cli_ingest_failure_is_left_to_the_caller_to_print(feed, server, caplog) -> None:
    server.set(HF_PATH, "{not json")
    server.set(ARXIV_PATH, "<html>maintenance</html>", content_type="text/html")
    config = SourceConfig(base_url=server.url, timeout=TIMEOUT, spacing=0.0)
    caplog.set_level(logging.DEBUG)
    store = UntouchedStore()
    if feed == "hf-daily":
        report = ingest_hf_daily(store, DAY, config)  # type: ignore[arg-type]
        assert (report.source, report.feed) == (HF_DAILY, "hf-daily:2026-03-06") and "not valid JSON" in report.error
    else:
        report = ingest_arxiv(store, QUERY, config)  # type: ignore[arg-type]
        assert (report.source, report.feed) == (ARXIV, "arxiv:cat:cs.LG") and "expected an Atom" in report.error
    assert report.status == "failed" and report.retry_at is None
    assert refresh_warnings(caplog) == []
