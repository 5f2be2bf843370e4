"""Clauses on how a consumer fetches: ``max_records``, waiting and waking, misuse.

The SDK's consumer loop asks for bounded batches and waits in ``getmany``. No other clause
calls these with anything but the defaults, so a transport could ignore ``max_records``,
return at once from every wait, or take what it should refuse and still pass (mutation found
each: docs/kit.md). Registered with the other clauses on import.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Final

from hypothesis import strategies as st

from sdk.errors import SendError
from sdk.impl.consumer_loop import MAX_RECORDS as SDK_FETCH
from sdk.impl.timeouts import within
from sdk.types import TP, Capability, Message, ProducerT, TransportT

from .clauses import PARTITIONS, clause, draw_batch, matched, send_all
from .errors import ContractError
from .sessions import (
    PATIENCE,
    POLL,
    consuming,
    fresh_name,
    grace_after,
    producing,
    read,
    read_nothing_more,
)
from .strategies import Record


@clause()
async def _max_records_bounds_a_batch(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """``getmany(max_records=n)`` returns at most ``n`` records over all its partitions; a log
    longer than the SDK's fetch is read whole, bounded or not: each partition in order, every
    record once, nothing more after it."""
    name = "TransportContract.max_records_bounds_a_batch"
    partitions = PARTITIONS if "partitions" in declared else 1
    limit = data.draw(st.sampled_from([1, 2, 3, 4, 7, SDK_FETCH, None]), "max_records")
    length = data.draw(st.integers(min_value=SDK_FETCH + 1, max_value=2 * SDK_FETCH), "records")
    topic = fresh_name("bounded")
    batch = draw_batch(data, frozenset(), partitions)
    batch += [Record(b"%d" % (n % 5), b"%d" % n) for n in range(length)]  # keys: every partition
    async with producing(transport, topic, partitions) as producer:
        places = await send_all(producer, topic, batch)
    got: list[Message] = []
    async with consuming(transport, [topic]) as consumer:
        loop = asyncio.get_running_loop()
        start = loop.time()
        deadline = start + PATIENCE.get()
        while len(got) < len(batch):
            if loop.time() > deadline:
                raise ContractError(
                    name,
                    f"{len(got)} of {len(batch)} records of {topic} arrived within "
                    f"{PATIENCE.get()} s, fetching max_records={limit}",
                )
            fetched = await consumer.getmany(timeout=POLL, max_records=limit)
            count = sum(len(messages) for messages in fetched.values())
            if limit is not None and count > limit:
                raise ContractError(
                    name, f"getmany(max_records={limit}) returned {count} records of {topic}"
                )
            for messages in fetched.values():
                got.extend(messages)
        what = f"the {len(batch)} records of {topic}, max_records={limit}"
        await read_nothing_more(consumer, grace_after(loop.time() - start), name, what, got)
    for record, message in matched(name, batch, places, got):
        if (message.key, message.value) != (record.key, record.value):
            raise ContractError(
                name, f"sent {record!r}, read key={message.key!r} value={message.value!r}"
            )
    for tp in {message.tp for message in got}:
        offsets = [message.offset for message in got if message.tp == tp]
        if offsets != sorted(offsets):
            raise ContractError(name, f"{tp} was read at offsets {offsets}, max_records={limit}")


WAIT: Final = 0.05
"""Seconds of the ``getmany`` timeouts a clause times with nothing new: several polls long."""


@clause()
async def _getmany_waits_and_wakes(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """With nothing new, ``getmany(timeout=t)`` returns empty after about ``t``: not at once (a
    loop around it would spin), not long after (it would hang); a record sent while it waits
    is returned by that call, long before its timeout."""
    name = "TransportContract.getmany_waits_and_wakes"
    topic = fresh_name("wake")
    record = draw_batch(data, frozenset())[0]
    calls = 2
    loop = asyncio.get_running_loop()
    async with producing(transport, topic) as producer, consuming(transport, [topic]) as consumer:
        await send_all(producer, topic, [Record(b"first", b"read before the waits")])
        await read(consumer, 1, name, f"records of {topic}")  # joined: no rebalance ends a wait
        started = loop.time()
        for _ in range(calls):
            try:
                got = await within(WAIT + PATIENCE.get(), consumer.getmany(timeout=WAIT))
            except TimeoutError:
                raise ContractError(
                    name, f"getmany(timeout={WAIT}) did not return in {PATIENCE.get()} s"
                ) from None
            if got:
                raise ContractError(name, f"read {dict(got)} where nothing more was sent")
        waited = loop.time() - started
        if waited < calls * WAIT / 2:
            raise ContractError(
                name, f"{calls} calls of getmany(timeout={WAIT}) returned empty in {waited:.3f} s"
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
    """A send to a partition the topic lacks (one past its last, or -1) is a ``SendError``
    naming the topic and the partition, raised by ``send`` or by its answer, and nothing of it
    lands; a negative commit is a ``ValueError``; ``getmany`` on a consumer not started, or
    stopped, a ``RuntimeError``."""
    name = "TransportContract.misuse_is_refused"
    topic = fresh_name("misuse")
    partitions = PARTITIONS if "partitions" in declared else 1
    async with producing(transport, topic, partitions) as producer:
        for wrong in (partitions, -1):
            await _refused_send(name, producer, topic, wrong, partitions)
        await send_all(producer, topic, [Record(b"k", b"v", partition=0)])
    unstarted = transport.create_consumer(fresh_name("group"))
    try:
        await _refused(name, RuntimeError, "getmany before start", unstarted.getmany(timeout=0))
    finally:
        await unstarted.stop()  # a consumer never started stops quietly, its client closed
    async with consuming(transport, [topic]) as consumer:
        await read(consumer, 1, name, f"records of {topic}", grace=True)  # no refused one
        await _refused(name, ValueError, "commit at -1", consumer.commit({TP(topic, 0): -1}))
    await _refused(name, RuntimeError, "getmany after stop", consumer.getmany(timeout=0))


async def _refused_send(
    name: str, producer: ProducerT, topic: str, partition: int, partitions: int
) -> None:
    try:
        ack = await producer.send(topic, b"k", b"v", partition=partition)
        await producer.flush()
        landed = await ack
    except SendError as exc:
        if exc.topic != topic or exc.partition != partition:
            raise ContractError(
                name, f"a send to partition {partition} of {topic!r} failed as {exc!r}"
            ) from exc
        return
    raise ContractError(
        name,
        f"a send to partition {partition} of {topic!r}, which has partitions "
        f"0..{partitions - 1}, landed at {landed!r}",
    )


async def _refused(name: str, error: type[Exception], what: str, call: Awaitable[object]) -> None:
    try:
        await call
    except error:
        return
    raise ContractError(name, f"{what} was not refused with {error.__name__}")
