"""Topics on every broker: what is sent arrives exactly as sent, shared out, at least once."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import msgspec
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from sdk.errors import UnnamedChannelError, ValueDecodeError
from sdk.impl.partitioning import key_partition
from sdk.impl.topic import ERROR_HEADER, ORIGIN_HEADER
from sdk.impl.transports.kafka import KafkaTransport
from sdk.impl.transports.memory import MemoryTransport
from sdk.testing.reading import take
from sdk.types import CREATE_TIME, DeadLetter, TopicSettings
from tests.brokers import Broker, make_app


class Order(msgspec.Struct):
    id: int
    amount: float


async def test_what_is_sent_arrives_as_sent(broker: Broker, name: str) -> None:
    async with make_app(broker, name) as app:
        orders = app.topic(name, key_type=str, value_type=Order | None, internal=True, partitions=1)
        headers = [("trace", b"1"), ("trace", b"2"), ("", b""), ("bin", b"\x00\xff")]
        sent = [
            await orders.send_and_wait(
                key="a", value=Order(1, 2.5), headers=headers, timestamp=0.0
            ),
            await orders.send_and_wait(key="b", value=None, timestamp=1_700_000_000.5),
            await orders.send_and_wait(value=Order(3, 1.0), timestamp=1_700_000_001.0),
        ]
        assert [m.offset for m in sent] == [0, 1, 2]
        got = await take(orders, 3)
    assert [(e.key, e.value) for e in got] == [
        ("a", Order(1, 2.5)),
        ("b", None),
        (None, Order(3, 1.0)),
    ]
    assert got[0].headers == tuple(headers)
    assert got[1].message.value is None  # a tombstone is no bytes at all
    assert [e.message.timestamp for e in got] == [0.0, 1_700_000_000.5, 1_700_000_001.0]
    assert {e.message.timestamp_type for e in got} == {CREATE_TIME}


async def test_send_family_and_callbacks(broker: Broker, name: str) -> None:
    calls: list[int] = []

    async def callback(fut: Any) -> None:
        calls.append(fut.result().offset)

    async with make_app(broker, name) as app:
        topic = app.topic(name, value_type=int, internal=True, partitions=1)
        first = await topic.send(value=1, callback=callback)
        second = topic.send_soon(value=2, callback=callback)  # queued: delivered in the background
        await second
        third = await topic.publish_message(topic.as_future_message(value=3, callback=callback))
        metadata = [await first, await second, await third]
        assert [m.offset for m in metadata] == [0, 1, 2]
        assert [e.value for e in await take(topic, 3)] == [1, 2, 3]
    assert sorted(calls) == [0, 1, 2]


async def test_the_same_key_goes_to_the_same_partition_as_the_java_client_puts_it(
    broker: Broker, name: str
) -> None:
    async with make_app(broker, name) as app:
        topic = app.topic(name, key_type=str, value_type=int, internal=True, partitions=3)
        keys = [f"key-{i}" for i in range(12)]
        for round_ in range(2):
            for key in keys:
                metadata = await topic.send_and_wait(key=key, value=round_)
                assert metadata.partition == key_partition(key.encode(), 3), key


async def test_a_pattern_subscribes_to_topics_made_later(broker: Broker, name: str) -> None:
    async with make_app(broker, name) as app:
        early = app.topic(f"{name}-early", value_type=str, internal=True, partitions=1)
        await early.send_and_wait(value="early")
        reader_app = make_app(broker, f"{name}-group")
        async with reader_app:
            matching = reader_app.topic(pattern=f"{name}-.*", value_type=str)
            received: list[str] = []

            async def read() -> None:
                async for event in matching:
                    received.append(event.value)
                    if len(received) == 2:
                        return

            reader = asyncio.ensure_future(read())
            await asyncio.sleep(0.5)
            late = app.topic(f"{name}-late", value_type=str, internal=True, partitions=1)
            await late.send_and_wait(value="late")
            await asyncio.wait_for(reader, 20)
    assert sorted(received) == ["early", "late"]


async def test_internal_topics_are_declared_once_and_checked(broker: Broker, name: str) -> None:
    async with make_app(broker, name) as app:
        topic = app.topic(name, internal=True, partitions=2, retention=3600.0, compacting=True)
        await asyncio.gather(*(topic.maybe_declare() for _ in range(5)))
        producer = await app.producer()
        assert await producer.partitions_for(name) == {0, 1}
        assert topic.topic_settings() == TopicSettings(
            partitions=2, retention=3600.0, compacting=True
        )
        other = app.topic(name, internal=True, partitions=3)
        with pytest.raises(ValueError, match=f"internal topic '{name}' exists with 2 partitions"):
            await other.declare()


async def test_internal_topics_reach_the_broker_with_their_settings(
    broker: Broker, name: str
) -> None:
    """One ``TopicSettings`` goes to the transport; only ``kafka://`` speaks Kafka's names."""
    async with make_app(broker, name) as app:
        topic = app.topic(
            name,
            internal=True,
            partitions=2,
            retention=3600.0,
            compacting=True,
            config={"max.message.bytes": "123456"},
        )
        await topic.declare()
        expected = TopicSettings(
            partitions=2,
            retention=3600.0,
            compacting=True,
            config=(("max.message.bytes", "123456"),),
        )
        transport = app.transport
        if isinstance(transport, MemoryTransport):
            assert transport.broker.settings[name] == expected
            return
        assert isinstance(transport, KafkaTransport)
        admin = AIOKafkaAdminClient(**transport.connection())
        await admin.start()
        try:
            (response,) = await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, name)]
            )
        finally:
            await admin.close()
    ((*_, entries),) = response.resources
    config = {entry[0]: entry[1] for entry in entries}
    assert config["retention.ms"] == "3600000"
    assert config["cleanup.policy"] == "compact"
    assert config["max.message.bytes"] == "123456"


