"""Transactions, clause by clause: what exactly-once processing needs of a transport.

``App(processing_guarantee="exactly_once")`` commits each batch of outputs in one transaction
with the offsets of the inputs they came from, and reads with ``read_committed``. That is
exactly-once only if the transport keeps Kafka's promises: an aborted transaction is never
seen, a committed one is seen whole, with its offsets and not before, a zombie producer is
fenced, and a ``read_committed`` reader never reads past a transaction still open. Each clause
needs ``transactions``; registered with the other clauses on import.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Sequence
from typing import Final, cast

from hypothesis import strategies as st

from sdk.errors import CommitError, FencedError, TransactionError
from sdk.types import (
    TP,
    Capability,
    GroupMetadata,
    IsolationLevel,
    Message,
    TransactionalConsumerT,
    TransactionalProducerT,
    TransactionalTransportT,
    TransportT,
    is_transactional,
)

from .clauses import PARTITIONS, clause, draw_batch, send_all
from .errors import ContractError
from .sessions import (
    PATIENCE,
    fresh_name,
    grace_after,
    kit_topic,
    producing,
    read,
    read_nothing_more,
)
from .strategies import Record


@clause("transactions")
async def _aborted_never_visible(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """A ``read_committed`` reader never sees a record of an aborted transaction: it reads
    the committed ones, and those sent outside any transaction, and nothing else."""
    name = "TransportContract.aborted_never_visible"
    topic = fresh_name("aborted")
    partitions = PARTITIONS if "partitions" in declared else 1
    aborted = [_marked(r, b"aborted") for r in draw_batch(data, frozenset(), partitions)]
    committed = [_marked(r, b"committed") for r in draw_batch(data, frozenset(), partitions)]
    plain = Record(b"plain", b"outside any transaction")
    order = data.draw(st.permutations(["abort", "commit"]), "order")
    async with transacting(_narrow(transport), topic, partitions) as producer:
        for step in order:
            await producer.begin()
            if step == "abort":
                await send_all(producer, topic, aborted)
                await producer.abort()
            else:
                await send_all(producer, topic, committed)
                await producer.commit()
    async with producing(transport) as outside:
        await send_all(outside, topic, [plain])
    async with reading_committed(_narrow(transport), [topic]) as reader:
        got = await read(reader, len(committed) + 1, name, f"records of {topic}", grace=True)
    seen = sorted(_values(got), key=repr)
    wanted = sorted([*(r.value for r in committed), plain.value], key=repr)
    if seen != wanted:
        raise ContractError(
            name,
            f"committed {len(committed)} records and aborted {len(aborted)} ({order}); "
            f"read_committed read {seen}",
        )


@clause("transactions")
async def _committed_with_its_offsets(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """Offsets sent with a transaction become the group's committed offsets when it commits,
    as its records become visible, and not before; those sent with one that aborts, never.

    A transaction with the inputs' offsets aborts, then one with the same commits: between
    the two, nothing is committed and no output visible.
    """
    name = "TransportContract.committed_with_its_offsets"
    source, sink, group = fresh_name("input"), fresh_name("output"), fresh_name("group")
    batch = draw_batch(data, frozenset())
    tp = TP(source, 0)
    narrowed = _narrow(transport)
    async with producing(transport, source) as plain:
        await send_all(plain, source, batch)
        await plain.create_topic(sink, kit_topic())
        await send_all(plain, sink, [_BEGIN])
    async with (
        transacting(narrowed) as producer,
        reading_committed(narrowed, [source], group=group) as member,
        reading_committed(narrowed, [sink]) as watcher,
    ):
        inputs = await read(member, len(batch), name, f"records of {source}")
        offset = inputs[-1].offset + 1
        grace = await _reading(watcher, name, sink)
        for outcome in ("abort", "commit"):
            await producer.begin()
            await send_all(producer, sink, [_marked(r, outcome.encode()) for r in batch])
            await producer.send_offsets_to_transaction({tp: offset}, member.group_metadata())
            what = "an open transaction" + (", after one aborted" if outcome == "commit" else "")
            await read_nothing_more(watcher, grace, name, f"outputs of {what}", [])
            if (early := await member.committed(tp)) is not None:
                raise ContractError(
                    name,
                    f"offset {early} of {tp} is committed while the transaction it was sent "
                    f"with is open{' (after one that aborted)' if outcome == 'commit' else ''}",
                )
            if outcome == "abort":
                await producer.abort()  # what it shows, the next round's reading sees
        await producer.commit()
        outputs = await read(watcher, len(batch), name, f"committed outputs in {sink}")
        now = await member.committed(tp)
    if now != offset or [v.partition(b":")[0] for v in _values(outputs)] != [b"commit"] * len(
        batch
    ):
        raise ContractError(
            name,
            f"sent offset {offset} of {tp} with {len(batch)} outputs, aborted, sent them again "
            f"and committed: the committed offset is {now}, outputs read {_values(outputs)}",
        )


@clause("transactions")
async def _zombie_fenced(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """A producer started with the transactional id of another fences it: the other's open
    transaction is aborted, and its next call is a ``FencedError``; the new one carries on.

    Its ``begin``, with its transaction open, is refused (a ``TransactionError``: Kafka's
    client asks no broker to begin, so it may not know it is fenced yet), and its ``commit``
    after that is a ``FencedError``."""
    name = "TransportContract.zombie_fenced"
    topic, transactional_id = fresh_name("zombie"), fresh_name("txn")
    batch = draw_batch(data, frozenset())
    call = data.draw(st.sampled_from(["send", "commit", "abort", "begin"]), "zombie's call")
    narrowed = _narrow(transport)
    async with transacting(narrowed, topic, transactional_id=transactional_id) as zombie:
        await zombie.begin()
        await send_all(zombie, topic, [_marked(r, b"zombie") for r in batch])
        async with transacting(narrowed, transactional_id=transactional_id) as successor:
            if call == "begin":
                try:
                    await zombie.begin()
                except TransactionError:
                    pass
                else:
                    raise ContractError(
                        name, "a producer with its transaction open was let begin another"
                    )
            try:
                if call == "send":
                    await (await zombie.send(topic, b"late", b"zombie"))
                elif call == "abort":
                    await zombie.abort()
                else:
                    await zombie.commit()
            except FencedError:
                pass
            else:
                raise ContractError(
                    name,
                    f"a second producer of {transactional_id!r} started; the first's "
                    f"{'begin and then ' if call == 'begin' else ''}"
                    f"{'commit' if call == 'begin' else call} was not refused with FencedError",
                )
            await successor.begin()
            await send_all(successor, topic, [_marked(r, b"successor") for r in batch])
            await successor.commit()
    async with reading_committed(narrowed, [topic]) as reader:
        got = await read(reader, len(batch), name, f"records of {topic}")  # a zombie's come first
    if stray := [v for v in _values(got) if not v.startswith(b"successor")]:
        raise ContractError(name, f"read_committed read the fenced producer's {stray}")


@clause("transactions", "consumer_groups")
async def _zombie_offsets_refused(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """Offsets sent with a transaction in the name of a member no longer in its group are
    refused with ``CommitError``, and never committed: a zombie cannot commit over its
    successor's work (KIP-447). Both ways of being one, in each example: a member whose group
    rebalanced since (still a member, of a later generation), and one that left."""
    name = "TransportContract.zombie_offsets_refused"
    source, group = fresh_name("input"), fresh_name("group")
    batch = draw_batch(data, frozenset())
    tp = TP(source, 0)
    narrowed = _narrow(transport)
    async with producing(transport, source) as plain:
        await send_all(plain, source, batch)
    async with transacting(narrowed) as producer:
        async with reading_committed(narrowed, [source], group=group) as member:
            inputs = await read(member, len(batch), name, f"records of {source}")
            before, offset = member.group_metadata(), inputs[-1].offset + 1
            async with reading_committed(narrowed, [source], group=group) as second:
                await _until_rebalanced(member, second, before.generation, name)
                await _refused(producer, {tp: offset}, before, "the group rebalanced", name)
            last = member.group_metadata()
        await _refused(producer, {tp: offset}, last, "it left the group", name)
    async with reading_committed(narrowed, [source], group=group) as successor:
        if (committed := await successor.committed(tp)) is not None:
            raise ContractError(name, f"zombies' offsets were refused, yet {tp} is at {committed}")


async def _refused(
    producer: TransactionalProducerT,
    offsets: dict[TP, int],
    zombie: GroupMetadata,
    how: str,
    name: str,
) -> None:
    """Send ``offsets`` in ``zombie``'s name in a transaction: it must be refused (then the
    transaction is aborted); if it is not, the transaction commits, as a zombie's would."""
    await producer.begin()
    try:
        await producer.send_offsets_to_transaction(offsets, zombie)
    except CommitError:
        await producer.abort()
        return
    await producer.commit()
    raise ContractError(
        name,
        f"offsets sent in the name of member {zombie.member_id!r} of generation "
        f"{zombie.generation}, after {how}, were taken, and committed",
    )


