"""The transport below the app: URLs, the entry point, groups, commits, crashes, cancellation."""

from __future__ import annotations

import asyncio
import socket
import sys
import textwrap
from asyncio.subprocess import PIPE
from collections.abc import Callable
from contextlib import AbstractContextManager
from importlib.metadata import entry_points

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sdk_redis import CAPABILITIES, RedisTransport, RedisTransportError
from sdk_redis.consumer import RedisConsumer
from sdk_redis.group import Subscription, assign
from sdk_redis.records import config_key, group_key, tp_field
from sdk_redis.transport import parse_url

from sdk import App
from sdk.transports import (
    ENTRY_POINT_GROUP,
    BrokerConnectionError,
    CommitError,
    FetchError,
    SendError,
    TransportError,
    transport_for,
)
from sdk.types import EVERY_CAPABILITY, TP, Message, TopicSettings, TransportT
from sdk.types.transports import PartitionsCallback

WAIT = 10.0


def test_the_entry_point_resolves_the_scheme() -> None:
    (entry,) = [e for e in entry_points(group=ENTRY_POINT_GROUP) if e.name == "redis"]
    assert entry.value == "sdk_redis:RedisTransport"
    assert isinstance(transport_for("redis://127.0.0.1:6379/0"), RedisTransport)
    assert isinstance(App("x", broker="redis://127.0.0.1:6379").transport, RedisTransport)
    transport: TransportT = RedisTransport("redis://127.0.0.1:6379")
    assert transport.capabilities == CAPABILITIES == EVERY_CAPABILITY - {"transactions"}


