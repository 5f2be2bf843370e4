"""``ChannelBase``: what ``Channel`` and ``Topic`` share, side by side.

A schema, a hub of subscribers, and the send family built on one funnel: every send, whichever
method made it, is prepared by ``as_future_message`` (which calls the ``prepare`` hook) and handed
over by ``publish_message``. Only the hand-over differs: to the subscribers, or to a producer.
"""

from __future__ import annotations

import copy
import inspect
import weakref
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from typing import Any, ClassVar, Final, Generic

from typing_extensions import Self, Unpack

from sdk.errors import DecodeError, EncodeError
from sdk.impl.buffer import Buffer
from sdk.impl.events import KEEP, Event, Keep
from sdk.impl.futures import FutureMessage
from sdk.impl.hub import Hub
from sdk.impl.messages import PendingMessage, headers_from
from sdk.impl.schema import Schema
from sdk.types._vars import KT, VT
from sdk.types.channels import SendArgs
from sdk.types.codecs import CodecArg
from sdk.types.messages import FutureMessage as FutureMessageT
from sdk.types.messages import HeadersArg, MessageSentCallback
from sdk.types.messages import Message as MessageT
from sdk.types.messages import RecordMetadata as RecordMetadataT

DEFAULT_MAXSIZE: Final = 4096
"""Events one subscriber may hold before senders wait (Faust's stream buffer size)."""


