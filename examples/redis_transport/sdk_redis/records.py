"""How the SDK's records, topics and groups are laid out in Redis: key names and entry fields.

A partition is one stream, ``sdk:log:<topic>:<partition>``, whose entries have the IDs
``0-1, 0-2, ...`` (``XADD key 0-* ...``): the offset of an entry is its sequence number less one,
so reading from an offset is reading after the ID ``0-<offset>``. An entry's fields hold what a
Kafka record holds; a field that is missing is ``None``, so a tombstone differs from ``b""``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import msgspec
from redis.typing import EncodableT, FieldT

from sdk.transports import CREATE_TIME, TP, Headers, Message, TransportError

PREFIX: Final = "sdk:"
TOPICS: Final = PREFIX + "topics"
"""A hash: topic name -> its partition count. A topic exists once it has a field here."""

TIMESTAMP: Final = b"ts"
KEY: Final = b"key"
VALUE: Final = b"value"
HEADERS: Final = b"headers"
"""msgpack of the ``(name, value)`` pairs, in order, duplicates kept; absent when empty."""

_headers_decoder: Final = msgspec.msgpack.Decoder(tuple[tuple[str, bytes], ...])
_headers_encoder: Final = msgspec.msgpack.Encoder()


class RedisTransportError(TransportError):
    """Redis failed the SDK, or holds what the SDK did not write; the message says where.

    Raised where none of the SDK's own ``TransportError`` subclasses says it better: a send
    fails with ``SendError``, a refused commit is a ``CommitError``, a failed fetch a
    ``FetchError``.
    """


def stream_key(topic: str, partition: int) -> str:
    return f"{PREFIX}log:{topic}:{partition}"


def config_key(topic: str) -> str:
    """A hash of the topic's config, as it was created (kept, not enforced)."""
    return f"{PREFIX}config:{topic}"


def group_key(group_id: str, part: str) -> str:
    """``members`` (sorted set: member -> expiry), ``subs``, ``owners`` or ``offsets`` (hashes)."""
    return f"{PREFIX}group:{group_id}:{part}"


def tp_field(tp: TP) -> str:
    """A partition as a hash field: the number first, so any topic name splits back whole."""
    return f"{tp.partition}:{tp.topic}"


def tp_from_field(field: bytes | str) -> TP:
    text = field.decode() if isinstance(field, bytes) else field
    partition, _, topic = text.partition(":")
    return TP(topic, int(partition))


def entry_fields(
    key: bytes | None, value: bytes | None, timestamp: float, headers: Headers
) -> dict[FieldT, EncodableT]:
    """A record as a stream entry's fields; ``repr`` keeps every bit of the timestamp."""
    fields: dict[FieldT, EncodableT] = {TIMESTAMP: repr(float(timestamp)).encode()}
    if key is not None:
        fields[KEY] = key
    if value is not None:
        fields[VALUE] = value
    if headers:
        fields[HEADERS] = _headers_encoder.encode(headers)
    return fields


def offset_of(entry_id: bytes, tp: TP) -> int:
    """The offset an entry ID stands for; an ID the SDK did not make is an error."""
    millis, _, seq = entry_id.partition(b"-")
    if millis != b"0" or not seq.isdigit() or seq == b"0":
        raise RedisTransportError(
            f"{stream_key(*tp)} holds entry {entry_id.decode(errors='replace')!r}, "
            "which the SDK did not write: its entries are 0-1, 0-2, ..."
        )
    return int(seq) - 1


def message_of(tp: TP, entry_id: bytes, fields: Mapping[bytes, bytes]) -> Message:
    """The message an entry holds, checked field by field."""
    offset = offset_of(entry_id, tp)
    where = f"topic {tp.topic!r} partition {tp.partition} offset {offset}"
    stamp = fields.get(TIMESTAMP)
    if stamp is None:
        raise RedisTransportError(f"{where}: the entry has no {TIMESTAMP.decode()!r} field")
    try:
        timestamp = float(stamp)
        headers: Headers = _headers_decoder.decode(fields[HEADERS]) if HEADERS in fields else ()
    except (ValueError, msgspec.DecodeError) as exc:
        raise RedisTransportError(f"{where}: a malformed field: {exc}") from exc
    return Message(
        tp.topic,
        tp.partition,
        offset,
        timestamp,
        CREATE_TIME,
        headers,
        fields.get(KEY),
        fields.get(VALUE),
    )
