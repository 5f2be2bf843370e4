"""The kit's pytest plugin (entry point ``pytest11``): the options ``--transport-url`` and
``--kit-profile``.

``--transport-url`` is read by ``sdk.testing.suite``: ``pytest --pyargs sdk.testing.suite
--transport-url redis://...`` runs the whole transport contract on any registered scheme.
``--kit-profile long`` makes every contract mixin run many more examples.
"""

from __future__ import annotations

import pytest

from .profiles import PROFILES


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sdk-testing", "channels-sdk conformance kit")
    group.addoption(
        "--transport-url", default=None, help="run sdk.testing.suite on the transport at URL"
    )
    group.addoption(
        "--kit-profile",
        default=None,
        choices=sorted(PROFILES),
        help="how many examples each clause runs (default: the class's, quick)",
    )
