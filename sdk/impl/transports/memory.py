"""``memory://``: Kafka's semantics in this process, the embedded default.

Partitioned logs with offsets, keys partitioned by murmur2 as the Java client does, consumer
groups that share out partitions and rebalance as members come and go, committed offsets that
outlive a consumer. ``memory://`` is one broker per process; ``memory://NAME`` names another,
so tests can keep apart. What is appended is kept until the process ends.

It raises as a broker would: a partition the topic does not have is a ``SendError`` (how many
partitions a topic has is the broker's to say, as on Kafka), while what is wrong whatever the
broker holds (a negative offset, seeking a partition this member does not read) is a
``ValueError``, and using a consumer that is not started a ``RuntimeError``.

Transactions are Kafka's (KIP-98, KIP-447), for exactly-once code to be tested with nothing
installed: a transactional producer's records are in the log at once (``read_uncommitted``
consumers read them), but a ``read_committed`` consumer skips those of aborted transactions
and never reads past the first record of a transaction still open; offsets sent with a
transaction become the group's only when it commits, and a ``read_committed`` member newly
given a partition with offsets pending in an open transaction waits for it to end. Starting
a producer with a transactional id fences the one started before with that id (its open
transaction is aborted, its next call is a ``FencedError``); a transaction open longer than
``MemoryBroker.transaction_timeout`` is aborted, and its producer fenced, as Kafka's
coordinator does. Unlike Kafka, commit and abort markers take no offsets.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from typing import Any, Final, get_args

from sdk.errors import CommitError, FencedError, SendError, TransactionError
from sdk.impl.messages import Message, RecordMetadata
from sdk.impl.partitioning import key_partition
from sdk.types.messages import CREATE_TIME, TP, Headers
from sdk.types.messages import RecordMetadata as RecordMetadataT
from sdk.types.transports import (
    EVERY_CAPABILITY,
    Capability,
    GroupMetadata,
    IsolationLevel,
    PartitionsCallback,
    TopicSettings,
)

CAPABILITIES: Final = EVERY_CAPABILITY
DEFAULT_PARTITIONS: Final = 1
"""Partitions of a topic made by producing to it (Kafka's ``num.partitions`` default)."""
MAX_RECORDS: Final = 500
_AUTO_CREATED: Final = TopicSettings(partitions=DEFAULT_PARTITIONS)
_now = time.time
TRANSACTION_TIMEOUT: Final = 60.0
"""Seconds a transaction may stay open before the broker aborts it (Kafka's default
``transaction.timeout.ms``); ``MemoryBroker.transaction_timeout`` sets it per broker."""
_members = itertools.count()


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
        self.transactions = _Coordinator(self)
        self.transaction_timeout = TRANSACTION_TIMEOUT

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
        isolation_level: IsolationLevel = "read_uncommitted",
    ) -> MemoryConsumer:
        if isolation_level == "read_committed":
            return ReadCommittedConsumer(self.broker, group_id, on_assigned, on_revoked)
        if isolation_level != "read_uncommitted":
            raise ValueError(
                f"isolation_level is one of {get_args(IsolationLevel)}, not {isolation_level!r}"
            )
        return MemoryConsumer(self.broker, group_id, on_assigned, on_revoked)

    def create_transactional_producer(self, transactional_id: str) -> TransactionalProducer:
        if not transactional_id:
            raise ValueError("a transactional producer needs a non-empty transactional_id")
        return TransactionalProducer(self.broker, transactional_id)

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
        self.member_id = f"{group_id}-member-{next(_members)}"

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
        releasing = lost - self._assigned  # gained and lost unannounced: announce neither
        self._revoked |= releasing
        if releasing:
            self.broker.group(self.group_id).release(releasing, self)
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

    def group_metadata(self) -> GroupMetadata:
        if self._group is None:
            raise RuntimeError(f"consumer of group {self.group_id!r} is not started")
        return GroupMetadata(
            group_id=self.group_id, generation=self._group.generation, member_id=self.member_id
        )

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
            try:
                if self._on_revoked is not None:
                    await self._on_revoked(revoked)
            finally:
                self.broker.group(self.group_id).released(revoked, self)
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
        self.generation = 0
        """Rebalances so far: offsets sent with a transaction from an earlier one are refused."""
        self.releasing: dict[TP, MemoryConsumer] = {}
        """Partitions taken from a member whose ``on_revoked`` of them has not returned yet:
        a ``read_committed`` member given one waits, as Kafka's rebalance barrier makes every
        member wait, so that it reads on from the commit made there."""

    def release(self, tps: Iterable[TP], member: MemoryConsumer) -> None:
        for tp in tps:
            self.releasing[tp] = member

    def released(self, tps: Iterable[TP], member: MemoryConsumer) -> None:
        for tp in tps:
            if self.releasing.get(tp) is member:
                del self.releasing[tp]

    def expire(self, member: MemoryConsumer) -> None:
        """``member``'s session ended (its process died): it leaves, with no callback run, and
        what it held is released at once."""
        self.leave(member)
        self.released(list(self.releasing), member)

    def join(self, member: MemoryConsumer) -> None:
        self.members.append(member)
        self.rebalance()

    def leave(self, member: MemoryConsumer) -> None:
        self.members.remove(member)
        member.reassign(frozenset())
        self.rebalance()

    def rebalance(self) -> None:
        """Deal each partition, in order, to the next member subscribed to its topic."""
        self.generation += 1
        shares: dict[int, set[TP]] = {id(m): set() for m in self.members}
        for topic in sorted(self.broker.logs):
            readers = [m for m in self.members if m.wants(topic)]
            for partition in range(len(self.broker.logs[topic])):
                if readers:
                    shares[id(readers[partition % len(readers)])].add(TP(topic, partition))
        for member in self.members:
            member.reassign(frozenset(shares[id(member)]))
        self.broker.wake()


