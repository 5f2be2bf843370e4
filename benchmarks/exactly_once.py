"""What exactly-once costs: one consume-transform-produce pipeline under each guarantee.

The app reads ``src`` (4 partitions), sends one output per input to ``dst``, and moves on; a
round is timed from the start of the app until every input's offset is committed (under
exactly-once, in the transaction with its output). Rounds of ``at_least_once`` and of
``exactly_once`` at each commit interval alternate, so a shared machine's load falls on all
alike; each figure is the median of the per-round ratios to ``at_least_once``, with min-max.

    python benchmarks/exactly_once.py [--events N] [--rounds R] [--intervals 0.05,0.2,1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

from sdk import App
from sdk.impl.consumer_loop import COMMIT_INTERVAL
from sdk.impl.transports.memory import MemoryTransport, broker_for
from sdk.types import TP, ProcessingGuarantee, TopicSettings

PARTITIONS = 4


async def fill(url: str, events: int) -> None:
    producer = MemoryTransport(url).create_producer()
    await producer.create_topic("src", TopicSettings(partitions=PARTITIONS))
    await producer.create_topic("dst", TopicSettings(partitions=PARTITIONS))
    for i in range(events):
        await producer.send("src", str(i).encode(), b"order-%d" % i)


async def pipeline(events: int, guarantee: ProcessingGuarantee, interval: float) -> float:
    """Events per second, from the app's start until every input is committed."""
    url = f"memory://bench-eos-{uuid.uuid4().hex}"
    await fill(url, events)
    committed = broker_for(url).group("pipeline").committed
    done = {TP("src", p): n for p, n in enumerate(_per_partition(url))}
    app = App("pipeline", broker=url, processing_guarantee=guarantee, commit_interval=interval)
    src = app.topic("src", key_serializer="raw", value_serializer="raw", value_type=bytes)
    dst = app.topic("dst", key_serializer="raw", value_serializer="raw", value_type=bytes)
    started = time.perf_counter()
    async with app:

        async def work() -> None:
            async for event in src:
                await dst.send(key=event.key, value=event.value.upper())

        worker = asyncio.ensure_future(work())
        while committed != done:
            if worker.done():  # it failed: say how, rather than wait forever
                worker.result()
            await asyncio.sleep(0.001)
        took = time.perf_counter() - started
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    return events / took


def _per_partition(url: str) -> list[int]:
    return [len(log) for log in broker_for(url).logs["src"]]


async def main(events: int, rounds: int, intervals: list[float]) -> None:
    ratios: dict[float, list[float]] = {interval: [] for interval in intervals}
    plain: list[float] = []
    for _ in range(rounds):
        base = await pipeline(events, "at_least_once", COMMIT_INTERVAL)
        plain.append(base)
        for interval in intervals:
            ratios[interval].append(await pipeline(events, "exactly_once", interval) / base)
    print(
        f"memory://, {events:,} inputs over {PARTITIONS} partitions, {rounds} rounds; "
        f"at_least_once (commit every {COMMIT_INTERVAL} s): "
        f"{statistics.median(plain):,.0f} events/s"
    )
    for interval, got in ratios.items():
        default = " (default)" if interval == COMMIT_INTERVAL else ""
        print(
            f"exactly_once, a transaction every {interval} s{default}: "
            f"{statistics.median(got):.2f} of at_least_once ({min(got):.2f}-{max(got):.2f})"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--intervals", default="0.05,0.2,1.0")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.rounds, [float(i) for i in args.intervals.split(",")]))
