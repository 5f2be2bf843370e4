"""The concrete messages: what was sent, what was received, and where it landed.

msgspec Structs: they are built per message on the hot path, and a Struct is built in C.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic

import msgspec

from sdk.types._vars import KT, VT
from sdk.types.codecs import CodecArg
from sdk.types.tuples import TP, Headers, MessageSentCallback

if TYPE_CHECKING:
    from sdk.types.channels import ChannelT


class RecordMetadata(msgspec.Struct, frozen=True):
    """Implements ``sdk.types.RecordMetadata``."""

    topic: str
    partition: int
    offset: int
    timestamp: float
    timestamp_type: int

    @property
    def topic_partition(self) -> TP:
        return TP(self.topic, self.partition)


class Message(msgspec.Struct, frozen=True):
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


class PendingMessage(msgspec.Struct, Generic[KT, VT], frozen=True):
    """Implements ``sdk.types.PendingMessage``."""

    channel: ChannelT[Any, Any]
    key: KT | None
    value: VT
    partition: int | None
    timestamp: float | None
    headers: Headers
    key_serializer: CodecArg
    value_serializer: CodecArg
    callback: MessageSentCallback | None
