"""``Schema``: a channel's key and value types and codecs, immutable once made."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any, Generic, cast

from typing_extensions import TypeForm

from sdk.errors import (
    DecodeError,
    EncodeError,
    KeyDecodeError,
    KeyEncodeError,
    ValueDecodeError,
    ValueEncodeError,
)
from sdk.impl.codecs import Codec, codec_name, convert, get_codec, untyped
from sdk.types._vars import KT, VT
from sdk.types.codecs import CodecArg, CodecT, TypedCodecT, TypedEncoderT

DEFAULT_KEY_SERIALIZER = "raw"
DEFAULT_VALUE_SERIALIZER = "json"


class Schema(Generic[KT, VT]):
    """Implements ``sdk.types.SchemaT``.

    With a ``key_type`` / ``value_type``, bytes decode straight into that type with validation
    (through the codec's cached typed decoder), and values of that type encode with the codec's
    typed encoder, so a set or bytes in a Struct comes back as it went. With none, a value
    that untyped decoding would give back as something else (a set, bytes, a record in JSON)
    is refused. ``None`` stands for a missing key or a tombstone and is carried as no bytes at
    all; a ``None`` value is refused unless the value type admits ``None`` or ``allow_empty``
    is set. Keys default to ``raw``, values to ``json`` (as Faust).
    """

    __slots__ = ("_allow_empty", "_key", "_key_type", "_value", "_value_type", "checks")

    def __init__(
        self,
        *,
        key_type: TypeForm[KT] = Any,
        value_type: TypeForm[VT] = Any,
        key_serializer: CodecArg = None,
        value_serializer: CodecArg = None,
        allow_empty: bool = False,
    ) -> None:
        self._key_type = key_type
        self._value_type = value_type
        self._allow_empty = allow_empty
        self._key = _Side(
            key_serializer or DEFAULT_KEY_SERIALIZER, key_type, True, KeyDecodeError, KeyEncodeError
        )
        self._value = _Side(
            value_serializer or DEFAULT_VALUE_SERIALIZER,
            value_type,
            allow_empty or _admits_none(value_type),
            ValueDecodeError,
            ValueEncodeError,
        )
        self.checks = bool(self._key.kinds or self._value.kinds or not self._value.none_ok)
        """Whether ``check_key`` / ``check_value`` can refuse anything: senders skip them if not."""

    @property
    def key_type(self) -> TypeForm[KT]:
        return self._key_type

    @property
    def value_type(self) -> TypeForm[VT]:
        return self._value_type

    @property
    def key_serializer(self) -> CodecArg:
        return self._key.codec_arg

    @property
    def value_serializer(self) -> CodecArg:
        return self._value.codec_arg

    @property
    def allow_empty(self) -> bool:
        return self._allow_empty

    def replace(
        self,
        *,
        key_serializer: CodecArg = None,
        value_serializer: CodecArg = None,
        allow_empty: bool | None = None,
    ) -> Schema[KT, VT]:
        """A copy with the settings given changed (``None`` keeps the current one)."""
        return Schema(
            key_type=self._key_type,
            value_type=self._value_type,
            key_serializer=key_serializer or self._key.codec_arg,
            value_serializer=value_serializer or self._value.codec_arg,
            allow_empty=self._allow_empty if allow_empty is None else allow_empty,
        )

    # The methods below are on every message's path: each goes straight to the codec when
    # nothing is special (no None, no serializer given, the value of the declared type), and
    # leaves the rest to its side, where the checks live.

    def dumps_key(self, key: KT | None, *, serializer: CodecArg = None) -> bytes | None:
        if key is None:  # no key: no bytes, whatever the codec (a key may always be missing)
            return None
        side = self._key
        kinds = side.kinds
        if serializer is not None or (kinds and not isinstance(key, kinds)):
            return side.dumps(key, serializer)
        try:
            data = side.encode(key)
        except EncodeError as exc:
            raise side.refused(exc) from exc
        except side.failures:
            return side.encode_carefully(key)
        if side.suspect is not None and data.partition(side.suspect)[1]:  # as codecs.py looks
            return side.encode_carefully(key)
        return data

    def dumps_value(self, value: VT, *, serializer: CodecArg = None) -> bytes | None:
        side = self._value
        kinds = side.kinds
        if value is None or serializer is not None or (kinds and not isinstance(value, kinds)):
            return side.dumps(value, serializer)
        try:
            data = side.encode(value)
        except EncodeError as exc:
            raise side.refused(exc) from exc
        except side.failures:
            return side.encode_carefully(value)
        if side.suspect is not None and data.partition(side.suspect)[1]:  # as codecs.py looks
            return side.encode_carefully(value)
        return data

    def check_key(self, key: KT | None) -> None:
        """Refuse a key of the wrong type as ``dumps_key`` would, without encoding it."""
        if key is None:  # a key may always be missing
            return
        side = self._key
        kinds = side.kinds
        if kinds and not isinstance(key, kinds):
            side.check(key)

    def check_value(self, value: VT) -> None:
        """Refuse a value of the wrong type, or a refused None, as ``dumps_value`` would."""
        side = self._value
        kinds = side.kinds
        if value is None or (kinds and not isinstance(value, kinds)):
            side.check(value)

    def loads_key(self, data: bytes | None, *, serializer: CodecArg = None) -> KT | None:
        if data is None:  # no key (a key may always be missing)
            return None
        side = self._key
        key: KT | None  # what the side's decoder for KT gives
        if serializer is not None:
            key = side.loads(data, serializer)
            return key
        try:
            key = side.decode(data)
        except DecodeError as exc:
            raise side.error(exc) from exc
        except side.failures:
            key = side.decode_carefully(data)
        return key

    def loads_value(self, data: bytes | None, *, serializer: CodecArg = None) -> VT:
        side = self._value
        value: VT  # what the side's decoder for VT gives
        if data is None and side.none_ok:  # a tombstone this type admits
            return None  # type: ignore[return-value]  # none_ok: the type admits None
        if data is None or serializer is not None:
            value = side.loads(data, serializer)
            return value
        try:
            value = side.decode(data)
        except DecodeError as exc:
            raise side.error(exc) from exc
        except side.failures:
            value = side.decode_carefully(data)
        return value

    def __repr__(self) -> str:
        return (
            f"Schema(key_type={self._key_type!r}, value_type={self._value_type!r}, "
            f"key_serializer={self._key.name!r}, value_serializer={self._value.name!r}, "
            f"allow_empty={self._allow_empty!r})"
        )


class _Side:
    """The key side or the value side of a schema: one codec, one type, its encoder, its decoder."""

    __slots__ = (
        "_careful_decode",
        "_careful_encode",
        "_decode_error",
        "_encode_error",
        "codec",
        "codec_arg",
        "decode",
        "encode",
        "failures",
        "kinds",
        "name",
        "none_ok",
        "suspect",
        "type",
    )

    def __init__(
        self,
        codec_arg: CodecT | str,
        type_: object,
        none_ok: bool,
        decode_error: type[DecodeError],
        encode_error: type[EncodeError],
    ) -> None:
        self.codec_arg: CodecT | str = codec_arg
        self.codec = get_codec(codec_arg)
        self.name = codec_name(self.codec)
        self.type = type_
        self.none_ok = none_ok
        self._decode_error = decode_error
        self._encode_error = encode_error
        self._careful_encode: Callable[[Any], bytes] = _encoder(self.codec, type_)
        self._careful_decode: Callable[[bytes], Any] = _decoder(self.codec, type_)
        self.encode: Callable[[Any], bytes] = self._careful_encode
        """Straight to the library where the codec allows (a shipped one): see ``Codec``."""
        self.decode: Callable[[bytes], Any] = self._careful_decode
        self.suspect: bytes | None = None
        self.failures: tuple[type[Exception], ...] = ()
        codec = self.codec
        if isinstance(codec, Codec) and not untyped(type_):
            self.encode, self.suspect = codec.fast_encoder(cast("type[object]", type_))
            self.decode = codec.fast_decoder(cast("type[object]", type_))
            self.failures = codec.failures
        self.kinds = _instance_check(type_)

    def check(self, obj: object) -> None:
        """The one check before encoding: a None this side refuses, or a value of another type."""
        if obj is None:
            if self.none_ok:
                return
            raise self._encode_error(
                "None is a tombstone, which this type does not admit "
                "(declare it Optional or set allow_empty=True)",
                codec=self.name,
                type_=self.type,
            )
        if self.kinds and not isinstance(obj, self.kinds):
            raise self._encode_error(
                f"got {type(obj).__name__}", codec=self.name, type_=self.type, path="$"
            )

    def dumps(self, obj: object, serializer: CodecArg) -> bytes | None:
        """Encode, minding tombstones, a serializer given for this call, and the type."""
        if obj is None:
            self.check(obj)
            return None
        if serializer is None:
            self.check(obj)
            encode = self._careful_encode
        else:  # the caller chose the codec, and answers for the type
            encode = _encoder(get_codec(serializer), self.type)
        try:
            return encode(obj)
        except EncodeError as exc:
            raise self.refused(exc) from exc

    def loads(self, data: bytes | None, serializer: CodecArg) -> Any:
        """Decode, minding tombstones and a serializer given for this call."""
        if data is None:
            if self.none_ok:
                return None
            raise self._decode_error(
                "no bytes (a tombstone), which this type does not admit",
                codec=self.name,
                type_=self.type,
            )
        decode = (
            self._careful_decode
            if serializer is None
            else _decoder(get_codec(serializer), self.type)
        )
        try:
            return decode(data)
        except DecodeError as exc:
            raise self.error(exc) from exc

    def encode_carefully(self, obj: object) -> bytes:
        """What ``encode`` failed at, or wrote what may be wrong, encoded by the codec's own
        ``encoder``: it refuses as the codec does, or gives the bytes."""
        try:
            return self._careful_encode(obj)
        except EncodeError as exc:
            raise self.refused(exc) from exc

    def decode_carefully(self, data: bytes) -> Any:
        """What ``decode`` failed at, decoded by the codec's own ``decoder``: it raises as the
        codec does."""
        try:
            return self._careful_decode(data)
        except DecodeError as exc:
            raise self.error(exc) from exc

    def error(self, exc: DecodeError) -> DecodeError:
        """The codec's error, as a key or value error of this side's type."""
        return self._decode_error(exc.reason, codec=exc.codec, type_=self.type)

    def refused(self, exc: EncodeError) -> EncodeError:
        """The codec's refusal, as a key or value error of this side's type."""
        return self._encode_error(
            exc.reason,
            codec=exc.codec,
            type_=exc.type if untyped(self.type) else self.type,
            path=exc.path,
            untyped=exc.untyped,
            where=exc.where,
        )


def _encoder(codec: CodecT, type_: object) -> Callable[[Any], bytes]:
    """The codec's encoder for ``type_`` (untyped: one that refuses what would come back
    changed); ``dumps`` for a codec that has no typed encoders."""
    if not isinstance(codec, TypedEncoderT):
        return codec.dumps
    return codec.encoder(cast("type[object]", type_))


def _decoder(codec: CodecT, type_: object) -> Callable[[bytes], object]:
    if untyped(type_):
        return codec.loads
    if isinstance(codec, TypedCodecT):
        return codec.decoder(cast("type[object]", type_))
    # a codec that cannot decode into a type: convert what it gives
    return lambda data: convert(codec.loads(data), cast("type[object]", type_), codec_name(codec))


def _admits_none(type_: object) -> bool:
    if type_ is None or type_ is Any or type_ is object or type_ is type(None):
        return True
    origin = typing.get_origin(type_)
    if origin is typing.Union or origin is types.UnionType:
        return any(_admits_none(arg) for arg in typing.get_args(type_))
    return False


def _instance_check(type_: object) -> tuple[type, ...]:
    """What ``isinstance`` can check a value against before encoding; empty: the codec decides.

    A union of such classes checks against each (``Order | None``). Nothing for a generic
    alias, a Literal, a TypedDict or a protocol that is not runtime-checkable (``isinstance``
    refuses those), nor for a union holding one. An int is a float, as in typing.
    """
    origin = typing.get_origin(type_)
    if origin is typing.Union or origin is types.UnionType:
        kinds: list[type] = []
        for arg in typing.get_args(type_):
            found = _instance_check(arg)
            if not found:
                return ()
            kinds.extend(found)
        return tuple(dict.fromkeys(kinds))
    if type_ is type(None):
        return (type(None),)
    if not isinstance(type_, type) or type_ is object:
        return ()
    try:
        isinstance(None, type_)
    except TypeError:
        return ()
    return (float, int) if type_ is float else (type_,)
