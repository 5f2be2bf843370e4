"""The conformance kit on ``redis://``: every capability the transport declares is tested, by the
transport contract and by the app contract (``sdk.App`` on top of it)."""

from __future__ import annotations

import pytest
from sdk_redis import RedisTransport

from sdk.testing.contracts import AppContract, TransportContract
from sdk.types import TransportT


@pytest.fixture(scope="module")
def transport(redis_url: str) -> TransportT:
    return RedisTransport(redis_url)


class TestRedisTransport(TransportContract):
    """No ``capabilities`` set: the kit tests all that ``RedisTransport`` declares."""


class TestRedisApp(AppContract):
    """Apps of one id sharing partitions, restarts, decode-error policies and stopping, on
    Redis Streams."""