async def _until_rebalanced(
    member: TransactionalConsumerT, second: TransactionalConsumerT, generation: int, name: str
) -> None:
    """Both members read (each takes part in the rebalance so) until ``member``'s generation
    is past ``generation``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE.get()
    while member.group_metadata().generation == generation:
        if loop.time() > deadline:
            raise ContractError(
                name, f"a second member joined; no rebalance of the group within {PATIENCE.get()} s"
            )
        await asyncio.gather(member.getmany(timeout=0.02), second.getmany(timeout=0.02))


@clause("transactions")
async def _read_committed_stops_at_open(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """A ``read_committed`` reader never reads past the first record of a transaction still
    open in a partition, not even records committed after it; once it ends, the reader reads
    on, in the order written."""
    name = "TransportContract.read_committed_stops_at_open"
    topic = fresh_name("stable")
    batch = [_marked(r, b"open") for r in draw_batch(data, frozenset())]
    later = [Record(b"later", b"after the open transaction", partition=0)]
    outcome = data.draw(st.sampled_from(["commit", "abort"]), "outcome")
    narrowed = _narrow(transport)
    async with (
        transacting(narrowed, topic) as first,
        transacting(narrowed) as second,
        reading_committed(narrowed, [topic]) as reader,
    ):
        await second.begin()
        await send_all(second, topic, [_BEGIN])
        await second.commit()
        grace = await _reading(reader, name, topic)
        await first.begin()
        await send_all(first, topic, [Record(r.key, r.value, partition=0) for r in batch])
        await second.begin()
        await send_all(second, topic, later)
        await second.commit()
        await read_nothing_more(reader, grace, name, "records behind an open transaction", [])
        await (first.commit() if outcome == "commit" else first.abort())
        expected = [*(r.value for r in batch if outcome == "commit"), later[0].value]
        got = await read(reader, len(expected), name, f"records of {topic}")
    if _values(got) != expected:
        raise ContractError(
            name,
            f"wrote {len(batch)} records in a transaction, then {later[0].value!r} committed "
            f"after them, then {outcome}: read {_values(got)}, expected {expected}",
        )


@clause("transactions")
async def _transactions_misuse_refused(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """What is out of turn is refused, each with its error, and the producer goes on: an empty
    transactional id and an isolation level that is neither (``ValueError``, when made);
    ``group_metadata()`` of a consumer not started (``RuntimeError``); a send, commit or abort
    with no transaction open and a ``begin`` with one open (``TransactionError``); an offset
    below 0 (``ValueError``). Only the transaction committed after them is read."""
    name = "TransportContract.transactions_misuse_refused"
    topic, group = fresh_name("misuse"), fresh_name("group")
    narrowed = _narrow(transport)
    _refuses(
        name, ValueError, "an empty transactional id", narrowed.create_transactional_producer, ""
    )
    odd = cast(IsolationLevel, data.draw(st.sampled_from(["serializable", "READ_COMMITTED", ""])))
    _refuses(
        name,
        ValueError,
        f"isolation level {odd!r}",
        narrowed.create_consumer,
        group,
        isolation_level=odd,
    )
    idle = narrowed.create_consumer(group, isolation_level="read_committed")
    try:
        _refuses(name, RuntimeError, "group_metadata() before start", idle.group_metadata)
    finally:
        await idle.stop()  # a client made holds resources even unstarted (aiokafka's does)
    async with transacting(narrowed, topic) as producer:
        await _refused_async(
            name,
            TransactionError,
            "a send outside a transaction",
            producer.send(topic, b"k", b"outside"),
        )
        await _refused_async(name, TransactionError, "a commit with none open", producer.commit())
        await _refused_async(name, TransactionError, "an abort with none open", producer.abort())
        await producer.begin()
        await send_all(producer, topic, [_BEGIN])
        await producer.commit()
        async with reading_committed(narrowed, [topic], group=group) as member:
            await read(member, 1, name, f"the first record of {topic}")
            await producer.begin()
            await _refused_async(name, TransactionError, "a begin with one open", producer.begin())
            offsets = {TP(topic, 0): -1}
            await _refused_async(
                name,
                ValueError,
                "offset -1",
                producer.send_offsets_to_transaction(offsets, member.group_metadata()),
            )
            last = Record(b"last", b"committed after the refusals", partition=0)
            await send_all(producer, topic, [last])
            await producer.commit()
            got = await read(member, 1, name, f"records of {topic}", grace=True)
    if _values(got) != [last.value]:
        raise ContractError(name, f"after the refused calls, read_committed read {_values(got)}")


def _refuses(
    name: str,
    kind: type[Exception],
    what: str,
    call: Callable[..., object],
    *args: object,
    **kw: object,
) -> None:
    try:
        call(*args, **kw)
    except kind:
        return
    raise ContractError(name, f"{what} was not refused with {kind.__name__}")


async def _refused_async(
    name: str, kind: type[Exception], what: str, call: Awaitable[object]
) -> None:
    try:
        await call
    except kind:
        return
    raise ContractError(name, f"{what} was not refused with {kind.__name__}")


@contextlib.asynccontextmanager
async def transacting(
    transport: TransactionalTransportT,
    topic: str | None = None,
    partitions: int = 1,
    *,
    transactional_id: str | None = None,
) -> AsyncGenerator[TransactionalProducerT, None]:
    """A started transactional producer (a fresh id by default); with ``topic``, it is made."""
    producer = transport.create_transactional_producer(transactional_id or fresh_name("txn"))
    await producer.start()
    try:
        if topic is not None:
            await producer.create_topic(topic, kit_topic(partitions))
        yield producer
    finally:
        await producer.stop()


@contextlib.asynccontextmanager
async def reading_committed(
    transport: TransactionalTransportT, topics: Iterable[str], *, group: str | None = None
) -> AsyncGenerator[TransactionalConsumerT, None]:
    """A started ``read_committed`` consumer of ``group`` (a fresh one), subscribed."""
    consumer = transport.create_consumer(
        group or fresh_name("group"), isolation_level="read_committed"
    )
    await consumer.start()
    try:
        consumer.subscribe(topics)
        yield consumer
    finally:
        await consumer.stop()


_BEGIN: Final = Record(
    b"begin", b"read first, so that the reader is known to be reading", partition=0
)


async def _reading(reader: TransactionalConsumerT, name: str, topic: str) -> float:
    """Read ``_BEGIN``: the reader is then in its group and reading. How long to read on for
    what must not come: as long as that took (a join, a fetch), ``GRACE`` at most."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    got = await read(reader, 1, name, f"the first record of {topic}")
    if _values(got) != [_BEGIN.value]:
        raise ContractError(name, f"the first record of {topic} read was {_values(got)}")
    return grace_after(loop.time() - started)


def _narrow(transport: TransportT) -> TransactionalTransportT:
    if not is_transactional(transport):  # the clause runs only where it is declared
        raise AssertionError(f"{transport.url} does not declare transactions")
    return transport


def _marked(record: Record, mark: bytes) -> Record:
    """The record with a value saying where it came from, so that a stray one shows which."""
    return Record(record.key, mark + b":" + (record.value or b""), partition=record.partition)


def _values(messages: Sequence[Message]) -> list[bytes]:
    return [message.value or b"" for message in messages]
