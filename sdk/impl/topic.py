"""``Topic``: a named channel backed by a transport's topic."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any, Final, Protocol

from typing_extensions import Self, TypeForm, Unpack

from sdk.errors import DecodeError, EncodeError, UnnamedChannelError
from sdk.impl.acks import Delivery, TopicEvent, twin
from sdk.impl.buffer import Raised
from sdk.impl.channel_base import DEFAULT_MAXSIZE, ChannelBase
from sdk.impl.events import Event
from sdk.impl.futures import FutureMessage
from sdk.impl.messages import headers_from
from sdk.impl.schema import Schema
from sdk.impl.timeouts import within
from sdk.impl.transactions import Transactions
from sdk.types._vars import KT, VT
from sdk.types.channels import SendArgs
from sdk.types.codecs import CodecArg
from sdk.types.messages import FutureMessage as FutureMessageT
from sdk.types.messages import HeadersArg, MessageSentCallback
from sdk.types.messages import Message as MessageT
from sdk.types.topics import DeadLetter, DecodeErrorPolicy
from sdk.types.transports import AckT, ProducerT, TopicSettings

logger = logging.getLogger(__name__)

ERROR_HEADER: Final = "sdk-decode-error"
"""Header on a dead-lettered message: why it could not be decoded."""
ORIGIN_HEADER: Final = "sdk-origin"
"""Header on a dead-lettered message: ``topic/partition/offset`` it came from."""


class TopicHost(Protocol):
    """What a topic needs of the app it was made on; ``sdk.App`` is one."""

    @property
    def running_producer(self) -> ProducerT | None:
        """The producer once started, else None: the send path's shortcut."""
        ...

    async def producer(self) -> ProducerT:
        """The producer, started on first use."""
        ...

    def consume(self, topic: Topic[Any, Any]) -> None:
        """Have the app's consumer read ``topic``."""
        ...

    def adopt(self, topic: Topic[Any, Any]) -> None:
        """Know ``topic``: stopping the app flushes what it queued."""
        ...

    def track(self, work: Coroutine[Any, Any, None]) -> None:
        """Run a sent message's coroutine callback as a task the app waits for at stop."""
        ...

    @property
    def transactions(self) -> Transactions | None:
        """Under exactly-once, the app's transactions: every send goes into them."""
        ...


