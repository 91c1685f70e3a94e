"""The one check every URL passes before a record keeps it: a card shows each as a link or a picture.

Feeds are not trusted: a value that is not plainly a web address (a second line, a space, a
control or bidi character, a user-info part that spoofs the host, a made-up host) is dropped where
the record is made, so no card ever has to decide what to do with it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import urllib.parse

# Longer URLs are not pages anyone meant to show; the cap also keeps a hostile feed from bloating rows.
MAX_URL_CHARS = 2048
# Characters RFC 3986 never allows unencoded; in chat they also end or break a link ("<", ">",
# backslash, backtick), or open markdown around it.
_FORBIDDEN = frozenset('<>"\\^`{|}')
# A DNS label as it travels (after IDNA): letters, digits, inner hyphens, at most 63.
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


# Printable ASCII without spaces or the forbidden characters: nearly every real URL, checked in one pass.
_PLAIN_ASCII = re.compile(r"[!#-;=?-\[\]_a-z~]+")


def _odd_char(ch: str) -> bool:
    # Whitespace and line breaks (Z*), controls, bidi overrides and zero-width marks (C*): a URL
    # holding any of them is text dressed as a link, or shows differently from where it leads.
    return ch in _FORBIDDEN or unicodedata.category(ch)[0] in "CZ"


def _real_host(host: str) -> bool:
    """Return whether `host` is an IP address or a dotted DNS name with valid labels."""
    if ":" in host:  # urlsplit only yields a colon for a bracketed IPv6 literal
        return True
    if _IPV4.fullmatch(host):
        return all(int(part) <= 255 for part in host.split("."))
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:  # an empty or over-long label, or characters no host name can have
        return False
    labels = ascii_host.removesuffix(".").split(".")
    # One label ("localhost", "evil") is no public host; an all-digit top level is a broken IP.
    return len(labels) >= 2 and all(_LABEL.fullmatch(label) for label in labels) and not labels[-1].isdigit()


def web_url(raw: object) -> str | None:
    """Return `raw` (edges trimmed) if it is an absolute http(s) URL to a real host with nothing odd in it, else None."""
    if not isinstance(raw, str):
        return None
    return _checked(raw.strip())


# Cards check their links again on every render (records of older versions were never checked):
# the same few URLs, so the answer is kept.
@functools.lru_cache(maxsize=8192)
def _checked(url: str) -> str | None:
    if not url or len(url) > MAX_URL_CHARS:
        return None
    if not _PLAIN_ASCII.fullmatch(url) and any(_odd_char(ch) for ch in url):
        return None
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
        # Reading the port raises ValueError for one that is not a number in range.
        if parts.port == 0:
            return None
    except ValueError:  # e.g. a bracketed host that is not an IPv6 address
        return None
    # javascript:, data: and file: URLs, and "https:///path", are not links to show anyone.
    if parts.scheme.lower() not in ("http", "https") or not host or not parts.netloc:
        return None
    # "https://arxiv.org@evil.example/" leads to evil.example: user info only ever spoofs a host.
    if "@" in parts.netloc:
        return None
    return url if _real_host(host) else None
