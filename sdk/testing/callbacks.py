"""The clause on assignment callbacks: ``on_assigned`` and ``on_revoked`` say what a member holds.

The SDK's consumer loop keeps its per-partition state by these callbacks alone, so a transport
that calls them late, with the wrong partitions, or not at all, loses or repeats work; no other
clause looks at ``on_assigned`` (mutation found it: docs/kit.md). Registered on import.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from hypothesis import strategies as st

from sdk.types import TP, Capability, ConsumerT, Message, TransportT

from .clauses import PARTITIONS, clause, draw_batch
from .errors import ContractError
from .sessions import PATIENCE, POLL, consuming, fresh_name, producing
from .strategies import Record

NAME = "TransportContract.callbacks_track_assignment"


class _Held:
    """What one member's callbacks said it holds: on_assigned's partitions less on_revoked's."""

    def __init__(self) -> None:
        self.partitions: set[TP] = set()

    async def assigned(self, tps: frozenset[TP]) -> None:
        self.partitions |= tps

    async def revoked(self, tps: frozenset[TP]) -> None:
        self.partitions -= tps


@clause("consumer_groups", "partitions")
async def _callbacks_track_assignment(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """What ``on_assigned`` gave less what ``on_revoked`` took is ``assignment()``, once a
    rebalance settles: two members joining, then one leaving (the other takes all, while it
    waits in ``getmany``), which then holds nothing. No record of a partition is returned
    before ``on_assigned`` gave it, not even by a ``getmany`` that was waiting as it moved."""
    topic, group = fresh_name("callbacks"), fresh_name("group")
    batch = draw_batch(data, frozenset(), PARTITIONS)
    batch += [Record(b"mark", b"", partition=p) for p in range(PARTITIONS)]  # one to hand over
    every = frozenset(TP(topic, p) for p in range(PARTITIONS))
    first, second = _Held(), _Held()
    async with producing(transport, topic, PARTITIONS) as producer:
        for record in batch:
            await producer.send(topic, record.key, record.value, partition=record.partition)
        await producer.flush()
        async with consuming(
            transport, [topic], group=group, on_assigned=first.assigned, on_revoked=first.revoked
        ) as one:
            async with consuming(
                transport,
                [topic],
                group=group,
                on_assigned=second.assigned,
                on_revoked=second.revoked,
            ) as two:
                await _settle([(one, first), (two, second)], "two members joined")
                waiting = asyncio.ensure_future(one.getmany(timeout=PATIENCE.get()))
                await asyncio.sleep(POLL)  # it is waiting when the second leaves
            try:
                if two.assignment():
                    raise ContractError(
                        NAME, f"a stopped member's assignment() is {sorted(two.assignment())}"
                    )
            finally:
                fetched = await waiting  # the second's partitions, uncommitted, come to it
            _check(fetched, first)
            await _settle([(one, first)], "the second member left", every)


async def _settle(
    members: Sequence[tuple[ConsumerT, _Held]], after: str, whole: frozenset[TP] | None = None
) -> None:
    """Poll every member until each one's callbacks agree with its assignment, and between
    them they hold ``whole`` (every partition, each once, when None: all they can)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE.get()
    while True:
        for consumer, held in members:
            fetched = await consumer.getmany(timeout=POLL)
            _check(fetched, held)
        shares = [consumer.assignment() for consumer, _ in members]
        said = [frozenset(held.partitions) for _, held in members]
        union = [tp for share in shares for tp in share]
        settled = said == shares and len(union) == len(set(union)) and all(shares)
        if settled and (whole is None or frozenset(union) == whole):
            return
        if loop.time() > deadline:
            raise ContractError(
                NAME,
                f"{PATIENCE.get()} s after {after}, the members hold {[sorted(s) for s in shares]}"
                f" and their callbacks said {[sorted(s) for s in said]}",
            )


def _check(fetched: Mapping[TP, Sequence[Message]], held: _Held) -> None:
    stray = [(tp, len(messages)) for tp, messages in fetched.items() if tp not in held.partitions]
    if stray:
        raise ContractError(
            NAME, f"getmany returned records of {stray} before on_assigned gave them"
        )
