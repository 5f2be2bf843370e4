"""Codecs: round trips, composition, refusals, the registry and its entry points."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime
import decimal
import enum
import math
import sys
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, TypedDict

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdk import codecs, errors
from sdk.errors import DecodeError, EncodeError, SDKError, UnknownCodecError
from sdk.impl.codecs import Registry, codec_name, is_record
from sdk.testing.strategies import (
    Sample,
    any_values,
    json_values,
    msgpack_values,
    records_of_every_kind,
    samples,
)
from sdk.types import CodecT, TypedCodecT
from sdk.types.codecs import TypedEncoderT

SHIPPED = ["raw", "json", "msgpack", "binary"]


def same(a: object, b: object) -> bool:
    """Equality that holds for NaN and tells 1 from 1.0 and True: a codec must not mix them."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


@given(json_values())
def test_json_round_trips_every_json_value(value: object) -> None:
    json = codecs.get_codec("json")
    assert same(json.loads(json.dumps(value)), value)


@given(msgpack_values())
def test_msgpack_round_trips_every_msgpack_value(value: object) -> None:
    msgpack = codecs.get_codec("msgpack")
    assert same(msgpack.loads(msgpack.dumps(value)), value)


@given(st.binary())
def test_raw_and_binary_round_trip_bytes(value: bytes) -> None:
    for name in ("raw", "binary", "raw|binary", "binary|binary"):
        codec = codecs.get_codec(name)
        assert codec.loads(codec.dumps(value)) == value, name


@given(st.text())
def test_raw_carries_str_as_utf8(value: str) -> None:
    raw = codecs.get_codec("raw")
    assert raw.dumps(value) == value.encode()
    assert isinstance(raw, TypedCodecT)
    assert raw.decoder(str)(raw.dumps(value)) == value


@given(json_values(), msgpack_values())
def test_composites_round_trip(json_value: object, msgpack_value: object) -> None:
    for name, value in [
        ("json|binary", json_value),
        ("json|binary|binary", json_value),
        ("msgpack|binary", msgpack_value),
    ]:
        codec = codecs.get_codec(name)
        assert same(codec.loads(codec.dumps(value)), value), name


@given(samples())
def test_typed_structs_round_trip_through_every_structured_codec(sample: Sample) -> None:
    for name in ("json", "msgpack", "json|binary", "msgpack|binary"):
        codec = codecs.get_codec(name)
        assert isinstance(codec, TypedCodecT)
        assert codec.decoder(Sample)(codec.dumps(sample)) == sample, name


@dataclasses.dataclass
class Point:
    x: int
    y: float


class Pair(NamedTuple):
    left: str
    right: bytes


class Movie(TypedDict):
    title: str
    year: int


@pytest.mark.parametrize("name", ["json", "msgpack"])
@pytest.mark.parametrize(
    ("type_", "value"),
    [
        (Point, Point(1, 2.5)),
        (Pair, Pair("a", b"\x00\xff")),
        (Movie, Movie(title="Ikiru", year=1952)),
        (int, 2**63 - 1),
        (str, "ünïcødé"),
        (bytes, b"\x00\x01"),
        (tuple[int, str], (1, "a")),
        (dict[int, str], {1: "a", 2: "b"}),
        (int | str, "either"),
        (Sample | None, None),
    ],
)
def test_typed_decoding_gives_back_the_declared_type(
    name: str, type_: object, value: object
) -> None:
    codec = codecs.get_codec(name)
    assert isinstance(codec, TypedCodecT)
    assert isinstance(codec, TypedEncoderT)
    encode = codec.encoder(type_)  # type: ignore[arg-type]  # type forms
    decoded = codec.decoder(type_)(encode(value))  # type: ignore[arg-type]  # type forms
    assert decoded == value
    assert type(decoded) is type(value)


