"""Transports by URL scheme: ``memory://`` (the default), ``kafka://``, and registered ones.

A third-party transport registers its scheme in the ``sdk.transports`` entry-point group,
pointing at a callable that takes the URL and returns a ``TransportT``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Final
from urllib.parse import urlsplit

from sdk.errors import UnknownTransportError
from sdk.impl.urls import redact
from sdk.types.transports import TransportT

ENTRY_POINT_GROUP: Final = "sdk.transports"

TransportFactory = Callable[[str], TransportT]

__all__ = ["ENTRY_POINT_GROUP", "TransportFactory", "redact", "register", "transport_for"]


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


def transport_for(url: str) -> TransportT:
    """The transport a broker URL names, by its scheme.

    :raises ~sdk.errors.UnknownTransportError: if nothing is registered for the scheme, in
        this process or by entry point; it lists every scheme that could be loaded
    :raises ValueError: if the transport cannot read the rest of the URL
    """
    scheme = urlsplit(url).scheme
    factory = _factories.get(scheme)
    if factory is None:
        entries = entry_points(group=ENTRY_POINT_GROUP)
        for entry in entries:
            if entry.name == scheme:
                factory = _factories[scheme] = entry.load()
                break
        else:  # the names only: loading every entry point to list it would run their code
            known = [*_factories, *(entry.name for entry in entries)]
            raise UnknownTransportError(redact(url), scheme=scheme, known=known)
    return factory(url)
