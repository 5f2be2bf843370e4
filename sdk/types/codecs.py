"""The codec contract: objects to bytes and back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from ._vars import T


@runtime_checkable
class CodecT(Protocol):
    """Turns objects into bytes and back.

    ``a | b`` composes two codecs: ``dumps`` applies ``a`` then ``b``; ``loads`` applies ``b``
    then ``a``. ``loads`` raises only ``sdk.errors.DecodeError`` (and its subclasses) on bad
    input, and never executes code carried by the bytes. ``dumps`` raises
    ``sdk.errors.EncodeError`` for a value its format cannot carry, never altering it silently:
    what ``dumps`` accepts, ``loads`` gives back equal and of the same type (a record may
    instead come back through a typed decoder for its class; see ``TypedEncoderT``).
    """

    def dumps(self, obj: Any) -> bytes: ...

    def loads(self, data: bytes) -> object: ...

    def __or__(self, other: CodecT) -> CodecT: ...


@runtime_checkable
class TypedCodecT(CodecT, Protocol):
    """A codec that can decode straight into a type, validating as it goes.

    Optional: a schema uses ``decoder`` when a codec has it, and otherwise converts what
    ``loads`` returns. ``type_`` may be any type form the codec understands (a class, a union).
    """

    def decoder(self, type_: type[T]) -> Callable[[bytes], T]: ...


@runtime_checkable
class TypedEncoderT(CodecT, Protocol):
    """A codec that can encode for a reader that decodes into a declared type.

    Optional: a schema with a declared type encodes with ``encoder(type_)`` when a codec has it,
    and otherwise with ``dumps``. The function it gives takes values of ``type_`` (unchecked:
    the schema checks the type) and may write what only a decoder for ``type_`` gives back
    exactly (a set, bytes in JSON), which ``dumps`` refuses. ``encoder(Any)`` or
    ``encoder(object)`` encodes for an untyped reader: it refuses, with
    ``sdk.errors.EncodeError``, whatever ``loads`` would give back as something else, records
    included.
    """

    def encoder(self, type_: type[T]) -> Callable[[T], bytes]: ...


CodecArg = CodecT | str | None
"""A codec, a registered codec name (``"json"``, ``"json|binary"``), or None for the default."""
