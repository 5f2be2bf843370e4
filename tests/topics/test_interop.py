"""An independent client (librdkafka, from the confluent-kafka wheel) reads what a topic wrote,
and writes what a topic then reads: keys, values, duplicate headers, partitions by key."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import msgspec
import pytest

from sdk.impl.partitioning import key_partition
from sdk.testing.reading import take
from tests.brokers import Broker, make_app

confluent_kafka = pytest.importorskip("confluent_kafka")


class Reading(msgspec.Struct):
    sensor: str
    celsius: float


def bootstrap(broker: Broker) -> str:
    if not broker.url.startswith("kafka://"):
        pytest.skip(f"{broker.name}: librdkafka needs a Kafka broker")
    return broker.url.removeprefix("kafka://")


def read_with_librdkafka(servers: str, topic: str, count: int, partitions: int) -> list[Any]:
    consumer = confluent_kafka.Consumer(
        {
            "bootstrap.servers": servers,
            "group.id": f"librdkafka-{uuid.uuid4().hex}",  # not joined: partitions are assigned
            "enable.auto.commit": False,
        }
    )
    try:
        consumer.assign(
            [
                confluent_kafka.TopicPartition(topic, p, confluent_kafka.OFFSET_BEGINNING)
                for p in range(partitions)
            ]
        )
        found: list[Any] = []
        for _ in range(200):  # bounded: at most 200 polls of 0.1 s
            message = consumer.poll(0.1)
            if message is None:
                continue
            assert message.error() is None, message.error()
            found.append(message)
            if len(found) == count:
                return found
        raise AssertionError(f"librdkafka read {len(found)} of {count} messages")
    finally:
        consumer.close()


def write_with_librdkafka(servers: str, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    producer = confluent_kafka.Producer(
        {"bootstrap.servers": servers, "partitioner": "murmur2_random"}  # the Java client's
    )
    for key, value in records:
        producer.produce(topic, value=value, key=key, headers=[("h", b"1"), ("h", b"2")])
    assert producer.flush(20) == 0


async def test_librdkafka_reads_what_a_topic_wrote(broker: Broker, name: str) -> None:
    servers = bootstrap(broker)
    headers = [("trace", b"a"), ("trace", b"b"), ("empty", b"")]
    async with make_app(broker, name) as app:
        readings = app.topic(name, key_type=str, value_type=Reading, internal=True, partitions=3)
        for i in range(9):
            await readings.send(key=f"sensor-{i}", value=Reading(f"s{i}", i / 2), headers=headers)
        await (await readings.send(key="sensor-last", value=Reading("last", -1.0)))
    got = await asyncio.to_thread(read_with_librdkafka, servers, name, 10, 3)
    by_key = {m.key(): m for m in got}
    for i in range(9):
        message = by_key[f"sensor-{i}".encode()]
        assert msgspec.json.decode(message.value(), type=Reading) == Reading(f"s{i}", i / 2)
        assert message.headers() == headers
        assert message.partition() == key_partition(f"sensor-{i}".encode(), 3)


async def test_a_topic_reads_what_librdkafka_wrote(broker: Broker, name: str) -> None:
    servers = bootstrap(broker)
    async with make_app(broker, name) as app:
        await app.topic(name, internal=True, partitions=3).declare()
    records = [
        (f"k{i}".encode(), msgspec.json.encode(Reading(f"s{i}", float(i)))) for i in range(6)
    ]
    await asyncio.to_thread(write_with_librdkafka, servers, name, records)
    async with make_app(broker, f"{name}-reader") as app:
        events = await take(app.topic(name, key_type=str, value_type=Reading), 6, timeout=20)
    assert sorted((e.key, e.value.sensor) for e in events) == [(f"k{i}", f"s{i}") for i in range(6)]
    for event in events:
        assert event.headers == (("h", b"1"), ("h", b"2"))
        assert event.message.partition == key_partition(event.key.encode(), 3)
