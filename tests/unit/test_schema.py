"""Schema: typed keys and values, tombstones, and errors that say what and where."""

from __future__ import annotations

import datetime
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdk import Schema
from sdk.errors import (
    DecodeError,
    EncodeError,
    KeyDecodeError,
    KeyEncodeError,
    ValueDecodeError,
    ValueEncodeError,
)
from sdk.impl.channel import Channel
from sdk.impl.codecs import Json
from sdk.impl.messages import Message
from sdk.testing.strategies import (
    Colour,
    Exotic,
    Level,
    Sample,
    any_values,
    records_of_every_kind,
    samples,
)
from tests.unit.test_codecs import assert_names_a_path, attempt, same


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


# Encoding: a declared type carries what untyped JSON would alter; no type, and it is refused.


@given(records_of_every_kind())
def test_a_declared_type_carries_sets_tuples_bytes_and_datetimes(record: object) -> None:
    for serializer in ("json", "msgpack", "json|binary"):
        schema: Schema[Any, Any] = Schema(value_type=type(record), value_serializer=serializer)
        back = schema.loads_value(schema.dumps_value(record))
        assert back == record
        assert type(back) is type(record)


@pytest.mark.parametrize(
    ("type_", "value"),
    [
        (bytes, b"\xff"),
        (set[str], {"a", "b"}),
        (tuple[int, str], (1, "a")),
        (dict[int, str], {1: "a"}),
        (datetime.datetime, datetime.datetime(2020, 1, 1, 12, 0)),
    ],
)
def test_declared_builtin_types_come_back_as_they_went(type_: Any, value: object) -> None:
    schema: Schema[Any, Any] = Schema(key_type=type_, key_serializer="json", value_type=type_)
    assert schema.loads_value(schema.dumps_value(value)) == value
    assert type(schema.loads_value(schema.dumps_value(value))) is type(value)
    assert schema.loads_key(schema.dumps_key(value)) == value


@given(any_values())
def test_an_untyped_schema_gives_back_exactly_or_refuses_naming_part_and_path(
    value: object,
) -> None:
    for serializer in ("json", "msgpack"):
        schema: Schema[Any, Any] = Schema(key_serializer=serializer, value_serializer=serializer)
        data = attempt(schema.dumps_value, value)
        if isinstance(data, EncodeError):
            assert isinstance(data, ValueEncodeError)
            assert_names_a_path(data)
            assert str(data).startswith(f"cannot encode value with codec {serializer!r}")
        else:
            assert same(schema.loads_value(data), value)
        key = attempt(schema.dumps_key, value)
        if isinstance(key, EncodeError):
            assert isinstance(key, KeyEncodeError)
            assert str(key).startswith(f"cannot encode key with codec {serializer!r}")
        elif value is not None:
            assert same(schema.loads_key(key), value)


def test_an_untyped_value_is_refused_with_part_path_and_where() -> None:
    schema: Schema[str, Any] = Schema()
    with pytest.raises(ValueEncodeError) as caught:
        schema.dumps_value({"id": 1, "tags": {"a"}})
    error = caught.value
    assert isinstance(error, EncodeError)
    assert (error.part, error.path, error.codec, error.untyped) == ("value", "$.tags", "json", True)
    error.locate("topic 'orders'")
    assert str(error) == (
        "cannot encode value for topic 'orders' with codec 'json': "
        "JSON gives a set back as a list (at `$.tags`); declare value_type to carry it"
    )


def test_an_untyped_schema_refuses_a_record_it_would_give_back_as_a_dict() -> None:
    schema: Schema[Any, Any] = Schema()
    with pytest.raises(ValueEncodeError, match=r"the record Order back as a dict \(at `\$`\)"):
        schema.dumps_value(Order(1, 2.0))
    typed: Schema[Any, Order] = Schema(value_type=Order)
    assert typed.loads_value(typed.dumps_value(Order(1, 2.0))) == Order(1, 2.0)


def test_a_key_is_refused_as_a_key() -> None:
    schema: Schema[Any, Any] = Schema(key_serializer="json")
    with pytest.raises(KeyEncodeError) as caught:
        schema.dumps_key((1, 2))
    assert str(caught.value).startswith("cannot encode key with codec 'json': ")
    assert str(caught.value).endswith("(at `$`); declare key_type to carry it")


def test_a_wrong_type_names_the_part_the_codec_the_type_and_where() -> None:
    schema: Schema[str, Order] = Schema(key_type=str, value_type=Order)
    with pytest.raises(ValueEncodeError) as caught:
        schema.dumps_value(7)  # type: ignore[arg-type]  # the wrong type, on purpose
    caught.value.locate("channel Channel[str, Order]")
    assert str(caught.value) == (
        "cannot encode value for channel Channel[str, Order] with codec 'json' as Order: "
        "got int (at `$`)"
    )
    with pytest.raises(KeyEncodeError, match="cannot encode key with codec 'raw' as str: got int"):
        schema.dumps_key(7)  # type: ignore[arg-type]  # the wrong type, on purpose


# check_key / check_value: the check dumps_* make, for channels that never encode.


