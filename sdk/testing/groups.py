"""Consumer groups, clause by clause: isolation, one owner per partition, hand-off on leave.

Every member is watched through its ``on_assigned`` / ``on_revoked`` callbacks, as the SDK's
consumer loop watches it: what the callbacks named must be what ``assignment()`` says, a
partition reaches a member only once every other member's ``on_revoked`` of it returned, and
the new owner reads it from the commit the old one made in that ``on_revoked``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass, field

from hypothesis import strategies as st

from sdk.types import TP, Capability, ConsumerT, Message, TransportT

from .clauses import PARTITIONS, clause, draw_batch, send_all
from .errors import ContractError
from .sessions import PATIENCE, POLL, consuming, fresh_name, grace_after, kit_topic, producing, read
from .strategies import Record


@clause("consumer_groups")
async def _groups_are_isolated(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """Two groups on one topic each read all of it, and nothing more; one's commit is its own."""
    name = "TransportContract.groups_are_isolated"
    topic, other = fresh_name("isolated"), fresh_name("foreign")
    batch = draw_batch(data, frozenset())
    tp = TP(topic, 0)
    async with producing(transport, topic) as producer:
        await producer.create_topic(other, kit_topic())
        await send_all(producer, other, batch)  # a foreign topic: nothing of it may be read
        await send_all(producer, topic, batch)
        async with (
            consuming(transport, [topic]) as first,
            consuming(transport, [topic]) as second,
        ):
            got = await read(first, len(batch), name, f"records of {topic}", grace=True)
            at = got[-1].offset + 1
            await first.commit({tp: at})
            also = await read(second, len(batch), name, f"records of {topic}", grace=True)
            if [m.offset for m in also] != [m.offset for m in got]:
                raise ContractError(
                    name,
                    f"one group read offsets {[m.offset for m in got]} of {tp}, "
                    f"another {[m.offset for m in also]}",
                )
            if (theirs := await second.committed(tp)) is not None:
                raise ContractError(
                    name, f"one group committed {at} for {tp}; another, which did not, has {theirs}"
                )
            if (mine := await first.committed(tp)) != at:
                raise ContractError(name, f"a group committed {at} for {tp}, read back {mine}")


@dataclass
class _Member:
    """One member seen through its callbacks: what they say it holds, what it read, what broke."""

    label: str
    group: list[_Member]
    committed: dict[TP, int]
    name: str
    consumer: ConsumerT | None = None
    held: set[TP] = field(default_factory=set[TP])
    fresh: set[TP] = field(default_factory=set[TP])
    """Gained and not read yet: the next read of each is at the group's commit."""
    next: dict[TP, int] = field(default_factory=dict[TP, int])
    faults: list[str] = field(default_factory=list[str])

    async def on_assigned(self, tps: frozenset[TP]) -> None:
        if again := tps & self.held:
            self.faults.append(f"{self.label} was assigned {sorted(again)}, which it held")
        for other in self.group:
            if other is not self and (both := tps & other.held):
                self.faults.append(
                    f"{self.label} was assigned {sorted(both)} before {other.label}'s "
                    f"on_revoked of them returned"
                )
        self.held |= tps
        self.fresh |= tps

    async def on_revoked(self, tps: frozenset[TP]) -> None:
        if unheld := tps - self.held:
            self.faults.append(f"{self.label} was revoked {sorted(unheld)}, never assigned")
        done = {tp: self.next[tp] for tp in tps if tp in self.next}
        if done and self.consumer is not None:  # as the SDK's consumer loop commits
            await self.consumer.commit(done)
            self.committed.update(done)
        self.held -= tps
        self.fresh -= tps

    def took(self, messages: Sequence[Message]) -> None:
        """Check what one poll gave: its own partitions, from the commit where newly gained."""
        if self.consumer is not None and (
            stray := [(m.tp, m.offset) for m in messages if m.tp not in self.consumer.assignment()]
        ):
            self.faults.append(f"{self.label} read {stray}, not of its partitions")
        for message in messages:
            tp = message.tp
            if tp in self.fresh:
                self.fresh.discard(tp)
                start = self.committed.get(tp, 0)
                if message.offset != start:
                    self.faults.append(
                        f"{self.label} read {tp} from offset {message.offset}, "
                        f"its group's commit is {start}"
                    )
            self.next[tp] = message.offset + 1

    def check(self) -> None:
        if self.faults:
            raise ContractError(self.name, self.faults[0])


def _owners(members: Sequence[_Member], name: str) -> None:
    """At this moment, no partition is in the ``assignment()`` of two members."""
    seen: dict[TP, str] = {}
    for member in members:
        if member.consumer is None:
            continue
        for tp in member.consumer.assignment():
            if tp in seen:
                raise ContractError(name, f"{tp} is held by {seen[tp]} and {member.label} at once")
            seen[tp] = member.label


