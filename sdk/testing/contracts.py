"""Contract mixins: subclass one in a test module, say what to test, and pytest runs the clauses.

No fixtures and no plugin needed: a subclass sets class attributes. Every failure names the
clause it broke and the input that broke it, as ``ContractError("CodecContract.round_trip: ...")``.
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Callable
from typing import ClassVar, cast

from hypothesis import given
from hypothesis import strategies as st
from typing_extensions import ParamSpec

from sdk.errors import DecodeError
from sdk.types import CodecT, TypedCodecT

from .strategies import Sample, samples

P = ParamSpec("P")


class ContractError(AssertionError):
    """A contract clause that does not hold, with the input it does not hold for."""

    def __init__(self, clause: str, detail: str) -> None:
        super().__init__(f"{clause}: {detail}")
        self.clause = clause


class CodecContract:
    """What every codec promises (``sdk.types.CodecT``).

    Set ``codec``, and ``values``: a strategy of values the codec's format carries exactly.
    Set ``structs = True`` if the codec is a ``TypedCodecT`` that decodes msgspec Structs.
    Each subclass gets its own copy of every clause (hypothesis wants one test per class).
    """

    codec: ClassVar[CodecT]
    values: ClassVar[st.SearchStrategy[object]]
    structs: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        clauses = {
            "test_round_trip": given(data=st.data())(_fresh(_round_trip)),
            "test_loads_raises_only_decode_error": given(data=st.binary())(
                _fresh(_loads_raises_only_decode_error)
            ),
            "test_typed_structs_round_trip": given(data=st.data())(
                _fresh(_typed_structs_round_trip)
            ),
        }
        for name, clause in clauses.items():
            setattr(cls, name, clause)


def _round_trip(self: CodecContract, data: st.DataObject) -> None:
    """``loads(dumps(v)) == v`` for every value the format carries."""
    value = data.draw(self.values, label="value")
    encoded = _untrusted(self.codec.dumps, value)
    if not isinstance(encoded, bytes):
        raise ContractError(
            "CodecContract.dumps_gives_bytes", f"dumps({value!r}) gave {type(encoded)}"
        )
    back = self.codec.loads(encoded)
    if not _same(back, value):
        raise ContractError("CodecContract.round_trip", f"loads(dumps({value!r})) gave {back!r}")


def _loads_raises_only_decode_error(self: CodecContract, data: bytes) -> None:
    """Arbitrary bytes decode or raise ``sdk.errors.DecodeError``; nothing else escapes."""
    try:
        with contextlib.suppress(DecodeError):
            self.codec.loads(data)
    except Exception as exc:  # anything else is the finding itself
        raise ContractError(
            "CodecContract.loads_raises_only_decode_error",
            f"loads({data!r}) raised {type(exc).__name__}: {exc}",
        ) from exc


def _typed_structs_round_trip(self: CodecContract, data: st.DataObject) -> None:
    """A typed decoder gives back an equal Struct of the declared type."""
    if not self.structs:
        return
    if not isinstance(self.codec, TypedCodecT):
        raise ContractError(
            "CodecContract.typed_structs_round_trip", "structs = True but no decoder()"
        )
    sample = data.draw(samples(), label="sample")
    back = self.codec.decoder(Sample)(self.codec.dumps(sample))
    if back != sample:
        raise ContractError(
            "CodecContract.typed_structs_round_trip", f"{sample!r} came back as {back!r}"
        )


def _untrusted(dumps: Callable[[object], object], value: object) -> object:
    """What ``dumps`` gave, as the object it may be: a codec's annotations may be wrong."""
    return dumps(value)


def _fresh(clause: Callable[P, None]) -> Callable[P, None]:
    """A new function object with the clause's code, for one subclass to own."""
    copy = types.FunctionType(
        clause.__code__, clause.__globals__, clause.__name__, clause.__defaults__
    )
    copy.__doc__ = clause.__doc__
    return copy


def _same(a: object, b: object) -> bool:
    """Equal, and of the same type all the way down (1 is not 1.0 is not True)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        left, right = cast("list[object]", a), cast("list[object]", b)
        return len(left) == len(right) and all(map(_same, left, right))
    if isinstance(a, dict):
        first, second = cast("dict[object, object]", a), cast("dict[object, object]", b)
        return first.keys() == second.keys() and all(_same(first[k], second[k]) for k in first)
    return a == b
