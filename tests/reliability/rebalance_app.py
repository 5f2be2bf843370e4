"""The app of the rebalance test: consume, transform, produce, one event at a time.

    python -m tests.reliability.rebalance_app URL SRC DST GROUP OUT [LEAVE_AFTER]

For each event of SRC it sends ``value * 2`` to DST, then appends ``partition offset`` to OUT;
each non-empty revoke appends ``revoked N``. With LEAVE_AFTER it leaves the group (a graceful
stop, no kill) once it has processed that many; SIGTERM stops it the same way. memory:// runs
``run`` in the test's own process, as its groups exist only there.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from typing import TextIO

from sdk import App
from sdk.impl.transports.kafka import KafkaConsumer, KafkaTransport
from sdk.impl.transports.memory import MemoryConsumer, MemoryTransport
from sdk.types import TP
from sdk.types.transports import PartitionsCallback, TransportT
from tests.brokers import TEST_SETTINGS

Log = Callable[[str], None]
PAUSE = 0.001
"""Seconds each event takes: slow enough that a join and a leave happen mid-stream."""


def logged(on_revoked: PartitionsCallback | None, log: Log) -> PartitionsCallback:
    """The app's revoke callback, then a line in the log: the test bounds duplicates by it."""

    async def revoked(tps: frozenset[TP]) -> None:
        if on_revoked is not None:
            await on_revoked(tps)
        if tps:
            log(f"revoked {len(tps)}")

    return revoked


class LoggedKafka(KafkaTransport):
    def __init__(self, url: str, log: Log) -> None:
        super().__init__(url, **TEST_SETTINGS)
        self.log = log

    def create_consumer(
        self,
        group_id: str,
        *,
        on_assigned: PartitionsCallback | None = None,
        on_revoked: PartitionsCallback | None = None,
    ) -> KafkaConsumer:
        revoked = logged(on_revoked, self.log)
        return super().create_consumer(group_id, on_assigned=on_assigned, on_revoked=revoked)


class LoggedMemory(MemoryTransport):
    def __init__(self, url: str, log: Log) -> None:
        super().__init__(url)
        self.log = log

    def create_consumer(
        self,
        group_id: str,
        *,
        on_assigned: PartitionsCallback | None = None,
        on_revoked: PartitionsCallback | None = None,
    ) -> MemoryConsumer:
        revoked = logged(on_revoked, self.log)
        return super().create_consumer(group_id, on_assigned=on_assigned, on_revoked=revoked)


async def run(
    transport: TransportT,
    src: str,
    dst: str,
    group: str,
    log: Log,
    leave_after: int | None = None,
    leave: asyncio.Event | None = None,
) -> None:
    """Process SRC into DST until ``leave_after`` events, ``leave`` is set, or SIGTERM."""
    app = App(group, broker=transport)
    await app.start()
    leave = leave or asyncio.Event()
    stopping = asyncio.ensure_future(_stop_when(leave, app))
    try:
        source = app.topic(src, key_type=str, value_type=int)
        target = app.topic(dst, key_type=str, value_type=int)
        count = 0
        async for event in source:  # moving on acks the event before
            await target.send(key=event.key, value=event.value * 2)
            log(f"{event.message.partition} {event.message.offset}")
            count += 1
            await asyncio.sleep(PAUSE)
            if count == leave_after:
                break  # the event in hand is not acked: it may be done again by the next owner
    finally:
        leave.set()
        await stopping


async def _stop_when(leave: asyncio.Event, app: App) -> None:
    await leave.wait()
    await app.stop()


async def main(out: TextIO, url: str, src: str, dst: str, group: str, *rest: str) -> None:
    leave = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, leave.set)

    def log(line: str) -> None:
        print(line, file=out)

    leave_after = int(rest[0]) if rest else None
    await run(LoggedKafka(url, log), src, dst, group, log, leave_after, leave)


if __name__ == "__main__":
    url, src, dst, group, out, *rest = sys.argv[1:]
    with open(out, "a", buffering=1) as file:  # a line reaches the file as written
        asyncio.run(main(file, url, src, dst, group, *rest))