@given(st.binary())
def test_loads_of_arbitrary_bytes_raises_only_sdk_errors(data: bytes) -> None:
    for name in [*SHIPPED, "json|binary", "msgpack|binary"]:
        codec = codecs.get_codec(name)
        for decode in (codec.loads, _typed(codec, Sample), _typed(codec, int)):
            with contextlib.suppress(SDKError):
                decode(data)


def _typed(codec: CodecT, type_: type[object]) -> object:
    assert isinstance(codec, TypedCodecT)
    return codec.decoder(type_)


@given(json_values())
def test_composition_dumps_first_then_second_and_loads_back_the_other_way(value: object) -> None:
    json, binary = codecs.get_codec("json"), codecs.get_codec("binary")
    both = json | binary
    assert both.dumps(value) == binary.dumps(json.dumps(value))
    assert same(
        both.loads(both.dumps(value)), json.loads(binary.loads(binary.dumps(json.dumps(value))))
    )
    assert codecs.get_codec("json|binary").dumps(value) == both.dumps(value)
    assert codec_name(both) == "json|binary"


def test_a_composition_whose_inner_codec_gives_no_bytes_says_so() -> None:
    backwards = codecs.get_codec("binary|json")  # json.loads gives str, binary.loads needs bytes
    with pytest.raises(DecodeError, match=r"'json' gave str, but 'binary' needs bytes"):
        backwards.loads(b'"WVdKag=="')  # what json wrote for binary's bytes before it refused them
    with pytest.raises(EncodeError, match="JSON gives bytes back as a str"):
        backwards.dumps(b"abc")


def test_unknown_codec_names_what_is_registered() -> None:
    with pytest.raises(UnknownCodecError, match=r"unknown codec 'jsn'.*binary, json, msgpack, raw"):
        codecs.get_codec("jsn|binary")


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, {"a": [1.0, math.nan]}])
def test_json_refuses_what_it_would_write_as_null(value: object) -> None:
    with pytest.raises(EncodeError, match="JSON cannot carry NaN or infinity"):
        codecs.dumps("json", value)


def test_json_names_where_the_nan_was() -> None:
    with pytest.raises(EncodeError, match=r"at `\$\.a\[1\]`"):
        codecs.dumps("json", {"a": [1.0, math.nan]})


def test_json_still_writes_a_real_null() -> None:
    assert codecs.dumps("json", {"a": None}) == b'{"a":null}'


@pytest.mark.parametrize("value", [2**64, -(2**63) - 1])
def test_msgpack_refuses_integers_beyond_64_bits(value: int) -> None:
    with pytest.raises(EncodeError, match="msgpack"):
        codecs.dumps("msgpack", value)


@pytest.mark.parametrize(("name", "value"), [("raw", 1), ("binary", "text"), ("json", object())])
def test_a_value_the_format_cannot_carry_is_refused(name: str, value: object) -> None:
    with pytest.raises(EncodeError, match=f"cannot encode data with codec '{name}'"):
        codecs.dumps(name, value)


def test_decode_errors_name_the_codec_the_type_and_the_field() -> None:
    json = codecs.get_codec("json")
    assert isinstance(json, TypedCodecT)
    data = b'{"id": "seven", "name": "x", "price": 1.0, "tags": [], "lines": []}'
    with pytest.raises(DecodeError) as caught:
        json.decoder(Sample)(data)
    message = str(caught.value)
    assert "'json'" in message
    assert "Sample" in message
    assert "$.id" in message


def test_pickle_is_not_a_codec() -> None:
    with pytest.raises(UnknownCodecError):
        codecs.get_codec("pickle")


class Upper:
    """A third-party codec: structural, no base class."""

    def dumps(self, obj: object) -> bytes:
        return str(obj).upper().encode()

    def loads(self, data: bytes) -> str:
        return data.decode()

    def __or__(self, other: CodecT) -> CodecT:
        return codecs.Composite(self, other)


def test_register_makes_a_codec_available_by_name_and_in_compositions() -> None:
    registry = Registry({"binary": codecs.Binary()})
    registry.register("upper", Upper())
    assert registry.get("upper|binary").dumps("abc") == b"QUJD"
    with pytest.raises(ValueError, match=r"without '\|'"):
        registry.register("a|b", Upper())


