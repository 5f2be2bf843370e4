"""The in-memory channel: the seed's example, fan-out, order, back-pressure, the send family."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdk import App, Channel, Event
from sdk.errors import UnnamedChannelError
from sdk.impl import FutureMessage
from sdk.impl.messages import IN_MEMORY
from sdk.testing.strategies import headers as header_lists
from sdk.types import CREATE_TIME, LOG_APPEND_TIME, TP, RecordMetadata


class Order(msgspec.Struct):
    id: int
    amount: float


async def settle() -> None:
    """Let every ready task run until none is left ready."""
    for _ in range(10):
        await asyncio.sleep(0)


async def test_the_seed_example_prints_1(capsys: pytest.CaptureFixture[str]) -> None:
    app = App()
    channel = app.channel()

    await channel.put(1)

    async for event in channel:
        print(event.value)
        # the channel is infinite so we break after first event
        break

    assert capsys.readouterr().out == "1\n"


async def test_a_typed_channel_gives_typed_events() -> None:
    orders = App().channel(key_type=str, value_type=Order)
    await orders.send(key="o-1", value=Order(1, 9.5), headers=[("trace", b"t1")])
    event = await orders.get()
    assert (event.key, event.value, event.headers) == ("o-1", Order(1, 9.5), (("trace", b"t1"),))


async def test_events_put_before_the_first_subscriber_wait_for_it() -> None:
    channel: Channel[None, int] = Channel()
    for i in range(5):
        await channel.put(i)
    assert channel.subscriber_count == 0
    assert [event.value async for event in take(channel, 5)] == [0, 1, 2, 3, 4]


async def take(channel: Channel[Any, Any], n: int) -> Any:
    """Iterate ``channel`` for ``n`` events (as an async generator)."""
    if n == 0:
        return
    count = 0
    async for event in channel:
        yield event
        count += 1
        if count == n:
            return


async def drain(subscriber: Channel[Any, Any]) -> list[Any]:
    values = []
    while not subscriber.empty():
        values.append((await subscriber.get()).value)
    return values


@given(
    st.lists(st.integers(), max_size=30),
    st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=4),
)
def test_every_subscriber_sees_every_event_put_after_it_subscribed_in_order(
    values: list[int], joins: list[int]
) -> None:
    async def scenario() -> None:
        channel: Channel[None, int] = Channel(maxsize=None)
        subscribers: list[tuple[int, Channel[None, int]]] = []
        for index, value in enumerate([*values, None]):
            for join in joins:
                if join == index:
                    subscribers.append((index, channel.clone(is_iterator=True)))
            if value is not None:
                await channel.put(value)
        for position, (joined, subscriber) in enumerate(subscribers):
            # the first subscriber also gets what was put while there was none
            expected = values if position == 0 else values[joined:]
            assert await drain(subscriber) == expected

    asyncio.run(scenario())


async def test_a_subscriber_leaves_when_it_is_dropped() -> None:
    channel: Channel[None, int] = Channel()
    await channel.put(1)
    async for _event in channel:
        assert channel.subscriber_count == 1
        break
    gc.collect()
    assert channel.subscriber_count == 0
    await channel.put(2)  # waits for the next subscriber
    assert [e.value async for e in take(channel, 1)] == [2]


@given(st.integers(min_value=1, max_value=8), st.integers(min_value=0, max_value=40))
def test_maxsize_blocks_the_sender_and_never_drops(maxsize: int, extra: int) -> None:
    async def scenario() -> None:
        channel: Channel[None, int] = Channel(maxsize=maxsize)
        subscriber = channel.clone(is_iterator=True)
        total = maxsize + extra
        sent: list[int] = []

        async def produce() -> None:
            for i in range(total):
                await channel.put(i)
                sent.append(i)

        producer = asyncio.ensure_future(produce())
        await settle()
        assert len(sent) == min(maxsize, total)  # the buffer is full: the sender waits
        assert producer.done() == (extra == 0)
        received = [(await subscriber.get()).value for _ in range(total)]
        await producer
        assert received == list(range(total))

    asyncio.run(scenario())


async def test_back_pressure_waits_for_the_slowest_subscriber() -> None:
    channel: Channel[None, int] = Channel(maxsize=2)
    fast, slow = channel.clone(is_iterator=True), channel.clone(is_iterator=True)
    producer = asyncio.ensure_future(asyncio.gather(*(channel.put(i) for i in range(4))))
    await settle()
    assert [e.value for e in [await fast.get(), await fast.get()]] == [0, 1]
    await settle()
    assert not producer.done()  # slow still holds 2
    assert [(await slow.get()).value for _ in range(4)] == [0, 1, 2, 3]
    await producer
    assert [(await fast.get()).value for _ in range(2)] == [2, 3]


@given(st.lists(st.tuples(st.text(max_size=4), st.integers()), max_size=20), header_lists())
def test_send_send_and_wait_and_publish_message_are_equivalent(
    items: list[tuple[str, int]], headers: tuple[tuple[str, bytes], ...]
) -> None:
    async def via(path: str) -> list[tuple[Any, ...]]:
        channel: Channel[str, int] = Channel(maxsize=None)
        subscriber = channel.clone(is_iterator=True)
        offsets = []
        for key, value in items:
            if path == "send":
                metadata = await (await channel.send(key=key, value=value, headers=headers))
            elif path == "send_and_wait":
                metadata = await channel.send_and_wait(key=key, value=value, headers=headers)
            else:
                fut = channel.as_future_message(key=key, value=value, headers=headers)
                assert not fut.done()
                metadata = await (await channel.publish_message(fut))
            offsets.append(metadata.offset)
        assert offsets == sorted(offsets)
        events = [await subscriber.get() for _ in items]
        return [(e.key, e.value, e.headers, e.message.offset) for e in events]

    async def scenario() -> None:
        results = [await via(path) for path in ("send", "send_and_wait", "publish")]
        assert results[0] == results[1] == results[2]
        assert [(k, v) for k, v, *_ in results[0]] == items

    asyncio.run(scenario())


async def test_send_returns_a_future_message_that_resolves_to_record_metadata() -> None:
    channel: Channel[str, int] = Channel()
    fut = await channel.send(key="k", value=1, timestamp=0.0)
    assert isinstance(fut, FutureMessage)
    assert fut.done()
    assert (fut.message.key, fut.message.value) == ("k", 1)
    metadata: RecordMetadata = await fut
    assert (metadata.topic, metadata.partition, metadata.offset) == (IN_MEMORY, 0, 0)
    assert metadata.topic_partition == TP(IN_MEMORY, 0)
    assert (metadata.timestamp, metadata.timestamp_type) == (0.0, CREATE_TIME)  # 0.0 is a time
    later = await channel.send_and_wait(value=2)
    assert later.offset == 1
    assert later.timestamp_type == LOG_APPEND_TIME
    assert later.timestamp > 0


async def test_callbacks_run_once_per_message_and_coroutines_are_awaited() -> None:
    channel: Channel[None, int] = Channel()
    calls: list[tuple[str, int]] = []

    def sync_callback(fut: Any) -> None:
        calls.append(("sync", fut.message.value))

    async def async_callback(fut: Any) -> None:
        await asyncio.sleep(0)
        calls.append(("async", fut.message.value))

    await channel.send(value=1, callback=sync_callback)
    await channel.send_and_wait(value=2, callback=async_callback)
    await channel.publish_message(channel.as_future_message(value=3, callback=sync_callback))
    await channel.send_soon(value=4, callback=async_callback)
    await settle()  # the future resolves first; its callback runs right after
    assert calls == [("sync", 1), ("async", 2), ("sync", 3), ("async", 4)]


async def test_send_soon_works_from_synchronous_code_in_order() -> None:
    channel: Channel[None, int] = Channel()
    subscriber = channel.clone(is_iterator=True)

    def synchronous() -> list[FutureMessage[None, int]]:
        return [channel.send_soon(value=i) for i in range(5)]

    futures = synchronous()
    assert not any(fut.done() for fut in futures)
    offsets = [(await fut).offset for fut in futures]
    assert offsets == [0, 1, 2, 3, 4]
    assert [(await subscriber.get()).value for _ in range(5)] == [0, 1, 2, 3, 4]


async def test_publish_message_without_wait_hands_over_as_send_does() -> None:
    """On a channel the hand-over is the delivery: done on return, as ``send`` is."""
    channel: Channel[None, int] = Channel()
    subscriber = channel.clone(is_iterator=True)
    prepared = channel.as_future_message(value=1)
    assert not prepared.done()
    assert subscriber.empty()  # preparing sends nothing
    fut = await channel.publish_message(prepared, wait=False)
    assert fut is prepared
    assert fut.done()
    assert (await fut).offset == 0
    assert (await subscriber.get()).value == 1


def test_send_soon_without_a_running_loop_says_so() -> None:
    channel: Channel[None, int] = Channel()
    with pytest.raises(RuntimeError, match="send_soon needs a running event loop"):
        channel.send_soon(value=1)


async def test_a_future_message_resolves_exactly_once() -> None:
    channel: Channel[None, int] = Channel()
    fut = await channel.send(value=1)
    with pytest.raises(asyncio.InvalidStateError, match="already resolved"):
        fut.set_result(fut.result())
    with pytest.raises(asyncio.InvalidStateError, match="already resolved"):
        fut.set_exception(RuntimeError())


async def test_many_tasks_can_await_one_future_and_cancelling_one_spares_the_rest() -> None:
    channel: Channel[None, int] = Channel(maxsize=1)
    await channel.put(0)  # fills the pending buffer: the next send waits
    fut = channel.send_soon(value=1)
    waiters = [asyncio.ensure_future(_await(fut)) for _ in range(3)]
    await settle()
    waiters[0].cancel()
    await channel.get()  # room: the send goes through
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError)
    assert [r.offset for r in results[1:]] == [1, 1]  # type: ignore[union-attr]


async def _await(fut: FutureMessage[None, int]) -> RecordMetadata:
    return await fut


async def test_a_send_cancelled_while_waiting_for_room_delivered_nothing() -> None:
    channel: Channel[None, int] = Channel(maxsize=1)
    a, b = channel.clone(is_iterator=True), channel.clone(is_iterator=True)
    await channel.put(0)
    await a.get()  # a has room, b is full
    sending = asyncio.ensure_future(channel.send(value=1))
    await settle()
    sending.cancel()
    await settle()
    assert sending.cancelled()
    assert a.empty()  # not delivered to a, though a had room
    await b.get()
    await channel.put(2)
    assert [(await a.get()).value, (await b.get()).value] == [2, 2]


async def test_a_cancelled_get_takes_nothing() -> None:
    channel: Channel[None, int] = Channel()
    subscriber = channel.clone(is_iterator=True)
    getting = asyncio.ensure_future(subscriber.get())
    await settle()
    getting.cancel()
    await settle()
    await channel.put(1)
    assert (await subscriber.get()).value == 1


async def test_get_with_a_timeout_raises_timeout_error() -> None:
    channel: Channel[None, int] = Channel()
    with pytest.raises(asyncio.TimeoutError):
        await channel.get(timeout=0.01)


async def test_throw_raises_in_every_subscriber_once() -> None:
    channel: Channel[None, int] = Channel()
    a, b = channel.clone(is_iterator=True), channel.clone(is_iterator=True)
    await channel.throw(KeyError("boom"))
    for subscriber in (a, b):
        with pytest.raises(KeyError, match="boom"):
            await subscriber.get()
    await channel.put(1)
    assert (await a.get()).value == 1


async def test_headers_are_copied_and_a_mapping_is_accepted() -> None:
    channel: Channel[None, int] = Channel()
    mine = [("a", b"1"), ("a", b"2")]
    await channel.send(value=1, headers=mine)
    mine.append(("b", b"3"))
    await channel.send(value=2, headers={"x": bytearray(b"y")})
    first, second = await channel.get(), await channel.get()
    assert first.headers == (("a", b"1"), ("a", b"2"))
    assert second.headers == (("x", b"y"),)
    with pytest.raises(TypeError, match=r"a header is a \(str, bytes\) pair; got \(str, str\)"):
        await channel.send(value=3, headers=[("a", "text")])  # type: ignore[list-item]


async def test_a_channel_has_one_partition_and_no_name() -> None:
    channel: Channel[None, int] = Channel()
    with pytest.raises(ValueError, match="one partition, 0; got partition=2"):
        await channel.send(value=1, partition=2)
    with pytest.raises(UnnamedChannelError, match="no topic name"):
        channel.get_topic_name()
    await channel.maybe_declare()
    await channel.declare()


async def test_clones_share_subscribers_and_derive_makes_a_new_channel() -> None:
    channel: Channel[None, int] = Channel(maxsize=3)
    subscriber = channel.clone(is_iterator=True)
    handle = channel.clone()
    assert not handle.is_iterator
    assert subscriber.is_iterator
    await handle.put(1)
    assert (await subscriber.get()).value == 1
    derived = channel.derive(maxsize=10)
    assert (derived.maxsize, channel.maxsize) == (10, 3)
    await derived.put(2)
    assert subscriber.empty()
    assert derived.schema is not channel.schema


async def test_events_ack_once_and_async_with_acks() -> None:
    channel: Channel[None, int] = Channel()
    await channel.put(1)
    await channel.put(2)
    first = await channel.get()
    assert not first.acked
    assert first.ack() is True
    assert first.ack() is False
    async with await channel.get() as second:
        assert not second.acked
    assert second.acked


async def test_event_send_and_forward() -> None:
    source: Channel[str, int] = Channel()
    target: Channel[str, int] = Channel()
    await source.send(key="k", value=1, headers=[("h", b"v")])
    event = await source.get()
    await event.send(target)
    await event.send(target, value=2, headers=None)
    await event.forward(target)
    copies = [await target.get() for _ in range(3)]
    assert [(e.key, e.value, e.headers) for e in copies] == [
        ("k", 1, (("h", b"v"),)),
        ("k", 2, ()),
        ("k", 1, (("h", b"v"),)),
    ]


async def test_decode_forwards_raw_bytes_unchanged() -> None:
    from sdk.impl.messages import Message

    typed: Channel[str, Order] = Channel(key_type=str, value_type=Order)
    message = Message("orders", 0, 5, 1.0, CREATE_TIME, (), b"k", b'{"id":1,"amount":2.0}')
    await typed.deliver(message)
    event: Event[str, Order] = await typed.get()
    assert event.value == Order(1, 2.0)
    raw: Channel[bytes, bytes] = Channel()
    await event.forward(raw)
    forwarded = await raw.get()
    assert (forwarded.key, forwarded.value) == (b"k", b'{"id":1,"amount":2.0}')


def test_maxsize_must_be_positive() -> None:
    with pytest.raises(ValueError, match="maxsize must be at least 1"):
        Channel(maxsize=0)


def test_repr_says_what_the_channel_is() -> None:
    channel = App().channel(key_type=str, value_type=Order, maxsize=7)
    assert repr(channel) == "<Channel[str, Order] subscribers=0 maxsize=7>"


async def test_unsubscribe_releases_a_waiting_sender() -> None:
    channel: Channel[None, int] = Channel(maxsize=1)
    fast, slow = channel.clone(is_iterator=True), channel.clone(is_iterator=True)
    await channel.put(0)
    await fast.get()
    sending = asyncio.ensure_future(channel.put(1))
    await settle()
    assert not sending.done()  # slow is full
    slow.unsubscribe()
    await sending
    assert channel.subscriber_count == 1
    assert (await fast.get()).value == 1
    with pytest.raises(TypeError, match="not a subscriber"):
        channel.unsubscribe()


async def test_send_soon_futures_fail_rather_than_hang_when_delivery_is_cancelled() -> None:
    channel: Channel[None, int] = Channel(maxsize=1)
    await channel.put(0)  # full: the queued sends wait
    futures = [channel.send_soon(value=i) for i in (1, 2)]
    await settle()
    task = channel._hub.soon_task
    assert task is not None
    task.cancel()
    await settle()
    for fut in futures:
        assert fut.done()
        with pytest.raises(asyncio.CancelledError):
            fut.result()


def test_a_schema_and_its_settings_are_not_both_given() -> None:
    from sdk import Schema

    with pytest.raises(TypeError, match="either a schema or value_type, allow_empty, not both"):
        Channel(schema=Schema(), value_type=int, allow_empty=True)
