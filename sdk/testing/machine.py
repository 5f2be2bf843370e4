"""Random sequences of sends, reads, commits and restarts, checked against a reference model.

Hypothesis drives the machine synchronously; each machine owns an event loop and runs every
step on it to completion. The model knows only what the transport acknowledged and what the
test did, and from that says what every read must be: in order, from where the group
committed, the same bytes that were acknowledged there, each key in one partition.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from sdk.impl.timeouts import within
from sdk.types import (
    TP,
    AckT,
    Capability,
    ConsumerT,
    Message,
    ProducerT,
    RecordMetadata,
    TransportT,
)

from .clauses import PARTITIONS, Clause
from .errors import ContractError, named
from .profiles import Profile, kit_settings
from .sessions import PATIENCE, POLL, fresh_name, grace_after, kit_topic
from .strategies import Record, records

T = TypeVar("T")
MACHINE = "TransportContract.state_machine"
MAX_MEMBERS = 2
MAX_RESTARTS = 2
KEYS = st.sampled_from([b"", b"k1", b"k2"])
"""Three keys: a short run sends one of them twice, where a moved key would show."""


@dataclass
class Model:
    """The reference: where each acknowledged record landed, and each group's commits."""

    landed: dict[tuple[TP, int], Record] = field(default_factory=dict[tuple[TP, int], Record])
    ends: dict[TP, int] = field(default_factory=dict[TP, int])
    key_partitions: dict[bytes, int] = field(default_factory=dict[bytes, int])
    committed: dict[str, dict[TP, int]] = field(default_factory=dict[str, dict[TP, int]])

    def acknowledged(self, record: Record, tp: TP, offset: int) -> None:
        if (tp, offset) in self.landed:
            raise ContractError(
                "TransportContract.acks_resolve_once",
                f"{record!r} and {self.landed[tp, offset]!r} both landed at {tp} offset {offset}",
            )
        if record.partition is not None and tp.partition != record.partition:
            raise ContractError(
                "TransportContract.same_key_same_partition",
                f"{record!r} was sent to partition {record.partition}, landed in {tp}",
            )
        if record.key is not None and record.partition is None:
            first = self.key_partitions.setdefault(record.key, tp.partition)
            if first != tp.partition:
                raise ContractError(
                    "TransportContract.same_key_same_partition",
                    f"key {record.key!r} landed in partition {first}, then in {tp.partition}",
                )
        self.landed[tp, offset] = record
        self.ends[tp] = max(self.ends.get(tp, 0), offset + 1)


@dataclass
class Member:
    """One consumer of its own group, and the next offset it must read in each partition.

    A partition it has read nothing of yet starts at the group's commit, whatever that is
    when the read comes (as a Kafka consumer looks it up once assigned).
    """

    group: str
    consumer: ConsumerT
    position: dict[TP, int] = field(default_factory=dict[TP, int])


