"""The codecs the SDK ships, all on msgspec, and the registry that finds them by name.

``raw`` carries bytes (str as UTF-8), ``json`` and ``msgpack`` carry msgspec's types (Structs,
dataclasses, TypedDicts, containers, ...), ``binary`` wraps bytes in base64. ``a | b`` or
``"a|b"`` composes them. There is no pickle codec: decoding never executes code.

A value is refused rather than altered. Untyped (``dumps``, or ``encoder(Any)`` for a schema
with no declared type), ``json`` and ``msgpack`` refuse what ``loads`` would give back as
something else (a set as a list, bytes as base64 text), naming the path; with a declared type
(``encoder(T)``) they write it, since ``decoder(T)`` gives it back. That check is a walk over
the value's types, paid on the untyped path only.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime
import enum
import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from importlib.metadata import entry_points
from typing import Any, ClassVar, Final, cast

import msgspec

from sdk.errors import DecodeError, EncodeError, UnknownCodecError
from sdk.types._vars import T
from sdk.types.codecs import CodecArg, CodecT, TypedCodecT, TypedEncoderT

ENTRY_POINT_GROUP: Final = "sdk.codecs"

_DECODE_FAILURES = (msgspec.DecodeError, ValueError)
_NON_FINITE: Final = "JSON cannot carry NaN or infinity"
_ENCODE_FAILURES = (TypeError, ValueError, OverflowError, RecursionError, msgspec.EncodeError)
# ``data.partition(b"null")[1]`` says whether JSON holds a null (NaN and infinity are written so):
# partition takes its argument the fast way, a third fewer instructions than find or rfind, and
# ``in`` first tries the argument as an int, raising and clearing a TypeError.


class Codec(ABC):
    """Base of the shipped codecs; implements ``CodecT``, ``TypedCodecT`` and ``TypedEncoderT``.

    Subclasses give ``dumps`` and ``loads``; ``decoder`` converts what ``loads`` returns into
    the type asked for, and codecs that can parse straight into a type override it;
    ``encoder`` is ``dumps``, and codecs whose untyped ``dumps`` refuses what a declared type
    would carry override it.
    """

    name: str

    @abstractmethod
    def dumps(self, obj: object) -> bytes: ...

    @abstractmethod
    def loads(self, data: bytes) -> object: ...

    def decoder(self, type_: type[T]) -> Callable[[bytes], T]:
        def decode(data: bytes) -> T:
            return convert(self.loads(data), type_, self.name)

        return decode

    def encoder(self, type_: type[T]) -> Callable[[T], bytes]:
        """``dumps``, for a codec whose format carries values the same typed or not."""
        return self.dumps

    # For ``Schema``, which encodes and decodes every message: the library's own functions
    # where a codec has them, so that a message costs no call of this codec's in between.
    # They may raise ``failures`` (the library's errors) and write ``suspect``; either way the
    # schema calls ``encoder`` or ``decoder``, which say what went wrong as the SDK's errors.

    failures: ClassVar[tuple[type[Exception], ...]] = ()
    """What ``fast_encoder`` and ``fast_decoder`` raise besides the SDK's errors."""

    def fast_encoder(self, type_: type[T]) -> tuple[Callable[[T], bytes], bytes | None]:
        """An encoder for values of ``type_`` (only those: the schema checks), and a byte
        string that, found in what it wrote, means ``encoder(type_)`` must look again."""
        return self.encoder(type_), None

    def fast_decoder(self, type_: type[T]) -> Callable[[bytes], T]:
        """A decoder into ``type_`` that may raise ``failures``."""
        return self.decoder(type_)

    def __or__(self, other: CodecT) -> CodecT:
        return Composite(self, other)

    def __repr__(self) -> str:
        return f"<codec {self.name!r}>"


