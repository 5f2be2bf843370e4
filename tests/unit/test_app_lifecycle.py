"""Starting and stopping an app on memory://: every step of a stop runs, in an order that
commits what was read, and an app can be started again; a failed start leaves nothing running."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Sized

import pytest

from sdk import App
from sdk.impl.channel import Channel
from sdk.impl.codecs import Codec
from sdk.impl.timeouts import within
from sdk.impl.transports.memory import MemoryProducer, MemoryTransport, broker_for
from sdk.types import TP, FutureMessage

POLLS = 1000
"""Loop turns a test waits for the consumer to get somewhere before it fails."""


def url() -> str:
    return f"memory://lifecycle-{uuid.uuid4().hex}"


async def send(url: str, topic: str, values: range) -> None:
    async with App("sender", broker=url) as sender:
        out = sender.topic(topic, value_type=int)
        for value in values:
            await out.send(value=value)


class BuggyCodec(Codec):
    """A codec with a bug: it fails with something other than a DecodeError."""

    name = "buggy"

    def dumps(self, obj: object) -> bytes:
        return repr(obj).encode()

    def loads(self, data: bytes) -> object:
        raise RuntimeError("bug in a codec")


async def test_a_failed_consumer_still_ends_iterators_flushes_and_stops_sending() -> None:
    """The consumer fails (a codec's bug): stop() raises that, after doing all it has to."""
    where = url()
    await send(where, "orders", range(1))
    app = App("readers", broker=where)
    topic = app.topic("orders", value_serializer=BuggyCodec())
    out = app.topic("out", value_type=int)
    await app.start()
    with pytest.raises(RuntimeError, match="bug in a codec"):
        await topic.get()  # every reader hears of the failure
    futures: list[FutureMessage[None, int]] = [out.send_soon(value=i) for i in range(5)]
    with pytest.raises(RuntimeError, match="bug in a codec"):
        await app.stop()
    assert [f for f in futures if not f.done()] == [], "send_soon was not flushed"
    assert [f.result().offset for f in futures] == list(range(5))
    assert broker_for(where).group("readers").members == [], "the consumer was not stopped"
    for _ in range(3):
        await asyncio.sleep(0)
    assert app.running_producer is None, "a producer was started after stop()"
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def wait_for(items: Sized, count: int, what: str) -> None:
    """Until ``items`` holds ``count``: the consumer delivered them."""
    for _ in range(POLLS):
        if len(items) == count:
            return
        await asyncio.sleep(0)
    pytest.fail(f"the consumer did not deliver {count} events {what}")


async def test_an_app_started_again_reads_on_from_its_commit() -> None:
    where = url()
    await send(where, "orders", range(3))
    app = App("readers", broker=where)
    topic = app.topic("orders", value_type=int)
    async with app:
        first = await topic.get()
        first.ack()
        await wait_for(topic._hub.reader().items, 2, "to the reader")  # dropped by the stop
    assert first.value == 0
    assert broker_for(where).group("readers").committed == {TP("orders", 0): 1}
    async with app:
        again = [(await topic.get()).value for _ in range(2)]
    assert again == [1, 2]


async def test_what_waited_for_a_subscriber_is_not_read_twice_after_a_restart() -> None:
    where = url()
    await send(where, "orders", range(2))
    app = App("readers", broker=where)
    topic = app.topic("orders", value_type=int)
    topic.clone(is_iterator=True).unsubscribe()  # the app reads the topic; nobody subscribes
    async with app:
        await wait_for(topic._hub.pending.items, 2, "to wait for a subscriber")
    await send(where, "orders", range(2, 3))
    async with app:
        read = [(await topic.get()).value for _ in range(3)]
    assert read == [0, 1, 2]


async def test_a_send_soon_drain_cancelled_before_it_began_fails_its_messages() -> None:
    channel: Channel[None, int] = Channel(value_type=int)
    subscriber = channel.clone(is_iterator=True)
    futures = [channel.send_soon(value=i) for i in range(3)]
    drain = channel._hub.soon_task
    assert drain is not None
    drain.cancel()  # before its first step: its coroutine never runs
    await asyncio.wait({drain})
    await within(10, channel._hub.drained())  # returns: nothing is left to drain (a bound)
    assert all(isinstance(f.exception(), asyncio.CancelledError) for f in futures)
    assert subscriber.empty()
    later = channel.send_soon(value=3)  # a new drain starts
    await channel._hub.drained()
    assert later.result().offset >= 0
    assert (await subscriber.get()).value == 3


async def test_cancelling_stop_cancels_it_and_still_stops_the_consumer() -> None:
    where = url()
    app = App("readers", broker=where)
    app.topic("orders", value_type=int).clone(is_iterator=True)
    await app.start()
    stopping = asyncio.ensure_future(app.stop())
    await asyncio.sleep(0)  # stop() waits for the fetching task to end
    stopping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopping
    assert broker_for(where).group("readers").members == []
    assert app.running_producer is None


async def test_a_start_that_fails_stops_the_consumer_it_started() -> None:
    where = url()
    app = App("readers", broker=where)
    app.topic(pattern="orders-(", value_type=int).clone(is_iterator=True)
    with pytest.raises(re.error):
        await app.start()
    assert broker_for(where).group("readers").members == []
    assert app.running_producer is None


class ProducerFailingToStop(MemoryProducer):
    async def stop(self) -> None:
        raise OSError("the producer failed to stop")


class TransportFailingToStop(MemoryTransport):
    def create_producer(self) -> MemoryProducer:
        return ProducerFailingToStop(self.broker)


async def test_a_start_that_fails_raises_its_own_error_not_the_cleanups(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App("readers", broker=TransportFailingToStop(url()))
    app.topic(pattern="orders-(", value_type=int).clone(is_iterator=True)
    with pytest.raises(re.error):
        await app.start()
    [logged] = [r for r in caplog.records if r.exc_info is not None]
    assert "failed start" in logged.getMessage()  # the cleanup's failure is not swallowed
    assert isinstance(logged.exc_info[1], OSError)