def test_entry_point_codecs_load_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "shouting.py").write_text(
        textwrap.dedent(
            """
            class Shout:
                def dumps(self, obj):
                    return str(obj).upper().encode()
                def loads(self, data):
                    return data.decode()
                def __or__(self, other):
                    raise NotImplementedError
            """
        )
    )
    info = tmp_path / "shouting-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: shouting\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[sdk.codecs]\nshout = shouting:Shout\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = Registry({})
    assert registry.get("shout").dumps("hi") == b"HI"
    monkeypatch.delitem(sys.modules, "shouting")


def test_an_entry_point_that_is_not_a_codec_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "notacodec.py").write_text("THING = 42\n")
    info = tmp_path / "notacodec-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: notacodec\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[sdk.codecs]\nthing = notacodec:THING\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(TypeError, match=r"entry point 'thing' \(notacodec:THING\).*is not a codec"):
        Registry({}).get("thing")
    monkeypatch.delitem(sys.modules, "notacodec")


def test_msgspec_values_survive_the_module_helpers() -> None:
    assert codecs.loads("msgpack", codecs.dumps("msgpack", {"a": b"x"})) == {"a": b"x"}
    assert codecs.loads(None, codecs.dumps(None, [1, "a"])) == [1, "a"]
    assert msgspec.json.decode(codecs.dumps("json", Sample(1, "n", 1.0, [], []))) == {
        "id": 1,
        "name": "n",
        "price": 1.0,
        "tags": [],
        "lines": [],
        "note": None,
        "blob": "",
    }


# Untyped, a codec gives back what it was given or refuses it: never something else.

EVERY_VALUE_STRATEGY = st.one_of(json_values(), msgpack_values(), samples(), any_values())


def attempt(encode: Callable[[Any], bytes | None], value: object) -> bytes | EncodeError | None:
    """What ``encode`` gave, or the EncodeError it refused with."""
    try:
        return encode(value)
    except EncodeError as exc:
        return exc


def assert_names_a_path(refusal: EncodeError) -> None:
    assert refusal.path is not None
    assert refusal.path.startswith("$")
    assert f"(at `{refusal.path}`)" in str(refusal)


@given(EVERY_VALUE_STRATEGY)
def test_untyped_codecs_give_back_exactly_or_refuse_naming_a_path(value: object) -> None:
    for name in ("json", "msgpack", "json|binary", "msgpack|binary"):
        codec = codecs.get_codec(name)
        assert isinstance(codec, TypedEncoderT)
        assert isinstance(codec, TypedCodecT)
        for untyped in (codec.dumps, codec.encoder(Any)):
            data = attempt(untyped, value)
            if isinstance(data, EncodeError):
                assert_names_a_path(data)
                continue
            assert isinstance(data, bytes)
            if untyped == codec.dumps and is_record(type(value)):  # for a decoder of its class
                assert codec.decoder(type(value))(data) == value, name
                continue
            assert not is_record(type(value)), f"{name}: encoder(Any) took a record"
            assert same(codec.loads(data), value), name


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 2


UTC = datetime.timezone.utc
PLUS_TWO = datetime.timezone(datetime.timedelta(hours=2))


