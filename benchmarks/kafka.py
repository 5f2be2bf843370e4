"""Topics against raw aiokafka on one broker, and memory:// end to end, in one process.

Run: ``python benchmarks/kafka.py [--quick] [--broker tansu|kafka|kafka://host:port]... [--n N]
[--rounds R]``. With ``tansu`` or ``kafka`` (Apache Kafka, fetched by scripts/kafka) the broker
is started on loopback first, as the tests start it. Prints msgs/s for raw aiokafka and for the
SDK doing the same work and their ratio, sustained as ``harness`` describes (the heap populated,
the wall clock, medians of interleaved rounds); and the time from starting an app to its first
event.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

sys.path.insert(0, str(Path(__file__).parents[1]))

from harness import (
    EVENTS,
    QUICK_EVENTS,
    QUICK_ROUNDS,
    Case,
    Heap,
    best_line,
    ratio_line,
    reference_line,
)

from sdk import App, Topic
from sdk.impl.transports.kafka import KafkaTransport
from tests.brokers import Broker, apache_kafka, tansu


class Order(msgspec.Struct):
    id: int
    customer: str
    amount: float
    items: list[str]


def order(i: int) -> Order:
    return Order(i, "Ada Lovelace", 12.5 + i % 7, ["tea", "cake"])


async def raw_produce(servers: str, topic: str, values: list[Order] | list[bytes]) -> float:
    """Raw aiokafka: Orders encoded by a reused msgspec Encoder in the loop, or bytes as is."""
    encode = msgspec.json.Encoder().encode
    producer = AIOKafkaProducer(bootstrap_servers=servers, linger_ms=5)
    await producer.start()
    try:
        start = time.perf_counter()
        acks = [
            await producer.send(topic, value if isinstance(value, bytes) else encode(value))
            for value in values
        ]
        await asyncio.gather(*acks)
        return len(values) / (time.perf_counter() - start)
    finally:
        await producer.stop()


async def sdk_produce(app: App, topic: str, values: list[Order] | list[bytes]) -> float:
    """``Topic.send`` of typed Orders (json), or of bytes (the raw codec); then every future."""
    kind: type[Order] | type[bytes] = bytes if isinstance(values[0], bytes) else Order
    orders: Topic[None, Any] = app.topic(
        topic, value_type=kind, value_serializer="raw" if kind is bytes else None
    )
    await app.producer()
    start = time.perf_counter()
    futures = [await orders.send(value=value) for value in values]
    for fut in futures:
        await fut
    return len(values) / (time.perf_counter() - start)


async def raw_consume(broker: Broker, topic: str, n: int) -> float:
    """Raw ``getmany`` and a typed msgspec decode of each value, from the first batch on."""
    servers = broker.url.removeprefix("kafka://")
    decode = msgspec.json.Decoder(Order).decode
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
            if got == 0 and batch:  # from the first batch: the group join is apart
                start = time.perf_counter()
            for records in batch.values():
                for record in records:
                    decode(record.value or b"")
                    got += 1
        return n / (time.perf_counter() - start)
    finally:
        await consumer.stop()


async def sdk_consume(app: App, topic: str, n: int) -> tuple[float, float]:
    """Events/s of ``async for`` with typed decoding and acks, from the first event on; and
    the seconds from starting the app to that first event."""
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

    typed = [order(i) for i in range(n)]
    encoded = [msgspec.json.encode(value) for value in typed]
    names = ["raw json", "sdk json", "raw bytes", "sdk bytes", "raw getmany", "sdk async for"]
    cases = {name: Case(name) for name in names}
    first = float("inf")
    for round_ in range(rounds):
        topics = {name: f"{name.split()[0]}-{uuid.uuid4().hex[:8]}" for name in names[:4]}
        async with app("setup") as setup:
            for name in topics.values():
                await setup.topic(name, internal=True, partitions=4).declare()

        async def produce(name: str, topics: dict[str, str] = topics) -> float:
            values: list[Order] | list[bytes] = typed if "json" in name else encoded
            if name.startswith("raw"):
                return await raw_produce(servers, topics[name], values)
            producer_app = app("producer")
            try:
                return await sdk_produce(producer_app, topics[name], values)
            finally:
                await producer_app.stop()

        for pair in (names[0:2], names[2:4]):  # SDK and reference alternate which goes first
            for name in pair if round_ % 2 == 0 else reversed(pair):
                cases[name].rates.append(await produce(name))
        for name in names[4:] if round_ % 2 == 0 else reversed(names[4:]):
            if name == "raw getmany":
                cases[name].rates.append(await raw_consume(broker, topics["raw json"], n))
            else:
                reader = app(f"reader-{uuid.uuid4().hex[:8]}")
                rate, started = await sdk_consume(reader, topics["sdk json"], n)
                cases[name].rates.append(rate)
                first = min(first, started)
    size = len(encoded[0])
    print(f"{broker.name} ({broker.url}), {n:,} messages of {size} B a round, 4 partitions:")
    for sdk, raw, target in [("sdk json", "raw json", 0.8), ("sdk bytes", "raw bytes", 0.9)]:
        cases[sdk].name, cases[raw].name = f"Topic.send {sdk[4:]}", f"raw aiokafka {raw[4:]}"
        print(reference_line(cases[raw]))
        print(ratio_line(cases[sdk], cases[raw], target))
        print(best_line(cases[sdk], cases[raw]))
    print(reference_line(cases["raw getmany"]))
    print(ratio_line(cases["sdk async for"], cases["raw getmany"], 0.6))
    print(best_line(cases["sdk async for"], cases["raw getmany"]))
    print(
        f"  app start to first event: {first:.2f} s "
        f"(session_timeout_ms={broker.settings.get('session_timeout_ms', 'default')})"
    )


async def on_memory(n: int, rounds: int) -> None:
    """Send n, then read them with a new app; each event counted once, over both times."""
    end_to_end, sending, receiving = Case("end to end"), Case("Topic.send"), Case("async for")
    typed = [order(i) for i in range(n)]
    for _ in range(rounds):
        url = f"memory://bench-{uuid.uuid4().hex}"
        producer_app = App("producer", broker=url)
        sent = await sdk_produce(producer_app, "orders", typed)
        await producer_app.stop()
        received, _started = await sdk_consume(App("reader", broker=url), "orders", n)
        sending.rates.append(sent)
        receiving.rates.append(received)
        end_to_end.rates.append(1 / (1 / sent + 1 / received))
    print(f"memory://, {n:,} typed json messages a round, {rounds} rounds (median, min-max):")
    for case in (sending, receiving, end_to_end):
        rates = case.rates
        print(
            f"  {case.name:<12} {statistics.median(rates):>11,.0f} events/s "
            f"({min(rates):,.0f}-{max(rates):,.0f})"
            + ("  target >= 500,000/s" if case is end_to_end else "")
        )


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
    parser.add_argument(
        "--broker",
        action="append",
        help="tansu, kafka or kafka://host:port; repeat for more (default: tansu and kafka)",
    )
    parser.add_argument("--quick", action="store_true", help="fewer messages and rounds")
    parser.add_argument("--n", type=int)
    parser.add_argument("--rounds", type=int)
    args = parser.parse_args()
    n = args.n or (QUICK_EVENTS if args.quick else EVENTS)
    rounds = args.rounds or (QUICK_ROUNDS if args.quick else 5)
    heap = Heap()
    print(f"topics: {rounds} interleaved rounds; {heap.describe()}")
    asyncio.run(on_memory(n, rounds))
    for name in args.broker or ["tansu", "kafka"]:
        with started(name) as broker:
            asyncio.run(on_broker(broker, n, rounds))


if __name__ == "__main__":
    main()
