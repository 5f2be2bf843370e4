"""Topics on every broker: what is sent arrives exactly as sent, shared out, at least once."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from sdk.errors import UnnamedChannelError, ValueDecodeError
from sdk.impl.partitioning import key_partition
from sdk.impl.topic import ERROR_HEADER, ORIGIN_HEADER, Topic
from sdk.impl.transports.kafka import KafkaTransport
from sdk.impl.transports.memory import MemoryTransport
from sdk.testing.reading import take
from sdk.types import CREATE_TIME, DeadLetter, DecodeErrorPolicy, TopicSettings
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


async def test_two_apps_with_one_id_share_the_partitions_and_see_everything(
    broker: Broker, name: str
) -> None:
    group = f"{name}-group"
    seen: dict[str, list[int]] = {"a": [], "b": []}
    partitions: dict[str, set[int]] = {"a": set(), "b": set()}

    async def read(label: str, topic: Topic[str, int]) -> None:
        async for event in topic:
            seen[label].append(event.value)
            partitions[label].add(event.message.partition)

    async with make_app(broker, name) as producer_app:
        source = producer_app.topic(name, key_type=str, value_type=int, internal=True, partitions=4)
        await source.declare()
        async with make_app(broker, group) as a, make_app(broker, group) as b:
            readers = [
                asyncio.ensure_future(read("a", a.topic(name, key_type=str, value_type=int))),
                asyncio.ensure_future(read("b", b.topic(name, key_type=str, value_type=int))),
            ]
            sent = 0
            for _ in range(100):  # send until both members read: each has joined by then
                for _ in range(8):
                    await source.send(key=f"k{sent}", value=sent)
                    sent += 1
                await asyncio.sleep(0.1)
                if seen["a"] and seen["b"]:
                    break
            for _ in range(200):
                if len(seen["a"]) + len(seen["b"]) >= sent:
                    break
                await asyncio.sleep(0.05)
            for reader in readers:
                reader.cancel()
    assert set(seen["a"] + seen["b"]) == set(range(sent))  # nothing lost (a rebalance may repeat)
    assert partitions["a"], "a got a share"
    assert partitions["b"], "b got a share"


async def test_a_restarted_app_resumes_after_the_last_acked_event(
    broker: Broker, name: str
) -> None:
    group = f"{name}-group"
    async with make_app(broker, name) as app:
        topic = app.topic(name, value_type=int, internal=True, partitions=1)
        for i in range(10):
            await topic.send(value=i)
        await (await topic.send(value=10))
    async with make_app(broker, group) as app:
        first = await take(app.topic(name, value_type=int), 4)  # the 4th is acked explicitly
        assert [e.value for e in first] == [0, 1, 2, 3]
    async with make_app(broker, group) as app:
        rest = await take(app.topic(name, value_type=int), 7)
    assert [e.value for e in rest] == [4, 5, 6, 7, 8, 9, 10]


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


@pytest.mark.parametrize("policy", ["raise", "skip", "dead-letter"])
async def test_undecodable_messages_follow_the_topics_policy(
    broker: Broker, name: str, policy: str
) -> None:
    dead_letters = f"{name}-dlt"
    policies: dict[str, DecodeErrorPolicy] = {"raise": "raise", "skip": "skip"}
    on_error = policies.get(policy, DeadLetter(dead_letters))
    async with make_app(broker, name) as app:
        raw = app.topic(name, value_serializer="raw", internal=True, partitions=1)
        await raw.send_and_wait(value=b'{"id": 1, "amount": 1.0}')
        await raw.send_and_wait(value=b'{"id": "two"}')
        await raw.send_and_wait(value=b'{"id": 3, "amount": 3.0}')
        if policy == "dead-letter":
            await app.topic(dead_letters, internal=True, partitions=1).declare()
    group = f"{name}-group"
    async with make_app(broker, group) as app:
        orders = app.topic(name, value_type=Order, on_decode_error=on_error)
        if policy == "raise":
            first = await orders.get(timeout=10)
            assert first.value == Order(1, 1.0)
            with pytest.raises(ValueDecodeError) as caught:
                await orders.get(timeout=10)  # in its turn, after the message before it
            assert (caught.value.topic, caught.value.partition, caught.value.offset) == (name, 0, 1)
            assert "$.id" in str(caught.value)
            third = await orders.get(timeout=10)
            assert third.value == Order(3, 3.0)
            third.ack()
        else:
            assert [e.value for e in await take(orders, 2)] == [Order(1, 1.0), Order(3, 3.0)]
    if policy == "raise":  # a restart does not loop on the bad message
        async with make_app(broker, group) as app:
            orders = app.topic(name, value_type=Order)
            await orders.send_and_wait(value=Order(4, 4.0))
            assert [e.value for e in await take(orders, 1)] == [Order(4, 4.0)]
    if policy == "dead-letter":
        async with make_app(broker, f"{name}-dlt-reader") as app:
            [dead] = await take(app.topic(dead_letters, value_serializer="raw"), 1)
        assert dead.value == b'{"id": "two"}'
        headers = dict(dead.headers)
        assert headers[ORIGIN_HEADER] == f"{name}/0/1".encode()
        assert b"$.id" in headers[ERROR_HEADER]
