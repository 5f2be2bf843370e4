"""Transports each derived from memory:// with a single defect, for the kit to catch."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any

from sdk.impl.messages import Message
from sdk.impl.transports.memory import (
    Acked,
    MemoryBroker,
    MemoryConsumer,
    MemoryProducer,
    MemoryTransport,
)
from sdk.types import TP, Headers, PartitionsCallback
from sdk.types import RecordMetadata as RecordMetadataT


class _Broken(MemoryTransport):
    """A memory:// transport on a broker of its own, built from the parts named below."""

    producer: type[MemoryProducer] = MemoryProducer
    consumer: type[MemoryConsumer] = MemoryConsumer

    def __init__(self) -> None:
        super().__init__(f"memory://broken-{uuid.uuid4().hex}")

    def create_producer(self) -> MemoryProducer:
        return self.producer(self.broker)

    def create_consumer(
        self,
        group_id: str,
        *,
        on_assigned: PartitionsCallback | None = None,
        on_revoked: PartitionsCallback | None = None,
    ) -> MemoryConsumer:
        return self.consumer(self.broker, group_id, on_assigned, on_revoked)


class _PrefixMatchingConsumer(MemoryConsumer):
    def wants(self, topic: str) -> bool:
        pattern = self.pattern  # the defect: a match at the start is taken for a full match
        return topic in self.topics or (pattern is not None and pattern.match(topic) is not None)


class MatchesPatternPrefixes(_Broken):
    """Subscribes a pattern to every topic whose name merely starts with a match."""

    consumer = _PrefixMatchingConsumer


class _SwappingConsumer(MemoryConsumer):
    async def getmany(
        self, *, timeout: float, max_records: int | None = None
    ) -> Mapping[TP, Sequence[Message]]:
        batch = await super().getmany(timeout=timeout, max_records=max_records)
        return {tp: [*messages[1::-1], *messages[2:]] for tp, messages in batch.items()}


class ReordersPartition(_Broken):
    """Hands out the first two messages of each fetched partition the wrong way round."""

    consumer = _SwappingConsumer


class _StaleFetchConsumer(MemoryConsumer):
    """Hands out what it had fetched of a partition after giving the partition up."""

    stale: frozenset[TP] = frozenset()

    def reassign(self, assignment: frozenset[TP]) -> None:
        self.stale |= self.assignment() - assignment
        super().reassign(assignment)

    def _take(self, limit: int) -> dict[TP, list[Message]]:
        batch = super()._take(limit)
        for tp in sorted(self.stale):  # the defect: a fetch buffer not cleared on revoke
            batch[tp] = self.broker.logs[tp.topic][tp.partition][:limit]
        self.stale = frozenset()
        return batch


class ReadsRevoked(_Broken):
    """Reads, once more, partitions it was revoked, as a prefetch left uncleared would."""

    consumer = _StaleFetchConsumer


_Sent = tuple[int | None, Headers]
"""Where a record goes, and with which headers."""


class _AlteringProducer(MemoryProducer):
    """memory://'s producer with room for one defect: in what it sends, or in its answer."""

    def alter(
        self, topic: str, key: bytes | None, partition: int | None, headers: Headers
    ) -> _Sent:
        return partition, headers

    def answer(self, acked: Acked) -> Acked:
        return acked

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
        partition, headers = self.alter(topic, key, partition, headers)
        acked = await super().send(
            topic, key, value, partition=partition, timestamp=timestamp, headers=headers
        )
        return self.answer(acked)


class _HeaderDroppingProducer(_AlteringProducer):
    def alter(
        self, topic: str, key: bytes | None, partition: int | None, headers: Headers
    ) -> _Sent:
        return partition, headers[:-1]


class DropsHeaders(_Broken):
    """Stores a message without its last header."""

    producer = _HeaderDroppingProducer


class _ForgetfulConsumer(MemoryConsumer):
    def _take(self, limit: int) -> dict[TP, list[Message]]:
        committed = self.broker.group(self.group_id).committed
        for tp in self._assignment:
            if tp not in self._positions and tp in committed:
                self._positions[tp] = committed[tp] + 1  # the defect: one past the commit
        return super()._take(limit)


class LosesOnRestart(_Broken):
    """A member that takes over a committed partition starts one message past the commit."""

    consumer = _ForgetfulConsumer


class _TwiceAcked(Acked):
    def add_done_callback(self, fn: Callable[[Any], object], /) -> None:
        super().add_done_callback(fn)
        super().add_done_callback(fn)


class _NeverAcked(Acked):
    def done(self) -> bool:
        return False

    def add_done_callback(self, fn: Callable[[Any], object], /) -> None:
        """The defect: nothing is ever called back."""

    def __await__(self) -> Generator[Any, None, RecordMetadataT]:
        yield from asyncio.get_running_loop().create_future()  # never resolves
        raise AssertionError("unreachable")


def _producer_with(ack: type[Acked]) -> type[MemoryProducer]:
    class Producer(_AlteringProducer):
        def answer(self, acked: Acked) -> Acked:
            return ack(acked.result())

    return Producer


class ResolvesTwice(_Broken):
    """Calls every send's callbacks twice."""

    producer = _producer_with(_TwiceAcked)


class ResolvesNever(_Broken):
    """Appends every message but never answers the send."""

    producer = _producer_with(_NeverAcked)


class _KeyMovingProducer(_AlteringProducer):
    def __init__(self, broker: MemoryBroker) -> None:
        super().__init__(broker)
        self.seen: set[bytes] = set()

    def alter(
        self, topic: str, key: bytes | None, partition: int | None, headers: Headers
    ) -> _Sent:
        if key is None:
            return partition, headers
        count = len(self.broker.logs.get(topic, ()))
        home = self.key_partition(topic, key)
        if partition is None and key in self.seen and count > 1 and home is not None:
            partition = (home + 1) % count  # the defect: a key's second send moves
        self.seen.add(key)
        return partition, headers


class MovesKeys(_Broken):
    """Sends a key to the next partition from its second send on."""

    producer = _KeyMovingProducer


class DropsHeadersSometimes(_Broken):
    """Drops headers in every other producer it makes, as an intermittent defect does;
    deterministic, so a test of it is not flaky itself."""

    def __init__(self) -> None:
        super().__init__()
        self.made = 0

    def create_producer(self) -> MemoryProducer:
        self.made += 1
        faulty = self.made % 2 == 1
        return (_HeaderDroppingProducer if faulty else MemoryProducer)(self.broker)
