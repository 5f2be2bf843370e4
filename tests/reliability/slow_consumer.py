"""A slow consumer in a process of its own, so that its peak RSS (``VmHWM``) is the run's alone.
Prints one JSON line at the end.

    python -m tests.reliability.slow_consumer channel N SIZE MAXSIZE
    python -m tests.reliability.slow_consumer topic N SIZE MAXSIZE URL TOPIC GROUP

``channel``: the producer is in this process, putting as fast as the channel lets it.
``topic``: the producer is the test, sending while this process consumes. It writes on stdin,
one line per batch, how many messages it has on the topic; this process prints ``first`` once
it took its first event, and then takes at most one event per PACE the producer has sent until
the producer is done: a producer at least PACE times faster than its consumer, whatever the
machine's speed.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from sdk import App, Channel
from sdk.impl.transports.kafka import KafkaTransport

CONSUME_DELAY = 0.001
"""Seconds the consumer spends on each event; the producer spends microseconds."""
PACE = 100
"""While the producer sends, the topic's consumer takes one event per PACE messages sent."""


def peak_kib() -> int:
    """The peak resident set of this process's memory, in KiB (``VmHWM``).

    Not ``getrusage``'s ``ru_maxrss``: Linux keeps in it the peak of the process that forked
    this one before the exec (pytest, much bigger), so a run's own growth cannot show.
    """
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def reset_peak() -> None:
    """Start the peak from the resident set now, not from the imports' (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


async def channel_run(n: int, size: int, maxsize: int | None) -> list[int]:
    channel: Channel[None, bytes] = Channel(maxsize=maxsize)
    received: list[int] = []

    async def consume() -> None:
        async for event in channel:
            received.append(event.value[0] + 256 * int.from_bytes(event.value[1:3], "big"))
            await asyncio.sleep(CONSUME_DELAY)
            if len(received) == n:
                return

    consumer = asyncio.ensure_future(consume())
    await asyncio.sleep(0)  # subscribed before the first put
    for i in range(n):  # as fast as put lets it: it waits only when the buffer is full
        await channel.put(payload(i, size))
    await consumer
    return received


class Producer:
    """How many messages the producing test has on the topic, as it says on stdin."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.sent = 0
        self._news = asyncio.Event()

    async def follow(self) -> None:
        """Read stdin until the producer sent all ``n`` (or closed stdin): one line a batch."""
        for _ in range(self.n):
            line = await asyncio.to_thread(sys.stdin.readline)
            self.sent = int(line) if line else self.n
            self._news.set()
            if self.sent >= self.n:
                return

    @property
    def done(self) -> bool:
        return self.sent >= self.n

    async def allow(self, taken: int) -> None:
        """Return once the producer sent PACE messages per event taken (or is done)."""
        while self.sent < min(self.n, PACE * taken):
            self._news.clear()
            await self._news.wait()


async def topic_run(
    n: int, maxsize: int | None, url: str, topic: str, group: str
) -> tuple[list[int], int]:
    """The values received, and how many were taken while the producer was still sending."""
    transport = KafkaTransport(url, session_timeout_ms=2000, heartbeat_interval_ms=300)
    producer = Producer(n)
    following = asyncio.ensure_future(producer.follow())
    received: list[int] = []
    while_producing = 0
    async with App(group, broker=transport) as app:
        source = app.topic(topic, value_serializer="raw", maxsize=maxsize)
        async for event in source:
            await producer.allow(len(received))
            if not producer.done:
                while_producing += 1
            received.append(event.value[0] + 256 * int.from_bytes(event.value[1:3], "big"))
            if len(received) == 1:
                print("first", flush=True)
            await asyncio.sleep(CONSUME_DELAY)
            if len(received) == n:
                event.ack()
                break
    await following
    return received, while_producing


def payload(i: int, size: int) -> bytes:
    """A fresh ``size``-byte value that says which one it is."""
    return bytes([i % 256]) + (i // 256).to_bytes(2, "big") + bytes(size - 3)


def main() -> None:
    kind, n, size, maxsize_arg = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    maxsize = None if maxsize_arg == "none" else int(maxsize_arg)
    reset_peak()
    before = peak_kib()
    started = time.monotonic()
    while_producing = None
    if kind == "channel":
        received = asyncio.run(channel_run(n, size, maxsize))
    else:
        received, while_producing = asyncio.run(topic_run(n, maxsize, *sys.argv[5:8]))
    print(
        json.dumps(
            {
                "received": sorted(received),
                "growth_kib": peak_kib() - before,
                "seconds": time.monotonic() - started,
                "while_producing": while_producing,
            }
        )
    )


if __name__ == "__main__":
    main()
