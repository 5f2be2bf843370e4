"""The transport through the SDK's user API: apps, topics, events and acks on a real Redis.

Apps of one id sharing partitions, restarts, decode-error policies and stopping are the app
contract's (``TestRedisApp`` in test_redis_contract.py); these are what it does not cover."""

from __future__ import annotations

import asyncio

import pytest

from sdk import App
from sdk.testing.reading import take
from sdk.transports import SendError, key_partition
from sdk.types import CREATE_TIME


async def test_what_is_sent_arrives_as_sent(redis_url: str, name: str) -> None:
    async with App(name, broker=redis_url) as app:
        topic = app.topic(
            name,
            key_serializer="raw",
            value_serializer="raw",
            allow_empty=True,
            internal=True,
            partitions=1,
        )
        headers = [("trace", b"1"), ("trace", b"2"), ("", b""), ("bin", b"\x00\xff")]
        sent = [
            await topic.send_and_wait(key=b"a", value=b"\x00one", headers=headers, timestamp=0.0),
            await topic.send_and_wait(key=b"b", value=None, timestamp=1_700_000_000.5),
            await topic.send_and_wait(key=None, value=b"", timestamp=1_700_000_001.25),
        ]
        assert [m.offset for m in sent] == [0, 1, 2]
        assert [m.timestamp for m in sent] == [0.0, 1_700_000_000.5, 1_700_000_001.25]
        got = await take(topic, 3)
    assert [(e.key, e.message.value) for e in got] == [
        (b"a", b"\x00one"),
        (b"b", None),
        (None, b""),
    ]
    assert got[0].headers == tuple(headers)
    assert got[1].headers == ()
    assert [e.message.offset for e in got] == [0, 1, 2]
    assert [e.message.timestamp for e in got] == [0.0, 1_700_000_000.5, 1_700_000_001.25]
    assert {e.message.timestamp_type for e in got} == {CREATE_TIME}


async def test_keys_go_where_the_java_client_puts_them(redis_url: str, name: str) -> None:
    async with App(name, broker=redis_url) as app:
        topic = app.topic(name, key_type=str, value_type=int, internal=True, partitions=5)
        for round_ in range(2):
            for i in range(20):
                metadata = await topic.send_and_wait(key=f"key-{i}", value=round_)
                assert metadata.partition == key_partition(f"key-{i}".encode(), 5)
        producer = await app.producer()
        assert await producer.partitions_for(name) == frozenset(range(5))
        assert producer.key_partition(name, b"key-3") == key_partition(b"key-3", 5)


async def test_a_pattern_reads_topics_made_later(redis_url: str, name: str) -> None:
    async with App(name, broker=redis_url) as app:
        await app.topic(f"{name}-early", value_type=str, internal=True).send_and_wait(value="e")
        async with App(f"{name}-group", broker=redis_url) as reader_app:
            matching = reader_app.topic(pattern=f"{name}-.*", value_type=str)
            received: list[str] = []

            async def read() -> None:
                async for event in matching:
                    received.append(event.value)
                    if len(received) == 2:
                        return

            reader = asyncio.ensure_future(read())
            await asyncio.sleep(0.3)
            await app.topic(f"{name}-late", value_type=str, internal=True).send_and_wait(value="l")
            await asyncio.wait_for(reader, 10)
    assert sorted(received) == ["e", "l"]


async def test_an_internal_topic_is_created_once_and_checked(redis_url: str, name: str) -> None:
    async with App(name, broker=redis_url) as app:
        topic = app.topic(name, internal=True, partitions=2, retention=60.0)
        await asyncio.gather(*(topic.maybe_declare() for _ in range(3)))
        producer = await app.producer()
        assert await producer.partitions_for(name) == {0, 1}
        with pytest.raises(ValueError, match=f"internal topic '{name}' exists with 2 partitions"):
            await app.topic(name, internal=True, partitions=3).declare()
        assert await producer.partitions_for(f"{name}-never") == frozenset()
        with pytest.raises(
            SendError, match=rf"topic '{name}' partition 2 failed: the topic has partitions 0\.\.1"
        ):
            await producer.send(name, None, b"x", partition=2)
