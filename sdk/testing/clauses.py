"""The transport contract, clause by clause: what ``sdk.types.TransportT`` promises.

Each clause is a hypothesis test of one promise, run on a transport. A clause that needs a
capability the transport does not declare raises ``Undeclared`` (a skip, by name); one that
does not hold raises ``ContractError`` naming itself and the records that broke it.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

import pytest
from hypothesis import given, seed
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure

from sdk.errors import SendError
from sdk.impl.partitioning import key_partition
from sdk.types import (
    CREATE_TIME,
    EVERY_CAPABILITY,
    TP,
    AckT,
    Capability,
    ConsumerT,
    Message,
    ProducerT,
    TransportT,
)

from .errors import ContractError, Undeclared
from .profiles import Kind, Profile, clause_seed, kit_settings, own_examples
from .sessions import PATIENCE, POLL, consuming, fresh_name, kit_topic, producing, read, run
from .strategies import Record, batches

Check = Callable[[TransportT, frozenset[Capability], st.DataObject], Coroutine[Any, Any, None]]
PARTITIONS: Final = 3
"""Partitions of a topic in clauses about partitions: enough for order and sharing to show."""


Runner = Callable[[TransportT, frozenset[Capability], Profile], None]


class Mixin(Protocol):
    """What a contract mixin says about how to run its clauses (``TransportContract``'s and
    ``AppContract``'s class attributes)."""

    @property
    def capabilities(self) -> frozenset[Capability] | None: ...

    @property
    def profile(self) -> Profile: ...


ClauseTest = Callable[[Mixin, TransportT, pytest.FixtureRequest], None]


@dataclass(frozen=True)
class Clause:
    """One promise: its name, the capabilities it needs, and how to check it on a transport."""

    name: str
    needs: tuple[Capability, ...]
    doc: str
    runner: Runner

    def run(
        self,
        transport: TransportT,
        declared: frozenset[Capability] | None = None,
        profile: Profile = "quick",
        patience: float | None = None,
    ) -> None:
        """Check the clause on ``transport``; ``declared`` defaults to its capabilities.

        ``patience``: seconds to wait for what should arrive (default 15, for slow brokers).
        """
        if declared is None:
            declared = transport.capabilities
        elif extra := declared - transport.capabilities:
            raise ValueError(
                f"{transport.url} does not declare {sorted(extra)}: test fewer, not more"
            )
        for capability in self.needs:
            if capability not in declared:
                left_out = capability in transport.capabilities
                raise Undeclared(self.name, capability, transport.url, left_out=left_out)
        token = PATIENCE.set(patience) if patience is not None else None
        try:
            with own_examples():
                self.runner(transport, declared, profile)
        except FlakyFailure as flaky:  # the clause's own error, flagged, not hypothesis' wrapper
            failures: tuple[BaseException, ...] = getattr(flaky, "exceptions", ())  # untyped
            raise ContractError.of_intermittent(self.name, failures) from flaky
        finally:
            if token is not None:
                PATIENCE.reset(token)

    def as_test(self) -> ClauseTest:
        """The clause as a test method of a mixin that has a ``transport`` fixture: a clause
        whose capability is not declared is a skip, by name."""

        def test(self_: Mixin, transport: TransportT, request: pytest.FixtureRequest) -> None:
            profile: Profile = request.config.getoption("kit_profile", None) or self_.profile
            try:
                self.run(transport, self_.capabilities, profile)
            except Undeclared as undeclared:
                pytest.skip(str(undeclared))

        test.__doc__ = self.doc
        return test


CLAUSES: list[Clause] = []


def clause(*needs: Capability, consuming: bool = True) -> Callable[[Check], Check]:
    """Register an async check as a clause: hypothesis runs it, each example on a new loop.

    As many examples as its kind runs in the profile: one that needs ``consumer_groups`` is
    grouped, one that starts no consumer (``consuming=False``) is producing.
    """
    kind: Kind = (
        "grouped" if "consumer_groups" in needs else "consuming" if consuming else "producing"
    )

    def register(check: Check) -> Check:
        def runner(
            transport: TransportT, declared: frozenset[Capability], profile: Profile
        ) -> None:
            @seed(clause_seed(name))
            @kit_settings(profile, kind)
            @given(data=st.data())
            def examples(data: st.DataObject) -> None:
                run(check(transport, declared, data))

            examples()

        name = f"TransportContract.{check.__name__.lstrip('_')}"
        CLAUSES.append(Clause(name, needs, (check.__doc__ or "").strip(), runner))
        return check

    return register


def draw_batch(
    data: st.DataObject, declared: frozenset[Capability], partitions: int = 1
) -> list[Record]:
    """Records to send: with only what ``declared`` allows, spread over ``partitions``."""
    return data.draw(batches(declared, partitions), "records")


async def _send(producer: ProducerT, topic: str, record: Record) -> AckT:
    return await producer.send(
        topic,
        record.key,
        record.value,
        partition=record.partition,
        timestamp=record.timestamp,
        headers=record.headers,
    )


async def send_all(
    producer: ProducerT, topic: str, batch: Sequence[Record]
) -> list[tuple[TP, int]]:
    """Send ``batch``, flush, and say where each record landed."""
    acks = [await _send(producer, topic, record) for record in batch]
    await producer.flush()
    return [((m := await ack).topic_partition, m.offset) for ack in acks]


def matched(
    name: str, batch: Sequence[Record], places: Sequence[tuple[TP, int]], got: Sequence[Message]
) -> list[tuple[Record, Message]]:
    """Each record with the message read where its send said it landed; all of them, once."""
    read_at = {(message.tp, message.offset): message for message in got}
    if len(got) != len(batch) or len(read_at) != len(got):
        raise ContractError(name, f"sent {len(batch)} records, read {len(got)}: {list(read_at)}")
    pairs: list[tuple[Record, Message]] = []
    for record, place in zip(batch, places, strict=True):
        message = read_at.get(place)
        if message is None:
            raise ContractError(name, f"{record!r} landed at {place}, and nothing was read there")
        pairs.append((record, message))
    return pairs


@clause(consuming=False)
async def _acks_resolve_once(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """Every send's answer resolves exactly once, by ``flush``, to its topic, offsets rising."""
    name = "TransportContract.acks_resolve_once"
    topic = fresh_name("acks")
    batch = draw_batch(data, declared)
    calls: list[int] = []
    async with producing(transport, topic) as producer:
        acks: list[AckT] = []
        for index, record in enumerate(batch):
            ack = await _send(producer, topic, record)
            calls.append(0)
            ack.add_done_callback(_counter(calls, index))
            acks.append(ack)
        await producer.flush()
        for _ in range(5):  # callbacks are scheduled, not called in place
            await asyncio.sleep(0)
        last: dict[TP, int] = {}
        for record, ack, count in zip(batch, acks, calls, strict=True):
            if not ack.done():
                raise ContractError(name, f"the send of {record!r} is not done after flush()")
            if count != 1:
                raise ContractError(name, f"the send of {record!r} called back {count} times")
            metadata = ack.result()
            if metadata is not ack.result() and metadata != ack.result():
                raise ContractError(name, f"the send of {record!r} changed its result")
            if metadata.topic != topic or metadata.offset <= last.get(metadata.topic_partition, -1):
                raise ContractError(
                    name, f"{record!r} landed at {metadata!r}, after offset {last} of {topic}"
                )
            last[metadata.topic_partition] = metadata.offset


def _counter(calls: list[int], index: int) -> Callable[[object], None]:
    def called(_: object) -> None:
        calls[index] += 1

    return called


@clause()
async def _round_trip(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """A new group reads every record from the start: same key, value, and where it landed."""
    name = "TransportContract.round_trip"
    topic = fresh_name("round-trip")
    batch = draw_batch(data, frozenset())
    async with producing(transport, topic) as producer:
        places = await send_all(producer, topic, batch)
    async with consuming(transport, [topic]) as consumer:
        received = await read(consumer, len(batch), name, f"records of {topic}")
    for record, message in matched(name, batch, places, received):
        if (message.key, message.value) != (record.key, record.value):
            raise ContractError(
                name, f"sent {record!r}, read key={message.key!r} value={message.value!r}"
            )


@clause()
async def _per_partition_order(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """Each partition is read in the order it was written, offsets rising without gaps."""
    name = "TransportContract.per_partition_order"
    partitions = PARTITIONS if "partitions" in declared else 1
    topic = fresh_name("order")
    batch = draw_batch(data, frozenset(), partitions)
    async with producing(transport, topic, partitions) as producer:
        places = await send_all(producer, topic, batch)
    async with consuming(transport, [topic]) as consumer:
        received = await read(consumer, len(batch), name, f"records of {topic}")
    for tp in {tp for tp, _ in places}:
        sent = [record.value for record, (at, _) in zip(batch, places, strict=True) if at == tp]
        got = [message for message in received if message.tp == tp]
        offsets = [message.offset for message in got]
        if [message.value for message in got] != sent or offsets != sorted(offsets):
            raise ContractError(
                name, f"{tp} was written {sent} and read {[(m.offset, m.value) for m in got]}"
            )


@clause("headers")
async def _headers_round_trip(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """Headers come back as sent: order, duplicates, empty names, binary values."""
    await _fields_round_trip(transport, data, "headers", frozenset({"headers"}))


@clause("timestamps")
async def _timestamps_round_trip(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """A timestamp given to ``send`` comes back, to the millisecond, as CreateTime."""
    await _fields_round_trip(transport, data, "timestamps", frozenset({"timestamps"}))


@clause("tombstones")
async def _tombstones_round_trip(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """A value of ``None`` (a tombstone) comes back ``None``, never ``b""``."""
    await _fields_round_trip(transport, data, "tombstones", frozenset({"tombstones"}))


async def _fields_round_trip(
    transport: TransportT, data: st.DataObject, part: str, declared: frozenset[Capability]
) -> None:
    name = f"TransportContract.{part}_round_trip"
    topic = fresh_name(part)
    batch = [*draw_batch(data, declared), _WITH[part]]
    async with producing(transport, topic) as producer:
        places = await send_all(producer, topic, batch)
    async with consuming(transport, [topic]) as consumer:
        received = await read(consumer, len(batch), name, f"records of {topic}")
    for record, message in matched(name, batch, places, received):
        if part == "headers" and tuple(message.headers) != record.headers:
            raise ContractError(name, f"sent headers {record.headers!r}, read {message.headers!r}")
        if part == "tombstones" and message.value != record.value:
            raise ContractError(name, f"sent value {record.value!r}, read {message.value!r}")
        if (
            part == "timestamps"
            and record.timestamp is not None
            and (
                abs(message.timestamp - record.timestamp) > 0.0005
                or message.timestamp_type != CREATE_TIME
            )
        ):
            raise ContractError(
                name,
                f"sent timestamp {record.timestamp!r}, read {message.timestamp!r} "
                f"of type {message.timestamp_type}",
            )


_WITH: Final[dict[str, Record]] = {
    "headers": Record(b"k", b"v", (("h", b"1"), ("h", b""), ("", b"\xff"))),
    "timestamps": Record(b"k", b"v", timestamp=1_600_000_000.123),
    "tombstones": Record(b"k", None),
}
"""Per part, a record that surely has it: duplicate, empty and binary headers; a timestamp;
a tombstone. Only the part under test, so a transport is never sent what it did not declare."""


@clause("partitions", consuming=False)
async def _same_key_same_partition(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """A key always lands in one partition, murmur2's as the Java client; explicit ones hold."""
    name = "TransportContract.same_key_same_partition"
    topic = fresh_name("keys")
    batch = draw_batch(data, frozenset(), PARTITIONS)
    async with producing(transport, topic, PARTITIONS) as producer:
        places = await send_all(producer, topic, batch + batch)
        for record, (tp, _) in zip(batch + batch, places, strict=True):
            if record.partition is not None:
                expected: int | None = record.partition
            elif record.key is not None:
                expected = key_partition(record.key, PARTITIONS)
                said = producer.key_partition(topic, record.key)
                if said != expected:
                    raise ContractError(
                        name, f"key_partition({topic!r}, {record.key!r}) is {said}, not {expected}"
                    )
            else:
                expected = None
            if expected is not None and tp.partition != expected:
                raise ContractError(
                    name, f"{record!r} landed in partition {tp.partition}, not {expected}"
                )


@clause("topic_creation", consuming=False)
async def _creates_topics(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """``create_topic`` makes the partitions asked for, and leaves an existing topic alone.

    Before, the topic has no partitions (asking creates none) and no key has a partition.
    """
    name = "TransportContract.creates_topics"
    count = data.draw(st.integers(min_value=1, max_value=4), "partitions")
    topic = fresh_name("created")
    async with producing(transport) as producer:
        for asked in ("once", "twice"):
            if found := await producer.partitions_for(topic):
                raise ContractError(
                    name, f"{topic!r} has partitions {found} before it was created, asked {asked}"
                )
        if (said := producer.key_partition(topic, b"k")) is not None:
            raise ContractError(name, f"key_partition({topic!r}, b'k') is {said}, of no topic")
        for attempt in (count, count + 1):
            await producer.create_topic(topic, kit_topic(attempt))
            found = await producer.partitions_for(topic)
            if found != frozenset(range(count)):
                raise ContractError(
                    name, f"{topic!r} made with {count} partitions, then {attempt}: has {found}"
                )


@clause("consumer_groups", "partitions")
async def _groups_share_partitions(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """Two members of a group split the partitions: each record goes to exactly one of them."""
    name = "TransportContract.groups_share_partitions"
    topic, group = fresh_name("shared"), fresh_name("group")
    batch = draw_batch(data, frozenset(), PARTITIONS)
    async with (
        producing(transport, topic, PARTITIONS) as producer,
        consuming(transport, [topic], group=group) as first,
        consuming(transport, [topic], group=group) as second,
    ):
        members = (first, second)
        if early := await _poll_until_shared(members, PARTITIONS, name):
            raise ContractError(name, f"read {early} before anything was sent")
        places = await send_all(producer, topic, batch)
        got: list[Message] = []
        deadline = asyncio.get_running_loop().time() + PATIENCE.get()
        while len(got) < len(batch) and asyncio.get_running_loop().time() < deadline:
            for member in members:
                for messages in (await member.getmany(timeout=POLL)).values():
                    stray = [m for m in messages if m.tp not in member.assignment()]
                    if stray:
                        raise ContractError(name, f"a member read {stray}, not of its partitions")
                    got.extend(messages)
    matched(name, batch, places, got)


async def _poll_until_shared(
    members: Sequence[ConsumerT], partitions: int, name: str
) -> list[Message]:
    """Poll every member until each holds its own share of all partitions; what they read."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE.get()
    read_early: list[Message] = []
    while True:
        shares = [member.assignment() for member in members]
        held = [tp.partition for share in shares for tp in share]
        if all(shares) and sorted(held) == list(range(partitions)):
            return read_early
        if loop.time() > deadline:
            raise ContractError(name, f"after {PATIENCE.get()} s the members hold {shares}")
        for member in members:
            for messages in (await member.getmany(timeout=POLL)).values():
                read_early.extend(messages)


@clause("consumer_groups", "partitions")
async def _revoked_partitions_stay_revoked(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """Once a member's ``on_revoked`` has returned, it reads nothing more of what it gave up.

    A second member joins while the first has records fetched and unread: the first's revoke
    runs inside its ``getmany``, and until a partition is assigned to it again nothing of it
    reaches the first member, not even what it had fetched before. Between them, the members
    read every record sent after the join.
    """
    name = "TransportContract.revoked_partitions_stay_revoked"
    topic, group = fresh_name("revoke"), fresh_name("group")
    before = draw_batch(data, frozenset(), PARTITIONS)
    before += [Record(b"before", b"the join", partition=p) for p in range(PARTITIONS)]
    after = draw_batch(data, frozenset(), PARTITIONS)
    revoked: set[TP] = set()

    async def on_revoked(tps: frozenset[TP]) -> None:
        revoked.update(tps)

    async def on_assigned(tps: frozenset[TP]) -> None:
        revoked.difference_update(tps)

    def check(messages: Sequence[Message]) -> None:
        stray = [(m.tp, m.offset) for m in messages if m.tp in revoked]
        if stray:
            raise ContractError(name, f"after giving up {sorted(revoked)}, read {stray}")

    async with (
        producing(transport, topic, PARTITIONS) as producer,
        consuming(
            transport, [topic], group=group, on_assigned=on_assigned, on_revoked=on_revoked
        ) as first,
    ):
        await send_all(producer, topic, before)
        await read(first, 1, name, f"records of {topic} before the join")
        async with consuming(transport, [topic], group=group) as second:
            members = (first, second)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + PATIENCE.get()
            while not (second.assignment() and revoked):  # the join, seen by both
                if loop.time() > deadline:
                    raise ContractError(
                        name,
                        f"after {PATIENCE.get()} s the second member holds "
                        f"{sorted(second.assignment())}, the first gave up {sorted(revoked)}",
                    )
                for member in members:
                    batch = await member.getmany(timeout=POLL)
                    if member is first:
                        check([m for messages in batch.values() for m in messages])
            places = set(await send_all(producer, topic, after))
            seen: set[tuple[TP, int]] = set()
            deadline = loop.time() + PATIENCE.get()
            while not places <= seen and loop.time() < deadline:
                for member in members:
                    for messages in (await member.getmany(timeout=POLL)).values():
                        if member is first:
                            check(messages)
                        seen.update((m.tp, m.offset) for m in messages)
    if missing := sorted(places - seen):
        raise ContractError(name, f"records sent after the join at {missing} were never read")


@clause("patterns", "topic_creation")
async def _patterns_see_new_topics(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """A pattern reads every topic it fully matches, one made after it too, and no other.

    The others match the pattern's start only, or only somewhere inside: a transport that
    matches with ``re.match`` or ``re.search`` instead of a full match reads them.
    """
    name = "TransportContract.patterns_see_new_topics"
    prefix = fresh_name("pattern")
    pattern = f"{re.escape(prefix)}-(a|b)"
    before, later = f"{prefix}-a", f"{prefix}-b"
    others = [f"{prefix}-ab", f"x{prefix}-a"]
    batch = draw_batch(data, frozenset())
    async with producing(transport, before) as producer:
        await send_all(producer, before, batch)
        async with consuming(transport, pattern=pattern) as consumer:
            got = await read(consumer, len(batch), name, f"records of {before}")
            for topic in [*others, later]:
                await producer.create_topic(topic, kit_topic())
                await send_all(producer, topic, batch)
            got += await read(consumer, len(batch), name, f"records of {later}, made after")
    topics = sorted({message.topic for message in got})
    read_once = {(message.tp, message.offset) for message in got}
    if topics != [before, later] or len(read_once) != 2 * len(batch):
        raise ContractError(
            name,
            f"pattern {pattern} read {len(read_once)} records of {topics}, "
            f"sent {len(batch)} to each of {[before, later, *others]}",
        )


@clause("durable_commits")
async def _resume_after_commit(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """A restarted member resumes at its group's commit: nothing lost, nothing before it again."""
    name = "TransportContract.resume_after_commit"
    topic, group = fresh_name("resume"), fresh_name("group")
    batch = draw_batch(data, frozenset())
    cut = data.draw(st.integers(min_value=0, max_value=len(batch) - 1), "commit after")
    batch.append(Record(b"after", b"the commit"))  # so a resume past the commit shows at once
    tp = TP(topic, 0)
    async with producing(transport, topic) as producer:
        await send_all(producer, topic, batch)
        async with consuming(transport, [topic], group=group) as consumer:
            first = await read(consumer, len(batch), name, f"records of {topic}")
            at = first[cut].offset
            await consumer.commit({tp: at})
    async with consuming(transport, [topic], group=group) as consumer:
        if (committed := await consumer.committed(tp)) != at:
            raise ContractError(name, f"committed {at} for {tp}, read back {committed}")
        rest = await read(consumer, 1, name, f"records of {topic} after the commit")
        if rest[0].offset == at:
            left = len(batch) - cut - len(rest)
            rest += await read(consumer, left, name, f"the rest of {topic}")
    if [m.offset for m in rest] != [m.offset for m in first[cut:]]:
        raise ContractError(
            name,
            f"read offsets {[m.offset for m in first]}, committed {at}, "
            f"then read {[m.offset for m in rest]} on restart",
        )


@clause()
async def _stop_sends_what_is_buffered(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """``stop`` without ``flush`` first sends what is buffered: every ack is done once it
    returns, and a reader gets every record."""
    name = "TransportContract.stop_sends_what_is_buffered"
    topic = fresh_name("stop")
    batch = draw_batch(data, frozenset())
    producer = transport.create_producer()
    await producer.start()
    try:
        await producer.create_topic(topic, kit_topic())
        acks = [await _send(producer, topic, record) for record in batch]
    finally:
        await producer.stop()
    for record, ack in zip(batch, acks, strict=True):
        if not ack.done():
            raise ContractError(name, f"the send of {record!r} is not done after stop()")
    places = [(ack.result().topic_partition, ack.result().offset) for ack in acks]
    async with consuming(transport, [topic]) as consumer:
        got = await read(consumer, len(batch), name, f"records of {topic}")
    matched(name, batch, places, got)


@clause("durable_commits")
async def _commits_read_back(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """``committed`` is ``None`` where the group never committed, then exactly the offset last
    committed, lower or higher than the one before; a negative one is a ``ValueError``."""
    name = "TransportContract.commits_read_back"
    topic = fresh_name("committed")
    batch = draw_batch(data, frozenset())
    offsets = data.draw(st.lists(st.integers(0, len(batch)), min_size=1, max_size=3), "commits")
    tp = TP(topic, 0)
    async with producing(transport, topic) as producer:
        await send_all(producer, topic, batch)
    async with consuming(transport, [topic]) as consumer:
        await read(consumer, len(batch), name, f"records of {topic}")  # assigned: may commit
        if (never := await consumer.committed(tp)) is not None:
            raise ContractError(name, f"{tp} was never committed, committed() says {never}")
        try:
            await consumer.commit({tp: -1})
        except ValueError:
            pass
        else:
            raise ContractError(name, f"commit({{{tp}: -1}}) did not raise ValueError")
        for offset in offsets:
            await consumer.commit({tp: offset})
            if (back := await consumer.committed(tp)) != offset:
                raise ContractError(name, f"committed {offset} for {tp}, read back {back}")


@clause()
async def _subscribe_replaces(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """``subscribe`` replaces the subscription: a topic dropped from it is revoked, leaves
    ``assignment()``, and is read no more; the new one is assigned and read. Subscribed to
    again, the dropped topic is read from the group's commit, not from where it was left
    (where commits count: ``durable_commits``)."""
    name = "TransportContract.subscribe_replaces"
    old, new = fresh_name("dropped"), fresh_name("kept")
    batch = [Record(b"k", b"1"), Record(None, b"2")]  # nothing drawn: one example is enough
    assigned: set[TP] = set()
    revoked: set[TP] = set()

    async def on_assigned(tps: frozenset[TP]) -> None:
        assigned.update(tps)

    async def on_revoked(tps: frozenset[TP]) -> None:
        revoked.update(tps)

    async with (
        producing(transport, old) as producer,
        consuming(transport, [old], on_assigned=on_assigned, on_revoked=on_revoked) as consumer,
    ):
        await producer.create_topic(new, kit_topic())
        await send_all(producer, old, batch)
        await read(consumer, len(batch), name, f"records of {old}")
        regains = "durable_commits" in declared
        if regains:
            await consumer.commit({TP(old, 0): 1})  # short of what was read: the regain shows it
        if consumer.assignment() != frozenset({TP(old, 0)}) or TP(old, 0) not in assigned:
            raise ContractError(
                name,
                f"reading {old} only, assignment() is {sorted(consumer.assignment())}, "
                f"on_assigned gave {sorted(assigned)}",
            )
        consumer.subscribe([new])
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PATIENCE.get()
        while consumer.assignment() != frozenset({TP(new, 0)}):
            if loop.time() > deadline:
                raise ContractError(
                    name,
                    f"after {PATIENCE.get()} s subscribed to {new} only, assignment() is "
                    f"{sorted(consumer.assignment())}",
                )
            if early := await consumer.getmany(timeout=POLL):
                raise ContractError(name, f"read {dict(early)} before anything more was sent")
        places = await send_all(producer, new, batch)
        await send_all(producer, old, batch)
        got = await read(consumer, len(batch), name, f"records of {new}", grace=True)
        regained: list[Message] = []
        if regains:
            await consumer.commit({TP(new, 0): len(batch)})  # all of it: only the regain reads on
            consumer.subscribe([old, new])
            what = f"records of {old} from its commit"
            regained = await read(consumer, 2 * len(batch) - 1, name, what, grace=True)
    if TP(old, 0) not in revoked or TP(new, 0) not in assigned:
        raise ContractError(
            name,
            f"moved from {old} to {new}: on_revoked gave {sorted(revoked)}, "
            f"on_assigned {sorted(assigned)}",
        )
    if stray := [(m.tp, m.offset) for m in got if m.topic != new]:
        raise ContractError(name, f"subscribed to {new} only, read {stray}")
    matched(name, batch, places, got)
    again = [(m.tp, m.offset) for m in regained]
    if regains and again != [(TP(old, 0), offset) for offset in range(1, 2 * len(batch))]:
        raise ContractError(
            name,
            f"{old} committed at 1, dropped, then subscribed to again: read {again}, "
            f"not offsets 1..{2 * len(batch) - 1}",
        )


SEEK_LOG: Final = 6
"""Records of the log a clause seeks in: few, so every place to seek to is tried."""


@clause()
async def _seek_moves_the_position(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """After ``seek(tp, n)`` back to a record read, the next read of ``tp`` starts at offset
    ``n``, and goes on from there once; a partition not assigned, or a negative offset, is a
    ``ValueError``."""
    name = "TransportContract.seek_moves_the_position"
    topic = fresh_name("seek")
    batch = [Record(b"%d" % n, b"%d" % n) for n in range(SEEK_LOG)]
    at = data.draw(st.integers(min_value=0, max_value=len(batch) - 1), "seek to")
    tp = TP(topic, 0)
    async with producing(transport, topic) as producer:
        await send_all(producer, topic, batch)
    async with consuming(transport, [topic]) as consumer:
        first = await read(consumer, len(batch), name, f"records of {topic}")
        for wrong, offset in ((TP(fresh_name("unassigned"), 0), 0), (tp, -1)):
            try:
                consumer.seek(wrong, offset)
            except ValueError:
                pass
            else:
                raise ContractError(name, f"seek({wrong}, {offset}) did not raise ValueError")
        consumer.seek(tp, first[at].offset)
        again = await read(
            consumer, len(batch) - at, name, f"records of {topic} after seek", grace=True
        )
    if [m.offset for m in again] != [m.offset for m in first[at:]]:
        raise ContractError(
            name,
            f"read offsets {[m.offset for m in first]}, sought {first[at].offset}, "
            f"then read {[m.offset for m in again]}",
        )


@clause()
async def _boundary_values_round_trip(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """The edges come back as sent: a ``None`` key is not ``b""`` (nor the reverse), nor an
    empty value a tombstone; a value near 1 MB; empty and unicode header names; timestamp 0,
    the smallest millisecond and half an hour ahead; the last partition, named."""
    name = "TransportContract.boundary_values_round_trip"
    topic = fresh_name("edges")
    partitions = PARTITIONS if "partitions" in declared else 1
    batch = _edges(declared, partitions)
    async with producing(transport, topic, partitions) as producer:
        places = await send_all(producer, topic, batch)
    async with consuming(transport, [topic]) as consumer:
        got = await read(consumer, len(batch), name, f"records of {topic}")
    for record, (record_tp, _), message in zip(
        batch, places, (m for _, m in matched(name, batch, places, got)), strict=True
    ):
        sent = (record.key, record.value)
        if (message.key, message.value) != sent or record_tp != message.tp:
            raise ContractError(
                name, f"sent {_short(record)}, read key={message.key!r} value={_cut(message.value)}"
            )
        if record.partition is not None and message.partition != record.partition:
            raise ContractError(name, f"sent {_short(record)}, landed in {message.tp}")
        if "headers" in declared and tuple(message.headers) != record.headers:
            raise ContractError(name, f"sent headers {record.headers!r}, read {message.headers!r}")
        if record.timestamp is not None and abs(message.timestamp - record.timestamp) > 0.0005:
            raise ContractError(
                name, f"sent timestamp {record.timestamp!r}, read {message.timestamp!r}"
            )


BIG_VALUE: Final = 1_000_000
"""Bytes of the largest value sent: under a megabyte, what Kafka takes by default."""


def _edges(declared: frozenset[Capability], partitions: int) -> list[Record]:
    """One record per edge, each using only what ``declared`` says the transport carries."""
    edges = [
        Record(None, b"no key"),
        Record(b"", b"empty key"),
        Record(b"empty value", b""),
        Record(None, b""),
        Record(b"big", bytes(range(256)) * (BIG_VALUE // 256)),
    ]
    if "tombstones" in declared:
        edges.append(Record(b"tombstone", None))
    if "headers" in declared:
        edges += [
            Record(b"h", b"no headers", ()),
            Record(b"h", b"empty", (("", b""),)),
            Record(b"h", b"unicode", (("ünïcødé-名前-🙂", b"\x00\xff"), ("ünïcødé-名前-🙂", b""))),
        ]
    if "timestamps" in declared:
        ahead = round(time.time() + 1800, 3)  # Kafka 4 refuses more than an hour ahead
        edges += [Record(b"t", b"epoch", timestamp=0.0), Record(b"t", b"1 ms", timestamp=0.001)]
        edges.append(Record(b"t", b"ahead", timestamp=ahead))
    if partitions > 1:
        edges += [
            Record(b"last", b"last", partition=partitions - 1),
            Record(None, b"0", partition=0),
        ]
    return edges


def _cut(value: bytes | None) -> str:
    """A value as an error shows it: a big one by its size and start."""
    if value is None or len(value) <= 64:
        return repr(value)
    return f"{len(value)} bytes {value[:16]!r}..."


def _short(record: Record) -> str:
    return (
        repr(Record(record.key, None, record.headers, record.timestamp, record.partition))[:-1]
        + f", value={_cut(record.value)})"
    )


@clause(consuming=False)
async def _describes_itself(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """``url`` is the address without credentials; ``capabilities`` are the kit's names."""
    name = "TransportContract.describes_itself"
    url = transport.url
    if "://" not in url or re.search(r"://[^/@]*:[^/@]*@", url):
        raise ContractError(name, f"url is {url!r}: an address, with no password")
    if unknown := set(transport.capabilities) - EVERY_CAPABILITY:
        raise ContractError(name, f"capabilities {sorted(unknown)} are none the kit knows")


@clause(consuming=False)
async def _sends_create_topics(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """A send to a topic never made creates it, as the broker does on a first write, or is a
    ``SendError`` naming it where the broker creates none: never another error."""
    name = "TransportContract.sends_create_topics"
    topic = fresh_name("first-write")
    async with producing(transport) as producer:
        try:
            ack = await producer.send(topic, b"k", b"v")
            await producer.flush()
            landed = await ack
        except SendError as exc:
            if exc.topic != topic:
                raise ContractError(name, f"a first send to {topic!r} failed as {exc!r}") from exc
            return
        except Exception as exc:  # what the transport raised, as this clause's finding
            raise ContractError(
                name, f"a first send to {topic!r} raised {exc!r}: neither made it nor a SendError"
            ) from exc
        partitions = await producer.partitions_for(topic)
    if landed.topic != topic or landed.partition not in partitions or landed.offset != 0:
        raise ContractError(
            name,
            f"the first send to {topic!r} landed at {landed!r}; the topic has partitions "
            f"{sorted(partitions)}",
        )
