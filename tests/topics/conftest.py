"""Every topic test runs on each broker there is: memory://, Tansu, an external cluster."""

from __future__ import annotations

import uuid

import pytest

from sdk import App
from sdk.impl.transports.kafka import KafkaTransport
from tests.brokers import Broker
from tests.conftest import BROKERS, pick_broker


@pytest.fixture(params=BROKERS)
def broker(request: pytest.FixtureRequest) -> Broker:
    return pick_broker(request, request.param)


def make_app(broker: Broker, id: str) -> App:
    """An app on the test's broker; use it as ``async with``, which stops it."""
    if broker.url.startswith("memory://"):
        return App(id, broker=broker.url)
    return App(id, broker=KafkaTransport(broker.url, **broker.settings))


@pytest.fixture
def name() -> str:
    """A topic name (and group id) no other test uses."""
    return f"t-{uuid.uuid4().hex[:12]}"
