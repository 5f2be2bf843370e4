"""Every transport we ship passes the transport contract, on every broker there is."""

from __future__ import annotations

import uuid

import pytest

from sdk.impl.transports import transport_for
from sdk.impl.transports.kafka import KafkaTransport
from sdk.testing.contracts import TransportContract
from sdk.types import TransportT
from tests.conftest import BROKERS, pick_broker


@pytest.fixture(scope="module", params=BROKERS)
def transport(request: pytest.FixtureRequest) -> TransportT:
    broker = pick_broker(request, request.param)
    if broker.url.startswith("memory://"):
        return transport_for(f"memory://kit-{uuid.uuid4().hex}")
    return KafkaTransport(broker.url, **broker.settings)


class TestShippedTransports(TransportContract):
    pass
