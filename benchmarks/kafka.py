"""Topics against raw aiokafka on one broker, and memory:// end to end, in one process.

Run: ``python benchmarks/kafka.py [--broker tansu|kafka|kafka://host:port] [--n N] [--rounds R]``.
With ``tansu`` or ``kafka`` (Apache Kafka, fetched by scripts/kafka) the broker is started on
loopback first. Prints msgs/s for raw aiokafka and for the SDK doing the same work, their
ratio, and the time from starting an app to its first event; consuming rates also per second of
this process's CPU time, which a busy shared machine disturbs less than the wall clock.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import msgspec
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

sys.path.insert(0, str(Path(__file__).parents[1]))

from sdk import App
from sdk.impl.transports.kafka import KafkaTransport
from tests.brokers import Broker, apache_kafka, tansu


class Order(msgspec.Struct):
    id: int
    customer: str
    amount: float
    items: list[str]


def order(i: int) -> Order:
    return Order(i, "Ada Lovelace", 12.5 + i % 7, ["tea", "cake"])


class Rates(NamedTuple):
    """Messages per second of wall-clock time, and per second of this process's CPU time.

    The CPU figure leaves out the time other processes on a shared machine took from this one.
    """

    wall: float
    cpu: float

    def best(self, other: Rates) -> Rates:
        return Rates(max(self.wall, other.wall), max(self.cpu, other.cpu))


async def raw_produce(servers: str, topic: str, n: int) -> float:
    values = [msgspec.json.encode(order(i)) for i in range(n)]
    producer = AIOKafkaProducer(bootstrap_servers=servers, linger_ms=5)
    await producer.start()
    try:
        start = time.perf_counter()
        acks = [await producer.send(topic, value) for value in values]
        await asyncio.gather(*acks)
        return n / (time.perf_counter() - start)
    finally:
        await producer.stop()


async def sdk_produce(app: App, topic: str, n: int) -> Rates:
    orders = app.topic(topic, value_type=Order)
    await app.producer()
    values = [order(i) for i in range(n)]
    start, cpu = time.perf_counter(), time.process_time()
    futures = [await orders.send(value=value) for value in values]
    for fut in futures:
        await fut
    return Rates(n / (time.perf_counter() - start), n / (time.process_time() - cpu))


async def raw_consume(broker: Broker, topic: str, n: int) -> Rates:
    servers = broker.url.removeprefix("kafka://")
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=servers,
        group_id=f"raw-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **{k: v for k, v in broker.settings.items() if k != "metadata_max_age_ms"},
    )
    await consumer.start()
    try:
        got, start, cpu = 0, 0.0, 0.0
        while got < n:
            batch = await consumer.getmany(timeout_ms=1000, max_records=500)
            if got == 0 and batch:  # from the first batch: the group join is apart
                start, cpu = time.perf_counter(), time.process_time()
            for records in batch.values():
                for record in records:
                    msgspec.json.decode(record.value or b"", type=Order)
                    got += 1
        return Rates(n / (time.perf_counter() - start), n / (time.process_time() - cpu))
    finally:
        await consumer.stop()


async def sdk_consume(app: App, topic: str, n: int) -> tuple[Rates, float]:
    """Events/s of ``async for`` with typed decoding and acks; seconds from start to first."""
    orders = app.topic(topic, value_type=Order)
    started = time.perf_counter()
    got, first, cpu = 0, 0.0, 0.0
    async with app:
        async for event in orders:
            if got == 0:
                first, cpu = time.perf_counter(), time.process_time()
            got += 1
            event.ack()
            if got == n:
                break
    rates = Rates((n - 1) / (time.perf_counter() - first), (n - 1) / (time.process_time() - cpu))
    return rates, first - started


async def on_broker(broker: Broker, n: int, rounds: int) -> None:
    servers = broker.url.removeprefix("kafka://")

    def app(id: str) -> App:
        return App(id, broker=KafkaTransport(broker.url, **broker.settings))

    raw_out = sdk_out = 0.0
    raw_in = sdk_in = Rates(0.0, 0.0)
    first = float("inf")
    for _ in range(rounds):  # interleaved, best of each: a shared machine's noise drops out
        raw_topic, sdk_topic = f"raw-{uuid.uuid4().hex[:8]}", f"sdk-{uuid.uuid4().hex[:8]}"
        async with app("setup") as setup:
            for name in (raw_topic, sdk_topic):
                await setup.topic(name, internal=True, partitions=4).declare()
        raw_out = max(raw_out, await raw_produce(servers, raw_topic, n))
        producer_app = app("producer")
        try:
            sdk_out = max(sdk_out, (await sdk_produce(producer_app, sdk_topic, n)).wall)
        finally:
            await producer_app.stop()
        raw_in = raw_in.best(await raw_consume(broker, raw_topic, n))
        rates, started = await sdk_consume(app(f"reader-{uuid.uuid4().hex[:8]}"), sdk_topic, n)
        sdk_in, first = sdk_in.best(rates), min(first, started)
    size = len(msgspec.json.encode(order(1)))
    print(f"{broker.name} ({broker.url}), {n} messages of {size} B, best of {rounds}:")
    print(
        f"  produce  raw aiokafka {raw_out:>9,.0f}/s   Topic.send {sdk_out:>9,.0f}/s   "
        f"{sdk_out / raw_out:4.2f} x raw"
    )
    print(
        f"  consume  raw getmany  {raw_in.wall:>9,.0f}/s   async for  {sdk_in.wall:>9,.0f}/s   "
        f"{sdk_in.wall / raw_in.wall:4.2f} x raw"
    )
    print(
        f"    per CPU s           {raw_in.cpu:>9,.0f}/s              {sdk_in.cpu:>9,.0f}/s   "
        f"{sdk_in.cpu / raw_in.cpu:4.2f} x raw"
    )
    print(
        f"  app start to first event: {first:.2f} s "
        f"(session_timeout_ms={broker.settings.get('session_timeout_ms', 'default')})"
    )


async def on_memory(n: int, rounds: int) -> None:
    """Send n, then read them with a new app: end to end counts both, start and stop included."""
    sent = received = end_to_end = Rates(0.0, 0.0)
    first = float("inf")
    for _ in range(rounds):
        url = f"memory://bench-{uuid.uuid4().hex}"
        producer_app = App("producer", broker=url)
        sending = await sdk_produce(producer_app, "orders", n)
        await producer_app.stop()
        start, cpu = time.perf_counter(), time.process_time()
        receiving, started = await sdk_consume(App("reader", broker=url), "orders", n)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        sent, received, first = sent.best(sending), received.best(receiving), min(first, started)
        end_to_end = end_to_end.best(
            Rates(2 * n / (n / sending.wall + wall), 2 * n / (n / sending.cpu + cpu))
        )
    print(f"memory://, {n} messages, best of {rounds}:")
    print(
        f"  Topic.send {sent.wall:>9,.0f}/s   async for {received.wall:>9,.0f}/s   "
        f"end to end {end_to_end.wall:>9,.0f} events/s"
    )
    print(
        f"  per CPU s  {sent.cpu:>9,.0f}/s   async for {received.cpu:>9,.0f}/s   "
        f"end to end {end_to_end.cpu:>9,.0f} events/s"
    )
    print(f"  app start to first event: {first * 1000:.1f} ms")


@contextlib.contextmanager
def started(name: str) -> Iterator[Broker]:
    if name == "tansu":
        with tansu() as broker:
            yield broker
    elif name == "kafka":
        with apache_kafka() as broker:
            yield broker
    else:
        yield Broker("external", name, {})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--broker", default="tansu", help="tansu, kafka or kafka://host:port")
    parser.add_argument("--n", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(on_memory(args.n, args.rounds))
    with started(args.broker) as broker:
        asyncio.run(on_broker(broker, args.n, args.rounds))


if __name__ == "__main__":
    main()
