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
    ``sdk.errors.EncodeError`` for a value its format cannot carry, never altering it silently.
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


CodecArg = CodecT | str | None
"""A codec, a registered codec name (``"json"``, ``"json|binary"``), or None for the default."""
