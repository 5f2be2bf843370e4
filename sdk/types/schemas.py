"""The schema: how a channel's keys and values become bytes and back."""

from __future__ import annotations

from typing import Protocol

from ._vars import KT, VT
from .codecs import CodecArg


class SchemaT(Protocol[KT, VT]):
    """Key and value types and codecs of a channel; never mutated once made.

    The ``loads_*`` methods raise ``sdk.errors.KeyDecodeError`` / ``ValueDecodeError`` naming the
    codec, the type and the cause; the ``dumps_*`` methods raise ``sdk.errors.EncodeError``.
    ``serializer`` overrides the schema's codec for one call.
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
    def loads_key(self, data: bytes | None, *, serializer: CodecArg = None) -> KT | None: ...
    def loads_value(self, data: bytes | None, *, serializer: CodecArg = None) -> VT: ...
