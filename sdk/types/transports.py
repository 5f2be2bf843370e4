"""The transport SPI: what a broker client provides to topics.

Small on purpose, like an httpx transport: bytes in, bytes out, offsets and partitions.
Topics do the encoding, decoding and bookkeeping above it. Timestamps are seconds (float).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol, TypeGuard, get_args

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
    "transactions",
]
"""What a transport may declare it supports; the conformance kit tests exactly these.

``transactions``: the transport is a ``TransactionalTransportT`` (below), with Kafka's
semantics; ``App(processing_guarantee="exactly_once")`` needs it."""

EVERY_CAPABILITY: Final[frozenset[Capability]] = frozenset(get_args(Capability))

PartitionsCallback = Callable[[frozenset[TP]], Awaitable[None]]

IsolationLevel = Literal["read_uncommitted", "read_committed"]
"""What a consumer reads of transactional records. ``read_uncommitted``: every record, as
written. ``read_committed``: only records of committed transactions (and of no transaction),
and never past the first record of a transaction still open (the last stable offset), so the
order it reads is the order written."""


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

    def done(self) -> bool:
        """Whether the answer is in, either way."""
        ...

    def result(self) -> RecordMetadata:
        """Where the message landed.

        :raises ~sdk.errors.SendError: if the broker did not take the message (names the topic,
            and the partition if the sender chose it); the client's error is its ``__cause__``
        :raises ~sdk.errors.TransportError: if the send failed another way (the connection was
            lost, the producer was closed with the message still buffered)
        :raises asyncio.InvalidStateError: if it is not done yet
        :raises asyncio.CancelledError: if the send was cancelled
        """
        ...

    def add_done_callback(self, fn: Callable[[Any], object], /) -> None:
        """Call ``fn`` (with an argument to ignore) once, when done; raises nothing."""
        ...

    def __await__(self) -> Generator[Any, None, RecordMetadata]:
        """Wait for ``result()``, raising what it raises (except ``InvalidStateError``)."""
        ...


class ProducerT(Protocol):
    """Writes messages to topics, and creates topics.

    Every error a broker or the way to it causes is a ``TransportError`` (``sdk.errors``),
    naming the topic; what no broker could take is a ``ValueError``, raised before sending.
    """

    async def start(self) -> None:
        """Connect, so that a wrong address fails here rather than at the first send.

        :raises ~sdk.errors.AuthenticationError: if a broker refused the credentials or the
            certificate
        :raises ~sdk.errors.BrokerConnectionError: if no broker could be reached (says which
            addresses, and why for each)
        :raises ~sdk.errors.TransportError: if a broker was reached but the client could not start
        """
        ...

    async def stop(self) -> None:
        """Flush what is buffered, then close; a producer never started stops quietly.

        :raises ~sdk.errors.TransportError: if closing failed (buffered messages' acks say
            whether they were sent)
        """
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
        """Buffer a message; the answer comes once the broker acknowledged it, or failed.

        A topic not known yet is created as the broker creates one on first write (one
        partition), where the broker does so.

        :raises ~sdk.errors.SendError: if the message cannot be buffered: the topic has no
            such ``partition``, the message is larger than the broker takes, the buffer stayed
            full too long (names the topic, and the partition if given)
        :raises ~sdk.errors.TransportError: if the broker failed another way
        :raises ValueError: if no broker could take the message (``kafka://``: neither key
            nor value)
        :raises RuntimeError: if the producer is not started, where the transport can tell
        """
        ...

    async def flush(self) -> None:
        """Return once everything sent so far is acknowledged or failed.

        A send that failed says so in its ``AckT``, not here.

        :raises ~sdk.errors.TransportError: if the producer itself failed while flushing
        """
        ...

    async def create_topic(self, topic: str, settings: TopicSettings) -> None:
        """Create a topic with ``settings``; one that exists already is left as it is.

        Returns once the topic can be written to and its partitions looked up.

        :raises ~sdk.errors.TopicError: if the broker refused (a config it does not accept,
            more replicas than brokers, not authorized) or the topic did not appear in time;
            names the topic, with the broker's reason
        :raises ~sdk.errors.BrokerConnectionError: if no broker could be reached to ask
        """
        ...

    async def partitions_for(self, topic: str) -> frozenset[int]:
        """The topic's partitions; empty if there is no such topic (none is created).

        :raises ~sdk.errors.TopicError: if the broker could not say (names the topic)
        :raises ~sdk.errors.BrokerConnectionError: if no broker could be reached to ask
        """
        ...

    def key_partition(self, topic: str, key: bytes) -> int | None:
        """The partition ``key`` goes to (murmur2, as the Java client), if the topic is known.

        Asks no broker, so raises nothing: ``None`` if this producer has not seen the topic.
        """
        ...


class ConsumerT(Protocol):
    """A member of a consumer group: its partitions are its share of the subscribed topics.

    Assignment callbacks run inside ``getmany``, as Kafka's run inside ``poll``. A newly
    assigned partition is read from its committed offset, or from the beginning. Every error
    a broker or the way to it causes is a ``TransportError`` (``sdk.errors``), naming the
    group; a misuse (a negative offset, a partition not assigned) is a ``ValueError``.
    """

    async def start(self) -> None:
        """Connect and join the group (the assignment follows, inside ``getmany``).

        :raises ~sdk.errors.AuthenticationError: if a broker refused the credentials or the
            certificate
        :raises ~sdk.errors.BrokerConnectionError: if no broker could be reached (says which
            addresses, and why for each)
        :raises ~sdk.errors.TransportError: if a broker was reached but the client could not start
        """
        ...

    async def stop(self) -> None:
        """Leave the group (``on_revoked`` runs first, where the transport runs it) and close.

        :raises ~sdk.errors.TransportError: if leaving or closing failed (names the group)
        """
        ...

    def subscribe(self, topics: Iterable[str] = (), *, pattern: str | None = None) -> None:
        """Replace the subscription: these names, and every topic ``pattern`` fully matches.

        Asks no broker: the new assignment arrives inside ``getmany``.

        :raises re.error: if ``pattern`` is not a regular expression
        """
        ...

    async def getmany(
        self, *, timeout: float, max_records: int | None = None
    ) -> Mapping[TP, Sequence[Message]]:
        """The next messages per partition; empty after ``timeout`` seconds with nothing new.

        :raises ~sdk.errors.FetchError: if the broker failed the fetch (names the group and
            the partitions it reads)
        :raises ~sdk.errors.TransportError: if the member lost the group another way
        :raises RuntimeError: if the consumer is not started, or stopped
        :raises Exception: what an ``on_assigned`` or ``on_revoked`` callback raised, on
            transports that run them here as they are (``memory://``; ``kafka://`` logs them)
        """
        ...

    def assignment(self) -> frozenset[TP]:
        """The partitions this member reads now (none once stopped); asks no broker, raises
        nothing."""
        ...

    async def commit(self, offsets: Mapping[TP, int]) -> None:
        """Commit, per partition, the offset of the next message to read.

        :raises ~sdk.errors.CommitError: if the broker refused or failed the commit, for
            example because a partition is no longer this member's (names the group and the
            partitions)
        :raises ValueError: if an offset is negative
        """
        ...

    async def committed(self, tp: TP) -> int | None:
        """The group's committed offset of ``tp``; ``None`` if it has none.

        :raises ~sdk.errors.CommitError: if the broker could not say (names the group and
            the partition)
        """
        ...

    def seek(self, tp: TP, offset: int) -> None:
        """Read ``tp`` from ``offset`` on, from the next ``getmany``; asks no broker.

        :raises ValueError: if ``tp`` is not assigned to this member, or ``offset`` is negative
        """
        ...


class TransportT(Protocol):
    """A broker reached by URL scheme (``memory://``, ``kafka://``, or one registered).

    Making one, and its producers and consumers, connects to nothing: connection errors come
    from ``start``. A URL the transport cannot read is a ``ValueError`` when it is made (and
    a scheme nothing is registered for, ``sdk.errors.UnknownTransportError``).
    """

    @property
    def url(self) -> str:
        """The broker's address, never with credentials."""
        ...

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What the conformance kit may test; what is not declared is skipped by name."""
        ...

    def create_producer(self) -> ProducerT:
        """A producer, not started: connection errors wait for ``start``.

        :raises ValueError: if the client refuses a setting the transport was given
        :raises RuntimeError: if there is no running event loop and the client needs one
            (``kafka://``)
        """
        ...

    def create_consumer(
        self,
        group_id: str,
        *,
        on_assigned: PartitionsCallback | None = None,
        on_revoked: PartitionsCallback | None = None,
    ) -> ConsumerT:
        """A member of ``group_id``, not started: the callbacks run inside its ``getmany``.

        :raises ValueError: if the transport cannot take ``group_id`` (an empty one, say) or
            the client refuses a setting
        :raises RuntimeError: if there is no running event loop and the client needs one
            (``kafka://``)
        """
        ...


@dataclass(frozen=True, kw_only=True, slots=True)
class GroupMetadata:
    """Who a consumer is in its group, as a transaction's offsets are committed in its name.

    Offsets sent with a transaction commit only if this member is still in the group at this
    generation (KIP-447): a member that lost its partitions in a rebalance, or left, is a
    zombie whose offsets are refused, so it cannot commit over its successor's work.
    """

    group_id: str
    generation: int
    """Counts the group's rebalances: offsets from an earlier one are refused."""
    member_id: str


class TransactionalProducerT(ProducerT, Protocol):
    """A producer whose sends, and offsets of a consumer group, commit or abort together.

    Made with a ``transactional_id`` (``TransactionalTransportT.create_transactional_producer``).
    ``start`` registers it: a producer started earlier with the same id is fenced (its next
    call raises ``FencedError``) and its open transaction is aborted. Between ``begin`` and
    ``commit`` or ``abort``, ``send`` writes into the transaction; outside one it raises
    ``TransactionError``. Once fenced, every call but ``stop`` raises ``FencedError``.
    """

    async def begin(self) -> None:
        """Open a transaction: what is sent from now on commits or aborts with it.

        :raises ~sdk.errors.FencedError: if a newer producer with the same transactional id
            started
        :raises ~sdk.errors.TransactionError: if a transaction is open already, or the producer
            is not started
        """
        ...

    async def commit(self) -> None:
        """Commit the open transaction: its records become visible to ``read_committed``
        consumers, and its offsets become the group's committed offsets, all at once.

        Flushes first: every send of the transaction is acknowledged when it returns.

        :raises ~sdk.errors.FencedError: if a newer producer with the same transactional id
            started (the transaction was aborted)
        :raises ~sdk.errors.TransactionError: if no transaction is open, or the broker failed
            the commit (then ``abort`` it)
        """
        ...

    async def abort(self) -> None:
        """Abort the open transaction: its records are never visible to ``read_committed``
        consumers, its offsets never committed.

        :raises ~sdk.errors.FencedError: if a newer producer with the same transactional id
            started (the transaction was aborted by that start)
        :raises ~sdk.errors.TransactionError: if no transaction is open, or the broker failed
        """
        ...

    async def send_offsets_to_transaction(
        self, offsets: Mapping[TP, int], group_metadata: GroupMetadata
    ) -> None:
        """Commit ``offsets`` (per partition, the next to read) for the group, with the
        open transaction: only if it commits, and only then.

        :raises ~sdk.errors.CommitError: if the group refused them: ``group_metadata`` is of a
            member no longer in the group, or of an earlier generation (names the group and
            the partitions); the transaction must then be aborted
        :raises ~sdk.errors.FencedError: if a newer producer with the same transactional id
            started
        :raises ~sdk.errors.TransactionError: if no transaction is open
        :raises ValueError: if an offset is negative
        """
        ...


class TransactionalConsumerT(ConsumerT, Protocol):
    """A consumer whose group membership a transaction's offsets are committed in."""

    def group_metadata(self) -> GroupMetadata:
        """This member's group, generation and member id, as they are now; asks no broker.

        :raises RuntimeError: if the consumer is not started (it is in no group)
        """
        ...


class TransactionalTransportT(TransportT, Protocol):
    """A transport that declares ``transactions``: transactional producers, and consumers
    that read with an isolation level."""

    def create_transactional_producer(self, transactional_id: str) -> TransactionalProducerT:
        """A transactional producer, not started; ``start`` fences any other with this id.

        :raises ValueError: if ``transactional_id`` is empty, or the client refuses a setting
        """
        ...

    def create_consumer(
        self,
        group_id: str,
        *,
        on_assigned: PartitionsCallback | None = None,
        on_revoked: PartitionsCallback | None = None,
        isolation_level: IsolationLevel = "read_uncommitted",
    ) -> TransactionalConsumerT:
        """As ``TransportT.create_consumer``, reading with ``isolation_level``.

        :raises ValueError: as ``TransportT.create_consumer``, or for an isolation level that
            is neither of the two
        """
        ...


def is_transactional(transport: TransportT) -> TypeGuard[TransactionalTransportT]:
    """Whether ``transport`` declares ``transactions``, and so is a ``TransactionalTransportT``.

    Trusts the declaration, as the conformance kit does: a transport that declares what it
    lacks fails the kit's ``transactions`` clauses.
    """
    return "transactions" in transport.capabilities
