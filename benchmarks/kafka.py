"""Topics against raw aiokafka on one broker, and memory:// end to end, in one process.

Run: ``python benchmarks/kafka.py [--broker tansu|kafka|kafka://host:port] [--n N]``. With
``tansu`` or ``kafka`` (Apache Kafka, fetched by scripts/kafka) the broker is started on
loopback first. Prints msgs/s for raw aiokafka and for the SDK doing the same work, their
ratio, and the time from starting an app to its first event.
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


async def sdk_produce(app: App, topic: str, n: int) -> float:
    orders = app.topic(topic, value_type=Order)
    await app.producer()
    values = [order(i) for i in range(n)]
    start = time.perf_counter()
    futures = [await orders.send(value=value) for value in values]
    for fut in futures:
        await fut
    return n / (time.perf_counter() - start)


async def raw_consume(broker: Broker, topic: str, n: int) -> float:
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
        got, start = 0, 0.0
        while got < n:
            batch = await consumer.getmany(timeout_ms=1000, max_records=500)
            if got == 0 and batch:
                start = time.perf_counter()  # from the first batch: the group join is apart
            for records in batch.values():
                for record in records:
                    msgspec.json.decode(record.value or b"", type=Order)
                    got += 1
        return n / (time.perf_counter() - start)
    finally:
        await consumer.stop()


async def sdk_consume(app: App, topic: str, n: int) -> tuple[float, float]:
    """Events/s of ``async for`` with typed decoding and acks; seconds from start to first."""
    orders = app.topic(topic, value_type=Order)
    started = time.perf_counter()
    got, first = 0, 0.0
    async with app:
        async for event in orders:
            if got == 0:
                first = time.perf_counter()
            got += 1
            event.ack()
            if got == n:
                break
    return (n - 1) / (time.perf_counter() - first), first - started


async def on_broker(broker: Broker, n: int, rounds: int) -> None:
    servers = broker.url.removeprefix("kafka://")

    def app(id: str) -> App:
        return App(id, broker=KafkaTransport(broker.url, **broker.settings))

    raw_out = sdk_out = raw_in = sdk_in = 0.0
    first = float("inf")
    for _ in range(rounds):  # interleaved, best of each: a shared machine's noise drops out
        raw_topic, sdk_topic = f"raw-{uuid.uuid4().hex[:8]}", f"sdk-{uuid.uuid4().hex[:8]}"
        async with app("setup") as setup:
            for name in (raw_topic, sdk_topic):
                await setup.topic(name, internal=True, partitions=4).declare()
        raw_out = max(raw_out, await raw_produce(servers, raw_topic, n))
        producer_app = app("producer")
        try:
            sdk_out = max(sdk_out, await sdk_produce(producer_app, sdk_topic, n))
        finally:
            await producer_app.stop()
        raw_in = max(raw_in, await raw_consume(broker, raw_topic, n))
        rate, started = await sdk_consume(app(f"reader-{uuid.uuid4().hex[:8]}"), sdk_topic, n)
        sdk_in, first = max(sdk_in, rate), min(first, started)
    size = len(msgspec.json.encode(order(1)))
    print(f"{broker.name} ({broker.url}), {n} messages of {size} B, best of {rounds}:")
    print(
        f"  produce  raw aiokafka {raw_out:>9,.0f}/s   Topic.send {sdk_out:>9,.0f}/s   "
        f"{sdk_out / raw_out:4.2f} x raw"
    )
    print(
        f"  consume  raw getmany  {raw_in:>9,.0f}/s   async for  {sdk_in:>9,.0f}/s   "
        f"{sdk_in / raw_in:4.2f} x raw"
    )
    print(
        f"  app start to first event: {first:.2f} s "
        f"(session_timeout_ms={broker.settings.get('session_timeout_ms', 'default')})"
    )


async def on_memory(n: int, rounds: int) -> None:
    sent = received = end_to_end = 0.0
    first = float("inf")
    for _ in range(rounds):
        url = f"memory://bench-{uuid.uuid4().hex}"
        producer_app = App("producer", broker=url)
        sending = await sdk_produce(producer_app, "orders", n)
        await producer_app.stop()
        start = time.perf_counter()
        receiving, started = await sdk_consume(App("reader", broker=url), "orders", n)
        total = time.perf_counter() - start
        sent, received, first = max(sent, sending), max(received, receiving), min(first, started)
        end_to_end = max(end_to_end, 2 * n / (n / sending + total))
    print(f"memory://, {n} messages, best of {rounds}:")
    print(
        f"  Topic.send {sent:>9,.0f}/s   async for {received:>9,.0f}/s   "
        f"end to end {end_to_end:>9,.0f} events/s"
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