class Raw(Codec):
    """Bytes as they are; str as UTF-8.

    What it alters is its documented use: a str comes back as its UTF-8 bytes (``decoder(str)``
    gives the str), a bytearray or memoryview as bytes. Everything else is refused.
    """

    name = "raw"

    def dumps(self, obj: object) -> bytes:
        if isinstance(obj, bytes):
            return obj
        if isinstance(obj, (bytearray, memoryview)):
            return bytes(cast("bytearray", obj))
        if isinstance(obj, str):
            return obj.encode()
        raise EncodeError(
            f"raw carries bytes and str only, got {type(obj).__name__}", codec=self.name
        )

    def loads(self, data: bytes) -> bytes:
        return bytes(data)

    def decoder(self, type_: type[T]) -> Callable[[bytes], T]:
        if type_ is str:
            return self._utf8  # type: ignore[return-value]  # T is str on this branch
        if type_ is bytes:  # what loads gives: no conversion to validate it
            return self.loads  # type: ignore[return-value]  # T is bytes on this branch
        return super().decoder(type_)

    def fast_encoder(self, type_: type[T]) -> tuple[Callable[[T], bytes], bytes | None]:
        if type_ is bytes:  # a bytes value is its own encoding (bytes() of one is that one)
            return cast("Callable[[T], bytes]", bytes), None
        return super().fast_encoder(type_)

    def fast_decoder(self, type_: type[T]) -> Callable[[bytes], T]:
        if type_ is bytes:
            return bytes  # type: ignore[return-value]  # T is bytes on this branch
        return super().fast_decoder(type_)

    def _utf8(self, data: bytes) -> str:
        try:
            return data.decode()
        except UnicodeDecodeError as exc:
            raise DecodeError(str(exc), codec=self.name, type_=str) from exc


_Refusal = tuple[str, str, bool]
"""Where in a value (``$.tags``), why it was refused, and whether only for want of a type."""


class _Untyped:
    """What one format's untyped ``loads`` gives back as it was sent, and why the rest is not.

    ``plain`` is the fast check, on every untyped encode: true only for values made of the
    format's own types, each exactly (no subclass), in lists and dicts with keys it carries.
    ``refusal`` is the slow one, run when ``plain`` says no: it finds where and why, or
    nothing (a record it was told to accept, a tuple key MessagePack gives back, a datetime in
    UTC).
    """

    def __init__(
        self,
        fmt: str,
        encode: Callable[[object], bytes],
        decode: Callable[[bytes], object],
        *,
        leaves: tuple[type, ...],
        keys: tuple[type, ...],
        finite: bool = False,
        tuple_keys: bool = False,
        utc_datetimes: bool = False,
    ) -> None:
        self.fmt = fmt
        self._encode = encode
        self._decode = decode
        self._leaves = frozenset(leaves)
        self._keys = frozenset(keys)
        self._finite = finite
        self._tuple_keys = tuple_keys
        self._utc_datetimes = utc_datetimes
        self.plain = _plain_check(self._leaves, self._keys)

    def refusal(self, obj: object, path: str, records: bool) -> _Refusal | None:
        kind = type(obj)
        if kind in self._leaves:
            if self._finite and kind is float and not math.isfinite(cast(float, obj)):
                return path, _NON_FINITE, False
            return None
        if kind is dict:
            for key, item in cast("dict[object, object]", obj).items():
                if not self._key_ok(key):
                    back = next(iter(cast("dict[object, object]", self._back({key: None}))))
                    kinds = f"({_noun(key)}) back as {_noun(back)}"
                    return path, f"{self.fmt} gives the dict key {key!r} {kinds}", True
                found = self.refusal(item, path + _segment(key), records)
                if found is not None:
                    return found
            return None
        if kind is list:
            for index, item in enumerate(cast("list[object]", obj)):
                found = self.refusal(item, f"{path}[{index}]", records)
                if found is not None:
                    return found
            return None
        if is_record(kind):
            if records:
                return None
        elif kind is datetime.datetime and self._utc_datetimes:
            zone = cast(datetime.datetime, obj).tzinfo
            if zone is datetime.timezone.utc:
                return None
            if zone is not None:
                why = f"{self.fmt} carries datetimes in UTC: the zone of {obj} would be lost"
                return path, why, False  # typed too: a declared type would not keep it
        return path, f"{self.fmt} gives {_noun(obj)} back as {_noun(self._back(obj))}", True

    def _key_ok(self, key: object) -> bool:
        kind = type(key)
        if kind in self._keys:
            return True
        if kind is tuple and self._tuple_keys:
            return all(map(self._key_ok, cast("tuple[object, ...]", key)))
        return (
            kind is datetime.datetime
            and self._utc_datetimes
            and cast(datetime.datetime, key).tzinfo is datetime.timezone.utc
        )

    def _back(self, obj: object) -> object:
        """What untyped decoding gives for ``obj``."""
        return self._decode(self._encode(obj))