class _Group:
    """Members of one group on one topic, every poll checked; every record read, once."""

    def __init__(self, transport: TransportT, topic: str, name: str) -> None:
        self.transport, self.topic, self.name = transport, topic, name
        self.group = fresh_name("group")
        self.members: list[_Member] = []
        self.committed: dict[TP, int] = {}
        self.read: dict[tuple[TP, int], str] = {}

    @contextlib.asynccontextmanager
    async def member(self, label: str) -> AsyncGenerator[_Member, None]:
        member = _Member(label, self.members, self.committed, self.name)
        self.members.append(member)
        try:
            async with consuming(
                self.transport,
                [self.topic],
                group=self.group,
                on_assigned=member.on_assigned,
                on_revoked=member.on_revoked,
            ) as consumer:
                member.consumer = consumer
                try:
                    yield member
                finally:
                    member.consumer = None
        finally:
            self.members.remove(member)

    async def poll(self) -> None:
        """Poll every member, oldest first; check ownership before and after each."""
        active = [m for m in self.members if m.consumer is not None]
        for member in active:
            if member.consumer is None:
                continue
            _owners(self.members, self.name)
            batch = await member.consumer.getmany(timeout=POLL / len(active))
            _owners(self.members, self.name)
            member.check()
            for messages in batch.values():
                member.took(messages)
                for message in messages:
                    place = (message.tp, message.offset)
                    if place in self.read:
                        raise ContractError(
                            self.name,
                            f"{message.tp} offset {message.offset} was read by "
                            f"{self.read[place]}, then by {member.label}, with no restart",
                        )
                    self.read[place] = member.label
            member.check()

    async def until(self, done: str, ready: Callable[[], bool]) -> None:
        """Poll until ``ready()`` holds, or fail after PATIENCE saying what was awaited."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PATIENCE.get()
        while not ready():
            if loop.time() > deadline:
                holds = {m.label: sorted(m.held) for m in self.members}
                raise ContractError(self.name, f"{done} not within {PATIENCE.get()} s: {holds}")
            await self.poll()

    def settled(self) -> bool:
        """Every member holds a share, all partitions are held, callbacks agree with it."""
        shares = [m.consumer.assignment() for m in self.members if m.consumer is not None]
        held = sorted(tp.partition for share in shares for tp in share)
        return (
            all(shares)
            and held == list(range(PARTITIONS))
            and all(
                m.consumer is None or frozenset(m.held) == m.consumer.assignment()
                for m in self.members
            )
        )

    async def read_all(self, places: set[tuple[TP, int]], what: str) -> None:
        """Poll until every one of ``places`` is read, then a grace period: nothing twice."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        await self.until(f"reading {what}", lambda: places <= self.read.keys())
        deadline = loop.time() + grace_after(loop.time() - start)
        while loop.time() < deadline:
            await self.poll()

    def agree(self) -> None:
        """What each member's callbacks named is what its ``assignment()`` says."""
        for member in self.members:
            if (
                member.consumer is not None
                and frozenset(member.held) != member.consumer.assignment()
            ):
                raise ContractError(
                    self.name,
                    f"{member.label}'s on_assigned minus on_revoked named {sorted(member.held)}, "
                    f"its assignment() is {sorted(member.consumer.assignment())}",
                )


def _marked(batch: list[Record], mark: bytes) -> list[Record]:
    """``batch`` and one record in each partition, so every partition has something to hand."""
    return [*batch, *(Record(mark, b"", partition=p) for p in range(PARTITIONS))]


@clause("consumer_groups", "partitions")
async def _one_owner_per_partition(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """A second member joins: no partition is ever held by two, the callbacks say exactly
    what was gained and lost, and each gained partition is read from the group's commit.

    The first member commits what it read in its ``on_revoked``, as the SDK does; a partition
    reaches the second only after that returned. Between them they read every record once.
    """
    name = "TransportContract.one_owner_per_partition"
    topic = fresh_name("owner")
    before = _marked(draw_batch(data, frozenset(), PARTITIONS), b"before")
    after = draw_batch(data, frozenset(), PARTITIONS)
    group = _Group(transport, topic, name)
    async with producing(transport, topic, PARTITIONS) as producer, group.member("the first"):
        placed = set(await send_all(producer, topic, before))
        await group.read_all(placed, f"{len(placed)} records with one member")
        async with group.member("the second"):
            await group.until("the second member's share", group.settled)
            group.agree()
            placed |= set(await send_all(producer, topic, after))
            await group.read_all(placed, f"{len(placed)} records with two members")
            group.agree()


@clause("consumer_groups", "partitions")
async def _leaving_member_hands_over(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """A member that stops hands its partitions to the one that stays, within the patience
    (a session timeout); that one reads them on from the leaver's commit, nothing twice."""
    name = "TransportContract.leaving_member_hands_over"
    topic = fresh_name("leave")
    before = _marked(draw_batch(data, frozenset(), PARTITIONS), b"before")
    after = _marked(draw_batch(data, frozenset(), PARTITIONS), b"after")
    group = _Group(transport, topic, name)
    async with producing(transport, topic, PARTITIONS) as producer, group.member("the staying"):
        async with group.member("the leaving") as leaving:
            await group.until("two members sharing the partitions", group.settled)
            placed = set(await send_all(producer, topic, before))
            await group.read_all(placed, f"{len(placed)} records with two members")
            if leaving.consumer is not None:
                mine = dict(leaving.next)
                await leaving.consumer.commit(mine)
                group.committed.update(mine)
        await group.until(
            "the leaver's partitions handed over",
            lambda: all(m.held == {TP(topic, p) for p in range(PARTITIONS)} for m in group.members),
        )
        group.agree()
        placed |= set(await send_all(producer, topic, after))
        await group.read_all(placed, f"{len(placed)} records after the leave")
