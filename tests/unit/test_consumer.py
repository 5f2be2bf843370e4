"""The app's consumer: only what is done commits; fetched messages fan out with back-pressure."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from sdk import App
from sdk.impl.acks import Delivery, Offsets
from sdk.impl.buffer import Buffer
from sdk.impl.messages import Message
from sdk.impl.topic import Topic, revoked
from sdk.impl.transports.memory import MemoryConsumer, MemoryTransport, broker_for
from sdk.types import TP
from sdk.types.transports import PartitionsCallback

TP0 = TP("orders", 0)


def fetch(offsets: Offsets, first: int, count: int) -> list[Delivery]:
    messages = [Message("orders", 0, o, 0.0, 0, ()) for o in range(first, first + count)]
    return offsets.fetched(TP0, messages)


@given(
    events=st.lists(st.integers(0, 3), min_size=1, max_size=30),
    order=st.randoms(use_true_random=False),
    first=st.integers(0, 1000),
)
def test_what_commits_is_the_offset_after_the_longest_done_prefix(
    events: list[int], order: random.Random, first: int
) -> None:
    """Each message has 0..3 events, acked in any order: commit never passes an undone one."""
    offsets = Offsets()
    deliveries = fetch(offsets, first, len(events))
    for delivery, count in zip(deliveries, events, strict=True):
        delivery.remaining += count  # the readers made their events
        delivery.remaining -= 1  # and the consumer loop let go
    acks = [i for i, count in enumerate(events) for _ in range(count)]
    order.shuffle(acks)
    unacked = list(events)
    assert offsets.committable().get(TP0) == _expected(first, unacked)
    for i in acks:
        deliveries[i].remaining -= 1
        unacked[i] -= 1
        assert offsets.committable().get(TP0) == _expected(first, unacked)
    assert offsets.committable() == {TP0: first + len(events)}


def _expected(first: int, unacked: list[int]) -> int | None:
    done = next((i for i, left in enumerate(unacked) if left), len(unacked))
    return first + done if done else None


def test_a_message_is_not_done_while_the_consumer_loop_still_hands_it_out() -> None:
    offsets = Offsets()
    [delivery] = fetch(offsets, 7, 1)
    delivery.remaining += 1  # the first reader made its event
    delivery.remaining -= 1  # and it was acked at once, while a second reader waits for room
    assert offsets.committable() == {}
    delivery.remaining -= 1  # the consumer loop let go
    assert offsets.committable() == {TP0: 8}


def test_a_revoked_partition_is_forgotten_and_late_acks_count_for_nothing() -> None:
    offsets = Offsets()
    [delivery] = fetch(offsets, 0, 1)
    delivery.remaining -= 1
    assert offsets.committable() == {TP0: 1}
    [late] = fetch(offsets, 1, 1)
    late.remaining += 1
    late.remaining -= 1
    offsets.fence([TP0])  # being revoked: its events are dropped unread
    assert late.revoked
    assert not delivery.revoked
    offsets.forget([TP0])  # once what was done is committed
    late.remaining -= 1  # its event is acked after the revoke
    assert offsets.committable() == {}
    [again] = fetch(offsets, 1, 1)  # assigned back, it is read again from the commit
    assert offsets.committable() == {}
    again.remaining -= 1
    assert offsets.committable() == {TP0: 2}


def test_a_revoked_message_nobody_took_is_never_done() -> None:
    """The rest of a batch a revoke stopped was never handed to a reader: when the consumer
    loop lets go of it, its count is 0, and it must not commit (on aiokafka the revoke runs
    beside the loop, which may let go before the revoke commits). One taken and acked is done;
    and for exactly-once's revoke, no reader holds an event of the partition any more."""
    offsets = Offsets()
    taken, rest = fetch(offsets, 0, 2)
    taken.remaining += 1  # a reader made its event
    taken.taken = True  # and took it
    offsets.fence([TP0])  # the revoke: the rest is not handed out
    assert not offsets.settled([TP0])  # the event taken is in the user's hands
    taken.remaining -= 1  # acked
    taken.remaining -= 1  # the consumer loop let go of both
    rest.remaining -= 1
    assert rest.remaining == 0
    assert offsets.committable() == {TP0: 1}
    assert offsets.settled([TP0])


async def test_a_message_read_by_two_subscribers_commits_once_both_acked() -> None:
    url = f"memory://fan-out-{uuid.uuid4().hex}"
    async with App("sender", broker=url) as sender:
        for i in range(3):
            await sender.topic("orders", value_type=int).send(value=i)
    async with App("readers", broker=url) as app:
        topic = app.topic("orders", value_type=int)
        first, second = topic.clone(is_iterator=True), topic.clone(is_iterator=True)
        seen_first = [await first.get(timeout=5) for _ in range(3)]
        seen_second = [await second.get(timeout=5) for _ in range(2)]
        assert [e.value for e in seen_first] == [e.value for e in seen_second] + [2] == [0, 1, 2]
        assert all(a is not b for a, b in zip(seen_first, seen_second, strict=False))
        # taking the next event acked the one before: each subscriber holds only its last
        assert [e.acked for e in seen_first] == [True, True, False]
        assert [e.acked for e in seen_second] == [True, False]
        assert seen_first[2].ack()  # the first subscriber is done with all three
    committed = broker_for(url).group("readers").committed
    assert committed == {TP("orders", 0): 1}


