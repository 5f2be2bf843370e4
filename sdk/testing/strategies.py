"""Hypothesis strategies for what flows through channels: keys, values, headers, Structs.

Each value strategy generates only what its format can carry exactly, so a round trip that
does not give back an equal value is a codec's fault, never the strategy's.
"""

from __future__ import annotations

import msgspec
from hypothesis import strategies as st

from sdk.types import Capability, Headers

_MSGPACK_INT = st.integers(min_value=-(2**63), max_value=2**64 - 1)
_FINITE = st.floats(allow_nan=False, allow_infinity=False)


def json_values(max_leaves: int = 20) -> st.SearchStrategy[object]:
    """JSON's data model: null, booleans, any integer, finite floats, str, arrays, objects."""
    scalars: st.SearchStrategy[object] = (
        st.none() | st.booleans() | st.integers() | _FINITE | st.text()
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
        max_leaves=max_leaves,
    )


def msgpack_values(max_leaves: int = 20) -> st.SearchStrategy[object]:
    """MessagePack's: adds bytes, infinities and integer keys; integers fit in 64 bits."""
    floats = st.floats(allow_nan=False)
    scalars: st.SearchStrategy[object] = (
        st.none() | st.booleans() | _MSGPACK_INT | floats | st.text() | st.binary()
    )
    keys: st.SearchStrategy[object] = st.text() | _MSGPACK_INT
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5),
        max_leaves=max_leaves,
    )


class Line(msgspec.Struct):
    sku: str
    quantity: int


class Sample(msgspec.Struct):
    """A Struct with the shapes users send: nesting, optionals, bytes, unicode, big numbers."""

    id: int
    name: str
    price: float
    tags: list[str]
    lines: list[Line]
    note: str | None = None
    blob: bytes = b""


def samples() -> st.SearchStrategy[Sample]:
    lines = st.builds(Line, sku=st.text(), quantity=_MSGPACK_INT)
    return st.builds(
        Sample,
        id=_MSGPACK_INT,
        name=st.text(),
        price=_FINITE,
        tags=st.lists(st.text(), max_size=4),
        lines=st.lists(lines, max_size=4),
        note=st.none() | st.text(),
        blob=st.binary(),
    )


def header_names() -> st.SearchStrategy[str]:
    return st.sampled_from(["", "trace-id", "trace-id", "ünïcødé"]) | st.text(max_size=8)


def headers() -> st.SearchStrategy[Headers]:
    """Header lists with duplicates, empty names and values, binary values, unicode names."""
    pair = st.tuples(header_names(), st.binary(max_size=16))
    return st.lists(pair, max_size=6).map(tuple)


def keys() -> st.SearchStrategy[str | None]:
    return st.none() | st.text(max_size=16)


class Record(msgspec.Struct, frozen=True):
    """One message as a transport's producer is given it: bytes and where they go."""

    key: bytes | None
    value: bytes | None
    headers: Headers = ()
    timestamp: float | None = None
    partition: int | None = None


def timestamps() -> st.SearchStrategy[float]:
    """Whole milliseconds since the epoch, as seconds: what Kafka's format carries exactly.

    All in the past: Kafka 4 refuses a timestamp more than an hour ahead of its clock.
    """
    return st.integers(min_value=1_000_000_000_000, max_value=1_700_000_000_000).map(
        lambda ms: ms / 1000
    )


def records(
    declared: frozenset[Capability],
    partitions: int = 1,
    keys: st.SearchStrategy[bytes] | None = None,
) -> st.SearchStrategy[Record]:
    """Records for a topic of ``partitions``, using only the ``declared`` capabilities.

    Keys are few (or ``keys``), so batches repeat them. A tombstone has a key: without one it
    deletes nothing, and Kafka clients refuse it. A record names a partition only if there are
    several.
    """
    if keys is None:
        keys = st.sampled_from([b"", b"a", b"order-1", "\u00fcn\u00ef".encode()]) | st.binary(
            max_size=32
        )
    values = st.binary(max_size=64)
    pairs = st.tuples(st.none() | keys, values)
    if "tombstones" in declared:
        pairs |= st.tuples(keys, st.none())
    return st.builds(
        _record,
        pairs,
        headers=headers() if "headers" in declared else st.just(()),
        timestamp=(st.none() | timestamps()) if "timestamps" in declared else st.none(),
        partition=(st.none() | partition_numbers(partitions) if partitions > 1 else st.none()),
    )


def partition_numbers(count: int) -> st.SearchStrategy[int]:
    """A partition of a topic of ``count``."""
    return st.integers(min_value=0, max_value=count - 1)


def batches(
    declared: frozenset[Capability], partitions: int = 1, max_size: int = 12
) -> st.SearchStrategy[list[Record]]:
    """Non-empty batches of records, as a producer sends them in a row."""
    return st.lists(records(declared, partitions), min_size=1, max_size=max_size)


def _record(
    pair: tuple[bytes | None, bytes | None],
    headers: Headers,
    timestamp: float | None,
    partition: int | None,
) -> Record:
    return Record(*pair, headers, timestamp, partition)
