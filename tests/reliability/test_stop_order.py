"""Stopping an app on every broker: the iterators end before the final commit, so whatever was
read and acked is committed; an error not yet raised is not committed past; every callback of a
message sent ran by the time ``stop()`` returns."""

from __future__ import annotations

import asyncio
from collections.abc import Sized

import pytest

from sdk.errors import ValueDecodeError
from sdk.impl.timeouts import within
from sdk.types import FutureMessage
from tests.brokers import Broker, make_app

POLLS = 500
"""Waits of POLL seconds for the consumer to get somewhere before a test fails."""
POLL = 0.02
READ_TIMEOUT = 10.0


async def declared(broker: Broker, name: str) -> None:
    async with make_app(broker, f"{name}-admin") as app:
        await app.topic(name, value_type=int, internal=True, partitions=1).declare()


async def wait_for(items: Sized, count: int, what: str) -> None:
    """Until ``items`` holds at least ``count``: the consumer delivered them."""
    for _ in range(POLLS):
        if len(items) >= count:
            return
        await asyncio.sleep(POLL)
    pytest.fail(f"the consumer did not deliver {count} events {what}; {len(items)} came")


async def test_a_decode_error_not_raised_before_the_stop_is_raised_after_the_restart(
    broker: Broker, name: str
) -> None:
    """good, bad, good on a ``raise`` topic; the first is acked, the app stops before reading
    on: nothing is committed past the bad message, and the next start raises its error."""
    await declared(broker, name)
    async with make_app(broker, f"{name}-sender") as sender:
        raw = sender.topic(name, value_type=bytes, value_serializer="raw")
        for data in (b"0", b"not a number", b"2"):
            await raw.send(value=data)

    async with make_app(broker, name) as app:
        topic = app.topic(name, value_type=int, on_decode_error="raise")
        first = await within(READ_TIMEOUT, topic.get())
        async with first:
            assert first.value == 0
        await wait_for(topic._hub.reader().items, 2, "(the error, then 2)")

    async with make_app(broker, name) as app:
        topic = app.topic(name, value_type=int, on_decode_error="raise")
        with pytest.raises(ValueDecodeError) as raised:
            await within(READ_TIMEOUT, topic.get())
        assert (raised.value.topic, raised.value.offset) == (name, 1)
        assert (await within(READ_TIMEOUT, topic.get())).value == 2


N = 600
FIRST = 20
"""Read before the stop is asked for; the rest are read while it runs."""
WORK = 0.001
"""Seconds a reader works on each event: slower than a commit, so it reads during one."""


async def test_what_is_read_while_the_app_stops_is_committed(broker: Broker, name: str) -> None:
    """A reader that acks what it reads goes on reading while ``stop()`` runs: all it read is
    committed, so an app started again reads each message once in all."""
    await declared(broker, name)
    async with make_app(broker, f"{name}-sender") as sender:
        out = sender.topic(name, value_type=int)
        for i in range(N):
            await out.send(value=i)

    app = make_app(broker, name)
    topic = app.topic(name, value_type=int)
    read: list[int] = []
    go_on = asyncio.Event()

    async def reader() -> None:
        while True:
            try:
                event = await topic.get()
            except StopAsyncIteration:
                return
            event.ack()
            read.append(event.value)
            if len(read) == FIRST:
                await go_on.wait()
            await asyncio.sleep(WORK)  # it still reads when stop() commits, and after

    await app.start()
    reading = asyncio.ensure_future(reader())
    await wait_for(read, FIRST, "to read first")
    await wait_for(topic._hub.reader().items, N - FIRST, "to the reader")
    stopping = asyncio.ensure_future(app.stop())
    go_on.set()
    await stopping
    await within(READ_TIMEOUT, reading)
    assert read == list(range(len(read)))

    async with make_app(broker, f"{name}-sender") as sender:  # the last, to know the end
        await sender.topic(name, value_type=int).send(value=N)

    async with make_app(broker, name) as app:
        topic = app.topic(name, value_type=int)
        rest: list[int] = []
        for _ in range(N + 1):
            rest.append((await within(READ_TIMEOUT, topic.get())).value)
            if rest[-1] == N:
                break
    assert rest == list(range(len(read), N + 1)), "what was read while stopping was read again"


SENT = 200


async def test_stop_returns_once_every_async_callback_ran(broker: Broker, name: str) -> None:
    await declared(broker, name)
    ran: list[int] = []

    async def callback(fut: FutureMessage[None, int]) -> None:
        await asyncio.sleep(0)
        ran.append(fut.message.value)

    app = make_app(broker, name)
    topic = app.topic(name, value_type=int)
    for i in range(SENT):
        topic.send_soon(value=i, callback=callback)
    await app.stop()
    assert sorted(ran) == list(range(SENT))
    assert asyncio.all_tasks() == {asyncio.current_task()}
