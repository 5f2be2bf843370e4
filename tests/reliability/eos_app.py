"""The app of the exactly-once chaos test: consume, transform, produce, killed at any moment.

    python -m tests.reliability.eos_app URL SRC DST GUARANTEE OUT

For each event of SRC it sends its value to DST, keyed by where it came from (``pid partition
offset``: a duplicate says which processes made it, of which input), then appends a line to
OUT (how far it got, for the test to choose when to kill it); its first line, ``# ready``,
says SIGTERM is a graceful stop from then on. Rebalances are logged to stderr
with the time, as aiokafka says them. SIGTERM stops it gracefully: the work cancelled
first, then the app stopped (an exactly-once app refuses a send after its stop). SIGKILL is
the test's.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from typing import TextIO, cast

from sdk import App
from sdk.impl.transports.kafka import KafkaTransport
from sdk.types import ProcessingGuarantee
from tests.brokers import TEST_SETTINGS

TRANSACTION_TIMEOUT_MS = 3000
"""How long the broker keeps a killed process's transaction open, holding read_committed
readers back: short, as a test's; a real app keeps aiokafka's 60 s or sets its own."""
PAUSE = 0.0005
"""Seconds each event takes, as I/O would: kills land mid-transaction and mid-event."""


async def main(url: str, src: str, dst: str, guarantee: ProcessingGuarantee, log: TextIO) -> None:
    transport = KafkaTransport(
        url, **TEST_SETTINGS, transactions=True, transaction_timeout_ms=TRANSACTION_TIMEOUT_MS
    )
    app = App("chaos", broker=transport, processing_guarantee=guarantee)
    leave = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, leave.set)
    print("# ready", file=log)  # SIGTERM is a graceful stop from now on
    async with app:
        source = app.topic(src, key_type=str, value_type=int)
        target = app.topic(dst, key_type=str, value_type=int)

        async def process() -> None:
            async for event in source:
                await asyncio.sleep(PAUSE)
                origin = f"{os.getpid()} {event.message.partition} {event.message.offset}"
                await target.send(key=origin, value=event.value)
                print(event.value, file=log)

        work = asyncio.ensure_future(process())
        await leave.wait()
        work.cancel()  # the event in hand is not done: stopping commits without it, or aborts
        await asyncio.gather(work, return_exceptions=True)


if __name__ == "__main__":
    logging.basicConfig(format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("aiokafka.consumer.group_coordinator").setLevel(logging.INFO)
    url, src, dst, guarantee, out = sys.argv[1:]
    with open(out, "a", buffering=1) as file:  # a line reaches the file as written
        asyncio.run(main(url, src, dst, cast(ProcessingGuarantee, guarantee), file))
