"""Cancellation on channels: hypothesis picks which tasks awaiting ``put``, ``send``, ``get``
or iteration are cancelled, and when; a cancelled sender delivered nothing, a cancelled reader
took nothing, and every value delivered is read exactly once."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sdk import Channel
from sdk.impl.timeouts import within
from tests.reliability.conftest import Record

Op = tuple[str, int]
OPS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["put", "send", "get", "next"]), st.just(0)),
        st.tuples(st.just("cancel"), st.integers(0, 63)),
        st.tuples(st.just("tick"), st.integers(0, 3)),
    ),
    max_size=60,
)


def test_cancelled_waits_lose_and_duplicate_nothing(record: Record) -> None:
    totals = [0, 0, 0]  # sends started, sends cancelled, values read

    @settings(max_examples=300, deadline=None)
    @given(maxsize=st.integers(1, 4), ops=OPS)
    def run(maxsize: int, ops: list[Op]) -> None:
        counts = asyncio.run(within(10, _scenario(maxsize, ops)))
        totals[:] = [a + b for a, b in zip(totals, counts, strict=True)]

    run()
    started, cancelled, read = totals
    record(
        f"cancelled put/send/get/iteration ({cancelled} sends cancelled before delivery)",
        "memory",
        started - cancelled,
        read,
        0,
        started - cancelled - read,
        None,
    )


async def _scenario(maxsize: int, ops: list[Op]) -> tuple[int, int, int]:
    """Sends started, sends cancelled (which delivered nothing), values read."""
    channel: Channel[None, int] = Channel(maxsize=maxsize)
    subscriber = channel.clone(is_iterator=True)
    numbers = itertools.count()
    senders: list[tuple[int, asyncio.Task[Any]]] = []
    readers: list[asyncio.Task[Any]] = []
    for op, arg in ops:
        if op in ("put", "send"):
            value = next(numbers)
            work = channel.put(value) if op == "put" else channel.send(value=value)
            senders.append((value, asyncio.ensure_future(work)))
        elif op == "get":
            readers.append(asyncio.ensure_future(subscriber.get()))
        elif op == "next":
            readers.append(asyncio.ensure_future(subscriber.__anext__()))
        elif op == "cancel":
            tasks = [task for _, task in senders] + readers
            if tasks:
                tasks[arg % len(tasks)].cancel()
        else:
            for _ in range(arg):
                await asyncio.sleep(0)
    for _ in range(3):
        await asyncio.sleep(0)
    for reader in readers:  # a reader left waiting is cancelled: it must have taken nothing
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    received = [r.result().value for r in readers if not r.cancelled()]
    for _ in range(10_000):  # drain, which lets every waiting sender deliver
        if not subscriber.empty():
            received.append((await subscriber.get()).value)
        elif any(not task.done() for _, task in senders):
            await asyncio.sleep(0)
        else:
            break
    assert all(task.done() for _, task in senders), "a sender still waits with room to spare"
    delivered = [value for value, task in senders if not task.cancelled()]
    assert sorted(received) == delivered  # nothing lost, nothing twice, nothing cancelled
    for value, task in senders:
        if not task.cancelled() and task.result() is not None:  # send(): its future resolved
            assert task.result().message.value == value
            assert task.result().done()
    return len(senders), len(senders) - len(delivered), len(received)