@pytest.mark.parametrize(
    ("value", "path", "why"),
    [
        ({"tags": {"a", "b"}}, "$.tags", "JSON gives a set back as a list"),
        ([frozenset({1})], "$[0]", "JSON gives a frozenset back as a list"),
        (b"\xff", "$", "JSON gives bytes back as a str"),
        ({"blob": bytearray(b"x")}, "$.blob", "JSON gives a bytearray back as a str"),
        ({"pair": (1, "a")}, "$.pair", "JSON gives a tuple back as a list"),
        ({"counts": {1: "a"}}, "$.counts", "JSON gives the dict key 1 (an int) back as a str"),
        ([{"x": 1}, {"when": datetime.datetime(2020, 1, 1)}], "$[1].when", "a datetime"),
        ({"day": datetime.date(2020, 1, 1)}, "$.day", "JSON gives a date back as a str"),
        ({"at": datetime.time(1, 2)}, "$.at", "JSON gives a time back as a str"),
        ({"id": uuid.UUID(int=1)}, "$.id", "JSON gives a UUID back as a str"),
        ({"sum": decimal.Decimal("1.10")}, "$.sum", "JSON gives a Decimal back as a str"),
        ({"c": Colour.RED}, "$.c", "JSON gives the enum member Colour.RED back as a str"),
        ({"l": Level.HIGH}, "$.l", "JSON gives the enum member Level.HIGH back as an int"),
        (collections.OrderedDict(a=1), "$", "JSON gives an OrderedDict back as a dict"),
        ({"a b": {"c": [1, {2}]}}, '$["a b"].c[1]', "JSON gives a set back as a list"),
    ],
)
def test_untyped_json_refuses_what_it_would_give_back_as_something_else(
    value: object, path: str, why: str
) -> None:
    with pytest.raises(EncodeError) as caught:
        codecs.dumps("json", value)
    error = caught.value
    assert (error.path, error.untyped, error.codec, error.part) == (path, True, "json", "data")
    assert why in error.reason
    assert str(error).startswith("cannot encode data with codec 'json': ")
    assert f"(at `{path}`); a declared type carries it" in str(error)


@pytest.mark.parametrize(
    ("value", "path", "why"),
    [
        ({"tags": {"a"}}, "$.tags", "MessagePack gives a set back as a list"),
        ([(1, 2)], "$[0]", "MessagePack gives a tuple back as a list"),
        ({"b": bytearray(b"x")}, "$.b", "MessagePack gives a bytearray back as bytes"),
        ({"when": datetime.datetime(2020, 1, 1)}, "$.when", "a datetime back as a str"),
        ({"when": datetime.datetime(2020, 1, 1, tzinfo=PLUS_TWO)}, "$.when", "in UTC"),
        ({"id": uuid.UUID(int=1)}, "$.id", "MessagePack gives a UUID back as a str"),
        ({frozenset({1}): 1}, "$", "the dict key frozenset({1}) (a frozenset) back as a tuple"),
        ({"l": Level.HIGH}, "$.l", "the enum member Level.HIGH back as an int"),
        ({"n": [2**64]}, "$.n[0]", "can't serialize ints"),
    ],
)
def test_untyped_msgpack_refuses_what_it_would_give_back_as_something_else(
    value: object, path: str, why: str
) -> None:
    with pytest.raises(EncodeError) as caught:
        codecs.dumps("msgpack", value)
    assert caught.value.path == path
    assert why in caught.value.reason


@pytest.mark.parametrize(
    "value",
    [
        {"b": b"\x00\xff", 1: [None, 1.5, math.nan, -math.inf]},
        {(1, b"k", None): "tuple keys come back as tuples"},
        [datetime.datetime(2020, 1, 1, 12, 30, 1, 5, tzinfo=UTC)],
        {datetime.datetime(1970, 1, 1, tzinfo=UTC): msgspec.msgpack.Ext(1, b"x")},
    ],
)
def test_msgpack_carries_bytes_int_keys_tuple_keys_utc_datetimes_and_ext(value: object) -> None:
    msgpack = codecs.get_codec("msgpack")
    assert same(msgpack.loads(msgpack.dumps(value)), value)


def test_a_tuple_or_a_record_is_carried_by_a_declared_type() -> None:
    json = codecs.get_codec("json")
    assert isinstance(json, TypedEncoderT)
    assert isinstance(json, TypedCodecT)
    pair = json.encoder(tuple[int, str])((1, "a"))
    assert json.decoder(tuple[int, str])(pair) == (1, "a")
    with pytest.raises(EncodeError, match=r"the record Point back as a dict \(at `\$`\)"):
        json.encoder(Any)(Point(1, 2.0))
    with pytest.raises(EncodeError, match=r"at `\$\[0\]`"):
        json.encoder(object)([Pair("a", b"")])
    assert json.decoder(Point)(json.dumps(Point(1, 2.0))) == Point(1, 2.0)


