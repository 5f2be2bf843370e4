"""``Event``: a key and value received on a channel, with the message that carried them."""

from __future__ import annotations

import enum
from types import TracebackType
from typing import Any, Final, Generic, Literal

import msgspec

from sdk.types._vars import KT, VT
from sdk.types.channels import ChannelT
from sdk.types.codecs import CodecArg
from sdk.types.messages import FutureMessage, Headers, HeadersArg, Message, MessageSentCallback


class Keep(enum.Enum):
    KEEP = "keep"


KEEP: Final = Keep.KEEP
"""Default of ``Event.send``'s key, value and headers: the event's own."""


class Event(msgspec.Struct, Generic[KT, VT], eq=False, gc=False):
    """Implements ``sdk.types.EventT``.

    Made per event and held, up to ``maxsize`` of them, in every subscriber's buffer: so not
    tracked by the garbage collector (``gc=False``), which would otherwise walk them all on
    every pass. An event refers to nothing that refers back to it (its message, key, value and
    headers were made before it), so it can form no cycle for the collector to break.
    """

    key: KT | None
    value: VT
    headers: Headers
    message: Message
    acked: bool = False

    def ack(self) -> bool:
        if self.acked:
            return False
        self.acked = True
        return True

    async def send(
        self,
        channel: ChannelT[Any, Any],
        *,
        key: object = KEEP,
        value: object = KEEP,
        partition: int | None = None,
        timestamp: float | None = None,
        headers: HeadersArg | Literal[Keep.KEEP] = KEEP,
        key_serializer: CodecArg = None,
        value_serializer: CodecArg = None,
        callback: MessageSentCallback[Any, Any] | None = None,
    ) -> FutureMessage[Any, Any]:
        return await channel.send(
            key=self.key if key is KEEP else key,
            value=self.value if value is KEEP else value,
            partition=partition,
            timestamp=timestamp,
            headers=self.headers if headers is KEEP else headers,
            key_serializer=key_serializer,
            value_serializer=value_serializer,
            callback=callback,
        )

    async def forward(self, channel: ChannelT[Any, Any]) -> FutureMessage[Any, Any]:
        message = self.message
        if message.key is None and message.value is None:  # nothing was serialized
            return await channel.send(key=self.key, value=self.value, headers=self.headers)
        return await channel.send(
            key=message.key,
            value=message.value,
            headers=message.headers,
            key_serializer="raw",
            value_serializer="raw",
        )

    async def __aenter__(self) -> Event[KT, VT]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.ack()
