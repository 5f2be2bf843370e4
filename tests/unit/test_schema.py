"""Schema: typed keys and values, tombstones, and errors that say what and where."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given

from sdk import Schema
from sdk.errors import EncodeError, KeyDecodeError, ValueDecodeError
from sdk.impl.channel import Channel
from sdk.impl.messages import Message
from sdk.testing.strategies import Sample, samples


class Order(msgspec.Struct):
    id: int
    amount: float


@given(samples())
def test_typed_values_round_trip_through_the_schema(sample: Sample) -> None:
    for serializer in ("json", "msgpack", "json|binary"):
        schema: Schema[str, Sample] = Schema(
            key_type=str, value_type=Sample, value_serializer=serializer
        )
        assert schema.loads_value(schema.dumps_value(sample)) == sample
        assert schema.loads_key(schema.dumps_key("k")) == "k"


def test_keys_default_to_raw_and_values_to_json() -> None:
    schema: Schema[str, Order] = Schema(key_type=str, value_type=Order)
    assert schema.dumps_key("k") == b"k"
    assert schema.dumps_value(Order(1, 2.5)) == b'{"id":1,"amount":2.5}'


def test_none_is_a_tombstone_where_the_value_type_admits_none() -> None:
    for schema in (
        Schema(value_type=Order | None),  # type: ignore[arg-type]  # a union is no type[T]
        Schema(value_type=Order, allow_empty=True),
        Schema(),
    ):
        assert schema.dumps_value(None) is None
        assert schema.loads_value(None) is None


def test_none_is_refused_where_the_value_type_has_no_none() -> None:
    schema: Schema[None, Order] = Schema(value_type=Order)
    with pytest.raises(EncodeError, match=r"tombstone.*Optional or set allow_empty=True"):
        schema.dumps_value(None)  # type: ignore[arg-type]
    with pytest.raises(ValueDecodeError, match="cannot decode value with codec 'json' as Order"):
        schema.loads_value(None)


def test_a_value_of_another_type_is_refused_before_it_is_sent() -> None:
    schema: Schema[None, Order] = Schema(value_type=Order)
    with pytest.raises(EncodeError, match="as Order: got int"):
        schema.dumps_value(7)  # type: ignore[arg-type]


def test_an_int_is_a_float() -> None:
    schema: Schema[None, float] = Schema(value_type=float)
    assert schema.loads_value(schema.dumps_value(3)) == 3.0


def test_key_and_value_errors_are_told_apart() -> None:
    schema: Schema[int, Order] = Schema(key_type=int, key_serializer="json", value_type=Order)
    with pytest.raises(KeyDecodeError, match="cannot decode key with codec 'json' as int"):
        schema.loads_key(b'"seven"')
    with pytest.raises(ValueDecodeError, match=r"as Order: .*\$\.amount"):
        schema.loads_value(b'{"id": 1, "amount": "lots"}')


def test_raw_keys_decode_to_str() -> None:
    schema: Schema[str, None] = Schema(key_type=str)
    assert schema.loads_key(b"caf\xc3\xa9") == "café"
    with pytest.raises(KeyDecodeError, match="codec 'raw' as str"):
        schema.loads_key(b"\xff")


def test_replace_copies_and_never_mutates() -> None:
    schema: Schema[str, Order] = Schema(key_type=str, value_type=Order)
    other = schema.replace(value_serializer="msgpack", allow_empty=True)
    assert (schema.value_serializer, schema.allow_empty) == ("json", False)
    assert (other.value_serializer, other.allow_empty) == ("msgpack", True)
    assert other.value_type is Order


def test_a_decode_error_from_a_message_names_topic_partition_and_offset() -> None:
    channel: Channel[str, Order] = Channel(key_type=str, value_type=Order)
    message = Message("orders", 3, 41, 0.0, 0, (), b"k", b'{"id": 1}')
    with pytest.raises(ValueDecodeError) as caught:
        channel.decode(message)
    error = caught.value
    assert (error.topic, error.partition, error.offset) == ("orders", 3, 41)
    assert str(error).startswith(
        "cannot decode value of topic 'orders' partition 3 offset 41 with codec 'json' as Order:"
    )
    assert "missing required field `amount`" in str(error)


def test_decode_keeps_a_message_that_decodes() -> None:
    channel: Channel[str, Order] = Channel(key_type=str, value_type=Order)
    message = Message("orders", 0, 0, 0.0, 0, (("h", b"1"),), b"k", b'{"id": 1, "amount": 2}')
    event = channel.decode(message)
    assert (event.key, event.value, event.headers) == ("k", Order(1, 2.0), (("h", b"1"),))
    assert event.message is message