def _plain_check(leaves: frozenset[type], keys: frozenset[type]) -> Callable[[object], bool]:
    """The fast exactness check: one pass, types compared by identity, no path kept.

    A list of scalars alone is checked in C (a set of its types); measured faster than
    ``all(map(...))`` and than building sets for dicts, whose values are mostly mixed.
    """

    def plain(obj: object) -> bool:
        kind = type(obj)
        if kind is dict:
            for key, item in cast("dict[object, object]", obj).items():
                if type(key) not in keys:
                    return False
                kind = type(item)
                if kind in leaves or ((kind is dict or kind is list) and plain(item)):
                    continue
                return False
            return True
        if kind is list:
            items = cast("list[object]", obj)
            if set(map(type, items)) <= leaves:
                return True
            for item in items:
                kind = type(item)
                if kind in leaves or ((kind is dict or kind is list) and plain(item)):
                    continue
                return False
            return True
        return kind in leaves

    return plain


def is_record(kind: type) -> bool:
    """Whether ``kind`` is a Struct, dataclass, attrs class or NamedTuple.

    Classes that declare their fields' types: ``dumps`` writes one for ``decoder(kind)``.
    """
    cls: object = kind
    if hasattr(cls, "__struct_fields__") and issubclass(kind, msgspec.Struct):
        return True
    if hasattr(cls, "__dataclass_fields__") or hasattr(cls, "__attrs_attrs__"):
        return True
    return hasattr(cls, "_fields") and issubclass(kind, tuple)


def untyped(type_: object) -> bool:
    """Whether a declared type says nothing: ``None``, ``Any`` or ``object``."""
    return type_ is None or type_ is Any or type_ is object


def _noun(obj: object) -> str:
    kind = type(obj)
    name = kind.__qualname__
    if isinstance(obj, enum.Enum):
        return f"the enum member {name}.{obj.name}"
    if is_record(kind):
        return f"the record {name}"
    if kind is bytes:
        return "bytes"
    return _article(name)


def _article(name: str) -> str:
    return f"{'an' if name[:1] in tuple('aeioAEIO') else 'a'} {name}"


def _segment(key: object) -> str:
    """A dict key as a step of a path: ``.name`` where it can be, ``["a b"]`` or ``[1]`` else."""
    if isinstance(key, str):
        return f".{key}" if key.isidentifier() else f"[{msgspec.json.encode(key).decode()}]"
    return f"[{key!r}]"


def _children(obj: object) -> Iterator[tuple[str, object]]:
    """The parts of a value msgspec encodes, each with its step of a path."""
    kind = type(obj)
    if isinstance(obj, dict):
        for key, item in cast("dict[object, object]", obj).items():
            yield _segment(key), item
    elif isinstance(obj, msgspec.Struct):
        for name in obj.__struct_fields__:
            yield f".{name}", getattr(obj, name)
    elif dataclasses.is_dataclass(obj):
        for field in dataclasses.fields(obj):
            yield f".{field.name}", getattr(obj, field.name)
    elif hasattr(kind, "__attrs_attrs__"):
        for attribute in cast("Iterable[Any]", getattr(kind, "__attrs_attrs__", ())):
            name = str(attribute.name)
            yield f".{name}", getattr(obj, name)
    elif isinstance(obj, tuple) and hasattr(kind, "_fields"):
        names = cast("tuple[str, ...]", getattr(kind, "_fields", ()))
        for name, item in zip(names, cast("tuple[object, ...]", obj), strict=False):
            yield f".{name}", item
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for index, item in enumerate(cast("Iterable[object]", obj)):
            yield f"[{index}]", item


