"""Transports by URL scheme, kafka:// URLs, and credentials kept out of sight."""

from __future__ import annotations

import dataclasses
import math
import re
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from sdk import App
from sdk.errors import (
    AuthenticationError,
    BrokerConnectionError,
    CommitError,
    FetchError,
    SDKError,
    SendError,
    TopicError,
    TransportError,
    UnknownTransportError,
)
from sdk.impl.partitioning import murmur2
from sdk.impl.transports import ENTRY_POINT_GROUP, redact, register, transport_for
from sdk.impl.transports.kafka import KafkaSettings, KafkaTransport, parse_url, topic_config
from sdk.impl.transports.memory import MemoryTransport
from sdk.types import TP, TopicSettings


@pytest.mark.parametrize(
    ("key", "java"),
    [  # Kafka's Java client, Utils.murmur2, signed
        ("21", -973932308),
        ("foobar", -790332482),
        ("a-little-bit-long-string", -985981536),
        ("a-little-bit-longer-string", -1486304829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
        ("abc", 479470107),
    ],
)
def test_murmur2_is_the_java_clients(key: str, java: int) -> None:
    assert murmur2(key.encode()) == java & 0xFFFFFFFF


def test_schemes_select_transports() -> None:
    assert isinstance(transport_for("memory://"), MemoryTransport)
    assert isinstance(transport_for("kafka://127.0.0.1:9092"), KafkaTransport)
    with pytest.raises(ValueError, match=r"no transport for 'nats://\*\*\*@host:1'.*kafka://"):
        transport_for("nats://user:secret@host:1")


def install_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, distribution: str, entry: str
) -> None:
    """A distribution ``distribution`` with ``entry`` in ``sdk.transports``, as pip installs one:
    a dist-info directory on ``sys.path``, which ``importlib.metadata`` reads at each call."""
    info = tmp_path / f"{distribution}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{entry}\n")
    monkeypatch.syspath_prepend(str(tmp_path))


def test_register_and_entry_points_add_schemes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    register("mem2", MemoryTransport)
    assert isinstance(transport_for("mem2://x"), MemoryTransport)
    (tmp_path / "thirdparty.py").write_text(
        "from sdk.impl.transports.memory import MemoryTransport\n"
        "def open_url(url):\n    return MemoryTransport('memory://' + url.split('://')[1])\n"
    )
    install_entry_point(tmp_path, monkeypatch, "thirdparty", "third = thirdparty:open_url")
    assert transport_for("third://shop").url == "memory://shop"
    monkeypatch.delitem(sys.modules, "thirdparty")


