"""``redact``: a broker URL safe to show.

A module of its own, below the transports: each transport's module needs it, and the registry
that opens them by scheme does too, so neither imports the other for it.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def redact(url: str) -> str:
    """The URL without user name and password: safe for a repr, a log line or an error."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"***@{host}").geturl()
