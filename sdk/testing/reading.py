"""Reading a few events in a test: bounded, so a missing event fails instead of hanging."""

from __future__ import annotations

from sdk.impl.timeouts import within
from sdk.types import ChannelT, EventT
from sdk.types._vars import KT, VT


async def take(channel: ChannelT[KT, VT], n: int, timeout: float = 10.0) -> list[EventT[KT, VT]]:
    """The next ``n`` events of one subscriber of ``channel``, all acked.

    Moving on acks the event before; the last one is acked here. ``TimeoutError`` after
    ``timeout`` seconds with fewer than ``n``.
    """
    events: list[EventT[KT, VT]] = []

    async def read() -> None:
        async for event in channel:
            events.append(event)
            if len(events) == n:
                event.ack()
                return

    await within(timeout, read())
    return events
