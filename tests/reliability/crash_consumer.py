"""A consumer process for the crash test: appends ``partition offset`` for each message it
processes to OUT, one line each, written through before the next, until it is killed.

    python -m tests.reliability.crash_consumer URL TOPIC GROUP OUT
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from sdk import App
from sdk.impl.transports.kafka import KafkaTransport

PAUSE_EVERY = 10
"""Yield for a millisecond every so many messages: slow enough to be killed mid-stream (every
50 let it finish 10,000 once in CI, on Tansu, before the test, parsing its output, saw 3,000)."""


async def consume(url: str, topic: str, group: str, processed: TextIO) -> None:
    transport = KafkaTransport(
        url, session_timeout_ms=2000, heartbeat_interval_ms=300, fetch_max_wait_ms=20
    )
    async with App(group, broker=transport) as app:
        count = 0
        async for event in app.topic(topic, value_type=int):
            processed.write(f"{event.message.partition} {event.message.offset}\n")
            count += 1
            if count % PAUSE_EVERY == 0:
                await asyncio.sleep(0.001)


if __name__ == "__main__":
    with open(sys.argv[4], "a", buffering=1) as out:  # a line reaches the file as written
        asyncio.run(consume(*sys.argv[1:4], out))
