"""What a transport raises is the SDK's: ``kafka://`` maps aiokafka's errors, on real brokers.

Each error names what failed and where (topic, partition, group), and keeps aiokafka's own as
its ``__cause__``. Arguments no broker could take stay a ``ValueError``.
"""

from __future__ import annotations

import asyncio
import gc
import socket

import pytest
from aiokafka.errors import IllegalStateError, InvalidConfigurationError, MessageSizeTooLargeError

from sdk.errors import (
    BrokerConnectionError,
    CommitError,
    SendError,
    TopicError,
    TransportError,
)
from sdk.impl.transports.kafka import KafkaTransport
from sdk.impl.transports.memory import MemoryTransport
from sdk.types import TP, TopicSettings, TransportT
from tests.brokers import Broker
from tests.conftest import pick_broker

KAFKA_BROKERS = ["tansu", "kafka"]


def _transport(broker: Broker) -> TransportT:
    if broker.url.startswith("memory://"):
        return MemoryTransport(broker.url)
    return KafkaTransport(broker.url, **broker.settings)


async def test_a_partition_the_topic_lacks_is_a_send_error(broker: Broker, name: str) -> None:
    """Every shipped transport says it alike; on Kafka it was aiokafka's bare assert."""
    producer = _transport(broker).create_producer()
    await producer.start()
    try:
        await producer.create_topic(name, TopicSettings(partitions=2))
        with pytest.raises(SendError) as caught:
            await producer.send(name, b"k", b"v", partition=2)
    finally:
        await producer.stop()
    assert (caught.value.topic, caught.value.partition) == (name, 2)
    assert str(caught.value) == (
        f"sending to topic {name!r} partition 2 failed: the topic has partitions 0..1"
    )
    assert not isinstance(caught.value, ValueError)


@pytest.mark.parametrize("broker_name", KAFKA_BROKERS)
async def test_a_message_larger_than_the_client_takes_is_a_send_error(
    request: pytest.FixtureRequest, broker_name: str, name: str
) -> None:
    broker = pick_broker(request, broker_name)
    producer = KafkaTransport(
        broker.url, **broker.settings, max_request_size=1000
    ).create_producer()
    await producer.start()
    try:
        with pytest.raises(SendError, match=f"sending to topic '{name}' failed: ") as caught:
            await producer.send(name, None, b"x" * 2000)
    finally:
        await producer.stop()
    assert isinstance(caught.value.__cause__, MessageSizeTooLargeError)


async def test_a_message_the_broker_refuses_fails_its_ack_with_a_send_error(
    request: pytest.FixtureRequest, name: str
) -> None:
    """The answer that comes later is the SDK's error too, from ``result()`` and from ``await``."""
    broker = pick_broker(request, "kafka")  # Tansu does not enforce max.message.bytes
    producer = KafkaTransport(broker.url, **broker.settings).create_producer()
    await producer.start()
    try:
        small = TopicSettings(config=(("max.message.bytes", "1024"),))
        await producer.create_topic(name, small)
        ack = await producer.send(name, None, b"x" * 10_000, partition=0)
        with pytest.raises(SendError) as awaited:
            await ack
        with pytest.raises(SendError) as looked:
            ack.result()
    finally:
        await producer.stop()
    for caught in (awaited, looked):
        assert str(caught.value).startswith(f"sending to topic {name!r} partition 0 failed: ")
        assert isinstance(caught.value.__cause__, MessageSizeTooLargeError)


async def test_a_topic_config_the_broker_refuses_is_a_topic_error(
    request: pytest.FixtureRequest, name: str
) -> None:
    broker = pick_broker(request, "kafka")  # Tansu takes any config
    producer = KafkaTransport(broker.url, **broker.settings).create_producer()
    await producer.start()
    try:
        bad = TopicSettings(config=(("retention.ms", "banana"),))
        with pytest.raises(TopicError) as caught:
            await producer.create_topic(name, bad)
    finally:
        await producer.stop()
    assert caught.value.topic == name
    assert str(caught.value).startswith(
        f"creating topic {name!r} failed: [Error 40] InvalidConfigurationError: "
        "Invalid value banana for configuration retention.ms"
    )
    assert isinstance(caught.value.__cause__, InvalidConfigurationError)


async def test_asking_a_closed_port_about_topics_is_a_broker_connection_error(name: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    producer = KafkaTransport(
        f"kafka://127.0.0.1:{port}", request_timeout_ms=1000
    ).create_producer()
    try:
        for call in (
            producer.create_topic(name, TopicSettings()),
            producer.partitions_for(name),
        ):
            with pytest.raises(
                BrokerConnectionError, match=f"cannot connect to Kafka at 127.0.0.1:{port}"
            ):
                await call
    finally:
        await producer.stop()
    gc.collect()  # an admin client left open warns (as an error) when collected
    assert asyncio.all_tasks() == {asyncio.current_task()}


@pytest.mark.parametrize("broker_name", KAFKA_BROKERS)
async def test_a_consumer_s_misuse_and_refusals_are_the_sdk_s_errors(
    request: pytest.FixtureRequest, broker_name: str, name: str
) -> None:
    """A commit the group refuses is a ``CommitError`` naming group and partition; seeking a
    partition not assigned is a ``ValueError``, and fetching once stopped a ``RuntimeError``,
    as on ``memory://``."""
    broker = pick_broker(request, broker_name)
    consumer = KafkaTransport(broker.url, **broker.settings).create_consumer(name)
    tp = TP(name, 0)
    await consumer.start()
    try:
        with pytest.raises(CommitError) as refused:
            await consumer.commit({tp: 1})
        with pytest.raises(ValueError, match="is not assigned to this consumer"):
            consumer.seek(tp, 0)
        with pytest.raises(ValueError, match="offsets start at 0"):
            consumer.seek(tp, -1)
    finally:
        await consumer.stop()
    with pytest.raises(RuntimeError, match=f"the consumer of group {name!r} is stopped"):
        await consumer.getmany(timeout=0.1)
    assert (refused.value.group, refused.value.partitions) == (name, {tp})
    assert str(refused.value).startswith(
        f"committing offsets of topic {name!r} partition 0 for group {name!r} failed: "
    )
    assert isinstance(refused.value.__cause__, IllegalStateError)
    assert isinstance(refused.value, TransportError)
