"""Transports by URL scheme: ``memory://`` (the default), ``kafka://``, and registered ones.

A third-party transport registers its scheme in the ``sdk.transports`` entry-point group,
pointing at a callable that takes the URL and returns a ``TransportT``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Final
from urllib.parse import urlsplit

from sdk.types.transports import TransportT

ENTRY_POINT_GROUP: Final = "sdk.transports"

TransportFactory = Callable[[str], TransportT]


def _memory(url: str) -> TransportT:
    from sdk.impl.transports.memory import MemoryTransport

    return MemoryTransport(url)


def _kafka(url: str) -> TransportT:
    from sdk.impl.transports.kafka import KafkaTransport  # needs the `kafka` extra

    return KafkaTransport(url)


_factories: dict[str, TransportFactory] = {"memory": _memory, "kafka": _kafka}


def register(scheme: str, factory: TransportFactory) -> None:
    """Make ``scheme://`` URLs open with ``factory(url)`` in this process."""
    _factories[scheme] = factory


def redact(url: str) -> str:
    """The URL without user name and password: safe for a repr, a log line or an error."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"***@{host}").geturl()


def transport_for(url: str) -> TransportT:
    """The transport a broker URL names, by its scheme."""
    scheme = urlsplit(url).scheme
    factory = _factories.get(scheme)
    if factory is None:
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            if entry.name == scheme:
                factory = _factories[scheme] = entry.load()
                break
    if factory is None:
        known = ", ".join(f"{name}://" for name in sorted(_factories))
        raise ValueError(f"no transport for {redact(url)!r}: known schemes are {known}")
    return factory(url)
