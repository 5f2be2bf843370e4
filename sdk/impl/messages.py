"""The concrete messages: what was sent, what was received, and where it landed.

msgspec Structs: they are built per message on the hot path, and a Struct is built in C. Those
that hold only scalars and tuples of them are ``gc=False``: they can be in no cycle, so the
garbage collector need not track them, nor count them towards its next collection (an
untracked Struct made with ``gc=True`` still counts, and a buffer holds thousands).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Generic, cast

import msgspec

from sdk.types._vars import KT, VT
from sdk.types.codecs import CodecArg
from sdk.types.messages import TP, Headers, HeadersArg, MessageSentCallback

if TYPE_CHECKING:
    from sdk.types.channels import ChannelT


class RecordMetadata(msgspec.Struct, frozen=True, gc=False):
    """Implements ``sdk.types.RecordMetadata``."""

    topic: str
    partition: int
    offset: int
    timestamp: float
    timestamp_type: int

    @property
    def topic_partition(self) -> TP:
        return TP(self.topic, self.partition)


class Message(msgspec.Struct, frozen=True, gc=False):
    """Implements ``sdk.types.Message``: bytes as the transport carried them."""

    topic: str
    partition: int
    offset: int
    timestamp: float
    timestamp_type: int
    headers: Headers
    key: bytes | None = None
    value: bytes | None = None

    @property
    def tp(self) -> TP:
        return TP(self.topic, self.partition)


IN_MEMORY: Final = "<in-memory>"
"""The topic name in an in-memory channel's messages and metadata: it has no real one."""
_IN_MEMORY_TP: Final = TP(IN_MEMORY, 0)


class InMemoryMessage(msgspec.Struct, frozen=True, gc=False):
    """Implements ``sdk.types.Message`` and ``RecordMetadata`` for an in-memory channel.

    Nothing is serialized, so it carries no bytes, and where it landed is what was received.
    Only what differs between messages is stored: it is made once per event sent.
    """

    offset: int
    timestamp: float
    timestamp_type: int
    headers: Headers

    @property
    def topic(self) -> str:
        return IN_MEMORY

    @property
    def partition(self) -> int:
        return 0

    @property
    def key(self) -> None:
        return None

    @property
    def value(self) -> None:
        return None

    @property
    def tp(self) -> TP:
        return _IN_MEMORY_TP

    @property
    def topic_partition(self) -> TP:
        return _IN_MEMORY_TP


class PendingMessage(msgspec.Struct, Generic[KT, VT], frozen=True, kw_only=True):
    """Implements ``sdk.types.PendingMessage``: made from ``SendArgs`` in one C call."""

    channel: ChannelT[Any, Any]
    value: VT
    key: KT | None = None
    partition: int | None = None
    timestamp: float | None = None
    headers: Headers = ()
    key_serializer: CodecArg = None
    value_serializer: CodecArg = None
    callback: MessageSentCallback[Any, Any] | None = None


def headers_from(headers: HeadersArg) -> Headers:
    """Headers as a tuple of ``(str, bytes)`` pairs, checked: nothing of the caller's is kept."""
    if headers is None:
        return ()
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    copied: list[tuple[str, bytes]] = []
    for pair in pairs:
        name, value = cast("tuple[object, object]", pair)  # callers err: checked below
        if not isinstance(name, str) or not isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError(
                f"a header is a (str, bytes) pair; got ({type(name).__name__}, "
                f"{type(value).__name__}) for {name!r}"
            )
        copied.append((str(name), bytes(cast("bytes | bytearray", value))))
    return tuple(copied)
