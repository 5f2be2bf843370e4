"""What exactly-once costs: one consume-transform-produce pipeline under each guarantee.

The app reads ``src`` (4 partitions), sends one output per input to ``dst``, and moves on; a
round is timed from the start of the app until every input's offset is committed (under
exactly-once, in the transaction with its output). Rounds of ``at_least_once`` and of
``exactly_once`` at each commit interval alternate, so a shared machine's load falls on all
alike; each figure is the median of the per-round ratios to ``at_least_once``, with min-max.

    python benchmarks/exactly_once.py [--events N] [--rounds R] [--intervals 0.05,0.2,1.0]
        [--broker memory|kafka]

``--broker kafka`` starts Apache Kafka (fetched by scripts/kafka, as the tests do) and runs the
same pipeline there, with ``transactions=true``; each round has topics and a group of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from sdk import App
from sdk.impl.consumer_loop import COMMIT_INTERVAL
from sdk.impl.transports.kafka import KafkaTransport
from sdk.impl.transports.memory import MemoryTransport
from sdk.types import TP, ConsumerT, ProcessingGuarantee, TopicSettings, TransportT

PARTITIONS = 4


async def fill(transport: TransportT, src: str, dst: str, events: int) -> None:
    producer = transport.create_producer()
    await producer.start()
    try:
        await producer.create_topic(src, TopicSettings(partitions=PARTITIONS))
        await producer.create_topic(dst, TopicSettings(partitions=PARTITIONS))
        acks = [await producer.send(src, str(i).encode(), b"order-%d" % i) for i in range(events)]
        for ack in acks:
            await ack
    finally:
        await producer.stop()


async def pipeline(
    make: Callable[[], TransportT], events: int, guarantee: ProcessingGuarantee, interval: float
) -> float:
    """Events per second, from the app's start until every input is committed."""
    transport, name = make(), f"bench-{uuid.uuid4().hex[:12]}"
    src, dst = f"{name}-src", f"{name}-dst"
    await fill(transport, src, dst, events)
    app = App(name, broker=transport, processing_guarantee=guarantee, commit_interval=interval)
    source = app.topic(src, key_serializer="raw", value_serializer="raw", value_type=bytes)
    target = app.topic(dst, key_serializer="raw", value_serializer="raw", value_type=bytes)
    checker = transport.create_consumer(name)
    await checker.start()
    started = time.perf_counter()
    try:
        async with app:

            async def work() -> None:
                async for event in source:
                    await target.send(key=event.key, value=event.value.upper())

            worker = asyncio.ensure_future(work())
            while await _committed(checker, src) < events:
                if worker.done():  # it failed: say how, rather than wait forever
                    worker.result()
                await asyncio.sleep(0.01)
            took = time.perf_counter() - started
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
    finally:
        await checker.stop()
    return events / took


async def _committed(checker: ConsumerT, src: str) -> int:
    """How many inputs the app's group committed: ``checker`` is of that group, never
    subscribed (so never in it), asking only for its committed offsets."""
    offsets = [await checker.committed(TP(src, p)) for p in range(PARTITIONS)]
    return sum(o or 0 for o in offsets)


async def main(
    make: Callable[[], TransportT], where: str, events: int, rounds: int, intervals: list[float]
) -> None:
    ratios: dict[float, list[float]] = {interval: [] for interval in intervals}
    plain: list[float] = []
    for _ in range(rounds):
        base = await pipeline(make, events, "at_least_once", COMMIT_INTERVAL)
        plain.append(base)
        for interval in intervals:
            eos = await pipeline(make, events, "exactly_once", interval)
            ratios[interval].append(eos / base)
    print(
        f"{where}, {events:,} inputs over {PARTITIONS} partitions, {rounds} rounds; "
        f"at_least_once (commit every {COMMIT_INTERVAL} s): "
        f"{statistics.median(plain):,.0f} events/s"
    )
    for interval, got in ratios.items():
        default = " (default)" if interval == COMMIT_INTERVAL else ""
        print(
            f"exactly_once, a transaction every {interval} s{default}: "
            f"{statistics.median(got):.2f} of at_least_once ({min(got):.2f}-{max(got):.2f})"
        )


@contextlib.contextmanager
def transports(broker: str) -> Iterator[tuple[Callable[[], TransportT], str]]:
    """How to make the round's transport, and what to call the broker."""
    if broker == "memory":
        yield (lambda: MemoryTransport(f"memory://bench-eos-{uuid.uuid4().hex}")), "memory://"
        return
    sys.path.insert(0, str(Path(__file__).parents[1]))  # the tests' broker, as kafka.py's
    from tests.brokers import apache_kafka

    with apache_kafka() as started:
        settings = {**started.settings, "transactions": True}
        yield (lambda: KafkaTransport(started.url, **settings)), "Apache Kafka"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--intervals", default="0.05,0.2,1.0")
    parser.add_argument("--broker", choices=("memory", "kafka"), default="memory")
    args = parser.parse_args()
    intervals = [float(i) for i in args.intervals.split(",")]
    with transports(args.broker) as (make, where):
        asyncio.run(main(make, where, args.events, args.rounds, intervals))