def _unencodable_path(obj: object, encode: Callable[[object], bytes], path: str) -> str:
    """The path of the innermost part of ``obj`` that ``encode`` refuses on its own."""
    for step, item in _children(obj):
        try:
            encode(item)
        except _ENCODE_FAILURES:
            return _unencodable_path(item, encode, path + step)
    return path


class _Msgspec(Codec):
    """A msgspec format: one cached typed decoder per type, and three ways to encode.

    ``dumps`` refuses what untyped ``loads`` would give back as something else, except records,
    which it writes for a decoder of their class; ``encoder(T)`` writes values of a declared
    type unchecked, for ``decoder(T)``; ``encoder(Any)`` refuses records too.
    """

    _untyped_rules: ClassVar[_Untyped]
    _nulls: ClassVar[bool] = False  # whether the format writes NaN and infinity as null

    def __init__(self) -> None:
        self._decoders: dict[object, Callable[[bytes], Any]] = {}
        self._lock = threading.Lock()
        self._untyped = self._new_decoder(Any)
        self._encode = self._new_encoder()
        self._plain = self._untyped_rules.plain
        self._records: set[type] = set()  # record classes dumps has seen: typed by their class

    @abstractmethod
    def _new_decoder(self, type_: object) -> Callable[[bytes], Any]: ...

    @abstractmethod
    def _new_encoder(self) -> Callable[[object], bytes]: ...

    @abstractmethod
    def _typed_dumps(self, obj: object) -> bytes:
        """Encode a value of a declared type: ``decoder(T)`` gives it back, so no exact check."""

    def loads(self, data: bytes) -> object:
        try:
            result: object = self._untyped(data)
        except _DECODE_FAILURES as exc:
            raise DecodeError(str(exc), codec=self.name) from exc
        return result

    def dumps(self, obj: object) -> bytes:
        try:
            data = self._encode(obj)
        except _ENCODE_FAILURES as exc:
            raise self._unencodable(exc, obj) from exc
        if type(obj) not in self._records:  # a record is typed by its class
            self._check(obj, data, records=True)
        return data

    def encoder(self, type_: type[T]) -> Callable[[T], bytes]:
        if untyped(type_):
            return self._exact_dumps
        return self._typed_dumps

    failures = _ENCODE_FAILURES + _DECODE_FAILURES

    def fast_encoder(self, type_: type[T]) -> tuple[Callable[[T], bytes], bytes | None]:
        if untyped(type_):  # the exactness check is this codec's: no shortcut
            return self._exact_dumps, None
        return self._encode, b"null" if self._nulls else None  # NaN is written as null

    def fast_decoder(self, type_: type[T]) -> Callable[[bytes], T]:
        return self._typed(type_)

    def _exact_dumps(self, obj: object) -> bytes:
        """Encode for an untyped reader: refuse whatever ``loads`` would not give back."""
        try:
            data = self._encode(obj)
        except _ENCODE_FAILURES as exc:
            raise self._unencodable(exc, obj) from exc
        self._check(obj, data, records=False)
        return data

    def _check(self, obj: object, data: bytes, *, records: bool) -> None:
        """The fast exactness check, then the slow one if it fails; notes record classes."""
        nulls = self._nulls and bool(data.partition(b"null")[1])
        try:
            plain = self._plain(obj)
        except RecursionError:  # deeper than the fast check goes: the slow one says so
            plain = False
        if nulls or not plain:
            self._refuse(obj, records=records, nulls=nulls)
            if records and is_record(type(obj)):
                self._records.add(type(obj))

    def _refuse(self, obj: object, *, records: bool, nulls: bool) -> None:
        """Raise the refusal for ``obj``, if it has one: the slow path, with path and reason."""
        try:
            found = self._untyped_rules.refusal(obj, "$", records)
            if found is None and nulls:  # NaN or infinity inside a record, written as null
                path = _non_finite_float(msgspec.to_builtins(obj), "$")
                if path is not None:
                    found = (path, _NON_FINITE, False)
        except RecursionError:
            found = ("$", "nested too deeply to check", False)
        if found is not None:
            path, reason, for_want_of_a_type = found
            raise EncodeError(reason, codec=self.name, path=path, untyped=for_want_of_a_type)

    def _unencodable(self, exc: Exception, obj: object) -> EncodeError:
        """msgspec's refusal, with the path of the part it could not encode."""
        if isinstance(exc, RecursionError):
            return EncodeError("nested too deeply", codec=self.name, path="$")
        try:
            path = _unencodable_path(obj, self._encode, "$")
        except RecursionError:
            path = "$"
        return EncodeError(str(exc), codec=self.name, path=path)

    def decoder(self, type_: type[T]) -> Callable[[bytes], T]:
        decode = self._typed(type_)
        name = self.name

        def typed(data: bytes) -> T:
            try:
                result: T = decode(data)
            except _DECODE_FAILURES as exc:
                raise DecodeError(str(exc), codec=name, type_=type_) from exc
            return result

        return typed

    def _typed(self, type_: object) -> Callable[[bytes], Any]:
        try:
            return self._decoders[type_]
        except KeyError:
            pass
        except TypeError:  # an unhashable type form (Annotated with a dict, say): no cache
            return self._new_decoder(type_)
        with self._lock:
            decode = self._decoders.get(type_)
            if decode is None:
                try:
                    decode = self._new_decoder(type_)
                except TypeError as exc:
                    raise DecodeError(
                        f"msgspec cannot decode this type: {exc}", codec=self.name, type_=type_
                    ) from exc
                self._decoders[type_] = decode
            return decode


