"""Codecs each derived from a correct one with a single defect, for the kit to catch."""

from __future__ import annotations

import msgspec

from sdk.errors import EncodeError
from sdk.impl.codecs import Json


class DropsEmptyStrings(Json):
    """Not its own inverse on one value: an empty string comes back as null."""

    name = "drops-empty-strings"

    def dumps(self, obj: object) -> bytes:
        return super().dumps(None if obj == "" else obj)


class LeaksValueError(Json):
    """Lets a ValueError of its own escape from loads, on bytes of odd length."""

    name = "leaks-value-error"

    def loads(self, data: bytes) -> object:
        if len(data) % 2:
            raise ValueError("odd length")
        return super().loads(data)


class AltersUntyped(Json):
    """Writes whatever msgspec writes, untyped: a set comes back as a list, bytes as a str."""

    name = "alters-untyped"

    def dumps(self, obj: object) -> bytes:
        try:
            return msgspec.json.encode(obj)
        except TypeError as exc:
            raise EncodeError(str(exc), codec=self.name) from exc


class RefusesWithTypeError(Json):
    """Refuses what JSON cannot carry with a TypeError of its own, not an EncodeError."""

    name = "refuses-with-type-error"

    def dumps(self, obj: object) -> bytes:
        try:
            return super().dumps(obj)
        except EncodeError as exc:
            raise TypeError(exc.reason) from exc
