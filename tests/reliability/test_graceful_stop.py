"""Graceful stop: stopping an app flushes every ``send_soon``, resolves every future, ends the
iterators, and leaves no task, connection or warning behind (pytest runs warnings as errors)."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

from sdk.impl.timeouts import within
from sdk.types import FutureMessage
from tests.brokers import Broker, make_app
from tests.reliability.conftest import Record

N = 300
"""Messages sent each way (send, then send_soon) just before the stop."""
STOP_TIMEOUT = 20.0


@pytest.mark.parametrize("started", [True, False], ids=["started-and-reading", "sending-only"])
async def test_stop_flushes_resolves_and_ends_iterators(
    broker: Broker, name: str, record: Record, started: bool
) -> None:
    read: list[int] = []
    app = make_app(broker, name)
    topic = app.topic(name, value_type=int, internal=True, partitions=3)
    await topic.declare()

    async def reader() -> None:
        async for event in topic:
            read.append(event.value)

    readers = [asyncio.ensure_future(reader())] if started else []
    if started:
        await app.start()
    futures: list[FutureMessage[Any, int]] = [await topic.send(value=i) for i in range(N)]
    futures += [topic.send_soon(value=i) for i in range(N, 2 * N)]  # still queued at stop
    await app.stop()
    # stopped: nothing may be pending now, and nothing is waited for before these checks
    assert [f for f in futures if not f.done()] == [], "stop() left futures pending"
    assert all(f.result().offset >= 0 for f in futures)  # resolved with metadata, not failed
    assert app.running_producer is None, "a send_soon restarted the producer after stop()"
    await within(STOP_TIMEOUT, asyncio.gather(*readers))  # the iterator ended by itself
    gc.collect()  # an unclosed producer, consumer or connection warns, as an error, here
    assert asyncio.all_tasks() == {asyncio.current_task()}

    async with make_app(broker, f"{name}-check") as app:  # every message is on the topic
        check = app.topic(name, value_type=int)
        landed: list[int] = []
        while len(set(landed)) < 2 * N:
            landed.append((await check.get(timeout=10)).value)
    assert sorted(landed) == list(range(2 * N))  # each once: nothing lost, nothing doubled
    assert set(read) <= set(range(2 * N))
    fault = "graceful stop, " + ("consuming" if started else "sending only")
    record(fault, broker.name, 2 * N, len(landed), len(landed) - len(set(landed)), 0, None)