class _Transaction:
    """One open transaction: where its records landed, and the offsets sent with it."""

    def __init__(self, transactional_id: str, epoch: int) -> None:
        self.transactional_id = transactional_id
        self.epoch = epoch
        self.began = time.monotonic()
        self.first: dict[TP, int] = {}
        """Per partition written, the offset of the transaction's first record there."""
        self.records: dict[TP, list[int]] = {}
        self.offsets: dict[str, dict[TP, int]] = {}
        """Per group, the offsets to commit with the transaction."""

    def expired(self, broker: MemoryBroker) -> bool:
        return time.monotonic() - self.began > broker.transaction_timeout


class _Coordinator:
    """A broker's transactions: producer epochs per transactional id, the open transactions,
    and per partition the offsets of aborted records."""

    def __init__(self, broker: MemoryBroker) -> None:
        self.broker = broker
        self.epochs: dict[str, int] = {}
        self.open: dict[str, _Transaction] = {}
        self.aborted: dict[TP, set[int]] = {}

    def register(self, transactional_id: str) -> int:
        """A producer starts with ``transactional_id``: the one before it is fenced, and its
        open transaction aborted. Its epoch, which every later call must still have."""
        self._end(transactional_id, commit=False)
        epoch = self.epochs[transactional_id] = self.epochs.get(transactional_id, -1) + 1
        return epoch

    def transaction(self, transactional_id: str, epoch: int, doing: str) -> _Transaction | None:
        """The open transaction of a producer still at ``epoch``; a fenced one is refused, as
        is one whose transaction has been open too long (it is aborted)."""
        txn = self.open.get(transactional_id)
        if txn is not None and txn.expired(self.broker):
            self.expire()
        if self.epochs.get(transactional_id) != epoch:
            raise FencedError(transactional_id=transactional_id, doing=doing)
        return self.open.get(transactional_id)

    def begin(self, transactional_id: str, epoch: int) -> None:
        self.open[transactional_id] = _Transaction(transactional_id, epoch)

    def end(self, transactional_id: str, *, commit: bool) -> None:
        self._end(transactional_id, commit=commit)

    def expire(self) -> None:
        """Abort every transaction open longer than the broker's timeout; fence its producer."""
        if not self.open:
            return
        oldest = time.monotonic() - self.broker.transaction_timeout
        for transactional_id in [t for t, txn in self.open.items() if txn.began < oldest]:
            self._end(transactional_id, commit=False)
            self.epochs[transactional_id] += 1

    def stable_end(self, tp: TP, end: int) -> int:
        """The last stable offset of ``tp``: the first record of a transaction still open
        there, or ``end``."""
        for txn in self.open.values():
            first = txn.first.get(tp)
            if first is not None and first < end:
                end = first
        return end

    def pending(self, group_id: str, tp: TP) -> bool:
        """Whether an open transaction holds an offset of ``tp`` for ``group_id``."""
        return any(tp in txn.offsets.get(group_id, ()) for txn in self.open.values())

    def _end(self, transactional_id: str, *, commit: bool) -> None:
        txn = self.open.pop(transactional_id, None)
        if txn is None:
            return
        if commit:
            for group_id, offsets in txn.offsets.items():
                self.broker.group(group_id).committed.update(offsets)
        else:
            for tp, written in txn.records.items():
                self.aborted.setdefault(tp, set()).update(written)
        self.broker.wake()  # the last stable offset moved: read_committed readers read on


