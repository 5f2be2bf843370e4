"""Transports each derived from memory:// with a single defect, for the kit to catch."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from typing import Any

from sdk.errors import SendError
from sdk.impl.messages import Message
from sdk.impl.transports.memory import (
    Acked,
    MemoryBroker,
    MemoryConsumer,
    MemoryProducer,
    MemoryTransport,
    ReadCommittedConsumer,
)
from sdk.types import TP, Headers, IsolationLevel, PartitionsCallback, TopicSettings
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
        isolation_level: IsolationLevel = "read_uncommitted",
    ) -> MemoryConsumer:
        if isolation_level == "read_committed":  # no defect here: only the consumer's own
            return ReadCommittedConsumer(self.broker, group_id, on_assigned, on_revoked)
        if isolation_level != "read_uncommitted":  # nor here: memory:// refuses it
            return super().create_consumer(group_id, isolation_level=isolation_level)
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


class _IgnoringMaxRecords(MemoryConsumer):
    async def getmany(
        self, *, timeout: float, max_records: int | None = None
    ) -> Mapping[TP, Sequence[Message]]:
        return await super().getmany(timeout=timeout)  # the defect: the limit is not passed on


class IgnoresMaxRecords(_Broken):
    """Fetches as much as it has, whatever ``max_records`` asks."""

    consumer = _IgnoringMaxRecords


class _Spinning(MemoryConsumer):
    async def getmany(
        self, *, timeout: float, max_records: int | None = None
    ) -> Mapping[TP, Sequence[Message]]:
        return await super().getmany(timeout=0, max_records=max_records)  # the defect


class ReturnsAtOnce(_Broken):
    """Returns an empty fetch at once instead of waiting out ``timeout``."""

    consumer = _Spinning


class _Later(Acked):
    """The answer to a buffered send: a future the buffer resolves when it is sent."""

    __slots__ = ("_future",)

    def __init__(self, future: asyncio.Future[RecordMetadataT]) -> None:
        self._future = future

    def done(self) -> bool:
        return self._future.done()

    def result(self) -> RecordMetadataT:
        return self._future.result()

    def add_done_callback(self, fn: Callable[[Any], object], /) -> None:
        self._future.add_done_callback(lambda _: fn(self))

    def __await__(self) -> Generator[Any, None, RecordMetadataT]:
        return self._future.__await__()


_Buffered = tuple[
    "asyncio.Future[RecordMetadataT]",
    str,
    bytes | None,
    bytes | None,
    int | None,
    float | None,
    Headers,
]


class _BufferingProducer(MemoryProducer):
    """memory:// with a send buffer, as a real client has: sends go out a moment later.

    Correct as it is: ``flush`` and ``stop`` send the buffer. The defects below undo one.
    """

    LINGER = 0.05

    def __init__(self, broker: MemoryBroker) -> None:
        super().__init__(broker)
        self.buffer: list[_Buffered] = []

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
        loop = asyncio.get_running_loop()
        future: asyncio.Future[RecordMetadataT] = loop.create_future()
        self.buffer.append((future, topic, key, value, partition, timestamp, headers))
        loop.call_later(self.LINGER, self.send_buffered)
        return _Later(future)

    def send_buffered(self) -> None:
        buffer, self.buffer = self.buffer, []
        for future, *message in buffer:
            if future.done():
                continue
            try:
                future.set_result(self.broker.append(*message))
            except SendError as exc:
                future.set_exception(exc)

    async def flush(self) -> None:
        self.send_buffered()

    async def stop(self) -> None:
        self.send_buffered()


class _EarlyFlusher(_BufferingProducer):
    async def flush(self) -> None:
        """The defect: returns with the buffer unsent."""


class FlushesEarly(_Broken):
    """Buffers sends, and ``flush`` returns before they are sent and answered."""

    producer = _EarlyFlusher


class _DroppingStopper(_BufferingProducer):
    async def stop(self) -> None:
        self.buffer.clear()  # the defect: what is buffered is thrown away, its acks never done


class StopDropsBuffered(_Broken):
    """Buffers sends, and ``stop`` drops the buffer instead of sending it."""

    producer = _DroppingStopper


class _KeyFirstProducer(_AlteringProducer):
    def alter(
        self, topic: str, key: bytes | None, partition: int | None, headers: Headers
    ) -> _Sent:
        if key is not None and partition is not None:
            return self.key_partition(topic, key), headers  # the defect: the key wins
        return partition, headers


class IgnoresPartitionOfKeyed(_Broken):
    """Sends a keyed record to its key's partition even when it names another."""

    producer = _KeyFirstProducer


class _SecondsProducer(MemoryProducer):
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
        if timestamp is not None:
            timestamp = float(int(timestamp))  # the defect: milliseconds are lost
        return await super().send(
            topic, key, value, partition=partition, timestamp=timestamp, headers=headers
        )


class TruncatesTimestamps(_Broken):
    """Keeps a given timestamp to the second only."""

    producer = _SecondsProducer


class _EmptyAsNoneConsumer(MemoryConsumer):
    def _take(self, limit: int) -> dict[TP, list[Message]]:
        return {
            tp: [m if m.value != b"" else _with_value(m, None) for m in messages]
            for tp, messages in super()._take(limit).items()
        }


def _with_value(message: Message, value: bytes | None) -> Message:
    return Message(
        message.topic,
        message.partition,
        message.offset,
        message.timestamp,
        message.timestamp_type,
        message.headers,
        message.key,
        value,
    )


class ReadsEmptyValueAsNone(_Broken):
    """Reads an empty value back as ``None``, a tombstone."""

    consumer = _EmptyAsNoneConsumer


