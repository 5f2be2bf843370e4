"""The transport contract as a test module, for any URL.

Run it with ``pytest --pyargs sdk.testing.suite --transport-url URL`` (the option comes from the
kit's pytest plugin). The ``transport`` fixture lives here, not in the plugin, so that it never
stands in for a fixture of the same name that a user's own suite forgot to define.
"""

from __future__ import annotations

import pytest

from sdk.impl.transports import transport_for
from sdk.types import TransportT

from .contracts import TransportContract


@pytest.fixture(scope="module")
def transport(request: pytest.FixtureRequest) -> TransportT:
    url: str | None = request.config.getoption("transport_url", None)
    if url is None:
        pytest.skip("no --transport-url given")
    return transport_for(url)


class TestTransport(TransportContract):
    """Every clause, on the transport ``--transport-url`` names."""
