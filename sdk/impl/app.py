"""``App``: where channels and topics are made, and the transport they share is run."""

from __future__ import annotations

import asyncio
import math
import uuid
import weakref
from collections.abc import Coroutine, Mapping
from types import TracebackType
from typing import Any, cast, get_args

from typing_extensions import TypeForm

from sdk.errors import TransactionError
from sdk.impl.channel import Channel
from sdk.impl.channel_base import DEFAULT_MAXSIZE
from sdk.impl.consumer_loop import COMMIT_INTERVAL, ConsumerLoop, stop_after_failure
from sdk.impl.topic import Topic
from sdk.impl.transactions import Transactions
from sdk.impl.transports import redact, transport_for
from sdk.types._vars import KT, VT
from sdk.types.app import ProcessingGuarantee
from sdk.types.codecs import CodecArg
from sdk.types.topics import DecodeErrorPolicy
from sdk.types.transports import (
    ProducerT,
    TransactionalTransportT,
    TransportT,
    is_transactional,
)


class App:
    """Implements ``sdk.types.AppT``.

    ``broker`` is a URL whose scheme selects the transport (the default, ``memory://``, is the
    embedded one), or a transport made with settings a URL cannot carry (an SSL context).
    Channels need nothing started. Sending to a topic starts the producer; receiving from
    topics needs the app started (``async with app:``), which runs one consumer in the
    consumer group named by the app's ``id``. ``topic_class`` is the class ``topic()`` makes: a
    subclass of ``Topic`` whose constructor takes the same arguments.

    ``processing_guarantee``: ``"at_least_once"`` (the default) commits, every
    ``commit_interval`` seconds, the offsets of what is done; ``"exactly_once"`` commits them
    in one transaction with everything sent since the last commit, and reads with
    ``read_committed`` (``sdk.impl.transactions`` says how). It needs a transport that
    declares ``transactions``, and refuses to start on one that does not. Its producer's
    ``transactional_id`` defaults to the app's id and a random suffix, new per ``App``: give one
    that is the same each time a process starts (and different for each process), so that a
    restarted process fences its killed predecessor at once and aborts its open transaction,
    rather than the broker after its transaction timeout.
    """

    def __init__(
        self,
        id: str = "sdk",
        *,
        broker: str | TransportT = "memory://",
        topic_class: type[Topic[Any, Any]] = Topic,
        processing_guarantee: ProcessingGuarantee = "at_least_once",
        commit_interval: float = COMMIT_INTERVAL,
        transactional_id: str | None = None,
    ) -> None:
        if not id:
            raise ValueError("an app needs a non-empty id: it names its consumer group")
        if processing_guarantee not in get_args(ProcessingGuarantee):
            raise ValueError(
                f"processing_guarantee is one of {get_args(ProcessingGuarantee)}, "
                f"not {processing_guarantee!r}"
            )
        if not (math.isfinite(commit_interval) and commit_interval > 0):
            raise ValueError(f"commit_interval is seconds, more than 0, not {commit_interval!r}")
        if transactional_id is not None and processing_guarantee != "exactly_once":
            raise ValueError("transactional_id is for processing_guarantee='exactly_once' only")
        if transactional_id == "":
            raise ValueError("transactional_id, if given, must not be empty")
        if isinstance(broker, str) and "://" not in broker:
            raise ValueError(f"broker must be a URL (memory://, kafka://host:port): {broker!r}")
        self._id = id
        self._topic_class = topic_class
        self._broker = broker if isinstance(broker, str) else broker.url
        self._transport: TransportT | None = None if isinstance(broker, str) else broker
        self._producer: ProducerT | None = None
        self._producer_started: asyncio.Future[ProducerT] | None = None
        self._loop: ConsumerLoop | None = None
        self._consumed: list[Topic[Any, Any]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._topics: weakref.WeakSet[Topic[Any, Any]] = weakref.WeakSet()
        self._guarantee: ProcessingGuarantee = processing_guarantee
        self._commit_interval = commit_interval
        self._transactions = (
            Transactions(id, transactional_id or f"{id}-{uuid.uuid4().hex[:12]}", commit_interval)
            if processing_guarantee == "exactly_once"
            else None
        )

    @property
    def id(self) -> str:
        return self._id

    @property
    def broker(self) -> str:
        return self._broker

    @property
    def processing_guarantee(self) -> ProcessingGuarantee:
        return self._guarantee

    @property
    def commit_interval(self) -> float:
        """Seconds between commits (under exactly-once, between transactions)."""
        return self._commit_interval

    @property
    def transactions(self) -> Transactions | None:
        """Under exactly-once, the app's transactions; else None."""
        return self._transactions

    @property
    def transport(self) -> TransportT:
        if self._transport is None:
            self._transport = transport_for(self._broker)
        return self._transport

    def channel(
        self,
        *,
        key_type: TypeForm[KT] = Any,
        value_type: TypeForm[VT] = Any,
        key_serializer: CodecArg = None,
        value_serializer: CodecArg = None,
        allow_empty: bool = False,
        maxsize: int | None = DEFAULT_MAXSIZE,
    ) -> Channel[KT, VT]:
        """A new in-memory channel; ``value_type=Order`` makes every ``event.value`` an Order."""
        return Channel(
            key_type=key_type,
            value_type=value_type,
            key_serializer=key_serializer,
            value_serializer=value_serializer,
            allow_empty=allow_empty,
            maxsize=maxsize,
        )

    def topic(
        self,
        *topics: str,
        pattern: str | None = None,
        key_type: TypeForm[KT] = Any,
        value_type: TypeForm[VT] = Any,
        key_serializer: CodecArg = None,
        value_serializer: CodecArg = None,
        partitions: int | None = None,
        replicas: int | None = None,
        retention: float | None = None,
        compacting: bool | None = None,
        deleting: bool | None = None,
        config: Mapping[str, str] | None = None,
        acks: bool = True,
        internal: bool = False,
        maxsize: int | None = DEFAULT_MAXSIZE,
        allow_empty: bool = False,
        on_decode_error: DecodeErrorPolicy = "raise",
    ) -> Topic[KT, VT]:
        """A topic of this app's broker (a ``topic_class``): names or a ``pattern``, typed like a
        channel."""
        topic = self._topic_class(
            self,
            *topics,
            pattern=pattern,
            key_type=key_type,
            value_type=value_type,
            key_serializer=key_serializer,
            value_serializer=value_serializer,
            partitions=partitions,
            replicas=replicas,
            retention=retention,
            compacting=compacting,
            deleting=deleting,
            config=config,
            acks=acks,
            internal=internal,
            maxsize=maxsize,
            allow_empty=allow_empty,
            on_decode_error=on_decode_error,
        )
        return cast("Topic[KT, VT]", topic)  # made from key_type and value_type, as Topic[KT, VT]

    async def producer(self) -> ProducerT:
        """The app's producer, started on first use (concurrent callers share one start)."""
        if self._producer is not None:
            return self._producer
        if self._producer_started is None:
            self._producer_started = asyncio.ensure_future(self._start_producer())
        return await asyncio.shield(self._producer_started)

    @property
    def running_producer(self) -> ProducerT | None:
        """The producer if it has started, else None: the send path's shortcut."""
        return self._producer

    async def _start_producer(self) -> ProducerT:
        transactions = self._transactions
        if transactions is None:
            producer: ProducerT = self.transport.create_producer()
            await producer.start()
        else:
            transactional = self._transactional_transport(transactions)
            made = transactional.create_transactional_producer(transactions.transactional_id)
            await made.start()  # fences a producer started before with this id
            transactions.producer = producer = made
        self._producer = producer
        return producer

    def _transactional_transport(self, transactions: Transactions) -> TransactionalTransportT:
        transport = self.transport
        if not is_transactional(transport):
            raise TransactionError(
                f"{redact(transport.url)} does not declare the 'transactions' capability (it "
                f"declares {', '.join(sorted(transport.capabilities)) or 'none'}), which "
                f"processing_guarantee='exactly_once' needs; it is not run without it",
                transactional_id=transactions.transactional_id,
                doing="starting",
            )
        transactions.transport = transport
        return transport

    def consume(self, topic: Topic[Any, Any]) -> None:
        """Have the app's consumer read ``topic`` (from when the app is started)."""
        if topic not in self._consumed:
            self._consumed.append(topic)
            if self._loop is not None:
                self._loop.add(topic)

    def adopt(self, topic: Topic[Any, Any]) -> None:
        """Know ``topic``, made on this app: stopping flushes what it queued with send_soon."""
        self._topics.add(topic)

    def track(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` (a sent message's coroutine callback) as a task the app waits for."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def start(self) -> None:
        """Start the producer, and the consumer of every topic being iterated."""
        if self._loop is not None:
            return
        if self._transactions is not None:
            self._transactional_transport(self._transactions)  # refused before anything starts
        try:
            await self.producer()
            loop = ConsumerLoop(
                self.transport,
                self._id,
                transactions=self._transactions,
                commit_interval=self._commit_interval,
            )
            for topic in self._consumed:
                loop.add(topic)
            await loop.start()
        except BaseException:  # no half-started app: `async with` does not stop what failed
            await stop_after_failure(self.stop())
            raise
        self._loop = loop
        for topic in self._consumed:
            topic.begin()

    async def stop(self) -> None:
        """Stop fetching, end the iterators, commit what is done and leave the group; then send
        what send_soon queued, flush, wait for the callbacks of what was sent, stop sending.

        Ending the iterators before the commit leaves nothing read after it uncommitted. Each
        step runs even if one before it failed; a later failure is raised with the earlier one
        as its context. Under exactly-once, what send_soon queued is sent before the last
        transaction ends (committed, or aborted if an event that sent was not done), and a send
        after it is refused.
        """
        loop, self._loop = self._loop, None
        try:
            if loop is not None:
                try:
                    await loop.halt()
                finally:
                    for topic in self._consumed:
                        topic.end()
                    if self._transactions is not None:
                        for made in list(self._topics):
                            await made.flush_soon()
                    await loop.close()
        finally:
            await self._stop_sending()

    async def _stop_sending(self) -> None:
        """Send, flush and call back until callbacks send nothing more; then stop the producer.

        Flushing comes before waiting for callbacks: the acks it brings in start more of them.
        """
        try:
            while True:
                for made in list(self._topics):
                    await made.flush_soon()
                if self._producer is not None:
                    await self._producer.flush()
                if not self._tasks:
                    break
                await asyncio.gather(*self._tasks)
        finally:
            started, self._producer_started = self._producer_started, None
            self._producer = None
            if started is not None:
                await _stop_producer(started)

    async def __aenter__(self) -> App:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def __repr__(self) -> str:
        guarantee = "" if self._transactions is None else ", processing_guarantee='exactly_once'"
        return f"App(id={self._id!r}, broker={redact(self._broker)!r}{guarantee})"


async def _stop_producer(started: asyncio.Future[ProducerT]) -> None:
    """Stop a producer once it started; one whose start failed has nothing to stop."""
    try:
        producer = await started
    except Exception:  # noqa: BLE001  # raised already to whoever asked for the producer
        return
    await producer.stop()