def test_urls_carry_the_address_and_never_show_credentials() -> None:
    address, timeout = parse_url("redis://app%40corp:s%3Acret@h:7000/3?session_timeout=2.5")
    assert tuple(address) == ("h", 7000, 3, "app@corp", "s:cret")
    assert timeout == 2.5
    transport = RedisTransport("redis://app:secret@h:7000/3")
    assert "secret" not in transport.url
    assert "secret" not in repr(transport)
    assert parse_url("redis://h")[0].port == 6379
    assert parse_url("redis://h")[0].db == 0


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("kafka://h:1", "not a redis:// URL"),
        ("redis:///0", "names a host"),
        ("redis://h:1/x", "database number, not 'x'"),
        ("redis://h:1?timeout=1", "unknown redis:// setting 'timeout'"),
        ("redis://h:1?session_timeout=soon", "session_timeout is seconds, not 'soon'"),
        ("redis://h:1?session_timeout=0.1", "at least 0.5 s"),
        ("redis://u:secret@h:port", r"the port of 'redis://\*\*\*@h:port' is not a number"),
    ],
)
def test_a_bad_url_is_a_clear_error(url: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        RedisTransport(url)


members_st = st.lists(st.sampled_from("abcdef"), min_size=1, max_size=6, unique=True)
topics_st = st.dictionaries(st.sampled_from("tuvwxyz"), st.integers(1, 6), max_size=5)


@given(members=members_st, topics=topics_st, data=st.data())
def test_assign_gives_each_partition_to_one_subscriber(
    members: list[str], topics: dict[str, int], data: st.DataObject
) -> None:
    subscriptions = {
        m: Subscription(tuple(data.draw(st.sets(st.sampled_from(sorted(topics) or ["t"])))))
        for m in members
    }
    shares = assign(members, subscriptions, topics)
    again = assign(list(reversed(members)), subscriptions, topics)
    assert shares == again, "every member computes the same assignment"
    for topic, count in topics.items():
        readers = [m for m in members if topic in subscriptions[m].topics]
        for partition in range(count):
            holders = [m for m in members if TP(topic, partition) in shares[m]]
            assert holders == ([] if not readers else holders), (topic, partition)
            assert len(holders) == (1 if readers else 0), (topic, partition, holders)
            assert set(holders) <= set(readers)


@given(members=members_st, topics=topics_st)
def test_assign_is_balanced_when_all_read_everything(
    members: list[str], topics: dict[str, int]
) -> None:
    everything = Subscription(tuple(topics))
    shares = assign(members, dict.fromkeys(members, everything), topics)
    sizes = [len(share) for share in shares.values()]
    assert max(sizes) - min(sizes) <= 1, shares
    assert sum(sizes) == sum(topics.values())


async def _send(url: str, topic: str, partitions: int, count: int) -> None:
    producer = RedisTransport(url).create_producer()
    await producer.start()
    try:
        await producer.create_topic(topic, TopicSettings(partitions=partitions))
        for i in range(count):
            await producer.send(topic, None, str(i).encode(), partition=i % partitions)
        await producer.flush()
    finally:
        await producer.stop()


async def _until(consumer: RedisConsumer, want: int) -> list[Message]:
    """Fetch until ``want`` messages came (or WAIT passed)."""
    got: list[Message] = []
    deadline = asyncio.get_running_loop().time() + WAIT
    while len(got) < want and asyncio.get_running_loop().time() < deadline:
        for messages in (await consumer.getmany(timeout=0.05)).values():
            got.extend(messages)
    return got


async def test_a_topic_keeps_its_settings_in_the_sdk_s_terms(redis_url: str, name: str) -> None:
    """Stored as declared (not enforced), never turned into Kafka's config names."""
    producer = RedisTransport(redis_url).create_producer()
    await producer.start()
    try:
        settings = TopicSettings(
            partitions=3, replicas=2, retention=60.5, compacting=True, config=(("x", "y"),)
        )
        await producer.create_topic(name, settings)
        assert await producer.partitions_for(name) == {0, 1, 2}
        kept = await producer.client.hgetall(config_key(name))
    finally:
        await producer.stop()
    assert kept == {b"retention": b"60.5", b"compacting": b"True", b"x": b"y"}


async def test_callbacks_run_inside_getmany_as_members_come_and_go(
    redis_url: str, name: str
) -> None:
    await _send(redis_url, name, 4, 0)
    calls: list[tuple[str, str, list[int]]] = []

    def recorder(member: str, what: str) -> PartitionsCallback:
        async def record(tps: frozenset[TP]) -> None:
            calls.append((member, what, sorted(tp.partition for tp in tps)))

        return record

    transport = RedisTransport(redis_url)
    first = transport.create_consumer(
        name, on_assigned=recorder("a", "assigned"), on_revoked=recorder("a", "revoked")
    )
    second = transport.create_consumer(
        name, on_assigned=recorder("b", "assigned"), on_revoked=recorder("b", "revoked")
    )
    await first.start()
    first.subscribe([name])
    assert calls == [], "nothing is called outside getmany"
    await first.getmany(timeout=0.2)
    assert calls == [("a", "assigned", [0, 1, 2, 3])]
    await second.start()
    second.subscribe([name])
    deadline = asyncio.get_running_loop().time() + WAIT
    while len(second.assignment()) < 2 and asyncio.get_running_loop().time() < deadline:
        await first.getmany(timeout=0.05)
        await second.getmany(timeout=0.05)
    assert len(first.assignment()) == len(second.assignment()) == 2
    assert not first.assignment() & second.assignment()
    revoked = sorted(tp.partition for tp in second.assignment())
    assert calls[1:] == [("a", "revoked", revoked), ("b", "assigned", revoked)]
    await second.stop()
    assert calls[-1] == ("b", "revoked", revoked)
    while len(first.assignment()) < 4 and asyncio.get_running_loop().time() < deadline:
        await first.getmany(timeout=0.05)
    assert calls[-1] == ("a", "assigned", revoked)
    await first.stop()


async def test_commit_committed_and_seek(redis_url: str, name: str) -> None:
    await _send(redis_url, name, 1, 5)
    tp = TP(name, 0)
    consumer = RedisTransport(redis_url).create_consumer(name)
    await consumer.start()
    try:
        consumer.subscribe([name])
        assert [m.offset for m in await _until(consumer, 5)] == [0, 1, 2, 3, 4]
        assert await consumer.committed(tp) is None
        await consumer.commit({tp: 3})
        assert await consumer.committed(tp) == 3
        consumer.seek(tp, 1)
        assert [m.value for m in await _until(consumer, 4)] == [b"1", b"2", b"3", b"4"]
        with pytest.raises(ValueError, match="is not assigned"):
            consumer.seek(TP(name, 7), 0)
        with pytest.raises(ValueError, match="offsets start at 0"):
            await consumer.commit({tp: -1})
    finally:
        await consumer.stop()


async def test_a_commit_for_a_partition_another_member_owns_is_refused(
    redis_url: str, name: str
) -> None:
    """A member that missed its heartbeats (a zombie) cannot commit over the new owner."""
    await _send(redis_url, name, 1, 1)
    tp = TP(name, 0)
    consumer = RedisTransport(redis_url).create_consumer(name)
    await consumer.start()
    raw = RedisTransport(redis_url).connect()
    try:
        consumer.subscribe([name])
        await _until(consumer, 1)
        await raw.zadd(group_key(name, "members"), {"usurper": 2**50})
        await raw.hset(group_key(name, "owners"), tp_field(tp), "usurper")
        with pytest.raises(CommitError, match="member usurper owns it now"):
            await consumer.commit({tp: 1})
        assert await consumer.committed(tp) is None
        await raw.zrem(group_key(name, "members"), "usurper")  # gone: its claim is void
        await consumer.commit({tp: 1})
        assert await consumer.committed(tp) == 1
    finally:
        await consumer.stop()
        await raw.aclose()


_CRASHING_MEMBER = """
import asyncio, os, sys
from sdk.types import TP
from sdk_redis import RedisTransport

async def main(url, topic):
    consumer = RedisTransport(url).create_consumer(topic)
    await consumer.start()
    consumer.subscribe([topic])
    got = []
    while len(got) < 3:
        for messages in (await consumer.getmany(timeout=0.1)).values():
            got.extend(messages)
    await consumer.commit({TP(topic, 0): 3})
    print(sorted(tp.partition for tp in consumer.assignment()), flush=True)
    os._exit(0)  # dies holding its partitions: no stop, no goodbye

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


async def test_a_crashed_member_s_partitions_go_to_the_others_after_its_session(
    redis_url: str, name: str
) -> None:
    url = f"{redis_url}?session_timeout=1"
    await _send(redis_url, name, 1, 6)
    crashed = await asyncio.create_subprocess_exec(
        sys.executable, "-c", textwrap.dedent(_CRASHING_MEMBER), url, name, stdout=PIPE
    )
    out, _ = await asyncio.wait_for(crashed.communicate(), WAIT)
    assert (crashed.returncode, out.strip()) == (0, b"[0]")
    survivor = RedisTransport(url).create_consumer(name)
    await survivor.start()
    try:
        survivor.subscribe([name])
        loop = asyncio.get_running_loop()
        started = loop.time()
        rest = await _until(survivor, 3)
        took = loop.time() - started
    finally:
        await survivor.stop()
    assert [m.value for m in rest] == [b"3", b"4", b"5"], "resumed at the crashed one's commit"
    assert took < WAIT, f"took {took:.1f} s"


async def test_cancelling_a_fetching_consumer_stops_it(redis_url: str, name: str) -> None:
    """redis-py can swallow a cancellation mid-command; a consumer must stop all the same."""
    await _send(redis_url, name, 1, 50)
    for attempt in range(12):
        consumer = RedisTransport(redis_url).create_consumer(f"{name}-{attempt}")
        await consumer.start()
        consumer.subscribe([name])

        async def fetch(consumer: RedisConsumer = consumer) -> None:
            while True:
                for tp in await consumer.getmany(timeout=0.05, max_records=1):
                    consumer.seek(tp, 0)  # always more to fetch: commands back to back

        fetching = asyncio.ensure_future(fetch())
        await asyncio.sleep(0.05 + attempt * 0.011)
        fetching.cancel()
        done, _ = await asyncio.wait([fetching], timeout=2.0)
        await consumer.stop()
        assert done, f"attempt {attempt}: the fetching task ignored its cancellation"
        assert fetching.cancelled()


async def test_redis_going_away_is_a_clear_error_naming_where(
    name: str, start_redis: Callable[[], AbstractContextManager[str]]
) -> None:
    with start_redis() as url:
        transport = RedisTransport(url)
        producer = transport.create_producer()
        consumer = transport.create_consumer(name)
        await producer.start()
        await consumer.start()
        await producer.create_topic(name, TopicSettings(partitions=2))
        consumer.subscribe([name])
        await consumer.getmany(timeout=0.1)
    # the server is gone
    ack = await producer.send(name, None, b"lost", partition=1)
    with pytest.raises(SendError, match=f"sending to topic '{name}' partition 1 failed"):
        await ack
    with pytest.raises(TransportError, match=f"group '{name}'") as fetching:
        await consumer.getmany(timeout=0.1)
    assert isinstance(fetching.value, (FetchError, RedisTransportError)), fetching.value
    with pytest.raises(RedisTransportError, match=f"leave of group '{name}'"):
        await consumer.stop()
    await producer.stop()


async def test_no_server_at_start_is_a_broker_connection_error(name: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])  # closed once the block ends: nobody listens
    transport = RedisTransport(f"redis://u:secret@127.0.0.1:{port}/0")
    for client in (transport.create_producer(), transport.create_consumer(name)):
        with pytest.raises(
            BrokerConnectionError, match=f"Redis at redis://\\*\\*\\*@127.0.0.1:{port}"
        ):
            await client.start()
        await client.stop()
