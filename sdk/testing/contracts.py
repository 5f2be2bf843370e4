"""Contract mixins: subclass one in a test module, say what to test, and pytest runs the clauses.

No plugin needed: a codec or channel subclass sets class attributes; a transport subclass (and
an ``AppContract`` one, from ``apps``) also provides a ``transport`` fixture. Every failure
names the clause it broke and the input that broke it, as
``ContractError("CodecContract.round_trip: ...")``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import types
from collections.abc import Callable
from typing import Any, ClassVar, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typing_extensions import ParamSpec

from sdk.errors import DecodeError, EncodeError
from sdk.impl.codecs import is_record
from sdk.types import Capability, ChannelT, CodecT, TypedCodecT

from . import callbacks, fetching, groups, transactions  # each registers its clauses in CLAUSES
from .apps import AppContract
from .clauses import CLAUSES, Clause
from .errors import ContractError
from .machine import STATE_MACHINE
from .profiles import Profile, own_examples
from .strategies import Sample, any_values, samples

__all__ = [
    "AppContract",
    "ChannelContract",
    "CodecContract",
    "ContractError",
    "TransportContract",
]

P = ParamSpec("P")

TRANSPORT_CLAUSES: tuple[Clause, ...] = (*CLAUSES, STATE_MACHINE)
"""The clauses of ``clauses``, ``callbacks``, ``fetching``, ``groups`` and ``transactions`` (each
registers its own in ``CLAUSES`` as it is imported), then the state machine."""
del callbacks, fetching, groups, transactions  # imported for what importing them does


class CodecContract:
    """What every codec promises (``sdk.types.CodecT``).

    Set ``codec``, and ``values``: a strategy of values the codec's format carries exactly.
    Set ``structs = True`` if the codec is a ``TypedCodecT`` that decodes msgspec Structs.
    ``everything`` (by default ``any_values()``) is what ``dumps`` must give back exactly or
    refuse with ``EncodeError``; narrow it only by what the codec documents it changes (``raw``
    gives a str back as its bytes). Each subclass gets its own copy of every clause
    (hypothesis wants one test per class).
    """

    codec: ClassVar[CodecT]
    values: ClassVar[st.SearchStrategy[object]]
    structs: ClassVar[bool] = False
    everything: ClassVar[st.SearchStrategy[object]] = any_values()

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
            "test_exact_or_refused": given(data=st.data())(_fresh(_exact_or_refused)),
        }
        one_failure = settings(report_multiple_bugs=False)  # the clause's error, not a group
        for name, clause in clauses.items():
            setattr(cls, name, _own(one_failure(clause)))


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


def _exact_or_refused(self: CodecContract, data: st.DataObject) -> None:
    """What ``dumps`` takes comes back equal and of the same type, or it raises ``EncodeError``.

    Through ``loads``; a record (Struct, dataclass, NamedTuple) may instead come back through
    the codec's typed decoder for its class. Never altered silently, never another error.
    """
    clause = "CodecContract.exact_or_refused"
    value = data.draw(self.everything, label="value")
    try:
        encoded = _untrusted(self.codec.dumps, value)
    except EncodeError:
        return
    except Exception as exc:  # a refusal must be an EncodeError, and nothing else may escape
        raise ContractError(
            clause, f"dumps({value!r}) raised {type(exc).__name__}: {exc}, not EncodeError"
        ) from exc
    if not isinstance(encoded, bytes):
        raise ContractError(
            "CodecContract.dumps_gives_bytes", f"dumps({value!r}) gave {type(encoded)}"
        )
    how = "loads"
    decode: Callable[[bytes], object] = self.codec.loads
    if is_record(type(value)) and isinstance(self.codec, TypedCodecT):
        how = f"decoder({type(value).__qualname__})"
        decode = self.codec.decoder(type(value))
    try:
        back = decode(encoded)
    except Exception as exc:  # what dumps accepted must decode: any error is the finding
        raise ContractError(
            clause, f"{how}(dumps({value!r})) raised {type(exc).__name__}: {exc}"
        ) from exc
    if not _same(back, value):
        raise ContractError(clause, f"{how}(dumps({value!r})) gave {back!r}")


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
        pytest.skip("structs = False: the codec does not decode Structs")
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


class ChannelContract:
    """What every channel promises (``sdk.types.ChannelT``), for values that are ints.

    Set ``make``: a callable taking ``maxsize`` (an int, or None for no bound) and returning a
    new, empty ``ChannelT[Any, int]``. Each clause runs its examples on fresh event loops.
    """

    make: ClassVar[Callable[[int | None], ChannelT[Any, int]]]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        values = st.lists(st.integers(), max_size=20)
        clauses = {
            "test_fan_out_in_order": given(
                values=values, subscribers=st.integers(min_value=1, max_value=3)
            )(_fresh(_fan_out_in_order)),
            "test_buffered_before_the_first_subscriber": given(values=values)(
                _fresh(_buffered_before_the_first_subscriber)
            ),
            "test_maxsize_blocks_and_never_drops": given(
                maxsize=st.integers(min_value=1, max_value=5),
                extra=st.integers(min_value=1, max_value=10),
            )(_fresh(_maxsize_blocks_and_never_drops)),
            "test_send_resolves_once_with_metadata": given(values=values)(
                _fresh(_send_resolves_once_with_metadata)
            ),
        }
        for name, clause in clauses.items():
            setattr(cls, name, _own(clause))


def _fan_out_in_order(self: ChannelContract, values: list[int], subscribers: int) -> None:
    """Every subscriber receives every event put after it subscribed, in order."""

    async def run() -> None:
        channel = type(self).make(None)
        readers = [channel.clone(is_iterator=True) for _ in range(subscribers)]
        for value in values:
            await channel.put(value)
        for index, reader in enumerate(readers):
            got = [(await reader.get(timeout=_WAIT)).value for _ in values]
            if got != values:
                raise ContractError(
                    "ChannelContract.fan_out_in_order",
                    f"subscriber {index} of {subscribers} got {got} for {values}",
                )

    asyncio.run(run())


def _buffered_before_the_first_subscriber(self: ChannelContract, values: list[int]) -> None:
    """Events put while nobody listens wait for the first subscriber: none is dropped."""

    async def run() -> None:
        channel = type(self).make(None)
        for value in values:
            await channel.put(value)
        reader = channel.clone(is_iterator=True)
        got = [(await reader.get(timeout=_WAIT)).value for _ in values]
        if got != values:
            raise ContractError(
                "ChannelContract.buffered_before_the_first_subscriber",
                f"the first subscriber got {got} for {values} put before it came",
            )

    asyncio.run(run())


def _maxsize_blocks_and_never_drops(self: ChannelContract, maxsize: int, extra: int) -> None:
    """A full subscriber makes the sender wait; once it reads, it gets everything, in order."""

    async def run() -> None:
        channel = type(self).make(maxsize)
        reader = channel.clone(is_iterator=True)
        total = maxsize + extra
        sent: list[int] = []

        async def produce() -> None:
            for value in range(total):
                await channel.put(value)
                sent.append(value)

        producer = asyncio.ensure_future(produce())
        for _ in range(20):
            await asyncio.sleep(0)
        if len(sent) > maxsize:
            producer.cancel()
            raise ContractError(
                "ChannelContract.maxsize_blocks",
                f"{len(sent)} puts returned with maxsize={maxsize} and nobody reading",
            )
        got = [(await reader.get(timeout=_WAIT)).value for _ in range(total)]
        await producer
        if got != list(range(total)):
            raise ContractError(
                "ChannelContract.never_drops",
                f"read {got} after putting 0..{total - 1} with maxsize={maxsize}",
            )

    asyncio.run(run())


def _send_resolves_once_with_metadata(self: ChannelContract, values: list[int]) -> None:
    """``send`` gives a future that resolves to metadata, offsets rising, exactly once."""

    async def run() -> None:
        channel = type(self).make(None)
        reader = channel.clone(is_iterator=True)
        offsets: list[int] = []
        for value in values:
            fut = await channel.send(value=value)
            metadata = await fut
            if not fut.done() or fut.result() is not metadata:
                raise ContractError(
                    "ChannelContract.send_resolves_once", f"{fut!r} changed after resolving"
                )
            offsets.append(metadata.offset)
        if offsets != sorted(offsets) or len(set(offsets)) != len(offsets):
            raise ContractError(
                "ChannelContract.send_resolves_once", f"offsets {offsets} do not rise"
            )
        got = [(await reader.get(timeout=_WAIT)).value for _ in values]
        if got != values:
            raise ContractError("ChannelContract.send_delivers", f"got {got} for {values}")

    asyncio.run(run())


class TransportContract:
    """What every transport promises (``sdk.types.TransportT``), one test per clause.

    Provide a pytest fixture ``transport`` (any scope) giving the transport to test; each
    clause makes its own topics and groups on it. Clauses whose capability the transport does
    not declare are skipped by name. Set ``capabilities`` to test fewer than it declares, and
    ``profile = "long"`` (or pytest's ``--kit-profile long``) for many more examples.
    """

    capabilities: ClassVar[frozenset[Capability] | None] = None
    profile: ClassVar[Profile] = "quick"

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        for clause in TRANSPORT_CLAUSES:
            setattr(cls, f"test_{clause.name.partition('.')[2]}", clause.as_test())


_WAIT = 5.0
"""Seconds a clause waits for an event that should be there already."""


def _untrusted(dumps: Callable[[object], object], value: object) -> object:
    """What ``dumps`` gave, as the object it may be: a codec's annotations may be wrong."""
    return dumps(value)


def _own(test: Callable[P, None]) -> Callable[P, None]:
    """The hypothesis test ``test``, drawing its examples from its strategies alone."""

    @functools.wraps(test)
    def drawing(*args: P.args, **kwargs: P.kwargs) -> None:
        with own_examples():
            test(*args, **kwargs)

    return drawing


def _fresh(clause: Callable[P, None]) -> Callable[P, None]:
    """A new function object with the clause's code, for one subclass to own."""
    copy = types.FunctionType(
        clause.__code__, clause.__globals__, clause.__name__, clause.__defaults__
    )
    copy.__doc__ = clause.__doc__
    return copy


def _same(a: object, b: object) -> bool:
    """Equal, and of the same type all the way down (1 is not 1.0 is not True); NaN is NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(cast(float, b)))
    if isinstance(a, (list, tuple)):
        left, right = cast("list[object]", a), cast("list[object]", b)
        return len(left) == len(right) and all(map(_same, left, right))
    if isinstance(a, dict):
        first, second = cast("dict[object, object]", a), cast("dict[object, object]", b)
        return first.keys() == second.keys() and all(_same(first[k], second[k]) for k in first)
    return a == b
