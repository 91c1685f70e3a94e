"""Loopback HTTP server, fake clock and payload builders for the fresh-paper source tests."""

from __future__ import annotations

import copy
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
HF_SAMPLE = DATA / "hf_daily_papers_item.json"
ARXIV_SAMPLE = DATA / "arxiv_atom_sample.xml"

SHIPPED_TITLE = "Efficient and Modular Implicit Differentiation"
SHIPPED_TITLE_2 = "Convergent Graph Solvers"


def hf_sample_items() -> list[dict[str, Any]]:
    """Return a fresh copy of the shared daily-papers payload (one real item)."""
    return json.loads(HF_SAMPLE.read_text(encoding="utf-8"))


def hf_item(arxiv_id: str, title: str, summary: str = "An abstract.", **paper_fields: Any) -> dict[str, Any]:
    """Return a daily-papers item shaped like the real one, with `paper_fields` overriding."""
    item = copy.deepcopy(hf_sample_items()[0])
    item["paper"].update({"id": arxiv_id, "title": title, "summary": summary, **paper_fields})
    item["title"], item["summary"] = title, summary
    return item


def hf_payload() -> list[Any]:
    """Return a day's list: the real item, one matching a shipped paper, one with sparse fields."""
    return [
        *hf_sample_items(),
        hf_item(
            "2105.15183",
            SHIPPED_TITLE,
            authors=[{"_id": "x", "name": "Mathieu Blondel", "hidden": False}, {"name": "Quentin Berthet"}],
            upvotes=42,
            githubRepo="https://github.com/google/jaxopt",
            githubStars=900,
        ),
        {"paper": {"id": "2603.00001", "title": "A Sparse Item", "summary": None, "authors": None, "upvotes": None}},
    ]


ARXIV_ENTRY = """
  <entry>
    <id>http://arxiv.org/abs/{arxiv_id}v2</id>
    <published>2021-06-03T10:00:00Z</published>
    <title>{title}</title>
    <summary>  Line one of
  the abstract.
</summary>
    <author><name>Junyoung Park</name></author>
    <author><name>  Jinhyun
  Choo </name></author>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
"""


def arxiv_entry(
    entry_id: str | None = "http://arxiv.org/abs/2603.22222v1",
    title: str | None = "After The Break",
    summary: str | None = "We study what happens to the entry after a broken one.",
    published: str | None = "2026-03-05T10:00:00Z",
) -> str:
    """Return one Atom entry; each argument is raw XML for its element, None leaves the element out."""
    fields = (("id", entry_id), ("published", published), ("title", title), ("summary", summary))
    parts = "".join(f"<{tag}>{value}</{tag}>" for tag, value in fields if value is not None)
    return f"<entry>{parts}<author><name>A. Author</name></author></entry>"


def arxiv_feed(extra_entries: str = "") -> str:
    """Return the shared Atom sample with a shipped paper's entry (title hard-wrapped) and `extra_entries`."""
    sample = ARXIV_SAMPLE.read_text(encoding="utf-8")
    shipped = ARXIV_ENTRY.format(arxiv_id="2106.01680", title="Convergent\n   Graph Solvers")
    return sample.replace("</feed>", shipped + extra_entries + "</feed>")


@dataclass
class Route:
    """What the server answers on one path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip: float = 0.0  # seconds between single bytes of the body (0: send it at once)
    drip_headers: bool = False  # drip the status line and headers too


# A dripping handler gives up after this long even if the client never hangs up.
DRIP_LIMIT = 10.0


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 answering configured routes and recording requests."""

    def __init__(self, port: int = 0) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                owner.requests.append(self.path)
                route = owner.routes.get(urllib.parse.urlsplit(self.path).path, Route(b"not found", 404, "text/plain"))
                if route.delay:
                    time.sleep(route.delay)
                try:
                    if route.drip:
                        self._drip(route)
                        return
                    self.send_response(route.status)
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Content-Length", str(len(route.body)))
                    for name, value in route.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test); nothing to answer

            def _drip(self, route: Route) -> None:
                lines = [f"HTTP/1.1 {route.status} Dripping", f"Content-Type: {route.content_type}",
                         f"Content-Length: {len(route.body)}", *(f"{k}: {v}" for k, v in route.headers.items())]
                head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
                if not route.drip_headers:
                    self.wfile.write(head)
                    head = b""
                data = head + route.body
                give_up = time.monotonic() + DRIP_LIMIT
                for i in range(len(data)):  # bounded: one byte per step, and DRIP_LIMIT in all
                    if time.monotonic() > give_up:
                        return
                    self.wfile.write(data[i : i + 1])
                    time.sleep(route.drip)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def set(self, path: str, body: bytes | str, **kwargs: Any) -> None:
        """Answer GET `path` with `body` (and status, headers, delay...)."""
        self.routes[path] = Route(body.encode("utf-8") if isinstance(body, str) else body, **kwargs)

    def requests_to(self, path: str) -> list[str]:
        """Return the recorded request targets whose path is `path`."""
        return [r for r in self.requests if urllib.parse.urlsplit(r).path == path]

    def stop(self) -> None:
        """Stop serving and free the port."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)


class FakeClock:
    """A monotonic clock the test advances by hand, so nothing sleeps."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        """Record a requested sleep and advance instead of waiting."""
        self.sleeps.append(seconds)
        self.now += seconds


def refresh_both(refresher, day: str | None = None) -> tuple:
    """Refresh both feeds once, as the bot's fresh-papers job does (Hugging Face daily, then arXiv)."""
    return refresher.refresh_hf_daily(day), refresher.refresh_arxiv()