@given(records_of_every_kind())
def test_records_whose_fields_untyped_json_would_alter_come_back_through_their_class(
    record: object,
) -> None:
    for name in ("json", "msgpack", "json|binary"):
        codec = codecs.get_codec(name)
        assert isinstance(codec, TypedCodecT)
        assert isinstance(codec, TypedEncoderT)
        kind = type(record)
        assert codec.decoder(kind)(codec.dumps(record)) == record, name
        assert codec.decoder(kind)(codec.encoder(kind)(record)) == record, name


class Readings(msgspec.Struct):
    values: list[float]


def test_a_nan_inside_a_record_is_still_refused() -> None:
    json = codecs.get_codec("json")
    assert isinstance(json, TypedEncoderT)
    for encode in (json.dumps, json.encoder(Point), json.encoder(Readings)):
        with pytest.raises(EncodeError, match=r"NaN or infinity \(at `\$\.y`\)"):
            encode(Point(1, math.nan))
        with pytest.raises(EncodeError, match=r"NaN or infinity \(at `\$\.values\[1\]`\)"):
            encode(Readings([1.0, math.inf]))


def test_raw_and_binary_alter_only_what_they_document() -> None:
    raw, binary = codecs.get_codec("raw"), codecs.get_codec("binary")
    assert raw.loads(raw.dumps("é")) == "é".encode()  # a str is carried as its UTF-8 bytes
    for codec in (raw, binary):
        assert codec.loads(codec.dumps(bytearray(b"ab"))) == b"ab"  # bytes-like, as bytes
        assert codec.loads(codec.dumps(memoryview(b"ab"))) == b"ab"
        for other in ({b"a"}, [b"a"], 1):
            with pytest.raises(EncodeError):
                codec.dumps(other)


def test_an_encode_error_says_where_once_located() -> None:
    with pytest.raises(EncodeError) as caught:
        codecs.dumps("json", {"tags": {"a"}})
    error = caught.value
    error.locate("topic 'orders'")
    assert error.where == "topic 'orders'"
    assert str(error) == (
        "cannot encode data for topic 'orders' with codec 'json': "
        "JSON gives a set back as a list (at `$.tags`); "
        "a declared type carries it (a schema's type, or codec.encoder(type_))"
    )


@pytest.mark.parametrize("depth", [990, 5000])
def test_too_deep_a_value_is_refused_not_crashed_on(depth: int) -> None:
    deep: list[object] = []
    for _ in range(depth):
        deep = [deep]
    for name in ("json", "msgpack"):
        codec = codecs.get_codec(name)
        assert isinstance(codec, TypedEncoderT)
        for encode in (codec.dumps, codec.encoder(Any)):
            with pytest.raises(EncodeError, match="nested too deeply"):
                encode(deep)


def test_an_encode_error_names_part_path_and_where_once_located() -> None:
    error = EncodeError("a reason", codec="json", path="$.tags", untyped=True)
    assert str(error) == (
        "cannot encode data with codec 'json': a reason (at `$.tags`); "
        "a declared type carries it (a schema's type, or codec.encoder(type_))"
    )
    error.locate("topic 'orders'")
    assert error.where == "topic 'orders'"
    assert str(error).startswith("cannot encode data for topic 'orders' with codec 'json': ")
    assert str(errors.ValueEncodeError("got int", codec="json", type_=int)) == (
        "cannot encode value with codec 'json' as int: got int"
    )
    keyed = errors.KeyEncodeError("r", codec="raw", path="$", untyped=True)
    assert (
        str(keyed) == "cannot encode key with codec 'raw': r (at `$`); declare key_type to carry it"
    )
    assert isinstance(keyed, EncodeError)
