"""User-written classes satisfy the protocols without inheriting from anything.

Checked by mypy --strict and pyright, and run by pytest (tests/unit/test_structural_run.py), so
the class is not only well-typed but works.
"""

from __future__ import annotations

from collections.abc import Awaitable

import msgspec
from typing_extensions import Unpack

from sdk import Channel, Event, FutureMessage
from sdk.impl.schema import Schema
from sdk.types import ChannelT, CodecArg, CodecT, Message, RecordMetadata, SendArgs
from sdk.types import FutureMessage as AnyFutureMessage


class Order(msgspec.Struct):
    id: int
    amount: float


class CountingChannel:
    """A user's channel: counts what it sends, and leaves the rest to an in-memory channel."""

    def __init__(self, inner: Channel[str, Order] | None = None) -> None:
        self.inner: Channel[str, Order] = inner or Channel(key_type=str, value_type=Order)
        self.sent = 0

    @property
    def schema(self) -> Schema[str, Order]:
        return self.inner.schema

    @property
    def maxsize(self) -> int | None:
        return self.inner.maxsize

    @property
    def is_iterator(self) -> bool:
        return self.inner.is_iterator

    @property
    def subscriber_count(self) -> int:
        return self.inner.subscriber_count

    def get_topic_name(self) -> str:
        return self.inner.get_topic_name()

    def clone(self, *, is_iterator: bool | None = None) -> CountingChannel:
        return CountingChannel(self.inner.clone(is_iterator=is_iterator))

    def derive(
        self,
        *,
        maxsize: int | None = None,
        key_serializer: CodecArg = None,
        value_serializer: CodecArg = None,
        allow_empty: bool = False,
    ) -> CountingChannel:
        return CountingChannel(
            self.inner.derive(
                maxsize=maxsize,
                key_serializer=key_serializer,
                value_serializer=value_serializer,
                allow_empty=allow_empty,
            )
        )

    async def send(self, **message: Unpack[SendArgs[str, Order]]) -> FutureMessage[str, Order]:
        self.sent += 1
        return await self.inner.send(**message)

    async def send_and_wait(self, **message: Unpack[SendArgs[str, Order]]) -> RecordMetadata:
        self.sent += 1
        return await self.inner.send_and_wait(**message)

    def send_soon(self, **message: Unpack[SendArgs[str, Order]]) -> FutureMessage[str, Order]:
        self.sent += 1
        return self.inner.send_soon(**message)

    def as_future_message(
        self, **message: Unpack[SendArgs[str, Order]]
    ) -> FutureMessage[str, Order]:
        return self.inner.as_future_message(**message)

    async def publish_message(
        self, fut: AnyFutureMessage[str, Order], wait: bool = True
    ) -> FutureMessage[str, Order]:
        self.sent += 1
        return await self.inner.publish_message(fut, wait=wait)

    async def maybe_declare(self) -> None:
        await self.inner.maybe_declare()

    async def declare(self) -> None:
        await self.inner.declare()

    def decode(self, message: Message) -> Event[str, Order]:
        return self.inner.decode(message)

    async def deliver(self, message: Message) -> None:
        await self.inner.deliver(message)

    async def put(self, value: Order) -> None:
        await self.inner.put(value)

    async def get(self, *, timeout: float | None = None) -> Event[str, Order]:
        return await self.inner.get(timeout=timeout)

    def empty(self) -> bool:
        return self.inner.empty()

    def __aiter__(self) -> CountingChannel:
        return self if self.is_iterator else self.clone(is_iterator=True)

    def __anext__(self) -> Awaitable[Event[str, Order]]:
        return self.inner.__anext__()

    async def throw(self, exc: BaseException) -> None:
        await self.inner.throw(exc)


def as_channel(channel: CountingChannel) -> ChannelT[str, Order]:
    return channel  # no cast: CountingChannel satisfies ChannelT structurally


class Rot13:
    """A user's codec: only a name-free pair of methods and composition."""

    def dumps(self, obj: object) -> bytes:
        return str(obj).encode()

    def loads(self, data: bytes) -> str:
        return data.decode()

    def __or__(self, other: CodecT) -> CodecT:
        raise NotImplementedError("no composition for this codec")


class HalfCodec:
    """Has no loads: not a codec."""

    def dumps(self, obj: object) -> bytes:
        return repr(obj).encode()


good: CodecT = Rot13()
bad: CodecT = HalfCodec()  # type: ignore[assignment]
wrong_value: ChannelT[str, int] = CountingChannel()  # type: ignore[assignment]