class TransportMachine(RuleBasedStateMachine):
    """Subclassed per run with the transport and what it declares (hypothesis wants a class)."""

    transport: ClassVar[TransportT]
    declared: ClassVar[frozenset[Capability]]

    def __init__(self) -> None:
        super().__init__()
        self.partitions = PARTITIONS if "partitions" in self.declared else 1
        self.topic = fresh_name("machine")
        self.model = Model()
        self.members: list[Member] = []
        self.pending: list[tuple[Record, AckT, list[int]]] = []
        self.answered: list[tuple[Record, list[int]]] = []
        self.restarts = 0
        self.failed = False
        self.loop = asyncio.new_event_loop()
        try:
            self.producer = self._do(self._open())
        except BaseException:
            self.loop.close()
            raise

    async def _open(self) -> ProducerT:
        """A started producer (clients want a running loop to be made on) and the topic."""
        producer = self.transport.create_producer()
        await producer.start()
        try:
            await producer.create_topic(self.topic, kit_topic(self.partitions))
        except BaseException:
            await producer.stop()
            raise
        return producer

    def _do(self, coro: Coroutine[Any, Any, T]) -> T:
        bound = 4 * PATIENCE.get()
        try:
            return self.loop.run_until_complete(within(bound, coro))
        except TimeoutError as timeout:
            self.failed = True
            raise ContractError(
                MACHINE, f"step {named(coro)} did not finish within {bound} s"
            ) from timeout
        except BaseException:
            self.failed = True  # teardown then only cleans up, so the first failure is reported
            raise

    def _record(self, data: st.DataObject) -> Record:
        return data.draw(records(self.declared, self.partitions, KEYS), "record")

    @rule(data=st.data())
    def send(self, data: st.DataObject) -> None:
        """Send and wait for the broker's answer."""
        self._do(self._send(self._record(data), wait=True))
        self._do(self._settle())

    @rule(key=KEYS, value=st.binary(max_size=8))
    def send_key(self, key: bytes, value: bytes) -> None:
        """Send under one of a few keys: each must land where its key did before."""
        self._do(self._send(Record(key, value), wait=True))
        self._do(self._settle())

    @rule(data=st.data())
    def send_soon(self, data: st.DataObject) -> None:
        """Send and move on: the answer is looked at later."""
        self._do(self._send(self._record(data)))

    async def _send(self, record: Record, *, wait: bool = False) -> None:
        ack = await self.producer.send(
            self.topic,
            record.key,
            record.value,
            partition=record.partition,
            timestamp=record.timestamp,
            headers=record.headers,
        )
        calls = [0]
        ack.add_done_callback(lambda _: calls.__setitem__(0, calls[0] + 1))
        self.pending.append((record, ack, calls))
        if wait:
            try:
                await within(PATIENCE.get(), _answer(ack))
            except TimeoutError:
                raise ContractError(
                    "TransportContract.acks_resolve_once",
                    f"the send of {record!r} has not answered in {PATIENCE.get()} s",
                ) from None

    @precondition(lambda self: bool(self.pending))
    @rule()
    def flush(self) -> None:
        """Flush: every send so far has answered, exactly once. Only with sends unanswered,
        so that no run is all flushes."""
        self._do(self.producer.flush())
        self._do(self._settle())
        if self.pending:
            record, ack, calls = self.pending[0]
            raise ContractError(
                "TransportContract.acks_resolve_once",
                f"{len(self.pending)} sends have not answered after flush(): the first, "
                f"{record!r}, is done={ack.done()} and called back {calls[0]} times",
            )

    async def _settle(self) -> None:
        """Every answer that is in and has called back goes into the model; each at most once.

        A callback is scheduled when its send is done, not run in place, and a transport may
        chain futures: wait (within the run's patience) until every done send has called back.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PATIENCE.get()
        await asyncio.sleep(0)
        while any(ack.done() and not calls[0] for _, ack, calls in self.pending):
            if loop.time() > deadline:
                break
            await asyncio.sleep(0 if loop.time() + POLL < deadline else POLL)
        while self.pending and self.pending[0][1].done() and self.pending[0][2][0]:
            record, ack, calls = self.pending.pop(0)
            self.answered.append((record, calls))
            metadata = ack.result()
            self.model.acknowledged(record, metadata.topic_partition, metadata.offset)

    @initialize()
    def first_group(self) -> None:
        self.subscribe()

    @precondition(lambda self: len(self.members) < MAX_MEMBERS)
    @rule()
    def subscribe(self) -> None:
        """A new group: it must read everything, from the start."""
        self.members.append(self._do(self._join(fresh_name("group"))))

    async def _join(self, group: str) -> Member:
        consumer = self.transport.create_consumer(group)
        await consumer.start()
        consumer.subscribe([self.topic])
        return Member(group, consumer)

    def _next_offset(self, member: Member, tp: TP) -> int:
        position = member.position.get(tp)
        if position is None:
            return self.model.committed.get(member.group, {}).get(tp, 0)
        return position

    @precondition(lambda self: bool(self.members and self.model.landed))
    @rule(data=st.data(), count=st.integers(min_value=0, max_value=6))
    def consume(self, data: st.DataObject, count: int) -> None:
        member = data.draw(st.sampled_from(self.members), "member")
        self.flush()
        self._do(self._consume(member, count))

    async def _consume(self, member: Member, count: int, *, grace: bool = False) -> None:
        """Read ``count`` more, as far as there are, in one fetch at least: all checked on
        arrival. With ``grace``, read on past them (``grace_after``): a record too many shows."""
        behind = sum(
            1 for tp, offset in self.model.landed if offset >= self._next_offset(member, tp)
        )
        wanted = min(count, behind)
        loop = asyncio.get_running_loop()
        wait = PATIENCE.get()
        start = loop.time()
        deadline = start + wait
        got = 0
        while True:
            got += await self._poll(member)
            if got >= wanted:
                break
            if loop.time() > deadline:
                raise ContractError(
                    "TransportContract.at_least_once",
                    f"group {member.group} read {got} of the {wanted} records it was behind "
                    f"within {wait} s (positions {member.position}, ends {self.model.ends})",
                )
        if grace:
            past = loop.time() + grace_after(loop.time() - start)
            while loop.time() < past:
                await self._poll(member)

    async def _poll(self, member: Member) -> int:
        """One fetch of ``member``, every record checked; how many it gave."""
        got = 0
        for tp, messages in (await member.consumer.getmany(timeout=POLL)).items():
            offsets = [message.offset for message in messages]
            if offsets != sorted(offsets):
                raise ContractError(
                    "TransportContract.per_partition_order",
                    f"group {member.group} read offsets {offsets} of {tp} in one batch",
                )
            for message in messages:
                self._check(member, message)
            got += len(messages)
        return got

    def _check(self, member: Member, message: Message) -> None:
        expected = self._next_offset(member, message.tp)
        record = self.model.landed.get((message.tp, message.offset))
        skipped = [
            offset
            for tp, offset in self.model.landed
            if tp == message.tp and expected <= offset < message.offset
        ]
        if skipped:  # a gap where nothing landed is Kafka's (transaction markers, compaction)
            raise ContractError(
                "TransportContract.at_least_once",
                f"group {member.group} read {message.tp} offset {message.offset}, "
                f"skipping {skipped}",
            )
        if message.offset < expected:
            raise ContractError(
                "TransportContract.per_partition_order",
                f"group {member.group} read {message.tp} offset {message.offset} "
                f"after reading up to {expected - 1}",
            )
        if record is None or (message.key, message.value) != (record.key, record.value):
            raise ContractError(
                "TransportContract.round_trip",
                f"read {message!r} where {record!r} was acknowledged",
            )
        if "headers" in self.declared and tuple(message.headers) != record.headers:
            raise ContractError(
                "TransportContract.headers_round_trip",
                f"sent headers {record.headers!r}, read {message.headers!r}",
            )
        member.position[message.tp] = message.offset + 1

    @precondition(
        lambda self: "durable_commits" in self.declared and any(m.position for m in self.members)
    )
    @rule(data=st.data())
    def commit(self, data: st.DataObject) -> None:
        """Commit, per partition it has read, an offset up to where it has read: only a member
        that has read something, so that no step of a run commits nothing.

        What is drawn does not depend on what the broker happened to return (hypothesis
        replays a failure with the same draws): an index and, per partition, a share.
        """
        readers = [member for member in self.members if member.position]
        member = readers[data.draw(st.integers(0, MAX_MEMBERS - 1), "member") % len(readers)]
        shares = data.draw(st.lists(st.integers(0, 4), min_size=PARTITIONS, max_size=PARTITIONS))
        offsets = {
            tp: position * shares[tp.partition] // 4
            for tp, position in sorted(member.position.items())
        }
        if offsets:
            self._do(self._commit(member, offsets))

    async def _commit(self, member: Member, offsets: dict[TP, int]) -> None:
        """Commit, and read each offset back: what a restart resumes from."""
        await member.consumer.commit(offsets)
        self.model.committed.setdefault(member.group, {}).update(offsets)
        for tp, offset in sorted(offsets.items()):
            if (back := await member.consumer.committed(tp)) != offset:
                raise ContractError(
                    "TransportContract.commits_read_back",
                    f"group {member.group} committed {offset} for {tp}, read back {back}",
                )

    @precondition(
        lambda self: (
            bool(self.members)
            and "durable_commits" in self.declared
            and self.restarts < MAX_RESTARTS
        )
    )
    @rule(data=st.data())
    def restart(self, data: st.DataObject) -> None:
        """Stop a member, or first read all there is and commit it, and start another in its group.

        The new member must resume at the group's commit.
        """
        index = data.draw(st.integers(min_value=0, max_value=len(self.members) - 1), "member")
        self.restarts += 1
        old = self.members[index]
        if data.draw(st.booleans(), "read and commit all first"):
            self.flush()
            self._do(self._consume(old, sum(self.model.ends.values())))
            if old.position:
                self._do(self._commit(old, dict(old.position)))
        self._do(old.consumer.stop())
        self.members[index] = self._do(self._join(old.group))

    def teardown(self) -> None:
        try:
            if not self.failed:
                note(
                    "teardown: two more records to each partition; every group reads all"
                    + (
                        ", commits all; the first member restarts and reads on"
                        if "durable_commits" in self.declared
                        else ""
                    )
                    + "; every member reads past the end"
                )
                self._drain()
        finally:
            self.loop.run_until_complete(self._stop_all())
            self.loop.close()

    async def _stop_all(self) -> None:
        """Stop every client, each within the run's patience; then raise the first failure."""
        stops = [*(member.consumer.stop() for member in self.members), self.producer.stop()]
        results = await asyncio.gather(
            *(within(PATIENCE.get(), stop) for stop in stops), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result

    def _drain(self) -> None:
        """Every answer is in, once; every group reads everything there is (fan-out); and,
        where commits are durable, every run ends with a commit of all and a restart.

        Two more records go to each partition first, so a record lost at the end of one shows
        as a gap at once, not as a wait.
        """
        durable = "durable_commits" in self.declared
        self._send_last()
        self._read_all(grace=not durable)
        if durable:
            for member in self.members:
                self._do(self._commit(member, dict(member.position)))
            old = self.members[0]
            self._do(old.consumer.stop())
            self.members[0] = self._do(self._join(old.group))
            self._send_last()
            self._read_all(grace=True)

    def _send_last(self) -> None:
        for partition in [*range(self.partitions)] * 2:
            last = Record(None, b"last", partition=partition if self.partitions > 1 else None)
            self._do(self._send(last))
        self.flush()

    def _read_all(self, *, grace: bool = False) -> None:
        """Every answer came once, and every member reads all there is (and, with ``grace``,
        reads on past the end: a record too many shows)."""
        for record, calls in self.answered:
            if calls[0] != 1:
                raise ContractError(
                    "TransportContract.acks_resolve_once",
                    f"the send of {record!r} called back {calls[0]} times",
                )
        total = sum(self.model.ends.values())
        for member in self.members:
            self._do(self._consume(member, total, grace=grace))


async def _answer(ack: AckT) -> RecordMetadata:
    return await ack


def _run_machine(transport: TransportT, declared: frozenset[Capability], profile: Profile) -> None:
    machine = type(
        "TransportMachineRun",
        (TransportMachine,),
        {"transport": transport, "declared": declared},
    )
    run_state_machine_as_test(
        machine,
        settings=kit_settings(profile, "machine"),
    )


STATE_MACHINE = Clause(
    MACHINE,
    (),
    "Random sends, reads, commits and restarts agree with the reference model.",
    _run_machine,
)
