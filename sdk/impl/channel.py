"""``Channel``: the in-memory channel, with fan-out, back-pressure and nothing dropped."""

from __future__ import annotations

import asyncio
import copy
import inspect
import logging
import time
import weakref
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, cast

from sdk.errors import DecodeError, UnnamedChannelError
from sdk.impl.buffer import Buffer
from sdk.impl.events import KEEP, Event, Keep
from sdk.impl.futures import FutureMessage
from sdk.impl.hub import Hub
from sdk.impl.messages import InMemoryMessage, PendingMessage, headers_from
from sdk.impl.schema import Schema
from sdk.impl.timeouts import within
from sdk.types._vars import KT, VT
from sdk.types.codecs import CodecArg
from sdk.types.messages import FutureMessage as FutureMessageT
from sdk.types.messages import (
    HeadersArg,
    MessageSentCallback,
)
from sdk.types.messages import Message as MessageT
from sdk.types.messages import RecordMetadata as RecordMetadataT

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)
_now = time.time

DEFAULT_MAXSIZE: Final = 4096
"""Events one subscriber may hold before senders wait (Faust's stream buffer size)."""


class Channel(Generic[KT, VT]):
    """Implements ``sdk.types.ChannelT`` in memory.

    Every subscriber (each ``async for``, or ``clone(is_iterator=True)``) has its own buffer of
    ``maxsize`` events and receives every event sent after it subscribed; events sent while there
    is none wait for the first. A subscriber leaves when it is garbage collected, as after
    ``break``. ``get()`` reads through one more subscriber, shared by the channel and its clones.
    Nothing is serialized: keys and values are passed as they are.
    """

    one_partition: ClassVar[bool] = True
    """Whether ``partition`` may only be 0 (or None), as in memory."""

    def __init__(
        self,
        *,
        key_type: type[KT] | None = None,
        value_type: type[VT] | None = None,
        key_serializer: CodecArg = None,
        value_serializer: CodecArg = None,
        allow_empty: bool = False,
        maxsize: int | None = DEFAULT_MAXSIZE,
        schema: Schema[KT, VT] | None = None,
    ) -> None:
        if schema is not None:
            given = [
                name
                for name, setting in [
                    ("key_type", key_type),
                    ("value_type", value_type),
                    ("key_serializer", key_serializer),
                    ("value_serializer", value_serializer),
                    ("allow_empty", allow_empty or None),
                ]
                if setting is not None
            ]
            if given:
                raise TypeError(f"give either a schema or {', '.join(given)}, not both")
        else:
            schema = Schema(
                key_type=key_type,
                value_type=value_type,
                key_serializer=key_serializer,
                value_serializer=value_serializer,
                allow_empty=allow_empty,
            )
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

    def get_topic_name(self) -> str:
        raise UnnamedChannelError(
            "an in-memory channel has no topic name; app.topic(...) makes a named channel"
        )

    def clone(self, *, is_iterator: bool | None = None) -> Channel[KT, VT]:
        """Another handle on this channel; with ``is_iterator=True``, a new subscriber."""
        twin = copy.copy(self)
        twin._buffer = None
        if is_iterator:
            buffer = twin._buffer = self._hub.subscribe()
            weakref.finalize(twin, self._hub.unsubscribe, buffer)
        return twin

    def unsubscribe(self) -> None:
        """Stop receiving: senders no longer wait for this subscriber, and what it holds is dropped.

        A subscriber also leaves when it is garbage collected; this is for leaving now.
        """
        if self._buffer is None:
            raise TypeError(f"{self!r} is not a subscriber: only clone(is_iterator=True) is")
        self._hub.unsubscribe(self._buffer)

    def derive(
        self,
        *,
        maxsize: int | Keep | None = KEEP,
        key_serializer: CodecArg = None,
        value_serializer: CodecArg = None,
        allow_empty: bool | None = None,
    ) -> Channel[KT, VT]:
        """A new, separate channel like this one, with the settings given changed."""
        return type(self)(
            schema=self._schema.replace(
                key_serializer=key_serializer,
                value_serializer=value_serializer,
                allow_empty=allow_empty,
            ),
            maxsize=self._maxsize if maxsize is KEEP else maxsize,
        )

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
        callback: MessageSentCallback | None = None,
    ) -> FutureMessage[KT, VT]:
        fut = self._future(
            key, value, partition, timestamp, headers, key_serializer, value_serializer, callback
        )
        hub = self._hub
        event = hub.event(key, value, fut.message.headers, timestamp)
        if hub.offer(event):
            fut.set_result(_landed(event))
        else:
            await self._deliver(fut, event)
        if callback is not None:
            await _call_back(callback, fut)
        return fut

    async def send_and_wait(
        self,
        *,
        key: KT | None = None,
        value: VT,
        partition: int | None = None,
        timestamp: float | None = None,
        headers: HeadersArg = None,
        key_serializer: CodecArg = None,
        value_serializer: CodecArg = None,
        callback: MessageSentCallback | None = None,
    ) -> RecordMetadataT:
        fut = await self.send(
            key=key,
            value=value,
            partition=partition,
            timestamp=timestamp,
            headers=headers,
            key_serializer=key_serializer,
            value_serializer=value_serializer,
            callback=callback,
        )
        return await fut

    def send_soon(
        self,
        *,
        key: KT | None = None,
        value: VT,
        partition: int | None = None,
        timestamp: float | None = None,
        headers: HeadersArg = None,
        key_serializer: CodecArg = None,
        value_serializer: CodecArg = None,
        callback: MessageSentCallback | None = None,
    ) -> FutureMessage[KT, VT]:
        fut = self._future(
            key, value, partition, timestamp, headers, key_serializer, value_serializer, callback
        )
        self._hub.send_soon(self._publish, fut)
        return fut

    def as_future_message(
        self,
        *,
        key: KT | None = None,
        value: VT,
        partition: int | None = None,
        timestamp: float | None = None,
        headers: HeadersArg = None,
        key_serializer: CodecArg = None,
        value_serializer: CodecArg = None,
        callback: MessageSentCallback | None = None,
    ) -> FutureMessage[KT, VT]:
        return self._future(
            key, value, partition, timestamp, headers, key_serializer, value_serializer, callback
        )

    async def publish_message(
        self, fut: FutureMessageT[KT, VT], wait: bool = True
    ) -> FutureMessage[KT, VT]:
        """Send a message made by ``as_future_message``; without ``wait``, as ``send_soon``."""
        if not isinstance(fut, FutureMessage):
            raise TypeError(
                f"publish_message takes a FutureMessage made by as_future_message, "
                f"got {type(fut).__name__}"
            )
        if wait:
            await self._publish(fut)
        else:
            self._hub.send_soon(self._publish, fut)
        return fut

    async def maybe_declare(self) -> None:
        """Nothing to declare: an in-memory channel exists as soon as it is made."""

    async def declare(self) -> None:
        """Nothing to declare: an in-memory channel exists as soon as it is made."""

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
        event = self.decode(message)
        if not self._hub.offer(event):
            await self._hub.deliver(event)

    async def put(self, value: VT) -> None:
        hub = self._hub
        event = hub.event(None, value, (), None)
        if not hub.offer(event):
            await hub.deliver(event)

    async def get(self, *, timeout: float | None = None) -> Event[KT, VT]:
        buffer = self._buffer if self._buffer is not None else self._hub.reader()
        if timeout is None:
            return await buffer.get()
        return await within(timeout, buffer.get())

    def empty(self) -> bool:
        buffer = self._buffer if self._buffer is not None else self._hub.reader()
        return buffer.empty()

    def __aiter__(self) -> Channel[KT, VT]:
        return self if self._buffer is not None else self.clone(is_iterator=True)

    def __anext__(self) -> Coroutine[Any, Any, Event[KT, VT]]:
        buffer = self._buffer if self._buffer is not None else self._hub.reader()
        return buffer.get()

    async def throw(self, exc: BaseException) -> None:
        self._hub.throw(exc)

    def __repr__(self) -> str:
        kind = "subscriber of " if self._buffer is not None else ""
        schema = self._schema
        return (
            f"<{kind}{type(self).__name__}[{_name(schema.key_type)}, {_name(schema.value_type)}]"
            f" subscribers={self.subscriber_count} maxsize={self._maxsize}>"
        )

    def _future(
        self,
        key: KT | None,
        value: VT,
        partition: int | None,
        timestamp: float | None,
        headers: HeadersArg,
        key_serializer: CodecArg,
        value_serializer: CodecArg,
        callback: MessageSentCallback | None,
    ) -> FutureMessage[KT, VT]:
        if partition and self.one_partition:
            raise ValueError(
                f"an in-memory channel has one partition, 0; got partition={partition}"
            )
        return FutureMessage(
            PendingMessage(
                self,
                key,
                value,
                partition,
                timestamp,
                () if headers is None else headers_from(headers),
                key_serializer,
                value_serializer,
                callback,
            )
        )

    async def _publish(self, fut: FutureMessage[KT, VT]) -> None:
        pending = fut.message
        event = self._hub.event(pending.key, pending.value, pending.headers, pending.timestamp)
        if self._hub.offer(event):
            fut.set_result(_landed(event))
        else:
            await self._deliver(fut, event)
        callback = fut.message.callback
        if callback is not None:
            await _call_back(callback, fut)

    async def _deliver(self, fut: FutureMessage[KT, VT], event: Event[KT, VT]) -> None:
        try:
            await self._hub.deliver(event)
        except asyncio.CancelledError as exc:
            fut.set_exception(exc)
            raise
        fut.set_result(_landed(event))


async def _call_back(callback: MessageSentCallback, fut: FutureMessage[Any, Any]) -> None:
    outcome = callback(fut)
    if inspect.isawaitable(outcome):
        await outcome


def _landed(event: Event[Any, Any]) -> InMemoryMessage:
    """Where an in-memory event landed: its message, made by ``Hub.event``."""
    return cast(InMemoryMessage, event.message)


def _name(type_: object) -> str:
    if type_ is None:
        return "Any"
    return type_.__qualname__ if isinstance(type_, type) else repr(type_)