async def test_a_full_subscriber_holds_up_delivery_and_nothing_is_dropped() -> None:
    """maxsize 3: while one subscriber does not read, the other gets 3 events and no more;
    once both read, both get all 40 in order."""
    url = f"memory://back-pressure-{uuid.uuid4().hex}"
    async with App("sender", broker=url) as sender:
        for i in range(40):
            await sender.topic("orders", value_type=int).send(value=i)
    async with App("readers", broker=url) as app:
        topic = app.topic("orders", value_type=int, maxsize=3)
        reading, idle = topic.clone(is_iterator=True), topic.clone(is_iterator=True)
        early = [(await reading.get(timeout=5)).value for _ in range(3)]
        assert early == [0, 1, 2]
        await _until(lambda: topic._hub._waiting == 1, "the consumer loop waits for room in idle")
        assert reading._buffer is not None
        assert idle._buffer is not None
        assert len(idle._buffer.items) == 3  # full, so the next event goes to neither
        assert not reading._buffer.items

        async def rest(subscriber: Topic[None, int], count: int) -> list[int]:
            return [(await subscriber.get(timeout=5)).value for _ in range(count)]

        from_idle, from_reading = await asyncio.gather(rest(idle, 40), rest(reading, 37))
        assert from_idle == early + from_reading == list(range(40))
    committed = broker_for(url).group("readers").committed
    assert committed == {TP("orders", 0): 39}  # each subscriber's last event is not acked yet


async def _until(
    condition: Callable[[], bool], what: str, seconds: float = 5.0, ticks: int = 10_000
) -> None:
    """Poll ``condition`` until it holds, at most ``ticks`` times and ``seconds``; else fail."""
    deadline = time.monotonic() + seconds
    polls = 0
    while not condition():
        polls += 1
        if polls >= ticks or time.monotonic() > deadline:
            raise AssertionError(f"{what}: not so after {polls} polls ({ticks}, {seconds} s)")
        await asyncio.sleep(0.001)


class RevokeLog(MemoryTransport):
    """memory://, with the partitions each revoke took, once the app's callback returned."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.revoked: list[frozenset[TP]] = []

    def create_consumer(
        self,
        group_id: str,
        *,
        on_assigned: PartitionsCallback | None = None,
        on_revoked: PartitionsCallback | None = None,
    ) -> MemoryConsumer:
        async def revoked(tps: frozenset[TP]) -> None:
            if on_revoked is not None:
                await on_revoked(tps)
            if tps:
                self.revoked.append(tps)

        return super().create_consumer(group_id, on_assigned=on_assigned, on_revoked=revoked)


async def test_no_event_of_a_revoked_partition_is_read_and_a_late_ack_commits_nothing() -> None:
    """Issue 13: the buffered events of a revoked partition were read by the old member while
    the new owner read them again from the commit."""
    url = f"memory://revoke-{uuid.uuid4().hex}"
    async with App("sender", broker=url) as sender:
        orders = sender.topic("orders", value_type=int, internal=True, partitions=2)
        for i in range(400):
            await orders.send(value=i, partition=i % 2)
    first_transport = RevokeLog(url)
    async with App("readers", broker=first_transport) as first:
        topic = first.topic("orders", value_type=int)
        in_hand = await topic.get(timeout=5)
        while (in_hand.message.partition, in_hand.message.offset) != (1, 10):
            in_hand = await topic.get(timeout=5)
        assert topic._hub.subscribers[0].items, "the first member holds fetched events"
        async with App("readers", broker=url) as second:
            other = second.topic("orders", value_type=int)
            taking = asyncio.ensure_future(other.get(timeout=5))  # it joins the group's reading
            await _until(lambda: first_transport.revoked, "the first member's revoke")
            assert first_transport.revoked == [frozenset({TP("orders", 1)})]
            group = broker_for(url).group("readers")
            committed = group.committed[TP("orders", 1)]
            assert committed == in_hand.message.offset  # all before it was done
            assert in_hand.ack()
            assert group.committed[TP("orders", 1)] == committed
            async with App("sender", broker=url) as sender:
                orders = sender.topic("orders", value_type=int)
                for i in range(400, 440):
                    await orders.send(value=i, partition=i % 2)
            rest = []
            with contextlib.suppress(TimeoutError):
                while True:
                    rest.append(await topic.get(timeout=0.3))
            assert {e.message.partition for e in rest} == {0}, "its own partition only"
            assert [e.value for e in rest][-20:] == list(range(400, 440, 2))
            # the new owner starts at the event in hand: the one duplicate a revoke allows
            taken = await taking
            assert (taken.message.partition, taken.message.offset) == (1, committed)


async def test_dropping_releases_a_sender_waiting_for_room_and_drops_an_error_unraised() -> None:
    buffer: Buffer[int] = Buffer(2)
    gone = Delivery(0, revoked=True)
    buffer.put_nowait(1)
    buffer.throw(ValueError("revoked partition: never raised"), gone)
    waiting = asyncio.ensure_future(buffer.wait_room())
    await asyncio.sleep(0)
    assert not waiting.done()
    buffer.drop(revoked)
    await asyncio.wait_for(waiting, 1)
    assert buffer.take() == 1
    assert buffer.empty()