class Topic(ChannelBase[KT, VT]):
    """Implements ``sdk.types.TopicT``.

    Sending encodes with the schema and hands the bytes to the app's producer; the future
    resolves when the broker acknowledged them. Once the topic is declared and the producer
    started, a ``send`` with no ``prepare`` hook and nothing queued by ``send_soon`` is one
    coroutine: encode (which checks the types), hand over, make the future. Iterating subscribes
    the app's consumer to the topic (it reads once the app is started). Each subscriber moving
    on to its next event acks the one before. Under exactly-once, an event handed out is the one
    its task holds: what the task sends until it moves on is that event's output
    (``sdk.impl.transactions``).
    """

    def __init__(
        self,
        app: TopicHost,
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
        schema: Schema[KT, VT] | None = None,
    ) -> None:
        if bool(topics) == (pattern is not None):
            raise ValueError("a topic takes names or a pattern=, one of the two")
        if internal and pattern is not None:
            raise ValueError(f"a pattern ({pattern!r}) cannot be an internal topic to create")
        if not _is_policy(on_decode_error):
            raise ValueError(
                f"on_decode_error is 'raise', 'skip' or DeadLetter('topic'), "
                f"not {on_decode_error!r}"
            )
        if schema is None:
            schema = Schema(
                key_type=key_type,
                value_type=value_type,
                key_serializer=key_serializer,
                value_serializer=value_serializer,
                allow_empty=allow_empty,
            )
        super().__init__(schema=schema, maxsize=maxsize)
        self._app = app
        self._topics = tuple(topics)
        self._pattern = pattern
        self._name = _single_name(self._topics, pattern)
        self._partitions = partitions
        self._replicas = replicas
        self._retention = retention
        self._compacting = compacting
        self._deleting = deleting
        self._config = dict(config or {})
        self._acks = acks
        self._internal = internal
        self._on_decode_error: DecodeErrorPolicy = on_decode_error
        self._declared: asyncio.Future[None] | None = None
        self._last: TopicEvent[KT, VT] | None = None
        self._transactions = app.transactions
        self._dead = revoked if self._transactions is None else revoked_untaken
        """What a revoke drops from the buffers: ``drop_revoked`` says why the two differ."""
        app.adopt(self)

    # -- what it is --------------------------------------------------------------------------

    @property
    def topics(self) -> Sequence[str]:
        return self._topics

    @property
    def pattern(self) -> str | None:
        return self._pattern

    @property
    def partitions(self) -> int | None:
        return self._partitions

    @property
    def replicas(self) -> int | None:
        return self._replicas

    @property
    def retention(self) -> float | None:
        return self._retention

    @property
    def compacting(self) -> bool | None:
        return self._compacting

    @property
    def deleting(self) -> bool | None:
        return self._deleting

    @property
    def config(self) -> Mapping[str, str]:
        return dict(self._config)

    @property
    def acks(self) -> bool:
        return self._acks

    @property
    def internal(self) -> bool:
        return self._internal

    @property
    def on_decode_error(self) -> DecodeErrorPolicy:
        return self._on_decode_error

    def get_topic_name(self) -> str:
        if self._pattern is not None:
            raise UnnamedChannelError(f"pattern {self._pattern!r} names no single topic")
        if len(self._topics) != 1:
            raise UnnamedChannelError(f"{len(self._topics)} topics have no single name")
        return self._topics[0]

    def derive_topic(
        self,
        *,
        topics: Sequence[str] | None = None,
        prefix: str = "",
        suffix: str = "",
    ) -> Self:
        """A topic of the same class and app, renamed; every setting is copied, the schema
        shared."""
        if self._pattern is not None and topics is None:
            raise ValueError("derive_topic needs topics= for a pattern topic")
        twin = self._separate(self.schema, self.maxsize)
        twin._topics = tuple(f"{prefix}{name}{suffix}" for name in (topics or self._topics))
        twin._pattern = None
        twin._name = _single_name(twin._topics, None)
        return twin

    def _renew(self) -> None:
        """A separate copy: not yet declared, nothing read, known to the same app."""
        self._declared = None
        self._last = None
        self._app.adopt(self)

    def topic_settings(self) -> TopicSettings:
        """What an internal topic is created with, in the SDK's terms: the transport maps them."""
        return TopicSettings(
            partitions=self._partitions or 1,
            replicas=self._replicas or 1,
            retention=self._retention,
            compacting=self._compacting,
            deleting=self._deleting,
            config=tuple(self._config.items()),
        )

    def _where(self) -> str:
        if self._pattern is not None:
            return f"topic pattern {self._pattern!r}"
        return f"topic {', '.join(map(repr, self._topics))}"

    def __repr__(self) -> str:
        what = f"pattern={self._pattern!r}" if self._pattern else ", ".join(map(repr, self._topics))
        return f"<{type(self).__name__}: {what}>"

    # -- declaring -----------------------------------------------------------------------------

    async def maybe_declare(self) -> None:
        """Declare once; callers that arrive meanwhile wait for the same declaration."""
        if self._declared is None:
            self._declared = asyncio.ensure_future(self.declare())
        await asyncio.shield(self._declared)

    async def declare(self) -> None:
        """Create an internal topic as declared; never create or alter a source topic."""
        if not self._internal:
            return
        producer = await self._app.producer()
        settings = self.topic_settings()
        for name in self._topics:
            await producer.create_topic(name, settings)
            existing = await producer.partitions_for(name)
            if len(existing) != settings.partitions:
                raise ValueError(
                    f"internal topic {name!r} exists with {len(existing)} partitions, "
                    f"but is declared with {settings.partitions}"
                )

    # -- sending -------------------------------------------------------------------------------

    async def send(
        self,
        *,
        key: KT | None = None,
        value: VT,
        partition: int | None = None,
        timestamp: float | None = None,
        headers: HeadersArg = None,
        key_serializer: CodecArg = None,
        value_serializer: CodecArg = None,
        callback: MessageSentCallback[KT, VT] | None = None,
    ) -> FutureMessageT[KT, VT]:
        producer = self._app.running_producer
        declared = self._declared
        if (
            producer is None
            or declared is None
            or not declared.done()
            or self._name is None
            or self._prepares
            or self._hub.soon_task is not None
            or self._transactions is not None
        ):  # the funnel: it starts, declares, prepares, waits its turn or joins a transaction
            return await super().send(
                key=key,
                value=value,
                partition=partition,
                timestamp=timestamp,
                headers=headers,
                key_serializer=key_serializer,
                value_serializer=value_serializer,
                callback=callback,
            )
        copied = () if headers is None else headers_from(headers)  # nothing of the caller's kept
        schema = self._schema
        try:
            key_bytes = schema.dumps_key(key, serializer=key_serializer)
            value_bytes = schema.dumps_value(value, serializer=value_serializer)
        except EncodeError as exc:
            exc.locate(self._where())
            raise
        ack = await producer.send(
            self._name,
            key_bytes,
            value_bytes,
            partition=partition,
            timestamp=timestamp,
            headers=copied,
        )
        fut: FutureMessage[KT, VT] = FutureMessage(
            self,
            value,
            key,
            partition,
            timestamp,
            copied,
            key_serializer,
            value_serializer,
            callback,
        )
        fut.follow(ack)
        if callback is not None:
            self._call_back_on(ack, callback, fut)
        return fut

    def _hand_over(self, fut: FutureMessage[KT, VT]) -> Coroutine[Any, Any, None]:
        return self._produce(fut)  # a producer's send is a coroutine: nothing is done at once

    async def _produce(self, fut: FutureMessage[KT, VT]) -> None:
        """Encode and hand to the producer; ``fut`` resolves when the broker acknowledges."""
        try:
            schema = self._schema
            try:
                key = schema.dumps_key(fut.key, serializer=fut.key_serializer)
                value = schema.dumps_value(fut.value, serializer=fut.value_serializer)
            except EncodeError as exc:
                exc.locate(self._where())
                raise
            if self._declared is None or not self._declared.done():
                await self.maybe_declare()
            transactions = self._transactions
            if transactions is not None:  # first: a stopped app's producer is not started
                origin = transactions.in_hand.get()
                tp = None if origin is None else origin.message.tp
                delivery = None if origin is None else origin.delivery
                if not transactions.enter(tp, delivery):  # no coroutine unless it waits
                    await transactions.admit(tp, delivery)
            try:
                producer = self._app.running_producer or await self._app.producer()
                ack = await producer.send(
                    self.get_topic_name(),
                    key,
                    value,
                    partition=fut.partition,
                    timestamp=fut.timestamp,
                    headers=fut.headers,
                )
            finally:
                if transactions is not None:
                    transactions.release()
        except BaseException as exc:
            fut.set_exception(exc)
            raise
        fut.follow(ack)
        if fut.callback is not None:
            self._call_back_on(ack, fut.callback, fut)

    def _call_back_on(
        self, ack: AckT, callback: MessageSentCallback[Any, Any], fut: FutureMessage[KT, VT]
    ) -> None:
        """Call back once ``ack`` is in: at once if it is (memory:// acknowledges as it appends)."""
        if ack.done():
            self._call_back(callback, fut)
        else:
            ack.add_done_callback(lambda _: self._call_back(callback, fut))

    def _call_back(
        self, callback: MessageSentCallback[Any, Any], fut: FutureMessage[KT, VT]
    ) -> None:
        outcome = callback(fut)
        if inspect.isawaitable(outcome):
            self._app.track(_as_coroutine(outcome))

    def send_soon(self, **message: Unpack[SendArgs[KT, VT]]) -> FutureMessageT[KT, VT]:
        """As a channel's; under exactly-once, the message is an output of the event in hand
        now, which is not done until the message is handed over, so that its offset is never
        committed before its output."""
        transactions = self._transactions
        if transactions is None:
            return super().send_soon(**message)
        fut = self._future(**message)
        origin = transactions.in_hand.get()
        if origin is not None and origin.delivery is not None:
            origin.delivery.remaining += 1
        self._hub.soon(_as_output_of(transactions, origin, self._hand_over_all), fut)
        return fut

    # -- receiving -----------------------------------------------------------------------------

    def clone(self, *, is_iterator: bool | None = None) -> Self:
        twin = super().clone(is_iterator=is_iterator)
        twin._last = None
        if is_iterator:
            self._app.consume(self)
        return twin

    async def flush_soon(self) -> None:
        """Wait until every message queued by ``send_soon`` was handed to the producer."""
        await self._hub.drained()

    def end(self) -> None:
        """The app stopped consuming: every subscriber's iteration ends now.

        What a subscriber holds, or what waits for a first subscriber, is dropped, not read
        after the stop: none of it was acked (nor a decode error in it raised), so it is not
        committed, and the next start reads it again, into new subscribers.
        """
        self._hub.end()

    def begin(self) -> None:
        """The app consumes again: ``get()`` reads on (from the commit), no longer ended."""
        self._hub.ended = False

    async def get(self, *, timeout: float | None = None) -> Event[KT, VT]:
        if self._buffer is None:
            if self._hub.ended:  # stopped: as for a subscriber, until the app starts again
                raise StopAsyncIteration
            self._app.consume(self)
        return await self._next(timeout)

    async def _next(self, timeout: float | None = None) -> Event[KT, VT]:
        """The next event of this subscriber, acking the one before: it has moved on."""
        last, self._last = self._last, None
        if last is not None and not last.acked:
            last.ack()
        buffer = self._buffer if self._buffer is not None else self._hub.reader()
        if buffer.items:  # the usual case while fetching keeps up: no waiting, no coroutine
            event = buffer.take()
        else:
            event = await (buffer.get() if timeout is None else within(timeout, buffer.get()))
        if isinstance(event, TopicEvent):
            self._last = event
            if event.delivery is not None:
                event.delivery.taken = True
            if self._transactions is not None:
                self._transactions.in_hand.set(event)
        return event

    __anext__ = _next  # one coroutine per event, none in between

    async def deliver_fetched(
        self, messages: Sequence[MessageT], deliveries: Sequence[Delivery]
    ) -> None:
        """Decode fetched messages, each once, and give each subscriber an event of its own.

        One call per fetched batch (of one partition): the events go to the subscribers
        together, and this waits only when a subscriber has no room, or for the decode-error
        policy of a message that does not decode (the events before it are given first). If
        the partition is revoked meanwhile, the rest of the batch is not delivered, and what
        was delivered while waiting is dropped again: the new owner reads it from the commit.
        """
        if deliveries and deliveries[0].revoked:  # while the loop delivered to another topic
            return
        loads_key, loads_value = self._schema.loads_key, self._schema.loads_value
        events: list[TopicEvent[KT, VT]] = []
        append = events.append
        for message, delivery in zip(messages, deliveries, strict=True):
            try:
                key = None if message.key is None else loads_key(message.key)
                value = loads_value(message.value)
            except DecodeError as exc:
                exc.locate(message.topic, message.partition, message.offset)
                if events:
                    if not await self._give(events):
                        return
                    events = []
                    append = events.append
                await self._undecodable(message, delivery, exc)
                if delivery.revoked:
                    self._hub.drop(self._dead)
                    return
                continue
            delivery.remaining += 1
            append(TopicEvent(key, value, message.headers, message, False, delivery))
        if events:
            await self._give(events)

    async def _give(self, events: list[TopicEvent[KT, VT]]) -> bool:
        """Give ``events`` to every subscriber, in order, waiting for room as needed; False if
        their partition was revoked meanwhile (what came in is dropped again)."""
        hub = self._hub
        given = hub.offer_many(events, twin)
        for event in events[given:]:  # no room for these yet: one by one, waiting for it
            if not hub.offer_each(event, twin):
                await hub.deliver_each(event, twin)
                if event.delivery is not None and event.delivery.revoked:
                    hub.drop(self._dead)
                    return False
        return True

    def drop_revoked(self) -> None:
        """Partitions were revoked: no subscriber reads their events (nor their decode errors)
        any more. Events already taken by the user may still be acked; that counts for nothing.

        Under exactly-once, a message one subscriber took is read by the others too: its
        outputs commit with the revoke's transaction only once every reader is done with it,
        and dropping a twin would leave it uncommitted, its outputs made again by the new owner.
        """
        self._hub.drop(self._dead)

    async def _undecodable(self, message: MessageT, delivery: Delivery, error: DecodeError) -> None:
        policy = self._on_decode_error
        if isinstance(policy, DeadLetter):
            producer = await self._app.producer()
            headers = (
                *message.headers,
                (ERROR_HEADER, str(error).encode()),
                (ORIGIN_HEADER, f"{message.topic}/{message.partition}/{message.offset}".encode()),
            )
            transactions = self._transactions
            if transactions is not None and not transactions.enter(message.tp, delivery):
                await transactions.admit(message.tp, delivery)  # with the message's offset
            try:
                ack = await producer.send(policy.topic, message.key, message.value, headers=headers)
            finally:
                if transactions is not None:
                    transactions.release()
            await ack
            logger.warning("dead-lettered to %r: %s", policy.topic, error)
        elif policy == "raise":  # done once raised: until then the delivery is counted out
            self._hub.throw(error, delivery)
        else:
            logger.warning("skipped: %s", error)


