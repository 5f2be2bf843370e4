"""The transport SPI: what a broker client provides to topics.

Small on purpose, like an httpx transport: bytes in, bytes out, offsets and partitions.
Topics do the encoding, decoding and bookkeeping above it. Timestamps are seconds (float).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol, get_args

from .messages import TP, Headers, Message, RecordMetadata

Capability = Literal[
    "partitions",
    "consumer_groups",
    "headers",
    "timestamps",
    "patterns",
    "topic_creation",
    "durable_commits",
    "tombstones",
]
"""What a transport may declare it supports; the conformance kit tests exactly these."""

EVERY_CAPABILITY: Final[frozenset[Capability]] = frozenset(get_args(Capability))

PartitionsCallback = Callable[[frozenset[TP]], Awaitable[None]]


@dataclass(frozen=True, kw_only=True, slots=True)
class TopicSettings:
    """How a topic is to be made: what ``ProducerT.create_topic`` is given, as one value.

    In the SDK's terms, not a broker's: each transport turns them into its own (``kafka://``
    into ``retention.ms`` and ``cleanup.policy``), so a new term reaches every transport
    through one type. ``config`` carries broker settings the terms do not cover, by name.
    Checked when made: a value that exists is one a transport can be asked to create.
    """

    partitions: int = 1
    replicas: int = 1
    """Copies of each partition; a transport without replication may ignore it."""
    retention: float | None = None
    """Seconds a message is kept; ``None``: as the broker keeps them by default."""
    compacting: bool | None = None
    """Keep the latest message of each key; ``None``: the broker's default."""
    deleting: bool | None = None
    """Delete messages older than ``retention``; ``None``: the broker's default."""
    config: tuple[tuple[str, str], ...] = ()
    """Broker settings passed through as they are: ``(name, value)`` pairs, in name order,
    each name once. Where one says the same as a term above, it is the one that counts."""

    def __post_init__(self) -> None:
        if self.partitions < 1:
            raise ValueError(f"a topic needs at least 1 partition, not {self.partitions}")
        if self.replicas < 1:
            raise ValueError(f"a topic needs at least 1 replica, not {self.replicas}")
        if self.retention is not None and not (
            math.isfinite(self.retention) and self.retention >= 0
        ):
            raise ValueError(f"retention is seconds, 0 or more, not {self.retention!r}")
        config = tuple(sorted(self.config))
        twice = sorted(name for name, n in Counter(name for name, _ in config).items() if n > 1)
        if twice:
            raise ValueError(f"config sets {', '.join(map(repr, twice))} more than once")
        object.__setattr__(self, "config", config)  # frozen: this is how a dataclass sets it


class AckT(Protocol):
    """The broker's answer to one message sent: await it, or look without waiting.

    An ``asyncio.Future[RecordMetadata]`` is one; a transport may return a lighter view of its
    client's own future instead of chaining a second future to it.
    """

    def done(self) -> bool: ...

    def result(self) -> RecordMetadata:
        """The metadata; raises the send's error, or ``InvalidStateError`` before it is done."""
        ...

    def add_done_callback(self, fn: Callable[[Any], object], /) -> None:
        """Call ``fn`` (with an argument to ignore) once, when done."""
        ...

    def __await__(self) -> Generator[Any, None, RecordMetadata]: ...


class ProducerT(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None:
        """Flush what is buffered, then close."""
        ...

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        *,
        partition: int | None = None,
        timestamp: float | None = None,
        headers: Headers = (),
    ) -> AckT:
        """Buffer a message; the answer comes once the broker acknowledged it, or failed."""
        ...

    async def flush(self) -> None:
        """Return once everything sent so far is acknowledged or failed."""
        ...

    async def create_topic(self, topic: str, settings: TopicSettings) -> None:
        """Create a topic; one that exists already is left as it is."""
        ...

    async def partitions_for(self, topic: str) -> frozenset[int]:
        """The topic's partitions; empty if there is no such topic."""
        ...

    def key_partition(self, topic: str, key: bytes) -> int | None:
        """The partition ``key`` goes to (murmur2, as the Java client), if the topic is known."""
        ...


class ConsumerT(Protocol):
    """A member of a consumer group: its partitions are its share of the subscribed topics.

    Assignment callbacks run inside ``getmany``, as Kafka's run inside ``poll``. A newly
    assigned partition is read from its committed offset, or from the beginning.
    """

    async def start(self) -> None: ...
    async def stop(self) -> None: ...

    def subscribe(self, topics: Iterable[str] = (), *, pattern: str | None = None) -> None:
        """Replace the subscription: these names, and every topic ``pattern`` fully matches."""
        ...

    async def getmany(
        self, *, timeout: float, max_records: int | None = None
    ) -> Mapping[TP, Sequence[Message]]:
        """The next messages per partition; empty after ``timeout`` seconds with nothing new."""
        ...

    def assignment(self) -> frozenset[TP]: ...

    async def commit(self, offsets: Mapping[TP, int]) -> None:
        """Commit, per partition, the offset of the next message to read."""
        ...

    async def committed(self, tp: TP) -> int | None: ...

    def seek(self, tp: TP, offset: int) -> None: ...


class TransportT(Protocol):
    """A broker reached by URL scheme (``memory://``, ``kafka://``, or one registered)."""

    @property
    def url(self) -> str:
        """The broker's address, never with credentials."""
        ...

    @property
    def capabilities(self) -> frozenset[Capability]: ...

    def create_producer(self) -> ProducerT: ...

    def create_consumer(
        self,
        group_id: str,
        *,
        on_assigned: PartitionsCallback | None = None,
        on_revoked: PartitionsCallback | None = None,
    ) -> ConsumerT: ...
