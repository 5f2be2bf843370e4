"""Clauses on how a consumer fetches: ``max_records``, ``seek``, waiting and waking, misuse.

The SDK's consumer loop asks for bounded batches and waits in ``getmany``; a user seeks. No
other clause calls these with anything but the defaults, so a transport could ignore
``max_records``, never move on ``seek``, or return at once from every wait and still pass
(mutation found each: docs/kit.md). Registered with the other clauses on import.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from hypothesis import strategies as st

from sdk.errors import SendError
from sdk.types import TP, Capability, Message, TransportT

from .clauses import PARTITIONS, clause, draw_batch, send_all
from .errors import ContractError
from .sessions import PATIENCE, POLL, consuming, fresh_name, producing, read
from .strategies import Record


@clause()
async def _max_records_bounds_a_batch(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """``getmany(max_records=n)`` returns at most ``n`` records over all its partitions, at
    least one while some wait, and the rest, in order and once each, on the calls after."""
    name = "TransportContract.max_records_bounds_a_batch"
    partitions = PARTITIONS if "partitions" in declared else 1
    most = data.draw(st.integers(min_value=1, max_value=4), "max_records")
    topic = fresh_name("bounded")
    batch = draw_batch(data, frozenset(), partitions)
    batch += [Record(b"more", b"than max_records", partition=None) for _ in range(most + 1)]
    async with producing(transport, topic, partitions) as producer:
        places = await send_all(producer, topic, batch)
    got: list[Message] = []
    async with consuming(transport, [topic]) as consumer:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PATIENCE.get()
        while len(got) < len(batch):
            if loop.time() > deadline:
                raise ContractError(
                    name,
                    f"{len(got)} of {len(batch)} records of {topic} arrived within "
                    f"{PATIENCE.get()} s, fetching max_records={most}",
                )
            fetched = await consumer.getmany(timeout=POLL, max_records=most)
            count = sum(len(messages) for messages in fetched.values())
            if count > most:
                raise ContractError(
                    name, f"getmany(max_records={most}) returned {count} records of {topic}"
                )
            for messages in fetched.values():
                got.extend(messages)
    read_at = sorted((message.tp, message.offset) for message in got)
    if read_at != sorted(places):
        raise ContractError(name, f"sent {len(batch)} records to {sorted(places)}, read {read_at}")
    for tp in {message.tp for message in got}:
        offsets = [message.offset for message in got if message.tp == tp]
        if offsets != sorted(offsets):
            raise ContractError(name, f"{tp} was read at offsets {offsets}, max_records={most}")


@clause()
async def _getmany_waits_and_wakes(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """With nothing new, ``getmany(timeout=t)`` returns empty after ``t``, not at once; a
    record sent while it waits is returned by that call, long before its timeout."""
    name = "TransportContract.getmany_waits_and_wakes"
    topic = fresh_name("wake")
    record = draw_batch(data, frozenset())[0]
    loop = asyncio.get_running_loop()
    async with producing(transport, topic) as producer, consuming(transport, [topic]) as consumer:
        deadline = loop.time() + PATIENCE.get()
        while not consumer.assignment():  # the join: a rebalance may end a wait early
            if loop.time() > deadline:
                raise ContractError(name, f"the consumer of {topic} held nothing after a while")
            await consumer.getmany(timeout=POLL)
        await consumer.getmany(timeout=POLL)
        short = 0.2
        started = loop.time()
        early = await consumer.getmany(timeout=short)
        waited = loop.time() - started
        if not early and waited < short / 2:
            raise ContractError(
                name, f"getmany(timeout={short}) returned empty after {waited:.3f} s"
            )
        patience = PATIENCE.get()
        waiting = asyncio.ensure_future(consumer.getmany(timeout=patience))
        await asyncio.sleep(POLL)
        sent = loop.time()
        await send_all(producer, topic, [record])
        fetched = await waiting
        took = loop.time() - sent
    values = [message.value for messages in fetched.values() for message in messages]
    if values != [record.value] or took > patience / 2:
        raise ContractError(
            name,
            f"getmany(timeout={patience}) waiting when {record!r} was sent returned {values} "
            f"{took:.2f} s later",
        )


@clause()
async def _misuse_is_refused(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """A send to a partition the topic lacks is a ``SendError``; a negative commit a
    ``ValueError``; ``getmany`` on a consumer not started, or stopped, a ``RuntimeError``."""
    name = "TransportContract.misuse_is_refused"
    topic = fresh_name("misuse")
    partitions = PARTITIONS if "partitions" in declared else 1
    wrong = data.draw(st.sampled_from([partitions, -1]), "partition")
    async with producing(transport, topic, partitions) as producer:
        try:
            await (await producer.send(topic, b"k", b"v", partition=wrong))
        except SendError:
            pass
        else:
            raise ContractError(name, f"a send to partition {wrong} of {topic} was taken")
        await send_all(producer, topic, [Record(b"k", b"v", partition=0)])
    unstarted = transport.create_consumer(fresh_name("group"))
    try:
        await _refused(name, RuntimeError, "getmany before start", unstarted.getmany(timeout=0))
    finally:
        await unstarted.stop()  # a consumer never started stops quietly, its client closed
    async with consuming(transport, [topic]) as consumer:
        await read(consumer, 1, name, f"records of {topic}")
        await _refused(name, ValueError, "commit at -1", consumer.commit({TP(topic, 0): -1}))
    await _refused(name, RuntimeError, "getmany after stop", consumer.getmany(timeout=0))


async def _refused(name: str, error: type[Exception], what: str, call: Awaitable[object]) -> None:
    try:
        await call
    except error:
        return
    raise ContractError(name, f"{what} was not refused with {error.__name__}")