class Json(_Msgspec):
    """JSON, by msgspec.

    Untyped, JSON gives back null, booleans, integers, finite floats, str, lists and dicts with
    str keys, and ``dumps`` refuses anything else rather than let it come back as something
    else: sets and tuples (as lists), bytes (as base64 str), dict keys that are not str (as
    str), datetimes, dates, times, timedeltas, UUIDs and decimals (as str), enum members (as
    their values), dict and list subclasses. A tuple is refused even though msgspec writes it
    as an array: declare ``tuple[...]``, a NamedTuple or a Struct field to carry one. A record
    (a Struct, dataclass, attrs class or NamedTuple) is written as typed data, for
    ``decoder(cls)``: untyped it comes back as a dict (or list), and ``encoder(Any)``, which a
    schema with no declared type uses, refuses it. ``encoder(T)`` writes any value of a declared
    type ``T``, sets and bytes included, since ``decoder(T)`` brings them back exactly. JSON has
    no NaN or infinity: such floats are refused, typed or not, rather than written as null.
    """

    name = "json"
    _untyped_rules = _Untyped(
        "JSON",
        msgspec.json.encode,
        msgspec.json.decode,
        leaves=(type(None), bool, int, float, str),
        keys=(str,),
        finite=True,
    )
    _nulls = True

    def _new_decoder(self, type_: object) -> Callable[[bytes], Any]:
        return msgspec.json.Decoder(cast(Any, type_)).decode  # any type form msgspec takes

    def _new_encoder(self) -> Callable[[object], bytes]:
        return msgspec.json.Encoder().encode

    def dumps(self, obj: object) -> bytes:
        try:
            data = self._encode(obj)
        except _ENCODE_FAILURES as exc:
            raise self._unencodable(exc, obj) from exc
        if type(obj) in self._records:  # typed by its class: only NaN can hide in it
            if data.partition(b"null")[1]:
                self._refuse(obj, records=True, nulls=True)
        else:
            self._check(obj, data, records=True)
        return data

    def _typed_dumps(self, obj: object) -> bytes:
        try:
            data = self._encode(obj)
        except _ENCODE_FAILURES as exc:
            raise self._unencodable(exc, obj) from exc
        if data.partition(b"null")[1]:  # msgspec writes NaN and infinity as null: which was it?
            path = _non_finite_float(msgspec.to_builtins(obj), "$")
            if path is not None:
                raise EncodeError(_NON_FINITE, codec=self.name, path=path)
        return data