def test_an_unknown_scheme_lists_every_scheme_that_could_be_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Registered ones and entry points alike, the latter by name: none is loaded to list it."""
    register("listed-mem", MemoryTransport)
    install_entry_point(tmp_path, monkeypatch, "notloaded", "unloaded = notloaded_pkg:open_url")
    with pytest.raises(UnknownTransportError) as caught:
        transport_for("nats://user:secret@host:1")
    error = caught.value
    assert {"memory", "kafka", "listed-mem", "unloaded"} <= set(error.known)
    assert error.known == sorted(error.known)
    assert error.scheme == "nats"
    assert str(error).startswith(
        "no transport for 'nats://***@host:1': nothing is registered for 'nats'; known schemes are "
    )
    for scheme in ("memory://", "kafka://", "listed-mem://", "unloaded://"):
        assert scheme in str(error)
    assert "secret" not in str(error)
    assert "notloaded_pkg" not in sys.modules  # listed, never imported
    assert isinstance(error, ValueError)  # what callers caught before
    with pytest.raises(UnknownTransportError, match=r"'127\.0\.0\.1:9092': it names no scheme"):
        transport_for("127.0.0.1:9092")


def test_kafka_urls_carry_hosts_settings_and_credentials() -> None:
    servers, settings = parse_url(
        "kafka://user%40corp:p%3Ass@h1:9092,h2:9093?acks=all&linger_ms=5&compression_type=lz4"
    )
    assert servers == ["h1:9092", "h2:9093"]
    assert settings == {
        "acks": "all",
        "linger_ms": 5,
        "compression_type": "lz4",
        "sasl_plain_username": "user@corp",
        "sasl_plain_password": "p:ss",
    }
    assert parse_url("kafka://h:1?acks=1")[1] == {"acks": 1}
    with pytest.raises(ValueError, match="unknown kafka:// setting 'lingerms'"):
        parse_url("kafka://h:1?lingerms=5")


@pytest.mark.parametrize(
    ("url", "settings"), [("kafka://h:1?acks=0", {}), ("kafka://h:1", {"acks": 0})]
)
def test_acks_0_is_refused_where_no_answer_could_say_where_a_send_landed(
    url: str, settings: KafkaSettings
) -> None:
    """aiokafka answers an acks=0 send with None: every send would fail on its answer."""
    refused = f"{re.escape(url)}: acks=0 is refused: a send's answer says where"
    with pytest.raises(ValueError, match=refused):
        KafkaTransport(url, **settings)
    assert KafkaTransport("kafka://h:1?acks=1").url == "kafka://h:1?acks=1"


def test_credentials_never_show() -> None:
    url = "kafka://alice:hunter2@broker:9092?sasl_mechanism=PLAIN"
    transport = KafkaTransport(url)
    app = App("shop", broker=transport)
    for text in (repr(transport), transport.url, repr(app), redact(url)):
        assert "hunter2" not in text
        assert "alice" not in text
    assert redact(url) == "kafka://***@broker:9092?sasl_mechanism=PLAIN"
    with pytest.raises(ValueError, match="names at least one host") as caught:
        parse_url("kafka://alice:hunter2@")
    assert "hunter2" not in str(caught.value)


def test_topic_settings_are_one_frozen_checked_value() -> None:
    settings = TopicSettings(partitions=3, retention=60.0, config=(("b", "2"), ("a", "1")))
    same = TopicSettings(partitions=3, retention=60.0, config=(("a", "1"), ("b", "2")))
    assert settings.config == (("a", "1"), ("b", "2"))  # one order, so equal settings are equal
    assert settings == same
    assert hash(settings) == hash(same)
    assert (settings.replicas, settings.compacting, settings.deleting) == (1, None, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.partitions = 4  # type: ignore[misc]  # the point: it cannot be changed
    with pytest.raises(TypeError):
        TopicSettings(3)  # type: ignore[misc]  # keywords only: no guessing which int is which


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"partitions": 0}, "at least 1 partition, not 0"),
        ({"replicas": 0}, "at least 1 replica, not 0"),
        ({"retention": -1.0}, "retention is seconds, 0 or more, not -1.0"),
        ({"retention": math.inf}, "not inf"),
        ({"retention": math.nan}, "not nan"),
        ({"config": (("a", "1"), ("b", "2"), ("a", "3"))}, "config sets 'a' more than once"),
    ],
)
def test_topic_settings_no_transport_could_make_are_refused(
    given: dict[str, Any], says: str
) -> None:
    with pytest.raises(ValueError, match=says):
        TopicSettings(**given)


def test_only_kafka_turns_topic_settings_into_kafka_config() -> None:
    assert topic_config(TopicSettings()) == {}
    assert topic_config(
        TopicSettings(
            partitions=2,
            retention=3600.5,
            compacting=True,
            deleting=True,
            config=(("max.message.bytes", "123456"),),
        )
    ) == {
        "retention.ms": "3600500",
        "cleanup.policy": "compact,delete",
        "max.message.bytes": "123456",
    }
    assert topic_config(TopicSettings(compacting=False, deleting=True)) == {
        "cleanup.policy": "delete"
    }
    explicit = TopicSettings(retention=1.0, config=(("retention.ms", "-1"),))
    assert topic_config(explicit) == {"retention.ms": "-1"}  # config says it: config counts


def test_transport_errors_are_one_family_each_saying_what_and_where() -> None:
    for kind in (BrokerConnectionError, SendError, TopicError, FetchError, CommitError):
        assert issubclass(kind, TransportError)
    assert issubclass(TransportError, SDKError)
    assert issubclass(AuthenticationError, BrokerConnectionError)
    assert issubclass(BrokerConnectionError, ConnectionError)  # as it was
    assert issubclass(UnknownTransportError, TransportError)
    assert issubclass(UnknownTransportError, ValueError)  # what an unknown scheme raised
    assert issubclass(UnknownTransportError, LookupError)  # as UnknownCodecError
    sent = SendError("refused", topic="orders", partition=3)
    assert str(sent) == "sending to topic 'orders' partition 3 failed: refused"
    assert (sent.topic, sent.partition, sent.reason) == ("orders", 3, "refused")
    assert str(SendError("timed out", topic="orders")) == (
        "sending to topic 'orders' failed: timed out"
    )
    assert str(TopicError("no", topic="t")) == "creating topic 't' failed: no"
    looked = TopicError("no", topic="t", doing="looking up the partitions of")
    assert str(looked) == "looking up the partitions of topic 't' failed: no"
    committed = CommitError("gone", group="g", partitions=[TP("b", 2), TP("a", 1), TP("a", 0)])
    assert str(committed) == (
        "committing offsets of topic 'a' partitions 0, 1; topic 'b' partition 2 "
        "for group 'g' failed: gone"
    )
    assert committed.partitions == {TP("a", 0), TP("a", 1), TP("b", 2)}
    fetched = FetchError("gone", group="g", partitions=[TP("a", 0)])
    assert str(fetched) == "fetching topic 'a' partition 0 for group 'g' failed: gone"
    assert str(FetchError("gone", group="g")) == "fetching messages for group 'g' failed: gone"


async def test_memory_raises_as_a_broker_would() -> None:
    """The partition count is the broker's to say: a ``SendError``; a negative offset is wrong
    whatever the broker holds: a ``ValueError``, as on every shipped transport."""
    transport = MemoryTransport(f"memory://errors-{uuid.uuid4().hex}")
    producer = transport.create_producer()
    await producer.create_topic("t", TopicSettings(partitions=2))
    with pytest.raises(SendError, match=r"topic 't' partition 2 failed: .* partitions 0\.\.1"):
        await producer.send("t", b"k", b"v", partition=2)
    consumer = transport.create_consumer("g")
    await consumer.start()
    consumer.subscribe(["t"])
    await consumer.getmany(timeout=0)
    try:
        with pytest.raises(ValueError, match=r"cannot commit .* at offset -1: offsets start at 0"):
            await consumer.commit({TP("t", 0): -1})
        with pytest.raises(ValueError, match=r"cannot seek .* at offset -1: offsets start at 0"):
            consumer.seek(TP("t", 0), -1)
    finally:
        await consumer.stop()
