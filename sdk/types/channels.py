"""The channel contract: send and receive events."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Generic, Protocol

from typing_extensions import Required, TypedDict, Unpack

from ._vars import KT, VT
from .codecs import CodecArg
from .events import EventT
from .messages import FutureMessage, HeadersArg, Message, MessageSentCallback, RecordMetadata
from .schemas import SchemaT


class SendArgs(TypedDict, Generic[KT, VT], total=False, closed=True):
    """The keywords of every send: ``send(**message)``, ``send_soon``, ``as_future_message``.

    Stated once, so that every send of every channel (and of a subclass that passes
    ``**message`` on) is checked alike: a key or value of the wrong type, a missing ``value``
    and an unknown keyword are errors to mypy and pyright. Closed (no other keys), so a
    ``send`` written out with these keywords, as a user's channel may, matches it.
    """

    key: KT | None
    value: Required[VT]
    partition: int | None
    """Only 0 on an in-memory channel; a topic's partition, or None to partition by key."""
    timestamp: float | None
    """Seconds since the epoch (CreateTime); None to stamp it on append."""
    headers: HeadersArg
    key_serializer: CodecArg
    value_serializer: CodecArg
    callback: MessageSentCallback[KT, VT] | None


class ChannelT(Protocol[KT, VT]):
    """A buffer that events are sent to and received from, in order.

    Every subscriber (each ``async for``) receives every event sent after it subscribed.
    Events sent while there is no subscriber wait for the first one. A full buffer
    (``maxsize``) makes senders wait: nothing is ever dropped.
    """

    @property
    def schema(self) -> SchemaT[KT, VT]: ...
    @property
    def maxsize(self) -> int | None:
        """Events a subscriber may hold before senders wait; None for no bound."""
        ...

    @property
    def is_iterator(self) -> bool:
        """True for a subscriber: what ``__aiter__`` returns."""
        ...

    @property
    def subscriber_count(self) -> int: ...

    def get_topic_name(self) -> str:
        """The name other processes address this channel by; raises if it has none."""
        ...

    def clone(self, *, is_iterator: bool | None = None) -> ChannelT[KT, VT]: ...

    def derive(
        self,
        *,
        maxsize: int | None = ...,
        key_serializer: CodecArg = ...,
        value_serializer: CodecArg = ...,
        allow_empty: bool = ...,
    ) -> ChannelT[KT, VT]:
        """A new channel like this one, with the settings given changed."""
        ...

    async def send(self, **message: Unpack[SendArgs[KT, VT]]) -> FutureMessage[KT, VT]:
        """Send, waiting only for the hand-over (buffer space, or the producer); await the
        result for the ``RecordMetadata``."""
        ...

    async def send_and_wait(self, **message: Unpack[SendArgs[KT, VT]]) -> RecordMetadata:
        """Send and wait until the message is delivered."""
        ...

    def send_soon(self, **message: Unpack[SendArgs[KT, VT]]) -> FutureMessage[KT, VT]:
        """Send from synchronous code: queued in order, handed over by the running event loop.

        Order is kept with the sends that follow: a ``send`` made while messages queued here
        are not yet handed over waits its turn behind them.
        """
        ...

    def as_future_message(self, **message: Unpack[SendArgs[KT, VT]]) -> FutureMessage[KT, VT]:
        """Prepare a message without sending it; ``publish_message`` sends it.

        Raises ``sdk.errors.EncodeError`` for a key or value of the wrong type, as a send does.
        """
        ...

    async def publish_message(
        self, fut: FutureMessage[KT, VT], wait: bool = True
    ) -> FutureMessage[KT, VT]:
        """Hand a prepared message over; with ``wait``, return only once ``fut`` has resolved."""
        ...

    async def maybe_declare(self) -> None:
        """Declare once, however many callers ask at the same time."""
        ...

    async def declare(self) -> None:
        """Create whatever the channel needs on the server side."""
        ...

    def decode(self, message: Message) -> EventT[KT, VT]:
        """Turn a received message into an event; raises ``sdk.errors.DecodeError``."""
        ...

    async def deliver(self, message: Message) -> None:
        """Decode a received message and put the event to every subscriber."""
        ...

    async def put(self, value: VT) -> None:
        """Put a bare value (no key, no headers) to every subscriber."""
        ...

    async def get(self, *, timeout: float | None = None) -> EventT[KT, VT]:
        """The next event; raises ``TimeoutError`` after ``timeout`` seconds."""
        ...

    def empty(self) -> bool: ...

    def __aiter__(self) -> ChannelT[KT, VT]: ...

    def __anext__(self) -> Awaitable[EventT[KT, VT]]: ...

    async def throw(self, exc: BaseException) -> None:
        """Make every subscriber raise ``exc`` once it has read what was sent before."""
        ...
