"""The event: a decoded message on its way through a stream."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from ._vars import KT, VT, KT_co, VT_co
from .codecs import CodecArg
from .messages import FutureMessage, Headers, HeadersArg, Message, MessageSentCallback

if TYPE_CHECKING:
    from .channels import ChannelT


class EventT(Protocol[KT_co, VT_co]):
    """A key and value received on a channel, with the message that carried them.

    ``async with event:`` acks the event when the block ends, whatever way it ends.
    """

    @property
    def key(self) -> KT_co | None: ...
    @property
    def value(self) -> VT_co: ...
    @property
    def headers(self) -> Headers: ...
    @property
    def message(self) -> Message: ...
    @property
    def acked(self) -> bool: ...

    def ack(self) -> bool:
        """Mark the event processed; True the first time, False after."""
        ...

    async def send(
        self,
        channel: ChannelT[KT, VT],
        *,
        key: KT | None = ...,
        value: VT = ...,
        partition: int | None = None,
        timestamp: float | None = None,
        headers: HeadersArg = ...,
        key_serializer: CodecArg = None,
        value_serializer: CodecArg = None,
        callback: MessageSentCallback[Any, Any] | None = None,
    ) -> FutureMessage[KT, VT]:
        """Send this event's key, value and headers (or the ones given) to ``channel``."""
        ...

    async def forward(self, channel: ChannelT[Any, Any]) -> FutureMessage[Any, Any]:
        """Send the message on unchanged: the bytes it arrived as, when it arrived as bytes."""
        ...

    async def __aenter__(self) -> EventT[KT_co, VT_co]: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
