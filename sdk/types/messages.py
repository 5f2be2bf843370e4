"""Messages, their metadata and the future of a message being sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol

from ._vars import KT, VT, KT_co, VT_co
from .codecs import CodecArg

if TYPE_CHECKING:
    from .channels import ChannelT

Headers = tuple[tuple[str, bytes], ...]
"""Message headers: ``(name, value)`` pairs, in order, duplicates kept (as Kafka has them).

A tuple, so headers can be shared by every subscriber and never change under anyone."""

HeadersArg = Sequence[tuple[str, bytes]] | Mapping[str, bytes] | None
"""What callers may pass as headers: pairs or a mapping. It is copied into ``Headers``."""

CREATE_TIME: Final = 0
"""``timestamp_type`` of a timestamp set by the producer."""
LOG_APPEND_TIME: Final = 1
"""``timestamp_type`` of a timestamp set by the broker (or the in-memory channel) on append."""


class TP(NamedTuple):
    """A topic partition: the one concrete value every implementation shares."""

    topic: str
    partition: int


class RecordMetadata(Protocol):
    """Where a sent message landed."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def topic_partition(self) -> TP: ...
    @property
    def offset(self) -> int: ...
    @property
    def timestamp(self) -> float:
        """Seconds since the epoch. ``0.0`` is a timestamp like any other."""
        ...

    @property
    def timestamp_type(self) -> int:
        """``CREATE_TIME`` or ``LOG_APPEND_TIME``."""
        ...


class Message(Protocol):
    """A message as it was received.

    ``key`` and ``value`` are the bytes the transport carried (``None`` for a missing key or a
    tombstone). An in-memory channel serializes nothing, so its messages carry no bytes: the
    decoded key and value are on the event.
    """

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def timestamp(self) -> float: ...
    @property
    def timestamp_type(self) -> int: ...
    @property
    def headers(self) -> Headers: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def tp(self) -> TP: ...


class PendingMessage(Protocol[KT_co, VT_co]):
    """A message before it is sent: everything ``send`` was given, headers already copied."""

    @property
    def channel(self) -> ChannelT[Any, Any]: ...
    @property
    def key(self) -> KT_co | None: ...
    @property
    def value(self) -> VT_co: ...
    @property
    def partition(self) -> int | None: ...
    @property
    def timestamp(self) -> float | None: ...
    @property
    def headers(self) -> Headers: ...
    @property
    def key_serializer(self) -> CodecArg: ...
    @property
    def value_serializer(self) -> CodecArg: ...
    @property
    def callback(self) -> MessageSentCallback[Any, Any] | None: ...


class FutureMessage(Awaitable[RecordMetadata], Protocol[KT_co, VT_co]):
    """The promise of a sent message: awaiting it gives the ``RecordMetadata``.

    It resolves exactly once: when every subscriber holds the event (channel) or the broker
    acknowledged the write (topic), or with the error that prevented that.
    """

    @property
    def message(self) -> PendingMessage[KT_co, VT_co]: ...

    def done(self) -> bool: ...

    def result(self) -> RecordMetadata:
        """The metadata; raises the send's error, or ``InvalidStateError`` if not done."""
        ...

    def __await__(self) -> Generator[Any, None, RecordMetadata]: ...


MessageSentCallback = Callable[[FutureMessage[KT, VT]], Awaitable[None] | None]
"""Called once per message after its future resolved; a coroutine function is awaited.

Generic: a send on a ``ChannelT[str, Order]`` takes a ``MessageSentCallback[str, Order]``, so
the callback sees the message's types."""
