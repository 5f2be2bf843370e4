"""The schema: how a channel's keys and values become bytes and back."""

from __future__ import annotations

from typing import Protocol

from ._vars import KT, VT
from .codecs import CodecArg


class SchemaT(Protocol[KT, VT]):
    """Key and value types and codecs of a channel; never mutated once made.

    The ``loads_*`` methods raise ``sdk.errors.KeyDecodeError`` / ``ValueDecodeError`` naming the
    codec, the type and the cause; the ``dumps_*`` methods raise ``sdk.errors.KeyEncodeError`` /
    ``ValueEncodeError`` (both ``EncodeError``) naming the codec, the type, the cause and the
    path in the value: for a value of another type than the one declared, a ``None`` the value
    type does not admit, and, with no type declared, a value that untyped decoding would give
    back as something else (a set, bytes or a record, in JSON). ``serializer`` overrides the
    schema's codec for one call.
    """

    @property
    def key_type(self) -> object | None: ...
    @property
    def value_type(self) -> object | None: ...
    @property
    def key_serializer(self) -> CodecArg: ...
    @property
    def value_serializer(self) -> CodecArg: ...
    @property
    def allow_empty(self) -> bool:
        """Whether a ``None`` value (a tombstone) is accepted where the value type has no None."""
        ...

    def dumps_key(self, key: KT | None, *, serializer: CodecArg = None) -> bytes | None: ...
    def dumps_value(self, value: VT, *, serializer: CodecArg = None) -> bytes | None: ...
    def check_key(self, key: KT | None) -> None:
        """Refuse a key as ``dumps_key`` would for its type, without encoding it.

        Raises the ``KeyEncodeError`` that ``dumps_key`` raises for a key of another type than
        ``key_type``; what only encoding refuses (a set under untyped JSON) passes, since a
        channel that never encodes hands the object itself on.
        """
        ...

    def check_value(self, value: VT) -> None:
        """Refuse a value as ``dumps_value`` would for its type, without encoding it.

        Raises the ``ValueEncodeError`` that ``dumps_value`` raises for a value of another type
        than ``value_type`` or a ``None`` it does not admit; what only encoding refuses passes.
        """
        ...

    def loads_key(self, data: bytes | None, *, serializer: CodecArg = None) -> KT | None: ...
    def loads_value(self, data: bytes | None, *, serializer: CodecArg = None) -> VT: ...