def revoked(item: object) -> bool:
    """Whether ``item`` in a buffer is an event or a decode error of a revoked message."""
    if isinstance(item, TopicEvent | Raised) and item.delivery is not None:
        return item.delivery.revoked
    return False


def revoked_untaken(item: object) -> bool:
    """``revoked``, of a message no reader took: what exactly-once drops on a revoke."""
    if isinstance(item, TopicEvent | Raised) and item.delivery is not None:
        return item.delivery.revoked and not item.delivery.taken
    return False


def _single_name(topics: tuple[str, ...], pattern: str | None) -> str | None:
    """The one name a send goes to; None for a pattern or several names (``get_topic_name``
    says why)."""
    return topics[0] if pattern is None and len(topics) == 1 else None


def _is_policy(policy: object) -> bool:
    """Whether ``policy`` is a decode-error policy: checked, as a typo must not pass unseen."""
    return policy in ("raise", "skip") or isinstance(policy, DeadLetter)


async def _as_coroutine(awaitable: Any) -> None:
    await awaitable


def _as_output_of(
    transactions: Transactions,
    origin: TopicEvent[Any, Any] | None,
    hand_over: Callable[[FutureMessage[KT, VT]], Coroutine[Any, Any, None]],
) -> Callable[[FutureMessage[KT, VT]], Coroutine[Any, Any, None]]:
    """``hand_over`` run as an output of ``origin`` (in the task draining ``send_soon``), which
    is done once it ran: ``send_soon`` held it."""

    async def handed_over(fut: FutureMessage[KT, VT]) -> None:
        token = transactions.in_hand.set(origin)
        try:
            await hand_over(fut)
        finally:
            transactions.in_hand.reset(token)
            if origin is not None and origin.delivery is not None:
                origin.delivery.remaining -= 1

    return handed_over
