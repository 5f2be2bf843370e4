"""The codecs the SDK ships, all on msgspec, and the registry that finds them by name.

``raw`` carries bytes (str as UTF-8), ``json`` and ``msgpack`` carry msgspec's types (Structs,
dataclasses, TypedDicts, containers, ...), ``binary`` wraps bytes in base64. ``a | b`` or
``"a|b"`` composes them. There is no pickle codec: decoding never executes code.
"""

from __future__ import annotations

import base64
import binascii
import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, Final, cast

import msgspec

from sdk.errors import DecodeError, EncodeError, UnknownCodecError
from sdk.types._vars import T
from sdk.types.codecs import CodecArg, CodecT, TypedCodecT

ENTRY_POINT_GROUP: Final = "sdk.codecs"

_DECODE_FAILURES = (msgspec.DecodeError, ValueError)


class Codec(ABC):
    """Base of the shipped codecs; implements ``CodecT`` and ``TypedCodecT``.

    Subclasses give ``dumps`` and ``loads``; ``decoder`` converts what ``loads`` returns into
    the type asked for, and codecs that can parse straight into a type override it.
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

    def __or__(self, other: CodecT) -> CodecT:
        return Composite(self, other)

    def __repr__(self) -> str:
        return f"<codec {self.name!r}>"


class Raw(Codec):
    """Bytes as they are; str as UTF-8."""

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
        return super().decoder(type_)

    def _utf8(self, data: bytes) -> str:
        try:
            return data.decode()
        except UnicodeDecodeError as exc:
            raise DecodeError(str(exc), codec=self.name, type_=str) from exc


class _Msgspec(Codec):
    """A msgspec format, with one cached typed decoder per type."""

    def __init__(self) -> None:
        self._decoders: dict[object, Callable[[bytes], Any]] = {}
        self._lock = threading.Lock()
        self._untyped = self._new_decoder(Any)

    @abstractmethod
    def _new_decoder(self, type_: object) -> Callable[[bytes], Any]: ...

    def loads(self, data: bytes) -> object:
        try:
            result: object = self._untyped(data)
        except _DECODE_FAILURES as exc:
            raise DecodeError(str(exc), codec=self.name) from exc
        return result

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

    def _refuse(self, exc: Exception, obj: object) -> EncodeError:
        return EncodeError(str(exc), codec=self.name, type_=type(obj))


class Json(_Msgspec):
    """JSON, by msgspec.

    JSON has no NaN or infinity: such floats are refused rather than written as ``null``.
    Tuples, bytes (as base64) and non-str dict keys come back as such only when decoded into a
    declared type; untyped, ``loads`` gives JSON's own types.
    """

    name = "json"

    def __init__(self) -> None:
        super().__init__()
        self._encode = msgspec.json.Encoder().encode

    def _new_decoder(self, type_: object) -> Callable[[bytes], Any]:
        return msgspec.json.Decoder(cast(Any, type_)).decode  # any type form msgspec takes

    def dumps(self, obj: object) -> bytes:
        try:
            data = self._encode(obj)
        except (TypeError, ValueError, msgspec.EncodeError) as exc:
            raise self._refuse(exc, obj) from exc
        if data.rfind(b"null") >= 0:  # msgspec writes NaN and infinity as null: which was it?
            path = _non_finite_float(msgspec.to_builtins(obj), "$")
            if path is not None:
                raise EncodeError(
                    f"JSON cannot carry NaN or infinity (at `{path}`)",
                    codec=self.name,
                    type_=type(obj),
                )
        return data


class MsgPack(_Msgspec):
    """MessagePack, by msgspec. Integers beyond 64 bits are refused."""

    name = "msgpack"

    def __init__(self) -> None:
        super().__init__()
        self._encode = msgspec.msgpack.Encoder().encode

    def _new_decoder(self, type_: object) -> Callable[[bytes], Any]:
        return msgspec.msgpack.Decoder(cast(Any, type_)).decode

    def dumps(self, obj: object) -> bytes:
        try:
            return self._encode(obj)
        except (TypeError, ValueError, OverflowError, msgspec.EncodeError) as exc:
            raise self._refuse(exc, obj) from exc


class Binary(Codec):
    """Bytes as base64 text: for carrying bytes through a text-only channel."""

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
            found = _non_finite_float(item, f"{path}.{key}")
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
