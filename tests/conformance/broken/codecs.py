"""Codecs each derived from a correct one with a single defect, for the kit to catch."""

from __future__ import annotations

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
