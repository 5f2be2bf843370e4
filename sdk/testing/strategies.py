"""Hypothesis strategies for what flows through channels: keys, values, headers, Structs.

Each value strategy but ``any_values`` generates only what its format can carry exactly, so a
round trip that does not give back an equal value is a codec's fault, never the strategy's.
``any_values`` generates what a format may not carry, for a codec to carry exactly or refuse.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import enum
import functools
from typing import NamedTuple

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


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Mode(str, enum.Enum):
    READ = "r"
    WRITE = "w"


def _zones() -> st.SearchStrategy[datetime.timezone]:
    """UTC and fixed offsets in whole minutes (what RFC 3339 writes)."""
    minutes = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59)
    offsets = minutes.map(lambda m: datetime.timezone(datetime.timedelta(minutes=m)))
    return st.just(datetime.timezone.utc) | offsets


def _datetimes() -> st.SearchStrategy[datetime.datetime]:
    return st.datetimes(timezones=st.none() | _zones())


def _hashables() -> st.SearchStrategy[object]:
    """Scalars of every kind msgspec encodes that can be set members and dict keys (no NaN)."""
    return (
        st.none()
        | st.booleans()
        | st.integers()
        | _FINITE
        | st.text(max_size=8)
        | st.binary(max_size=8)
        | _datetimes()
        | st.dates()
        | st.times()
        | st.timedeltas()
        | st.uuids()
        | st.decimals(allow_nan=False, allow_infinity=False)
        | st.sampled_from(Colour)
        | st.sampled_from(Level)
        | st.sampled_from(Mode)
    )


class Exotic(msgspec.Struct):
    """A Struct whose fields untyped JSON would give back changed: typed, each comes back."""

    tags: set[str]
    span: tuple[int, str]
    blob: bytes
    counts: dict[int, str]
    when: datetime.datetime
    day: datetime.date
    colour: Colour
    level: Level


@dataclasses.dataclass
class Spot:
    """A dataclass record: untyped it comes back as a dict."""

    name: str
    ids: frozenset[int]


class Span(NamedTuple):
    """A NamedTuple record: untyped it comes back as a list."""

    start: int
    end: float


def records_of_every_kind() -> st.SearchStrategy[object]:
    """Records (Struct, dataclass, NamedTuple), some with fields only a typed decoder restores."""
    exotic = st.builds(
        Exotic,
        tags=st.sets(st.text(max_size=8), max_size=4),
        span=st.tuples(st.integers(min_value=-(2**63), max_value=2**63 - 1), st.text()),
        blob=st.binary(max_size=16),
        counts=st.dictionaries(st.integers(min_value=-(2**63), max_value=2**63 - 1), st.text()),
        when=_datetimes(),
        day=st.dates(),
        colour=st.sampled_from(Colour),
        level=st.sampled_from(Level),
    )
    spot = st.builds(Spot, name=st.text(), ids=st.frozensets(st.integers(0, 2**32)))
    span = st.builds(Span, start=st.integers(0, 2**32), end=_FINITE)
    return exotic | spot | span | samples()


def any_values(max_leaves: int = 12) -> st.SearchStrategy[object]:
    """Values of every kind msgspec encodes, not only what a format carries exactly.

    Beside JSON's own: NaN and infinities, big integers, bytes and bytearrays, datetimes (naive,
    UTC, offsets), dates, times, timedeltas, UUIDs, decimals, enum members, tuples, sets and
    frozensets, dicts with keys that are not str, OrderedDicts, and at the top records. A codec
    gives each back exactly or refuses it (``CodecContract``'s ``exact_or_refused`` clause).
    """
    hashables = _hashables()
    keys = hashables | st.tuples(hashables, hashables)
    scalars = hashables | st.floats() | st.binary(max_size=8).map(bytearray)

    def containers(inner: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
        return (
            st.lists(inner, max_size=4)
            | st.lists(inner, max_size=4).map(tuple)
            | st.sets(hashables, max_size=4)
            | st.frozensets(hashables, max_size=4)
            | st.dictionaries(st.text(max_size=8), inner, max_size=4)
            | st.dictionaries(keys, inner, max_size=3)
            | st.dictionaries(st.text(max_size=8), inner, max_size=3).map(collections.OrderedDict)
        )

    plain = st.recursive(scalars, containers, max_leaves=max_leaves)
    records = records_of_every_kind()
    return st.integers(0, 3).flatmap(lambda pick: records if pick == 0 else plain)  # 1 in 4


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


@functools.cache
def records(
    declared: frozenset[Capability],
    partitions: int = 1,
    keys: st.SearchStrategy[bytes] | None = None,
) -> st.SearchStrategy[Record]:
    """Records for a topic of ``partitions``, using only the ``declared`` capabilities.

    Keys are few (or ``keys``), so batches repeat them. A tombstone has a key: without one it
    deletes nothing, and Kafka clients refuse it. A record names a partition only if there are
    several. Made once per arguments, as ``batches`` is: hypothesis works a strategy out on its
    first draw, and a clause draws from the same one in every example.
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


@functools.cache
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
