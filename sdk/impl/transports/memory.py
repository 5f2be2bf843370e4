"""``memory://``: Kafka's semantics in this process, the embedded default.

Partitioned logs with offsets, keys partitioned by murmur2 as the Java client does, consumer
groups that share out partitions and rebalance as members come and go, committed offsets that
outlive a consumer. ``memory://`` is one broker per process; ``memory://NAME`` names another,
so tests can keep apart. What is appended is kept until the process ends.

It raises as a broker would: a partition the topic does not have is a ``SendError`` (how many
partitions a topic has is the broker's to say, as on Kafka), while what is wrong whatever the
broker holds (a negative offset, seeking a partition this member does not read) is a
``ValueError``, and using a consumer that is not started a ``RuntimeError``.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from typing import Any, Final

from sdk.errors import SendError
from sdk.impl.messages import Message, RecordMetadata
from sdk.impl.partitioning import key_partition
from sdk.types.messages import CREATE_TIME, TP, Headers
from sdk.types.messages import RecordMetadata as RecordMetadataT
from sdk.types.transports import EVERY_CAPABILITY, Capability, PartitionsCallback, TopicSettings

CAPABILITIES: Final = EVERY_CAPABILITY
DEFAULT_PARTITIONS: Final = 1
"""Partitions of a topic made by producing to it (Kafka's ``num.partitions`` default)."""
MAX_RECORDS: Final = 500
_AUTO_CREATED: Final = TopicSettings(partitions=DEFAULT_PARTITIONS)
_now = time.time


class MemoryBroker:
    """The logs, the groups and their committed offsets of one ``memory://`` broker."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.logs: dict[str, list[list[Message]]] = {}
        self.settings: dict[str, TopicSettings] = {}
        """Each topic's settings as it was made: kept to be looked at, only partitions act."""
        self._groups: dict[str, _Group] = {}
        self._waiters: list[asyncio.Future[None]] = []
        self._round_robin = itertools.count()

    def create_topic(self, topic: str, settings: TopicSettings) -> None:
        if topic in self.logs:
            return
        self.logs[topic] = [[] for _ in range(settings.partitions)]
        self.settings[topic] = settings
        for group in self._groups.values():
            if group.members:  # a group nobody is in keeps its commits and has nothing to deal
                group.rebalance()

    def append(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        partition: int | None,
        timestamp: float | None,
        headers: Headers,
    ) -> RecordMetadata:
        log = self.logs.get(topic)
        if log is None:
            self.create_topic(topic, _AUTO_CREATED)
            log = self.logs[topic]
        if partition is None:
            partition = (
                key_partition(key, len(log))
                if key is not None
                else next(self._round_robin) % len(log)
            )
        elif not 0 <= partition < len(log):  # the broker's to say, as on Kafka: not a ValueError
            raise SendError(
                f"the topic has partitions 0..{len(log) - 1}", topic=topic, partition=partition
            )
        stamp = _now() if timestamp is None else timestamp
        entries = log[partition]
        offset = len(entries)
        entries.append(Message(topic, partition, offset, stamp, CREATE_TIME, headers, key, value))
        if self._waiters:
            self.wake()
        return RecordMetadata(topic, partition, offset, stamp, CREATE_TIME)

    def group(self, group_id: str) -> _Group:
        group = self._groups.get(group_id)
        if group is None:
            group = self._groups[group_id] = _Group(self)
        return group

    async def wait(self, timeout: float) -> None:
        """Until something is appended or assignments change, or ``timeout`` seconds pass.

        Not ``asyncio.wait_for``: on Python 3.11 it swallows a cancellation that arrives just as
        the future is woken, and a consumer being stopped would then never stop.
        """
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        timer = loop.call_later(timeout, _settle, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def wake(self) -> None:
        """Wake every consumer waiting in ``getmany``."""
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            _settle(waiter)


def _settle(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


_brokers: dict[str, MemoryBroker] = {}


def broker_for(url: str) -> MemoryBroker:
    """The broker a ``memory://[NAME]`` URL names, made on first use."""
    name = url.removeprefix("memory://").strip("/")
    broker = _brokers.get(name)
    if broker is None:
        broker = _brokers[name] = MemoryBroker(name)
    return broker


class MemoryTransport:
    """Implements ``sdk.types.TransportT`` for ``memory://``."""

    def __init__(self, url: str = "memory://") -> None:
        self._url = url
        self.broker = broker_for(url)

    @property
    def url(self) -> str:
        return self._url

    @property
    def capabilities(self) -> frozenset[Capability]:
        return CAPABILITIES

    def create_producer(self) -> MemoryProducer:
        return MemoryProducer(self.broker)

    def create_consumer(
        self,
        group_id: str,
        *,
        on_assigned: PartitionsCallback | None = None,
        on_revoked: PartitionsCallback | None = None,
    ) -> MemoryConsumer:
        return MemoryConsumer(self.broker, group_id, on_assigned, on_revoked)

    def __repr__(self) -> str:
        return f"<MemoryTransport {self._url}>"


class MemoryProducer:
    """Implements ``sdk.types.ProducerT``: every append is acknowledged at once."""

    def __init__(self, broker: MemoryBroker) -> None:
        self.broker = broker

    async def start(self) -> None:
        """Nothing to connect to."""

    async def stop(self) -> None:
        """Nothing is buffered."""

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        *,
        partition: int | None = None,
        timestamp: float | None = None,
        headers: Headers = (),
    ) -> Acked:
        return Acked(self.broker.append(topic, key, value, partition, timestamp, headers))

    async def flush(self) -> None:
        """Nothing is buffered."""

    async def create_topic(self, topic: str, settings: TopicSettings) -> None:
        self.broker.create_topic(topic, settings)

    async def partitions_for(self, topic: str) -> frozenset[int]:
        return frozenset(range(len(self.broker.logs.get(topic, ()))))

    def key_partition(self, topic: str, key: bytes) -> int | None:
        log = self.broker.logs.get(topic)
        return None if log is None else key_partition(key, len(log))


class Acked:
    """Implements ``sdk.types.AckT`` for an append that is acknowledged as it happens."""

    __slots__ = ("_metadata",)

    def __init__(self, metadata: RecordMetadataT) -> None:
        self._metadata = metadata

    def done(self) -> bool:
        return True

    def result(self) -> RecordMetadataT:
        return self._metadata

    def add_done_callback(self, fn: Callable[[Any], object], /) -> None:
        asyncio.get_running_loop().call_soon(fn, self)

    def __await__(self) -> Generator[Any, None, RecordMetadataT]:
        return self._metadata
        yield  # a generator that is done at once


class MemoryConsumer:
    """Implements ``sdk.types.ConsumerT``: a member of a group of one ``MemoryBroker``."""

    def __init__(
        self,
        broker: MemoryBroker,
        group_id: str,
        on_assigned: PartitionsCallback | None,
        on_revoked: PartitionsCallback | None,
    ) -> None:
        self.broker = broker
        self.group_id = group_id
        self._on_assigned = on_assigned
        self._on_revoked = on_revoked
        self.topics: frozenset[str] = frozenset()
        self.pattern: re.Pattern[str] | None = None
        self._assignment: frozenset[TP] = frozenset()
        self._positions: dict[TP, int] = {}
        self._revoked: set[TP] = set()
        self._assigned: set[TP] = set()
        self._group: _Group | None = None

    async def start(self) -> None:
        self._group = self.broker.group(self.group_id)
        self._group.join(self)

    async def stop(self) -> None:
        if self._group is not None:
            self._group.leave(self)
            self._group = None
        await self._run_callbacks()

    def subscribe(self, topics: Iterable[str] = (), *, pattern: str | None = None) -> None:
        self.topics = frozenset(topics)
        self.pattern = re.compile(pattern) if pattern is not None else None
        if self._group is not None:
            self._group.rebalance()

    def wants(self, topic: str) -> bool:
        return topic in self.topics or (
            self.pattern is not None and self.pattern.fullmatch(topic) is not None
        )

    def reassign(self, assignment: frozenset[TP]) -> None:
        """Called by the group: the callbacks run on the next ``getmany``, as in Kafka."""
        lost, gained = self._assignment - assignment, assignment - self._assignment
        self._assignment = assignment
        self._revoked |= lost - self._assigned  # gained and lost unannounced: announce neither
        self._assigned -= lost
        self._assigned |= gained
        for tp in lost:
            self._positions.pop(tp, None)

    async def getmany(
        self, *, timeout: float, max_records: int | None = None
    ) -> Mapping[TP, Sequence[Message]]:
        if self._group is None:
            raise RuntimeError(f"consumer of group {self.group_id!r} is not started")
        await self._run_callbacks()
        batch = self._take(max_records or MAX_RECORDS)
        if not batch and timeout > 0:
            await self.broker.wait(timeout)
            await self._run_callbacks()
            batch = self._take(max_records or MAX_RECORDS)
        return batch

    def assignment(self) -> frozenset[TP]:
        return self._assignment

    async def commit(self, offsets: Mapping[TP, int]) -> None:
        for tp, offset in offsets.items():
            if offset < 0:
                raise ValueError(f"cannot commit {tp} at offset {offset}: offsets start at 0")
        self.broker.group(self.group_id).committed.update(offsets)

    async def committed(self, tp: TP) -> int | None:
        return self.broker.group(self.group_id).committed.get(tp)

    def seek(self, tp: TP, offset: int) -> None:
        if offset < 0:
            raise ValueError(f"cannot seek {tp} at offset {offset}: offsets start at 0")
        if tp not in self._assignment:
            raise ValueError(f"{tp} is not assigned to this consumer of {self.group_id!r}")
        self._positions[tp] = offset

    def _take(self, limit: int) -> dict[TP, list[Message]]:
        batch: dict[TP, list[Message]] = {}
        committed = self.broker.group(self.group_id).committed
        for tp in sorted(self._assignment):
            if limit <= 0:
                break
            position = self._positions.get(tp)
            if position is None:
                position = committed.get(tp, 0)
            entries = self.broker.logs[tp.topic][tp.partition][position : position + limit]
            if entries:
                batch[tp] = entries
                limit -= len(entries)
                position += len(entries)
            self._positions[tp] = position
        return batch

    async def _run_callbacks(self) -> None:
        if self._revoked:
            revoked, self._revoked = frozenset(self._revoked), set()
            if self._on_revoked is not None:
                await self._on_revoked(revoked)
        if self._assigned:
            assigned, self._assigned = frozenset(self._assigned), set()
            if self._on_assigned is not None:
                await self._on_assigned(assigned)


class _Group:
    """A consumer group: its members, who reads what, and the committed offsets."""

    def __init__(self, broker: MemoryBroker) -> None:
        self.broker = broker
        self.members: list[MemoryConsumer] = []
        self.committed: dict[TP, int] = {}

    def join(self, member: MemoryConsumer) -> None:
        self.members.append(member)
        self.rebalance()

    def leave(self, member: MemoryConsumer) -> None:
        self.members.remove(member)
        member.reassign(frozenset())
        self.rebalance()

    def rebalance(self) -> None:
        """Deal each partition, in order, to the next member subscribed to its topic."""
        shares: dict[int, set[TP]] = {id(m): set() for m in self.members}
        for topic in sorted(self.broker.logs):
            readers = [m for m in self.members if m.wants(topic)]
            for partition in range(len(self.broker.logs[topic])):
                if readers:
                    shares[id(readers[partition % len(readers)])].add(TP(topic, partition))
        for member in self.members:
            member.reassign(frozenset(shares[id(member)]))
        self.broker.wake()
