"""Every transport we ship passes the transport contract, on every broker there is."""

from __future__ import annotations

import uuid

import pytest

from sdk.impl.transports import transport_for
from sdk.impl.transports.kafka import KafkaTransport
from sdk.testing.contracts import TransportContract
from sdk.types import TransportT
from tests.conftest import BROKERS, pick_broker


class TestMemory(TransportContract):
    """memory:// is fast enough for the long profile in every run (about 30 s)."""

    profile = "long"

    @pytest.fixture
    def transport(self) -> TransportT:
        return transport_for(f"memory://kit-{uuid.uuid4().hex}")


class TestKafka(TransportContract):
    """kafka:// on Tansu, on Apache Kafka, and on an external cluster if one is named."""

    @pytest.fixture(params=[name for name in BROKERS if name != "memory"])
    def transport(self, request: pytest.FixtureRequest) -> TransportT:
        broker = pick_broker(request, request.param)
        return KafkaTransport(broker.url, **broker.settings)