class ChannelBase(ABC, Generic[KT, VT]):
    """The parts of ``sdk.types.ChannelT`` that do not depend on where messages go.

    Subclasses hand messages over (``_hand_over``) and say what a derived copy must not share
    (``_renew``). Users subclass ``Channel`` or ``Topic``, and hook every send in ``prepare``.
    """

    one_partition: ClassVar[bool] = False
    """Whether ``partition`` may only be 0 (or None), as in memory."""
    _prepares: ClassVar[bool] = False
    """Whether the class overrides ``prepare``: a hook left alone costs no call per message."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._prepares = cls.prepare is not ChannelBase.prepare

    def __init__(self, *, schema: Schema[KT, VT], maxsize: int | None = DEFAULT_MAXSIZE) -> None:
        if maxsize is not None and maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, or None for no bound; got {maxsize}")
        self._schema = schema
        self._maxsize = maxsize
        self._hub: Hub[KT, VT] = Hub(maxsize)
        self._buffer: Buffer[Event[KT, VT]] | None = None

    @property
    def schema(self) -> Schema[KT, VT]:
        return self._schema

    @property
    def maxsize(self) -> int | None:
        return self._maxsize

    @property
    def is_iterator(self) -> bool:
        return self._buffer is not None

    @property
    def subscriber_count(self) -> int:
        return len(self._hub.subscribers)

    # -- copies --------------------------------------------------------------------------------

    def clone(self, *, is_iterator: bool | None = None) -> Self:
        """Another handle on this channel; with ``is_iterator=True``, a new subscriber."""
        twin = copy.copy(self)
        twin._buffer = None
        if is_iterator:
            buffer = twin._buffer = self._hub.subscribe()
            weakref.finalize(twin, self._hub.unsubscribe, buffer)
        return twin

    def derive(
        self,
        *,
        maxsize: int | Keep | None = KEEP,
        key_serializer: CodecArg = None,
        value_serializer: CodecArg = None,
        allow_empty: bool | None = None,
    ) -> Self:
        """A new, separate channel of the same class (a topic: bound to the same app), with the
        settings given changed."""
        size = self._maxsize if maxsize is KEEP else maxsize
        if size is not None and size < 1:
            raise ValueError(f"maxsize must be at least 1, or None for no bound; got {size}")
        schema = self._schema.replace(
            key_serializer=key_serializer,
            value_serializer=value_serializer,
            allow_empty=allow_empty,
        )
        return self._separate(schema, size)

    def _separate(self, schema: Schema[KT, VT], maxsize: int | None) -> Self:
        """A copy with subscribers of its own. A copy, not a call of ``__init__``: a subclass
        keeps its own attributes however its constructor is written."""
        twin = copy.copy(self)
        twin._schema = schema
        twin._maxsize = maxsize
        twin._hub = Hub(maxsize)
        twin._buffer = None
        twin._renew()
        return twin

    def _renew(self) -> None:
        """A separate copy was made: reset what it must not share with the original."""

    def unsubscribe(self) -> None:
        """Stop receiving: senders no longer wait for this subscriber, and what it holds is dropped.

        A subscriber also leaves when it is garbage collected; this is for leaving now.
        """
        if self._buffer is None:
            raise TypeError(f"{self!r} is not a subscriber: only clone(is_iterator=True) is")
        self._hub.unsubscribe(self._buffer)

    # -- sending: one funnel -------------------------------------------------------------------

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
        """Send, waiting only for the hand-over; await the result for the ``RecordMetadata``.

        The keywords of ``SendArgs``, written out: no dict is made per send.
        """
        fut = self._future(
            value, key, partition, timestamp, headers, key_serializer, value_serializer, callback
        )
        if self._hub.soon_task is not None:  # _publish, inlined: no coroutine more per send
            await self._hub.in_turn(self._hand_over_all, fut)
        elif (rest := self._hand_over(fut)) is not None:
            await rest
        return fut

    async def send_and_wait(self, **message: Unpack[SendArgs[KT, VT]]) -> RecordMetadataT:
        """Send and wait until the message is delivered."""
        fut = self._future(**message)
        await self._publish(fut)
        return await fut

    def send_soon(self, **message: Unpack[SendArgs[KT, VT]]) -> FutureMessageT[KT, VT]:
        """Send from synchronous code on the loop: queued in order, handed over by a task.

        A ``send`` made before the queue is handed over waits its turn behind it.
        """
        fut = self._future(**message)
        self._hub.soon(self._hand_over_all, fut)
        return fut

    def as_future_message(self, **message: Unpack[SendArgs[KT, VT]]) -> FutureMessageT[KT, VT]:
        """Prepare a message without sending it; ``publish_message`` sends it."""
        return self._future(**message)

    def prepare(self, message: PendingMessage[KT, VT]) -> PendingMessage[KT, VT]:
        """The hook every send passes through, before anything is handed over.

        Override it to stamp a header, count, validate or route: return the message to send,
        this one or a changed copy (``msgspec.structs.replace(message, headers=...)``); raise to
        refuse it. Callers of ``send`` stay checked against the channel's key and value types.
        """
        return message

    async def publish_message(
        self, fut: FutureMessageT[KT, VT], wait: bool = True
    ) -> FutureMessageT[KT, VT]:
        """Hand over a message made by ``as_future_message``; with ``wait``, return once it
        resolved. Behind messages that ``send_soon`` queued, it waits its turn."""
        if not isinstance(fut, FutureMessage):
            raise TypeError(
                f"publish_message takes a FutureMessage made by as_future_message, "
                f"got {type(fut).__name__}"
            )
        await self._publish(fut)
        if wait and not fut.done():
            await fut
        return fut

    # The funnel: every send is made by _future (and so passes prepare) and handed over by
    # _publish, after what send_soon queued. Both are on every message's path: kept lean.

    def _future(
        self,
        value: VT,
        key: KT | None = None,
        partition: int | None = None,
        timestamp: float | None = None,
        headers: HeadersArg = None,
        key_serializer: CodecArg = None,
        value_serializer: CodecArg = None,
        callback: MessageSentCallback[KT, VT] | None = None,
    ) -> FutureMessage[KT, VT]:
        copied = () if headers is None else headers_from(headers)  # nothing of the caller's kept
        if self._schema.checks:
            self._check(key, value, key_serializer, value_serializer)
        if partition and self.one_partition:
            raise ValueError(
                f"an in-memory channel has one partition, 0; got partition={partition}"
            )
        if self._prepares:
            pending: PendingMessage[KT, VT] = PendingMessage(
                channel=self,
                key=key,
                value=value,
                partition=partition,
                timestamp=timestamp,
                headers=copied,
                key_serializer=key_serializer,
                value_serializer=value_serializer,
                callback=callback,
            )
            return FutureMessage.of(self.prepare(pending))
        return FutureMessage(
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

    def _check(
        self,
        key: KT | None,
        value: VT,
        key_serializer: CodecArg,
        value_serializer: CodecArg,
    ) -> None:
        """The type check a topic's encoding makes, here before anything is sent (only where
        ``schema.checks``: a schema that can refuse something)."""
        schema = self._schema
        try:
            if not key_serializer:  # a codec given answers for the type
                schema.check_key(key)
            if not value_serializer:
                schema.check_value(value)
        except EncodeError as exc:
            exc.locate(self._where())
            raise

    async def _publish(self, fut: FutureMessage[KT, VT]) -> None:
        if self._hub.soon_task is not None:
            await self._hub.in_turn(self._hand_over_all, fut)
        else:
            await self._hand_over_all(fut)

    async def _hand_over_all(self, fut: FutureMessage[KT, VT]) -> None:
        """``_hand_over`` to the end: what the queue of ``send_soon`` runs."""
        if (rest := self._hand_over(fut)) is not None:
            await rest

    @abstractmethod
    def get_topic_name(self) -> str:
        """The name other processes address this channel by; raises if it has none."""

    @abstractmethod
    async def maybe_declare(self) -> None: ...

    @abstractmethod
    async def declare(self) -> None: ...

    @abstractmethod
    async def get(self, *, timeout: float | None = None) -> Event[KT, VT]: ...

    @abstractmethod
    def __anext__(self) -> Coroutine[Any, Any, Event[KT, VT]]: ...

    @abstractmethod
    def _where(self) -> str:
        """Where a message sent here goes, for errors: ``"topic 'orders'"``."""

    @abstractmethod
    def _hand_over(self, fut: FutureMessage[KT, VT]) -> Coroutine[Any, Any, None] | None:
        """Hand ``fut``'s message over as far as can be done at once (to the subscribers, or to
        the producer); the rest, if any, as a coroutine to await. No coroutine at all when
        nothing waits: the fast path of every send."""

    # -- receiving -----------------------------------------------------------------------------

    def decode(self, message: MessageT) -> Event[KT, VT]:
        """Decode a message's bytes with this channel's schema into an event."""
        schema = self._schema
        try:
            key = schema.loads_key(message.key)
            value = schema.loads_value(message.value)
        except DecodeError as exc:
            exc.locate(message.topic, message.partition, message.offset)
            raise
        return Event(key, value, message.headers, message)

    async def deliver(self, message: MessageT) -> None:
        """Decode a received message and put the event to every subscriber."""
        event = self.decode(message)
        if not self._hub.offer(event):
            await self._hub.deliver(event)

    async def put(self, value: VT) -> None:
        """Put a bare value (no key, no headers) to every subscriber, here in this process."""
        hub = self._hub
        if hub.offer_new(None, value, (), None) is None:
            await hub.deliver(hub.event(None, value, (), None))

    def empty(self) -> bool:
        buffer = self._buffer if self._buffer is not None else self._hub.reader()
        return buffer.empty()

    async def throw(self, exc: BaseException) -> None:
        self._hub.throw(exc)

    def __aiter__(self) -> Self:
        return self if self._buffer is not None else self.clone(is_iterator=True)


async def call_back(callback: MessageSentCallback[Any, Any], fut: FutureMessage[Any, Any]) -> None:
    """Run a sent message's callback; a coroutine callback is awaited."""
    outcome = callback(fut)
    if inspect.isawaitable(outcome):
        await outcome
