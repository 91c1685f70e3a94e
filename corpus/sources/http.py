"""A small synchronous HTTP fetcher: one base URL, a timeout, polite spacing, no retries."""

from __future__ import annotations

import email.utils
import http.client
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


class Fetcher:
    """GET requests against one base URL, at most one every `spacing` seconds; failures raise FetchError."""

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
        request = urllib.request.Request(url, headers={"User-Agent": self._user_agent})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
                raw = response.read(MAX_BODY_BYTES + 1)
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
