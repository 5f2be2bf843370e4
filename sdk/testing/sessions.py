"""Producers and consumers of a transport under test, started and always stopped.

Every clause works on topics and groups named afresh, so clauses and examples never see each
other's messages, even on a broker that outlives the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncGenerator, Coroutine, Iterable, Sequence
from contextvars import ContextVar
from typing import Any, Final, TypeVar

from sdk.impl.timeouts import within
from sdk.types import (
    TP,
    ConsumerT,
    Message,
    PartitionsCallback,
    ProducerT,
    TopicSettings,
    TransportT,
)

from .errors import ContractError, named

T = TypeVar("T")

PATIENCE: ContextVar[float] = ContextVar("PATIENCE", default=15.0)
"""Seconds a clause waits for what should arrive: a group join on a slow broker included.

A context variable, so a run can be more or less patient (``Clause.run(patience=...)``)
without it being threaded through every clause.
"""
POLL: Final = 0.02
"""Seconds one ``getmany`` of a clause waits when nothing is there: a clause polling until
something happens waits at most this long past it."""
GRACE: Final = 0.3
"""Seconds, at most, a clause reads on past what it expects, so that a record that should not
be there (a duplicate, a stray) shows: as long as the expected reading took, at least a poll.
The one way every clause, and the state machine, reads on (``grace_after``)."""


KEPT: Final = 100 * 365 * 24 * 3600.0
"""Seconds the kit's topics keep a message (``TopicSettings.retention``). The kit sends
timestamps as old as 1970, and a broker that keeps its default week (Apache Kafka's
``retention.ms``) deletes those at its next retention check, 30 s after it starts and every
5 minutes after: a record would vanish under a clause reading it."""


def kit_topic(partitions: int = 1) -> TopicSettings:
    """How the kit makes a topic: ``partitions``, and every message kept (``KEPT``)."""
    return TopicSettings(partitions=partitions, retention=KEPT)


def fresh_name(kind: str) -> str:
    return f"sdk-kit-{kind}-{uuid.uuid4().hex[:12]}"


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one example on a new event loop, bounded so that a hang is a failure that says
    what hung and for how long."""
    bound = 4 * PATIENCE.get()
    try:
        return asyncio.run(within(bound, coro))
    except TimeoutError as timeout:
        if str(timeout):
            raise
        raise TimeoutError(f"{named(coro)} did not finish within {bound} s") from None


@contextlib.asynccontextmanager
async def producing(
    transport: TransportT, topic: str | None = None, partitions: int = 1
) -> AsyncGenerator[ProducerT, None]:
    """A started producer; with ``topic``, the topic is created first."""
    producer = transport.create_producer()
    await producer.start()
    try:
        if topic is not None:
            await producer.create_topic(topic, kit_topic(partitions))
        yield producer
    finally:
        await producer.stop()


@contextlib.asynccontextmanager
async def consuming(
    transport: TransportT,
    topics: Iterable[str] = (),
    *,
    group: str | None = None,
    pattern: str | None = None,
    on_assigned: PartitionsCallback | None = None,
    on_revoked: PartitionsCallback | None = None,
) -> AsyncGenerator[ConsumerT, None]:
    """A started consumer of ``group`` (a fresh one by default), subscribed."""
    consumer = transport.create_consumer(
        group or fresh_name("group"), on_assigned=on_assigned, on_revoked=on_revoked
    )
    await consumer.start()
    try:
        consumer.subscribe(topics, pattern=pattern)
        yield consumer
    finally:
        await consumer.stop()


async def read(
    consumer: ConsumerT, count: int, clause: str, what: str, *, grace: bool = False
) -> list[Message]:
    """The next ``count`` messages, in the order they came; a clause error if they don't.

    A partition's offsets must rise within one read: one that goes back fails at once, saying
    which it expected and which it got, rather than leaving the count short until the wait ends.
    With ``grace``, reads on past them (``grace_after``): anything then is one too many.
    """
    loop = asyncio.get_running_loop()
    wait = PATIENCE.get()
    deadline = loop.time() + wait
    got: list[Message] = []
    last: dict[TP, int] = {}
    while len(got) < count:
        if loop.time() > deadline:
            raise ContractError(
                clause,
                f"waited {wait} s for {count} {what}; {len(got)} arrived: {_offsets(got)}",
            )
        for tp, messages in (await consumer.getmany(timeout=POLL)).items():
            for message in messages:
                if tp in last and message.offset <= last[tp]:
                    raise ContractError(
                        clause,
                        f"{tp.topic}[{tp.partition}] handed out offset {message.offset} after "
                        f"{last[tp]} while reading {what}: expected an offset above {last[tp]}; "
                        f"read so far {_offsets(got)}",
                    )
                last[tp] = message.offset
                got.append(message)
    if grace:
        took = loop.time() - deadline + wait
        await read_nothing_more(consumer, grace_after(took), clause, f"the {count} {what}", got)
    return got


def grace_after(took: float) -> float:
    """How long to read on after a reading that took ``took`` seconds: as long, ``GRACE`` at
    most, one poll at least; short on a fast transport."""
    return min(GRACE, max(POLL, took))


async def read_nothing_more(
    consumer: ConsumerT, grace: float, clause: str, what: str, got: Sequence[Message]
) -> None:
    """Poll for ``grace`` seconds; anything read is a clause error (a duplicate, a stray)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while loop.time() < deadline:
        more = [m for ms in (await consumer.getmany(timeout=POLL)).values() for m in ms]
        if more:
            raise ContractError(
                clause,
                f"after {what} ({[(m.tp, m.offset) for m in got]}) read "
                f"{[(m.tp, m.offset, m.key, m.value) for m in more]} too",
            )


def _offsets(messages: Iterable[Message]) -> str:
    """Offsets by partition, in the order they came."""
    by: dict[TP, list[int]] = {}
    for message in messages:
        by.setdefault(TP(message.topic, message.partition), []).append(message.offset)
    if not by:
        return "none"
    return "; ".join(f"{tp.topic}[{tp.partition}] offsets {offsets}" for tp, offsets in by.items())
