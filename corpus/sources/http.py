"""A small synchronous HTTP fetcher: one base URL, one deadline per request, polite spacing, no retries."""

from __future__ import annotations

import email.utils
import functools
import http.client
import io
import logging
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

log = logging.getLogger(__name__)

USER_AGENT = "PaperScout/0.1 (ML paper digest bot)"
# Real responses are well under a megabyte; a cap keeps a misbehaving server from filling memory.
MAX_BODY_BYTES = 20 * 1024 * 1024
READ_CHUNK = 64 * 1024
# The feeds answer directly; a few hops allow a moved path, more is a loop or a server sending us around.
MAX_REDIRECTS = 3


class FetchError(RuntimeError):
    """A request failed: network error, timeout, non-2xx status or an undecodable body."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Return the delay in seconds a Retry-After header asks for (seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = now if now is not None else datetime.now(timezone.utc).timestamp()
    return max(0.0, when.timestamp() - current)


class _Deadline:
    """The monotonic instant by which a whole request (connect, headers, body) must be done."""

    def __init__(self, seconds: float) -> None:
        # Always the real clock: only real time bounds how long a socket may block.
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        """Return the seconds left; raise TimeoutError once there are none."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError("request deadline passed")
        return left


class _DeadlineReader(io.RawIOBase):
    """A socket stream whose every receive waits at most until the deadline."""

    def __init__(self, raw: io.RawIOBase, sock: socket.socket, deadline: _Deadline) -> None:
        super().__init__()
        self._raw = raw
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        """Return True: this stream is read-only."""
        return True

    def readinto(self, buffer: Any) -> int | None:
        """Receive into `buffer`, waiting no longer than the time left."""
        # A socket timeout restarts with every byte, so a dripping server could hold us forever;
        # shrinking it to what is left before each receive bounds the request as a whole.
        self._sock.settimeout(self._deadline.remaining())
        return self._raw.readinto(buffer)

    def close(self) -> None:
        """Close the wrapped stream (the socket itself closes once nothing else uses it)."""
        if not self.closed:
            self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    """An HTTP response whose status line, headers and body are all read against one deadline."""

    def __init__(self, sock: socket.socket, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        # Nothing has been read yet, so swapping the buffered file's raw stream loses no bytes.
        self.fp = io.BufferedReader(_DeadlineReader(self.fp.detach(), sock, deadline))


class _DeadlineHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection that connects, sends and reads within what is left of a deadline."""

    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = deadline
        self.response_class = functools.partial(_DeadlineResponse, deadline=deadline)

    def connect(self) -> None:
        """Connect (and for HTTPS, shake hands) within the time left."""
        self.timeout = self._deadline.remaining()
        super().connect()
        self.sock.settimeout(self._deadline.remaining())


class _DeadlineHTTPSConnection(_DeadlineHTTPConnection, http.client.HTTPSConnection):
    """The HTTPS flavour of `_DeadlineHTTPConnection`."""


class _DeadlineHTTPHandler(urllib.request.HTTPHandler):
    """urllib's HTTP handler, opening deadline-bound connections."""

    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        """Open `req` on a connection bound to the deadline."""
        return self.do_open(functools.partial(_DeadlineHTTPConnection, deadline=self._deadline), req)


class _DeadlineHTTPSHandler(urllib.request.HTTPSHandler):
    """urllib's HTTPS handler, opening deadline-bound connections."""

    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        """Open `req` on a connection bound to the deadline."""
        connection = functools.partial(_DeadlineHTTPSConnection, deadline=self._deadline)
        return self.do_open(connection, req, context=self._context)


def _origin(url: str) -> tuple[str, str, int | None]:
    """Return the scheme, host and port a URL reaches (the port filled in from the scheme)."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1  # an unparsable port matches nothing
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow at most MAX_REDIRECTS redirects, and only to the scheme, host and port already in use."""

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        """Return the request for `newurl`; refuse (as an HTTPError) another origin or one hop too many."""
        # A feed sent elsewhere could be downgraded to plain http (and tampered with), moved to ftp or
        # a local address, or bounced around forever: none of that is a feed we agreed to read.
        if _origin(newurl) != _origin(req.full_url):
            raise urllib.error.HTTPError(req.full_url, code, f"redirect to another origin refused: {newurl}", headers, fp)
        hops = sum(getattr(req, "redirect_dict", {}).values())
        if hops >= MAX_REDIRECTS:
            raise urllib.error.HTTPError(req.full_url, code, f"more than {MAX_REDIRECTS} redirects", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _read_body(response: http.client.HTTPResponse, deadline: _Deadline) -> bytes:
    """Return the body, at most MAX_BODY_BYTES + 1 bytes of it, read in chunks against the deadline."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BODY_BYTES:
        deadline.remaining()  # raises once the time is up, even if every chunk arrives promptly
        chunk = response.read(min(READ_CHUNK, MAX_BODY_BYTES + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


class Fetcher:
    """GETs under one base URL, each done within `timeout` in all, one per `spacing` s; failures raise FetchError."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 20.0,
        spacing: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.spacing = spacing
        self._clock = clock
        self._sleep = sleep
        self._user_agent = user_agent
        self._last_request: float | None = None

    def url_for(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """Return the full URL of `path` under the base URL with `params` as the query string."""
        url = self.base_url + "/" + path.lstrip("/")
        if params:
            url += "?" + urllib.parse.urlencode({k: str(v) for k, v in params.items()})
        return url

    def _wait_for_slot(self) -> None:
        # APIs such as arXiv ask for a few seconds between calls; honour it even across cycles.
        if self._last_request is not None and self.spacing > 0:
            remaining = self._last_request + self.spacing - self._clock()
            if remaining > 0:
                self._sleep(remaining)
        self._last_request = self._clock()

    def get_text(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """Return the decoded body of GET `path`; raise FetchError on any failure."""
        url = self.url_for(path, params)
        self._wait_for_slot()
        # The deadline starts after the polite wait: that pause is ours, not the server's.
        deadline = _Deadline(self.timeout)
        opener = urllib.request.build_opener(
            _DeadlineHTTPHandler(deadline), _DeadlineHTTPSHandler(deadline), _SameOriginRedirects()
        )
        request = urllib.request.Request(url, headers={"User-Agent": self._user_agent})
        try:
            with opener.open(request, timeout=self.timeout) as response:
                status = response.status
                raw = _read_body(response, deadline)
                charset = response.headers.get_content_charset() or "utf-8"
        except urllib.error.HTTPError as exc:
            retry_after = parse_retry_after(exc.headers.get("Retry-After") if exc.headers else None)
            exc.close()
            hint = f", retry after {retry_after:g} s" if retry_after is not None else ""
            raise FetchError(f"GET {url}: HTTP {exc.code} {exc.reason}{hint}", status=exc.code, retry_after=retry_after) from exc
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise FetchError(f"GET {url}: timed out after {self.timeout:g} s") from exc
            raise FetchError(f"GET {url}: cannot connect ({reason})") from exc
        except (TimeoutError, socket.timeout) as exc:
            raise FetchError(f"GET {url}: timed out after {self.timeout:g} s") from exc
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"GET {url}: connection failed ({exc.__class__.__name__}: {exc})") from exc
        if not 200 <= status < 300:
            raise FetchError(f"GET {url}: unexpected HTTP {status}", status=status)
        if len(raw) > MAX_BODY_BYTES:
            raise FetchError(f"GET {url}: body larger than {MAX_BODY_BYTES} bytes", status=status)
        try:
            return raw.decode(charset)
        except (UnicodeDecodeError, LookupError) as exc:
            raise FetchError(f"GET {url}: body is not valid {charset} text ({exc})", status=status) from exc