class _Accumulating(MemoryConsumer):
    def subscribe(self, topics: Iterable[str] = (), *, pattern: str | None = None) -> None:
        super().subscribe({*self.topics, *topics}, pattern=pattern)  # the defect: adds, not sets


class KeepsOldSubscriptions(_Broken):
    """``subscribe`` adds to the subscription instead of replacing it."""

    consumer = _Accumulating


def _committing_off_by(step: int) -> type[MemoryConsumer]:
    class Consumer(MemoryConsumer):
        async def commit(self, offsets: Mapping[TP, int]) -> None:
            await super().commit({tp: max(0, offset + step) for tp, offset in offsets.items()})

    return Consumer


class CommitsOneBehind(_Broken):
    """Commits one before the offset asked for: the last message is read again on restart."""

    consumer = _committing_off_by(-1)


class CommitsOneAhead(_Broken):
    """Commits one past the offset asked for: a message is lost on restart."""

    consumer = _committing_off_by(+1)


class _ZeroCommitted(MemoryConsumer):
    async def committed(self, tp: TP) -> int | None:
        found = await super().committed(tp)
        return 0 if found is None else found  # the defect: "never" reads as the start


class CommittedZeroForNone(_Broken):
    """Says 0 for a partition the group never committed, instead of ``None``."""

    consumer = _ZeroCommitted


class _SeekIgnoring(MemoryConsumer):
    def seek(self, tp: TP, offset: int) -> None:
        if tp not in self.assignment():
            raise ValueError(f"{tp} is not assigned")  # the defect: the position is kept


class IgnoresSeek(_Broken):
    """Checks ``seek``'s arguments, then reads on where it was."""

    consumer = _SeekIgnoring


class _CreatingLookup(MemoryProducer):
    async def partitions_for(self, topic: str) -> frozenset[int]:
        if topic not in self.broker.logs:  # the defect: asking makes the topic
            self.broker.create_topic(topic, TopicSettings())
            return frozenset()
        return await super().partitions_for(topic)


class PartitionsForCreates(_Broken):
    """Creates a topic it is asked the partitions of, as some brokers do on a metadata request."""

    producer = _CreatingLookup


class _GuessingKeys(MemoryProducer):
    def key_partition(self, topic: str, key: bytes) -> int | None:
        found = super().key_partition(topic, key)
        return 0 if found is None else found  # the defect: a topic not known has partition 0


class KeyPartitionGuesses(_Broken):
    """Says partition 0 for a key of a topic it does not know, instead of ``None``."""

    producer = _GuessingKeys


class _Uncalling(MemoryConsumer):
    async def _run_callbacks(self) -> None:
        self._revoked.clear()  # the defect: the assignment changes, nobody is told
        self._assigned.clear()


class NeverCallsBack(_Broken):
    """Takes ``on_assigned`` and ``on_revoked``, and never calls them."""

    consumer = _Uncalling


class ShowsPassword(_Broken):
    """Gives its URL with the password it was made with."""

    @property
    def url(self) -> str:
        return super().url.replace("memory://", "memory://kit:secret@")


class _WrappingProducer(_AlteringProducer):
    def alter(
        self, topic: str, key: bytes | None, partition: int | None, headers: Headers
    ) -> _Sent:
        count = len(self.broker.logs.get(topic, ()))
        if partition is not None and count:
            partition %= count  # the defect: a partition it lacks lands in one it has
        return partition, headers


class WrapsPartitions(_Broken):
    """Sends to a partition the topic lacks land in partition ``n % count``, unrefused."""

    producer = _WrappingProducer


class _NegativeCommits(MemoryConsumer):
    async def commit(self, offsets: Mapping[TP, int]) -> None:
        self.broker.group(self.group_id).committed.update(offsets)  # the defect: unchecked


class CommitsNegative(_Broken):
    """Commits a negative offset as it is given, where it is the caller's mistake."""

    consumer = _NegativeCommits


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


class _UnknownTopicProducer(MemoryProducer):
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
        if topic not in self.broker.logs:  # the defect: a lookup error, not a topic made
            raise LookupError(f"no such topic: {topic}")
        return await super().send(
            topic, key, value, partition=partition, timestamp=timestamp, headers=headers
        )


class FailsFirstWrite(_Broken):
    """A send to a topic never made fails with a ``LookupError``: neither made nor a
    ``SendError``."""

    producer = _UnknownTopicProducer


class _PositionKeeping(MemoryConsumer):
    def reassign(self, assignment: frozenset[TP]) -> None:
        positions = dict(self._positions)
        super().reassign(assignment)
        self._positions.update(positions)  # the defect: a partition lost keeps its position


class KeepsPositionsOfLost(_Broken):
    """A partition lost and regained is read on from where this member left it, not from the
    group's commit: what another member did meanwhile is skipped or read twice."""

    consumer = _PositionKeeping


class _Lingering(MemoryConsumer):
    async def stop(self) -> None:
        held = self._assignment
        await super().stop()
        self._assignment = held  # the defect: a stopped member still says what it held


class HoldsAfterStop(_Broken):
    """``assignment()`` still names its partitions after ``stop``."""

    consumer = _Lingering


class _LateAnnouncing(MemoryConsumer):
    async def getmany(
        self, *, timeout: float, max_records: int | None = None
    ) -> Mapping[TP, Sequence[Message]]:
        batch = await super().getmany(timeout=0, max_records=max_records)
        if not batch and timeout > 0:
            await self.broker.wait(timeout)
            batch = self._take(max_records or 500)  # the defect: callbacks wait for the next call
        return batch


class AnnouncesAfterTheWait(_Broken):
    """A partition gained while ``getmany`` waits is read in that same call, and announced to
    ``on_assigned`` only in the next."""

    consumer = _LateAnnouncing