class MsgPack(_Msgspec):
    """MessagePack, by msgspec. Integers beyond 64 bits are refused.

    Untyped, MessagePack gives back null, booleans, 64-bit integers, floats (NaN and infinity
    too), str, bytes, ``msgspec.msgpack.Ext``, datetimes in UTC, lists and dicts (keys of those
    scalar types or tuples of them), and ``dumps`` refuses the rest, as ``Json`` does: sets and
    tuples (as lists), bytearray and memoryview (as bytes), naive datetimes, dates, times,
    timedeltas, UUIDs and decimals (as str), datetimes in another zone (as UTC), enum members,
    dict and list subclasses. Records and declared types as for ``Json``.
    """

    name = "msgpack"
    _untyped_rules = _Untyped(
        "MessagePack",
        msgspec.msgpack.encode,
        msgspec.msgpack.decode,
        leaves=(type(None), bool, int, float, str, bytes, msgspec.msgpack.Ext),
        keys=(type(None), bool, int, float, str, bytes),
        tuple_keys=True,
        utc_datetimes=True,
    )

    def _new_decoder(self, type_: object) -> Callable[[bytes], Any]:
        return msgspec.msgpack.Decoder(cast(Any, type_)).decode

    def _new_encoder(self) -> Callable[[object], bytes]:
        return msgspec.msgpack.Encoder().encode

    def _typed_dumps(self, obj: object) -> bytes:
        try:
            return self._encode(obj)
        except _ENCODE_FAILURES as exc:
            raise self._unencodable(exc, obj) from exc


class Binary(Codec):
    """Bytes as base64 text: for carrying bytes through a text-only channel.

    A bytearray or memoryview comes back as bytes; anything else is refused.
    """

    name = "binary"

    def dumps(self, obj: object) -> bytes:
        if not isinstance(obj, (bytes, bytearray, memoryview)):
            raise EncodeError(
                f"binary carries bytes only, got {type(obj).__name__}", codec=self.name
            )
        return base64.b64encode(cast("bytes", obj))

    def loads(self, data: bytes) -> bytes:
        try:
            return base64.b64decode(data, validate=True)
        except binascii.Error as exc:
            raise DecodeError(f"not base64: {exc}", codec=self.name) from exc


class Composite(Codec):
    """``first | second``: dumps through ``first`` then ``second``; loads the other way."""

    def __init__(self, first: CodecT, second: CodecT) -> None:
        self.first = first
        self.second = second
        self.name = f"{codec_name(first)}|{codec_name(second)}"

    def dumps(self, obj: object) -> bytes:
        return self.second.dumps(self.first.dumps(obj))

    def loads(self, data: bytes) -> object:
        return self.first.loads(self._inner(data))

    def decoder(self, type_: type[T]) -> Callable[[bytes], T]:
        if not isinstance(self.first, TypedCodecT):
            return super().decoder(type_)
        decode = self.first.decoder(type_)
        inner = self._inner

        def typed(data: bytes) -> T:
            return decode(inner(data))

        return typed

    def encoder(self, type_: type[T]) -> Callable[[T], bytes]:
        first = self.first.encoder(type_) if isinstance(self.first, TypedEncoderT) else None
        if first is None:
            return self.dumps
        second = self.second.dumps

        def typed(obj: T) -> bytes:
            return second(first(obj))

        return typed

    def _inner(self, data: bytes) -> bytes:
        middle = self.second.loads(data)
        if not isinstance(middle, bytes):
            raise DecodeError(
                f"{codec_name(self.second)!r} gave {type(middle).__name__}, "
                f"but {codec_name(self.first)!r} needs bytes",
                codec=self.name,
            )
        return middle


