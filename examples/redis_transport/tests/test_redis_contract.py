"""The conformance kit on ``redis://``: every capability the transport declares is tested."""

from __future__ import annotations

import pytest
from sdk_redis import RedisTransport

from sdk.testing.contracts import TransportContract
from sdk.types import TransportT


@pytest.fixture(scope="module")
def transport(redis_url: str) -> TransportT:
    return RedisTransport(redis_url)


class TestRedisTransport(TransportContract):
    """No ``capabilities`` set: the kit tests all that ``RedisTransport`` declares."""