class TransactionalProducer(MemoryProducer):
    """Implements ``sdk.types.TransactionalProducerT`` on a ``MemoryBroker``."""

    def __init__(self, broker: MemoryBroker, transactional_id: str) -> None:
        super().__init__(broker)
        self.transactional_id = transactional_id
        self._epoch: int | None = None

    async def start(self) -> None:
        self._epoch = self.broker.transactions.register(self.transactional_id)

    async def stop(self) -> None:
        """Abort a transaction left open, as Kafka's producer does when closed."""
        epoch, self._epoch = self._epoch, None
        coordinator = self.broker.transactions
        if epoch is not None and coordinator.epochs.get(self.transactional_id) == epoch:
            coordinator.end(self.transactional_id, commit=False)

    async def begin(self) -> None:
        if self._open("beginning") is not None:
            raise self._error("a transaction is open already", "beginning")
        assert self._epoch is not None  # _open said so
        self.broker.transactions.begin(self.transactional_id, self._epoch)

    async def commit(self) -> None:
        self._required("committing")
        self.broker.transactions.end(self.transactional_id, commit=True)

    async def abort(self) -> None:
        self._required("aborting")
        self.broker.transactions.end(self.transactional_id, commit=False)

    async def send_offsets_to_transaction(
        self, offsets: Mapping[TP, int], group_metadata: GroupMetadata
    ) -> None:
        txn = self._required("sending offsets to")
        for tp, offset in offsets.items():
            if offset < 0:
                raise ValueError(f"cannot commit {tp} at offset {offset}: offsets start at 0")
        group = self.broker.group(group_metadata.group_id)
        members = {member.member_id for member in group.members}
        if group_metadata.member_id not in members or group_metadata.generation != group.generation:
            raise CommitError(
                f"member {group_metadata.member_id!r} of generation {group_metadata.generation} "
                f"is not in the group's generation {group.generation} (a zombie)",
                group=group_metadata.group_id,
                partitions=offsets,
            )
        txn.offsets.setdefault(group_metadata.group_id, {}).update(offsets)

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
        txn = self.broker.transactions.open.get(self.transactional_id)
        if txn is None or txn.epoch != self._epoch or txn.expired(self.broker):
            txn = self._required("sending in")  # says why not
        metadata = self.broker.append(topic, key, value, partition, timestamp, headers)
        tp = metadata.topic_partition
        txn.first.setdefault(tp, metadata.offset)
        txn.records.setdefault(tp, []).append(metadata.offset)
        return Acked(metadata)

    def _open(self, doing: str) -> _Transaction | None:
        if self._epoch is None:
            raise self._error("the producer is not started", doing)
        return self.broker.transactions.transaction(self.transactional_id, self._epoch, doing)

    def _required(self, doing: str) -> _Transaction:
        txn = self._open(doing)
        if txn is None:
            raise self._error("no transaction is open (begin one first)", doing)
        return txn

    def _error(self, reason: str, doing: str) -> TransactionError:
        return TransactionError(reason, transactional_id=self.transactional_id, doing=doing)


class ReadCommittedConsumer(MemoryConsumer):
    """A ``MemoryConsumer`` reading with ``read_committed``: records of aborted transactions
    skipped, none read past the last stable offset; a partition newly given is read once its
    last owner's ``on_revoked`` returned, and once no open transaction holds an offset of it
    for the group (KIP-447's stable offsets)."""

    def _take(self, limit: int) -> dict[TP, list[Message]]:
        coordinator = self.broker.transactions
        coordinator.expire()
        batch: dict[TP, list[Message]] = {}
        group = self.broker.group(self.group_id)
        committed = group.committed
        for tp in sorted(self._assignment):
            if limit <= 0:
                break
            position = self._positions.get(tp)
            if position is None:
                if group.releasing.get(tp, self) is not self:
                    continue  # its last owner's on_revoked has not committed yet
                if coordinator.pending(self.group_id, tp):
                    continue
                position = committed.get(tp, 0)
            entries = self.broker.logs[tp.topic][tp.partition]
            end = coordinator.stable_end(tp, len(entries))
            aborted = coordinator.aborted.get(tp)
            taken: list[Message]
            if not aborted:
                taken = entries[position : min(end, position + limit)]
                position += len(taken)
            else:
                taken = []
                while position < end and len(taken) < limit:
                    if position not in aborted:
                        taken.append(entries[position])
                    position += 1
            if taken:
                batch[tp] = taken
                limit -= len(taken)
            self._positions[tp] = position
        return batch