def codec_name(codec: CodecT) -> str:
    """A codec's registered name, or its class name for a codec that has none."""
    name = getattr(codec, "name", None)
    return name if isinstance(name, str) else type(codec).__name__


def convert(obj: object, type_: type[T], codec: str) -> T:
    """What an untyped codec decoded, validated into ``type_``."""
    try:
        return msgspec.convert(obj, type_)
    except (msgspec.ValidationError, TypeError) as exc:
        raise DecodeError(str(exc), codec=codec, type_=type_) from exc


def _non_finite_float(obj: object, path: str) -> str | None:
    if isinstance(obj, float):
        return None if math.isfinite(obj) else path
    if isinstance(obj, dict):
        for key, item in cast("dict[object, object]", obj).items():
            found = _non_finite_float(item, path + _segment(key))
            if found:
                return found
    elif isinstance(obj, (list, tuple)):
        for index, item in enumerate(cast("list[object]", obj)):
            found = _non_finite_float(item, f"{path}[{index}]")
            if found:
                return found
    return None


class Registry:
    """Codecs by name; ``"a|b"`` names a composition. Entry points load on first miss."""

    def __init__(self, codecs: dict[str, CodecT]) -> None:
        self._codecs = dict(codecs)
        self._entry_points_loaded = False

    def register(self, name: str, codec: CodecT) -> None:
        if not name or "|" in name:
            raise ValueError(f"codec name must be non-empty and without '|': {name!r}")
        self._codecs[name] = codec

    def get(self, codec: CodecT | str) -> CodecT:
        if not isinstance(codec, str):
            return codec
        found = self._codecs.get(codec)
        if found is not None:
            return found
        parts = [self._one(part.strip()) for part in codec.split("|")]
        composed = parts[0]
        for part in parts[1:]:
            composed = composed | part
        self._codecs[codec] = composed
        return composed

    def names(self) -> list[str]:
        return [name for name in self._codecs if "|" not in name]

    def _one(self, name: str) -> CodecT:
        found = self._codecs.get(name)
        if found is None and not self._entry_points_loaded:
            self._load_entry_points()
            found = self._codecs.get(name)
        if found is None:
            raise UnknownCodecError(name, self.names())
        return found

    def _load_entry_points(self) -> None:
        self._entry_points_loaded = True
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            if entry.name in self._codecs:
                continue
            loaded = entry.load()
            codec = loaded() if isinstance(loaded, type) else loaded
            if not isinstance(codec, CodecT):
                raise TypeError(
                    f"entry point {entry.name!r} ({entry.value}) in {ENTRY_POINT_GROUP!r} "
                    f"is not a codec: it has no dumps/loads"
                )
            self.register(entry.name, codec)


registry: Final = Registry({c.name: c for c in (Raw(), Json(), MsgPack(), Binary())})


def get_codec(codec: CodecT | str) -> CodecT:
    """The codec itself, or the one registered under that name (``"json|binary"`` composes)."""
    return registry.get(codec)


def register(name: str, codec: CodecT) -> None:
    """Register ``codec`` under ``name`` for every schema and ``get_codec`` in this process."""
    registry.register(name, codec)


def dumps(codec: CodecArg, obj: Any) -> bytes:
    """Encode ``obj`` with a codec or codec name; ``None`` means ``json``."""
    return get_codec(codec if codec is not None else "json").dumps(obj)


def loads(codec: CodecArg, data: bytes) -> object:
    """Decode ``data`` with a codec or codec name; ``None`` means ``json``."""
    return get_codec(codec if codec is not None else "json").loads(data)
