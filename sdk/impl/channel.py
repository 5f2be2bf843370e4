"""``Channel``: the in-memory channel, with fan-out, back-pressure and nothing dropped."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, ClassVar

from typing_extensions import TypeForm

from sdk.errors import UnnamedChannelError
from sdk.impl.channel_base import DEFAULT_MAXSIZE, ChannelBase, call_back
from sdk.impl.events import Event
from sdk.impl.futures import FutureMessage
from sdk.impl.messages import headers_from
from sdk.impl.schema import Schema
from sdk.impl.timeouts import within
from sdk.types._vars import KT, VT
from sdk.types.codecs import CodecArg
from sdk.types.messages import FutureMessage as FutureMessageT
from sdk.types.messages import HeadersArg, MessageSentCallback


class Channel(ChannelBase[KT, VT]):
    """Implements ``sdk.types.ChannelT`` in memory.

    Every subscriber (each ``async for``, or ``clone(is_iterator=True)``) has its own buffer of
    ``maxsize`` events and receives every event sent after it subscribed; events sent while there
    is none wait for the first. A subscriber leaves when it is garbage collected, as after
    ``break``. ``get()`` reads through one more subscriber, shared by the channel and its clones.
    Nothing is serialized: keys and values are passed as they are, after the same type check
    that a topic's encoding makes.
    """

    one_partition: ClassVar[bool] = True

    def __init__(
        self,
        *,
        key_type: TypeForm[KT] = Any,
        value_type: TypeForm[VT] = Any,
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
                    ("key_type", None if key_type is Any else key_type),
                    ("value_type", None if value_type is Any else value_type),
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
        super().__init__(schema=schema, maxsize=maxsize)

    def get_topic_name(self) -> str:
        raise UnnamedChannelError(
            "an in-memory channel has no topic name; app.topic(...) makes a named channel"
        )

    async def maybe_declare(self) -> None:
        """Nothing to declare: an in-memory channel exists as soon as it is made."""

    async def declare(self) -> None:
        """Nothing to declare: an in-memory channel exists as soon as it is made."""

    async def get(self, *, timeout: float | None = None) -> Event[KT, VT]:
        buffer = self._buffer if self._buffer is not None else self._hub.reader()
        if timeout is None:
            return await buffer.get()
        return await within(timeout, buffer.get())

    def __anext__(self) -> Coroutine[Any, Any, Event[KT, VT]]:
        buffer = self._buffer if self._buffer is not None else self._hub.reader()
        return buffer.get()

    def __repr__(self) -> str:
        kind = "subscriber of " if self._buffer is not None else ""
        schema = self._schema
        return (
            f"<{kind}{type(self).__name__}[{_name(schema.key_type)}, {_name(schema.value_type)}]"
            f" subscribers={self.subscriber_count} maxsize={self._maxsize}>"
        )

    def _where(self) -> str:
        schema = self._schema
        return (
            f"channel {type(self).__name__}[{_name(schema.key_type)}, {_name(schema.value_type)}]"
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
        callback: MessageSentCallback[KT, VT] | None = None,
    ) -> FutureMessageT[KT, VT]:
        """With no ``prepare`` hook, nothing queued by ``send_soon`` and room in every
        subscriber, a send is this coroutine, the type check if the schema has one and the
        hub's offer: the future is made resolved. Anything else goes through the funnel."""
        hub = self._hub
        if not (self._prepares or partition or hub.soon_task is not None):
            copied = () if headers is None else headers_from(headers)  # nothing of the caller's
            if self._schema.checks:
                self._check(key, value, key_serializer, value_serializer)
            event = hub.offer_new(key, value, copied, timestamp)
            if event is not None:
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
                    _metadata=event.message,  # type: ignore[arg-type]  # an InMemoryMessage
                )
                if callback is not None:
                    await call_back(callback, fut)
                return fut
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

    def _hand_over(self, fut: FutureMessage[KT, VT]) -> Coroutine[Any, Any, None] | None:
        hub = self._hub
        event = hub.offer_new(fut.key, fut.value, fut.headers, fut.timestamp)
        if event is None:  # no room: made now, it is delivered before anything sent after it
            return self._deliver(fut, hub.event(fut.key, fut.value, fut.headers, fut.timestamp))
        fut.set_result(event.message)  # type: ignore[arg-type]  # an InMemoryMessage: Hub.event
        return None if fut.callback is None else call_back(fut.callback, fut)

    async def _deliver(self, fut: FutureMessage[KT, VT], event: Event[KT, VT]) -> None:
        """Wait for room, then deliver; a send cancelled meanwhile has delivered to nobody."""
        try:
            await self._hub.deliver(event)
        except asyncio.CancelledError as exc:
            fut.set_exception(exc)
            raise
        fut.set_result(event.message)  # type: ignore[arg-type]  # an InMemoryMessage: Hub.event
        if fut.callback is not None:
            await call_back(fut.callback, fut)


def _name(type_: object) -> str:
    if type_ is None or type_ is Any:
        return "Any"
    return type_.__qualname__ if isinstance(type_, type) else repr(type_)