class CountingJson(Json):
    """JSON that counts its encodes: a check must not encode."""

    name = "counting-json"
    encodes = 0

    def _typed_dumps(self, obj: object) -> bytes:
        CountingJson.encodes += 1
        return super()._typed_dumps(obj)

    def _exact_dumps(self, obj: object) -> bytes:
        CountingJson.encodes += 1
        return super()._exact_dumps(obj)


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        (Schema(value_type=Order), "not an order"),
        (Schema(value_type=Order), None),  # a tombstone, which Order does not admit
        (Schema(value_type=Order | None), 7),  # a union
        (Schema(value_type=float), "1.5"),
        (Schema(value_type=str | int), 1.5),
    ],
)
def test_check_value_raises_the_very_error_dumps_value_raises_without_encoding(
    schema: Schema[Any, Any], value: object
) -> None:
    schema = schema.replace(value_serializer=CountingJson())
    before = CountingJson.encodes
    with pytest.raises(ValueEncodeError) as checked:
        schema.check_value(value)
    assert CountingJson.encodes == before, "check_value encoded"
    with pytest.raises(ValueEncodeError) as dumped:
        schema.dumps_value(value)
    assert str(checked.value) == str(dumped.value)
    assert (checked.value.type, checked.value.path) == (dumped.value.type, dumped.value.path)
    assert CountingJson.encodes == before, "a refused value was encoded"


@pytest.mark.parametrize(("key_type", "key"), [(str, 1), (int, "k"), (bytes, "k")])
def test_check_key_raises_the_very_error_dumps_key_raises(key_type: Any, key: object) -> None:
    schema: Schema[Any, Any] = Schema(key_type=key_type, key_serializer=CountingJson())
    before = CountingJson.encodes
    with pytest.raises(KeyEncodeError) as checked:
        schema.check_key(key)
    with pytest.raises(KeyEncodeError) as dumped:
        schema.dumps_key(key)
    assert str(checked.value) == str(dumped.value)
    expected = f"cannot encode key with codec 'counting-json' as {key_type.__name__}: got "
    assert str(checked.value).startswith(expected)
    assert CountingJson.encodes == before


@given(st.integers(-(2**53), 2**53), st.none() | st.text())  # a float holds these exactly
def test_check_lets_through_what_dumps_encodes(value: int, key: str | None) -> None:
    schemas: list[Schema[Any, Any]] = [
        Schema(key_type=str, value_type=int),
        Schema(key_type=str, value_type=float),  # an int is a float
        Schema(key_type=str, value_type=int | None),  # a union
        Schema(key_serializer="json"),  # untyped (raw would give a str key back as bytes)
    ]
    for schema in schemas:
        schema.check_key(key)
        schema.check_value(value)
        assert schema.loads_value(schema.dumps_value(value)) == value
        assert schema.loads_key(schema.dumps_key(key)) == key
    for schema in schemas[2:]:
        schema.check_value(None)  # a tombstone these admit


def test_check_does_not_refuse_what_only_encoding_would() -> None:
    """A channel hands the object itself to its subscribers: a set needs no declared type."""
    schema: Schema[Any, Any] = Schema()
    schema.check_value({"tags": {"a"}})
    schema.check_key((1, 2))
    with pytest.raises(ValueEncodeError):
        schema.dumps_value({"tags": {"a"}})


def test_a_struct_with_every_altered_kind_of_field_keeps_working_through_a_typed_schema() -> None:
    value = Exotic(
        tags={"a", "b"},
        span=(1, "x"),
        blob=b"\xff",
        counts={1: "one"},
        when=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc),
        day=datetime.date(2020, 1, 1),
        colour=Colour.RED,
        level=Level.HIGH,
    )
    for serializer in ("json", "msgpack"):
        schema: Schema[None, Exotic] = Schema(value_type=Exotic, value_serializer=serializer)
        assert schema.loads_value(schema.dumps_value(value)) == value


class Note(msgspec.Struct):
    id: int
    amount: float
    text: str | None = None


def test_the_schemas_shortcut_to_msgspec_fails_as_the_codec_does() -> None:
    """Shipped codecs give the schema msgspec's own encoder and decoder; what they cannot do,
    or a null in JSON (which may be a NaN), goes back through the codec, so the errors are the
    codec's, as a value error of the declared type."""
    schema: Schema[None, Note] = Schema(value_type=Note)
    assert schema.dumps_value(Note(1, 2.0)) == b'{"id":1,"amount":2.0,"text":null}'  # a real null
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueEncodeError, match=r"NaN or infinity \(at `\$\.amount`\)"):
            schema.dumps_value(Note(1, bad))
    with pytest.raises(
        ValueDecodeError, match=r"as Note: Expected `int`, got `str` - at `\$\.id`"
    ) as e:
        schema.loads_value(b'{"id": "x", "amount": 1}')
    assert type(e.value.__cause__) is DecodeError  # the codec's error, chained
    packed: Schema[None, Note] = Schema(value_type=Note, value_serializer="msgpack")
    with pytest.raises(ValueEncodeError, match=r"can't serialize ints .* \(at `\$\.id`\)"):
        packed.dumps_value(Note(2**70, 1.0))
    with pytest.raises(
        ValueDecodeError, match="codec 'msgpack' as Note: MessagePack data is malformed"
    ):
        packed.loads_value(b"\xc1")
    raw: Schema[None, bytes] = Schema(value_type=bytes, value_serializer="raw")
    data = b"\x00\xff"
    assert raw.loads_value(raw.dumps_value(data)) is data  # no copy, no conversion
