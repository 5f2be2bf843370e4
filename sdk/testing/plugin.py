"""The kit's pytest plugin (entry point ``pytest11``): ``--transport-url`` and ``--kit-profile``.

With ``--transport-url URL`` a ``transport`` fixture gives ``transport_for(URL)``, so
``pytest --pyargs sdk.testing.suite --transport-url redis://...`` runs the whole transport
contract on any registered scheme. A test module's own ``transport`` fixture wins over this one.
"""

from __future__ import annotations

import pytest

from sdk.impl.transports import transport_for
from sdk.types import TransportT

from .profiles import PROFILES


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sdk-testing", "channels-sdk conformance kit")
    group.addoption(
        "--transport-url", default=None, help="run TransportContract on the transport at URL"
    )
    group.addoption(
        "--kit-profile",
        default=None,
        choices=sorted(PROFILES),
        help="how many examples each clause runs (default: the class's, quick)",
    )


@pytest.fixture(scope="session")
def transport(request: pytest.FixtureRequest) -> TransportT:
    url: str | None = request.config.getoption("transport_url")
    if url is None:
        pytest.skip("no --transport-url given, and the test module has no transport fixture")
    return transport_for(url)
