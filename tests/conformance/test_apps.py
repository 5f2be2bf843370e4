"""The app contract on every transport we ship, on every broker there is."""

from __future__ import annotations

import uuid

import pytest

from sdk.impl.transports import transport_for
from sdk.impl.transports.kafka import KafkaTransport
from sdk.testing.contracts import AppContract
from sdk.types import TransportT
from tests.conftest import BROKERS, pick_broker


class TestMemoryApps(AppContract):
    """memory:// is fast enough for the long profile in every run (about 4 s)."""

    profile = "long"

    @pytest.fixture
    def transport(self) -> TransportT:
        return transport_for(f"memory://apps-{uuid.uuid4().hex}")


class TestKafkaApps(AppContract):
    """kafka:// on Tansu, on Apache Kafka, and on an external cluster if one is named."""

    @pytest.fixture(params=[name for name in BROKERS if name != "memory"])
    def transport(self, request: pytest.FixtureRequest) -> TransportT:
        broker = pick_broker(request, request.param)
        return KafkaTransport(broker.url, **broker.settings)
