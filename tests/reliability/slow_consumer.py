"""A fast producer and a consumer 100x slower or more, in a process of its own, so that its
peak RSS (``VmHWM``) is the run's alone. Prints one JSON line.

    python -m tests.reliability.slow_consumer channel N SIZE MAXSIZE
    python -m tests.reliability.slow_consumer topic N SIZE MAXSIZE URL TOPIC GROUP
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


async def topic_run(n: int, maxsize: int | None, url: str, topic: str, group: str) -> list[int]:
    transport = KafkaTransport(url, session_timeout_ms=2000, heartbeat_interval_ms=300)
    received: list[int] = []
    async with App(group, broker=transport) as app:
        source = app.topic(topic, value_serializer="raw", maxsize=maxsize)
        async for event in source:
            received.append(event.value[0] + 256 * int.from_bytes(event.value[1:3], "big"))
            await asyncio.sleep(CONSUME_DELAY)
            if len(received) == n:
                event.ack()
                break
    return received


def payload(i: int, size: int) -> bytes:
    """A fresh ``size``-byte value that says which one it is."""
    return bytes([i % 256]) + (i // 256).to_bytes(2, "big") + bytes(size - 3)


def main() -> None:
    kind, n, size, maxsize_arg = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    maxsize = None if maxsize_arg == "none" else int(maxsize_arg)
    reset_peak()
    before = peak_kib()
    started = time.monotonic()
    if kind == "channel":
        received = asyncio.run(channel_run(n, size, maxsize))
    else:
        received = asyncio.run(topic_run(n, maxsize, *sys.argv[5:8]))
    print(
        json.dumps(
            {
                "received": sorted(received),
                "growth_kib": peak_kib() - before,
                "seconds": time.monotonic() - started,
            }
        )
    )


if __name__ == "__main__":
    main()