async def test_a_source_topic_is_never_created(broker: Broker, name: str) -> None:
    async with make_app(broker, name) as app:
        source = app.topic(f"{name}-source")
        await source.declare()
        await source.maybe_declare()
        producer = await app.producer()
        assert await producer.partitions_for(f"{name}-source") == frozenset()


def test_derive_topic_copies_every_setting_and_shares_the_schema() -> None:
    from sdk import App

    app = App("derive")
    base = app.topic(
        "orders",
        value_type=Order,
        partitions=6,
        replicas=3,
        internal=True,
        retention=60.0,
        config={"x": "y"},
        on_decode_error="skip",
    )
    derived = base.derive_topic(prefix="eu-", suffix="-v2")
    assert derived.topics == ("eu-orders-v2",)
    assert (derived.partitions, derived.replicas, derived.internal, derived.retention) == (
        6,
        3,
        True,
        60.0,
    )
    assert (derived.config, derived.on_decode_error) == ({"x": "y"}, "skip")
    assert derived.schema is base.schema
    assert base.topics == ("orders",)
    assert derived.get_topic_name() == "eu-orders-v2"
    with pytest.raises(UnnamedChannelError, match="pattern"):
        app.topic(pattern="orders-.*").get_topic_name()
    with pytest.raises(ValueError, match="names or a pattern"):
        app.topic("a", pattern="b")


async def test_a_decode_error_names_the_field_that_did_not_decode() -> None:
    """The app contract (tests/conformance/test_apps.py) runs the three policies on every
    broker, with int values; here, what a Struct's error says: which field, raised and in a
    dead letter's header alike."""
    from sdk import App

    broker = f"memory://{uuid.uuid4().hex}"
    async with App("sender", broker=broker) as app:
        raw = app.topic("orders", value_serializer="raw", internal=True, partitions=1)
        await raw.send_and_wait(value=b'{"id": "two"}')
        await app.topic("orders-dlt", internal=True, partitions=1).declare()
    async with App("raising", broker=broker) as app:
        with pytest.raises(ValueDecodeError, match=r"offset 0 .*\$\.id"):
            await app.topic("orders", value_type=Order).get(timeout=10)
    app = App("dead-lettering", broker=broker)
    app.consume(app.topic("orders", value_type=Order, on_decode_error=DeadLetter("orders-dlt")))
    async with app:
        [letter] = await take(app.topic("orders-dlt", value_serializer="raw"), 1)
    assert letter.value == b'{"id": "two"}'
    assert b"$.id" in dict(letter.headers)[ERROR_HEADER]
    assert dict(letter.headers)[ORIGIN_HEADER] == b"orders/0/0"
